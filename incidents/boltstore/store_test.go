package boltstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

func mustOpenStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "breachbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestScheduleIsTimeOrdered(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	at := []time.Time{
		base.Add(72 * time.Hour), base, base.Add(time.Nanosecond), base.Add(-time.Hour),
		time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC), // before 1970: the sign bit is flipped
		base.Add(36 * time.Hour),
	}
	err := s.Update(ctx, func(tx incidents.Tx) error {
		for i, a := range at {
			if err := tx.Schedule(incidents.Alarm{At: a, Incident: "INC-2026-0001", Obligation: "o", Kind: "remind", Label: string(rune('a' + i))}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	s.View(ctx, func(tx incidents.Tx) error {
		due, err := tx.DueAlarms(base, 100)
		for _, a := range due {
			got = append(got, a.Label)
		}
		next, ok, _ := tx.NextAlarm()
		if !ok || next.Label != "e" {
			t.Errorf("next alarm %+v, want the 1969 one", next)
		}
		return err
	})
	// Due at base: 1969, base-1h and base itself, in time order; base+1ns is not due.
	if diff := cmp.Diff([]string{"e", "d", "b"}, got); diff != "" {
		t.Errorf("due alarms (-want +got):\n%s", diff)
	}
	s.Update(ctx, func(tx incidents.Tx) error {
		return tx.Unschedule(incidents.Alarm{At: at[4], Incident: "INC-2026-0001", Obligation: "o", Kind: "remind", Label: "e"})
	})
	s.View(ctx, func(tx incidents.Tx) error {
		due, _ := tx.DueAlarms(base, 1)
		if len(due) != 1 || due[0].Label != "d" {
			t.Errorf("after unscheduling, first due = %+v, want d (and limit respected)", due)
		}
		return nil
	})
}

func TestOutboxDedupe(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	enqueue := func(id string) bool {
		var added bool
		if err := s.Update(ctx, func(tx incidents.Tx) error {
			var err error
			added, err = tx.Enqueue(incidents.Notification{ID: id, Kind: "reminder"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return added
	}
	if !enqueue("a") || !enqueue("b") || enqueue("a") {
		t.Fatal("enqueue: a duplicate was added or a new id was not")
	}
	s.Update(ctx, func(tx incidents.Tx) error { return tx.Delivered("a", now) })
	if enqueue("a") {
		t.Error("an id that was delivered was enqueued again")
	}
	s.Update(ctx, func(tx incidents.Tx) error {
		return tx.Retry(incidents.Notification{ID: "b", Kind: "reminder", Attempts: 1, NextAttempt: now.Add(time.Minute)})
	})
	s.View(ctx, func(tx incidents.Tx) error {
		due, next, err := tx.Pending(now, 10)
		if err != nil || len(due) != 0 || !next.Equal(now.Add(time.Minute)) {
			t.Errorf("pending = %v, next %v, %v; want none due, next in a minute", due, next, err)
		}
		due, _, _ = tx.Pending(now.Add(time.Minute), 10)
		if len(due) != 1 || due[0].ID != "b" || due[0].Attempts != 1 {
			t.Errorf("pending a minute later = %+v", due)
		}
		return nil
	})
}

func TestOpenIsPrivateAndRefusesASecondHolder(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "breachbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("new database mode %v, want 0600", st.Mode().Perm())
	}
	// A database restored from a backup with loose permissions is tightened.
	s.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("reopened database mode %v, want 0600", st.Mode().Perm())
	}
	start := time.Now()
	_, err = Open(path)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second open: %v, want ErrInUse", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second open failed after %v; must be within 2 s", d)
	}
}
