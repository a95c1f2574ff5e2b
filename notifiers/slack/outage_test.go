package slack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestRemindersSurviveSlackOutage lets a reminder come due while Slack
// answers 429 with Retry-After, hangs past the client's timeout, fails, and
// finally posts the message but loses the answer. The reminder is retried
// (honouring Retry-After), never dropped, and arrives exactly once.
func TestRemindersSurviveSlackOutage(t *testing.T) {
	e := newEnv(t, envOptions{background: true, clientTimeout: 300 * time.Millisecond})
	// Aware 30 hours ago: GDPR's 50% reminder is 6 hours away.
	if status, ack, _ := e.command(alice, "C0GENERAL", `declare Laptop stolen --aware 30h ago --facts "jurisdictions=EU"`); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	post := []string{"chat.postMessage"}
	e.ws.Fail(workspacetest.Fault{Methods: post, RetryAfter: 30 * time.Second, Count: 1})
	e.ws.Fail(workspacetest.Fault{Methods: post, Hang: true, Count: 1})
	e.ws.Fail(workspacetest.Fault{Methods: post, Code: "internal_error", Count: 1})
	e.ws.Fail(workspacetest.Fault{Methods: post, Status: http.StatusServiceUnavailable, Count: 1})
	e.ws.Fail(workspacetest.Fault{Methods: post, Lose: true, Count: 1})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.clock.BlockUntil(ctx, 1); err != nil { // the scheduler sleeps until the reminder
		t.Fatal(err)
	}
	e.clock.Advance(6 * time.Hour)
	e.ws.WaitFor("the first attempt", func() bool { return e.ws.Calls("chat.postMessage") >= 3 })
	waitPending := func(attempts int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			p := e.pending()
			if len(p) == 1 && p[0].Attempts >= attempts {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("want the reminder pending after %d attempts, outbox: %+v", attempts, p)
			}
			time.Sleep(5 * time.Millisecond) // polling the outbox, not waiting for a deadline
		}
	}
	waitPending(1)
	p := e.pending()[0]
	if !strings.Contains(p.LastError, "rate limited") || !p.NextAttempt.Equal(e.clock.Now().Add(30*time.Second)) {
		t.Errorf("after the 429: next attempt %s (now %s), last error %q; want Retry-After honoured", p.NextAttempt, e.clock.Now(), p.LastError)
	}
	for attempt := 1; attempt <= 5; attempt++ {
		if err := e.clock.BlockUntil(ctx, 2); err != nil { // scheduler and dispatcher both asleep
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		if attempt < 4 {
			waitPending(attempt + 1)
		}
	}
	e.waitOutboxEmpty()
	c, _ := e.ws.Channel(ch.ID)
	n := 0
	for _, m := range c.Messages {
		if strings.Contains(m.Text, "Reminder: GDPR Art. 33") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d reminders in the channel, want exactly 1", n)
	}
	if got := e.ws.Calls("chat.postMessage"); got != 2+5 {
		t.Errorf("chat.postMessage called %d times, want 2 (checklist, board) + 5 failing attempts", got)
	}
	if e.ws.Calls("conversations.history") == 0 {
		t.Errorf("the post whose answer was lost was not looked up before posting again")
	}
}
