package incidents_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// changingSource is a playbook source whose playbook a test replaces while
// the watcher reads it, as a lead edits a folder under a running bot.
type changingSource struct {
	mu sync.Mutex
	pb *incidents.Playbook
}

func (s *changingSource) set(pb *incidents.Playbook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pb = pb
}

func (s *changingSource) Playbook(_ context.Context, id string) (*incidents.Playbook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" && id != s.pb.ID {
		return nil, incidents.Errorf(incidents.ENOTFOUND, "no playbook %s", id)
	}
	return s.pb, nil
}

func (s *changingSource) Default(ctx context.Context) (*incidents.Playbook, error) {
	return s.Playbook(ctx, "")
}

func (s *changingSource) Playbooks(context.Context) ([]*incidents.Playbook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []*incidents.Playbook{s.pb}, nil
}

// TestWatchPlaybooksTellsRunningIncidentsOfANewVersion: with the bot
// running, a new version of the playbook reaches the channel of an open
// incident pinned to the old one within the watch period, once, without
// anyone declaring anything.
func TestWatchPlaybooksTellsRunningIncidentsOfANewVersion(t *testing.T) {
	e := newEnv(t)
	src := &changingSource{pb: testPlaybook()}
	e.svc = incidents.NewService(incidents.Config{Store: e.store, Playbooks: src, Clock: e.clock,
		Roles: incidents.RoleResolverFunc(func(_ context.Context, u string) ([]string, error) { return e.roles[u], nil })})
	inc := e.declare(t0.Add(-time.Hour))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.WatchPlaybooks(ctx, time.Minute) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	tick := func() {
		t.Helper()
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if err := e.clock.BlockUntil(wctx, 1); err != nil { // the watcher waits for its next check
			t.Fatal(err)
		}
	}
	tick()
	if got := e.outbox(incidents.NotifyPlaybookUpdate); len(got) != 0 {
		t.Fatalf("told of an update before any: %+v", got)
	}
	src.set(testPlaybookV2())
	for range 3 { // three checks see the same new version: one message
		e.clock.Advance(time.Minute)
		tick()
	}
	got := e.outbox(incidents.NotifyPlaybookUpdate)
	if len(got) != 1 || got[0].Incident != inc.ID {
		t.Fatalf("update notifications = %+v, want one to %s", got, inc.ID)
	}
}
