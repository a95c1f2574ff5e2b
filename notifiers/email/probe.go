package email

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-smtp"
)

// Probe checks that the relay of cfg answers: it connects, says EHLO and,
// as cfg.TLS asks, secures the connection (STARTTLS, or implicit TLS), then
// quits without sending anything or authenticating. serve calls it at
// start-up to warn early about a relay that is down or misconfigured; a
// relay down at that moment is not a reason to refuse to start, since
// sends are durable and retried.
func Probe(ctx context.Context, cfg Config) error {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return fmt.Errorf("SMTP_ADDR %q is not host:port", cfg.Addr)
	}
	timeout := cfg.DialTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer raw.Close()
	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	tlsCfg := cfg.TLSConfig.Clone()
	if tlsCfg == nil {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = host // as Sender checks it
	}
	helloName := cfg.HelloName
	if helloName == "" {
		helloName = "localhost"
	}
	var c *smtp.Client
	switch cfg.TLS {
	case "tls":
		tc := tls.Client(raw, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS handshake (SMTP_TLS=tls): %w", err)
		}
		c = smtp.NewClient(tc)
	case "none":
		c = smtp.NewClient(raw)
	default: // starttls, the default: EHLO, then STARTTLS, which must be offered
		sc, err := smtp.NewClientStartTLS(raw, tlsCfg)
		if err != nil {
			return fmt.Errorf("STARTTLS (required unless SMTP_TLS=none): %w", err)
		}
		return sc.Quit()
	}
	if err := c.Hello(helloName); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	return c.Quit()
}
