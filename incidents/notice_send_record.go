package incidents

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

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
	if ns.opt.Recorded != nil && sent+failed > 0 {
		ns.opt.Recorded(sent, failed)
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
		content, err = pr.RenderParts(n.Template, n.LocaleFor(j.r), n.DataFor(n.LocaleFor(j.r)), j.r)
	} else {
		content, err = ns.svc.renderer.Render(n.Template, n.LocaleFor(j.r), n.DataFor(n.LocaleFor(j.r)), j.r)
	}
	if err != nil {
		res.err = &SendError{Permanent: true, Reply: "not rendered: " + RedactAddresses(ErrorMessage(err))}
		res.at = ns.svc.clock.Now()
		return res
	}
	res.err = mailer.Send(ctx, &Mail{To: j.r.Email, Content: content, MessageID: res.messageID, Incident: inc.ID, Date: ns.svc.clock.Now(),
		FromName: n.Data.Company.Name, DataStarting: dataStarting})
	res.at = ns.svc.clock.Now()
	return res
}
