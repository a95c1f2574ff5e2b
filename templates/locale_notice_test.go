package templates_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/templates"
)

var tagRE = regexp.MustCompile(`<[^>]*>`)

// A German and a Spanish customer each get a notice with no English in it:
// the texts the drafter gave for their language, the template's own words,
// and no English heading, sentence or drafter's text (Slack/UX item 4).
func TestGermanAndSpanishNoticesHaveNoEnglish(t *testing.T) {
	set, err := templates.New(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	r := templates.NewRenderer(set)
	english := incidents.NoticeTexts{
		WhatHappened:       "An attacker copied part of our customer database.",
		WhatWeAreDoing:     "We closed the access path and reset your password.",
		WhatYouCanDo:       "Choose a new password when you next sign in.",
		LikelyConsequences: "Someone could send you convincing fake emails.",
		MoreInfo:           "Answers to common questions are on our website.",
	}
	texts := map[string]incidents.NoticeTexts{
		"de": {WhatHappened: "Ein Angreifer hat einen Teil unserer Kundendatenbank kopiert.",
			WhatWeAreDoing:     "Wir haben den Zugang geschlossen und Ihr Passwort zurückgesetzt.",
			WhatYouCanDo:       "Wählen Sie bei der nächsten Anmeldung ein neues Passwort.",
			LikelyConsequences: "Jemand könnte Ihnen täuschend echte gefälschte E-Mails schicken.",
			MoreInfo:           "Antworten auf häufige Fragen finden Sie auf unserer Website."},
		"es": {WhatHappened: "Un atacante copió parte de nuestra base de datos de clientes.",
			WhatWeAreDoing:     "Cerramos el acceso y restablecimos su contraseña.",
			WhatYouCanDo:       "Elija una contraseña nueva la próxima vez que inicie sesión.",
			LikelyConsequences: "Alguien podría enviarle correos falsos muy convincentes.",
			MoreInfo:           "Encontrará respuestas a preguntas frecuentes en nuestro sitio web."},
	}
	n := &incidents.Notice{ID: "N1", Incident: "INC-2026-0001", Template: templates.DefaultTemplate, Locale: "en",
		TemplateHashes: map[string]string{"en": "x", "de": "x", "es": "x"},
		Data: incidents.NoticeData{
			Company: incidents.Company{Name: "Acme Corp", ContactEmail: "privacy@acme.example", ContactPhone: "1-800-555-0100", Website: "https://acme.example/notice"},
			Incident: incidents.NoticeIncident{ID: "INC-2026-0001", WhatHappened: english.WhatHappened, WhatWeAreDoing: english.WhatWeAreDoing,
				WhatYouCanDo: english.WhatYouCanDo, LikelyConsequences: english.LikelyConsequences, MoreInfo: english.MoreInfo,
				BreachStart: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), DiscoveredAt: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC),
				DataCategories: []string{"email", "password_hash"}, Texts: texts},
			Notice: incidents.NoticeReference{ID: "N1", Date: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Reference: "ACME-7KQ4-N1"},
		}}
	render := func(loc, country string) (subject, text, html string) {
		t.Helper()
		rc := incidents.Recipient{Email: "person@example.com", Name: "Sam Example", Locale: loc, Country: country, DataCategories: []string{"email", "password_hash"}}
		m, err := r.Render(n.Template, loc, n.DataFor(loc), rc)
		if err != nil {
			t.Fatalf("render %s: %v", loc, err)
		}
		return m.Subject, m.Text, m.HTML
	}
	_, enText, _ := render("en", "US")
	// The English template's sentences: lines of three words or more.
	var enLines []string
	for _, l := range strings.Split(enText, "\n") {
		if l = strings.TrimSpace(l); len(strings.Fields(l)) >= 3 && !strings.Contains(l, "Sam Example") {
			enLines = append(enLines, l)
		}
	}
	if len(enLines) < 10 {
		t.Fatalf("the English notice has only %d sentences: %q", len(enLines), enLines)
	}
	for loc, country := range map[string]string{"de": "DE", "es": "ES"} {
		subject, text, html := render(loc, country)
		htmlText := tagRE.ReplaceAllString(html, " ")
		for name, body := range map[string]string{"subject": subject, "text": text, "html": htmlText} {
			for _, l := range enLines {
				if strings.Contains(body, l) {
					t.Errorf("%s %s has the English line %q", loc, name, l)
				}
			}
			for _, s := range []string{english.WhatHappened, english.WhatWeAreDoing, english.WhatYouCanDo, english.LikelyConsequences, english.MoreInfo} {
				if strings.Contains(body, s) {
					t.Errorf("%s %s has the drafter's English %q", loc, name, s)
				}
			}
			low := " " + strings.ToLower(strings.Join(strings.Fields(body), " ")) + " "
			for _, w := range []string{" the ", " your ", " we ", " you ", " our ", " what ", " and ", " this ", " of ", " with "} {
				if strings.Contains(low, w) {
					t.Errorf("%s %s has the English word %q", loc, name, strings.TrimSpace(w))
				}
			}
		}
		want := texts[loc]
		for _, s := range []string{want.WhatHappened, want.WhatWeAreDoing, want.WhatYouCanDo, want.LikelyConsequences, want.MoreInfo, "ACME-7KQ4-N1"} {
			if !strings.Contains(text, s) || !strings.Contains(htmlText, s) {
				t.Errorf("%s notice lacks %q", loc, s)
			}
		}
		if strings.Contains(text, "verschlüsselt") {
			t.Errorf("a hashed password is called encrypted (verschlüsselt):\n%s", text)
		}
	}
}
