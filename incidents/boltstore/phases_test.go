package boltstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/breachbot/breachbot/incidents"
)

// incidentWith returns an open incident whose obligations are in the given
// phases.
func incidentWith(id string, phases ...incidents.Phase) *incidents.Incident {
	inc := &incidents.Incident{ID: id, State: incidents.StateInvestigating}
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i, p := range phases {
		o := incidents.Obligation{ID: string(rune('a' + i)), Applies: incidents.Applies, Status: incidents.ObligationOpen}
		switch p {
		case incidents.PhaseMissed:
			o.Status, o.Start, o.Due = incidents.ObligationMissed, t0, t0.Add(time.Hour)
		case incidents.PhaseRunning:
			o.Start, o.Due = t0, t0.Add(72*time.Hour)
		case incidents.PhaseNeedsFacts:
			o.Applies = incidents.NeedsFacts
		case incidents.PhaseMet:
			o.Status = incidents.ObligationMet
		case incidents.PhaseNotApplies:
			o.Applies = incidents.NotApplicable
		}
		if got := o.Phase(); got != p {
			panic("fixture: obligation in phase " + string(got) + ", want " + string(p))
		}
		inc.Obligations = append(inc.Obligations, o)
	}
	return inc
}

func wantPhases(m map[incidents.Phase]int64) map[incidents.Phase]int64 {
	out := map[incidents.Phase]int64{}
	for _, p := range incidents.Phases {
		out[p] = m[p]
	}
	return out
}

// TestObligationPhasesFollowEveryWrite: the counts a scrape reads change in
// the transaction that writes an incident: a new incident adds, a change
// moves counts between phases, closing removes the incident's.
func TestObligationPhasesFollowEveryWrite(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	put := func(inc *incidents.Incident) {
		t.Helper()
		if err := s.Update(ctx, func(tx incidents.Tx) error { return tx.PutIncident(inc) }); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, want map[incidents.Phase]int64) {
		t.Helper()
		got, err := s.ObligationPhases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantPhases(want), got); diff != "" {
			t.Errorf("%s: phases (-want +got):\n%s", step, diff)
		}
	}
	check("empty", nil)
	put(incidentWith("INC-2026-0001", incidents.PhaseRunning, incidents.PhaseRunning, incidents.PhaseNeedsFacts))
	put(incidentWith("INC-2026-0002", incidents.PhaseMissed, incidents.PhaseNotApplies))
	check("two incidents", map[incidents.Phase]int64{incidents.PhaseRunning: 2, incidents.PhaseNeedsFacts: 1, incidents.PhaseMissed: 1, incidents.PhaseNotApplies: 1})
	put(incidentWith("INC-2026-0001", incidents.PhaseMet, incidents.PhaseRunning, incidents.PhaseRunning))
	check("one met", map[incidents.Phase]int64{incidents.PhaseRunning: 2, incidents.PhaseMet: 1, incidents.PhaseMissed: 1, incidents.PhaseNotApplies: 1})
	closed := incidentWith("INC-2026-0002", incidents.PhaseMissed, incidents.PhaseNotApplies)
	closed.State = incidents.StateClosed
	put(closed)
	check("one closed", map[incidents.Phase]int64{incidents.PhaseRunning: 2, incidents.PhaseMet: 1})

	// A write that fails leaves the counts as they were.
	err := s.Update(ctx, func(tx incidents.Tx) error {
		if err := tx.PutIncident(incidentWith("INC-2026-0003", incidents.PhaseMissed)); err != nil {
			return err
		}
		return context.Canceled
	})
	if err == nil {
		t.Fatal("the failing transaction committed")
	}
	check("after a rolled-back write", map[incidents.Phase]int64{incidents.PhaseRunning: 2, incidents.PhaseMet: 1})
}

// TestObligationPhasesAreBuiltForAnOlderDatabase: a database written
// before the counts were kept gets them counted once when opened.
func TestObligationPhasesAreBuiltForAnOlderDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "breachbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = s.Update(ctx, func(tx incidents.Tx) error {
		return tx.PutIncident(incidentWith("INC-2026-0001", incidents.PhaseRunning, incidents.PhaseMissed))
	})
	if err != nil {
		t.Fatal(err)
	}
	// Make it look like an older database: no counts bucket.
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketPhases) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.ObligationPhases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantPhases(map[incidents.Phase]int64{incidents.PhaseRunning: 1, incidents.PhaseMissed: 1}), got); diff != "" {
		t.Errorf("phases after reopening (-want +got):\n%s", diff)
	}
}
