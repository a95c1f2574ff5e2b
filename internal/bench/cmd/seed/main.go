// Command seed writes a breachbot database for the timers benchmark
// (scripts/bench/timers.sh): open incidents, each with a Slack channel and
// its pinned checklist and board recorded, and pending reminders, most of
// them far ahead and one per incident due within one minute shortly after
// the seed ends.
//
// The first incident is declared through the Service, as `serve` would,
// three days after the company became aware; the others are copies of it
// (new id, channel and title, every time shifted back 37 s per incident)
// written through boltstore's own API in large transactions without
// fsync, so the data is what `serve` would have written, made in seconds
// instead of hours. The Slack records are the JSON
// that notifiers/slack writes for a channel that is set up.
//
//	seed -db bench.db -incidents 10000 -reminders 1000000 -due 10000 -due-after 30s
//
// It prints the time the first of the due reminders fires (RFC 3339).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/playbooktest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

// options are the command line's.
type options struct {
	db          string
	incidents   int
	reminders   int
	due         int
	dueAfter    time.Duration
	obligations int
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.StringVar(&o.db, "db", "", "database file to create (must not exist)")
	fs.IntVar(&o.incidents, "incidents", 10000, "open incidents")
	fs.IntVar(&o.reminders, "reminders", 1000000, "pending reminders and escalations in all")
	fs.IntVar(&o.due, "due", 10000, "how many of them (one per incident) fall due in one minute")
	fs.DurationVar(&o.dueAfter, "due-after", 30*time.Second, "when that minute starts, after the seed ends")
	fs.IntVar(&o.obligations, "obligations", 5, "running legal clocks per incident")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.db == "":
		return o, errors.New("-db is required")
	case o.incidents < 1:
		return o, errors.New("-incidents must be at least 1")
	case o.obligations < 1:
		return o, errors.New("-obligations must be at least 1")
	case o.reminders%(o.incidents*o.obligations) != 0 || o.reminders/(o.incidents*o.obligations) < 2:
		return o, fmt.Errorf("-reminders %d must be a multiple of incidents × obligations (%d), at least 2 per obligation", o.reminders, o.incidents*o.obligations)
	case o.due < 0 || o.due > o.incidents:
		return o, fmt.Errorf("-due %d must be between 0 and the number of incidents", o.due)
	}
	if _, err := os.Stat(o.db); err == nil {
		return o, fmt.Errorf("%s exists; seed writes a new database", o.db)
	}
	return o, nil
}

// benchPlaybook has obligations clocks, each with perObligation-1
// reminders (1 h, 2 h, ... before it is due) and its escalation. The
// deadlines are months away, so nothing but the reminders moved by seed
// fires during a benchmark.
func benchPlaybook(obligations, perObligation int) *incidents.Playbook {
	var rem []incidents.ReminderSpec
	for h := 1; h < perObligation; h++ {
		rem = append(rem, incidents.ReminderSpec{Before: time.Duration(h) * time.Hour})
	}
	pb := &incidents.Playbook{
		ID: "bench-timers", Version: "1", Title: "Timers benchmark", SHA256: "bench-timers-" + strconv.Itoa(perObligation),
		Catalog:   incidents.CatalogRef{SHA256: "bench"},
		Facts:     []incidents.FactDef{{Name: "affected", Type: incidents.FactNumber}},
		Events:    []incidents.EventDef{{Name: incidents.EventAwareness}},
		Steps:     []incidents.StepDef{{ID: "triage", Title: "Triage", Owner: incidents.RoleResponders}, {ID: "contain", Title: "Contain", Owner: incidents.RoleResponders, Requires: []string{"triage"}}},
		Reminders: rem,
	}
	for k := range obligations {
		id := fmt.Sprintf("clock%d", k+1)
		pb.Obligations = append(pb.Obligations, incidents.ObligationRule{ID: id, Regulation: incidents.Regulation{
			ID: id, Title: fmt.Sprintf("Clock %d", k+1), Law: "Bench", Status: incidents.StatusInForce,
			Deadline: incidents.Deadline{Start: incidents.EventAwareness, Amount: 2000 + 200*k, Unit: incidents.UnitHours}}})
	}
	return pb
}

func run(args []string, stdout io.Writer, now time.Time) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	store, err := boltstore.Open(o.db)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.SetNoSync(true); err != nil {
		return err
	}
	ctx := context.Background()
	pb := benchPlaybook(o.obligations, o.reminders/(o.incidents*o.obligations))
	svc := incidents.NewService(incidents.Config{Store: store, Playbooks: playbooktest.Static{pb}})
	res, err := svc.Declare(ctx, "U0LEAD", incidents.DeclareInput{Title: "bench incident 1", AwareAt: now.Add(-72 * time.Hour)})
	if err != nil {
		return fmt.Errorf("declare the first incident: %w", err)
	}
	tmpl := res.Incident
	if err := settle(ctx, store, tmpl, now); err != nil {
		return err
	}
	const batch = 500
	for start := 1; start < o.incidents; start += batch {
		err := store.Update(ctx, func(tx incidents.Tx) error {
			for i := start; i < min(start+batch, o.incidents); i++ {
				if err := writeCopy(tx, tmpl, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("write incidents: %w", err)
		}
	}
	if err := slackRecords(store, tmpl, o.incidents, now); err != nil {
		return err
	}
	first := time.Now().Add(o.dueAfter).Truncate(time.Second).Add(time.Second)
	if err := moveDue(ctx, store, tmpl, o.due, first); err != nil {
		return err
	}
	if err := store.SetNoSync(false); err != nil {
		return err
	}
	fmt.Fprintln(stdout, first.UTC().Format(time.RFC3339))
	return nil
}

// settle marks what declaring the first incident queued for Slack as
// delivered (its channel is recorded as set up) and records its channel.
func settle(ctx context.Context, store *boltstore.Store, inc *incidents.Incident, now time.Time) error {
	return store.Update(ctx, func(tx incidents.Tx) error {
		pending, _, err := tx.Pending(now.Add(time.Hour), 1<<20)
		if err != nil {
			return err
		}
		for _, n := range pending {
			if err := tx.Delivered(n.ID, now); err != nil {
				return err
			}
		}
		cur, err := tx.Incident(inc.ID)
		if err != nil {
			return err
		}
		cur.Channel = channelOf(0)
		*inc = *cur
		return tx.PutIncident(cur)
	})
}

func channelOf(i int) string { return fmt.Sprintf("CB%08d", i) }

// writeCopy writes the i-th incident (0 is the first): tmpl with a new id,
// title and channel, its times shifted back by 37 s × i (10,000 incidents
// declared over the four days before the first), its alarms scheduled and
// its declaration audited.
func writeCopy(tx incidents.Tx, tmpl *incidents.Incident, i int) error {
	year := tmpl.DeclaredAt.UTC().Year()
	n, err := tx.NextIncidentNumber(year)
	if err != nil {
		return err
	}
	inc := copyIncident(tmpl, -time.Duration(i)*37*time.Second)
	inc.ID, inc.Title, inc.Channel = incidents.FormatIncidentID(year, n), fmt.Sprintf("bench incident %d", i+1), channelOf(i)
	for k := range inc.Obligations {
		for j := range inc.Obligations[k].Alarms {
			a := &inc.Obligations[k].Alarms[j]
			a.Incident = inc.ID
			if err := tx.Schedule(*a); err != nil {
				return err
			}
		}
	}
	if err := tx.PutIncident(inc); err != nil {
		return err
	}
	_, err = tx.Audit(incidents.AuditEntry{At: inc.DeclaredAt, Actor: inc.DeclaredBy, Action: "incident.declared", Incident: inc.ID,
		Details: map[string]string{"title": inc.Title, "playbook": inc.Playbook.ID, "version": inc.Playbook.Version}})
	return err
}

// copyIncident returns a deep copy of the parts of tmpl that differ per
// incident, every time in them shifted by d.
func copyIncident(tmpl *incidents.Incident, d time.Duration) *incidents.Incident {
	inc := *tmpl
	inc.DeclaredAt = tmpl.DeclaredAt.Add(d)
	inc.Events = make(map[string]incidents.EventRecord, len(tmpl.Events))
	for k, e := range tmpl.Events {
		e.At, e.RecordedAt = e.At.Add(d), e.RecordedAt.Add(d)
		inc.Events[k] = e
	}
	inc.Steps = append([]incidents.Step(nil), tmpl.Steps...)
	inc.Transitions = append([]incidents.Transition(nil), tmpl.Transitions...)
	inc.Obligations = make([]incidents.Obligation, len(tmpl.Obligations))
	for k, o := range tmpl.Obligations {
		if !o.Start.IsZero() {
			o.Start = o.Start.Add(d)
		}
		if !o.Due.IsZero() {
			o.Due = o.Due.Add(d)
		}
		o.Alarms = append([]incidents.Alarm(nil), o.Alarms...)
		for j := range o.Alarms {
			o.Alarms[j].At = o.Alarms[j].At.Add(d)
		}
		inc.Obligations[k] = o
	}
	return &inc
}

// slackRecords records each incident's channel as set up, with its
// checklist and board posted and pinned, the board as shown at now, as
// notifiers/slack does (its channelState and postRecord JSON).
func slackRecords(store *boltstore.Store, tmpl *incidents.Incident, n int, now time.Time) error {
	st := store.SlackState()
	year := tmpl.DeclaredAt.UTC().Year()
	for i := range n {
		id, ch := incidents.FormatIncidentID(year, i+1), channelOf(i)
		rec := fmt.Sprintf(`{"channel":%q,"invited":true,"pinned":{"board":true,"checklist":true}}`, ch)
		if err := st.PutChannelRecord(id, []byte(rec)); err != nil {
			return err
		}
		for j, part := range []string{"checklist", "board"} {
			post := fmt.Sprintf(`{"channel":%q,"ts":"1700000000.%06d"}`, ch, 2*i+j)
			if part == "board" {
				post = fmt.Sprintf(`{"channel":%q,"ts":"1700000000.%06d","shown":%q}`, ch, 2*i+j, now.UTC().Format(time.RFC3339Nano))
			}
			if err := st.PutPostRecord("pinned:"+id+":"+part, []byte(post)); err != nil {
				return err
			}
		}
	}
	return nil
}

// moveDue moves the earliest alarm of each of the first due incidents to
// first + (i mod 60) s, so that due alarms come due within one minute.
func moveDue(ctx context.Context, store *boltstore.Store, tmpl *incidents.Incident, due int, first time.Time) error {
	year := tmpl.DeclaredAt.UTC().Year()
	const batch = 500
	for start := 0; start < due; start += batch {
		err := store.Update(ctx, func(tx incidents.Tx) error {
			for i := start; i < min(start+batch, due); i++ {
				inc, err := tx.Incident(incidents.FormatIncidentID(year, i+1))
				if err != nil {
					return err
				}
				var earliest *incidents.Alarm
				for k := range inc.Obligations {
					for j := range inc.Obligations[k].Alarms {
						if a := &inc.Obligations[k].Alarms[j]; earliest == nil || a.At.Before(earliest.At) {
							earliest = a
						}
					}
				}
				if earliest == nil {
					return fmt.Errorf("%s has no pending alarm", inc.ID)
				}
				if err := tx.Unschedule(*earliest); err != nil {
					return err
				}
				earliest.At = first.Add(time.Duration(i%60) * time.Second).UTC()
				if err := tx.Schedule(*earliest); err != nil {
					return err
				}
				inc.Rev++
				if err := tx.PutIncident(inc); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("move alarms due soon: %w", err)
		}
	}
	return nil
}
