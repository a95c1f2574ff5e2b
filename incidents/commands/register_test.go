package commands_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// The register is for leads and legal: a responder is refused, told which
// role it needs, and the refusal is audited; a lead's register is audited
// too.
func TestRegisterIsForLeadsAndLegal(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU affected=800"`)
	ctx := context.Background()
	_, err := b.router.Register(ctx, "Uresp", "csv", "")
	if incidents.ErrorCode(err) != incidents.EFORBIDDEN || !strings.Contains(err.Error(), "leads or legal") {
		t.Errorf("a responder's register: %v; want refused, naming leads or legal", err)
	}
	if !b.auditedRefusal("Uresp", incidents.ActExport) {
		t.Errorf("the refused register is not in the audit log: %+v", b.audit(""))
	}
	for _, user := range []string{"Ulead", "Ulegal"} {
		f, err := b.router.Register(ctx, user, "csv", "")
		if err != nil {
			t.Fatalf("%s's register: %v", user, err)
		}
		rows, err := csv.NewReader(strings.NewReader(string(f.Data))).ReadAll()
		if err != nil {
			t.Fatalf("the register is not CSV: %v", err)
		}
		if diff := cmp.Diff(commands.RegisterColumns, rows[0]); diff != "" {
			t.Errorf("header (-want +got):\n%s", diff)
		}
		if len(rows) != 2 || rows[1][0] != "INC-2026-0001" {
			t.Fatalf("rows = %q; want the header and INC-2026-0001", rows)
		}
		for i, cell := range rows[1] {
			if cell == "" {
				t.Errorf("column %s is blank", rows[0][i])
			}
		}
	}
	var audited int
	for _, e := range b.audit("") {
		if e.Action == "register.exported" && e.Outcome == incidents.OutcomeOK && e.Details["incidents"] == "1" {
			audited++
		}
	}
	if audited != 2 {
		t.Errorf("%d registers audited, want 2", audited)
	}
}

// An incident whose facts do not yet decide an obligation is "pending",
// never "not notified": an unknown fact is not a no.
func TestRegisterDecisionIsPendingWhileFactsAreMissing(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=US-TX affected=3"`)
	reg, err := b.svc.Register(context.Background(), "Ulead", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	e := reg.Entries[0]
	if e.Decision != incidents.DecisionPending || e.Effects != incidents.NotRecorded || e.RemedialAction != incidents.NotRecorded {
		t.Errorf("decision %q, effects %q, remedial action %q; want pending, not recorded, not recorded", e.Decision, e.Effects, e.RemedialAction)
	}
}

// A title a spreadsheet would run as a formula is written as text.
func TestRegisterCSVKeepsFormulasInert(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	b.must("Uresp", `declare =HYPERLINK("http://evil.example") --aware 2026-11-20T09:00Z`)
	f, err := b.router.Register(context.Background(), "Ulead", "csv", "")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(f.Data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[1][1]; !strings.HasPrefix(got, "'=") {
		t.Errorf("title cell %q; want it prefixed with an apostrophe", got)
	}
}
