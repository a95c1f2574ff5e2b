package templates

import (
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/playbooks"
)

// The delay sentences of the shipped notice, by locale: yes, then no.
var delaySentences = map[string][]string{
	"en": {"We delayed this notice because a law enforcement agency asked us to", "This notice was not delayed by a law enforcement investigation."},
	"de": {"Wir haben diese Benachrichtigung auf Bitte einer Strafverfolgungsbehörde verschoben", "Diese Benachrichtigung wurde nicht wegen Ermittlungen einer Strafverfolgungsbehörde verschoben."},
	"es": {"Retrasamos este aviso a petición de una autoridad policial", "Este aviso no se retrasó por una investigación policial."},
}

// An undecided law-enforcement delay is never printed as a "no": where no
// law asks for it (Texas, Tex. Bus. & Com. Code 521.053) the notice says
// nothing of it; legal's yes and no are each said in the reader's language
// (Cal. Civ. Code 1798.82(d)(2)(D) asks for the statement).
func TestLawEnforcementDelayIsADecision(t *testing.T) {
	cat, err := playbooks.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	r := NewRenderer(mustNew(t, nil))
	yes, no := true, false
	for _, loc := range []string{"en", "de", "es"} {
		for _, tc := range []struct {
			name, reg, where string
			delay            *bool
			want, absent     []string
		}{
			{"undecided", "tx-individuals", "US-TX", nil, nil, delaySentences[loc][:]},
			{"yes", "tx-individuals", "US-TX", &yes, delaySentences[loc][:1], delaySentences[loc][1:]},
			{"no", "tx-individuals", "US-TX", &no, delaySentences[loc][1:], delaySentences[loc][:1]},
			{"yes", "ca-residents", "US-CA", &yes, delaySentences[loc][:1], delaySentences[loc][1:]},
			{"no", "ca-residents", "US-CA", &no, delaySentences[loc][1:], delaySentences[loc][:1]},
		} {
			d := lawNotice(t, cat, tc.reg)
			d.Incident.LawEnforcementDelay = tc.delay
			m, err := r.Render(DefaultTemplate, loc, d, recipientIn(tc.where, loc, "name", "email"))
			if err != nil {
				t.Fatalf("%s %s %s: Render: %v", loc, tc.where, tc.name, err)
			}
			for _, body := range []string{m.Text, m.HTML} {
				for _, w := range tc.want {
					if !strings.Contains(body, w) {
						t.Errorf("%s %s, delay %s: the notice lacks %q", loc, tc.where, tc.name, w)
					}
				}
				for _, a := range tc.absent {
					if strings.Contains(body, a) {
						t.Errorf("%s %s, delay %s: the notice says %q", loc, tc.where, tc.name, a)
					}
				}
			}
			if strings.Contains(m.HTML, "<p></p>") || strings.Contains(m.Text, "\n\n\n") {
				t.Errorf("%s %s, delay %s: the notice has an empty paragraph where the delay would be:\n%s", loc, tc.where, tc.name, m.Text)
			}
		}
	}
	// A California draft with the delay undecided is not rendered as a "no":
	// it is incomplete, naming the field.
	d := lawNotice(t, cat, "ca-residents")
	d.Incident.LawEnforcementDelay = nil
	_, err = r.Render(DefaultTemplate, "en", d, recipientIn("US-CA", "en", "name", "email"))
	if mc, ok := err.(*incidents.MissingContentError); !ok || !strings.Contains(strings.Join(mc.Fields, ","), incidents.FieldLawEnforcementDelay) {
		t.Errorf("California, delay undecided: Render error = %v, want the notice incomplete for %s", err, incidents.FieldLawEnforcementDelay)
	}
}

// The number of people affected is printed with the reader's digit
// grouping (R.I. Gen. Laws 11-49.3-4(d)(1) asks for it): 12,000 in
// English, 12.000 in German and Spanish, never "12000".
func TestAffectedCountGroupedByLocale(t *testing.T) {
	cat, err := playbooks.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	r := NewRenderer(mustNew(t, nil))
	for loc, want := range map[string]string{"en": "12,000", "de": "12.000", "es": "12.000"} {
		d := lawNotice(t, cat, "ri-residents")
		m, err := r.Render(DefaultTemplate, loc, d, recipientIn("US-RI", loc, "name", "email"))
		if err != nil {
			t.Fatalf("%s: Render: %v", loc, err)
		}
		for _, body := range []string{m.Text, m.HTML} {
			if !strings.Contains(body, want) || strings.Contains(body, "12000") {
				t.Errorf("%s: the notice should print the number affected as %s, not 12000:\n%s", loc, want, body)
			}
		}
	}
	// Spanish groups only numbers of five digits or more (CLDR).
	for _, tc := range []struct {
		loc  string
		n    any
		want string
	}{{"en", int64(1200), "1,200"}, {"de", int64(1200), "1.200"}, {"es", int64(1200), "1200"}, {"es", int64(1234567), "1.234.567"},
		{"en", 999, "999"}, {"en", int64(-12000), "-12,000"}, {"fr", int64(12000), "12,000"}} {
		if got := wordsFor(tc.loc).formatNumber(tc.n); got != tc.want {
			t.Errorf("number %v in %s = %q, want %q", tc.n, tc.loc, got, tc.want)
		}
	}
}
