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

func openSummaries(t *testing.T, s *Store) []incidents.OpenIncident {
	t.Helper()
	var out []incidents.OpenIncident
	err := s.View(context.Background(), func(tx incidents.Tx) error {
		return tx.OpenIncidents(func(o incidents.OpenIncident) error { out = append(out, o); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOpenIncidentSummariesFollowEveryWrite: what the timers walk instead
// of the incidents changes in the transaction that writes an incident: a
// new one is listed with its playbook, pin, channel and the instants its
// board shows; a change rewrites it; closing removes it; a rolled-back
// write leaves it as it was.
func TestOpenIncidentSummariesFollowEveryWrite(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	put := func(inc *incidents.Incident) error {
		return s.Update(ctx, func(tx incidents.Tx) error { return tx.PutIncident(inc) })
	}
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	one := incidentWith("INC-2026-0001", incidents.PhaseRunning, incidents.PhaseMet, incidents.PhaseMissed)
	one.Playbook = incidents.PlaybookPin{ID: "gdpr", Key: "pin1"}
	one.Events = map[string]incidents.EventRecord{incidents.EventAwareness: {At: t0.Add(-time.Hour)}}
	two := incidentWith("INC-2026-0002", incidents.PhaseNeedsFacts)
	two.Playbook = incidents.PlaybookPin{ID: "us", Key: "pin2"}
	for _, inc := range []*incidents.Incident{one, two} {
		if err := put(inc); err != nil {
			t.Fatal(err)
		}
	}
	want := []incidents.OpenIncident{
		{ID: "INC-2026-0001", Playbook: "gdpr", Pin: "pin1", Clocks: []time.Time{t0.Add(-time.Hour), t0.Add(72 * time.Hour), t0.Add(time.Hour)}},
		{ID: "INC-2026-0002", Playbook: "us", Pin: "pin2"},
	}
	if diff := cmp.Diff(want, openSummaries(t, s)); diff != "" {
		t.Errorf("two open incidents (-want +got):\n%s", diff)
	}

	one.Channel, one.Playbook.Key = "C0INC", "pin3"
	if err := put(one); err != nil {
		t.Fatal(err)
	}
	two.State = incidents.StateClosed
	if err := put(two); err != nil {
		t.Fatal(err)
	}
	want = []incidents.OpenIncident{{ID: "INC-2026-0001", Playbook: "gdpr", Pin: "pin3", Channel: "C0INC", Clocks: want[0].Clocks}}
	if diff := cmp.Diff(want, openSummaries(t, s)); diff != "" {
		t.Errorf("one upgraded and given a channel, the other closed (-want +got):\n%s", diff)
	}

	err := s.Update(ctx, func(tx incidents.Tx) error {
		if err := tx.PutIncident(incidentWith("INC-2026-0003", incidents.PhaseRunning)); err != nil {
			return err
		}
		return context.Canceled
	})
	if err == nil {
		t.Fatal("the failing transaction committed")
	}
	if diff := cmp.Diff(want, openSummaries(t, s)); diff != "" {
		t.Errorf("after a rolled-back write (-want +got):\n%s", diff)
	}
}

// TestOpenIncidentSummariesAreBuiltForAnOlderDatabase: a database written
// before the summaries were kept gets them once when opened.
func TestOpenIncidentSummariesAreBuiltForAnOlderDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "breachbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open, closed := incidentWith("INC-2026-0001", incidents.PhaseRunning), incidentWith("INC-2026-0002", incidents.PhaseRunning)
	open.Playbook, closed.State = incidents.PlaybookPin{ID: "gdpr", Key: "pin1"}, incidents.StateClosed
	err = s.Update(ctx, func(tx incidents.Tx) error {
		if err := tx.PutIncident(open); err != nil {
			return err
		}
		return tx.PutIncident(closed)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Make it look like an older database: no summaries bucket.
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketOpen) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := []incidents.OpenIncident{{ID: "INC-2026-0001", Playbook: "gdpr", Pin: "pin1",
		Clocks: []time.Time{time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}}}
	if diff := cmp.Diff(want, openSummaries(t, s)); diff != "" {
		t.Errorf("summaries after reopening (-want +got):\n%s", diff)
	}
}
