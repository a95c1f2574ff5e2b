package commands_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the replies as they are now")

// golden compares text with testdata/name.golden, or rewrites that file
// under -update.
func golden(t *testing.T, name, text string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), text); diff != "" {
		t.Errorf("%s differs from %s (-want +got; -update rewrites it):\n%s", name, path, diff)
	}
}

// lines counts the lines of a reply's text.
func lines(text string) int { return strings.Count(strings.TrimRight(text, "\n"), "\n") + 1 }

// goldenNow is four days after the golden incident's awareness: GDPR's 72
// hours have run out, other clocks run.
var goldenNow = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// The declare reply fits a screen: what was declared, the most urgent
// clock, the next step, how to see more, and the disclaimer, once.
func TestGoldenDeclare(t *testing.T) {
	t.Parallel()
	b := newBoard(t, goldenNow)
	text := b.must("Uresp", "declare Customer DB exposed --aware 2026-11-26T09:00Z")
	golden(t, "declare", text)
	if n := lines(text); n > 15 {
		t.Errorf("the declare reply is %d lines, want at most 15:\n%s", n, text)
	}
	if n := strings.Count(text, "not legal advice"); n != 1 {
		t.Errorf("the disclaimer shows %d times in the declare reply, want once:\n%s", n, text)
	}
}

// The declare reply with facts leads with the clock due first.
func TestGoldenDeclareWithFacts(t *testing.T) {
	t.Parallel()
	b := newBoard(t, goldenNow)
	text := b.must("Uresp", `declare Customer DB exposed --aware 2026-11-26T09:00Z --facts "jurisdictions=EU,SG affected=800 data=email"`)
	golden(t, "declare_facts", text)
	if n := lines(text); n > 15 {
		t.Errorf("the declare reply is %d lines, want at most 15:\n%s", n, text)
	}
}

// Recording facts shows what changed, not the board again, and no
// disclaimer.
func TestGoldenFactsChange(t *testing.T) {
	t.Parallel()
	b := newBoard(t, goldenNow)
	b.must("Uresp", "declare Customer DB exposed --aware 2026-11-26T09:00Z")
	text := b.must("Uresp", "facts jurisdictions=EU,US-CA data=email,password_hash affected=12000")
	golden(t, "facts_change", text)
	for _, not := range []string{"Needs facts", "notify: ", "not legal advice"} {
		if strings.Contains(text, not) {
			t.Errorf("the facts reply shows %q; it should show only what changed:\n%s", not, text)
		}
	}
}

// The board puts the most urgent first: missed, then running clocks by due
// time, then not started, then needs facts, with the three facts that
// settle the most and short lines.
func TestGoldenDeadlinesBoard(t *testing.T) {
	t.Parallel()
	b := newBoard(t, goldenNow)
	b.must("Uresp", `declare Customer DB exposed --aware 2026-11-23T09:00Z --facts "jurisdictions=EU,SG,US-CA affected=800 data=email,password_hash encrypted=no residents=US-CA:600"`)
	b.must("Uresp", "clock notifiable_assessed --at 2026-11-26T09:00Z")
	text := b.must("Uresp", "deadlines")
	golden(t, "deadlines", text)
	last := -1
	for _, heading := range []string{"MISSED", "Running clocks", "Not started", "Needs facts"} {
		i := strings.Index(text, heading)
		if i < 0 {
			t.Errorf("the board has no %q section:\n%s", heading, text)
			continue
		}
		if i < last {
			t.Errorf("%q comes before a less urgent section:\n%s", heading, text)
		}
		last = i
	}
	if n := strings.Count(section(text, "Needs facts"), "[?]"); n > 3 {
		t.Errorf("Needs facts lists %d facts, want the 3 that settle the most:\n%s", n, text)
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "decides") && len(l) > 120 {
			t.Errorf("a Needs facts line is %d characters, want at most 120: %s", len(l), l)
		}
	}
	if strings.Contains(text, "not legal advice") {
		t.Errorf("the board repeats the disclaimer (shown at declare and in exports):\n%s", text)
	}
}
