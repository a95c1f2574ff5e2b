package email_test

import (
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/email"
)

func BenchmarkCompose(b *testing.B) {
	m := mail("person@example.com", 1)
	m.Content.Text = strings.Repeat("What happened. ", 100)
	m.Content.HTML = "<p>" + strings.Repeat("What happened. ", 100) + "</p>"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := email.Compose("privacy@acme.example", m); err != nil {
			b.Fatal(err)
		}
	}
}

var _ = incidents.Mail{}
