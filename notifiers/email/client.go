package email

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// client is one SMTP connection of a worker, made for sending many
// messages over a connection kept open. After the handshake (greeting,
// EHLO, STARTTLS, AUTH) each message is one transaction; when the server
// offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go out in one write and
// the message with its final dot in the next, instead of a write and a
// wait per command. Replies the server refuses with are *smtp.SMTPError;
// a reply that is not SMTP is a textproto.ProtocolError.
type client struct {
	conn       net.Conn
	r          *bufio.Reader
	w          *bufio.Writer
	ext        map[string]string
	pipelining bool
	body8bit   bool
	// dl, when set, bounds each exchange (a command and its reply, the
	// message and its reply) as a whole: see deadlineConn.
	dl *deadlineConn
}

// maxReplyLine bounds a reply line (RFC 5321 allows 512 bytes; go-smtp's
// client allows 2,000), so a hostile server cannot make the client buffer
// without end.
const maxReplyLine = 4096

// maxReplySize bounds a whole reply, all its lines: an EHLO reply is a
// few hundred bytes, and a server that sends continuation lines without
// end must not make the client read them into memory without end.
const maxReplySize = 64 << 10

// begin starts an exchange with the server: from here, it has the I/O
// timeout to finish it, however it spreads its bytes over time.
func (c *client) begin() {
	if c.dl != nil {
		c.dl.begin()
	}
}

func newClient(conn net.Conn) *client {
	c := &client{}
	c.setConn(conn)
	return c
}

func (c *client) setConn(conn net.Conn) {
	c.conn = conn
	c.r = bufio.NewReaderSize(conn, maxReplyLine)
	// Large enough for a notice and its final dot in one write.
	c.w = bufio.NewWriterSize(conn, 16<<10)
}

// Close closes the connection without QUIT.
func (c *client) Close() error { return c.conn.Close() }

// reply reads one reply, its lines joined by \n.
func (c *client) reply() (int, string, error) {
	code := 0
	var text strings.Builder
	for {
		line, err := c.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return 0, "", textproto.ProtocolError("reply line too long")
		}
		if err != nil {
			return 0, "", err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) < 3 || (len(line) > 3 && line[3] != ' ' && line[3] != '-') {
			return 0, "", textproto.ProtocolError("malformed reply")
		}
		n, err := strconv.Atoi(string(line[:3]))
		if err != nil || n < 200 || n > 599 || (code != 0 && n != code) {
			return 0, "", textproto.ProtocolError("malformed reply")
		}
		code = n
		if text.Len()+len(line) > maxReplySize {
			return 0, "", textproto.ProtocolError("reply too long")
		}
		if len(line) > 4 {
			text.Write(line[4:])
		}
		if len(line) == 3 || line[3] == ' ' {
			return code, text.String(), nil
		}
		text.WriteByte('\n')
	}
}

// expect reads a reply and returns its text if its code is of the class
// wanted (2: 2xx, 3: 3xx), else the reply as an *smtp.SMTPError.
func (c *client) expect(class int) (string, error) {
	code, text, err := c.reply()
	if err != nil {
		return "", err
	}
	if code/100 != class {
		return "", replyError(code, text)
	}
	return text, nil
}

// cmd sends one command line and reads its reply.
func (c *client) cmd(class int, line string) (string, error) {
	c.begin()
	c.w.WriteString(line)
	c.w.WriteString("\r\n")
	if err := c.w.Flush(); err != nil {
		return "", err
	}
	return c.expect(class)
}

// replyError is a refusal as go-smtp's client reports it: the enhanced
// status code, when the text starts with one, parsed out of it.
func replyError(code int, text string) *smtp.SMTPError {
	se := &smtp.SMTPError{Code: code, Message: text}
	first, rest, ok := strings.Cut(text, " ")
	if !ok {
		return se
	}
	parts := strings.Split(first, ".")
	if len(parts) != 3 {
		return se
	}
	var enh smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return se
		}
		enh[i] = n
	}
	se.EnhancedCode = enh
	se.Message = strings.ReplaceAll(rest, "\n"+first+" ", "\n")
	return se
}

// greet reads the server's greeting.
func (c *client) greet() error {
	c.begin()
	_, err := c.expect(2)
	return err
}

// hello says EHLO (HELO to a server that does not know EHLO) and notes
// the extensions the server offers.
func (c *client) hello(name string) error {
	if err := validLine(name); err != nil {
		return err
	}
	c.ext, c.pipelining, c.body8bit = nil, false, false
	text, err := c.cmd(2, "EHLO "+name)
	var se *smtp.SMTPError
	if errors.As(err, &se) && (se.Code == 500 || se.Code == 502) {
		_, err = c.cmd(2, "HELO "+name)
		return err
	}
	if err != nil {
		return err
	}
	c.ext = map[string]string{}
	lines := strings.Split(text, "\n")
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, " ")
		c.ext[strings.ToUpper(k)] = v
	}
	_, c.pipelining = c.ext["PIPELINING"]
	_, c.body8bit = c.ext["8BITMIME"]
	return nil
}

// startTLS secures the connection and says hello again.
func (c *client) startTLS(ctx context.Context, cfg *tls.Config, name string) error {
	if _, ok := c.ext["STARTTLS"]; !ok {
		return errors.New("the server does not offer STARTTLS")
	}
	if _, err := c.cmd(2, "STARTTLS"); err != nil {
		return err
	}
	if c.stray() {
		// Unencrypted bytes after the 220 would be read as if the
		// server had said them over TLS (CVE-2011-0411 class): a
		// broken relay or a man in the middle.
		return errors.New("the relay sent more, unencrypted, after agreeing to STARTTLS (a man in the middle?); connection refused")
	}
	c.begin()
	tc := tls.Client(c.conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.setConn(tc)
	return c.hello(name)
}

// auth authenticates with a SASL mechanism (as go-smtp's client does).
func (c *client) auth(a sasl.Client) error {
	mech, resp, err := a.Start()
	if err != nil {
		return err
	}
	line := "AUTH " + mech
	if len(resp) > 0 {
		line += " " + base64.StdEncoding.EncodeToString(resp)
	} else if resp != nil {
		line += " ="
	}
	c.w.WriteString(line + "\r\n")
	for {
		c.begin()
		if err := c.w.Flush(); err != nil {
			return err
		}
		code, text, err := c.reply()
		if err != nil {
			return err
		}
		switch {
		case code == 235:
			return nil
		case code != 334:
			return replyError(code, text)
		}
		challenge, err := base64.StdEncoding.DecodeString(text)
		if err == nil {
			resp, err = a.Next(challenge)
		}
		if err != nil {
			c.cmd(5, "*") // abort the exchange; its 501 is expected
			return err
		}
		c.w.WriteString(base64.StdEncoding.EncodeToString(resp) + "\r\n")
	}
}

// send sends one message in one transaction. dataStarting, if set, runs
// once the server said 354 and right before the message goes out: only
// the message and its final dot can deliver it.
func (c *client) send(from, to string, data []byte, dataStarting func() error) *failure {
	utf8 := false
	for _, a := range []string{from, to} {
		ascii, err := validAddress(a)
		if err != nil {
			return &failure{stage: stageEnvelope, err: err, permanent: true}
		}
		utf8 = utf8 || !ascii
	}
	mail := "MAIL FROM:<" + from + ">"
	if c.body8bit {
		mail += " BODY=8BITMIME"
	}
	if utf8 {
		if _, ok := c.ext["SMTPUTF8"]; !ok {
			return &failure{stage: stageEnvelope, permanent: true,
				err: errors.New("the address has non-ASCII characters and the relay does not offer SMTPUTF8; send to its ASCII form or use a relay that offers SMTPUTF8")}
		}
		mail += " SMTPUTF8"
	}
	if f := c.envelope(mail, "RCPT TO:<"+to+">"); f != nil {
		return f
	}
	if dataStarting != nil {
		if err := dataStarting(); err != nil {
			// The server waits for the message: only dropping the
			// connection ends the transaction without delivering it.
			return &failure{stage: stageEnvelope, err: fmt.Errorf("not handed over: %w", err), broken: true}
		}
	}
	if err := c.writeData(data); err != nil {
		return &failure{stage: stageBody, err: err}
	}
	// The final dot is written: from here on, the server may have the message.
	if _, err := c.expect(2); err != nil {
		return &failure{stage: stageEnd, err: err}
	}
	return nil
}

// envelope sends MAIL, RCPT and DATA, in one write when the server
// pipelines, and checks their replies: nil once the server waits for the
// message.
func (c *client) envelope(mail, rcpt string) *failure {
	if !c.pipelining {
		for _, cmd := range []struct {
			class int
			line  string
		}{{2, mail}, {2, rcpt}, {3, "DATA"}} {
			if _, err := c.cmd(cmd.class, cmd.line); err != nil {
				return &failure{stage: stageEnvelope, err: err, relay: cmd.line == mail}
			}
		}
		return nil
	}
	c.begin()
	c.w.WriteString(mail)
	c.w.WriteString("\r\n")
	c.w.WriteString(rcpt)
	c.w.WriteString("\r\nDATA\r\n")
	if err := c.w.Flush(); err != nil {
		return &failure{stage: stageEnvelope, err: err}
	}
	// Every reply is read, whatever the first ones say, so that the next
	// transaction reads its own.
	var refused error
	relay := false // MAIL was refused
	for i, class := range []int{2, 2, 3} {
		_, err := c.expect(class)
		var se *smtp.SMTPError
		switch {
		case err != nil && !errors.As(err, &se) && refused != nil:
			// The server refused, then hung up (a 421, say): its
			// refusal says more than the hang-up.
			return &failure{stage: stageEnvelope, err: refused, broken: true, relay: relay}
		case err != nil && !errors.As(err, &se):
			return &failure{stage: stageEnvelope, err: err} // the connection failed
		case err != nil && refused == nil:
			refused, relay = err, i == 0
		case err == nil && class == 3 && refused != nil:
			// The server waits for a message to recipients it
			// refused (RFC 2920 says it must not): dropping the
			// connection ends the transaction.
			return &failure{stage: stageEnvelope, err: refused, broken: true, relay: relay}
		}
	}
	if refused != nil {
		return &failure{stage: stageEnvelope, err: refused, relay: relay}
	}
	return nil
}

// writeData writes the message as DATA content, then the final dot, and
// flushes: every line ends in CRLF (a bare LF or a bare CR becomes CRLF),
// a line that starts with a dot gets another (RFC 5321 4.5.2). A bare CR
// is a line end because some relays take "\r.\r\n" for the end of the
// data: written as it came, whatever followed it would be a second
// message (SMTP smuggling). For input whose every CR is followed by LF,
// this is what textproto's DotWriter writes, without its byte-at-a-time
// loop.
func (c *client) writeData(data []byte) error {
	c.begin() // for the message and the reply to its final dot
	if len(data) == 0 {
		c.w.WriteString("\r\n") // an empty line, as DotWriter writes
	}
	for len(data) > 0 {
		if data[0] == '.' {
			c.w.WriteByte('.')
		}
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			c.w.Write(data)
			c.w.WriteString("\r\n")
			break
		}
		c.w.Write(data[:i])
		c.w.WriteString("\r\n")
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	c.w.WriteString(".\r\n")
	return c.w.Flush()
}

// stray reports whether the server has sent something no command asked
// for yet (between transactions, the client has read every reply): a
// server out of step, whose next replies would each be read as the
// answer to the command before. Only what already arrived is seen.
func (c *client) stray() bool { return c.r.Buffered() > 0 }

// reset aborts the transaction (RSET), keeping the connection.
func (c *client) reset() error {
	_, err := c.cmd(2, "RSET")
	return err
}

// quit says QUIT and closes the connection.
func (c *client) quit() error {
	_, err := c.cmd(2, "QUIT")
	c.conn.Close()
	return err
}

// validAddress refuses an address that would change the command it is
// put in: a CR or LF (a command of its own), an angle bracket or a space
// (a parameter of its own), or another control character. It reports
// whether the address is ASCII (else it needs SMTPUTF8). The reason never
// quotes the address.
func validAddress(a string) (ascii bool, err error) {
	ascii = true
	for i := 0; i < len(a); i++ {
		switch b := a[i]; {
		case b <= ' ' || b == 0x7f || b == '<' || b == '>':
			return false, errors.New("the address has a space, an angle bracket or a control character (CR, LF) that would change the SMTP command; fix the address")
		case b >= 0x80:
			ascii = false
		}
	}
	return ascii, nil
}

// validLine refuses a command argument that would end the line early: a
// CR or LF in an address would let it inject commands.
func validLine(s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return errors.New("smtp: a line must not contain CR or LF")
	}
	return nil
}
