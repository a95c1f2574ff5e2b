package incidents_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// TestWorkersDeliverRemindersAndStopEveryJob: the workers run the
// scheduler and the dispatcher (a reminder reaches the notifier when its
// time comes on the fake clock) and a job the front end added; Close
// returns only once each of them has returned.
func TestWorkersDeliverRemindersAndStopEveryJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := newRecorder()
	w := incidents.NewWorkers(incidents.WorkersConfig{Service: e.svc, Notifier: rec})
	var extraDone atomic.Bool
	w.Go("front end loop", func(ctx context.Context) error {
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // a loop that takes a moment to wind down
		extraDone.Store(true)
		return nil
	})
	w.Start(context.Background())
	defer w.Close()

	e.declare(t0, "jurisdictions=DE")
	waitCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if err := e.clock.BlockUntil(waitCtx, 1); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(36 * time.Hour)
	select {
	case <-rec.seen:
	case <-waitCtx.Done():
		t.Fatal("the 50% reminder was not delivered")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !extraDone.Load() {
		t.Error("Close returned before the front end's loop did")
	}
}

// TestWorkersEndOnAnEssentialFailure: a job without which the process
// cannot work (a Slack socket) ends Run with its error; a job that is not
// essential only logs it, and the stoppable jobs are stopped first.
func TestWorkersEndOnAnEssentialFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := incidents.NewWorkers(incidents.WorkersConfig{Service: e.svc, Notifier: newRecorder()})
	var mu sync.Mutex
	var order []string
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	w.Go("optional", func(ctx context.Context) error { return errors.New("optional broke") })
	listening := make(chan struct{})
	w.GoStoppable("listener", func() error { <-listening; note("listener returned"); return nil },
		func(context.Context) error { note("listener stopped"); close(listening); return nil })
	w.Go("loop", func(ctx context.Context) error { <-ctx.Done(); note("loop returned"); return nil })
	w.GoEssential("socket", func(ctx context.Context) error { return errors.New("socket refused") })

	err := w.Run(context.Background())
	if err == nil || err.Error() != "socket: socket refused" {
		t.Fatalf("Run: %v, want the socket's error", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 3 || order[0] != "listener stopped" || order[2] != "loop returned" && order[1] != "loop returned" {
		t.Errorf("stop order %q: want the listener stopped before the loop's context ends", order)
	}
}

// TestWorkersCutShortAStopThatHangs: a job still running after Grace (a
// send waiting out the relay's backoff) is cut short, so the stop ends.
func TestWorkersCutShortAStopThatHangs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cut := make(chan struct{})
	var cuts atomic.Int32
	w := incidents.NewWorkers(incidents.WorkersConfig{Service: e.svc, Notifier: newRecorder(), Grace: time.Millisecond,
		CutShort: []func() error{func() error {
			if cuts.Add(1) == 1 {
				close(cut)
			}
			return nil
		}}})
	w.Go("send in backoff", func(ctx context.Context) error { <-cut; return nil })
	w.Start(context.Background())
	done := make(chan struct{})
	go func() { w.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs: the send was never cut short")
	}
	if cuts.Load() != 1 {
		t.Errorf("cut short %d times, want once", cuts.Load())
	}
}
