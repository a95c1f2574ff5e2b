package incidents

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrStop ends an iteration early when returned by its callback; the
// iterating method then returns nil.
var ErrStop = errors.New("stop iteration")

// NoticeSender sends the notices that are in state sending: a fixed number
// of goroutines (the Mailer's Connections) render and hand over messages,
// while one coordinator records every recipient's state in the store.
//
// A recipient is marked in flight, durably, before its message is handed
// to the mailer, and marked sent or failed afterwards; marks are group
// committed, one transaction for everything that happened meanwhile, so at
// most the window of recipients is in flight at any time. The Journal
// notes right before a message's DATA, and right after the server
// accepted it (a write each, no sync). After a crash, Recover marks sent
// those accepted, queues again those that never reached DATA, and sends
// again, with the same Message-ID, those in between (in doubt: at most one
// per connection after the process was killed, at most the window after a
// power loss), unless KeepInDoubt is set.
type NoticeSender struct {
	svc *Service
	opt NoticeSenderOptions // defaults applied

	runMu sync.Mutex // one send loop at a time
	// journalClean: the journal holds no notes of recipients left in
	// flight by an earlier send (it was reset since); only then may a
	// send rotate or reset it. Guarded by runMu (and set by Recover,
	// which runs before any send).
	journalClean bool

	mu      sync.Mutex
	waiters []chan struct{}
}

// NoticeSenderOptions configures a NoticeSender. The zero value is the
// default: an adaptive window, progress every 10 seconds, a pause after 50
// temporary failures in a row, no journal, and recipients found in doubt
// after a restart sent again.
type NoticeSenderOptions struct {
	// Window, if set, fixes how many recipients are claimed ahead of the
	// workers. It bounds how many recipients can be in flight, and so
	// in doubt after a power loss, and how many are marked per
	// transaction: too small and the commits, not the mail server, set
	// the pace. At 0 the window adapts: it starts at eight per connection
	// and doubles, up to MaxWindow, whenever the connections ran out of
	// work while a transaction was being committed (a fast local relay).
	// A slow mail server keeps it small.
	Window int
	// MaxWindow caps the adaptive window (0: 128 per connection).
	MaxWindow int
	// ProgressEvery throttles progress notifications (0: every 10 seconds;
	// negative: at every commit).
	ProgressEvery time.Duration
	// PauseAfter consecutive temporary failures pause the send (the server
	// is probably down); notice retry resumes it (0: 50; negative: never).
	PauseAfter int
	// Recorded, if set, is called after each commit of send outcomes with
	// how many messages it recorded as sent and as failed (for metrics).
	Recorded func(sent, failed int)
	// Journal notes which messages reached DATA and which the server
	// accepted (nil: after a crash every recipient in flight is in doubt).
	Journal SendJournal
	// KeepInDoubt leaves recipients found in doubt after a restart in
	// doubt, for a person to decide (notice retry --in-doubt); by default
	// they are sent again, with the same Message-ID.
	KeepInDoubt bool
}

// NewNoticeSender returns a sender for svc's notices, configured by opt.
func NewNoticeSender(svc *Service, opt NoticeSenderOptions) *NoticeSender {
	if opt.ProgressEvery == 0 {
		opt.ProgressEvery = 10 * time.Second
	}
	if opt.PauseAfter == 0 {
		opt.PauseAfter = 50
	}
	return &NoticeSender{svc: svc, opt: opt}
}

// resendInDoubt reports whether recipients found in doubt after a restart
// are sent again by themselves.
func (ns *NoticeSender) resendInDoubt() bool { return !ns.opt.KeepInDoubt }

// Run recovers from an earlier crash, then sends notices as they are
// started, until ctx is done. Run it once per process.
func (ns *NoticeSender) Run(ctx context.Context) error {
	if _, err := ns.Recover(ctx); err != nil {
		return err
	}
	if err := ns.resumeOnTransport(ctx); err != nil {
		return err
	}
	for {
		if err := ns.SendPending(ctx); err != nil && ctx.Err() == nil {
			ns.svc.log.Error("notice sender", "err", err)
			timer := ns.svc.clock.NewTimer(5 * time.Second)
			select {
			case <-ctx.Done():
			case <-timer.C():
			}
			timer.Stop()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ns.svc.noticeWake:
		}
	}
}

// SendPending sends every notice in state sending until each is sent or
// paused, or ctx is done.
func (ns *NoticeSender) SendPending(ctx context.Context) error {
	ns.runMu.Lock()
	defer ns.runMu.Unlock()
	defer ns.passDone()
	for ctx.Err() == nil {
		var next *Notice
		err := ns.svc.store.View(ctx, func(tx Tx) error {
			return tx.Notices("", func(n *Notice) error {
				if n.State == NoticeSending {
					next = n
					return ErrStop
				}
				return nil
			})
		})
		if errors.Is(err, ErrStop) {
			err = nil
		}
		if err != nil || next == nil {
			return err
		}
		if err := ns.send(ctx, next.Incident, next.ID); err != nil {
			return fmt.Errorf("send notice %s of %s: %w", next.ID, next.Incident, err)
		}
	}
	return nil
}

func (ns *NoticeSender) passDone() {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	for _, w := range ns.waiters {
		close(w)
	}
	ns.waiters = nil
}

// Idle waits until no notice is being sent (every one is sent, paused or
// not started), or ctx is done. The console calls it before it exits.
func (ns *NoticeSender) Idle(ctx context.Context) error {
	for {
		ns.mu.Lock()
		w := make(chan struct{})
		ns.waiters = append(ns.waiters, w)
		ns.mu.Unlock()
		busy := false
		err := ns.svc.store.View(ctx, func(tx Tx) error {
			return tx.Notices("", func(n *Notice) error {
				if n.State == NoticeSending || ns.resumable(tx, n) {
					busy = true
					return ErrStop
				}
				return nil
			})
		})
		if err != nil && !errors.Is(err, ErrStop) {
			return err
		}
		if !busy {
			return nil
		}
		wake(ns.svc.noticeWake)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w:
		}
	}
}
