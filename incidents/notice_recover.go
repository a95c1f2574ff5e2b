package incidents

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Recover settles the recipients that were in flight when the process
// stopped: those the journal says the server accepted are sent; those
// that never reached DATA are pending again; the others are in doubt, and
// queued again (same Message-ID) unless KeepInDoubt. One transaction, then
// the journal is emptied. It must run before any sending starts; it
// returns how many were in flight.
func (ns *NoticeSender) Recover(ctx context.Context) (int64, error) {
	ns.runMu.Lock()
	defer ns.runMu.Unlock()
	var notes JournalNotes
	journal := "none"
	if ns.opt.Journal != nil {
		var err error
		if notes, err = ns.opt.Journal.Notes(); err != nil {
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
				case ns.resendInDoubt():
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
			if ns.resendInDoubt() && n.Send.InDoubt > 0 && (n.State == NoticeSending || n.State == NoticePaused && n.Send.Remaining() == 0 && n.Send.FailedTemporary == 0 && !n.Send.TransportPaused) {
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
				"resend_in_doubt": strconv.FormatBool(ns.resendInDoubt()), "journal": journal}
			if again > 0 {
				details["earlier_in_doubt_resent"] = strconv.FormatInt(again, 10)
			}
			return ns.svc.audit(t, "breachbot", "notice.recovered", inc, details)
		})
	})
	if err != nil {
		return 0, err
	}
	if ns.opt.Journal != nil {
		if err := ns.opt.Journal.Reset(); err != nil {
			return total, fmt.Errorf("recover sending: %w", err)
		}
		ns.journalClean = true
	}
	return total, nil
}
