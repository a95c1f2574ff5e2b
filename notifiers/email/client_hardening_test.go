package email_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/email"
)

// rawRelay is a misbehaving relay: each connection is handed to serve,
// which speaks (or fails to speak) SMTP as the test scripts it.
func rawRelay(t *testing.T, serve func(c net.Conn, r *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				go func() { <-done; c.Close() }()
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	return ln.Addr().String()
}

// sendWithin sends m and fails the test if the sender has not answered
// within limit: a hung worker is the bug these tests look for.
func sendWithin(t *testing.T, s *email.Sender, m *incidents.Mail, limit time.Duration) error {
	t.Helper()
	res := make(chan error, 1)
	go func() { res <- s.Send(context.Background(), m) }()
	select {
	case err := <-res:
		return err
	case <-time.After(limit):
		t.Fatalf("no answer from the sender after %v: the worker hangs", limit)
		return nil
	}
}

func rawSender(t *testing.T, addr string, io time.Duration) *email.Sender {
	t.Helper()
	s, err := email.New(email.Config{Addr: addr, From: "privacy@acme.example", TLS: "none", Connections: 1, Attempts: 1,
		IOTimeout: io, DialTimeout: time.Second, Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A relay whose greeting never ends (one continuation line after another,
// as fast as it can) is refused as malformed, promptly, instead of being
// read into memory without end.
func TestEndlessMultilineReplyIsRefused(t *testing.T) {
	t.Parallel()
	addr := rawRelay(t, func(c net.Conn, _ *bufio.Reader) {
		line := []byte("220-" + strings.Repeat("x", 70) + "\r\n")
		for {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	})
	s := rawSender(t, addr, 2*time.Second)
	err := sendWithin(t, s, mail("a@example.com", 1), 5*time.Second)
	var se *incidents.SendError
	if !errors.As(err, &se) || se.Uncertain || !strings.Contains(se.Reply, "malformed reply") {
		t.Fatalf("%v, want a failure for a malformed reply", err)
	}
}

// A relay that answers one byte at a time, each just inside the I/O
// timeout, cannot hold a worker beyond that timeout per step: the deadline
// is for the whole reply, not for each read.
func TestDripFeedingRelayTimesOut(t *testing.T) {
	t.Parallel()
	addr := rawRelay(t, func(c net.Conn, _ *bufio.Reader) {
		for {
			if _, err := c.Write([]byte("2")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	s := rawSender(t, addr, 400*time.Millisecond)
	err := sendWithin(t, s, mail("a@example.com", 1), 3*time.Second)
	var se *incidents.SendError
	if !errors.As(err, &se) || se.Uncertain || !strings.Contains(se.Reply, "timed out") {
		t.Fatalf("%v, want a time-out", err)
	}
}

// recording is a plain relay for these tests: it offers ext in EHLO,
// accepts every command, and keeps each message's DATA content as it
// arrived, lines and all. afterDot, if set, is what it answers a final
// dot with (default one 250).
type recording struct {
	ext      string
	afterDot string
	secured  bool // the connection was just secured: no greeting

	mu       sync.Mutex
	data     []string
	commands []string
	sessions int
}

func (x *recording) serve(c net.Conn, r *bufio.Reader) {
	x.mu.Lock()
	x.sessions++
	x.mu.Unlock()
	if !x.secured {
		c.Write([]byte("220 relay ready\r\n"))
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		x.mu.Lock()
		x.commands = append(x.commands, strings.TrimRight(line, "\r\n"))
		x.mu.Unlock()
		switch verb := strings.ToUpper(strings.Fields(line + " x")[0]); verb {
		case "EHLO":
			c.Write([]byte("250-relay\r\n250 " + x.ext + "\r\n"))
		case "DATA":
			c.Write([]byte("354 go ahead\r\n"))
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			x.mu.Lock()
			x.data = append(x.data, b.String())
			x.mu.Unlock()
			reply := x.afterDot
			if reply == "" {
				reply = "250 2.0.0 queued\r\n"
			}
			c.Write([]byte(reply))
		case "AUTH":
			c.Write([]byte("235 2.7.0 authenticated\r\n"))
		case "QUIT":
			c.Write([]byte("221 bye\r\n"))
			return
		default:
			c.Write([]byte("250 ok\r\n"))
		}
	}
}

func (x *recording) state() (data, commands []string, sessions int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]string(nil), x.data...), append([]string(nil), x.commands...), x.sessions
}

// A message with a CR that does not start a CRLF ("\r.\r\n", which some
// relays take for the end of the data) goes out with that CR as a line
// end, so the dot is stuffed: nothing after it can be smuggled in as a
// second message (SMTP smuggling, CVE-2023-51764 class).
func TestBareCRCannotEndTheData(t *testing.T) {
	t.Parallel()
	rec := &recording{ext: "PIPELINING"}
	s := rawSender(t, rawRelay(t, rec.serve), 2*time.Second)
	raw := "Subject: x\r\n\r\nhello\r.\r\nMAIL FROM:<evil@example.net>\r\n"
	if err := s.SendRaw(context.Background(), "a@example.com", []byte(raw)); err != nil {
		t.Fatal(err)
	}
	data, _, _ := rec.state()
	if len(data) != 1 {
		t.Fatalf("%d messages arrived, want 1", len(data))
	}
	if strings.Contains(strings.ReplaceAll(data[0], "\r\n", ""), "\r") {
		t.Errorf("a bare CR reached the relay: %q", data[0])
	}
	for _, l := range strings.Split(data[0], "\r\n") {
		if l == "." {
			t.Errorf("a line of a single dot reached the relay inside the data: %q", data[0])
		}
	}
}

// A relay that sends a reply nobody asked for (here a second 250 after a
// message) is not believed for the next message: its stray reply would be
// read as the answer to the next MAIL, and every later reply as the
// answer to the command before. The client drops that connection before
// it sends anything more on it, and the next message goes over a new one.
func TestStrayReplyDropsTheConnectionBeforeTheNextMessage(t *testing.T) {
	t.Parallel()
	rec := &recording{ext: "PIPELINING", afterDot: "250 2.0.0 queued\r\n250 2.0.0 queued\r\n"}
	s := rawSender(t, rawRelay(t, rec.serve), 2*time.Second)
	for i := range 2 {
		if err := sendWithin(t, s, mail("a@example.com", i), 5*time.Second); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if data, _, sessions := rec.state(); len(data) != 2 || sessions != 2 {
		t.Errorf("%d messages over %d connections, want 2 over 2", len(data), sessions)
	}
}

// With SMTP_TLS=none, a password would cross the network in clear: a
// sender with a username is refused at start, naming both settings,
// rather than send AUTH PLAIN over plain TCP.
func TestAuthOverPlaintextIsRefused(t *testing.T) {
	t.Parallel()
	rec := &recording{ext: "AUTH PLAIN"}
	addr := rawRelay(t, rec.serve)
	s, err := email.New(email.Config{Addr: addr, From: "privacy@acme.example", TLS: "none", Username: "breachbot", Password: "s3cret",
		Connections: 1, Attempts: 1, IOTimeout: 2 * time.Second, DialTimeout: time.Second})
	if err == nil {
		s.SendRaw(context.Background(), "a@example.com", []byte("Subject: x\r\n\r\nx\r\n"))
		s.Close()
		_, commands, _ := rec.state()
		t.Fatalf("a sender with a password over SMTP_TLS=none was made; the relay was sent %q", commands)
	}
	for _, want := range []string{"SMTP_USERNAME", "SMTP_TLS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the password: %q", err)
	}
}

// An address that would break the command line (CR or LF: a second
// command; an angle bracket: a parameter of its own) is refused for good,
// before anything is sent, without the address in the reason; retrying
// it cannot help.
func TestInjectedAddressIsRefusedForGood(t *testing.T) {
	t.Parallel()
	for _, to := range []string{"a@example.com>\r\nRCPT TO:<evil@example.net", "a@example.com> NOTIFY=NEVER", "a\x00b@example.com"} {
		rec := &recording{ext: "PIPELINING"}
		s := rawSender(t, rawRelay(t, rec.serve), 2*time.Second)
		err := s.SendRaw(context.Background(), to, []byte("Subject: x\r\n\r\nx\r\n"))
		var se *incidents.SendError
		if !errors.As(err, &se) || !se.Permanent || se.Uncertain {
			t.Errorf("%q: %v, want a permanent failure", to, err)
			continue
		}
		if strings.Contains(se.Reply, "example.com") || strings.Contains(se.Reply, "evil") {
			t.Errorf("%q: the reason shows the address: %q", to, se.Reply)
		}
		for _, c := range func() []string { _, c, _ := rec.state(); return c }() {
			if strings.HasPrefix(c, "MAIL") || strings.HasPrefix(c, "RCPT") {
				t.Errorf("%q: the relay was sent %q", to, c)
			}
		}
	}
}

// A non-ASCII address goes out with SMTPUTF8 (RFC 6531) to a relay that
// offers it; to one that does not, it is refused for good with a reason
// that says so, instead of bytes the relay may mangle.
func TestNonASCIIAddressNeedsSMTPUTF8(t *testing.T) {
	t.Parallel()
	const to = "jürgen@example.de"
	plain := &recording{ext: "PIPELINING"}
	s := rawSender(t, rawRelay(t, plain.serve), 2*time.Second)
	err := s.SendRaw(context.Background(), to, []byte("Subject: x\r\n\r\nx\r\n"))
	var se *incidents.SendError
	if !errors.As(err, &se) || !se.Permanent || !strings.Contains(se.Reply, "SMTPUTF8") || strings.Contains(se.Reply, "rgen") {
		t.Errorf("%v, want a permanent failure naming SMTPUTF8, without the address", err)
	}
	if data, _, _ := plain.state(); len(data) != 0 {
		t.Errorf("%d messages reached a relay without SMTPUTF8", len(data))
	}

	utf8 := &recording{ext: "SMTPUTF8"}
	s = rawSender(t, rawRelay(t, utf8.serve), 2*time.Second)
	if err := s.SendRaw(context.Background(), to, []byte("Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	_, commands, _ := utf8.state()
	if !strings.Contains(strings.Join(commands, "\n"), "> SMTPUTF8") {
		t.Errorf("MAIL without SMTPUTF8 for a non-ASCII recipient: %q", commands)
	}
}

// relayCert is a self-signed certificate for 127.0.0.1, and the pool that
// trusts it.
func relayCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, roots
}

// Plaintext that arrives with the relay's "220" to STARTTLS (here a fake
// EHLO reply, as a man in the middle would inject it, CVE-2011-0411
// class) is not taken for anything said over TLS: the client refuses that
// connection, before it authenticates or sends a message, with a reason
// that says what happened.
func TestPlaintextAfterSTARTTLSIsRefused(t *testing.T) {
	t.Parallel()
	srvCfg, roots := relayCert(t)
	inner := &recording{ext: "AUTH PLAIN", secured: true}
	addr := rawRelay(t, func(c net.Conn, r *bufio.Reader) {
		c.Write([]byte("220 relay ready\r\n"))
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch strings.ToUpper(strings.TrimSpace(line)) {
			case "STARTTLS":
				c.Write([]byte("220 go ahead\r\n250-relay\r\n250 PIPELINING\r\n"))
				tc := tls.Server(c, srvCfg)
				if tc.Handshake() != nil {
					return
				}
				inner.serve(tc, bufio.NewReader(tc))
				return
			default: // EHLO
				c.Write([]byte("250-relay\r\n250 STARTTLS\r\n"))
			}
		}
	})
	s, err := email.New(email.Config{Addr: addr, From: "privacy@acme.example", TLS: "starttls", Connections: 1, Attempts: 1,
		Username: "breachbot", Password: "s3cret", TLSConfig: &tls.Config{RootCAs: roots},
		IOTimeout: 2 * time.Second, DialTimeout: 2 * time.Second, Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	err = sendWithin(t, s, mail("a@example.com", 1), 5*time.Second)
	var se *incidents.SendError
	if !errors.As(err, &se) || se.Uncertain || !strings.Contains(se.Reply, "STARTTLS") {
		t.Errorf("%v, want a failure that names STARTTLS", err)
	}
	if data, commands, _ := inner.state(); len(data) != 0 || len(commands) != 0 {
		t.Errorf("over TLS the relay was sent %q and got %d messages; want nothing", commands, len(data))
	}
}

// A refusal of the relay itself (a 554 greeting, a refused sender at
// MAIL) says nothing about the recipient: it is a temporary failure,
// which pauses a send after a run of them, never "failed permanently"
// for each customer in turn. A refused RCPT still is permanent.
func TestRelayRefusalIsNotTheRecipientsFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		greeting  string
		mail      string
		rcpt      string
		code      int
		permanent bool
	}{
		{"greeting", "554 5.7.1 no service for you", "", "", 554, false},
		{"mail", "220 relay", "550 5.7.1 sender not allowed", "250 ok", 550, false},
		{"rcpt", "220 relay", "250 ok", "550 5.1.1 no such user", 550, true},
	} {
		for _, pipelining := range []bool{false, true} {
			name := tc.name
			ehlo := "250 relay\r\n"
			if pipelining {
				name, ehlo = name+"/pipelining", "250-relay\r\n250 PIPELINING\r\n"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				addr := rawRelay(t, func(c net.Conn, r *bufio.Reader) {
					c.Write([]byte(tc.greeting + "\r\n"))
					for {
						line, err := r.ReadString('\n')
						if err != nil {
							return
						}
						switch strings.ToUpper(strings.Fields(line + " x")[0]) {
						case "EHLO":
							c.Write([]byte(ehlo))
						case "MAIL":
							c.Write([]byte(tc.mail + "\r\n"))
						case "RCPT":
							c.Write([]byte(tc.rcpt + "\r\n"))
						case "DATA":
							c.Write([]byte("554 5.5.1 no valid recipients\r\n"))
						default:
							c.Write([]byte("250 ok\r\n"))
						}
					}
				})
				s := rawSender(t, addr, 2*time.Second)
				err := sendWithin(t, s, mail("a@example.com", 1), 5*time.Second)
				var se *incidents.SendError
				if !errors.As(err, &se) || se.Permanent != tc.permanent || se.Code != tc.code || se.Uncertain {
					t.Errorf("%v (%+v), want code %d, permanent %v", err, se, tc.code, tc.permanent)
				}
			})
		}
	}
}

// A relay that hangs up once the message may have reached it (right after
// its 354, or after the final dot, without a reply) leaves the message in
// doubt: never reported sent, never retried as if it had not gone out.
func TestHangUpAfterDataIsInDoubt(t *testing.T) {
	t.Parallel()
	for _, after := range []string{"354", "dot"} {
		t.Run(after, func(t *testing.T) {
			t.Parallel()
			addr := rawRelay(t, func(c net.Conn, r *bufio.Reader) {
				c.Write([]byte("220 relay\r\n"))
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					switch strings.ToUpper(strings.Fields(line + " x")[0]) {
					case "EHLO":
						c.Write([]byte("250-relay\r\n250 PIPELINING\r\n"))
					case "DATA":
						c.Write([]byte("354 go ahead\r\n"))
						if after == "354" {
							return
						}
						for {
							l, err := r.ReadString('\n')
							if err != nil || l == ".\r\n" {
								return
							}
						}
					default:
						c.Write([]byte("250 ok\r\n"))
					}
				}
			})
			s := rawSender(t, addr, 2*time.Second)
			m := mail("a@example.com", 1)
			handed := false
			m.DataStarting = func() error { handed = true; return nil }
			err := sendWithin(t, s, m, 5*time.Second)
			var se *incidents.SendError
			if !errors.As(err, &se) || !se.Uncertain || se.Permanent || !handed {
				t.Errorf("%v (hook ran: %v), want in doubt", err, handed)
			}
		})
	}
}

// A 421 (the relay is shutting down) to a pipelined MAIL is a temporary
// failure that shows the 421 (not the hang-up that follows it), and the connection is not used again: the next message goes
// over a new one.
func TestShutdownReplyDropsTheConnection(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	sessions := 0
	addr := rawRelay(t, func(c net.Conn, r *bufio.Reader) {
		mu.Lock()
		sessions++
		first := sessions == 1
		mu.Unlock()
		c.Write([]byte("220 relay\r\n"))
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch strings.ToUpper(strings.Fields(line + " x")[0]) {
			case "EHLO":
				c.Write([]byte("250-relay\r\n250 PIPELINING\r\n"))
			case "MAIL":
				if first {
					c.Write([]byte("421 4.3.2 shutting down\r\n"))
					return
				}
				c.Write([]byte("250 ok\r\n"))
			case "DATA":
				c.Write([]byte("354 go ahead\r\n"))
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if l == ".\r\n" {
						break
					}
				}
				c.Write([]byte("250 queued\r\n"))
			default:
				c.Write([]byte("250 ok\r\n"))
			}
		}
	})
	s := rawSender(t, addr, 2*time.Second)
	err := sendWithin(t, s, mail("a@example.com", 1), 5*time.Second)
	var se *incidents.SendError
	if !errors.As(err, &se) || se.Permanent || se.Uncertain || se.Code != 421 {
		t.Errorf("%v, want a temporary failure with the relay's 421", err)
	}
	if err := sendWithin(t, s, mail("a@example.com", 2), 5*time.Second); err != nil {
		t.Errorf("the next message after a 421: %v", err)
	}
}

// A relay that refuses the notice itself after its final dot (content,
// size, policy: 5.7.1, 5.6.0, 5.3.4, or no enhanced code) would refuse it
// for everyone: the failure is temporary, so a run of them pauses the send
// instead of marking every person failed for good. A refusal naming the
// mailbox (5.2.2 full, 5.1.1 unknown) stays this recipient's permanent
// failure.
func TestRefusalOfTheMessageIsNotEachRecipientsFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reply     string
		permanent bool
	}{
		{"554 5.7.1 message content rejected", false},
		{"552 5.3.4 message too big", false},
		{"554 5.6.0 bad content", false},
		{"554 transaction failed", false},
		{"552 5.2.2 mailbox full", true},
		{"550 5.1.1 no such user", true},
	} {
		t.Run(tc.reply, func(t *testing.T) {
			t.Parallel()
			rec := &recording{ext: "8BITMIME", afterDot: tc.reply + "\r\n"}
			addr := rawRelay(t, rec.serve)
			s := rawSender(t, addr, 2*time.Second)
			err := sendWithin(t, s, mail("a@example.com", 1), 5*time.Second)
			var se *incidents.SendError
			if !errors.As(err, &se) || se.Permanent != tc.permanent || se.Uncertain {
				t.Errorf("%v (%+v), want permanent %v, not in doubt", err, se, tc.permanent)
			}
		})
	}
}
