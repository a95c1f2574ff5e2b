package incidents

import (
	"context"
	"time"
)

// Notification kinds.
const (
	// NotifyReminder: an obligation's due time is approaching.
	NotifyReminder = "reminder"
	// NotifyEscalation: an obligation's due time passed unmet.
	NotifyEscalation = "escalation"
	// NotifyBoard: the incident's deadlines or steps changed; boards shown in
	// chat should be refreshed.
	NotifyBoard = "board"
	// NotifyDeclared: an incident was declared; chat adapters create its
	// channel, invite its people and post its checklist and board.
	NotifyDeclared = "declared"
)

// Audiences of a notification.
const (
	// AudienceIncident is the incident's channel (the console prints it).
	AudienceIncident = "incident"
	// AudienceLeads is every lead, by direct message.
	AudienceLeads = "leads"
)

// Notification is a message that leaves the process (to Slack, the console,
// ...). It is written to the durable outbox in the same transaction as the
// change that caused it, and delivered from there at least once; ID is the
// dedupe key, so the same notification is never enqueued twice.
type Notification struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Audience string `json:"audience"`
	Incident string `json:"incident"`
	// Title is the incident title; Drill marks practice runs.
	Title string `json:"title"`
	Drill bool   `json:"drill,omitempty"`
	// Actor is the user whose action caused the notification, if any.
	Actor string `json:"actor,omitempty"`
	// Obligation, ObligationTitle, Due and Label describe a reminder or
	// escalation; Late is how long after its time the alarm fired (the bot
	// was not running).
	Obligation      string        `json:"obligation,omitempty"`
	ObligationTitle string        `json:"obligation_title,omitempty"`
	Regime          string        `json:"regime,omitempty"`
	Status          string        `json:"status,omitempty"`
	Due             time.Time     `json:"due,omitzero"`
	Label           string        `json:"label,omitempty"`
	AlarmAt         time.Time     `json:"alarm_at,omitzero"`
	FiredAt         time.Time     `json:"fired_at,omitzero"`
	Late            time.Duration `json:"late,omitempty"`
	// Text is a plain-language summary without personal data, for any
	// transport that renders nothing richer.
	Text    string    `json:"text"`
	Created time.Time `json:"created"`

	// Delivery bookkeeping, maintained by the Dispatcher.
	Attempts    int       `json:"attempts,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

// Notifier delivers notifications to people. The Dispatcher calls Notify
// for each notification of the outbox, in order, until it succeeds; it must
// therefore be safe to call again with the same notification (the ID is the
// dedupe key). An error that implements RetryAfter() time.Duration sets the
// delay before the next attempt (for rate limits).
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, n Notification) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, n Notification) error { return f(ctx, n) }
