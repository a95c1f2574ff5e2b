package email_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/email"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

// The sender's journal hook runs right before DATA: not for a recipient
// the server refuses at RCPT, once for a message it takes, before the
// server has it; and when the hook fails, the message is not handed over.
func TestSenderCallsDataStartingRightBeforeData(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s := newSender(t, srv, func(c *email.Config) { c.Attempts = 1 })
	srv.Set(smtptest.Behaviour{RcptErrors: map[string]*smtp.SMTPError{"refused@": {Code: 550, Message: "unknown user"}}})
	for _, tc := range []struct {
		to        string
		hookErr   error
		wantCalls int
		wantErr   string // "" accepted; "permanent", "temporary"
		wantCount int    // messages the server has afterwards
	}{
		{to: "refused@example.com", wantCalls: 0, wantErr: "permanent", wantCount: 0},
		{to: "taken@example.com", wantCalls: 1, wantCount: 1},
		{to: "journal-broken@example.com", hookErr: errors.New("disk full"), wantCalls: 1, wantErr: "temporary", wantCount: 1},
	} {
		calls, countAtCall := 0, -1
		m := mail(tc.to, 1)
		m.DataStarting = func() error {
			calls++
			countAtCall = srv.Count()
			return tc.hookErr
		}
		err := s.Send(context.Background(), m)
		var se *incidents.SendError
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.to, err)
		case tc.wantErr != "" && (!errors.As(err, &se) || se.Uncertain || se.Permanent != (tc.wantErr == "permanent")):
			t.Errorf("%s: %v, want a %s failure (not in doubt)", tc.to, err, tc.wantErr)
		}
		if calls != tc.wantCalls || srv.Count() != tc.wantCount {
			t.Errorf("%s: hook called %d times (want %d); server has %d messages (want %d)", tc.to, calls, tc.wantCalls, srv.Count(), tc.wantCount)
		}
		if calls > 0 && countAtCall != tc.wantCount-btoi(tc.hookErr == nil) {
			t.Errorf("%s: the hook ran after the server had the message", tc.to)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The folder calls the hook before the file is written, and writes
// nothing when it fails.
func TestFolderCallsDataStartingBeforeWriting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := email.NewFolder(dir, "privacy@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	files := func() int {
		m, _ := filepath.Glob(filepath.Join(dir, "INC-2026-0001", "*.eml"))
		return len(m)
	}
	m := mail("a@example.com", 1)
	seen := -1
	m.DataStarting = func() error { seen = files(); return nil }
	if err := f.Send(context.Background(), m); err != nil || seen != 0 || files() != 1 {
		t.Errorf("send: %v; files when the hook ran %d, after %d", err, seen, files())
	}
	m = mail("b@example.com", 2)
	m.DataStarting = func() error { return errors.New("disk full") }
	var se *incidents.SendError
	if err := f.Send(context.Background(), m); !errors.As(err, &se) || se.Permanent || se.Uncertain || files() != 1 {
		t.Errorf("hook failing: %v, %d files", err, files())
	}
}
