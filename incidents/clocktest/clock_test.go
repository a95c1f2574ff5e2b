package clocktest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/clocktest"
)

var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// received returns the value waiting in c, if any, without blocking.
func received(c <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-c:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestClockMoves(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(t0)
	if diff := cmp.Diff(t0, clk.Now()); diff != "" {
		t.Fatalf("Now after New mismatch (-want +got):\n%s", diff)
	}
	clk.Advance(90 * time.Minute)
	if diff := cmp.Diff(t0.Add(90*time.Minute), clk.Now()); diff != "" {
		t.Errorf("Now after Advance mismatch (-want +got):\n%s", diff)
	}
	clk.Set(t0.Add(-time.Hour))
	if diff := cmp.Diff(t0.Add(-time.Hour), clk.Now()); diff != "" {
		t.Errorf("Now after Set back mismatch (-want +got):\n%s", diff)
	}
}

// TestTimersFireInDueOrder makes timers out of order and moves the clock in
// steps, checking which timers fired at each step and what they delivered.
func TestTimersFireInDueOrder(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(t0)
	durations := map[string]time.Duration{"3h": 3 * time.Hour, "1h": time.Hour, "2h": 2 * time.Hour, "1h again": time.Hour, "90m": 90 * time.Minute}
	timers := map[string]incidents.Timer{}
	for name, d := range durations {
		timers[name] = clk.NewTimer(d)
	}
	steps := []struct {
		name  string
		move  func()
		fired []string // with the time each delivers: t0 + its duration
	}{
		{name: "not yet", move: func() { clk.Advance(59 * time.Minute) }},
		{name: "exactly due", move: func() { clk.Advance(time.Minute) }, fired: []string{"1h", "1h again"}},
		{name: "past two at once", move: func() { clk.Set(t0.Add(150 * time.Minute)) }, fired: []string{"2h", "90m"}},
		{name: "back in time fires nothing", move: func() { clk.Advance(-time.Hour) }},
		{name: "far ahead", move: func() { clk.Advance(24 * time.Hour) }, fired: []string{"3h"}},
	}
	active := len(timers)
	for _, step := range steps {
		step.move()
		got := map[string]time.Time{}
		for name, tm := range timers {
			if v, ok := received(tm.C()); ok {
				got[name] = v
			}
		}
		want := map[string]time.Time{}
		for _, name := range step.fired {
			want[name] = t0.Add(durations[name])
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: fired timers mismatch (-want +got):\n%s", step.name, diff)
		}
		active -= len(step.fired)
		if got := clk.Timers(); got != active {
			t.Errorf("%s: Timers() = %d, want %d", step.name, got, active)
		}
	}
}

func TestTimerStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// run makes a timer, does something with it, and returns what
		// Stop returned.
		run  func(clk *clocktest.Clock, tm incidents.Timer) bool
		d    time.Duration
		want bool
	}{
		{
			name: "before it fires",
			d:    time.Hour,
			run:  func(_ *clocktest.Clock, tm incidents.Timer) bool { return tm.Stop() },
			want: true,
		},
		{
			name: "twice",
			d:    time.Hour,
			run:  func(_ *clocktest.Clock, tm incidents.Timer) bool { tm.Stop(); return tm.Stop() },
			want: false,
		},
		{
			name: "after it fired, its time unread",
			d:    time.Hour,
			run:  func(clk *clocktest.Clock, tm incidents.Timer) bool { clk.Advance(time.Hour); return tm.Stop() },
			want: true,
		},
		{
			name: "after its time was read",
			d:    time.Hour,
			run: func(clk *clocktest.Clock, tm incidents.Timer) bool {
				clk.Advance(time.Hour)
				<-tm.C()
				return tm.Stop()
			},
			want: false,
		},
		{
			name: "zero duration fired at once, unread",
			d:    0,
			run:  func(_ *clocktest.Clock, tm incidents.Timer) bool { return tm.Stop() },
			want: true,
		},
		{
			name: "negative duration fired at once and read",
			d:    -time.Minute,
			run: func(_ *clocktest.Clock, tm incidents.Timer) bool {
				<-tm.C()
				return tm.Stop()
			},
			want: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := clocktest.New(t0)
			tm := clk.NewTimer(tt.d)
			if got := tt.run(clk, tm); got != tt.want {
				t.Errorf("Stop() = %t, want %t", got, tt.want)
			}
			clk.Advance(24 * time.Hour)
			if v, ok := received(tm.C()); ok {
				t.Errorf("received %v after Stop", v)
			}
			if n := clk.Timers(); n != 0 {
				t.Errorf("Timers() = %d after Stop, want 0", n)
			}
		})
	}
}

func TestZeroTimerDeliversNow(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(t0)
	tm := clk.NewTimer(0)
	v, ok := received(tm.C())
	if !ok {
		t.Fatal("a zero-duration timer did not fire at once")
	}
	if diff := cmp.Diff(t0, v); diff != "" {
		t.Errorf("delivered time mismatch (-want +got):\n%s", diff)
	}
	if n := clk.Timers(); n != 0 {
		t.Errorf("Timers() = %d, want 0", n)
	}
}

// TestBlockUntil waits for a goroutine to go to sleep on the clock, then
// wakes it, as a scheduler test does.
func TestBlockUntil(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(t0)
	woke := make(chan time.Time, 3)
	for _, d := range []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour} {
		go func() {
			tm := clk.NewTimer(d)
			woke <- <-tm.C()
		}()
	}
	if err := clk.BlockUntil(t.Context(), 3); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	got := []time.Time{<-woke, <-woke}
	if got[0].After(got[1]) {
		got[0], got[1] = got[1], got[0]
	}
	if diff := cmp.Diff([]time.Time{t0.Add(time.Hour), t0.Add(2 * time.Hour)}, got); diff != "" {
		t.Errorf("woken goroutines mismatch (-want +got):\n%s", diff)
	}
	if err := clk.BlockUntil(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if diff := cmp.Diff(t0.Add(3*time.Hour), <-woke); diff != "" {
		t.Errorf("last goroutine mismatch (-want +got):\n%s", diff)
	}
}

func TestBlockUntilContextEnds(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(t0)
	clk.NewTimer(time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := clk.BlockUntil(ctx, 2)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("BlockUntil on a canceled context = %v, want context.Canceled", err)
	}
	if err := clk.BlockUntil(ctx, 1); err != nil {
		t.Errorf("BlockUntil with enough timers = %v, want nil even on a canceled context", err)
	}
}

// TestConcurrentTimers makes and stops timers on many goroutines while the
// clock moves; run it with -race. Every timer either fires once, with a time
// no earlier than it was due, or is stopped: never both, never neither.
func TestConcurrentTimers(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(t0)
	const goroutines, perGoroutine = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				d := time.Duration(1+(g*perGoroutine+i)%7) * time.Minute
				earliest := clk.Now().Add(d)
				tm := clk.NewTimer(d)
				if i%2 == 0 {
					// Not yet read: Stop stops it whether or not it fired.
					if !tm.Stop() {
						t.Errorf("Stop of an unread timer returned false")
					}
					if v, ok := received(tm.C()); ok {
						t.Errorf("received %v after Stop", v)
					}
					continue
				}
				if v := <-tm.C(); v.Before(earliest) {
					t.Errorf("timer due no earlier than %v fired at %v", earliest, v)
				}
				if tm.Stop() {
					t.Errorf("Stop of a timer whose time was read returned true")
				}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	for {
		select {
		case <-done:
			if n := clk.Timers(); n != 0 {
				t.Errorf("Timers() = %d when every timer fired or stopped", n)
			}
			return
		default:
			clk.Advance(time.Minute)
		}
	}
}
