package email_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/email"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

// scriptedServer is a bare SMTP server written for these tests: it notes,
// for each command, whether the client sent the next line before it had
// the reply (the client pipelined), and it can be told to accept DATA
// after refusing the recipient, as a broken server would.
type scriptedServer struct {
	addr       string
	pipelining bool // offer PIPELINING in EHLO
	refuseRcpt bool // 550 to RCPT, and 354 to DATA all the same

	mu       sync.Mutex
	early    map[string]bool // command -> the next line came before its reply
	messages int
	sessions int
}

// wait is how long the server waits for a next line before it replies.
const wait = 300 * time.Millisecond

func startScripted(t *testing.T, pipelining, refuseRcpt bool) *scriptedServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptedServer{addr: ln.Addr().String(), pipelining: pipelining, refuseRcpt: refuseRcpt, early: map[string]bool{}}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); s.serve(c) }()
		}
	}()
	return s
}

func (s *scriptedServer) serve(c net.Conn) {
	defer c.Close()
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	r := bufio.NewReader(c)
	c.Write([]byte("220 localhost ready\r\n"))
	var next string // a line read ahead while waiting to see whether it came early
	readLine := func() (string, error) {
		if next != "" {
			l := next
			next = ""
			return l, nil
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		return r.ReadString('\n')
	}
	// reply answers cmd, after noting whether the next line came first.
	reply := func(cmd, text string) {
		c.SetReadDeadline(time.Now().Add(wait))
		l, err := r.ReadString('\n')
		if err == nil {
			next = l
		}
		s.mu.Lock()
		s.early[cmd] = s.early[cmd] || err == nil
		s.mu.Unlock()
		c.Write([]byte(text + "\r\n"))
	}
	for {
		line, err := readLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO":
			ext := "250-localhost\r\n250 8BITMIME"
			if s.pipelining {
				ext = "250-localhost\r\n250-PIPELINING\r\n250 8BITMIME"
			}
			c.Write([]byte(ext + "\r\n"))
		case "MAIL":
			reply("MAIL", "250 2.1.0 ok")
		case "RCPT":
			if s.refuseRcpt {
				reply("RCPT", "550 5.1.1 no such user")
			} else {
				reply("RCPT", "250 2.1.5 ok")
			}
		case "DATA":
			reply("DATA", "354 go ahead")
			for {
				l, err := readLine()
				if err != nil {
					return // dropped in the middle: no message
				}
				if l == ".\r\n" {
					break
				}
			}
			s.mu.Lock()
			s.messages++
			s.mu.Unlock()
			c.Write([]byte("250 2.0.0 queued\r\n"))
		case "RSET":
			c.Write([]byte("250 2.0.0 ok\r\n"))
		case "QUIT":
			c.Write([]byte("221 2.0.0 bye\r\n"))
			return
		default:
			c.Write([]byte("500 5.5.1 unknown command\r\n"))
		}
	}
}

func (s *scriptedServer) state() (early map[string]bool, messages, sessions int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	early = map[string]bool{}
	for k, v := range s.early {
		early[k] = v
	}
	return early, s.messages, s.sessions
}

func scriptedSender(t *testing.T, addr string) *email.Sender {
	t.Helper()
	s, err := email.New(email.Config{Addr: addr, From: "privacy@acme.example", TLS: "none", Connections: 1, Attempts: 1,
		IOTimeout: 2 * time.Second, DialTimeout: time.Second, Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A relay that offers PIPELINING gets MAIL, RCPT and DATA at once, not one
// round trip each, and the message only after its 354: a notice costs two
// round trips instead of four, which is most of the time per message to a
// relay that is not on the same machine.
func TestSenderPipelinesTheEnvelopeWhenOffered(t *testing.T) {
	t.Parallel()
	srv := startScripted(t, true, false)
	s := scriptedSender(t, srv.addr)
	m := mail("a@example.com", 1)
	hookRan := false
	m.DataStarting = func() error { hookRan = true; return nil }
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	early, messages, _ := srv.state()
	if !early["MAIL"] || !early["RCPT"] {
		t.Errorf("the client waited for a reply between MAIL, RCPT and DATA (next line early: %v)", early)
	}
	if early["DATA"] {
		t.Error("the client sent the message before the server's 354")
	}
	if messages != 1 || !hookRan {
		t.Errorf("%d messages arrived, hook ran %v; want 1, true", messages, hookRan)
	}
}

// A relay that does not offer PIPELINING is never sent a command before
// it answered the last one (RFC 5321).
func TestSenderWaitsForEachReplyWithoutPipelining(t *testing.T) {
	t.Parallel()
	srv := startScripted(t, false, false)
	s := scriptedSender(t, srv.addr)
	if err := s.Send(context.Background(), mail("a@example.com", 1)); err != nil {
		t.Fatal(err)
	}
	early, messages, _ := srv.state()
	for cmd, e := range early {
		if e {
			t.Errorf("the client sent the line after %s before the server answered it", cmd)
		}
	}
	if messages != 1 {
		t.Errorf("%d messages arrived, want 1", messages)
	}
}

// A server that refuses the recipient but then accepts DATA (a broken
// pipelining server) gets no message: the client drops the connection
// rather than send one, reports the refusal, and reconnects for the next.
func TestSenderDropsTheConnectionWhenDataFollowsARefusal(t *testing.T) {
	t.Parallel()
	srv := startScripted(t, true, true)
	s := scriptedSender(t, srv.addr)
	m := mail("refused@example.com", 1)
	hookRan := false
	m.DataStarting = func() error { hookRan = true; return nil }
	err := s.Send(context.Background(), m)
	var se *incidents.SendError
	if !errors.As(err, &se) || !se.Permanent || se.Code != 550 || se.Uncertain {
		t.Fatalf("%v, want a permanent 550 failure", err)
	}
	if hookRan {
		t.Error("the journal hook ran for a refused recipient")
	}
	s.Send(context.Background(), mail("refused@example.com", 2))
	if _, messages, sessions := srv.state(); messages != 0 || sessions != 2 {
		t.Errorf("%d messages, %d connections; want none delivered and a new connection per message", messages, sessions)
	}
}

// A recipient refused in a pipelined transaction leaves the connection
// usable: the next message goes over the same connection.
func TestPipelinedRefusalKeepsTheConnection(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t) // go-smtp offers PIPELINING
	srv.Set(smtptest.Behaviour{RcptMatch: "refused@", RcptError: smtpError(550)})
	s := scriptedSender(t, srv.Addr)
	if err := s.Send(context.Background(), mail("refused@example.com", 1)); err == nil {
		t.Fatal("a refused recipient was reported sent")
	}
	for i := range 3 {
		if err := s.Send(context.Background(), mail("b@example.com", 2+i)); err != nil {
			t.Fatalf("after a refusal: %v", err)
		}
	}
	if srv.Count() != 3 || srv.Sessions() != 1 {
		t.Errorf("%d messages over %d connections; want 3 over 1", srv.Count(), srv.Sessions())
	}
}

func smtpError(code int) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
}
