package incidents

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	// Parallel is how many incidents' notifications are delivered at the
	// same time (each incident's still one after another, in order); 0 or
	// 1 delivers everything one after another. The Notifier must then be
	// safe for concurrent use.
	Parallel int
}

// NewDispatcher returns a dispatcher of svc's outbox to n. Run it once.
func NewDispatcher(svc *Service, n Notifier) *Dispatcher {
	return &Dispatcher{svc: svc, notifier: n, MaxBackoff: 5 * time.Minute}
}

const dispatchBatch = 128

// Run delivers until ctx is done.
func (d *Dispatcher) Run(ctx context.Context) error {
	return runUntil(ctx, d.svc, d.svc.dispatcherWake, "dispatcher", d.Drain)
}

// retryAfter is implemented by errors that say when to try again.
type retryAfter interface{ RetryAfter() time.Duration }

// Drain attempts every pending notification whose time has come and returns
// when the earliest postponed one is due again (zero if none is left).
//
// Deliveries are marked in batches (every 128 or 50 ms, whichever comes
// first), so a fast transport is not held back by one fsync per message; a
// crash re-delivers at most the unmarked window, which the notification IDs
// let transports recognise.
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
		if d.Parallel > 1 {
			if err := d.deliverParallel(ctx, due); err != nil {
				return time.Time{}, err
			}
			continue
		}
		var delivered []string
		flushed := time.Now()
		flush := func() error {
			err := d.markDelivered(ctx, delivered)
			delivered, flushed = delivered[:0], time.Now()
			return err
		}
		for _, n := range due {
			if ctx.Err() != nil {
				break
			}
			err := d.notifier.Notify(ctx, n)
			if err == nil {
				delivered = append(delivered, n.ID)
				if time.Since(flushed) > 50*time.Millisecond {
					if err := flush(); err != nil {
						return time.Time{}, err
					}
				}
				continue
			}
			if ctx.Err() != nil {
				break
			}
			if err := d.postpone(ctx, n, err); err != nil {
				return time.Time{}, err
			}
		}
		if err := flush(); err != nil {
			return time.Time{}, err
		}
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
	}
}

// markDelivered records the notifications of ids as delivered, in one
// transaction.
func (d *Dispatcher) markDelivered(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	now := d.svc.clock.Now()
	return d.svc.store.Update(context.WithoutCancel(ctx), func(tx Tx) error {
		for _, id := range ids {
			if err := tx.Delivered(id, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// deliverParallel delivers a batch of due notifications, up to Parallel
// incidents at a time, each incident's in order, and marks those delivered
// in one transaction when all are done (a crash re-delivers at most the
// batch, which the notification IDs let transports recognise). It returns
// the first error of the store; a failed delivery is postponed.
func (d *Dispatcher) deliverParallel(ctx context.Context, due []Notification) error {
	var (
		order  []string
		groups = map[string][]Notification{}
	)
	for _, n := range due {
		if _, ok := groups[n.Incident]; !ok {
			order = append(order, n.Incident)
		}
		groups[n.Incident] = append(groups[n.Incident], n)
	}
	var (
		mu        sync.Mutex
		delivered []string
		storeErr  error
		wg        sync.WaitGroup
		slots     = make(chan struct{}, d.Parallel)
	)
	for _, inc := range order {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			for _, n := range groups[inc] {
				if ctx.Err() != nil {
					return
				}
				err := d.notifier.Notify(ctx, n)
				if err == nil {
					mu.Lock()
					delivered = append(delivered, n.ID)
					mu.Unlock()
					continue
				}
				if ctx.Err() != nil {
					return
				}
				if err := d.postpone(ctx, n, err); err != nil {
					mu.Lock()
					if storeErr == nil {
						storeErr = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if err := d.markDelivered(ctx, delivered); err != nil {
		return err
	}
	if storeErr != nil {
		return storeErr
	}
	return ctx.Err()
}

// postpone records a failed attempt and when to try again.
func (d *Dispatcher) postpone(ctx context.Context, n Notification, err error) error {
	now := d.svc.clock.Now()
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
