// Package noticetest has test doubles for sending notices: a renderer that
// needs no template files and a mailer whose behaviour a test sets. Tests
// of the real transports use notifiers/email against a real SMTP server.
package noticetest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/breachbot/breachbot/incidents"
)

// Renderer renders a plain notice naming the recipient.
type Renderer struct{}

var _ incidents.NoticeRenderer = Renderer{}

// Render renders a notice for r.
func (Renderer) Render(name, locale string, d incidents.NoticeData, r incidents.Recipient) (*incidents.MailContent, error) {
	subject := "Notice of Data Breach"
	if d.Notice.Test {
		subject = "[TEST] " + subject
	}
	return &incidents.MailContent{Subject: subject, Text: fmt.Sprintf("Dear %s,\n%s\n%s", r.Name, d.Incident.WhatHappened, d.Incident.WhatYouCanDo)}, nil
}

// Hash returns a fixed hash per locale.
func (Renderer) Hash(name, locale string) (string, error) { return "hash-" + name + "-" + locale, nil }

// Locales returns en.
func (Renderer) Locales(string) ([]string, error) { return []string{"en"}, nil }

// Default returns "plain".
func (Renderer) Default() string { return "plain" }

// Mailer records what it is asked to send and answers with SendFunc (nil:
// accept everything).
type Mailer struct {
	Conns    int
	SendFunc func(m *incidents.Mail) error

	mu   sync.Mutex
	sent map[string]int
}

var _ incidents.Mailer = (*Mailer)(nil)

// Send calls mail.DataStarting (as a real mailer does before the data), then
// SendFunc, and counts accepted messages per recipient.
func (m *Mailer) Send(_ context.Context, mail *incidents.Mail) error {
	if mail.DataStarting != nil {
		if err := mail.DataStarting(); err != nil {
			return &incidents.SendError{Reply: "not sent: " + err.Error()}
		}
	}
	var err error
	if m.SendFunc != nil {
		err = m.SendFunc(mail)
	}
	var se *incidents.SendError
	if err == nil || (asSendError(err, &se) && se.Uncertain) {
		m.mu.Lock()
		if m.sent == nil {
			m.sent = map[string]int{}
		}
		m.sent[mail.To]++
		m.mu.Unlock()
	}
	return err
}

func asSendError(err error, se **incidents.SendError) bool {
	e, ok := err.(*incidents.SendError)
	*se = e
	return ok
}

// Connections returns Conns (default 2).
func (m *Mailer) Connections() int { return max(m.Conns, 1) }

// Describe says "the test mailer".
func (m *Mailer) Describe() string { return "the test mailer" }

// Sent returns how many messages each address got (accepted or uncertain).
func (m *Mailer) Sent() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for k, v := range m.sent {
		if !strings.HasPrefix(k, "me@") {
			out[k] = v
		}
	}
	return out
}
