package incidents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Notice is a notice to the affected people of an incident: a draft
// rendered from a template, its approval by legal, and its sending. It
// binds the template (name, locales, content hashes), the narrative, and
// the recipient list (by hash); changing any of them voids an approval.
type Notice struct {
	// ID is N<n>, numbered per incident.
	ID       string      `json:"id"`
	Incident string      `json:"incident"`
	State    NoticeState `json:"state"`
	Drill    bool        `json:"drill,omitempty"`

	// Template is the template's name; Locale the default locale, used for
	// recipients whose locale the template lacks; TemplateHashes the hash of
	// the files of each locale used.
	Template       string            `json:"template"`
	Locale         string            `json:"locale"`
	TemplateHashes map[string]string `json:"template_hashes"`
	// Data is everything rendered into the notice but the recipient.
	Data NoticeData `json:"data"`
	// ContentHash is the SHA-256 of template, hashes and data: what legal approves.
	ContentHash string `json:"content_hash"`
	// Recipients is the recipient list the notice goes to.
	Recipients RecipientSetRef `json:"recipients"`
	// Previews are rendered for a placeholder recipient, one per locale.
	// An incomplete draft (Missing not empty) has none.
	Previews []NoticePreview `json:"previews"`
	// Missing is the content the draft still lacks (notice fields, or
	// company.* configuration keys): it cannot be submitted until a new
	// draft fills it in.
	Missing []string `json:"missing,omitempty"`

	DraftedBy   string    `json:"drafted_by"`
	DraftedAt   time.Time `json:"drafted_at"`
	SubmittedBy string    `json:"submitted_by,omitempty"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"`

	Approval  *Approval  `json:"approval,omitempty"`
	Rejection *Rejection `json:"rejection,omitempty"`
	Void      *Voiding   `json:"void,omitempty"`
	Test      *TestSend  `json:"test,omitempty"`
	// Send is stored apart from the rest (see Tx.NoticeSend).
	Send *SendState `json:"send,omitempty"`
}

// NoticeState is where a notice is in its life.
type NoticeState string

// Notice states.
const (
	// NoticeDraft: drafted, not yet submitted for approval.
	NoticeDraft NoticeState = "draft"
	// NoticeSubmitted: waiting for legal's approval.
	NoticeSubmitted NoticeState = "submitted"
	// NoticeApproved: approved; it may be test-sent and sent.
	NoticeApproved NoticeState = "approved"
	// NoticeRejected: legal rejected it, with a reason; draft again.
	NoticeRejected NoticeState = "rejected"
	// NoticeVoid: superseded by a newer draft, or its approval was voided by
	// a change of content or recipients.
	NoticeVoid NoticeState = "void"
	// NoticeSending: being sent (resumes after a restart).
	NoticeSending NoticeState = "sending"
	// NoticePaused: sending stopped after repeated temporary failures.
	NoticePaused NoticeState = "paused"
	// NoticeSent: every recipient was attempted.
	NoticeSent NoticeState = "sent"
)

// Unsent reports whether a notice can still change or be voided.
func (s NoticeState) Unsent() bool {
	return s == NoticeDraft || s == NoticeSubmitted || s == NoticeApproved || s == NoticeRejected
}

// NoticeData is what a notice renders, apart from the recipient. It is
// snapshotted when drafted, so rendering later gives the same text.
type NoticeData struct {
	Company  Company         `json:"company"`
	Incident NoticeIncident  `json:"incident"`
	Notice   NoticeReference `json:"notice"`
}

// Company is the notifying organisation, from the configuration.
type Company struct {
	Name          string `json:"name"`
	ContactEmail  string `json:"contact_email,omitempty"`
	ContactPhone  string `json:"contact_phone,omitempty"`
	Website       string `json:"website,omitempty"`
	PostalAddress string `json:"postal_address,omitempty"`
	DPO           string `json:"dpo,omitempty"`
}

// NoticeIncident is the narrative of the breach as the notice tells it.
type NoticeIncident struct {
	ID                      string    `json:"id"`
	WhatHappened            string    `json:"what_happened"`
	BreachStart             time.Time `json:"breach_start,omitzero"`
	BreachEnd               time.Time `json:"breach_end,omitzero"`
	DiscoveredAt            time.Time `json:"discovered_at,omitzero"`
	DataCategories          []string  `json:"data_categories,omitempty"`
	WhatWeAreDoing          string    `json:"what_we_are_doing"`
	WhatYouCanDo            string    `json:"what_you_can_do"`
	LikelyConsequences      string    `json:"likely_consequences,omitempty"`
	LawEnforcementDelay     bool      `json:"law_enforcement_delay,omitempty"`
	IdentityTheftProtection string    `json:"identity_theft_protection,omitempty"`
	MoreInfo                string    `json:"more_info,omitempty"`
}

// NoticeReference identifies the notice inside its own text.
type NoticeReference struct {
	ID      string   `json:"id"`
	Regimes []string `json:"regimes,omitempty"`
	Drill   bool     `json:"drill,omitempty"`
	Test    bool     `json:"test,omitempty"`
}

// NoticePreview is a notice rendered for a placeholder recipient.
type NoticePreview struct {
	Locale  string `json:"locale"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// MailContent is a rendered message.
type MailContent struct {
	Subject string
	Text    string
	HTML    string
	// TextParts and HTMLParts, when not nil, are the text and the HTML as
	// pieces to be written one after another, and Text and HTML are empty.
	// The sender asks a PartsRenderer for them to spare joining (and
	// allocating) every recipient's message; Bodies joins them.
	TextParts, HTMLParts []string
}

// Bodies returns the text and the HTML, joined if they are in parts.
func (c *MailContent) Bodies() (text, html string) {
	if c.TextParts == nil && c.HTMLParts == nil {
		return c.Text, c.HTML
	}
	return c.Text + strings.Join(c.TextParts, ""), c.HTML + strings.Join(c.HTMLParts, "")
}

// PartsRenderer is a NoticeRenderer that can also render a message with
// its bodies in parts (MailContent.TextParts and HTMLParts), joined exactly
// what Render gives.
type PartsRenderer interface {
	NoticeRenderer
	RenderParts(template, locale string, d NoticeData, r Recipient) (*MailContent, error)
}

// NoticeRenderer renders notices from templates. cmd/breachbot implements it
// over package templates. Methods return EINVALID (naming the file and line)
// for a broken template or data the template cannot render, ENOTFOUND for an
// unknown template or locale.
type NoticeRenderer interface {
	// Render renders a template in a locale for one recipient.
	Render(template, locale string, d NoticeData, r Recipient) (*MailContent, error)
	// Hash returns the SHA-256 of the files a template uses in a locale.
	Hash(template, locale string) (string, error)
	// Locales lists the locales a template has.
	Locales(template string) ([]string, error)
	// Default is the template used when none is named.
	Default() string
}

// Mail is one message to send. It carries one recipient's address only.
type Mail struct {
	To      string
	Content *MailContent
	// MessageID (without angle brackets) is derived from incident, notice and
	// recipient, so a re-sent message is recognisable.
	MessageID string
	Incident  string
	Date      time.Time
	// DataStarting, if set, is called by Send, before it returns, right
	// before the message is handed over (before the SMTP DATA command,
	// before a file is written), on every attempt. The sender notes there, in its journal, that the
	// message may reach the recipient from now on. If it returns an error
	// the message is not handed over and Send returns a temporary
	// *SendError.
	DataStarting func() error
}

// Mailer sends mail. Send calls Mail.DataStarting, if set, right before
// it hands the message over. Send may be called from several goroutines at once;
// Connections says how many messages it can have in flight. Send returns
// nil once the server accepted the message, and otherwise a *SendError
// (anything else is treated as a temporary failure that may have been
// delivered).
type Mailer interface {
	Send(ctx context.Context, m *Mail) error
	// Connections is how many sends may usefully run at once.
	Connections() int
	// Describe says where messages go, for replies ("smtp.example.com:587",
	// "the folder ./outbox"); no secrets.
	Describe() string
}

// FolderMailer is a Mailer that writes messages into a folder instead of
// sending them; replies and delivery states say so.
type FolderMailer interface {
	Mailer
	// Dir is the folder's absolute path.
	Dir() string
}

// SendError is a message that was not accepted.
type SendError struct {
	// Permanent failures (SMTP 5xx) will not succeed if retried; temporary
	// ones (4xx, network) may.
	Permanent bool
	// Uncertain means the connection failed after the message was handed
	// over: it may have been delivered.
	Uncertain bool
	// Code is the SMTP reply code, 0 for network errors.
	Code int
	// Reply describes the failure: for a server's reply, its enhanced
	// status code and a fixed description of it ("5.2.2 mailbox full"),
	// never the server's own text, which may name the person; else the
	// network error, with any address in it replaced by "<address>".
	Reply string
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	if e.Code != 0 {
		return fmt.Sprintf("%s failure: %d %s", kind, e.Code, e.Reply)
	}
	return kind + " failure: " + e.Reply
}

var addrInText = regexp.MustCompile(`<?[^\s<>"'(),;:]+@[^\s<>"'(),;:]+>?`)

// RedactAddresses replaces anything that looks like an e-mail address in s.
func RedactAddresses(s string) string { return addrInText.ReplaceAllString(s, "<address>") }

// MessageID derives a notice message's Message-ID from incident, notice and
// the recipient's keyed hash: a resend carries the same id.
func MessageID(incident, notice, recipientTag, domain string) string {
	sum := sha256.Sum256([]byte(incident + "\x00" + notice + "\x00" + recipientTag))
	if domain == "" {
		domain = "breachbot.invalid"
	}
	return fmt.Sprintf("%s.%s.%s@%s", strings.ToLower(incident), strings.ToLower(notice), hex.EncodeToString(sum[:12]), domain)
}

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

// Validate checks the invariants of a stored notice.
func (n *Notice) Validate() error {
	switch {
	case !noticeIDRE.MatchString(n.ID):
		return Errorf(EINVALID, "notice id %q is malformed", n.ID)
	case n.Template == "":
		return Errorf(EINVALID, "notice %s names no template", n.ID)
	case n.ContentHash == "" || n.ContentHash != n.ComputeContentHash():
		return Errorf(EINVALID, "notice %s: its content hash does not match its content", n.ID)
	case n.Recipients.ID == "" || n.Recipients.Hash == "":
		return Errorf(EINVALID, "notice %s is bound to no recipient list", n.ID)
	case n.State == NoticeApproved && n.Approval == nil:
		return Errorf(EINVALID, "notice %s is approved without an approval", n.ID)
	}
	return nil
}

var noticeIDRE = regexp.MustCompile(`^N[1-9][0-9]*$`)

// ParseNoticeID normalises a notice id typed by a person ("n2", "N2", "2").
func ParseNoticeID(s string) (string, error) {
	u := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "N")
	if n, err := strconv.Atoi(u); err == nil && n > 0 {
		return "N" + strconv.Itoa(n), nil
	}
	return "", Errorf(EINVALID, "%q is not a notice id", s).WithHint("notice ids look like N1; /breach notice status lists them")
}

// LooksLikeNoticeID reports whether a word is a notice id (N1, n12).
func LooksLikeNoticeID(s string) bool {
	return len(s) > 1 && (s[0] == 'N' || s[0] == 'n') && noticeIDRE.MatchString(strings.ToUpper(s))
}

// ComputeContentHash hashes everything that decides the text of every
// message: template, locales with their file hashes, and the data.
func (n *Notice) ComputeContentHash() string {
	b, _ := json.Marshal(struct {
		Template string            `json:"template"`
		Locale   string            `json:"locale"`
		Hashes   map[string]string `json:"hashes"`
		Data     NoticeData        `json:"data"`
	}{n.Template, n.Locale, n.TemplateHashes, n.Data})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// LocaleFor returns the template locale used for a recipient.
func (n *Notice) LocaleFor(r Recipient) string {
	if r.Locale != "" {
		if _, ok := n.TemplateHashes[r.Locale]; ok {
			return r.Locale
		}
		if lang, _, ok := strings.Cut(r.Locale, "-"); ok {
			if _, ok := n.TemplateHashes[lang]; ok {
				return lang
			}
		}
	}
	return n.Locale
}

// templateLocales returns which of the template's locales the recipients
// need, plus the default.
func templateLocales(available []string, def string, recipients map[string]int64) []string {
	out := []string{def}
	for loc := range recipients {
		if loc == "" {
			continue
		}
		cands := []string{loc}
		if lang, _, ok := strings.Cut(loc, "-"); ok {
			cands = append(cands, lang)
		}
		for _, c := range cands {
			if slices.Contains(available, c) {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
				break
			}
		}
	}
	slices.Sort(out[1:])
	return out
}

// PlaceholderRecipient is the made-up person previews are rendered for, so
// that no real customer's data is shown in chat.
func PlaceholderRecipient(locale string, categories []string) Recipient {
	return Recipient{Email: "jane.doe@example.com", Name: "Jane Doe", Country: "US", Region: "CA", Locale: locale, DataCategories: categories}
}

// MissingContentError reports that a notice cannot be rendered because
// content it must carry is empty. Fields are notice field names
// (what_we_are_doing, data_categories, ...) or configuration keys
// (company.contact_phone). A NoticeRenderer returns it so that a draft can
// be kept, marked incomplete, and the responder told what to add.
type MissingContentError struct {
	Locale string
	Fields []string
}

// Error lists the missing content.
func (e *MissingContentError) Error() string {
	return fmt.Sprintf("the notice (%s) is missing %s", e.Locale, strings.Join(e.Fields, ", "))
}

// MissingFix says how to fill a missing field: the draft flag, or the
// configuration key.
func MissingFix(field string) string {
	if rest, ok := strings.CutPrefix(field, "company."); ok {
		return "company: {" + rest + ": ...} in breachbot.yaml"
	}
	switch field {
	case FieldDataCategories:
		return "--data email,password_hash"
	case FieldBreachStart:
		return "--breach-start 2026-11-20"
	case FieldBreachEnd:
		return "--breach-end 2026-11-21"
	case FieldDiscoveredAt:
		return "--discovered 2026-11-27T09:00Z"
	case FieldLawEnforcementDelay:
		return "--law-enforcement-delay"
	case FieldLikelyConsequences:
		return `--consequences "..."`
	case FieldIdentityProtection:
		return `--identity-protection "..."`
	}
	return "--" + strings.ReplaceAll(field, "_", "-") + ` "..."`
}
