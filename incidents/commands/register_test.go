package commands_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
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

// The register records each notify / do-not-notify decision of a decision
// step with who, when and why, in every format: the one a later decision
// replaced stays, marked, and a jurisdiction still undecided says so
// instead of reading as a no.
func TestRegisterShowsNotificationDecisions(t *testing.T) {
	t.Parallel()
	b := decisionBoard(t, "jurisdictions=DE,FR,US-CA")
	b.must("Ulegal", `decide notify-decision no-notify --jurisdiction DE --reason "one known recipient confirmed deletion; low risk"`+inc1)
	b.clock.Advance(time.Minute)
	b.must("Ulead", `decide notify-decision notify --jurisdiction FR --reason "bank details; risk of fraud"`+inc1)
	b.clock.Advance(time.Minute)
	b.must("Ulegal", `decide notify-decision notify --jurisdiction DE --reason "the recipient was not who we thought"`+inc1)
	ctx := context.Background()

	f, err := b.router.Register(ctx, "Ulead", "csv", "")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(f.Data))).ReadAll()
	if err != nil {
		t.Fatalf("the register is not CSV: %v", err)
	}
	col := slices.Index(rows[0], "notification_decisions")
	if col < 0 || len(rows) != 2 {
		t.Fatalf("header %q, %d rows; want a notification_decisions column and one incident", rows[0], len(rows)-1)
	}
	want := "DE: no-notify by Ulegal at 2026-11-27 10:00 UTC, replaced 2026-11-27 10:02 UTC: one known recipient confirmed deletion; low risk" +
		" | FR: notify by Ulead at 2026-11-27 10:01 UTC: bank details; risk of fraud" +
		" | DE: notify by Ulegal at 2026-11-27 10:02 UTC: the recipient was not who we thought" +
		" | US-CA: undecided"
	if diff := cmp.Diff(want, rows[1][col]); diff != "" {
		t.Errorf("CSV notification_decisions (-want +got):\n%s", diff)
	}

	f, err = b.router.Register(ctx, "Ulead", "json", "")
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		Incidents []struct {
			Decisions []map[string]string `json:"notification_decisions"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal(f.Data, &reg); err != nil {
		t.Fatalf("the register is not JSON: %v", err)
	}
	wantJSON := []map[string]string{
		{"step": "notify-decision", "jurisdiction": "DE", "outcome": "no-notify", "reason": "one known recipient confirmed deletion; low risk", "by": "Ulegal", "at": "2026-11-27T10:00:00Z", "replaced_at": "2026-11-27T10:02:00Z"},
		{"step": "notify-decision", "jurisdiction": "FR", "outcome": "notify", "reason": "bank details; risk of fraud", "by": "Ulead", "at": "2026-11-27T10:01:00Z"},
		{"step": "notify-decision", "jurisdiction": "DE", "outcome": "notify", "reason": "the recipient was not who we thought", "by": "Ulegal", "at": "2026-11-27T10:02:00Z"},
		{"step": "notify-decision", "jurisdiction": "US-CA", "outcome": "undecided"},
	}
	if len(reg.Incidents) != 1 {
		t.Fatalf("%d incidents in the JSON register, want 1", len(reg.Incidents))
	}
	if diff := cmp.Diff(wantJSON, reg.Incidents[0].Decisions); diff != "" {
		t.Errorf("JSON notification_decisions (-want +got):\n%s", diff)
	}

	f, err = b.router.Register(ctx, "Ulead", "md", "")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(f.Data),
		"| Step | Jurisdiction | Decision | By | When | Reason | Holds |",
		"| notify-decision | DE | no-notify | Ulegal | 2026-11-27 10:00 UTC | one known recipient confirmed deletion; low risk | no: replaced 2026-11-27 10:02 UTC |",
		"| notify-decision | FR | notify | Ulead | 2026-11-27 10:01 UTC | bank details; risk of fraud | yes |",
		"| notify-decision | DE | notify | Ulegal | 2026-11-27 10:02 UTC | the recipient was not who we thought | yes |",
		"| notify-decision | US-CA | undecided |  |  |  |  |")
}

// The Markdown register lists every obligation of an incident, but those
// that do not apply only because nobody affected lives where their law
// reaches are named in one paragraph by place, so the catalog's state laws
// do not bury the ones that apply.
func TestRegisterMarkdownGroupsLawsOfPlacesNobodyLivesIn(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU,US-MD affected=800 data=ssn encrypted=no"`)
	f, err := b.router.Register(context.Background(), "Ulead", "md", "")
	if err != nil {
		t.Fatal(err)
	}
	md := string(f.Data)
	_, table, _ := strings.Cut(md, "Decision reasons, per obligation:")
	if n := strings.Count(table, "\n| "); n > 45 {
		t.Errorf("the decision table has %d rows; want the laws of absent places grouped:\n%s", n, table)
	}
	mustContain(t, table,
		"| md-residents | Md. Code, Com. Law 14-3504(b)-(c), (g) | applies",
		"Does not apply: ",
		"US-MA (ma-residents, ma-ag);",
		"GB (uk-gdpr-art33, uk-gdpr-art34);")
	if strings.Contains(table, "| ma-residents |") {
		t.Errorf("ma-residents has its own row although nobody affected lives in Massachusetts:\n%s", table)
	}
}

// Before jurisdictions is recorded, the Markdown register names the
// obligations waiting for it in one paragraph instead of a row each.
func TestRegisterMarkdownGroupsLawsWaitingForJurisdictions(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "affected=800"`)
	f, err := b.router.Register(context.Background(), "Ulead", "md", "")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(f.Data), "Decision reasons, per obligation:")
	if n := strings.Count(table, "\n| "); n > 45 {
		t.Errorf("the decision table has %d rows; want those waiting for jurisdictions grouped:\n%s", n, table)
	}
	mustContain(t, table, "May apply: ", "more may apply once jurisdictions (where affected people live) is recorded:", "ma-residents, ma-ag")
}
