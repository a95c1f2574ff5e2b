package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

func (b *board) audit(id string) []incidents.AuditEntry {
	b.t.Helper()
	var out []incidents.AuditEntry
	err := b.store.View(context.Background(), func(tx incidents.Tx) error {
		return tx.AuditLog(id, func(a incidents.AuditEntry) error { out = append(out, a); return nil })
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

// Times a person types that are typos are refused, saying what to type, and
// nothing changes: a span that overflows, the zero time, a time before 2000,
// and an obligation met more than a day before awareness.
func TestTimeInputTyposAreRefused(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	b := newBoard(t, now)
	for _, tc := range []struct{ line, msg, hint string }{
		{"declare Laptop stolen --aware 213504d ago", `"213504d ago" is not a usable time: 213504d is more than 100 years`, "Try: give a time instead"},
		{"declare Laptop stolen --aware 99999999999999999999h ago", "is more than 100 years", "Try: give a time instead"},
		{"declare Laptop stolen --aware 0001-01-01T00:00Z", `"0001-01-01T00:00Z" is before the year 2000`, "Try: check the year: 2026-11-27T10:00Z"},
		{"declare Laptop stolen --aware 1999-12-31T23:00Z", "is before the year 2000", "Try: check the year"},
	} {
		text, ok := b.run("Uresp", tc.line)
		if ok {
			t.Errorf("/breach %s was accepted:\n%s", tc.line, text)
			continue
		}
		mustContain(t, text, tc.msg, tc.hint)
	}
	if text := b.must("Uresp", "status"); !strings.Contains(text, "None. Declare one") {
		t.Errorf("a refused declaration created an incident:\n%s", text)
	}

	b.must("Uresp", `declare Laptop stolen --aware 2026-11-27T09:00Z --facts "jurisdictions=DE"`)
	const id = "INC-2026-0001"
	for _, tc := range []struct{ user, line, msg string }{
		{"Ulegal", "met gdpr-art33 --ref CNIL-1 --at 1999-01-01T00:00Z --incident " + id, "is before the year 2000"},
		{"Ulegal", "met gdpr-art33 --ref CNIL-1 --at 2026-11-25T09:00Z --incident " + id, "the time it was met (2026-11-25T09:00:00Z) is more than a day before awareness (2026-11-27T09:00:00Z)"},
		{"Ulead", "clock awareness --at 1970-01-01T00:00Z --incident " + id, "is before the year 2000"},
		{"Uresp", "clock breach_determined --at 0001-01-01T00:00Z --incident " + id, "is before the year 2000"},
	} {
		text, ok := b.run(tc.user, tc.line)
		if ok {
			t.Errorf("/breach %s was accepted:\n%s", tc.line, text)
			continue
		}
		mustContain(t, text, tc.msg, "Try: ")
	}
	if o := b.obligation(id, "gdpr-art33"); o.Status != incidents.ObligationOpen || !o.Due.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("gdpr-art33 = %s due %v after refused input, want open, due 2026-11-30 09:00 UTC", o.Status, o.Due)
	}
	// A day's margin before awareness is accepted.
	b.must("Ulegal", "met gdpr-art33 --ref CNIL-1 --at 2026-11-26T10:00Z --incident "+id)
}

// Moving awareness later pushes back every deadline: a responder is refused
// (and the refusal audited), a lead must give a reason, and both moves are
// audited with the previous time. Moving it earlier stays open to responders.
func TestMovingAwarenessLaterNeedsALeadAndAReason(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	b.must("Uresp", `declare Laptop stolen --aware 2026-11-27T09:00Z --facts "jurisdictions=DE"`)
	const id = "INC-2026-0001"
	due := func() time.Time { return b.obligation(id, "gdpr-art33").Due }
	before := due()

	text, ok := b.run("Uresp", "clock awareness --at now --incident "+id)
	if ok || !due().Equal(before) {
		t.Fatalf("a responder moved awareness later (due %v, was %v):\n%s", due(), before, text)
	}
	mustContain(t, text, "moving the awareness time later", "needs the leads or legal role", "moving awareness earlier is open to you")

	text, ok = b.run("Ulead", "clock awareness --at now --incident "+id)
	if ok || !due().Equal(before) {
		t.Fatalf("awareness moved later without a reason (due %v):\n%s", due(), text)
	}
	mustContain(t, text, "needs the reason", `--reason "`)

	b.must("Ulead", `clock awareness --at now --reason "the alert was a false positive until the 12:00 log review" --incident `+id)
	if want := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC); !due().Equal(want) {
		t.Errorf("gdpr-art33 due %v after a lead moved awareness, want %v", due(), want)
	}
	b.must("Uresp", "clock awareness --at 2026-11-27T08:00Z --incident "+id)
	if want := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC); !due().Equal(want) {
		t.Errorf("gdpr-art33 due %v after a responder moved awareness earlier, want %v", due(), want)
	}

	var got []string
	for _, a := range b.audit(id) {
		if a.Action == incidents.ActClock && a.Outcome == incidents.OutcomeRefused {
			got = append(got, "refused "+a.Actor)
		}
		if a.Action == "clock.recorded" {
			got = append(got, a.Actor+" "+a.Details["previous"]+" -> "+a.Details["at"]+" "+a.Details["reason"])
		}
	}
	want := []string{
		"refused Uresp",
		"Ulead 2026-11-27T09:00:00Z -> 2026-11-27T12:00:00Z the alert was a false positive until the 12:00 log review",
		"Uresp 2026-11-27T12:00:00Z -> 2026-11-27T08:00:00Z ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit of awareness moves (-want +got):\n%s", diff)
	}
}
