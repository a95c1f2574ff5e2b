package incidents

import (
	"context"
	"fmt"
	"time"
)

// fireBatch bounds the alarms fired in one transaction, so a backlog after
// downtime, or a second in which hundreds come due, is worked off in
// several short transactions: each rewrites its incidents while holding
// the database's one writer, and the dispatcher delivering the first
// ones needs it too.
const fireBatch = 32

// lateThreshold is how late an alarm may fire before its message says so.
const lateThreshold = time.Minute

// FireDue fires every alarm due now, in due order, each exactly once: the
// alarm is removed from the schedule, its effect applied (an escalation marks
// the obligation missed) and its notification queued in the same
// transaction. It returns how many fired and when the next alarm is due
// (zero if none).
func (s *Service) FireDue(ctx context.Context) (int, time.Time, error) {
	total := 0
	for {
		var (
			n    int
			next time.Time
		)
		err := s.update(ctx, func(t *txn) error {
			alarms, err := t.DueAlarms(t.now, fireBatch)
			if err != nil {
				return err
			}
			n = len(alarms)
			cache := map[string]*Incident{}
			for _, a := range alarms {
				if err := t.Unschedule(a); err != nil {
					return err
				}
				inc, ok := cache[a.Incident]
				if !ok {
					inc, err = t.Incident(a.Incident)
					if ErrorCode(err) == ENOTFOUND {
						s.log.Warn("alarm for unknown incident dropped", "incident", a.Incident, "obligation", a.Obligation)
						continue
					} else if err != nil {
						return err
					}
					cache[a.Incident] = inc
				}
				if err := s.fire(t, inc, a); err != nil {
					return err
				}
			}
			for _, inc := range cache {
				inc.Rev++
				if err := t.PutIncident(inc); err != nil {
					return err
				}
			}
			a, ok, err := t.NextAlarm()
			if ok {
				next = a.At
			}
			return err
		})
		if err != nil {
			return total, time.Time{}, fmt.Errorf("fire due alarms: %w", err)
		}
		total += n
		if n < fireBatch {
			return total, next, nil
		}
	}
}

// fire applies one alarm to its incident and queues its notifications.
func (s *Service) fire(t *txn, inc *Incident, a Alarm) error {
	o, ok := inc.Obligation(a.Obligation)
	if !ok {
		return nil
	}
	idx := -1
	for i, b := range o.Alarms {
		if b.Same(a) {
			idx = i
		}
	}
	if idx < 0 {
		return nil // superseded by a later change; nothing to do
	}
	o.Alarms = append(o.Alarms[:idx], o.Alarms[idx+1:]...)
	if o.Status != ObligationOpen || o.Applies != Applies {
		return nil
	}
	pb, err := s.pinned(t, inc.Playbook.Key)
	if err != nil {
		return err
	}
	var reg Regulation
	for _, r := range pb.Obligations {
		if r.ID == o.ID {
			reg = r.Regulation
		}
	}
	n := Notification{
		Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Audience: AudienceIncident,
		Obligation: o.ID, ObligationTitle: reg.Title, Law: reg.Law, Status: reg.Status,
		Due: o.Due, DueZone: reg.DueZone(), Label: a.Label, AlarmAt: a.At, FiredAt: t.now,
	}
	if late := t.now.Sub(a.At); late > lateThreshold {
		n.Late = late
	}
	key := fmt.Sprintf("%s:%s:%s:%s:%d", inc.ID, o.ID, a.Kind, a.Label, a.At.Unix())
	details := map[string]string{"obligation": o.ID, "kind": a.Kind, "label": a.Label, "due": o.Due.Format(time.RFC3339)}
	if n.Late > 0 {
		details["late_by"] = n.Late.Round(time.Second).String()
	}
	switch a.Kind {
	case AlarmRemind:
		n.ID, n.Kind = "remind:"+key, NotifyReminder
		n.Text = fmt.Sprintf("Reminder: %s (%s) for %s is due in %s, at %s.", reg.Title, o.ID, inc.ID,
			HumanDuration(o.Due.Sub(t.now)), o.Due.Format(time.RFC3339))
		if err := t.enqueue(n); err != nil {
			return err
		}
		return s.audit(t, "breachbot", "reminder.fired", inc, details)
	case AlarmEscalate:
		o.Status, o.MissedAt = ObligationMissed, o.Due
		n.Kind, n.Lead = NotifyEscalation, inc.LeadUser()
		n.Text = fmt.Sprintf("MISSED: %s (%s) for %s was due at %s and is not recorded as met.", reg.Title, o.ID, inc.ID, o.Due.Format(time.RFC3339))
		for _, aud := range []string{AudienceIncident, AudienceLeads} {
			n.ID, n.Audience = "escalate:"+aud+":"+key, aud
			if err := t.enqueue(n); err != nil {
				return err
			}
		}
		return s.audit(t, "breachbot", "obligation.missed", inc, details)
	}
	return fmt.Errorf("alarm of unknown kind %q", a.Kind)
}

// Scheduler fires alarms when they come due. It sleeps until the next alarm
// (or until a transaction schedules an earlier one) and never scans
// incidents, so it uses no CPU while nothing is due.
type Scheduler struct {
	svc *Service
}

// NewScheduler returns the scheduler of svc. Run it once.
func NewScheduler(svc *Service) *Scheduler { return &Scheduler{svc: svc} }

// Run fires due alarms until ctx is done. After downtime, everything that
// came due while the process was down fires first, in due order.
func (sc *Scheduler) Run(ctx context.Context) error {
	return runUntil(ctx, sc.svc, sc.svc.schedulerWake, "scheduler", func(ctx context.Context) (time.Time, error) {
		fired, next, err := sc.svc.FireDue(ctx)
		if fired > 0 {
			sc.svc.log.Debug("alarms fired", "count", fired)
		}
		return next, err
	})
}

// runUntil calls step, then sleeps until the time it returns (zero: until
// woken), a wake-up, or ctx is done, and again, until ctx is done. A failed
// step is logged and retried after a second.
func runUntil(ctx context.Context, svc *Service, wake <-chan struct{}, name string, step func(context.Context) (time.Time, error)) error {
	clock := svc.clock
	for {
		next, err := step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			svc.log.Error(name, "err", err)
			next = clock.Now().Add(time.Second)
		}
		var (
			timer Timer
			c     <-chan time.Time
		)
		if !next.IsZero() {
			timer = clock.NewTimer(next.Sub(clock.Now()))
			c = timer.C()
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-c:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}
