package email_test

import (
	"bytes"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/email"
)

var boundaryRE = regexp.MustCompile(`[0-9a-f]{60}`)

// canonical makes two compositions of one message comparable: the random
// multipart boundary becomes a fixed word and the header fields (the
// library writes them in map order) are unfolded and sorted. The body is
// kept byte for byte.
func canonical(t testing.TB, msg []byte) (headers []string, body string) {
	t.Helper()
	s := boundaryRE.ReplaceAllString(string(msg), "BOUNDARY")
	head, body, ok := strings.Cut(s, "\r\n\r\n")
	if !ok {
		t.Fatalf("no end of headers in %q", s)
	}
	headers = strings.Split(strings.ReplaceAll(head, "\r\n ", " "), "\r\n")
	slices.Sort(headers)
	return headers, body
}

func assertSameAsLibrary(t testing.TB, from string, m *incidents.Mail) {
	t.Helper()
	got, err := email.Compose(from, m)
	if err != nil {
		t.Fatal(err)
	}
	want, err := email.ComposeWithLibrary(from, m)
	if err != nil {
		t.Fatal(err)
	}
	gh, gb := canonical(t, got)
	wh, wb := canonical(t, want)
	if !slices.Equal(gh, wh) {
		t.Fatalf("headers differ from the library's:\n got %q\nwant %q", gh, wh)
	}
	if gb != wb {
		t.Fatalf("body differs from the library's:\n got %q\nwant %q", gb, wb)
	}
}

func TestComposeWritesWhatTheLibraryWrites(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Wir haben festgestellt, dass Unbefugte auf Daten zugreifen konnten. ", 6)
	cases := map[string]*incidents.MailContent{
		"text and html": {Subject: "Notice of Data Breach", Text: "What Happened\nSomething.", HTML: "<h2>What Happened</h2>"},
		"text only":     {Subject: "Notice", Text: "Dear Ana,\r\n\r\nWe write = because \t\n"},
		"html only":     {Subject: "Notice", HTML: "<p>Hello</p>\n"},
		"no subject":    {Text: "x", HTML: "<p>x</p>"},
		"non-ascii subject and bodies": {Subject: "Benachrichtigung über eine Datenschutzverletzung bei Müller & Söhne GmbH – bitte lesen",
			Text: "Sehr geehrte Frau Müller,\n" + long + "\n\t \n", HTML: "<p>Grüße " + long + "</p>"},
		"long lines and escapes at the edge": {Subject: "S", Text: strings.Repeat("a", 74) + "=b" + strings.Repeat("c", 73) + " \n" + strings.Repeat("d", 75) + "\t",
			HTML: strings.Repeat("é", 100) + "\r\r\n\n\r"},
		"cr then escaped byte then lf": {Subject: "S", Text: "a\r\xc3\xa9\nb", HTML: "x"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m := &incidents.Mail{To: "Ana.Muller@example.com", Incident: "INC-2026-0001", MessageID: "inc-2026-0001.n1.abc@acme.example",
				Date: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), Content: c}
			assertSameAsLibrary(t, "Acme Privacy Team <privacy@acme.example>", m)
			assertSameAsLibrary(t, "privacy@acme.example", m)
			assertSameAsLibrary(t, "Société Générale <privacy@acme.example>", m)
		})
	}
}

func TestComposeInPartsWritesWhatTheLibraryWritesJoined(t *testing.T) {
	t.Parallel()
	text := []string{"Dear ", "Ana Müller", ",\n\n", strings.Repeat("We found that someone could read your data. ", 4), "\n"}
	html := []string{"<p>Dear ", "Ana M&uuml;ller", ",</p>\n<p>", strings.Repeat("x", 73), " ", "</p>\n"}
	for name, c := range map[string]*incidents.MailContent{
		"both in parts": {Subject: "Notice", TextParts: text, HTMLParts: html},
		"text in parts": {Subject: "Notice", TextParts: text},
		"html in parts": {Subject: "Notice", HTMLParts: html},
		"empty parts":   {Subject: "Notice", TextParts: []string{"", "x", ""}, HTMLParts: []string{""}},
	} {
		t.Run(name, func(t *testing.T) {
			m := &incidents.Mail{To: "ana@example.com", Incident: "INC-2026-0001", MessageID: "id@acme.example",
				Date: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), Content: c}
			assertSameAsLibrary(t, "Acme <privacy@acme.example>", m) // the library gets the parts joined
			joinedText, joinedHTML := c.Bodies()
			m2 := *m
			m2.Content = &incidents.MailContent{Subject: c.Subject, Text: joinedText, HTML: joinedHTML}
			a, _ := email.Compose("Acme <privacy@acme.example>", m)
			b, _ := email.Compose("Acme <privacy@acme.example>", &m2)
			ah, ab := canonical(t, a)
			bh, bb := canonical(t, b)
			if !slices.Equal(ah, bh) || ab != bb {
				t.Fatalf("in parts:\n%s\njoined:\n%s", a, b)
			}
		})
	}
}

func TestComposeMessageParsesWithTheRightHeaders(t *testing.T) {
	t.Parallel()
	m := &incidents.Mail{To: "ana@example.com", Incident: "INC-2026-0001", MessageID: "inc-2026-0001.n1.abc@acme.example",
		Date:    time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
		Content: &incidents.MailContent{Subject: "Notice of Data Breach", Text: "What Happened", HTML: "<h2>What Happened</h2>"}}
	data, err := email.Compose("Acme <privacy@acme.example>", m)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"To": "<ana@example.com>", "From": `"Acme" <privacy@acme.example>`, "Subject": "Notice of Data Breach",
		"Message-Id": "<inc-2026-0001.n1.abc@acme.example>", "X-Incident-Id": "INC-2026-0001", "Auto-Submitted": "auto-generated",
		"Date": "Sat, 28 Nov 2026 12:00:00 +0000", "Mime-Version": "1.0"} {
		if got := msg.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative;") {
		t.Errorf("Content-Type %q", ct)
	}
}

// qpReference encodes with the standard library's writer.
func qpReference(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func FuzzQuotedPrintableMatchesStandardLibrary(f *testing.F) {
	for _, s := range []string{"", "a", "a \n", "=", "é", "\r\r\n", "a\r\xc3\n", strings.Repeat("x", 75) + " ", strings.Repeat("x", 74) + "==\t\t\n",
		strings.Repeat("ü", 40), "line \r\nnext\t"} {
		f.Add(s)
	}
	for n := 70; n <= 76; n++ { // a space or tab escaped just before a line end
		f.Add(strings.Repeat("x", n) + " \n")
		f.Add(strings.Repeat("x", n) + "\t")
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := "prefix" + qpReference(s)
		got := string(email.AppendQuotedPrintable([]byte("prefix"), s))
		if got != want {
			t.Fatalf("quoted-printable of %q:\n got %q\nwant %q", s, got, want)
		}
		// In pieces (the renderer's parts), cut anywhere: the same.
		a, b := len(s)/3, 2*len(s)/3
		for _, cuts := range [][]string{{s[:a], s[a:b], s[b:]}, {"", s, ""}, {s[:b], s[b:]}} {
			got := string(email.AppendQPParts([]byte("prefix"), cuts[0], cuts[1:]))
			if got != want {
				t.Fatalf("quoted-printable of %q in parts %q:\n got %q\nwant %q", s, cuts, got, want)
			}
		}
	})
}

func FuzzComposeMatchesLibrary(f *testing.F) {
	f.Add("Notice of Data Breach", "What Happened\nSomething.", "<h2>What</h2>", "ana@example.com", "INC-2026-0001")
	f.Add("Grüße", "", "<p>é</p>", "weird address", "INC 1")
	f.Add("", "only text \n", "", "a@b.example, c@d.example", "x")
	f.Fuzz(func(t *testing.T, subject, text, html, to, incident string) {
		if text == "" && html == "" {
			return // composed by the library itself
		}
		m := &incidents.Mail{To: to, Incident: incident, MessageID: "id@acme.example", Date: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
			Content: &incidents.MailContent{Subject: subject, Text: text, HTML: html}}
		if strings.ContainsAny(subject+to+incident, "\r\n") {
			return // header values never hold line ends (the renderer refuses them)
		}
		assertSameAsLibrary(t, "Acme <privacy@acme.example>", m)
	})
}

func BenchmarkCompose(b *testing.B) {
	m := mail("person@example.com", 1)
	m.Content.Text = strings.Repeat("What happened. ", 100)
	m.Content.HTML = "<p>" + strings.Repeat("What happened. ", 100) + "</p>"
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := email.Compose("privacy@acme.example", m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := email.ComposeWithLibrary("privacy@acme.example", m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
