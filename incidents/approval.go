package incidents

import "time"

// Approval is legal's sign-off on exact content for an exact recipient list.
type Approval struct {
	By             string    `json:"by"`
	At             time.Time `json:"at"`
	ContentHash    string    `json:"content_hash"`
	RecipientsHash string    `json:"recipients_hash"`
	RecipientSet   string    `json:"recipient_set"`
}

// Rejection is legal's refusal, with the reason.
type Rejection struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Voiding says why a notice can no longer be sent.
type Voiding struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	// From is the state the notice was in.
	From NoticeState `json:"from"`
}

// TestSend records the test message to the requester's own address that
// must be received and confirmed before the first real send.
type TestSend struct {
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	ToTag     string    `json:"to_tag"`
	MessageID string    `json:"message_id"`
	// Locales are the locales a test message went out in, one message
	// each (the first's Message-ID is MessageID); empty on older records:
	// the notice's own.
	Locales     []string  `json:"locales,omitempty"`
	ContentHash string    `json:"content_hash"`
	Where       string    `json:"where,omitempty"`
	ConfirmedBy string    `json:"confirmed_by,omitempty"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
}

// Approvable reports why a notice cannot be approved by actor ("" if it
// can): only a submitted notice is approved, and not by whoever drafted or
// submitted it (separation of duties).
func (n *Notice) Approvable(actor string) string {
	switch {
	case n.State != NoticeSubmitted:
		return "it is " + string(n.State) + ", not submitted"
	case actor == n.DraftedBy:
		return "you drafted it"
	case actor == n.SubmittedBy:
		return "you submitted it"
	}
	return ""
}
