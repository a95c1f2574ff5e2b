package incidents_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

func (e *env) fire() int {
	e.t.Helper()
	n, _, err := e.svc.FireDue(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) drain(rec *recorder) {
	e.t.Helper()
	if _, err := incidents.NewDispatcher(e.svc, rec).Drain(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func describe(ns []incidents.Notification) []string {
	var out []string
	for _, n := range ns {
		s := fmt.Sprintf("%s %s %s %s", n.Kind, n.Audience, n.Obligation, n.Label)
		if n.Late > 0 {
			s += " late " + n.Late.String()
		}
		out = append(out, s)
	}
	return out
}

func TestRemindersFireOnceAcrossRestartsInDueOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := newRecorder()
	inc := e.declare(t0, "jurisdictions=DE")

	e.clock.Advance(36*time.Hour - time.Second)
	if n := e.fire(); n != 0 {
		t.Fatalf("%d alarms fired a second early", n)
	}
	e.clock.Advance(time.Second)
	if n := e.fire(); n != 1 {
		t.Fatalf("at 50%% of the window %d alarms fired, want 1", n)
	}
	// Crash before delivery: the reminder is in the outbox, not lost.
	e.reopen()
	if n := e.fire(); n != 0 {
		t.Fatalf("after restart %d alarms fired again", n)
	}
	e.drain(rec)
	e.drain(rec)
	if diff := cmp.Diff([]string{"reminder incident sa72 50%"}, describe(rec.notifications(incidents.NotifyReminder))); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}

	// Down from 36 h to 73 h after awareness: everything due meanwhile fires
	// once at start-up, in due order, saying how late it is.
	e.store.Close()
	e.clock.Advance(37 * time.Hour)
	e.open()
	e.fire()
	e.drain(rec)
	want := []string{
		"reminder incident sa72 50%",
		"reminder incident sa72 24h late 25h0m0s",
		"reminder incident sa72 1h late 2h0m0s",
		"escalation incident sa72 due late 1h0m0s",
		"escalation leads sa72 due late 1h0m0s",
	}
	if diff := cmp.Diff(want, describe(rec.notifications(incidents.NotifyReminder, incidents.NotifyEscalation))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	o := obligation(t, e.get(inc.ID), "sa72")
	if o.Status != incidents.ObligationMissed || !o.MissedAt.Equal(t0.Add(72*time.Hour)) || o.Phase() != incidents.PhaseMissed {
		t.Errorf("sa72 = %s missed at %v", o.Status, o.MissedAt)
	}
	// Another restart fires and sends nothing more.
	e.reopen()
	e.fire()
	e.drain(rec)
	if got := len(rec.notifications(incidents.NotifyReminder, incidents.NotifyEscalation)); got != len(want) {
		t.Errorf("after another restart %d notifications, want %d", got, len(want))
	}
	// Met late, with reasons, it leaves the missed state.
	res, err := e.svc.Met(context.Background(), "Ulegal", inc.ID, incidents.MetInput{Obligation: "sa72", Reference: "CNIL-9", DelayReason: "outage"})
	if err != nil {
		t.Fatal(err)
	}
	if o := obligation(t, res.Incident, "sa72"); o.Phase() != incidents.PhaseMet || o.Late() != time.Hour {
		t.Errorf("after late met: %s late %v", o.Phase(), o.Late())
	}
}

func TestCorrectingAwarenessReschedules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := newRecorder()
	inc := e.declare(t0, "jurisdictions=DE")
	// Awareness was really 60 h earlier: the 50% and 24 h reminders are past
	// and dropped; the 1 h reminder and the escalation move.
	res, err := e.svc.RecordEvent(context.Background(), "Uresp", inc.ID, "awareness", t0.Add(-60*time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range obligation(t, res.Incident, "sa72").Alarms {
		got = append(got, a.Label+"@"+a.At.Sub(t0).String())
	}
	if diff := cmp.Diff([]string{"1h@11h0m0s", "due@12h0m0s"}, got); diff != "" {
		t.Errorf("alarms (-want +got):\n%s", diff)
	}
	e.clock.Advance(11 * time.Hour)
	e.fire()
	e.drain(rec)
	if diff := cmp.Diff([]string{"reminder incident sa72 1h"}, describe(rec.notifications(incidents.NotifyReminder))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

type retryLater struct{ d time.Duration }

func (r retryLater) Error() string             { return "rate limited" }
func (r retryLater) RetryAfter() time.Duration { return r.d }

func TestDispatcherRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := newRecorder()
	e.declare(t0, "jurisdictions=DE")
	e.clock.Advance(36 * time.Hour)
	e.fire()

	rec.fail = retryLater{30 * time.Second}
	next, err := incidents.NewDispatcher(e.svc, rec).Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := e.clock.Now().Add(30 * time.Second); !next.Equal(want) {
		t.Errorf("next attempt %v, want %v (Retry-After)", next, want)
	}
	rec.fail = errors.New("slack is down")
	e.clock.Advance(30 * time.Second)
	next, _ = incidents.NewDispatcher(e.svc, rec).Drain(context.Background())
	if want := e.clock.Now().Add(2 * time.Second); !next.Equal(want) {
		t.Errorf("second backoff: next %v, want %v", next, want)
	}
	// Still queued across a restart; delivered once when the notifier recovers.
	e.reopen()
	rec.fail = nil
	e.clock.Advance(2 * time.Second)
	e.drain(rec)
	e.drain(rec)
	if got := describe(rec.notifications(incidents.NotifyReminder)); len(got) != 1 {
		t.Errorf("delivered %v, want the reminder once", got)
	}
}

func TestSchedulerRunSleepsUntilNextAlarm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { incidents.NewScheduler(e.svc).Run(ctx); done <- struct{}{} }()
	go func() { incidents.NewDispatcher(e.svc, rec).Run(ctx); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()

	e.declare(t0, "jurisdictions=DE")
	// The scheduler is woken by the declaration and sleeps on one timer for
	// the first reminder.
	waitCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	if err := e.clock.BlockUntil(waitCtx, 1); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(36 * time.Hour)
	select {
	case <-rec.seen:
	case <-waitCtx.Done():
		t.Fatal("the 50% reminder was not delivered")
	}
	var boards int
	for _, n := range rec.notifications(incidents.NotifyReminder) {
		if n.Label == "50%" && n.Late == 0 {
			boards++
		}
	}
	if boards != 1 {
		t.Errorf("got %v", describe(rec.notifications(incidents.NotifyReminder)))
	}
}
