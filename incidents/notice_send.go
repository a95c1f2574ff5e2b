package incidents

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
// power loss), unless ResendInDoubt is false.
type NoticeSender struct {
	svc *Service
	// Window, if set, fixes how many recipients are claimed ahead of the
	// workers. It bounds how many recipients can be in flight, and so
	// in doubt after a power loss, and how many are marked per
	// transaction: too small and the commits, not the mail server, set
	// the pace. At 0 the window adapts: it starts at eight per connection
	// and doubles, up to MaxWindow, whenever the connections ran out of
	// work while a transaction was being committed (a fast local relay).
	// A slow mail server keeps it small.
	Window int
	// MaxWindow caps the adaptive window (0: 32 per connection).
	MaxWindow int
	// ProgressEvery throttles progress notifications.
	ProgressEvery time.Duration
	// PauseAfter consecutive temporary failures pause the send (the server
	// is probably down); notice retry resumes it.
	PauseAfter int
	// Recorded, if set, is called after each commit of send outcomes with
	// how many messages it recorded as sent and as failed (for metrics).
	Recorded func(sent, failed int)
	// Journal notes which messages reached DATA and which the server
	// accepted (nil: after a crash every recipient in flight is in doubt).
	Journal SendJournal
	// ResendInDoubt sends recipients found in doubt after a restart again
	// by themselves (the default); false leaves them in doubt for a
	// person to decide (notice retry --in-doubt).
	ResendInDoubt bool

	runMu sync.Mutex // one send loop at a time
	// journalClean: the journal holds no notes of recipients left in
	// flight by an earlier send (it was reset since); only then may a
	// send rotate or reset it. Guarded by runMu (and set by Recover,
	// which runs before any send).
	journalClean bool

	mu      sync.Mutex
	waiters []chan struct{}
}

// NewNoticeSender returns a sender for svc's notices.
func NewNoticeSender(svc *Service) *NoticeSender {
	return &NoticeSender{svc: svc, ProgressEvery: 10 * time.Second, PauseAfter: 50, ResendInDoubt: true}
}

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

// Recover settles the recipients that were in flight when the process
// stopped: those the journal says the server accepted are sent; those
// that never reached DATA are pending again; the others are in doubt, and
// queued again (same Message-ID) if ResendInDoubt. One transaction, then
// the journal is emptied. It must run before any sending starts; it
// returns how many were in flight.
func (ns *NoticeSender) Recover(ctx context.Context) (int64, error) {
	ns.runMu.Lock()
	defer ns.runMu.Unlock()
	var notes JournalNotes
	journal := "none"
	if ns.Journal != nil {
		var err error
		if notes, err = ns.Journal.Notes(); err != nil {
			return 0, fmt.Errorf("recover sending: %w", err)
		}
		journal = "incomplete (the machine restarted, or the journal is missing)"
		if notes.Complete() {
			journal = "complete"
		}
	}
	handedOver := func(n *Notice, seq int64, attempt int) bool {
		return notes == nil || !notes.Complete() || notes.DataStarted(n.Incident, n.ID, seq, attempt)
	}
	var total int64
	err := ns.svc.update(ctx, func(t *txn) error {
		return t.Notices("", func(n *Notice) error {
			if n.Send == nil || n.Send.InFlight == 0 && n.State != NoticeSending {
				return nil
			}
			var found, sent, pending, resent, doubt int64
			domain := mailDomain(n.Data.Company)
			err := t.Deliveries(n.Incident, n.ID, DeliveryInFlight, func(seq int64, d Delivery) error {
				found++
				d.At = t.now
				var at time.Time
				accepted := false
				if notes != nil {
					at, accepted = notes.Accepted(n.Incident, n.ID, seq, d.Attempts)
				}
				switch {
				case accepted:
					r, err := t.Recipient(n.Recipients.ID, seq)
					if err != nil {
						return err
					}
					tag, err := t.AddressTag(r.Email)
					if err != nil {
						return err
					}
					d.State, d.At, d.MessageID, d.Code, d.Reply = n.Send.okState(), at, MessageID(n.Incident, n.ID, tag, domain), 0, ""
					sent++
				case !handedOver(n, seq, d.Attempts):
					d.State, d.Attempts = DeliveryQueued, max(d.Attempts-1, 0)
					pending++
				case ns.ResendInDoubt:
					d.State, d.Reply = DeliveryQueued, "in doubt after a restart: sent again"
					resent++
				default:
					d.State, d.Reply = DeliveryInDoubt, "breachbot stopped after handing the message over, before the reply"
					doubt++
				}
				return t.PutDelivery(n.Incident, n.ID, seq, d)
			})
			if err != nil {
				return err
			}
			// Recipients left in doubt by an earlier run (a connection that
			// broke after DATA) are sent again too: a restart is when the
			// law's "everyone" is checked, and a copy is folded by Message-ID.
			var again int64
			if ns.ResendInDoubt && n.Send.InDoubt > 0 && (n.State == NoticeSending || n.State == NoticePaused && n.Send.Remaining() == 0 && n.Send.FailedTemporary == 0 && !n.Send.TransportPaused) {
				err := t.Deliveries(n.Incident, n.ID, DeliveryInDoubt, func(seq int64, d Delivery) error {
					d.State, d.Reply, d.At = DeliveryQueued, "in doubt after a restart: sent again", t.now
					again++
					return t.PutDelivery(n.Incident, n.ID, seq, d)
				})
				if err != nil {
					return err
				}
				n.Send.InDoubt -= again
				n.Send.Queued += again
				n.Send.ResentEarlierInDoubt += again
				if again > 0 && n.State == NoticePaused {
					n.State, n.Send.Paused, n.Send.FinishedAt = NoticeSending, "", time.Time{}
				}
			}
			if found == 0 && again == 0 {
				return nil
			}
			n.Send.InFlight -= found
			n.Send.Sent += sent
			n.Send.Queued += pending + resent
			n.Send.InDoubt += doubt
			n.Send.Recovered += found
			n.Send.RecoveredSent += sent
			n.Send.RecoveredPending += pending
			n.Send.ResentInDoubt += resent
			total += found
			if err := t.PutNotice(n); err != nil {
				return err
			}
			inc, err := t.Incident(n.Incident)
			if err != nil {
				return err
			}
			details := map[string]string{"notice": n.ID,
				"in_flight": strconv.FormatInt(found, 10), "sent": strconv.FormatInt(sent, 10), "pending_again": strconv.FormatInt(pending, 10),
				"in_doubt": strconv.FormatInt(resent+doubt, 10), "resent_in_doubt": strconv.FormatInt(resent, 10),
				"resend_in_doubt": strconv.FormatBool(ns.ResendInDoubt), "journal": journal}
			if again > 0 {
				details["earlier_in_doubt_resent"] = strconv.FormatInt(again, 10)
			}
			return ns.svc.audit(t, "breachbot", "notice.recovered", inc, details)
		})
	})
	if err != nil {
		return 0, err
	}
	if ns.Journal != nil {
		if err := ns.Journal.Reset(); err != nil {
			return total, fmt.Errorf("recover sending: %w", err)
		}
		ns.journalClean = true
	}
	return total, nil
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

// journalRotateEvery is how many messages are handed over between journal
// rotations (at 64 bytes of notes each, about 128 KiB a file).
const journalRotateEvery = 2048

// journalGens counts, per journal generation, the recipients handed to the
// workers whose outcome is not yet committed, to know when the previous
// journal file holds only settled notes and may be dropped (Rotate).
type journalGens struct {
	gen            int // current generation
	current, older int // unsettled jobs of the current generation, of older ones
	handed         int // jobs handed in the current generation
}

// settled counts committed outcomes.
func (g *journalGens) settled(results []sendResult) {
	for _, r := range results {
		if r.gen == g.gen {
			g.current--
		} else {
			g.older--
		}
	}
}

// rotate reports whether the journal should rotate now: enough notes, and
// none unsettled in the file Rotate drops. It then moves to the next
// generation.
func (g *journalGens) rotate() bool {
	if g.handed < journalRotateEvery || g.older != 0 {
		return false
	}
	g.gen, g.older, g.current, g.handed = g.gen+1, g.current, 0, 0
	return true
}

// send runs one notice until it is sent, paused or ctx is done.
func (ns *NoticeSender) send(ctx context.Context, incidentID, noticeID string) error {
	svc := ns.svc
	var (
		n   *Notice
		inc *Incident
	)
	err := svc.store.View(ctx, func(tx Tx) error {
		var err error
		if inc, err = tx.Incident(incidentID); err != nil {
			return err
		}
		n, err = tx.Notice(incidentID, noticeID)
		return err
	})
	if err != nil {
		return err
	}
	mailer, paused, err := ns.sendMailer(ctx, inc, n)
	if err != nil || paused {
		return err
	}
	if svc.renderer == nil {
		return ns.pause(ctx, incidentID, noticeID, "no notice templates are configured")
	}
	workers := max(mailer.Connections(), 1)
	window, maxWindow := ns.Window, ns.Window
	if window <= 0 {
		maxWindow = ns.MaxWindow
		if maxWindow <= 0 {
			maxWindow = 32 * workers
		}
		window = min(8*workers, maxWindow)
	}
	domain := mailDomain(n.Data.Company)

	jobs := make(chan sendJob, maxWindow)
	results := make(chan sendResult, maxWindow+workers)
	stop := make(chan struct{})
	// Workers finish the message in hand when the send stops: their context
	// is not cancelled with ctx (the mailer's I/O deadlines bound them).
	wctx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One journal hook per worker, for the job in hand: the mailer
			// calls it while this goroutine waits in Send.
			var (
				j    sendJob
				hook func() error
			)
			if ns.Journal != nil {
				hook = func() error { return ns.Journal.DataStarted(incidentID, noticeID, j.seq, j.attempt) }
			}
			for {
				select {
				case <-stop:
					return
				case next, ok := <-jobs:
					if !ok {
						return
					}
					j = next
					res := ns.deliver(wctx, mailer, inc, n, domain, j, hook)
					res.gen = j.gen
					if res.err == nil && ns.Journal != nil {
						// The reply, noted at once: after a crash only a
						// message between DATA and this note is in doubt.
						if err := ns.Journal.Accepted(incidentID, noticeID, j.seq, j.attempt, res.at); err != nil {
							svc.log.Warn("send journal: the server's acceptance was not noted; a crash before the next commit would leave one recipient in doubt", "err", err)
						}
					}
					results <- res
				}
			}
		}()
	}
	workersDone := make(chan struct{})
	stopOnce := sync.OnceFunc(func() { close(stop) })
	go func() { wg.Wait(); close(workersDone) }()
	defer func() {
		stopOnce()
		<-workersDone
	}()

	var (
		outstanding int
		pending     []sendResult
		exhausted   bool
		stopping    bool
		pauseWhy    string
		inFlight    int64 // left in flight when the send is done
		tempRun     int
		first       = true
		gens        journalGens
		// The journal may be rotated and reset only if no earlier send left
		// notes that are still needed.
		journalOwned = ns.journalClean
	)
	ns.journalClean = false // until this send resets it
	bg := context.WithoutCancel(ctx)
	var lastTemp *SendError
	// take counts a result as it arrives: a run of temporary failures
	// (each counted once, however long it waits for the next commit)
	// pauses the send.
	take := func(r sendResult) {
		pending = append(pending, r)
		outstanding--
		var se *SendError
		if r.err != nil && errors.As(r.err, &se) && !se.Permanent && !se.Uncertain {
			tempRun++
			lastTemp = se
		} else {
			tempRun = 0
		}
	}
	for {
		// Gather what finished meanwhile.
	gather:
		for {
			select {
			case r := <-results:
				take(r)
			default:
				break gather
			}
		}
		if !stopping && ns.PauseAfter > 0 && tempRun >= ns.PauseAfter {
			stopping = true
			pauseWhy = fmt.Sprintf("%d messages in a row failed temporarily; the mail server may be down", tempRun)
			if lastTemp != nil {
				pauseWhy += " (last reply: " + lastTemp.Error() + ")"
			}
		}
		if !stopping && ctx.Err() != nil {
			stopping = true
		}
		room := window - outstanding
		var claimed []sendJob
		// Group commit: wait until half the window is done (or nothing is
		// in flight) before the next transaction, so one commit marks many
		// recipients while the other half keeps the connections busy.
		if first || stopping || outstanding == 0 || (room >= max(1, window/2) && (len(pending) > 0 || !exhausted)) {
			var (
				done         bool
				sent, failed int
			)
			err := svc.update(bg, func(t *txn) error {
				// Only the send state is read and written here; the notice
				// itself is rewritten when the send finishes or pauses.
				send, err := t.NoticeSend(incidentID, noticeID)
				if err != nil {
					return err
				}
				if send == nil {
					return fmt.Errorf("notice %s of %s has no send state", noticeID, incidentID)
				}
				cur := *n
				cur.Send = send
				if first {
					cur.Send.Runs++
					cur.Send.StartedAt, cur.Send.StartedSent = t.now, cur.Send.Sent
				}
				var err2 error
				if sent, failed, err2 = ns.record(t, &cur, pending); err2 != nil {
					return err2
				}
				// A retry may have queued recipients meanwhile: what is left
				// is read from the stored state, not remembered.
				exhausted = cur.Send.Cursor > cur.Send.Total && cur.Send.Queued == 0
				if room > 0 && !exhausted && !stopping {
					claimed, exhausted, err = ns.claim(t, inc, &cur, room)
					if err != nil {
						return err
					}
				}
				done = exhausted && outstanding == 0 && len(claimed) == 0
				if done {
					full, err := t.Notice(incidentID, noticeID)
					if err != nil {
						return err
					}
					full.Send = cur.Send
					inFlight = cur.Send.InFlight
					return ns.finish(t, inc, full)
				}
				if err := ns.progress(t, inc, &cur, false); err != nil {
					return err
				}
				return t.PutNoticeSend(incidentID, noticeID, cur.Send)
			})
			if err != nil {
				return err
			}
			// Were the connections left without work while this commit
			// ran? Then the window is too small for the server's pace.
			// (Measured before anything else happens, hooks included.)
			starved := !first && outstanding-len(results) < workers
			ns.recorded(sent, failed)
			gens.settled(pending)
			pending = pending[:0]
			if done {
				return ns.resetJournal(journalOwned, inFlight)
			}
			if ns.Journal != nil && journalOwned && gens.rotate() {
				if err := ns.Journal.Rotate(); err != nil {
					return fmt.Errorf("notice %s of %s: %w", noticeID, incidentID, err)
				}
			}
			if starved && !exhausted && window < maxWindow {
				window = min(2*window, maxWindow)
			}
			first = false
			for _, j := range claimed {
				j.gen = gens.gen
				jobs <- j // never blocks: outstanding <= window <= cap(jobs)
				outstanding++
				gens.current++
				gens.handed++
			}
		}
		if stopping {
			return ns.wind(bg, incidentID, noticeID, jobs, results, stopOnce, workersDone, outstanding, pauseWhy, inc, journalOwned)
		}
		if len(claimed) == 0 && !(exhausted && outstanding == 0) {
			select {
			case r := <-results:
				take(r)
			case <-ctx.Done():
			}
		}
	}
}

// wind stops a send: workers finish the message in hand, recipients
// claimed but never handed over go back to the queue, and the notice is
// paused (with the reason) or left sending to resume later.
func (ns *NoticeSender) wind(ctx context.Context, incidentID, noticeID string, jobs chan sendJob, results chan sendResult,
	stopWorkers func(), workersDone chan struct{}, outstanding int, pauseWhy string, inc *Incident, journalOwned bool) error {
	stopWorkers()
	<-workersDone
	var unclaimed []int64
	for {
		select {
		case j := <-jobs:
			unclaimed = append(unclaimed, j.seq)
			outstanding--
			continue
		default:
		}
		break
	}
	var pending []sendResult
	for outstanding > 0 {
		pending = append(pending, <-results)
		outstanding--
	}
	var (
		sent, failed int
		inFlight     int64
	)
	err := ns.svc.update(ctx, func(t *txn) error {
		cur, err := t.Notice(incidentID, noticeID)
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
		if pauseWhy != "" && cur.State == NoticeSending {
			cur.State, cur.Send.Paused = NoticePaused, pauseWhy
			if err := ns.svc.audit(t, "breachbot", "notice.paused", inc, map[string]string{"notice": cur.ID, "reason": pauseWhy,
				"sent": strconv.FormatInt(cur.Send.Sent, 10)}); err != nil {
				return err
			}
			if err := ns.progress(t, inc, cur, true); err != nil {
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
	return ns.resetJournal(journalOwned, inFlight)
}

// resetJournal empties the journal once nothing is in flight: its notes
// are needed only for recipients in flight. (Recipients left in flight by
// a send that stopped on an error keep theirs for the next restart: the
// journal is then not reset, nor rotated, until Recover.)
func (ns *NoticeSender) resetJournal(owned bool, inFlight int64) error {
	if ns.Journal == nil || !owned || inFlight != 0 {
		return nil
	}
	if err := ns.Journal.Reset(); err != nil {
		return err
	}
	ns.journalClean = true
	return nil
}

func (ns *NoticeSender) pause(ctx context.Context, incidentID, noticeID, why string) error {
	return ns.svc.update(ctx, func(t *txn) error {
		cur, err := t.Notice(incidentID, noticeID)
		if err != nil {
			return err
		}
		inc, err := t.Incident(incidentID)
		if err != nil {
			return err
		}
		cur.State, cur.Send.Paused = NoticePaused, why
		if err := ns.progress(t, inc, cur, true); err != nil {
			return err
		}
		if err := t.PutNotice(cur); err != nil {
			return err
		}
		return ns.svc.audit(t, "breachbot", "notice.paused", inc, map[string]string{"notice": cur.ID, "reason": why})
	})
}

// deliver renders and hands over one message.
func (ns *NoticeSender) deliver(ctx context.Context, mailer Mailer, inc *Incident, n *Notice, domain string, j sendJob, dataStarting func() error) sendResult {
	res := sendResult{seq: j.seq, messageID: MessageID(inc.ID, n.ID, j.tag, domain)}
	var (
		content *MailContent
		err     error
	)
	if pr, ok := ns.svc.renderer.(PartsRenderer); ok {
		content, err = pr.RenderParts(n.Template, n.LocaleFor(j.r), n.Data, j.r)
	} else {
		content, err = ns.svc.renderer.Render(n.Template, n.LocaleFor(j.r), n.Data, j.r)
	}
	if err != nil {
		res.err = &SendError{Permanent: true, Reply: "not rendered: " + RedactAddresses(ErrorMessage(err))}
		res.at = ns.svc.clock.Now()
		return res
	}
	res.err = mailer.Send(ctx, &Mail{To: j.r.Email, Content: content, MessageID: res.messageID, Incident: inc.ID, Date: ns.svc.clock.Now(),
		DataStarting: dataStarting})
	res.at = ns.svc.clock.Now()
	return res
}

// claim marks up to k recipients in flight: first those queued again, then
// those never tried. It reports when none is left to claim.
func (ns *NoticeSender) claim(t *txn, inc *Incident, n *Notice, k int) ([]sendJob, bool, error) {
	var seqs []int64
	err := t.Deliveries(n.Incident, n.ID, DeliveryQueued, func(seq int64, _ Delivery) error {
		if len(seqs) >= k {
			return ErrStop
		}
		seqs = append(seqs, seq)
		n.Send.Queued--
		return nil
	})
	if err != nil && !errors.Is(err, ErrStop) {
		return nil, false, err
	}
	requeued := len(seqs)
	for len(seqs) < k && n.Send.Cursor <= n.Send.Total {
		seqs = append(seqs, n.Send.Cursor)
		n.Send.Cursor++
	}
	jobs := make([]sendJob, 0, len(seqs))
	for i, seq := range seqs {
		r, err := t.Recipient(n.Recipients.ID, seq)
		if err != nil {
			return nil, false, err
		}
		tag, err := t.AddressTag(r.Email)
		if err != nil {
			return nil, false, err
		}
		var d Delivery
		if i < requeued { // tried before: keep its attempts
			if d, _, err = t.Delivery(n.Incident, n.ID, seq); err != nil {
				return nil, false, err
			}
		}
		d.State, d.At, d.Attempts = DeliveryInFlight, t.now, d.Attempts+1
		if err := t.PutDelivery(n.Incident, n.ID, seq, d); err != nil {
			return nil, false, err
		}
		n.Send.InFlight++
		jobs = append(jobs, sendJob{seq: seq, attempt: d.Attempts, r: r, tag: tag})
	}
	exhausted := n.Send.Cursor > n.Send.Total && n.Send.Queued == 0
	return jobs, exhausted, nil
}

// record stores the outcome of handed-over messages.
func (ns *NoticeSender) record(t *txn, n *Notice, results []sendResult) (sent, failed int, err error) {
	for _, r := range results {
		d, _, err := t.Delivery(n.Incident, n.ID, r.seq)
		if err != nil {
			return 0, 0, err
		}
		if d.State != DeliveryInFlight {
			continue
		}
		d.At, d.MessageID = r.at, r.messageID
		var se *SendError
		switch {
		case r.err == nil:
			d.State, d.Code, d.Reply = n.Send.okState(), 0, ""
			n.Send.Sent++
			sent++
		case errors.As(r.err, &se) && se.Permanent:
			d.State, d.Code, d.Reply = DeliveryPermanent, se.Code, truncate(se.Reply, 300)
			n.Send.FailedPermanent++
			failed++
		case errors.As(r.err, &se) && !se.Uncertain:
			d.State, d.Code, d.Reply = DeliveryTemporary, se.Code, truncate(se.Reply, 300)
			n.Send.FailedTemporary++
			failed++
		default:
			// The message may have been delivered: never resent unasked.
			d.State, d.Reply = DeliveryInDoubt, truncate(RedactAddresses(r.err.Error()), 300)
			if se != nil {
				d.Code = se.Code
			}
			n.Send.InDoubt++
		}
		n.Send.InFlight--
		if err := t.PutDelivery(n.Incident, n.ID, r.seq, d); err != nil {
			return 0, 0, err
		}
	}
	return sent, failed, nil
}

// recorded reports committed outcomes to the Recorded hook.
func (ns *NoticeSender) recorded(sent, failed int) {
	if ns.Recorded != nil && sent+failed > 0 {
		ns.Recorded(sent, failed)
	}
}

// finish records that every recipient was attempted: the notice is sent,
// or, if some are in doubt, paused for a person to decide.
func (ns *NoticeSender) finish(t *txn, inc *Incident, n *Notice) error {
	n.State = NoticeSent
	n.Send.FinishedAt = t.now
	event := "notice.sent"
	if n.Send.InDoubt > 0 {
		n.State, event = NoticePaused, "notice.finished_in_doubt"
		n.Send.Paused = fmt.Sprintf("%d in doubt (handed to the mail server, no reply recorded): /breach notice retry %s --in-doubt sends them again with the same Message-ID",
			n.Send.InDoubt, n.ID)
	}
	if err := ns.progress(t, inc, n, true); err != nil {
		return err
	}
	if err := t.PutNotice(n); err != nil {
		return err
	}
	details := map[string]string{"notice": n.ID, "sent": strconv.FormatInt(n.Send.Sent, 10),
		"failed_permanent": strconv.FormatInt(n.Send.FailedPermanent, 10), "failed_temporary": strconv.FormatInt(n.Send.FailedTemporary, 10),
		"in_doubt": strconv.FormatInt(n.Send.InDoubt, 10)}
	if n.Send.Sandbox != "" {
		details["sandbox"] = n.Send.Sandbox
	}
	return ns.svc.audit(t, "breachbot", event, inc, details)
}

// progress enqueues a progress notification, at most every ProgressEvery
// unless final.
func (ns *NoticeSender) progress(t *txn, inc *Incident, n *Notice, final bool) error {
	s := n.Send
	if !final && !s.LastProgressAt.IsZero() && t.now.Sub(s.LastProgressAt) < ns.ProgressEvery {
		return nil
	}
	s.LastProgressAt = t.now
	s.ProgressSeq++
	info := ProgressInfo(n, t.now)
	text := fmt.Sprintf("Notice %s of %s: %s, %d failed, %d remaining", n.ID, inc.ID, SendCounts(s), info.Failed, info.Remaining)
	switch {
	case info.Done:
		text = fmt.Sprintf("Notice %s of %s is %s: %s, %d failed", n.ID, inc.ID, s.doneWord(), SendCounts(s), info.Failed)
	case info.Paused != "" && info.Remaining == 0:
		// Nothing left to try, and some in doubt: a person decides.
		text = fmt.Sprintf("Notice %s of %s is NOT finished: %s; %s, %d failed", n.ID, inc.ID, info.Paused, SendCounts(s), info.Failed)
	case info.Paused != "":
		text += "; PAUSED: " + info.Paused
		if !s.TransportPaused { // that one resumes on its relay, not by a retry
			text += " (/breach notice retry " + n.ID + " resumes)"
		}
	case info.Rate > 0:
		text += fmt.Sprintf(" (%.0f/s, about %s left)", info.Rate, HumanDuration(info.ETA))
	}
	if info.InDoubt > 0 && info.Paused == "" {
		text += fmt.Sprintf("; %d in doubt", info.InDoubt)
	}
	return t.enqueue(Notification{
		ID: fmt.Sprintf("notice-progress:%s:%s:%d", inc.ID, n.ID, s.ProgressSeq), UpdateKey: "notice-progress:" + inc.ID + ":" + n.ID,
		Kind: NotifyNoticeProgress, Audience: AudienceIncident, Incident: inc.ID, Title: inc.Title, Drill: inc.Drill,
		Text: text, Notice: info,
	})
}

// ProgressInfo summarises a notice's sending for a progress message.
func ProgressInfo(n *Notice, now time.Time) *NoticeInfo {
	info := &NoticeInfo{ID: n.ID, State: n.State, Recipients: n.Recipients.Count, ContentHash: n.ContentHash}
	s := n.Send
	if s == nil {
		return info
	}
	info.Sent, info.Failed, info.InDoubt = s.Sent, s.FailedPermanent+s.FailedTemporary, s.InDoubt
	info.Remaining, info.Paused, info.Sandbox = s.Remaining(), s.Paused, s.Sandbox
	info.Done = n.State == NoticeSent && s.Unsettled() == 0
	if el := now.Sub(s.StartedAt); !s.StartedAt.IsZero() && el > 0 && s.Sent > s.StartedSent {
		info.Rate = float64(s.Sent-s.StartedSent) / el.Seconds()
		info.ETA = time.Duration(float64(info.Remaining) / info.Rate * float64(time.Second)).Round(time.Second)
	}
	return info
}
