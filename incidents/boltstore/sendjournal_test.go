package boltstore

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

// What the journal noted is read back after the process is gone; notes
// written in another boot of the machine (a power loss may have lost the
// unsynced ones) are not trusted to be complete; a reset forgets them.
func TestSendJournalNotes(t *testing.T) {
	s := mustOpenStore(t)
	j := s.SendJournal()
	at := time.Date(2026, 11, 28, 12, 0, 0, 123, time.UTC)
	for _, step := range []func() error{
		j.Reset,
		func() error { return j.DataStarted("INC-2026-0001", "N1", 7, 1) },
		func() error { return j.DataStarted("INC-2026-0001", "N1", 8, 2) },
		func() error { return j.Accepted("INC-2026-0001", "N1", 7, 1, at) },
		j.Close, // the process ends without a word
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	type note struct {
		Started  bool
		Accepted bool
		At       time.Time
	}
	read := func() (bool, map[string]note) {
		t.Helper()
		notes, err := s.SendJournal().Notes()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]note{}
		for _, k := range []struct {
			name, inc, notice string
			seq               int64
			attempt           int
		}{{"7", "INC-2026-0001", "N1", 7, 1}, {"8", "INC-2026-0001", "N1", 8, 2}, {"8 attempt 1", "INC-2026-0001", "N1", 8, 1}, {"7 of N2", "INC-2026-0001", "N2", 7, 1}} {
			at, ok := notes.Accepted(k.inc, k.notice, k.seq, k.attempt)
			got[k.name] = note{notes.DataStarted(k.inc, k.notice, k.seq, k.attempt), ok, at}
		}
		return notes.Complete(), got
	}
	complete, got := read()
	want := map[string]note{"7": {true, true, at}, "8": {Started: true}, "8 attempt 1": {}, "7 of N2": {}}
	if diff := cmp.Diff(want, got); diff != "" || !complete {
		t.Errorf("complete %v; notes (-want +got):\n%s", complete, diff)
	}

	boot := bootID
	t.Cleanup(func() { bootID = boot })
	bootID = func() string { return "another-boot" }
	if complete, got := read(); complete || !got["7"].Accepted {
		t.Errorf("after the machine restarted: complete %v (want false), notes %v", complete, got)
	}

	j = s.SendJournal()
	defer j.Close()
	if err := j.Reset(); err != nil {
		t.Fatal(err)
	}
	if complete, got := read(); !complete || got["7"].Started || got["8"].Started {
		t.Errorf("after a reset: complete %v, notes %v", complete, got)
	}
	if st, err := os.Stat(j.Path()); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("journal file: %v %v", st, err)
	}
}

// A missing journal (a database from before it existed) is not complete.
func TestMissingSendJournalIsNotComplete(t *testing.T) {
	notes, err := mustOpenStore(t).SendJournal().Notes()
	if err != nil || notes.Complete() {
		t.Errorf("missing journal: complete %v, %v", notes != nil && notes.Complete(), err)
	}
}

// Deliveries and send states stored before "in doubt" was named so
// ("possibly_duplicate") read as in doubt, and leave that state when
// they change.
func TestPossiblyDuplicateReadsAsInDoubt(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx incidents.Tx) error {
		return tx.PutDelivery("INC-2026-0001", "N1", 3, incidents.Delivery{State: "possibly_duplicate", Attempts: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	inDoubt := func() []int64 {
		var seqs []int64
		err := s.View(ctx, func(tx incidents.Tx) error {
			return tx.Deliveries("INC-2026-0001", "N1", incidents.DeliveryInDoubt, func(seq int64, d incidents.Delivery) error {
				if d.State != incidents.DeliveryInDoubt {
					t.Errorf("state %q", d.State)
				}
				seqs = append(seqs, seq)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return seqs
	}
	if diff := cmp.Diff([]int64{3}, inDoubt()); diff != "" {
		t.Errorf("in doubt (-want +got):\n%s", diff)
	}
	err = s.Update(ctx, func(tx incidents.Tx) error {
		return tx.PutDelivery("INC-2026-0001", "N1", 3, incidents.Delivery{State: incidents.DeliveryQueued, Attempts: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := inDoubt(); len(got) != 0 {
		t.Errorf("requeued, still in doubt: %v", got)
	}
	var st incidents.SendState
	if err := json.Unmarshal([]byte(`{"sent":5,"possibly_duplicate":2,"total":7}`), &st); err != nil || st.InDoubt != 2 || st.Sent != 5 {
		t.Errorf("old send state: %+v %v", st, err)
	}
}

// Rotating keeps the notes of the current and the previous file; the
// rotation after drops the oldest.
func TestSendJournalRotation(t *testing.T) {
	s := mustOpenStore(t)
	j := s.SendJournal()
	defer j.Close()
	note := func(seq int64) {
		t.Helper()
		if err := j.DataStarted("INC-2026-0001", "N1", seq, 1); err != nil {
			t.Fatal(err)
		}
	}
	noted := func() []int64 {
		t.Helper()
		notes, err := s.SendJournal().Notes()
		if err != nil {
			t.Fatal(err)
		}
		if !notes.Complete() {
			t.Error("not complete")
		}
		var seqs []int64
		for seq := int64(1); seq <= 3; seq++ {
			if notes.DataStarted("INC-2026-0001", "N1", seq, 1) {
				seqs = append(seqs, seq)
			}
		}
		return seqs
	}
	if err := j.Reset(); err != nil {
		t.Fatal(err)
	}
	note(1)
	if err := j.Rotate(); err != nil {
		t.Fatal(err)
	}
	note(2)
	if diff := cmp.Diff([]int64{1, 2}, noted()); diff != "" {
		t.Errorf("after one rotation (-want +got):\n%s", diff)
	}
	if err := j.Rotate(); err != nil {
		t.Fatal(err)
	}
	note(3)
	if diff := cmp.Diff([]int64{2, 3}, noted()); diff != "" {
		t.Errorf("after two rotations (-want +got):\n%s", diff)
	}
	if err := j.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := noted(); len(got) != 0 {
		t.Errorf("after a reset: %v", got)
	}
}
