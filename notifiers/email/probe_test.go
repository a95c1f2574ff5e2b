package email_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/notifiers/email"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

func TestProbe(t *testing.T) {
	srv := smtptest.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		name, addr, tls, want string
	}{
		{"plain relay answers EHLO", srv.Addr, "none", ""},
		{"STARTTLS required but not offered", srv.Addr, "starttls", "STARTTLS (required unless SMTP_TLS=none)"},
		{"nobody listening", closed, "none", "connect:"},
		{"not host:port", "mail.example", "none", `SMTP_ADDR "mail.example" is not host:port`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := email.Probe(context.Background(), email.Config{Addr: tc.addr, TLS: tc.tls})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Probe: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Probe = %v, want an error with %q", err, tc.want)
			}
		})
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("a probe sent %d messages", n)
	}
}
