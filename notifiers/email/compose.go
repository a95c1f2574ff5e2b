// Package email sends breachbot's notices: over SMTP by a fixed set of
// workers, each owning one connection with dial and I/O deadlines, sharing
// one rate limit; or, in the console without SMTP, as .eml files in a
// folder. Messages are composed with github.com/jordan-wright/email (text
// and HTML). The library's Pool is not used: it has a data race, no I/O
// timeouts, and hangs on Close after errors.
package email

import (
	"net/textproto"
	"time"

	jwemail "github.com/jordan-wright/email"

	"github.com/breachbot/breachbot/incidents"
)

// Compose returns the RFC 5322 message for m. Headers carry no customer
// data but the recipient's address in To: Message-ID is derived from
// incident, notice and recipient hash, and X-Incident-Id names the incident.
func Compose(from string, m *incidents.Mail) ([]byte, error) {
	e := &jwemail.Email{
		From:    from,
		To:      []string{m.To},
		Subject: m.Content.Subject,
		Text:    []byte(m.Content.Text),
		Headers: textproto.MIMEHeader{},
	}
	if m.Content.HTML != "" {
		e.HTML = []byte(m.Content.HTML)
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	e.Headers.Set("Message-Id", "<"+m.MessageID+">")
	e.Headers.Set("Date", date.Format(time.RFC1123Z))
	e.Headers.Set("X-Incident-Id", m.Incident)
	e.Headers.Set("Auto-Submitted", "auto-generated")
	return e.Bytes()
}
