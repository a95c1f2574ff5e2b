// Package clocktest provides a fake incidents.Clock for tests: time moves
// only when the test says so, and timers fire when it does, so deadline and
// reminder tests never sleep.
package clocktest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

var _ incidents.Clock = (*Clock)(nil)

// Clock is a fake incidents.Clock. Its time stands still until Advance or
// Set moves it; timers fire, in due order, as it moves past their due time.
// A Clock is safe for concurrent use: the test moves it while the code under
// test reads it and waits on its timers.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	active []*timer // timers that have neither fired nor been stopped
	seq    uint64   // creation order, to fire timers due at the same time in order
	// changed is closed and replaced whenever the number of active timers
	// changes; BlockUntil waits on it.
	changed chan struct{}
}

// New returns a Clock whose time is now.
func New(now time.Time) *Clock {
	return &Clock{now: now, changed: make(chan struct{})}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when the clock reaches Now()+d. Like
// time.NewTimer it fires at once when d <= 0: its channel then already holds
// the current time and it does not count as active.
func (c *Clock) NewTimer(d time.Duration) incidents.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &timer{clock: c, c: make(chan time.Time, 1), at: c.now.Add(d), seq: c.seq}
	if d <= 0 {
		t.c <- c.now
		return t
	}
	c.active = append(c.active, t)
	c.signalLocked()
	return t
}

// Advance moves the clock forward by d and fires every timer whose time has
// come, in due order (timers due at the same time in the order they were
// made). Each delivers its due time, the fake time at which it fired, on its
// channel. A negative d moves the clock back and fires nothing.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(c.now.Add(d))
}

// Set moves the clock to t, forward or back, and fires every timer whose
// time has come as Advance does.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(t)
}

// Timers returns how many timers are active: made, not yet fired, not stopped.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.active)
}

// BlockUntil waits until at least n timers are active, so a test can be sure
// the goroutine under test is waiting on the clock before it advances it. It
// returns an error wrapping ctx.Err() if ctx ends first.
func (c *Clock) BlockUntil(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		have, changed := len(c.active), c.changed
		c.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("clocktest: waiting for %d active timers, have %d: %w", n, have, ctx.Err())
		}
	}
}

// setLocked moves the clock to now and fires the timers due by then.
func (c *Clock) setLocked(now time.Time) {
	var due []*timer
	c.active = slices.DeleteFunc(c.active, func(t *timer) bool {
		if t.at.After(now) {
			return false
		}
		due = append(due, t)
		return true
	})
	slices.SortFunc(due, func(a, b *timer) int {
		if n := a.at.Compare(b.at); n != 0 {
			return n
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for _, t := range due {
		c.now = t.at
		t.c <- t.at // never blocks: a timer fires once into a buffer of one
	}
	c.now = now
	if len(due) > 0 {
		c.signalLocked()
	}
}

// signalLocked wakes every BlockUntil.
func (c *Clock) signalLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// timer is a timer of a Clock.
type timer struct {
	clock *Clock
	c     chan time.Time
	at    time.Time
	seq   uint64
}

// C returns the channel on which the timer delivers its due time.
func (t *timer) C() <-chan time.Time { return t.c }

// Stop stops the timer, with the semantics of *time.Timer since Go 1.23: it
// returns true if the timer's time had not been received yet, and after it
// returns no value is received from C. A timer that fired but whose time is
// still unread in its channel is drained and reported as stopped.
func (t *timer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.active, t); i >= 0 {
		c.active = slices.Delete(c.active, i, i+1)
		c.signalLocked()
		return true
	}
	select {
	case <-t.c:
		return true
	default:
		return false
	}
}
