package email_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/email"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

func newSender(t *testing.T, srv *smtptest.Server, mod func(*email.Config)) *email.Sender {
	t.Helper()
	cfg := email.Config{Addr: srv.Addr, From: "Acme Privacy <privacy@acme.example>", TLS: "none", Connections: 2,
		IOTimeout: 500 * time.Millisecond, DialTimeout: time.Second, Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	s, err := email.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { s.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Close hung")
		}
	})
	return s
}

func mail(to string, i int) *incidents.Mail {
	return &incidents.Mail{To: to, Incident: "INC-2026-0001", MessageID: fmt.Sprintf("inc-2026-0001.n1.%d@acme.example", i),
		Date:    time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
		Content: &incidents.MailContent{Subject: "Notice of Data Breach", Text: "What Happened\nSomething.", HTML: "<h2>What Happened</h2>"}}
}

func TestSenderDeliversWithHeadersThatHoldNoCustomerData(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s := newSender(t, srv, nil)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Send(context.Background(), mail(fmt.Sprintf("person%d@example.com", i), i)); err != nil {
				t.Errorf("send %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	msgs := srv.Messages()
	if len(msgs) != 10 {
		t.Fatalf("server got %d messages, want 10", len(msgs))
	}
	m := msgs[0]
	got := map[string]string{"X-Incident-Id": m.Header("X-Incident-Id"), "From": m.Header("From"), "Subject": m.Header("Subject")}
	want := map[string]string{"X-Incident-Id": "INC-2026-0001", "From": `"Acme Privacy" <privacy@acme.example>`, "Subject": "Notice of Data Breach"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(m.Header("Message-Id"), "<inc-2026-0001.n1.") || m.From != "privacy@acme.example" || len(m.To) != 1 {
		t.Errorf("message-id %q, envelope %s -> %v", m.Header("Message-Id"), m.From, m.To)
	}
	if !strings.Contains(string(m.Data), "multipart/alternative") || !strings.Contains(string(m.Data), "<h2>What Happened</h2>") {
		t.Errorf("not text + HTML:\n%s", m.Data)
	}
	if n := srv.Sessions(); n > 2 {
		t.Errorf("%d connections for 10 messages over 2 workers: connections are not reused", n)
	}
}

func TestSenderClassifiesFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		behave    smtptest.Behaviour
		want      incidents.SendError
		wantReply string
		arrived   int // messages the server recorded
	}{
		{name: "5xx is permanent, and the address in the reply is not kept",
			behave:    smtptest.Behaviour{RcptError: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<x@example.com>: no such user"}},
			want:      incidents.SendError{Permanent: true, Code: 550},
			wantReply: "5.1.1 bad destination mailbox address"},
		{name: "4xx is temporary after the attempts",
			behave:    smtptest.Behaviour{DataError: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}},
			want:      incidents.SendError{Code: 451},
			wantReply: "4.3.0 mail system problem"},
		{name: "a reply naming the person keeps its codes and class only",
			behave:    smtptest.Behaviour{RcptError: &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2}, Message: "Mailbox full for user fullbox.secret (Frieda Fullbox)"}},
			want:      incidents.SendError{Permanent: true, Code: 552},
			wantReply: "5.2.2 mailbox full"},
		{name: "without an enhanced code, the basic code's class",
			behave:    smtptest.Behaviour{RcptError: &smtp.SMTPError{Code: 554, Message: "Frieda Fullbox (fullbox.secret) is blocked"}},
			want:      incidents.SendError{Permanent: true, Code: 554},
			wantReply: "transaction failed"},
		{name: "a dropped connection before the message is temporary",
			behave:    smtptest.Behaviour{DropOnMail: true},
			want:      incidents.SendError{},
			wantReply: "EOF"},
		{name: "a connection dropped after the data is uncertain: it may have arrived",
			behave:    smtptest.Behaviour{DropAfterData: true},
			want:      incidents.SendError{Uncertain: true},
			wantReply: "no answer after the message was handed over",
			arrived:   1},
		{name: "a stalled server times out and is uncertain",
			behave:    smtptest.Behaviour{StallData: true},
			want:      incidents.SendError{Uncertain: true},
			wantReply: "i/o timeout",
			arrived:   1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t)
			srv.Set(tt.behave)
			s := newSender(t, srv, func(c *email.Config) { c.Connections = 1 })
			start := time.Now()
			err := s.Send(context.Background(), mail("x@example.com", 1))
			var se *incidents.SendError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T), want a SendError", err, err)
			}
			reply := se.Reply
			se.Reply = ""
			if diff := cmp.Diff(tt.want, *se); diff != "" {
				t.Errorf("classification (-want +got):\n%s", diff)
			}
			if !strings.Contains(reply, tt.wantReply) || strings.Contains(reply, "x@example.com") ||
				strings.Contains(err.Error(), "fullbox") || strings.Contains(err.Error(), "Frieda") {
				t.Errorf("reply %q, want it to contain %q and no address", reply, tt.wantReply)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v: deadlines do not bound it", took)
			}
			if got := srv.Count(); got != tt.arrived {
				t.Errorf("server recorded %d messages, want %d", got, tt.arrived)
			}
			srv.Release()
		})
	}
}

func TestSenderReconnectsAfterTheServerRecovers(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.Set(smtptest.Behaviour{DropOnMail: true})
	s := newSender(t, srv, func(c *email.Config) { c.Connections = 1; c.Attempts = 1 })
	if err := s.Send(context.Background(), mail("a@example.com", 1)); err == nil {
		t.Fatal("sent while the server drops connections")
	}
	srv.Set(smtptest.Behaviour{})
	if err := s.Send(context.Background(), mail("a@example.com", 2)); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if srv.Count() != 1 || srv.Sessions() < 2 {
		t.Errorf("count %d sessions %d; want 1 message on a new connection", srv.Count(), srv.Sessions())
	}
}

func TestStartTLSIsRequiredUnlessDisabled(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t) // offers no STARTTLS
	s := newSender(t, srv, func(c *email.Config) { c.TLS = "starttls"; c.Attempts = 1 })
	err := s.Send(context.Background(), mail("a@example.com", 1))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS (required unless SMTP_TLS=none)") {
		t.Fatalf("plain server with starttls: %v", err)
	}
	if srv.Count() != 0 {
		t.Error("a message went over an unencrypted connection")
	}
	if _, err := email.New(email.Config{Addr: srv.Addr, From: "a@example.com", TLS: "plain"}); err == nil {
		t.Error("an unknown TLS mode was accepted")
	}
}

func TestRateLimitIsSharedByTheConnections(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s := newSender(t, srv, func(c *email.Config) { c.Connections = 4; c.Rate = 40 })
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() { defer wg.Done(); s.Send(context.Background(), mail("a@example.com", i)) }()
	}
	wg.Wait()
	// 24 messages at 40/s with a burst of 4 take at least 0.5 s.
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Errorf("24 messages at 40/s took %v", took)
	}
}

func TestFolderWritesOneFilePerMessageID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := email.NewFolder(dir, "privacy@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the same message twice: one file
		if err := f.Send(context.Background(), mail("alice@example.com", 7)); err != nil {
			t.Fatal(err)
		}
	}
	f.Send(context.Background(), mail("bob@example.com", 8))
	files, _ := filepath.Glob(filepath.Join(dir, "INC-2026-0001", "*.eml"))
	if len(files) != 2 {
		t.Fatalf("files %v, want 2", files)
	}
	for _, name := range files {
		if strings.Contains(name, "alice") || strings.Contains(name, "bob") {
			t.Errorf("file name holds an address: %s", name)
		}
		data, _ := os.ReadFile(name)
		if !strings.Contains(string(data), "X-Incident-Id: INC-2026-0001") {
			t.Errorf("%s lacks X-Incident-Id", name)
		}
	}
}

func TestSandboxRedirectCarriesNoCustomerAddress(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s := newSender(t, srv, func(c *email.Config) { c.Redirect = "sandbox@acme.example" })
	if err := s.Send(context.Background(), mail("customer@example.com", 1)); err != nil {
		t.Fatal(err)
	}
	m := srv.Messages()[0]
	if m.To[0] != "sandbox@acme.example" || strings.Contains(string(m.Data), "customer@example.com") {
		t.Errorf("sandbox message: envelope %v, data:\n%s", m.To, m.Data)
	}
}

// A notice's From shows the company's name when SMTP_FROM is a bare
// address, so the person sees who writes; a name configured in SMTP_FROM
// is kept.
func TestSenderFromCarriesTheCompanyName(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	bare := newSender(t, srv, func(c *email.Config) { c.From = "privacy@acme.example" })
	named := newSender(t, srv, nil)
	m := mail("person@example.com", 1)
	m.FromName = "Acme Corp"
	if err := bare.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	m2 := mail("person@example.com", 2)
	m2.FromName = "Acme Corp"
	if err := named.Send(context.Background(), m2); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("server got %d messages, want 2", len(msgs))
	}
	got := map[string]string{}
	for _, msg := range msgs {
		got[msg.Header("Message-Id")] = msg.Header("From")
	}
	want := map[string]string{
		"<inc-2026-0001.n1.1@acme.example>": `"Acme Corp" <privacy@acme.example>`,
		"<inc-2026-0001.n1.2@acme.example>": `"Acme Privacy" <privacy@acme.example>`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("From headers (-want +got):\n%s", diff)
	}
	for _, msg := range msgs {
		if msg.From != "privacy@acme.example" {
			t.Errorf("envelope sender %q", msg.From)
		}
	}
}
