package incidents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Workers owns the background work of a running breachbot: the scheduler
// that fires due timers, the dispatcher that delivers the outbox to a
// Notifier, the notice sender, the hourly retention purge, and whatever
// the front end adds with Go (a directory refresh, a socket, a listener).
// Start starts it all; Close stops it all and waits for every goroutine it
// started. Run does both around the life of a context.
type Workers struct {
	cfg  WorkersConfig
	jobs []workerJob

	started  bool
	cancel   context.CancelFunc
	done     chan struct{} // closed when every job has returned
	left     chan struct{} // one value per job that returned
	failed   chan error    // the first job that failed while running
	stopOnce sync.Once
}

// WorkersConfig configures Workers.
type WorkersConfig struct {
	// Service is what the scheduler, the dispatcher and the purge run on.
	Service *Service
	// Notifier receives the outbox's notifications (Slack, the console).
	Notifier Notifier
	// DispatchParallel is how many incidents' notifications the
	// dispatcher delivers at the same time (Dispatcher.Parallel; 0: one
	// after another). Set it only for a Notifier safe for concurrent use.
	DispatchParallel int
	// Notices sends approved notices; nil runs no sender.
	Notices *NoticeSender
	// Retention is how long the affected people's data of a closed
	// incident is kept; every PurgeEvery (default an hour) what is older
	// is purged. 0 purges nothing.
	Retention  time.Duration
	PurgeEvery time.Duration
	// PlaybookEvery is how often the playbook source is read to tell
	// running incidents of a newer version (default a minute; see
	// Service.WatchPlaybooks).
	PlaybookEvery time.Duration
	// Grace is how long a stop lets a notice send finish the messages in
	// hand (default 3 s) before it calls CutShort: the SMTP senders'
	// Close, so that a send waiting out a relay's backoff returns its
	// messages as not sent (recorded, for a retry) instead of holding the
	// stop for as long as the backoff lasts.
	Grace    time.Duration
	CutShort []func() error
	// Log receives what stopped with an error and what was purged
	// (counts only); nil is slog.Default().
	Log *slog.Logger
}

// workerJob is one goroutine of Workers: run until ctx is done, or, with
// a stop, until stop makes run return (an HTTP server's Shutdown).
type workerJob struct {
	name string
	run  func(ctx context.Context) error
	stop func(ctx context.Context) error
	// essential: an error of run while running ends Run; else it is
	// logged and the other jobs go on.
	essential bool
}

// NewWorkers returns the workers of cfg, not started.
func NewWorkers(cfg WorkersConfig) *Workers {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.PurgeEvery <= 0 {
		cfg.PurgeEvery = time.Hour
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 3 * time.Second
	}
	if cfg.PlaybookEvery <= 0 {
		cfg.PlaybookEvery = time.Minute
	}
	w := &Workers{cfg: cfg, failed: make(chan error, 1)}
	svc := cfg.Service
	w.Go("scheduler", NewScheduler(svc).Run)
	dispatcher := NewDispatcher(svc, cfg.Notifier)
	dispatcher.Parallel = cfg.DispatchParallel
	w.Go("dispatcher", dispatcher.Run)
	if cfg.Notices != nil {
		w.Go("notice sender", cfg.Notices.Run)
	}
	if cfg.Retention > 0 {
		w.Go("retention purge", w.purgeLoop)
	}
	w.Go("playbook watch", func(ctx context.Context) error { return svc.WatchPlaybooks(ctx, cfg.PlaybookEvery) })
	return w
}

// Go adds a job that Start runs until its context is done. An error it
// returns is logged; the other jobs go on. Call it before Start.
func (w *Workers) Go(name string, run func(ctx context.Context) error) {
	w.jobs = append(w.jobs, workerJob{name: name, run: run})
}

// GoEssential adds a job like Go, without which the process cannot do its
// work (a Slack socket): an error it returns while running ends Run with
// that error (see Failed).
func (w *Workers) GoEssential(name string, run func(ctx context.Context) error) {
	w.jobs = append(w.jobs, workerJob{name: name, run: run, essential: true})
}

// GoStoppable adds an essential job that does not end with its context
// but when stop is called (an HTTP server: Serve and Shutdown). Close calls every stop
// first, with a context that bounds how long it may take, before it stops
// the other jobs. Call it before Start.
func (w *Workers) GoStoppable(name string, run func() error, stop func(ctx context.Context) error) {
	w.jobs = append(w.jobs, workerJob{name: name, run: func(context.Context) error { return run() }, stop: stop, essential: true})
}

// Start starts every job; Close stops them. Start runs once; the owner
// calls Start, Run and Close from one goroutine.
func (w *Workers) Start(ctx context.Context) {
	if w.started {
		return
	}
	w.started = true
	ctx, w.cancel = context.WithCancel(ctx)
	w.done = make(chan struct{})
	w.left = make(chan struct{}, len(w.jobs))
	var wg sync.WaitGroup
	for _, j := range w.jobs {
		wg.Go(func() {
			defer func() { w.left <- struct{}{} }()
			err := j.run(ctx)
			if err == nil || errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return
			}
			if !j.essential || ctx.Err() != nil {
				w.cfg.Log.Error(j.name+" stopped", "err", err)
				return
			}
			select {
			case w.failed <- fmt.Errorf("%s: %w", j.name, err):
			default:
				w.cfg.Log.Error(j.name+" stopped", "err", err)
			}
		})
	}
	go func() { wg.Wait(); close(w.done) }()
}

// Failed delivers the error of the first job that ended with one while
// the workers ran.
func (w *Workers) Failed() <-chan error { return w.failed }

// Run starts the workers and runs them until ctx is done or a job fails,
// then stops them all; it returns the failure, if any.
func (w *Workers) Run(ctx context.Context) error {
	w.Start(ctx)
	var err error
	select {
	case <-ctx.Done():
	case err = <-w.failed:
	}
	w.Close()
	return err
}

// Close stops every job and waits for each to return: first the stoppable
// ones (within 10 s), then the others; a notice send still going after
// Grace is cut short (CutShort). Closing twice, or before Start, is
// harmless.
func (w *Workers) Close() error {
	if !w.started {
		return nil
	}
	w.stopOnce.Do(w.stop)
	return nil
}

func (w *Workers) stop() {
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	for _, j := range w.jobs {
		if j.stop != nil {
			if err := j.stop(sctx); err != nil {
				w.cfg.Log.Warn(j.name+" did not stop in time", "err", err)
			}
		}
	}
	w.cancel()
	grace := time.NewTimer(w.cfg.Grace)
	defer grace.Stop()
	for {
		select {
		case <-w.done:
			return
		case <-grace.C:
			if len(w.cfg.CutShort) > 0 {
				w.cfg.Log.Warn("still stopping; cutting short any notice send that waits for the mail relay", "after", w.cfg.Grace)
			}
			for _, cut := range w.cfg.CutShort {
				cut()
			}
		}
	}
}

// PurgeExpired purges the personal data of incidents closed longer ago
// than the retention period and logs what it did (counts only). The
// workers run it every PurgeEvery; a front end also runs it as it starts.
func (w *Workers) PurgeExpired(ctx context.Context) {
	if w.cfg.Retention <= 0 {
		return
	}
	done, err := w.cfg.Service.PurgeExpired(ctx, w.cfg.Retention)
	if err != nil && ctx.Err() == nil {
		w.cfg.Log.Error("retention purge", "err", err)
	}
	for _, p := range done {
		w.cfg.Log.Info("purged the affected people's data after the retention period", "incident", p.Incident, "people", p.People)
	}
}

// purgeLoop runs PurgeExpired every PurgeEvery until ctx is done.
func (w *Workers) purgeLoop(ctx context.Context) error {
	for {
		timer := w.cfg.Service.Clock().NewTimer(w.cfg.PurgeEvery)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C():
		}
		w.PurgeExpired(ctx)
	}
}

// Flush fires the timers already due and delivers the outbox to the
// Notifier, without the background loops: what a session that ends (a
// piped console) shows of the reminders its commands caused. Call it
// after Close.
func (w *Workers) Flush(ctx context.Context) error {
	if _, _, err := w.cfg.Service.FireDue(ctx); err != nil {
		return err
	}
	_, err := NewDispatcher(w.cfg.Service, w.cfg.Notifier).Drain(ctx)
	return err
}
