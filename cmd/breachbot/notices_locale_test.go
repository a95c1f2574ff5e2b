package main

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

// decoded returns the subject and the decoded text and HTML parts of a
// message as the server got it.
func decoded(t *testing.T, raw []byte) (subject, text, html string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // undoes the quoted-printable encoding
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		switch kind, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); kind {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
	return subject, text, html
}

const localeCustomers = "email,name,country,region,locale\n" +
	"alice@example.com,Alice Anders,US,CA,en\n" +
	"bob@example.de,Bob Berger,DE,,de\n" +
	"carla@example.es,Carla Cruz,ES,,es\n"

const englishDraft = `/breach notice draft --law-enforcement-delay no --what-happened "An attacker copied part of our customer database." --what-we-are-doing "We closed the access path and reset passwords." --what-you-can-do "Choose a new password." --breach-start 2026-11-20 --data email,password_hash`

const localeDraft = `/breach notice draft --law-enforcement-delay no` +
	` --what-happened.de "Ein Angreifer hat einen Teil unserer Kundendatenbank kopiert."` +
	` --what-we-are-doing.de "Wir haben den Zugang geschlossen und die Passwörter zurückgesetzt."` +
	` --what-you-can-do.de "Wählen Sie ein neues Passwort."` +
	` --what-happened.es "Un atacante copió parte de nuestra base de datos de clientes."` +
	` --what-we-are-doing.es "Cerramos el acceso y restablecimos las contraseñas."` +
	` --what-you-can-do.es "Elija una contraseña nueva."`

// A notice to English, German and Spanish customers: the draft without
// German and Spanish texts says which are missing and the flags to give,
// and is refused at submit; with them, notice test sends one message per
// language to the tester; each customer then gets their own language, with
// the date of the notice, a reference to quote and the company's name in
// From; and no English reaches the German or Spanish customer.
func TestNoticeInEachCustomersLanguage(t *testing.T) {
	srv := smtptest.Start(t)
	e := newNoticeEnv(t, "")
	e.env["SMTP_ADDR"], e.env["SMTP_TLS"], e.env["SMTP_FROM"] = srv.Addr, "none", "privacy@acme.example"
	csv := e.file("customers.csv", localeCustomers)
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		factsLine,
		"/breach notice import "+csv,
		englishDraft,
		"/breach notice submit",
	)
	mustContain(t, out,
		"Draft N1 of INC-2026-0001 (template breach-notice, de, en, es)",
		"Missing before it can be submitted: what_happened.de, what_we_are_doing.de, what_you_can_do.de, what_happened.es, what_we_are_doing.es, what_you_can_do.es",
		`/breach notice draft --what-happened.de "..." --what-we-are-doing.de "..." --what-you-can-do.de "..." --what-happened.es "..."`,
		"Recipients who read de, es get these texts in their language, never yours",
		"Error: notice N1 is missing content: 1 person in DE needs what_happened.de, what_we_are_doing.de, what_you_can_do.de; 1 person in ES needs what_happened.es",
	)
	if strings.Contains(out, "is submitted") {
		t.Fatalf("a notice without German and Spanish texts was submitted:\n%s", out)
	}

	// Texts for a language the template does not have are refused, and
	// change nothing.
	out = e.console("U_RESP", `/breach notice draft --what-happened.fr "Un attaquant a copié une partie de notre base." --incident INC-2026-0001`)
	mustContain(t, out, `Error: template breach-notice has no locale "fr", so its texts would never be sent`, "its locales: de, en, es")

	out = e.console("U_RESP", localeDraft+" --incident INC-2026-0001", "/breach notice submit --incident INC-2026-0001")
	mustContain(t, out, "Draft N2 of INC-2026-0001", "Notice N2 of INC-2026-0001 is submitted")
	e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")

	out = e.console("U_LEAD", "/breach notice test --incident INC-2026-0001")
	mustContain(t, out, "3 test messages of notice N2 (en, de, es) sent to lead@acme.example")
	tests := srv.Messages()
	if len(tests) != 3 {
		t.Fatalf("the tester got %d messages, want one per language (3)", len(tests))
	}
	var subjects []string
	for _, m := range tests {
		if len(m.To) != 1 || m.To[0] != "lead@acme.example" {
			t.Errorf("a test message went to %v", m.To)
		}
		s, _, _ := decoded(t, m.Data)
		subjects = append(subjects, s)
	}
	for i, want := range []string{"[TEST] Notice of Data Breach from Acme Corp", "[TEST] Benachrichtigung über eine Datenschutzverletzung bei Acme Corp", "[PRUEBA] Aviso de filtración de datos de Acme Corp"} {
		if subjects[i] != want {
			t.Errorf("test message %d: subject %q, want %q", i, subjects[i], want)
		}
	}
	out = e.console("U_LEAD", "/breach notice test --confirm --incident INC-2026-0001", "/breach notice send --incident INC-2026-0001")
	mustContain(t, out, "The test messages of notice N2 (en, de, es) are confirmed")
	e.console("U_LEAD", "/breach notice status --incident INC-2026-0001") // runs until the send is done

	// Making German the notice's own language keeps every language's texts.
	out = e.console("U_RESP", "/breach notice draft --locale de --incident INC-2026-0001")
	mustContain(t, out, "Draft N3 of INC-2026-0001", "Preview (de)", "Ein Angreifer hat einen Teil unserer Kundendatenbank kopiert.")
	if strings.Contains(out, "Missing before") {
		t.Errorf("switching the notice's language lost texts:\n%s", out)
	}

	got := map[string]string{}
	for _, m := range srv.Messages()[3:] {
		if len(m.To) == 1 {
			got[m.To[0]] = string(m.Data)
		}
	}
	if len(got) != 3 {
		t.Fatalf("customers got %d messages, want 3", len(got))
	}
	ref := regexp.MustCompile(`ACME-[34679ACDEFGHJKMNPQRTWXY]{4}-N2`)
	tag := regexp.MustCompile(`<[^>]*>`)
	english := []string{"An attacker copied part of our customer database.", "We closed the access path and reset passwords.", "Choose a new password.",
		"Notice of Data Breach", "What Happened", "What We Are Doing", "What You Can Do", "For More Information"}
	for to, want := range map[string][]string{
		"alice@example.com": {"Date: November 28, 2026", "When it happened: November 20, 2026", "An attacker copied part of our customer database."},
		"bob@example.de":    {"Datum: 28. November 2026", "Zeitraum der Verletzung: 20. November 2026", "Ein Angreifer hat einen Teil unserer Kundendatenbank kopiert.", "Wählen Sie ein neues Passwort."},
		"carla@example.es":  {"Fecha: 28 de noviembre de 2026", "Cuándo sucedió: 20 de noviembre de 2026", "Un atacante copió parte de nuestra base de datos de clientes.", "Elija una contraseña nueva."},
	} {
		raw := got[to]
		msg, _ := mail.ReadMessage(strings.NewReader(raw))
		if f := msg.Header.Get("From"); f != `"Acme Corp" <privacy@acme.example>` {
			t.Errorf("the notice to %s is from %q, want the company's name", to, f)
		}
		_, text, html := decoded(t, []byte(raw))
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("the notice to %s lacks %q:\n%s", to, w, text)
			}
		}
		if !ref.MatchString(text) || !ref.MatchString(html) {
			t.Errorf("the notice to %s has no reference to quote like ACME-7KQ4-N2:\n%s", to, text)
		}
		if to == "alice@example.com" {
			continue
		}
		plain := tag.ReplaceAllString(html, " ")
		for _, body := range []string{text, plain} {
			for _, en := range english {
				if strings.Contains(body, en) {
					t.Errorf("the notice to %s has the English %q", to, en)
				}
			}
			low := " " + strings.ToLower(strings.Join(strings.Fields(body), " ")) + " "
			for _, w := range []string{" the ", " your ", " we ", " you ", " our ", " of "} {
				if strings.Contains(low, w) {
					t.Errorf("the notice to %s has the English word %q", to, strings.TrimSpace(w))
				}
			}
		}
	}
}
