package incidents

import (
	"context"
	"errors"
	"sync"
	"time"
)

// FanOut returns a Notifier that delivers each notification to every one
// of targets, in order (Slack first, then a tracker). A notification counts
// as delivered once every target took it; until then the Dispatcher retries
// it, and a target that already took it is skipped, so a failing target
// (GitHub down) is retried alone and never makes another post twice. That
// memory lives in the process: after a restart every target may see the
// notification again, which each Notifier must tolerate anyway (the ID is
// the dedupe key). The error returned is the first target's; a RetryAfter
// hint is the longest any failing target asked for.
func FanOut(targets ...Notifier) Notifier {
	return &fanOut{targets: targets, took: make([]map[string]bool, len(targets))}
}

type fanOut struct {
	targets []Notifier

	mu   sync.Mutex
	took []map[string]bool // per target: IDs of notifications it took whose delivery is not complete
}

func (f *fanOut) Notify(ctx context.Context, n Notification) error {
	var errs []error
	var wait time.Duration
	for i, t := range f.targets {
		f.mu.Lock()
		done := f.took[i][n.ID]
		f.mu.Unlock()
		if done {
			continue
		}
		if err := t.Notify(ctx, n); err != nil {
			errs = append(errs, err)
			var ra retryAfter
			if errors.As(err, &ra) {
				wait = max(wait, ra.RetryAfter())
			}
			continue
		}
		f.mu.Lock()
		if f.took[i] == nil {
			f.took[i] = map[string]bool{}
		}
		f.took[i][n.ID] = true
		f.mu.Unlock()
	}
	if len(errs) == 0 {
		f.mu.Lock()
		for _, m := range f.took {
			delete(m, n.ID)
		}
		f.mu.Unlock()
		return nil
	}
	return &fanOutError{err: errs[0], wait: wait}
}

// fanOutError is the first failure of a fan-out, with the longest wait any
// failing target asked for.
type fanOutError struct {
	err  error
	wait time.Duration
}

func (e *fanOutError) Error() string             { return e.err.Error() }
func (e *fanOutError) Unwrap() error             { return e.err }
func (e *fanOutError) RetryAfter() time.Duration { return e.wait }
