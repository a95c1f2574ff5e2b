package incidents

import (
	"context"
	"strconv"
	"time"
)

// SendNotice starts sending an approved notice to its recipients; the
// NoticeSender does the sending, durably and resumably. Drills go to the
// sandbox, never to customers.
func (s *Service) SendNotice(ctx context.Context, actor, id, noticeID string) (*NoticeResult, error) {
	res, err := s.noticeAction(ctx, actor, ActSend, id, noticeID, true, func(t *txn, inc *Incident, n *Notice, _ []string) error {
		switch {
		case n.State == NoticeSending || n.State == NoticeSent || n.State == NoticePaused:
			return Errorf(ECONFLICT, "notice %s is already %s", n.ID, n.State).WithHint("/breach notice status %s; /breach notice retry %s re-queues temporary failures", n.ID, n.ID)
		case n.State != NoticeApproved || n.Approval == nil:
			return stateConflict(n, "sent before legal approves it", "/breach notice submit "+n.ID+", then someone in legal: /breach notice approve "+n.ID)
		case n.Test == nil || n.Test.ContentHash != n.ContentHash:
			return Errorf(ECONFLICT, "notice %s has not been test-sent; send it to your own address first and check it", n.ID).
				WithHint("/breach notice test --to you@example.com, then /breach notice test --confirm")
		case n.Test.ConfirmedAt.IsZero():
			return Errorf(ECONFLICT, "the test message of notice %s is not confirmed yet", n.ID).
				WithHint("check that it arrived and looks right, then %s runs /breach notice test --confirm", n.Test.By)
		}
		m, err := s.noticeMailer(inc)
		if err != nil {
			return err
		}
		n.State = NoticeSending
		n.Send = &SendState{RequestedBy: actor, RequestedAt: t.now, Cursor: 1, Total: n.Recipients.Count,
			Transport: m.Describe(), Folder: mailerFolder(m)}
		if inc.Drill {
			n.Send.Sandbox = m.Describe()
		}
		if err := t.PutNotice(n); err != nil {
			return err
		}
		details := map[string]string{"notice": n.ID, "recipients": strconv.FormatInt(n.Recipients.Count, 10), "content_hash": n.ContentHash,
			"recipients_hash": n.Recipients.Hash, "approved_by": n.Approval.By, "transport": m.Describe()}
		if inc.Drill {
			details["sandbox"] = m.Describe()
		}
		return s.audit(t, actor, "notice.send_started", inc, details)
	})
	if err != nil {
		return nil, err
	}
	res.Where, res.Folder = res.Notice.Send.Transport, res.Notice.Send.Folder
	wake(s.noticeWake)
	return res, nil
}

// noticeMailer is where an incident's notices go: the sandbox for drills.
func (s *Service) noticeMailer(inc *Incident) (Mailer, error) {
	if inc.Drill {
		if s.sandbox == nil {
			return nil, Errorf(EINVALID, "%s is a drill, and drill notices go only to a sandbox, which is not configured", inc.ID).
				WithHint("set sandbox_address in breachbot.yaml, or run without SMTP_ADDR to write .eml files")
		}
		return s.sandbox, nil
	}
	if s.mailer == nil {
		return nil, noRelay()
	}
	return s.mailer, nil
}

// noRelay refuses to send notices without a mail relay, saying how to
// configure one.
func noRelay() error {
	return Errorf(ECONFLICT, "breachbot has no mail relay configured, so it sends no notices").
		WithHint("set SMTP_ADDR (host:port of your relay), SMTP_FROM (the sender address) and SMTP_TLS (starttls, tls or none), with SMTP_USERNAME and SMTP_PASSWORD if it needs them, and restart; for an air-gapped hand-off instead, set outbox: FOLDER in breachbot.yaml")
}

// NoticeStatus returns an incident's notices and the chosen (or latest) one.
func (s *Service) NoticeStatus(ctx context.Context, actor, id, noticeID string) (*NoticeResult, error) {
	if _, err := s.authorize(ctx, actor, ActView, id); err != nil {
		return nil, err
	}
	var res NoticeResult
	err := s.store.View(ctx, func(tx Tx) error {
		inc, err := tx.Incident(id)
		if err != nil {
			return err
		}
		res.Incident = inc
		if err := tx.Notices(inc.ID, func(n *Notice) error { res.Notices = append(res.Notices, n); return nil }); err != nil {
			return err
		}
		if len(res.Notices) == 0 && noticeID == "" {
			return nil
		}
		res.Notice, err = findNotice(tx, inc, noticeID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// RetryNotice queues again the recipients whose message failed
// temporarily, and with inDoubt also those in doubt, who may have
// received it already (a person asked for it; same Message-ID).
func (s *Service) RetryNotice(ctx context.Context, actor, id, noticeID string, inDoubt bool) (*NoticeResult, error) {
	res, err := s.noticeAction(ctx, actor, ActSend, id, noticeID, false, func(t *txn, inc *Incident, n *Notice, _ []string) error {
		if n.Send == nil {
			return stateConflict(n, "retried", "a notice is retried after it was sent: /breach notice status")
		}
		states := []DeliveryState{DeliveryTemporary}
		if inDoubt {
			states = append(states, DeliveryInDoubt)
		}
		var requeued int64
		for _, st := range states {
			err := t.Deliveries(inc.ID, n.ID, st, func(seq int64, d Delivery) error {
				d.State = DeliveryQueued
				requeued++
				if st == DeliveryTemporary {
					n.Send.FailedTemporary--
				} else {
					n.Send.InDoubt--
				}
				n.Send.Queued++
				return t.PutDelivery(inc.ID, n.ID, seq, d)
			})
			if err != nil {
				return err
			}
		}
		// A paused notice resumes if some recipients were never tried; one
		// paused only for recipients in doubt needs --in-doubt.
		if requeued == 0 && (n.State != NoticePaused || n.Send.Remaining() == 0) {
			what := "temporary failures"
			if inDoubt {
				what = "temporary failures or recipients in doubt"
			}
			err := Errorf(ECONFLICT, "notice %s has no %s to retry", n.ID, what)
			if n.Send.InDoubt > 0 && !inDoubt {
				return err.WithHint("%d are in doubt (they may have it already): /breach notice retry %s --in-doubt sends them again with the same Message-ID", n.Send.InDoubt, n.ID)
			}
			return err.WithTry("notice status %s", n.ID)
		}
		n.State, n.Send.Paused, n.Send.TransportPaused, n.Send.FinishedAt = NoticeSending, "", false, time.Time{}
		if err := t.PutNotice(n); err != nil {
			return err
		}
		return s.audit(t, actor, "notice.retried", inc, map[string]string{"notice": n.ID, "requeued": strconv.FormatInt(requeued, 10),
			"in_doubt": strconv.FormatBool(inDoubt)})
	})
	if err != nil {
		return nil, err
	}
	wake(s.noticeWake)
	return res, nil
}
