package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
)

// TestSeedWritesWhatServeWouldRead seeds a small database: every incident
// is open with its channel, the schedule holds exactly the reminders asked
// for, the due ones fall in the minute printed, and each incident lists the
// alarms the schedule holds for it (so firing one finds it).
func TestSeedWritesWhatServeWouldRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.db")
	now := time.Now()
	var out bytes.Buffer
	if err := run([]string{"-db", path, "-incidents", "20", "-reminders", "400", "-due", "12", "-obligations", "2", "-due-after", "1h"}, &out, now); err != nil {
		t.Fatal(err)
	}
	first, err := time.Parse(time.RFC3339, strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("seed printed %q, not the first due time: %v", out.String(), err)
	}
	store, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	err = store.View(context.Background(), func(tx incidents.Tx) error {
		alarms, err := tx.DueAlarms(now.Add(10*365*24*time.Hour), 1<<20)
		if err != nil {
			return err
		}
		if len(alarms) != 400 {
			t.Errorf("%d alarms scheduled, want 400", len(alarms))
		}
		inMinute := 0
		for _, a := range alarms {
			if !a.At.Before(first) && a.At.Before(first.Add(time.Minute)) {
				inMinute++
			}
			if a.At.Before(first) {
				t.Errorf("alarm %+v is due before the minute", a)
			}
		}
		if inMinute != 12 {
			t.Errorf("%d alarms due in the minute from %s, want 12", inMinute, first)
		}
		open := 0
		err = tx.OpenIncidents(func(o incidents.OpenIncident) error {
			open++
			if o.Channel == "" {
				t.Errorf("%s has no channel", o.ID)
			}
			inc, err := tx.Incident(o.ID)
			if err != nil {
				return err
			}
			listed := 0
			for _, ob := range inc.Obligations {
				listed += len(ob.Alarms)
			}
			if listed != 20 {
				t.Errorf("%s lists %d alarms, want 20", o.ID, listed)
			}
			return nil
		})
		if open != 20 {
			t.Errorf("%d open incidents, want 20", open)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if first.Before(now.Add(time.Hour)) {
		t.Errorf("the minute starts %s, want an hour after the seed", first)
	}
}
