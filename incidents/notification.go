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
	// NotifyNoticeApproval: a notice was submitted; legal is asked to
	// approve or reject it (Slack: buttons). NoticeInfo has the preview,
	// counts and content hash.
	NotifyNoticeApproval = "notice_approval"
	// NotifyNoticeDecision: legal approved or rejected a notice, or its
	// approval was voided.
	NotifyNoticeDecision = "notice_decision"
	// NotifyNoticeProgress: how sending a notice goes. All progress
	// notifications of one notice share an UpdateKey: chat adapters update
	// one message in place.
	NotifyNoticeProgress = "notice_progress"
	// NotifyMoved: an incident moved to a later state (Status), closing
	// included. Trackers follow the lifecycle from it; chat adapters, which
	// show the board, may ignore it.
	NotifyMoved = "moved"
	// NotifyMet: an obligation was met (Obligation, Due; Late if after its
	// due time). Trackers comment on it; chat adapters show the board.
	NotifyMet = "met"
)

// Audiences of a notification.
const (
	// AudienceIncident is the incident's channel (the console prints it).
	AudienceIncident = "incident"
	// AudienceLeads is every lead, by direct message.
	AudienceLeads = "leads"
	// AudienceLegal is every member of legal (Slack: by direct message, or
	// in the incident channel addressed to them).
	AudienceLegal = "legal"
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
	// Lead is, for an escalation, the incident's lead when it fired: the
	// first to be told.
	Lead string `json:"lead,omitempty"`
	// Obligation, ObligationTitle, Due and Label describe a reminder or
	// escalation; Late is how long after its time the alarm fired (the bot
	// was not running).
	Obligation      string    `json:"obligation,omitempty"`
	ObligationTitle string    `json:"obligation_title,omitempty"`
	Law             string    `json:"regime,omitempty"`
	Status          string    `json:"status,omitempty"`
	Due             time.Time `json:"due,omitzero"`
	// DueZone is the IANA time zone in which the law counts the deadline
	// ("" for UTC), so the due time can be shown as that law's local time.
	DueZone string        `json:"due_zone,omitempty"`
	Label   string        `json:"label,omitempty"`
	AlarmAt time.Time     `json:"alarm_at,omitzero"`
	FiredAt time.Time     `json:"fired_at,omitzero"`
	Late    time.Duration `json:"late,omitempty"`
	// Text is a plain-language summary without personal data, for any
	// transport that renders nothing richer.
	Text    string    `json:"text"`
	Created time.Time `json:"created"`
	// UpdateKey, when set, names the one chat message this notification
	// updates in place (every notification still has its own ID, the
	// outbox's dedupe key).
	UpdateKey string `json:"update_key,omitempty"`
	// Notice describes a notice for the notice_* kinds (no personal data).
	Notice *NoticeInfo `json:"notice,omitempty"`

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

// NoticeInfo is what a notice notification shows: never any recipient's
// personal data (previews are rendered for a placeholder person).
type NoticeInfo struct {
	ID          string           `json:"id"`
	State       NoticeState      `json:"state"`
	Template    string           `json:"template,omitempty"`
	ContentHash string           `json:"content_hash,omitempty"`
	Recipients  int64            `json:"recipients"`
	Counts      map[string]int64 `json:"counts,omitempty"`
	Previews    []NoticePreview  `json:"previews,omitempty"`
	// Variants are the groups of recipients whose notices differ.
	Variants    []NoticeVariant `json:"variants,omitempty"`
	DraftedBy   string          `json:"drafted_by,omitempty"`
	SubmittedBy string          `json:"submitted_by,omitempty"`
	// Decision is "approved", "rejected" or "voided", with Reason.
	Decision string `json:"decision,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Progress of sending.
	Sent      int64         `json:"sent,omitempty"`
	Failed    int64         `json:"failed,omitempty"`
	InDoubt   int64         `json:"in_doubt,omitempty"`
	Remaining int64         `json:"remaining,omitempty"`
	Rate      float64       `json:"rate,omitempty"`
	ETA       time.Duration `json:"eta,omitempty"`
	Done      bool          `json:"done,omitempty"`
	Paused    string        `json:"paused,omitempty"`
	Sandbox   string        `json:"sandbox,omitempty"`
}
