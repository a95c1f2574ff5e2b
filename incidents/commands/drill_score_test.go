package commands_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDrillScoreGolden runs the misdirected-email playbook as a drill at
// speed 60 on the fake clock: one deadline met in time, one met late, two
// waived, a step skipped, a decision per jurisdiction. Closing it ends with
// the score, compared with testdata/drill-score.golden.
func TestDrillScoreGolden(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	b.must("Uresp", "drill Payroll to the wrong address --playbook misdirected-email")
	b.must("Uresp", `facts jurisdictions=DE,GB data_categories=name,email,financial affected=40 residents=DE:30,GB:10 encrypted=no `+
		`high_risk=yes significant_harm=yes significant=no major=no extortion_payment=no entity=none unlawful_purpose=no`)
	step := func(user, line string, took time.Duration) {
		t.Helper()
		b.clock.Advance(took)
		b.must(user, line+inc1)
	}
	step("Uresp", "step done triage", 2*time.Minute) // 2 h of drill time
	step("Ulead", "move investigating", 0)
	step("Uresp", "step done recall-or-wipe", 5*time.Minute)
	step("Ulead", "move contained", 0)
	step("Uresp", "step done scope", 10*time.Minute)
	step("Ulegal", `decide notify-decision notify --jurisdiction DE --reason "bank details of 30 people; risk of fraud"`, 20*time.Minute)
	step("Ulegal", `decide notify-decision notify --jurisdiction GB --reason "bank details; risk of fraud"`, 30*time.Second)
	step("Ulead", "move notifying", 0)
	step("Ulegal", "met gdpr-art33 --ref DRILL-BfDI", 10*time.Minute)                                               // 47.5 min after awareness: in time
	step("Ulegal", `met uk-gdpr-art33 --ref DRILL-ICO --delay-reason "the ICO form was new to us"`, 40*time.Minute) // 87.5 min: 15.5 h late
	step("Ulegal", `waive gdpr-art34 "drill: the notices to people are practised separately"`, time.Minute)
	step("Ulegal", `waive uk-gdpr-art34 "drill: the notices to people are practised separately"`, 0)
	step("Ulegal", "step done notices", 0)
	step("Ulead", `step waive prevent "drill: the review is not practised"`, 0)
	text := b.must("Ulead", "close"+inc1)

	i := strings.Index(text, "\nDrill score\n")
	if i < 0 {
		t.Fatalf("the close reply has no drill score:\n%s", text)
	}
	got := text[i+1:]
	const golden = "testdata/drill-score.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("drill score (-want +got):\n%s", diff)
	}
}

// A real incident's close has no score.
func TestNoScoreForRealIncident(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	b.must("Uresp", "declare Laptop lost --playbook misdirected-email --facts encrypted=yes")
	for _, s := range []string{"triage", "recall-or-wipe", "scope"} {
		b.must("Uresp", "step done "+s)
	}
	b.must("Ulegal", `decide notify-decision no-notify --reason "encrypted, key not with it"`+inc1)
	for _, s := range []string{"notices", "prevent"} {
		b.must("Ulead", "step waive "+s+" not needed"+inc1)
	}
	if text, ok := b.run("Ulead", "close"+inc1); strings.Contains(text, "Drill score") {
		t.Errorf("close of a real incident (ok=%v) shows a drill score:\n%s", ok, text)
	}
}
