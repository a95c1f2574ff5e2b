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
