package templates

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

// mustNew loads the templates with an override, failing the test on error.
func mustNew(t testing.TB, override fs.FS) *Set {
	t.Helper()
	s, err := New(override, "")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// allRegimes are the regimes the shipped breach notice claims.
var allRegimes = []string{"california", "gdpr", "uk-gdpr", "hipaa", "australia", "india", "china"}

// sparse is a notice with what legal must give and little else: no
// recipient name or categories, no DPO or website, an unknown breach date,
// notice delayed for law enforcement, no ID numbers.
func sparse() Data {
	d := minimalSample(allRegimes, false)
	d.Incident.LawEnforcementDelay, d.Incident.NoLawEnforcementDelay = true, false
	d.Recipient.Country = "DE"
	return d
}

// formatMessage lays a message out for a golden file.
func formatMessage(m *Message) string {
	return "Subject: " + m.Subject + "\n\n--- text\n" + m.Text + "\n--- html\n" + m.HTML
}

// TestRenderGolden renders the shipped notice in each locale and compares
// it with testdata/render/*.golden (rewrite them with -update and review
// the diff).
func TestRenderGolden(t *testing.T) {
	s := mustNew(t, nil)
	full := Sample()
	full.Notice.Regimes = allRegimes
	drill := Sample()
	drill.Notice.Drill, drill.Notice.Test = true, true
	tests := []struct {
		name, locale string
		data         Data
	}{
		{"en", "en", full},
		{"en-sparse", "en-US", sparse()},
		{"en-drill-test", "en", drill},
		{"de", "de-AT", full},
		{"de-sparse", "de", sparse()},
		{"de-drill-test", "de", drill},
		{"es", "es-MX", full},
		{"es-sparse", "es", sparse()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := s.Render("breach-notice", tt.locale, tt.data)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			got := formatMessage(m)
			file := filepath.Join("testdata", "render", "breach-notice."+tt.name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Render(breach-notice, %s) mismatch (-want +got):\n%s", tt.locale, diff)
			}
		})
	}
}

// TestRenderContent checks what legal and the regimes ask of the shipped
// notice, in every locale: the California title and headings, the dates,
// the involved data, the contacts, and the identity-theft block only when
// ID numbers were involved.
func TestRenderContent(t *testing.T) {
	s := mustNew(t, nil)
	for _, locale := range []string{"en", "de", "es"} {
		t.Run(locale, func(t *testing.T) {
			full := Sample()
			full.Notice.Regimes = allRegimes
			m, err := s.Render("breach-notice", locale, full)
			if err != nil {
				t.Fatal(err)
			}
			w := wordsFor(locale)
			for _, body := range []string{m.Text, m.HTML} {
				for _, h := range []string{"Notice of Data Breach", "What Happened", "What Information Was Involved",
					"What We Are Doing", "What You Can Do", "For More Information"} {
					// California's headings, in the notice's language.
					if l, ok := w.headings[h]; ok {
						h = l
					}
					if !strings.Contains(body, h) {
						t.Errorf("rendered notice lacks the heading %q", h)
					}
				}
				for _, want := range []string{
					"Example Corp", "1-800-555-0100", "privacy@example.com", "https://example.com/security-notice",
					"Dana Smith, Data Protection Officer",
					w.formatDate(full.Incident.DiscoveredAt), w.formatRange(full.Incident.BreachStart, full.Incident.BreachEnd),
					w.label("password_hash"), w.label("ssn"),
					"12 months of free credit monitoring",
					// Agency contacts come from the catalog, never the template.
					"Example State Attorney General", "1 Capitol Way", "1-800-555-0199",
					"Someone could try to use your email address",
					// The reference a person can quote, and the date of the
					// notice (Cal. Civ. Code 1798.82(d)(2)(C)).
					full.Notice.Reference, w.formatDate(full.Notice.Date),
				} {
					if !strings.Contains(body, want) {
						t.Errorf("rendered notice lacks %q", want)
					}
				}
			}
			// Without ID numbers, and without laws asking for them, there
			// is no identity-theft block and no agency contacts.
			full.Recipient.DataCategories = []string{"email"}
			full.Incident.IdentityTheftProtection = ""
			full.Content = Content{}
			m, err = s.Render("breach-notice", locale, full)
			if err != nil {
				t.Fatal(err)
			}
			for _, body := range []string{m.Text, m.HTML} {
				if strings.Contains(body, "Example State Attorney General") || strings.Contains(body, w.label("ssn")) {
					t.Errorf("notice without ID numbers shows the identity-theft block or the incident's SSN category:\n%s", body)
				}
			}
		})
	}
}

// TestRenderEscapesHostileName checks that what a customer's name says is
// shown, never run or turned into markup or a mail header.
func TestRenderEscapesHostileName(t *testing.T) {
	s := mustNew(t, nil)
	d := Sample()
	d.Recipient.Name = `<script>alert("x")</script><img src=x onerror=alert(1)> & "Bob"` + "\r\nBcc: all@example.com"
	d.Company.Name = `Acme <b>Corp</b>`
	override := fstest.MapFS{
		"greeting/meta.yaml":      {Data: []byte("description: Greets by name.\nregimes: []\n")},
		"greeting/en/subject.txt": {Data: []byte("Hello {{with .Recipient.Name}}{{.}}{{end}}\n")},
		"greeting/en/body.txt":    {Data: []byte("Hello {{with .Recipient.Name}}{{.}}{{end}}\n")},
		"greeting/en/body.html":   {Data: []byte(`{{with .Recipient.Name}}<p title="{{.}}">Hello {{.}}</p><a href="{{.}}">x</a>{{end}}` + "\n")},
	}
	s2 := mustNew(t, override)
	for _, tc := range []struct {
		set  *Set
		name string
	}{{s, "breach-notice"}, {s2, "greeting"}} {
		m, err := tc.set.Render(tc.name, "en", d)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"<script", "<img", "<b>Corp", `"Bob"`} {
			if strings.Contains(m.HTML, bad) {
				t.Errorf("%s: HTML contains %q unescaped:\n%s", tc.name, bad, m.HTML)
			}
		}
		if !strings.Contains(m.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s: HTML does not show the name escaped:\n%s", tc.name, m.HTML)
		}
		if strings.ContainsAny(m.Subject, "\r\n") {
			t.Errorf("%s: subject %q spans lines; a name must not add a mail header", tc.name, m.Subject)
		}
		if tc.name == "greeting" && !strings.Contains(m.Text, "<script>") {
			t.Errorf("the plain text should show the name as it is:\n%s", m.Text)
		}
	}
}

// TestRenderMissingFields checks that data the template prints, or a regime
// needs, cannot be left empty: the error names the file, line and field,
// never the data.
func TestRenderMissingFields(t *testing.T) {
	s := mustNew(t, nil)
	tests := []struct {
		name   string
		locale string
		change func(*Data)
		want   []string
	}{
		{"what happened", "en", func(d *Data) { d.Incident.WhatHappened = "  " }, []string{
			"embedded:breach-notice/en/body.html:21:20: Incident.WhatHappened is empty; the notice would print nothing here",
			"embedded:breach-notice/en/body.txt:19:3: Incident.WhatHappened is empty; the notice would print nothing here",
		}},
		{"discovery date, in German", "de", func(d *Data) { d.Incident.DiscoveredAt = time.Time{} }, []string{
			"embedded:breach-notice/de/body.html:30:38: Incident.DiscoveredAt is empty; the notice would print nothing here",
			"embedded:breach-notice/de/body.txt:33:21: Incident.DiscoveredAt is empty; the notice would print nothing here",
		}},
		{"data categories", "en", func(d *Data) { d.Incident.DataCategories = nil; d.Recipient.DataCategories = nil }, []string{
			"embedded:breach-notice/en/body.html:37:20: Recipient.DataCategories and Incident.DataCategories are empty; the notice would print nothing here",
			"embedded:breach-notice/en/body.txt:46:20: Recipient.DataCategories and Incident.DataCategories are empty; the notice would print nothing here",
		}},
		{"gdpr needs the likely consequences", "en", func(d *Data) {
			d.Notice.Regimes = []string{"gdpr"}
			d.Incident.LikelyConsequences = ""
		}, []string{
			"embedded:breach-notice/en/body.txt:49:8: Incident.LikelyConsequences is empty; the gdpr rules (GDPR Art. 34(2) with Art. 33(3)(b)-(d)) need the likely consequences of the breach",
		}},
		{"hipaa needs a toll-free number and the discovery date", "es", func(d *Data) {
			d.Notice.Regimes = []string{"hipaa"}
			// A number that is not toll-free (45 CFR 164.404(c)(1)(E)).
			d.Company.ContactPhone, d.Company.TollFreePhone = "+1 555 0100", ""
			d.Incident.DiscoveredAt = time.Time{}
		}, []string{
			"embedded:breach-notice/es/body.txt:33:31: Incident.DiscoveredAt is empty; the hipaa rules (45 CFR 164.404(c)) need the date of discovery",
			"embedded:breach-notice/es/body.txt:127:8: Company.TollFreePhone is empty; the hipaa rules (45 CFR 164.404(c)) need a toll-free telephone number (NANP 800, 833, 844, 855, 866, 877, 888, or company.toll_free_phone)",
		}},
		{"california needs the identity-theft offer when an SSN was involved", "en", func(d *Data) {
			d.Notice.Regimes = []string{"california"}
			d.Incident.IdentityTheftProtection = ""
		}, []string{
			"embedded:breach-notice/en/body.txt:64:10: Incident.IdentityTheftProtection is empty; the california rules (Cal. Civ. Code 1798.82(d)) need an offer of identity theft prevention services for at least 12 months, because a Social Security or ID number was exposed",
		}},
		{"unknown regime", "en", func(d *Data) { d.Notice.Regimes = []string{"hippa"} }, []string{
			`embedded:breach-notice/en/body.txt: Notice.Regimes: unknown regime "hippa", did you mean hipaa?`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Sample()
			d.Recipient.Name = "Secret Person"
			tt.change(&d)
			m, err := s.Render("breach-notice", tt.locale, d)
			if m != nil || err == nil {
				t.Fatalf("Render = %v, %v; want an error", m, err)
			}
			if code := incidents.ErrorCode(err); code != incidents.EINVALID {
				t.Errorf("error code %q, want %q", code, incidents.EINVALID)
			}
			var re *RenderError
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not a *RenderError", err)
			}
			var got []string
			for _, p := range re.Problems {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			if msg := err.Error(); strings.Contains(msg, "Secret Person") || !strings.Contains(msg, tt.want[0]) {
				t.Errorf("error message should list the problems and no personal data:\n%s", msg)
			}
		})
	}
}

// TestRenderUnclaimedRegime checks that a notice cannot be rendered under
// rules its template does not claim to meet, and that an unknown template is
// not found.
func TestRenderUnclaimedRegime(t *testing.T) {
	s := mustNew(t, fstest.MapFS{
		"plain/meta.yaml":      {Data: []byte("description: No claims.\nregimes: []\n")},
		"plain/en/subject.txt": {Data: []byte("Hello\n")},
		"plain/en/body.txt":    {Data: []byte("Hello\n")},
		"plain/en/body.html":   {Data: []byte("<p>Hello</p>\n")},
	})
	d := Sample()
	d.Notice.Regimes = []string{"gdpr"}
	_, err := s.Render("plain", "en", d)
	want := "notice template plain (en) cannot be rendered, 1 problem:\nplain/en/body.txt: the template does not claim to meet the gdpr rules (GDPR Art. 34(2) with Art. 33(3)(b)-(d)); it claims none"
	if incidents.ErrorCode(err) != incidents.EINVALID || incidents.ErrorMessage(err) != want {
		t.Errorf("Render(plain) under gdpr = %v;\nwant message %q", err, want)
	}
	_, err = s.Render("breach-notise", "en", d)
	if incidents.ErrorCode(err) != incidents.ENOTFOUND || !strings.Contains(err.Error(), "use one of: breach-notice, plain") {
		t.Errorf("Render(unknown template) = %v; want ENOTFOUND naming the templates", err)
	}
}

// TestLocaleFallback checks which locale variant a recipient's locale gets.
func TestLocaleFallback(t *testing.T) {
	s := mustNew(t, nil)
	tests := []struct{ locale, want string }{
		{"en", "en"}, {"de", "de"}, {"es", "es"},
		{"de-AT", "de"}, {"de_at", "de"}, {"DE-ch", "de"}, {"es-419", "es"}, {"es_MX", "es"},
		{"fr", "en"}, {"fr-CA", "en"}, {"", "en"}, {"  ", "en"}, {"x-klingon", "en"}, {"zh-Hans-CN", "en"},
	}
	for _, tt := range tests {
		got, err := s.Locale("breach-notice", tt.locale)
		if err != nil || got != tt.want {
			t.Errorf("Locale(breach-notice, %q) = %q, %v; want %q", tt.locale, got, err, tt.want)
		}
	}
	// An exact variant wins over its language.
	s = mustNew(t, fstest.MapFS{
		"breach-notice/de-AT/subject.txt": {Data: []byte("Österreich: {{.Company.Name}} (Notice of Data Breach)\n")},
		"breach-notice/de-AT/body.txt":    {Data: mustRead(t, "notices/breach-notice/de/body.txt")},
		"breach-notice/de-AT/body.html":   {Data: mustRead(t, "notices/breach-notice/de/body.html")},
	})
	for locale, want := range map[string]string{"de-AT": "Österreich: Example Corp (Notice of Data Breach)", "de-DE": "Benachrichtigung über eine Datenschutzverletzung bei Example Corp"} {
		m, err := s.Render("breach-notice", locale, Sample())
		if err != nil || m.Subject != want {
			t.Errorf("Render(%s).Subject = %v, %v; want %q", locale, m, err, want)
		}
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// shippedFS copies the shipped templates into a MapFS a test can edit.
func shippedFS(t testing.TB) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(Embedded(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(Embedded(), p)
		out[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHash checks that the hash an approval binds to changes when, and only
// when, a file the rendering uses changes.
func TestHash(t *testing.T) {
	hash := func(s *Set, locale string) string {
		t.Helper()
		h, err := s.Hash("breach-notice", locale)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	base := mustNew(t, nil)
	en, de := hash(base, "en"), hash(base, "de")
	if len(en) != 64 || en == de {
		t.Fatalf("Hash(en) = %q, Hash(de) = %q; want two different hex SHA-256", en, de)
	}
	if got := hash(base, "en-US"); got != en {
		t.Errorf("Hash(en-US) = %s, want Hash(en) %s: the same files render it", got, en)
	}
	if got := hash(mustNew(t, nil), "en"); got != en {
		t.Errorf("Hash changed between two loads of the same files")
	}
	if got := hash(mustNew(t, shippedFS(t)), "en"); got != en {
		t.Errorf("Hash changed when the same files came from an override folder")
	}
	edit := func(file, from, to string) *Set {
		t.Helper()
		fsys := shippedFS(t)
		f := fsys[file]
		if !strings.Contains(string(f.Data), from) {
			t.Fatalf("%s lacks %q", file, from)
		}
		f.Data = []byte(strings.Replace(string(f.Data), from, to, 1))
		return mustNew(t, fsys)
	}
	tests := []struct {
		name           string
		set            *Set
		wantEN, wantDE bool // whether the hash of en, de changes
	}{
		{"en subject", edit("breach-notice/en/subject.txt", "Notice of Data Breach from", "Notice of Data Breach by"), true, false},
		{"en text", edit("breach-notice/en/body.txt", "We are sorry", "We deeply regret"), true, false},
		{"en html", edit("breach-notice/en/body.html", "We are sorry", "We deeply regret"), true, false},
		{"de text", edit("breach-notice/de/body.txt", "Wir bedauern", "Wir bedauern sehr"), false, true},
		{"meta description", edit("breach-notice/meta.yaml", "Notice of Data Breach to", "The Notice of Data Breach to"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hash(tt.set, "en") != en; got != tt.wantEN {
				t.Errorf("en hash changed: %v, want %v", got, tt.wantEN)
			}
			if got := hash(tt.set, "de") != de; got != tt.wantDE {
				t.Errorf("de hash changed: %v, want %v", got, tt.wantDE)
			}
		})
	}
	if _, err := base.Hash("nope", "en"); incidents.ErrorCode(err) != incidents.ENOTFOUND {
		t.Errorf("Hash(unknown template) = %v, want ENOTFOUND", err)
	}
}

// TestOverrideReplacesOneLocale checks that an override folder with one
// locale of one template changes that locale only.
func TestOverrideReplacesOneLocale(t *testing.T) {
	base := mustNew(t, nil)
	override := fstest.MapFS{}
	for _, f := range fileNames {
		data := mustRead(t, "notices/breach-notice/de/"+f)
		if f == "body.txt" || f == "body.html" {
			data = []byte(strings.Replace(string(data), "Wir bedauern diesen Vorfall sehr.", "Es tut uns aufrichtig leid.", 1))
		}
		override["breach-notice/de/"+f] = &fstest.MapFile{Data: data}
	}
	s, err := New(override, "/etc/breachbot/templates")
	if err != nil {
		t.Fatal(err)
	}
	d := Sample()
	for _, locale := range []string{"en", "es", "de"} {
		want, err := base.Render("breach-notice", locale, d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Render("breach-notice", locale, d)
		if err != nil {
			t.Fatal(err)
		}
		if locale == "de" {
			want.Text = strings.Replace(want.Text, "Wir bedauern diesen Vorfall sehr.", "Es tut uns aufrichtig leid.", 1)
			want.HTML = strings.Replace(want.HTML, "Wir bedauern diesen Vorfall sehr.", "Es tut uns aufrichtig leid.", 1)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Render(%s) with the override mismatch (-want +got):\n%s", locale, diff)
		}
	}
	if diff := cmp.Diff(base.Templates(), s.Templates()); diff != "" {
		t.Errorf("Templates() changed by a locale override (-want +got):\n%s", diff)
	}
	// Problems in the override name its files as the source says.
	override["breach-notice/de/body.txt"] = &fstest.MapFile{Data: []byte("{{.Incident.WhatHapened}}\n")}
	_, err = New(override, "/etc/breachbot/templates")
	var ps Problems
	if !errors.As(err, &ps) || !slices.Contains(ps, Problem{
		File: filepath.FromSlash("/etc/breachbot/templates/breach-notice/de/body.txt"), Line: 1, Col: 13,
		Message: "unknown field Incident.WhatHapened, did you mean WhatHappened?",
	}) {
		t.Errorf("New(broken override) = %v; want the problem at the override's file", err)
	}
}

// TestBanners checks that drills and test-sends say so in the subject and
// at the top of both bodies, in the notice's language.
func TestBanners(t *testing.T) {
	s := mustNew(t, nil)
	tests := []struct {
		locale      string
		drill, test bool
		prefix      string
		titles      []string
	}{
		{"en", true, false, "[DRILL] Notice of Data Breach", []string{"THIS IS A DRILL - NOT A REAL NOTICE"}},
		{"en", false, true, "[TEST] Notice of Data Breach", []string{"TEST SEND - NOT YET SENT TO CUSTOMERS"}},
		{"de", true, true, "[ÜBUNG] [TEST] Benachrichtigung", []string{"DIES IST EINE ÜBUNG - KEINE ECHTE BENACHRICHTIGUNG", "TESTVERSAND - NOCH NICHT AN KUNDEN VERSANDT"}},
		{"es", false, true, "[PRUEBA] Aviso", []string{"ENVÍO DE PRUEBA - AÚN NO ENVIADO A CLIENTES"}},
		{"en", false, false, "Notice of Data Breach", nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s drill=%v test=%v", tt.locale, tt.drill, tt.test), func(t *testing.T) {
			d := Sample()
			d.Notice.Drill, d.Notice.Test = tt.drill, tt.test
			m, err := s.Render("breach-notice", tt.locale, d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(m.Subject, tt.prefix) {
				t.Errorf("subject %q, want it to start with %q", m.Subject, tt.prefix)
			}
			top := strings.Join(strings.SplitN(m.Text, "\n", 6)[:5], "\n")
			body := m.HTML[strings.Index(m.HTML, "<body"):]
			firstH1 := strings.Index(body, "<h1")
			for _, title := range tt.titles {
				if !strings.Contains(top, title) {
					t.Errorf("text does not start with %q:\n%s", title, top)
				}
				if i := strings.Index(body, title); i < 0 || i > firstH1 {
					t.Errorf("HTML banner %q is not before the notice's title", title)
				}
			}
			if tt.titles == nil && (strings.Contains(m.Text, "***") || strings.Contains(m.HTML, `role="alert"`)) {
				t.Errorf("a real notice carries a banner")
			}
		})
	}
}

// TestRenderConcurrent renders from many goroutines at once (go test -race).
func TestRenderConcurrent(t *testing.T) {
	s := mustNew(t, nil)
	want, err := s.Render("breach-notice", "de", Sample())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 20 {
				got, err := s.Render("breach-notice", "de", Sample())
				if err != nil {
					errs <- err
					return
				}
				if !sameMessage(got, want) {
					errs <- errors.New("concurrent renders differ")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
