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
	window, maxWindow := ns.opt.Window, ns.opt.Window
	if window <= 0 {
		maxWindow = ns.opt.MaxWindow
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
			if ns.opt.Journal != nil {
				hook = func() error { return ns.opt.Journal.DataStarted(incidentID, noticeID, j.seq, j.attempt) }
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
					if res.err == nil && ns.opt.Journal != nil {
						// The reply, noted at once: after a crash only a
						// message between DATA and this note is in doubt.
						if err := ns.opt.Journal.Accepted(incidentID, noticeID, j.seq, j.attempt, res.at); err != nil {
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
		if !stopping && ns.opt.PauseAfter > 0 && tempRun >= ns.opt.PauseAfter {
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
			if ns.opt.Journal != nil && journalOwned && gens.rotate() {
				if err := ns.opt.Journal.Rotate(); err != nil {
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
	if ns.opt.Journal == nil || !owned || inFlight != 0 {
		return nil
	}
	if err := ns.opt.Journal.Reset(); err != nil {
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
