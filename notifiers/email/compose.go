// Package email sends breachbot's notices: over SMTP by a fixed set of
// workers, each owning one connection with dial and I/O deadlines, sharing
// one rate limit; or, in the console without SMTP, as .eml files in a
// folder.
//
// Messages have the layout github.com/jordan-wright/email gives them (text
// and HTML as multipart/alternative, both quoted-printable, headers encoded
// as the library encodes them). For the usual notice (a text and/or an HTML
// body, no attachments) the message is written directly into one reused
// buffer instead of through the library, which cost about 45 µs per
// message, a third of the sender's own overhead; bodies rendered in parts
// (incidents.MailContent.TextParts) are encoded part by part without being
// joined. The tests compare the result with the library's byte for byte,
// and anything else is composed by the library itself. The
// library's Pool is not used: it has a data race, no I/O timeouts, and
// hangs on Close after errors.
package email

import (
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	jwemail "github.com/jordan-wright/email"

	"github.com/breachbot/breachbot/incidents"
)

// Compose returns the RFC 5322 message for m. Headers carry no customer
// data but the recipient's address in To: Message-ID is derived from
// incident, notice and recipient hash, and X-Incident-Id names the incident.
func Compose(from string, m *incidents.Mail) ([]byte, error) {
	return appendMessage(nil, participants(from), m)
}

// appendMessage appends the message for m to dst. fromHeader is the From
// header's value as participants formats it.
func appendMessage(dst []byte, fromHeader string, m *incidents.Mail) ([]byte, error) {
	return appendNamedMessage(dst, withName(fromHeader, m.FromName), m)
}

// appendNamedMessage is appendMessage with the From header's value
// complete: withName(fromHeader, m.FromName).
func appendNamedMessage(dst []byte, fromHeader string, m *incidents.Mail) ([]byte, error) {
	c := m.Content
	hasText, hasHTML := c.Text != "" || anyText(c.TextParts), c.HTML != "" || anyText(c.HTMLParts)
	if !hasText && !hasHTML {
		// Headers only: rare enough to leave to the library.
		data, err := composeWithLibrary(fromHeader, m)
		return append(dst, data...), err
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	dst = appendHeader(dst, "From", fromHeader)
	dst = appendHeader(dst, "To", participants(m.To))
	if c.Subject != "" {
		dst = appendHeader(dst, "Subject", mime.QEncoding.Encode("UTF-8", c.Subject))
	}
	dst = append(dst, "Date: "...)
	dst = date.AppendFormat(dst, time.RFC1123Z)
	dst = append(dst, "\r\n"...)
	dst = appendHeader(dst, "Message-Id", mime.QEncoding.Encode("UTF-8", "<"+m.MessageID+">"))
	dst = append(dst, "Mime-Version: 1.0\r\n"...)
	dst = appendHeader(dst, "X-Incident-Id", mime.QEncoding.Encode("UTF-8", m.Incident))
	dst = append(dst, "Auto-Submitted: auto-generated\r\n"...)
	if !hasText || !hasHTML {
		kind, body, parts := "text/plain", c.Text, c.TextParts
		if hasHTML {
			kind, body, parts = "text/html", c.HTML, c.HTMLParts
		}
		dst = append(dst, "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: "...)
		dst = append(dst, kind...)
		dst = append(dst, "; charset=UTF-8\r\n\r\n"...)
		return appendQuotedPrintableParts(dst, body, parts), nil
	}
	// multipart/alternative with a random boundary, as mime/multipart
	// makes it (30 random bytes in hex).
	var raw [30]byte
	rand.Read(raw[:])
	var boundary [60]byte
	hex.Encode(boundary[:], raw[:])
	dst = append(dst, "Content-Type: multipart/alternative;\r\n boundary="...)
	dst = append(dst, boundary[:]...)
	dst = append(dst, "\r\n\r\n--"...)
	dst = append(dst, boundary[:]...)
	dst = append(dst, "\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"...)
	dst = appendQuotedPrintableParts(dst, c.Text, c.TextParts)
	dst = append(dst, "\r\n--"...)
	dst = append(dst, boundary[:]...)
	dst = append(dst, "\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"...)
	dst = appendQuotedPrintableParts(dst, c.HTML, c.HTMLParts)
	dst = append(dst, "\r\n--"...)
	dst = append(dst, boundary[:]...)
	dst = append(dst, "--\r\n"...)
	return dst, nil
}

func anyText(parts []string) bool {
	for _, p := range parts {
		if p != "" {
			return true
		}
	}
	return false
}

func appendHeader(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// participants formats an address header's value as the library does:
// each comma-separated address that parses is written in its canonical
// form, anything else as it was.
func participants(v string) string {
	if !strings.Contains(v, ",") {
		if a, err := mail.ParseAddress(v); err == nil {
			return a.String()
		}
		return v
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		if a, err := mail.ParseAddress(p); err == nil {
			parts[i] = a.String()
		}
	}
	return strings.Join(parts, ", ")
}

// withName returns the From header with name as its display name when it
// is a bare address (a configured name is kept): "Acme Corp
// <privacy@acme.example>".
func withName(fromHeader, name string) string {
	name = strings.TrimSpace(name)
	if name == "" || strings.Contains(fromHeader, ",") {
		return fromHeader
	}
	a, err := mail.ParseAddress(fromHeader)
	if err != nil || a.Name != "" {
		return fromHeader
	}
	a.Name = name
	return a.String()
}

// composeWithLibrary composes m with github.com/jordan-wright/email.
func composeWithLibrary(from string, m *incidents.Mail) ([]byte, error) {
	e := &jwemail.Email{
		From:    from,
		To:      []string{m.To},
		Subject: m.Content.Subject,
		Headers: textproto.MIMEHeader{},
	}
	text, html := m.Content.Bodies()
	if text != "" {
		e.Text = []byte(text)
	}
	if html != "" {
		e.HTML = []byte(html)
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

const upperhex = "0123456789ABCDEF"

// qpPlain says which bytes quoted-printable writes as they are.
var qpPlain = func() (t [256]bool) {
	for b := ' '; b <= '~'; b++ {
		t[b] = b != '='
	}
	t['\t'] = true
	return t
}()

// appendQuotedPrintable appends s encoded exactly as mime/quotedprintable's
// Writer (not in binary mode) encodes it: lines of at most 76 characters
// with soft breaks, line ends as CRLF, '=' and bytes outside printable
// ASCII escaped, and a space or tab before a line end escaped.
func appendQuotedPrintable(dst []byte, s string) []byte {
	return appendQuotedPrintableParts(dst, s, nil)
}

// appendQuotedPrintableParts encodes s followed by the parts as one text,
// as if they were joined.
func appendQuotedPrintableParts(dst []byte, s string, parts []string) []byte {
	q := qpEncoder{start: len(dst)}
	dst = q.append(dst, s)
	for _, p := range parts {
		dst = q.append(dst, p)
	}
	dst, _ = qpEscapeLast(dst, q.start)
	return dst
}

// qpEncoder is the state of quoted-printable encoding between pieces of
// one text: where the current line starts in the output, and whether the
// last line end was a CR (so that a following LF belongs to it).
type qpEncoder struct {
	start int
	cr    bool
}

// append encodes s. Runs of plain bytes are copied a line's worth at a
// time.
func (q *qpEncoder) append(dst []byte, s string) []byte {
	start, cr := q.start, q.cr
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case qpPlain[b]:
			j := i + 1
			for j < len(s) && qpPlain[s[j]] {
				j++
			}
			for i < j {
				room := 75 - (len(dst) - start)
				if room <= 0 {
					dst = append(dst, "=\r\n"...)
					start, room = len(dst), 75
				}
				k := min(room, j-i)
				dst = append(dst, s[i:i+k]...)
				i += k
			}
			cr = false
			continue
		case b == '\n' || b == '\r':
			if !cr || b != '\n' {
				cr = b == '\r'
				dst, start = qpEscapeLast(dst, start)
				dst = append(dst, '\r', '\n')
				start = len(dst)
			} else {
				cr = false
			}
		default:
			// Escaped; like the library's writer this leaves cr as it was.
			if 75-(len(dst)-start) < 3 {
				dst = append(dst, "=\r\n"...)
				start = len(dst)
			}
			dst = append(dst, '=', upperhex[b>>4], upperhex[b&0x0f])
		}
		i++
	}
	q.start, q.cr = start, cr
	return dst
}

// qpEscapeLast escapes a space or tab that ends the line starting at
// start, as the writer does before a line end.
func qpEscapeLast(dst []byte, start int) ([]byte, int) {
	n := len(dst) - start
	if n == 0 {
		return dst, start
	}
	b := dst[len(dst)-1]
	if b != ' ' && b != '\t' {
		return dst, start
	}
	dst = dst[:len(dst)-1]
	if 75-(n-1) < 3 {
		dst = append(dst, "=\r\n"...)
		start = len(dst)
	}
	return append(dst, '=', upperhex[b>>4], upperhex[b&0x0f]), start
}
