package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

// inc1 names the incident for users who did not declare it.
const inc1 = " --incident INC-2026-0001"

// decisionBoard declares a misdirected-email incident with its steps before
// the notify decision done, so that notify-decision can be decided.
func decisionBoard(t *testing.T, facts string) *board {
	t.Helper()
	b := newBoard(t, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	b.must("Uresp", "declare Payroll sent to the wrong address --playbook misdirected-email")
	if facts != "" {
		b.must("Uresp", "facts "+facts)
	}
	for _, s := range []string{"triage", "recall-or-wipe", "scope"} {
		b.must("Uresp", "step done "+s)
	}
	b.clock.Advance(time.Hour)
	return b
}

// A decision step is decided per jurisdiction by its owner, a lead or
// legal; each decision needs a reason; the step is done once every
// jurisdiction in the facts has one; a later decision for a jurisdiction
// wins and the earlier one stays in the record; every decision is audited.
func TestDecidePerJurisdiction(t *testing.T) {
	t.Parallel()
	b := decisionBoard(t, "jurisdictions=DE,FR")

	text := b.must("Ulegal", `decide notify-decision no-notify --jurisdiction de --reason "one known recipient confirmed deletion; low risk"`+inc1)
	mustContain(t, text, "notify-decision decided no-notify for DE", "Still to decide: FR")
	if st := step(t, b.stored(), "notify-decision"); st.Status != incidents.StepOpen {
		t.Fatalf("after DE only the step is %s, want open (FR undecided)", st.Status)
	}

	b.clock.Advance(time.Minute)
	text = b.must("Ulead", `decide notify-decision notify --jurisdiction FR --reason "bank details; risk of fraud"`+inc1)
	mustContain(t, text, "Step notify-decision is done: every jurisdiction has a decision.")
	st := step(t, b.stored(), "notify-decision")
	if st.Status != incidents.StepDone || st.By != "Ulead" || !st.At.Equal(b.clock.Now()) {
		t.Fatalf("step = %s by %s at %s, want done by Ulead now", st.Status, st.By, st.At)
	}

	b.clock.Advance(time.Minute)
	b.must("Ulegal", `decide notify-decision notify --jurisdiction DE --reason "the recipient was not who we thought"`+inc1)
	st = step(t, b.stored(), "notify-decision")
	var got []string
	for _, d := range st.CurrentDecisions() {
		got = append(got, d.Jurisdiction+" "+d.Outcome()+" by "+d.By+": "+d.Reason)
	}
	want := []string{"DE notify by Ulegal: the recipient was not who we thought", "FR notify by Ulead: bank details; risk of fraud"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decisions that hold (-want +got):\n%s", diff)
	}
	if len(st.Decisions) != 3 || st.Decisions[0].Reason != "one known recipient confirmed deletion; low risk" || st.Decisions[0].Notify {
		t.Errorf("history = %+v, want the first DE no-notify kept, 3 in all", st.Decisions)
	}

	steps := b.must("Uresp", "steps")
	mustContain(t, steps, "DE: notify (the recipient was not who we thought)", "FR: notify (bank details; risk of fraud)")

	var audited []string
	for _, e := range b.audit("INC-2026-0001") {
		if e.Action == "step.decision" {
			audited = append(audited, e.Actor+" "+e.Details["jurisdiction"]+" "+e.Details["decision"]+" "+e.Details["step_done"])
		}
	}
	if diff := cmp.Diff([]string{"Ulegal DE no-notify ", "Ulead FR notify yes", "Ulegal DE notify "}, audited); diff != "" {
		t.Errorf("audited decisions (-want +got):\n%s", diff)
	}
}

// One decision with no jurisdiction covers them all, known or not yet.
func TestDecideForAll(t *testing.T) {
	t.Parallel()
	for _, facts := range []string{"jurisdictions=DE,FR", ""} {
		b := decisionBoard(t, facts)
		text := b.must("Ulegal", `decide notify-decision no-notify --reason "encrypted attachment, password not sent"`+inc1)
		mustContain(t, text, "decided no-notify for all jurisdictions", "Step notify-decision is done")
		if st := step(t, b.stored(), "notify-decision"); st.Status != incidents.StepDone {
			t.Errorf("facts %q: step is %s, want done", facts, st.Status)
		}
	}
}

// Refusals say what was wrong and what to type, and change nothing; one by
// role is audited.
func TestDecideRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, facts, user, line string
		msg, hint               string
		refused                 string // audited refusal action, if any
	}{
		{name: "responder is not the owner", facts: "jurisdictions=DE", user: "Uresp",
			line: `decide notify-decision no-notify --reason "low risk"`,
			msg:  "step notify-decision belongs to legal; you are not one of them, nor a lead or legal", refused: incidents.ActStep},
		{name: "no reason", facts: "jurisdictions=DE", user: "Ulegal",
			line: "decide notify-decision no-notify --jurisdiction DE",
			msg:  "the reason is missing", hint: `/breach decide notify-decision no-notify --reason`},
		{name: "not a decision", facts: "jurisdictions=DE", user: "Ulegal",
			line: `decide notify-decision maybe --reason "low risk"`,
			msg:  `"maybe" is not a decision: type notify or no-notify`},
		{name: "jurisdiction not in the facts", facts: "jurisdictions=DE,FR", user: "Ulegal",
			line: `decide notify-decision notify --jurisdiction ES --reason "bank details"`,
			msg:  `"ES" is not one of the incident's jurisdictions (DE, FR); nothing was recorded`, hint: "jurisdictions+=ES"},
		{name: "jurisdictions unknown", user: "Ulegal",
			line: `decide notify-decision notify --jurisdiction DE --reason "bank details"`,
			msg:  "the incident's jurisdictions are not recorded yet", hint: "/breach facts jurisdictions="},
		{name: "not a decision step", facts: "jurisdictions=DE", user: "Ulead",
			line: `decide prevent notify --reason "x"`,
			msg:  "step prevent is not a decision step; nothing was recorded", hint: "/breach step done prevent"},
		{name: "step done on a decision step", facts: "jurisdictions=DE", user: "Ulegal",
			line: "step done notify-decision decided",
			msg:  "step notify-decision is a decision", hint: "/breach decide notify-decision notify|no-notify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := decisionBoard(t, tc.facts)
			before := b.stored()
			text, ok := b.run(tc.user, tc.line+inc1)
			if ok {
				t.Fatalf("/breach %s was accepted: %s", tc.line, text)
			}
			mustContain(t, text, tc.msg, tc.hint)
			if diff := cmp.Diff(before, b.stored()); diff != "" {
				t.Errorf("the stored incident changed (-before +after):\n%s", diff)
			}
			if tc.refused != "" && !b.auditedRefusal(tc.user, tc.refused) {
				t.Errorf("no audited refusal of %s to %s", tc.refused, tc.user)
			}
		})
	}
}

// Before its prerequisites are done, a decision is refused like step done.
func TestDecideNeedsPrerequisites(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	b.must("Uresp", "declare Payroll sent to the wrong address --playbook misdirected-email --facts jurisdictions=DE")
	text, ok := b.run("Ulegal", `decide notify-decision no-notify --reason "low risk"`+inc1)
	if ok || !strings.Contains(text, "needs recall-or-wipe, scope done first") {
		t.Errorf("decide before scope: ok=%v %s", ok, text)
	}
}

// The export shows every decision with its reasons, who and when, which
// one holds, and the jurisdictions still undecided.
func TestExportShowsDecisions(t *testing.T) {
	t.Parallel()
	b := decisionBoard(t, "jurisdictions=DE,FR,IT")
	b.must("Ulegal", `decide notify-decision no-notify --jurisdiction DE --reason "recipient confirmed deletion"`+inc1)
	b.clock.Advance(time.Hour)
	b.must("Ulegal", `decide notify-decision notify --jurisdiction DE --reason "recipient | unknown after all"`+inc1)
	b.must("Ulead", `decide notify-decision notify --jurisdiction FR --reason "bank details"`+inc1)

	f, err := b.router.Export(context.Background(), "Ulead", "INC-2026-0001", "md")
	if err != nil {
		t.Fatal(err)
	}
	want := "\n## Notification decisions\n\n| Step | Jurisdiction | Decision | Reasons | By | When | Holds |\n|---|---|---|---|---|---|---|\n" +
		"| notify-decision | DE | no-notify | recipient confirmed deletion | Ulegal | 2026-11-27 10:00 UTC | no: replaced 2026-11-27 11:00 UTC |\n" +
		"| notify-decision | DE | notify | recipient \\| unknown after all | Ulegal | 2026-11-27 11:00 UTC | yes |\n" +
		"| notify-decision | FR | notify | bank details | Ulead | 2026-11-27 11:00 UTC | yes |\n" +
		"| notify-decision | IT | undecided | no decision recorded | - | - | - |\n"
	mustContain(t, string(f.Data), want)

	f, err = b.router.Export(context.Background(), "Ulead", "INC-2026-0001", "json")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(f.Data), `"reason": "recipient confirmed deletion"`, `"jurisdiction": "FR"`)
}
