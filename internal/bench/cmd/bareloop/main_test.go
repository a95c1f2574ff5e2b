package main

import (
	"bytes"
	"testing"

	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

// The message is exactly as long as asked, in CRLF lines, with no line a
// server would see dot-stuffed: the server receives size bytes.
func TestMessageHasTheSizeAsked(t *testing.T) {
	for _, size := range []int{200, 3894, 3895, 3896, 4419, 10000} {
		msg, err := message(size)
		if err != nil {
			t.Fatal(err)
		}
		if len(msg) != size {
			t.Errorf("message(%d) is %d bytes", size, len(msg))
		}
		if !bytes.HasSuffix(msg, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(msg, []byte("\r\n"), nil), []byte("\n")) {
			t.Errorf("message(%d) has a line not ended by CRLF", size)
		}
		if bytes.Contains(msg, []byte("\n.")) {
			t.Errorf("message(%d) has a line starting with a dot", size)
		}
	}
	if _, err := message(50); err == nil {
		t.Error("a size smaller than the headers was accepted")
	}
}

// Every message arrives whole, over as many connections as asked.
func TestSendDeliversEveryMessageOverEachConnection(t *testing.T) {
	srv := smtptest.Start(t)
	msg, err := message(3894)
	if err != nil {
		t.Fatal(err)
	}
	if err := send(srv.Addr, msg, 10, 3); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 10 || srv.Sessions() != 3 {
		t.Fatalf("%d messages over %d connections, want 10 over 3", len(got), srv.Sessions())
	}
	for _, m := range got {
		if !bytes.Equal(m.Data, msg) {
			t.Fatalf("a message arrived as %d bytes, not the %d sent", len(m.Data), len(msg))
		}
	}
}
