package main

import (
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

// The sink counts what a client sent, bytes included, times the first and
// last arrivals, and says when the expected number arrived.
func TestSinkCountsAndTimesMessages(t *testing.T) {
	s := newSink(3)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := s.server()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	before := time.Now()
	msg := "Subject: hi\r\n\r\n" + strings.Repeat("line\r\n", 100)
	for i := range 3 {
		if err := smtp.SendMail(ln.Addr().String(), nil, "a@example.com", []string{fmt.Sprintf("p%d@example.com", i)}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.full:
			if i < 2 {
				t.Fatalf("the sink said it was full after %d messages", i+1)
			}
		default:
			if i == 2 {
				t.Fatal("the sink did not say it was full after 3 messages")
			}
		}
	}
	after := time.Now()
	var (
		msgs, bytes          int
		first, last, span, r float64
	)
	if _, err := fmt.Sscanf(s.stats(), "messages %d bytes %d first %f last %f span %f rate %f", &msgs, &bytes, &first, &last, &span, &r); err != nil {
		t.Fatalf("%q: %v", s.stats(), err)
	}
	if msgs != 3 || bytes != 3*len(msg) {
		t.Errorf("counted %d messages of %d bytes, want 3 of %d", msgs, bytes, 3*len(msg))
	}
	if b, a := float64(before.UnixNano())/1e9, float64(after.UnixNano())/1e9; first < b || last < first || last > a {
		t.Errorf("first %f, last %f: not in order within [%f, %f]", first, last, b, a)
	}
	if span <= 0 || r <= 0 {
		t.Errorf("span %f, rate %f", span, r)
	}
}
