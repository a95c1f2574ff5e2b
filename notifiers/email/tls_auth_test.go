package email_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/email"
)

// secureServer is a go-smtp relay that offers STARTTLS (or speaks TLS from
// the start) with a certificate of its own CA, and takes mail only from a
// client that authenticated with PLAIN over TLS, as a real submission
// server does.
type secureServer struct {
	addr  string
	roots *x509.CertPool

	mu     sync.Mutex
	arrive []arrival
}

type arrival struct {
	tls  bool
	user string
	to   string
}

func startSecure(t *testing.T, implicitTLS bool) *secureServer {
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
	s := &secureServer{roots: x509.NewCertPool()}
	s.roots.AddCert(cert)
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &secureSession{s: s, c: c}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = tlsCfg
	srv.ErrorLog = log.New(io.Discard, "", 0)
	var ln net.Listener
	if implicitTLS {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", tlsCfg)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *secureServer) arrivals() []arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]arrival(nil), s.arrive...)
}

type secureSession struct {
	s    *secureServer
	c    *smtp.Conn
	user string
	to   string
}

func (x *secureSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *secureSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "breachbot" || pass != "s3cret" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		x.user = user
		return nil
	}), nil
}

func (x *secureSession) Mail(string, *smtp.MailOptions) error {
	if x.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	return nil
}

func (x *secureSession) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = to; return nil }
func (x *secureSession) Reset()                                    {}
func (x *secureSession) Logout() error                             { return nil }

func (x *secureSession) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	_, isTLS := x.c.TLSConnectionState()
	x.s.mu.Lock()
	x.s.arrive = append(x.s.arrive, arrival{tls: isTLS, user: x.user, to: x.to})
	x.s.mu.Unlock()
	return nil
}

// Over STARTTLS and over implicit TLS, the sender secures the connection
// (checking the relay's certificate), authenticates, and delivers; with a
// wrong password nothing is sent and the refusal is temporary (it is not
// the recipient's).
func TestSenderSecuresAndAuthenticates(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := startSecure(t, mode == "tls")
			newSecure := func(password string) *email.Sender {
				s, err := email.New(email.Config{Addr: srv.addr, From: "privacy@acme.example", TLS: mode, Connections: 1, Attempts: 1,
					Username: "breachbot", Password: password, TLSConfig: &tls.Config{RootCAs: srv.roots, ServerName: "127.0.0.1"},
					IOTimeout: 2 * time.Second, DialTimeout: 2 * time.Second, Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
			for i := range 2 {
				if err := newSecure("s3cret").Send(context.Background(), mail("a@example.com", i)); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			err := newSecure("wrong").Send(context.Background(), mail("b@example.com", 3))
			var se *incidents.SendError
			// Our credentials, not the recipient: temporary, so a send
			// pauses instead of failing every recipient for good.
			if !errors.As(err, &se) || se.Permanent || se.Code != 535 {
				t.Errorf("with a wrong password: %v, want a temporary 535", err)
			}
			got := srv.arrivals()
			if len(got) != 2 {
				t.Fatalf("%d messages arrived, want 2", len(got))
			}
			for _, a := range got {
				if !a.tls || a.user != "breachbot" || a.to != "a@example.com" {
					t.Errorf("arrived %+v, want over TLS, authenticated, to a@example.com", a)
				}
			}
		})
	}
}

// A relay whose certificate is not trusted gets nothing.
func TestSenderRefusesAnUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := startSecure(t, false)
	s, err := email.New(email.Config{Addr: srv.addr, From: "privacy@acme.example", TLS: "starttls", Connections: 1, Attempts: 1,
		Username: "breachbot", Password: "s3cret", IOTimeout: 2 * time.Second, DialTimeout: 2 * time.Second,
		Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Send(context.Background(), mail("a@example.com", 1)); err == nil {
		t.Fatal("sent to a relay with an untrusted certificate")
	}
	if n := len(srv.arrivals()); n != 0 {
		t.Errorf("%d messages arrived", n)
	}
}

// A TLS configuration given without ServerName (a private CA, say) still
// checks the relay's certificate against the host of SMTP_ADDR, instead
// of failing every handshake with "either ServerName or InsecureSkipVerify
// must be specified".
func TestTLSConfigWithoutServerNameVerifiesTheRelayHost(t *testing.T) {
	t.Parallel()
	srv := startSecure(t, false)
	s, err := email.New(email.Config{Addr: srv.addr, From: "privacy@acme.example", TLS: "starttls", Connections: 1, Attempts: 1,
		Username: "breachbot", Password: "s3cret", TLSConfig: &tls.Config{RootCAs: srv.roots},
		IOTimeout: 2 * time.Second, DialTimeout: 2 * time.Second, Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Send(context.Background(), mail("a@example.com", 1)); err != nil {
		t.Fatal(err)
	}
	if got := srv.arrivals(); len(got) != 1 || !got[0].tls {
		t.Errorf("arrived %+v, want one message over TLS", got)
	}
}
