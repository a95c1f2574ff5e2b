package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"golang.org/x/time/rate"

	"github.com/breachbot/breachbot/incidents"
)

// Config configures a Sender.
type Config struct {
	// Addr is host:port of the SMTP server (SMTP_ADDR).
	Addr string
	// Username and Password authenticate with PLAIN if Username is set.
	Username string
	Password string
	// From is the envelope and header sender (SMTP_FROM).
	From string
	// TLS is "starttls" (the default, and then required), "tls" (implicit
	// TLS, usually port 465) or "none" (only when set explicitly).
	TLS string
	// TLSConfig overrides the TLS settings (tests: a private CA).
	TLSConfig *tls.Config
	// Connections is the number of workers, each with one connection (default 4).
	Connections int
	// Rate is the most messages per second over all connections (0: no limit).
	Rate float64
	// DialTimeout bounds connecting and the TLS handshake; IOTimeout every
	// read and write (defaults 10 s and 60 s).
	DialTimeout time.Duration
	IOTimeout   time.Duration
	// Attempts is how often a message is tried when it fails temporarily
	// before it was handed over (default 3); Backoff is the first delay
	// between attempts and reconnections, doubled up to MaxBackoff.
	Attempts   int
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Redirect, if set, delivers every message to this address instead of
	// its recipient: the sandbox of drills.
	Redirect string
	// HelloName is the name given in EHLO (default "localhost").
	HelloName string
}

// Sender sends messages over SMTP with a fixed set of workers. Each worker
// owns one connection: it dials on first use, keeps the connection for the
// next message (pipelining MAIL, RCPT and DATA when the server offers
// PIPELINING), and reconnects with backoff after a failure. Every read
// and write has a deadline. Close stops the workers; it does not hang on a
// broken connection.
type Sender struct {
	cfg     Config
	from    string   // envelope sender, the bare address of cfg.From
	header  string   // From header, formatted once
	named   sync.Map // display name -> From header with it (withName), formatted once
	bufs    sync.Pool
	limiter *rate.Limiter
	reqs    chan *request
	closed  chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

var _ incidents.Mailer = (*Sender)(nil)

type request struct {
	to   string
	data []byte
	// dataStarting, if set, is called after the server said 354, right
	// before the message goes out (each attempt).
	dataStarting func() error
	done         chan error
}

// New checks cfg and starts the workers. Call Close when done.
func New(cfg Config) (*Sender, error) {
	switch cfg.TLS {
	case "":
		cfg.TLS = "starttls"
	case "starttls", "tls", "none":
	default:
		return nil, fmt.Errorf("SMTP TLS mode %q is not starttls, tls or none", cfg.TLS)
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("SMTP_ADDR %q is not host:port", cfg.Addr)
	}
	if cfg.From == "" {
		return nil, errors.New("SMTP_FROM is not set; notices need a sender address")
	}
	from, err := parseFrom(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("SMTP_FROM is not an address: %w", err)
	}
	if cfg.TLS == "none" && cfg.Username != "" {
		return nil, errors.New("SMTP_USERNAME is set with SMTP_TLS=none: the password would cross the network unencrypted; set SMTP_TLS=starttls (or tls, usually port 465), or unset SMTP_USERNAME for a relay that needs no login")
	}
	if cfg.Connections <= 0 {
		cfg.Connections = 4
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.IOTimeout <= 0 {
		cfg.IOTimeout = 60 * time.Second
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	s := &Sender{cfg: cfg, from: from, header: participants(cfg.From), reqs: make(chan *request), closed: make(chan struct{})}
	s.limiter = rate.NewLimiter(rate.Inf, 1)
	if cfg.Rate > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), max(1, int(cfg.Rate/10)))
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for range cfg.Connections {
		s.wg.Add(1)
		go s.worker()
	}
	return s, nil
}

// Connections is the number of workers.
func (s *Sender) Connections() int { return s.cfg.Connections }

// Describe says where messages go, relay and TLS mode ("SMTP
// smtp.example.com:587 (starttls)"), no secrets. A send records it and
// resumes only on the same.
func (s *Sender) Describe() string {
	d := "SMTP " + s.cfg.Addr + " (" + s.cfg.TLS + ")"
	if s.cfg.Redirect != "" {
		d += " (sandbox: every message to the sandbox address)"
	}
	return d
}

// Close stops the workers, quitting their connections.
func (s *Sender) Close() error {
	s.once.Do(func() {
		close(s.closed)
		s.cancel()
	})
	s.wg.Wait()
	return nil
}

// Send hands m to a worker and waits for the server's answer. It returns
// nil once the server accepted the message, else a *incidents.SendError.
func (s *Sender) Send(ctx context.Context, m *incidents.Mail) error {
	if s.cfg.Redirect != "" {
		// The sandbox gets the message addressed to itself: no customer's
		// address travels, not even in a header.
		c := *m
		c.To = s.cfg.Redirect
		m = &c
	}
	buf, _ := s.bufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	data, err := appendNamedMessage((*buf)[:0], s.fromHeader(m.FromName), m)
	if err != nil {
		return &incidents.SendError{Permanent: true, Reply: "compose: " + incidents.RedactAddresses(err.Error())}
	}
	err = s.send(ctx, &request{to: m.To, data: data, dataStarting: m.DataStarting, done: make(chan error, 1)})
	// send returns only after a worker is done with data (or never took
	// it), so the buffer can be reused.
	*buf = data
	s.bufs.Put(buf)
	return err
}

// fromHeader is the From header of a message whose sender shows name:
// withName's result, which parses an address, computed once per name
// rather than once per message.
func (s *Sender) fromHeader(name string) string {
	if h, ok := s.named.Load(name); ok {
		return h.(string)
	}
	h := withName(s.header, name)
	s.named.Store(name, h)
	return h
}

// SendRaw sends an already composed message to one recipient.
func (s *Sender) SendRaw(ctx context.Context, to string, data []byte) error {
	return s.send(ctx, &request{to: to, data: data, done: make(chan error, 1)})
}

// send hands req to a worker and waits for its answer.
func (s *Sender) send(ctx context.Context, req *request) error {
	select {
	case s.reqs <- req:
	case <-ctx.Done():
		return &incidents.SendError{Reply: "not sent: " + ctx.Err().Error()}
	case <-s.closed:
		return &incidents.SendError{Reply: "not sent: the sender is closed"}
	}
	return <-req.done // a worker always answers a request it took
}

// stage says how far a transaction got, which decides whether a failure
// may have delivered the message.
type stage int

const (
	stageConnect stage = iota
	stageEnvelope
	stageBody
	stageEnd // the final dot was written: the server may have accepted it
)

type failure struct {
	stage stage
	err   error
	// broken: the connection cannot go on (the server waits for a message
	// that must not be sent), even if err is the server's reply.
	broken bool
	// permanent: refused before anything was sent, for a reason no
	// retry can change (the address cannot be put in a command).
	permanent bool
	// relay: the server refused the relay's part, not the recipient
	// (MAIL FROM): not this recipient's permanent failure.
	relay bool
}

func (s *Sender) worker() {
	defer s.wg.Done()
	var (
		c     *client
		delay time.Duration
	)
	defer func() {
		if c != nil {
			c.quit() // bounded by the I/O deadline
		}
	}()
	for {
		var req *request
		select {
		case <-s.closed:
			return
		case req = <-s.reqs:
		}
		if err := s.limiter.Wait(s.ctx); err != nil {
			req.done <- &incidents.SendError{Reply: "not sent: the sender is closing"}
			continue
		}
		var last *failure
		for attempt := 1; ; attempt++ {
			if c != nil && c.stray() {
				// Out of step: its replies cannot be trusted to
				// answer our commands. Nothing was sent on it yet.
				c.Close()
				c = nil
			}
			if c == nil {
				var err error
				if c, err = s.dial(); err != nil {
					last = &failure{stage: stageConnect, err: err}
				}
			}
			if c != nil {
				f := c.send(s.from, req.to, req.data, req.dataStarting)
				if f == nil {
					delay = 0
					req.done <- nil
					last = nil
					break
				}
				last = f
				var se *smtp.SMTPError
				if f.permanent {
					// Refused before anything was sent: the
					// connection is as it was.
				} else if errors.As(f.err, &se) && se.Code != 421 && !f.broken {
					// The server answered: the connection is still good.
					if err := c.reset(); err != nil {
						c.Close()
						c = nil
					}
				} else {
					c.Close()
					c = nil
				}
			}
			res := classify(last)
			if res.Permanent || res.Uncertain || attempt >= s.cfg.Attempts {
				req.done <- res
				break
			}
			// Temporary, and not handed over: wait and try again.
			delay = min(max(2*delay, s.cfg.Backoff), s.cfg.MaxBackoff)
			if !s.sleep(delay) {
				req.done <- res
				return
			}
		}
		if last != nil && c == nil {
			// The connection failed: back off before the next message too.
			delay = min(max(2*delay, s.cfg.Backoff), s.cfg.MaxBackoff)
			if !s.sleep(delay) {
				return
			}
		}
	}
}

func (s *Sender) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closed:
		return false
	}
}

func (s *Sender) tlsConfig() *tls.Config {
	host, _, _ := net.SplitHostPort(s.cfg.Addr)
	if s.cfg.TLSConfig != nil {
		cfg := s.cfg.TLSConfig.Clone()
		if cfg.ServerName == "" {
			// The certificate is checked against the relay's host,
			// as without a TLSConfig.
			cfg.ServerName = host
		}
		return cfg
	}
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

// dial connects, says hello, secures and authenticates a connection.
func (s *Sender) dial() (*client, error) {
	d := &net.Dialer{Timeout: s.cfg.DialTimeout}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.DialTimeout)
	defer cancel()
	raw, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	conn := &deadlineConn{Conn: raw, timeout: s.cfg.IOTimeout}
	var c *client
	if s.cfg.TLS == "tls" {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		c = newClient(tc)
	} else {
		c = newClient(conn)
	}
	c.dl = conn
	err = c.greet()
	if err == nil {
		err = c.hello(s.cfg.HelloName)
	}
	if err == nil && s.cfg.TLS == "starttls" {
		err = c.startTLS(ctx, s.tlsConfig(), s.cfg.HelloName)
	}
	if err != nil {
		c.Close()
		if s.cfg.TLS == "starttls" {
			return nil, fmt.Errorf("STARTTLS (required unless SMTP_TLS=none): %w", err)
		}
		return nil, err
	}
	if s.cfg.Username != "" {
		if err := c.auth(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password)); err != nil {
			c.Close()
			return nil, fmt.Errorf("authenticate as %s: %w", s.cfg.Username, err)
		}
	}
	return c, nil
}

// aboutTheMessage reports whether a refusal of the message after its final
// dot is about the notice itself (its content, size or the relay's
// policy: enhanced codes X.3.x, X.6.x, X.7.x, or none) rather than about
// the recipient's mailbox (X.1.x, X.2.x). The same notice goes to
// everyone, so such a refusal must pause the send, as a temporary failure
// does, not mark every recipient failed for good.
func aboutTheMessage(se *smtp.SMTPError) bool {
	switch se.EnhancedCode[1] {
	case 1, 2:
		return false
	}
	return true
}

// classify turns a failure into the domain's SendError.
func classify(f *failure) *incidents.SendError {
	var se *smtp.SMTPError
	if errors.As(f.err, &se) {
		// The server's text is never kept (it may name the person): the
		// codes and a fixed description of them only.
		enhanced, class := replyClass(se.Code, se.EnhancedCode)
		// A refusal of the connection (greeting, EHLO, STARTTLS, AUTH)
		// or of the sender says nothing of the recipient: temporary, so
		// a run of them pauses the send rather than mark every
		// recipient failed for good.
		ours := f.stage == stageConnect || f.relay || f.stage == stageEnd && aboutTheMessage(se)
		return &incidents.SendError{Permanent: se.Code >= 500 && !ours, Code: se.Code, Reply: strings.TrimSpace(enhanced + " " + class)}
	}
	msg := incidents.RedactAddresses(f.err.Error())
	if f.permanent {
		return &incidents.SendError{Permanent: true, Reply: msg}
	}
	var pe textproto.ProtocolError
	if errors.As(f.err, &pe) {
		msg = "malformed reply from the server" // it may quote the server's text
	}
	var ne net.Error
	if f.stage == stageEnd {
		// The final dot may have reached the server before the connection
		// failed: the message may have been delivered.
		return &incidents.SendError{Uncertain: true, Reply: "no answer after the message was handed over: " + msg}
	}
	if errors.As(f.err, &ne) && ne.Timeout() {
		msg = "timed out: " + msg
	}
	return &incidents.SendError{Reply: msg}
}

// parseFrom returns the bare address of a From that may have a name.
func parseFrom(from string) (string, error) {
	if i := strings.LastIndexByte(from, '<'); i >= 0 && strings.HasSuffix(from, ">") {
		from = from[i+1 : len(from)-1]
	}
	return incidents.NormalizeAddress(from)
}

// deadlineConn sets a deadline before every read and write, so no
// operation of the SMTP or TLS client can block longer than timeout. The
// client calls begin at the start of each exchange (a command and its
// reply; the message and the reply to its final dot): from then on every
// read and write shares one deadline, timeout after begin, so a server
// that sends its reply a byte at a time, or continuation lines without
// end, cannot hold a worker longer than timeout per exchange. It is used
// by one worker only.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
	until   time.Time // the current exchange's deadline; zero before the first
}

func (c *deadlineConn) begin() { c.until = time.Now().Add(c.timeout) }

func (c *deadlineConn) deadline() time.Time {
	if c.until.IsZero() {
		return time.Now().Add(c.timeout)
	}
	return c.until
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(c.deadline())
	return c.Conn.Read(p)
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(c.deadline())
	return c.Conn.Write(p)
}

// SetDeadline is ignored: every operation gets its own deadline.
func (c *deadlineConn) SetDeadline(time.Time) error      { return nil }
func (c *deadlineConn) SetReadDeadline(time.Time) error  { return nil }
func (c *deadlineConn) SetWriteDeadline(time.Time) error { return nil }
