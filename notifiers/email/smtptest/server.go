// Package smtptest is a real SMTP server for tests, built on
// github.com/emersion/go-smtp and listening on 127.0.0.1:0. It records the
// messages it accepts and can be told to refuse them (5xx or 4xx), to
// stall, or to drop connections, so tests exercise a real SMTP client
// against real failures.
package smtptest

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Header returns a header of the message.
func (m Message) Header(name string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return ""
	}
	return msg.Header.Get(name)
}

// Behaviour tells the server how to answer. Fields are read per command.
type Behaviour struct {
	// RcptError, if set, is returned for RCPT TO of matching recipients
	// (all if RcptMatch is empty): e.g. &smtp.SMTPError{Code: 550, ...}.
	RcptError *smtp.SMTPError
	RcptMatch string
	// RcptErrors answers RCPT TO of recipients containing a key with its error.
	RcptErrors map[string]*smtp.SMTPError
	// DataError is returned after the message data (e.g. 451).
	DataError *smtp.SMTPError
	// StallData stalls after receiving the data, never answering, until
	// the server is closed or Release is called.
	StallData bool
	// DropAfterData closes the connection after reading the data without
	// answering: the client cannot know whether it was accepted. The
	// message is recorded (it "arrived").
	DropAfterData bool
	// DropOnMail closes the connection at MAIL FROM.
	DropOnMail bool
	// Discard accepts messages without recording them (benchmarks).
	Discard bool
}

// Server is a running test SMTP server.
type Server struct {
	Addr string

	srv *smtp.Server
	ln  net.Listener

	mu     sync.Mutex
	behave Behaviour
	msgs   []Message
	count  int
	// first and last are when the first and the last accepted message
	// finished arriving.
	first, last time.Time
	release     chan struct{}
	sessions    int
	done        chan struct{}
}

// Start starts a server on 127.0.0.1:0; it is closed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Listen starts a server on addr (for programs: cmd tests, benchmarks).
func Listen(addr string) (*Server, error) {
	s := &Server{release: make(chan struct{}), done: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{s: s, conn: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.ln, s.Addr = ln, ln.Addr().String()
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server and releases stalled sessions.
func (s *Server) Close() error {
	s.Release()
	err := s.srv.Close()
	<-s.done
	return err
}

// Set changes how the server answers from now on.
func (s *Server) Set(b Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behave = b
}

// Release lets stalled sessions go on (they then drop the connection).
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

// Messages returns the accepted messages so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Count is how many messages were accepted (also when discarding).
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Arrivals returns when the first and the last accepted message (also
// when discarding) finished arriving: a sender's rate as the server sees it.
func (s *Server) Arrivals() (first, last time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first, s.last
}

// Forget forgets the messages accepted so far: Count, Messages and
// Arrivals start again from none.
func (s *Server) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs, s.count, s.first, s.last = nil, 0, time.Time{}, time.Time{}
}

// arrived counts an accepted message; s.mu is held.
func (s *Server) arrived() {
	now := time.Now()
	if s.count == 0 {
		s.first = now
	}
	s.count++
	s.last = now
}

// Sessions is how many connections were opened.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

type session struct {
	s    *Server
	conn *smtp.Conn
	from string
	to   []string
}

func (x *session) behaviour() Behaviour {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	return x.s.behave
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.behaviour().DropOnMail {
		x.conn.Conn().Close()
		return errors.New("dropped")
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	b := x.behaviour()
	if b.RcptError != nil && (b.RcptMatch == "" || strings.Contains(to, b.RcptMatch)) {
		return b.RcptError
	}
	for match, err := range b.RcptErrors {
		if strings.Contains(to, match) {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b := x.behaviour()
	if b.Discard {
		io.Copy(io.Discard, r)
		x.s.mu.Lock()
		x.s.arrived()
		x.s.mu.Unlock()
		if b.DataError != nil {
			return b.DataError
		}
		return nil
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if b.DataError != nil {
		return b.DataError
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Data: data})
	x.s.arrived()
	release := x.s.release
	x.s.mu.Unlock()
	if b.StallData {
		<-release
		x.conn.Conn().Close()
		return errors.New("stalled")
	}
	if b.DropAfterData {
		x.conn.Conn().Close()
		return errors.New("dropped")
	}
	return nil
}
