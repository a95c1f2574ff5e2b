package incidents

import (
	"encoding/json"
	"time"
)

// SendState is the progress of sending a notice. Per-recipient state is in
// the store (see Delivery); these are its totals.
type SendState struct {
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	// Sandbox names where a drill's messages went instead of customers.
	Sandbox string `json:"sandbox,omitempty"`
	// Transport is where this send's messages go (the Mailer's Describe:
	// "SMTP relay.example.com:587 (starttls)", "the folder /srv/outbox"),
	// recorded when it starts. It resumes only on that transport; empty
	// for sends started before it was recorded.
	Transport string `json:"transport,omitempty"`
	// Folder is set when the messages are written into this folder (.eml
	// files), not sent to anyone.
	Folder string `json:"folder,omitempty"`
	// TransportPaused is set while the send is paused because the process
	// has another transport than Transport; a process that has it again
	// resumes the send when it starts.
	TransportPaused bool `json:"transport_paused,omitempty"`
	// Handoff is set when legal moved the rest of the send to a folder
	// (HandoffNotice): those messages are handed off, not sent by breachbot.
	Handoff *Handoff `json:"handoff,omitempty"`
	// Cursor is the next recipient (by number) never yet claimed.
	Cursor int64 `json:"cursor"`
	Total  int64 `json:"total"`
	// Counts of recipients by delivery state.
	Sent            int64 `json:"sent"`
	FailedTemporary int64 `json:"failed_temporary"`
	FailedPermanent int64 `json:"failed_permanent"`
	InFlight        int64 `json:"in_flight"`
	// InDoubt counts recipients whose message was handed over (DATA
	// started) without a reply recorded: they may or may not have it.
	InDoubt int64 `json:"in_doubt"`
	Queued  int64 `json:"queued"`
	// Paused says why sending stopped, if it did.
	Paused string `json:"paused,omitempty"`
	// Runs counts how often sending (re)started; Recovered how many
	// in-flight recipients were found after a crash, of which the journal
	// showed RecoveredSent accepted by the server, RecoveredPending not
	// handed over (queued again, no doubt), and the rest in doubt, of
	// which ResentInDoubt were queued again by themselves
	// (resend_in_doubt), with the same Message-ID.
	Runs             int   `json:"runs"`
	Recovered        int64 `json:"recovered,omitempty"`
	RecoveredSent    int64 `json:"recovered_sent,omitempty"`
	RecoveredPending int64 `json:"recovered_pending,omitempty"`
	ResentInDoubt    int64 `json:"resent_in_doubt,omitempty"`
	// ResentEarlierInDoubt counts recipients left in doubt by an earlier
	// run (a connection that broke after DATA) that a restart queued again
	// (resend_in_doubt).
	ResentEarlierInDoubt int64 `json:"resent_earlier_in_doubt,omitempty"`
	// Progress bookkeeping.
	ProgressSeq    int       `json:"progress_seq"`
	LastProgressAt time.Time `json:"last_progress_at,omitzero"`
	StartedAt      time.Time `json:"started_at,omitzero"`
	StartedSent    int64     `json:"started_sent,omitempty"`
}

// Handoff records that legal moved the rest of a paused send to a folder
// of .eml files, to be delivered by other means.
type Handoff struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	Folder string    `json:"folder"`
	// Transport is the hand-off folder's Describe: the rest resumes only there.
	Transport string `json:"transport"`
	// SentBefore is how many messages the original transport had sent.
	SentBefore int64 `json:"sent_before"`
}

// UnmarshalJSON reads a send state, including those stored before "in
// doubt" was named so (possibly_duplicate).
func (s *SendState) UnmarshalJSON(b []byte) error {
	type plain SendState
	var v struct {
		plain
		PossiblyDuplicate int64 `json:"possibly_duplicate"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = SendState(v.plain)
	s.InDoubt += v.PossiblyDuplicate
	return nil
}

// Remaining is how many recipients have not been attempted yet.
func (s *SendState) Remaining() int64 {
	return s.Total - s.Cursor + 1 + s.Queued + s.InFlight
}

// RecoveredInDoubt is how many recipients found in flight after crashes
// were in doubt (handed over, no reply noted).
func (s *SendState) RecoveredInDoubt() int64 {
	return s.Recovered - s.RecoveredSent - s.RecoveredPending
}

// Unsettled is how many recipients are not known to be sent or failed:
// not attempted yet, in flight, or in doubt. A notice with any is not sent.
func (s *SendState) Unsettled() int64 {
	return s.Remaining() + s.InDoubt
}

// Delivery is one recipient's state in a notice's outbox.
type Delivery struct {
	State DeliveryState `json:"s"`
	At    time.Time     `json:"t"`
	// MessageID of the message handed to the server.
	MessageID string `json:"m,omitempty"`
	Code      int    `json:"c,omitempty"`
	// Reply describes a failure: the enhanced status code and a fixed
	// description of it (SendError.Reply), never the server's own text.
	Reply    string `json:"r,omitempty"`
	Attempts int    `json:"a,omitempty"`
}

// DeliveryState is a recipient's state in a notice's outbox. A recipient
// without a Delivery is pending.
type DeliveryState string

// Delivery states.
const (
	DeliveryQueued   DeliveryState = "queued"
	DeliveryInFlight DeliveryState = "in_flight"
	DeliverySent     DeliveryState = "sent"
	// DeliveryWritten: written into a folder (.eml), not sent to anyone by
	// breachbot (the console's outbox, an air-gapped hand-off).
	DeliveryWritten   DeliveryState = "written"
	DeliveryTemporary DeliveryState = "failed_temporary"
	DeliveryPermanent DeliveryState = "failed_permanent"
	// DeliveryInDoubt: the message was handed over (DATA started) and no
	// reply was recorded: the process stopped, or the connection broke
	// after the message was written. It may or may not have arrived. After
	// a restart it is sent again by itself (same Message-ID) unless
	// resend_in_doubt is false; otherwise only when someone asks (notice
	// retry --in-doubt). The store reads the earlier name,
	// "possibly_duplicate", as this state.
	DeliveryInDoubt DeliveryState = "in_doubt"
)

// SendJournal notes, cheaply, which messages were handed over and which
// the server accepted, so that a restart can tell the recipients whose
// message was accepted (sent) and those that may have it (in doubt: at
// most one per connection) from those claimed but never handed over
// (simply pending). The store implements it as an append-only file beside
// the database.
type SendJournal interface {
	// DataStarted notes that attempt attempt of recipient seq of a notice
	// is about to be handed over. It is written to the operating system,
	// not synced to disk: it survives the process being killed. Mailer
	// workers call it concurrently.
	DataStarted(incident, notice string, seq int64, attempt int) error
	// Accepted notes that the server accepted that message (250) at at;
	// written like DataStarted.
	Accepted(incident, notice string, seq int64, attempt int, at time.Time) error
	// Notes reads what was noted since the last Reset, in the current and
	// the previous file (see Rotate).
	Notes() (JournalNotes, error)
	// Rotate starts a new file and drops the notes of the one before the
	// current: the sender calls it once every recipient noted there is
	// recorded in the store.
	Rotate() error
	// Reset empties the journal; the sender calls it when no recipient is
	// in flight.
	Reset() error
}

// JournalNotes is what a SendJournal read back after a restart.
type JournalNotes interface {
	// Complete reports whether the notes can be trusted to list every
	// message handed over: false after the machine restarted (a power
	// loss can lose writes that were not synced) or when the journal is
	// missing. Then every recipient in flight is in doubt.
	Complete() bool
	// DataStarted reports whether attempt attempt of recipient seq was
	// noted as handed over.
	DataStarted(incident, notice string, seq int64, attempt int) bool
	// Accepted reports whether the server was noted to accept it, and when.
	Accepted(incident, notice string, seq int64, attempt int) (time.Time, bool)
}
