package incidents

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

type sendJob struct {
	seq     int64
	attempt int
	gen     int // journal generation when handed to a worker
	r       Recipient
	tag     string
}

type sendResult struct {
	seq       int64
	gen       int
	messageID string
	err       error
	at        time.Time
}

// send runs one notice until it is sent, paused or ctx is done: a sendRun
// claims recipients, sends them through the workers and collects their
// outcomes, committing them in groups, until none is left or it winds
// down.
func (ns *NoticeSender) send(ctx context.Context, incidentID, noticeID string) error {
	r, err := ns.prepare(ctx, incidentID, noticeID)
	if err != nil || r == nil {
		return err
	}
	r.startWorkers(ctx)
	defer r.stopWorkers()
	return r.run(ctx)
}

// sendRun is one run of a notice's send. Its coordinator goroutine (the
// caller of run) alone reads and writes its fields; the workers share only
// the channels.
type sendRun struct {
	ns                   *NoticeSender
	incidentID, noticeID string
	inc                  *Incident
	n                    *Notice
	mailer               Mailer
	domain               string
	workers              int
	window, maxWindow    int

	jobs        chan sendJob
	results     chan sendResult
	stop        func() // tells the workers to stop after the message in hand; idempotent
	workersDone chan struct{}

	outstanding int          // claimed and handed to the workers, outcome not collected
	pending     []sendResult // collected, not yet committed
	exhausted   bool         // no recipient is left to claim
	stopping    bool         // winding down: ctx is done, or pauseWhy
	pauseWhy    string
	inFlight    int64 // left in flight when the send is done
	tempRun     int   // temporary failures in a row
	lastTemp    *SendError
	first       bool // no commit yet
	gens        journalGens
	// journalOwned: the journal may be rotated and reset, since no
	// earlier send left notes that are still needed.
	journalOwned bool
}

// defaultMaxWindowPerConnection caps the adaptive window. A pipelining
// relay on the same network takes a notice in about 0.5 ms per connection,
// and a commit with its fsyncs takes 5-20 ms on an ordinary disk: half the
// window must last the connections through one commit, or they wait.
const defaultMaxWindowPerConnection = 128

// prepare reads the notice and finds its mailer. It returns nil, and no
// error, when the send was paused instead (no relay, no templates).
func (ns *NoticeSender) prepare(ctx context.Context, incidentID, noticeID string) (*sendRun, error) {
	svc := ns.svc
	r := &sendRun{ns: ns, incidentID: incidentID, noticeID: noticeID, first: true}
	err := svc.store.View(ctx, func(tx Tx) error {
		var err error
		if r.inc, err = tx.Incident(incidentID); err != nil {
			return err
		}
		r.n, err = tx.Notice(incidentID, noticeID)
		return err
	})
	if err != nil {
		return nil, err
	}
	mailer, paused, err := ns.sendMailer(ctx, r.inc, r.n)
	if err != nil || paused {
		return nil, err
	}
	if svc.renderer == nil {
		return nil, ns.pause(ctx, incidentID, noticeID, "no notice templates are configured")
	}
	r.mailer = mailer
	r.workers = max(mailer.Connections(), 1)
	r.window, r.maxWindow = ns.opt.Window, ns.opt.Window
	if r.window <= 0 {
		r.maxWindow = ns.opt.MaxWindow
		if r.maxWindow <= 0 {
			r.maxWindow = defaultMaxWindowPerConnection * r.workers
		}
		r.window = min(8*r.workers, r.maxWindow)
	}
	r.domain = mailDomain(r.n.Data.Company)
	return r, nil
}

// startWorkers starts the workers that render and hand over the claimed
// messages. They finish the message in hand when the send stops: their
// context is not cancelled with ctx (the mailer's I/O deadlines bound
// them). stopWorkers stops them and waits for them.
func (r *sendRun) startWorkers(ctx context.Context) {
	r.jobs = make(chan sendJob, r.maxWindow)
	r.results = make(chan sendResult, r.maxWindow+r.workers)
	stop := make(chan struct{})
	r.stop = sync.OnceFunc(func() { close(stop) })
	wctx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for range r.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(wctx, stop)
		}()
	}
	r.workersDone = make(chan struct{})
	go func() { wg.Wait(); close(r.workersDone) }()
}

// stopWorkers stops the workers after the message in hand and waits for
// them.
func (r *sendRun) stopWorkers() {
	r.stop()
	<-r.workersDone
}

// work is one worker: it hands over claimed messages until stop is closed
// or the jobs run out.
func (r *sendRun) work(ctx context.Context, stop <-chan struct{}) {
	ns := r.ns
	// One journal hook per worker, for the job in hand: the mailer calls
	// it while this goroutine waits in Send.
	var (
		j    sendJob
		hook func() error
	)
	if ns.opt.Journal != nil {
		hook = func() error { return ns.opt.Journal.DataStarted(r.incidentID, r.noticeID, j.seq, j.attempt) }
	}
	for {
		select {
		case <-stop:
			return
		case next, ok := <-r.jobs:
			if !ok {
				return
			}
			j = next
			res := ns.deliver(ctx, r.mailer, r.inc, r.n, r.domain, j, hook)
			res.gen = j.gen
			if res.err == nil && ns.opt.Journal != nil {
				// The reply, noted at once: after a crash only a
				// message between DATA and this note is in doubt.
				if err := ns.opt.Journal.Accepted(r.incidentID, r.noticeID, j.seq, j.attempt, res.at); err != nil {
					ns.svc.log.Warn("send journal: the server's acceptance was not noted; a crash before the next commit would leave one recipient in doubt", "err", err)
				}
			}
			r.results <- res
		}
	}
}

// run is the coordinator's loop: collect what finished, claim more (and
// commit what was collected) when a group commit is due, send the claimed
// to the workers, and wind down when stopping.
func (r *sendRun) run(ctx context.Context) error {
	r.journalOwned = r.ns.journalClean
	r.ns.journalClean = false // until this send resets it
	bg := context.WithoutCancel(ctx)
	for {
		r.collect()
		r.checkStop(ctx)
		room := r.window - r.outstanding
		var claimed []sendJob
		if r.commitDue(room) {
			var (
				done bool
				err  error
			)
			if claimed, done, err = r.claim(bg, room); err != nil {
				return err
			}
			if done {
				return r.ns.resetJournal(r.journalOwned, r.inFlight)
			}
			if r.ns.opt.Journal != nil && r.journalOwned && r.gens.rotate() {
				if err := r.ns.opt.Journal.Rotate(); err != nil {
					return fmt.Errorf("notice %s of %s: %w", r.noticeID, r.incidentID, err)
				}
			}
			r.send(claimed)
		}
		if r.stopping {
			return r.wind(bg)
		}
		if len(claimed) == 0 && !(r.exhausted && r.outstanding == 0) {
			select {
			case res := <-r.results:
				r.take(res)
			case <-ctx.Done():
			}
		}
	}
}

// collect takes the outcomes that arrived meanwhile, without waiting.
func (r *sendRun) collect() {
	for {
		select {
		case res := <-r.results:
			r.take(res)
		default:
			return
		}
	}
}

// take counts an outcome as it arrives: a run of temporary failures (each
// counted once, however long it waits for the next commit) pauses the
// send.
func (r *sendRun) take(res sendResult) {
	r.pending = append(r.pending, res)
	r.outstanding--
	var se *SendError
	if res.err != nil && errors.As(res.err, &se) && !se.Permanent && !se.Uncertain {
		r.tempRun++
		r.lastTemp = se
	} else {
		r.tempRun = 0
	}
}

// checkStop starts winding down when too many temporary failures came in
// a row (pausing the send), or when ctx is done.
func (r *sendRun) checkStop(ctx context.Context) {
	if !r.stopping && r.ns.opt.PauseAfter > 0 && r.tempRun >= r.ns.opt.PauseAfter {
		r.stopping = true
		r.pauseWhy = fmt.Sprintf("%d messages in a row failed temporarily; the mail server may be down", r.tempRun)
		if r.lastTemp != nil && r.lastTemp.Code >= 500 {
			// A 5xx counted as temporary is the relay refusing us or the
			// notice itself, not one person's mailbox.
			r.pauseWhy = fmt.Sprintf("%d messages in a row were refused by the mail server for a reason that is not the person's mailbox (the relay's policy, our account or the notice itself); ask the relay's administrator", r.tempRun)
		}
		if r.lastTemp != nil {
			r.pauseWhy += " (last reply: " + r.lastTemp.Error() + ")"
		}
	}
	if !r.stopping && ctx.Err() != nil {
		r.stopping = true
	}
}

// commitDue reports whether the next transaction is due. Group commit:
// wait until half the window is done (or nothing is in flight) before the
// next transaction, so one commit marks many recipients while the other
// half keeps the connections busy.
func (r *sendRun) commitDue(room int) bool {
	return r.first || r.stopping || r.outstanding == 0 || (room >= max(1, r.window/2) && (len(r.pending) > 0 || !r.exhausted))
}

// claim commits, in one transaction, the outcomes collected so far and
// marks up to room more recipients in flight (none when stopping). When
// none is left and nothing is outstanding, the send is finished in the
// same transaction and done is true. Afterwards it grows the adaptive
// window if the connections ran out of work while it committed.
func (r *sendRun) claim(ctx context.Context, room int) (claimed []sendJob, done bool, err error) {
	ns := r.ns
	var sent, failed int
	err = ns.svc.update(ctx, func(t *txn) error {
		// Only the send state is read and written here; the notice
		// itself is rewritten when the send finishes or pauses.
		send, err := t.NoticeSend(r.incidentID, r.noticeID)
		if err != nil {
			return err
		}
		if send == nil {
			return fmt.Errorf("notice %s of %s has no send state", r.noticeID, r.incidentID)
		}
		cur := *r.n
		cur.Send = send
		if r.first {
			cur.Send.Runs++
			cur.Send.StartedAt, cur.Send.StartedSent = t.now, cur.Send.Sent
		}
		var err2 error
		if sent, failed, err2 = ns.record(t, &cur, r.pending); err2 != nil {
			return err2
		}
		// A retry may have queued recipients meanwhile: what is left
		// is read from the stored state, not remembered.
		r.exhausted = cur.Send.Cursor > cur.Send.Total && cur.Send.Queued == 0
		if room > 0 && !r.exhausted && !r.stopping {
			claimed, r.exhausted, err = ns.claim(t, r.inc, &cur, room)
			if err != nil {
				return err
			}
		}
		done = r.exhausted && r.outstanding == 0 && len(claimed) == 0
		if done {
			full, err := t.Notice(r.incidentID, r.noticeID)
			if err != nil {
				return err
			}
			full.Send = cur.Send
			r.inFlight = cur.Send.InFlight
			return ns.finish(t, r.inc, full)
		}
		if err := ns.progress(t, r.inc, &cur, false); err != nil {
			return err
		}
		return t.PutNoticeSend(r.incidentID, r.noticeID, cur.Send)
	})
	if err != nil {
		return nil, false, err
	}
	// Were the connections left without work while this commit ran? Then
	// the window is too small for the server's pace. (Measured before
	// anything else happens, hooks included.)
	starved := !r.first && r.outstanding-len(r.results) < r.workers
	ns.recorded(sent, failed)
	r.gens.settled(r.pending)
	r.pending = r.pending[:0]
	if done {
		return nil, true, nil
	}
	if starved && !r.exhausted && r.window < r.maxWindow {
		r.window = min(2*r.window, r.maxWindow)
	}
	r.first = false
	return claimed, false, nil
}

// send hands the claimed recipients to the workers.
func (r *sendRun) send(claimed []sendJob) {
	for _, j := range claimed {
		j.gen = r.gens.gen
		r.jobs <- j // never blocks: outstanding <= window <= cap(jobs)
		r.outstanding++
		r.gens.current++
		r.gens.handed++
	}
}

// wind stops a send: workers finish the message in hand, recipients
// claimed but never handed over go back to the queue, and the notice is
// paused (with the reason) or left sending to resume later.
func (r *sendRun) wind(ctx context.Context) error {
	ns := r.ns
	r.stopWorkers()
	var unclaimed []int64
	for {
		select {
		case j := <-r.jobs:
			unclaimed = append(unclaimed, j.seq)
			r.outstanding--
			continue
		default:
		}
		break
	}
	var pending []sendResult
	for r.outstanding > 0 {
		pending = append(pending, <-r.results)
		r.outstanding--
	}
	var (
		sent, failed int
		inFlight     int64
	)
	err := ns.svc.update(ctx, func(t *txn) error {
		cur, err := t.Notice(r.incidentID, r.noticeID)
		if err != nil {
			return err
		}
		if sent, failed, err = ns.record(t, cur, pending); err != nil {
			return err
		}
		for _, seq := range unclaimed {
			if err := t.PutDelivery(cur.Incident, cur.ID, seq, Delivery{State: DeliveryQueued, At: t.now}); err != nil {
				return err
			}
			cur.Send.InFlight--
			cur.Send.Queued++
		}
		if r.pauseWhy != "" && cur.State == NoticeSending {
			cur.State, cur.Send.Paused = NoticePaused, r.pauseWhy
			if err := ns.svc.audit(t, "breachbot", "notice.paused", r.inc, map[string]string{"notice": cur.ID, "reason": r.pauseWhy,
				"sent": strconv.FormatInt(cur.Send.Sent, 10)}); err != nil {
				return err
			}
			if err := ns.progress(t, r.inc, cur, true); err != nil {
				return err
			}
		}
		inFlight = cur.Send.InFlight
		return t.PutNotice(cur)
	})
	if err != nil {
		return err
	}
	ns.recorded(sent, failed)
	return ns.resetJournal(r.journalOwned, inFlight)
}
