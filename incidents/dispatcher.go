package incidents

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Dispatcher delivers the outbox: every queued notification, in order, at
// least once, through a Notifier. Failed deliveries are retried with
// exponential backoff (honouring a RetryAfter hint) and never dropped.
type Dispatcher struct {
	svc      *Service
	notifier Notifier
	// MaxBackoff caps the delay between attempts.
	MaxBackoff time.Duration
}

// NewDispatcher returns a dispatcher of svc's outbox to n. Run it once.
func NewDispatcher(svc *Service, n Notifier) *Dispatcher {
	return &Dispatcher{svc: svc, notifier: n, MaxBackoff: 5 * time.Minute}
}

const dispatchBatch = 64

// Run delivers until ctx is done.
func (d *Dispatcher) Run(ctx context.Context) error {
	clock := d.svc.clock
	for {
		next, err := d.Drain(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.svc.log.Error("dispatcher", "err", err)
			next = clock.Now().Add(time.Second)
		}
		var (
			timer Timer
			c     <-chan time.Time
		)
		if !next.IsZero() {
			timer = clock.NewTimer(next.Sub(clock.Now()))
			c = timer.C()
		}
		select {
		case <-ctx.Done():
		case <-d.svc.dispatcherWake:
		case <-c:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// retryAfter is implemented by errors that say when to try again.
type retryAfter interface{ RetryAfter() time.Duration }

// Drain attempts every pending notification whose time has come and returns
// when the earliest postponed one is due again (zero if none is left).
func (d *Dispatcher) Drain(ctx context.Context) (time.Time, error) {
	for {
		var (
			due  []Notification
			next time.Time
		)
		err := d.svc.store.View(ctx, func(tx Tx) error {
			var err error
			due, next, err = tx.Pending(d.svc.clock.Now(), dispatchBatch)
			return err
		})
		if err != nil {
			return time.Time{}, fmt.Errorf("read outbox: %w", err)
		}
		if len(due) == 0 {
			return next, nil
		}
		for _, n := range due {
			if err := d.deliver(ctx, n); err != nil {
				return time.Time{}, err
			}
			if ctx.Err() != nil {
				return time.Time{}, ctx.Err()
			}
		}
	}
}

func (d *Dispatcher) deliver(ctx context.Context, n Notification) error {
	err := d.notifier.Notify(ctx, n)
	now := d.svc.clock.Now()
	if err == nil {
		return d.svc.store.Update(ctx, func(tx Tx) error { return tx.Delivered(n.ID, now) })
	}
	if ctx.Err() != nil {
		return nil
	}
	n.Attempts++
	delay := time.Second << min(n.Attempts-1, 20)
	if delay > d.MaxBackoff {
		delay = d.MaxBackoff
	}
	var ra retryAfter
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		delay = ra.RetryAfter()
	}
	n.NextAttempt, n.LastError = now.Add(delay), ErrorMessage(err)
	if ErrorCode(err) == EINTERNAL {
		n.LastError = err.Error()
	}
	d.svc.log.Warn("delivery failed; will retry", "notification", n.ID, "attempt", n.Attempts, "in", delay, "err", err)
	return d.svc.store.Update(ctx, func(tx Tx) error { return tx.Retry(n) })
}
