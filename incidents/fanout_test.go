package incidents_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// A target that fails is retried alone: the other one is told once, and
// the notification stays in the outbox until both took it.
func TestFanOutRetriesOnlyTheTargetThatFailed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.Declare(ctx, "Uresp", incidents.DeclareInput{Title: "laptop stolen"}); err != nil {
		t.Fatal(err)
	}
	chat, tracker := newRecorder(), newRecorder()
	tracker.fail = errors.New("github: 503")
	d := incidents.NewDispatcher(e.svc, incidents.FanOut(chat, tracker))
	next, err := d.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next.IsZero() {
		t.Fatal("the outbox is empty though the tracker took nothing")
	}
	declared := len(chat.notifications(incidents.NotifyDeclared))
	tracker.mu.Lock()
	tracker.fail = nil
	tracker.mu.Unlock()
	e.clock.Advance(time.Hour)
	if next, err = d.Drain(ctx); err != nil || !next.IsZero() {
		t.Fatalf("after the tracker recovered: next %v, err %v; want all delivered", next, err)
	}
	if declared != 1 || len(chat.notifications(incidents.NotifyDeclared)) != 1 {
		t.Errorf("chat told of the declaration %d times, want once", len(chat.notifications(incidents.NotifyDeclared)))
	}
	if n := len(tracker.notifications(incidents.NotifyDeclared)); n != 1 {
		t.Errorf("tracker got the declaration %d times, want once, later", n)
	}
}
