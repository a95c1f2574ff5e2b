package incidents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
)

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
	// FromName is the sender's name (the company's) for the From header
	// when the configured sender address has none: "Acme Corp
	// <privacy@acme.example>", so the person sees who writes.
	FromName string
	// DataStarting, if set, is called by Send, before it returns, right
	// before the message is handed over (over SMTP after the server's
	// 354, before the message data; before a file is written), on every attempt. The sender notes there, in its journal, that the
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
