package incidents_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

// gatedNotifier holds every notification of one incident until released
// (a Slack channel that answers slowly) and records the rest.
type gatedNotifier struct {
	held     string
	release  chan struct{}
	mu       sync.Mutex
	got      map[string][]string // incident -> notification kinds, in delivery order
	reminded chan string         // incidents whose reminder was delivered
}

func (g *gatedNotifier) Notify(ctx context.Context, n incidents.Notification) error {
	if n.Incident == g.held {
		select {
		case <-g.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	g.mu.Lock()
	g.got[n.Incident] = append(g.got[n.Incident], n.Kind)
	g.mu.Unlock()
	if n.Kind == incidents.NotifyReminder {
		g.reminded <- n.Incident
	}
	return nil
}

// TestParallelDispatchDoesNotHoldOtherIncidentsBack: with Parallel set,
// the reminders of incidents whose channel answers are delivered while
// another incident's delivery hangs; once it answers, every incident has
// had its notifications exactly once, each incident's in the order they
// were queued, and all are recorded as delivered.
func TestParallelDispatchDoesNotHoldOtherIncidentsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b, c := e.declare(t0, "jurisdictions=DE"), e.declare(t0, "jurisdictions=DE"), e.declare(t0, "jurisdictions=DE")
	e.clock.Advance(36 * time.Hour)
	if n := e.fire(); n != 3 {
		t.Fatalf("%d reminders fired at 50%% of the window, want 3", n)
	}
	queued := map[string][]string{}
	err := e.store.View(context.Background(), func(tx incidents.Tx) error {
		pending, _, err := tx.Pending(e.clock.Now(), 1000)
		for _, n := range pending {
			queued[n.Incident] = append(queued[n.Incident], n.Kind)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedNotifier{held: a.ID, release: make(chan struct{}), got: map[string][]string{}, reminded: make(chan string, 10)}
	d := incidents.NewDispatcher(e.svc, g)
	d.Parallel = 4
	done := make(chan error, 1)
	go func() { _, err := d.Drain(context.Background()); done <- err }()
	others := map[string]bool{}
	for len(others) < 2 {
		select {
		case id := <-g.reminded:
			others[id] = true
		case <-time.After(10 * time.Second):
			close(g.release)
			t.Fatalf("while %s's delivery hangs, the reminders of only %v were delivered; want %s and %s", a.ID, others, b.ID, c.ID)
		}
	}
	if others[a.ID] {
		t.Fatalf("%s's reminder was delivered while its delivery hung", a.ID)
	}
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a.ID, b.ID, c.ID} {
		if diff := cmp.Diff(queued[id], g.got[id]); diff != "" {
			t.Errorf("%s's notifications (-want +got):\n%s", id, diff)
		}
	}
	rec := newRecorder()
	e.drain(rec)
	if len(rec.got) != 0 {
		t.Errorf("a second drain delivered %d notifications again; want none (all recorded as delivered)", len(rec.got))
	}
}
