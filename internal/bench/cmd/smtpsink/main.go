// Command smtpsink is a fast SMTP server for the send benchmark
// (scripts/bench/send.sh): it accepts every message, keeps none, and
// records how many arrived, how many bytes they held, and when the first
// and the last finished arriving. Both sides of the comparison (breachbot
// and the bare loop) send to a fresh sink, so the rate is measured the same
// way for both: as the server sees it.
//
//	smtpsink [-addr 127.0.0.1:0] [-expect N] [-ready FILE]
//
// It writes its address to FILE (-ready) once it listens. It prints its
// figures as one line on SIGUSR1 and when it exits: after the Nth message
// (-expect), or on SIGINT, SIGTERM:
//
//	messages 100000 bytes 380000000 first 1732950000.123456789 last 1732950010.123456789 span 10.000000 rate 9999.9
//
// first and last are Unix times in seconds; rate is (messages-1)/span, the
// messages per second between the first and the last.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	expect := flag.Int("expect", 0, "exit after this many messages (0: run until SIGINT or SIGTERM)")
	ready := flag.String("ready", "", "write the listening address to this file")
	flag.Parse()
	if err := run(*addr, *expect, *ready); err != nil {
		fmt.Fprintln(os.Stderr, "smtpsink:", err)
		os.Exit(1)
	}
}

func run(addr string, expect int, ready string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s := newSink(expect)
	srv := s.server()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if ready != "" {
		// Written whole and renamed, so a reader never sees half an address.
		tmp := ready + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, ready); err != nil {
			return err
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGINT, syscall.SIGTERM)
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGUSR1 {
				fmt.Println(s.stats())
				continue
			}
		case <-s.full:
		case err := <-done:
			return err
		}
		break
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	fmt.Println(s.stats())
	return nil
}

// sink counts messages and the times the first and the last arrived.
type sink struct {
	mu          sync.Mutex
	messages    int
	bytes       int64
	first, last time.Time
	expect      int
	full        chan struct{} // closed when expect messages arrived
}

func newSink(expect int) *sink {
	return &sink{expect: expect, full: make(chan struct{})}
}

// server is a go-smtp server answering for s.
func (s *sink) server() *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return session{s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	return srv
}

// received records one message of n bytes that finished arriving at t.
func (s *sink) received(n int64, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.messages == 0 {
		s.first = t
	}
	s.messages++
	s.bytes += n
	s.last = t
	if s.messages == s.expect {
		close(s.full)
	}
}

// stats is the one-line summary smtpsink prints.
func (s *sink) stats() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	span := s.last.Sub(s.first).Seconds()
	rate := 0.0
	if span > 0 {
		rate = float64(s.messages-1) / span
	}
	return fmt.Sprintf("messages %d bytes %d first %s last %s span %.6f rate %.1f", s.messages, s.bytes, unix(s.first), unix(s.last), span, rate)
}

func unix(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

type session struct{ s *sink }

func (session) Mail(string, *smtp.MailOptions) error { return nil }
func (session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (session) Reset()                               {}
func (session) Logout() error                        { return nil }

func (x session) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return errors.New("message not read whole")
	}
	x.s.received(n, time.Now())
	return nil
}
