package incidents_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/playbooktest"
)

// withSource points the env's Service at a playbook source the test can
// change, as a folder or a GitHub ref changes under a running bot.
func (e *env) withSource(src playbooktest.Static) {
	e.svc = incidents.NewService(incidents.Config{
		Store: e.store, Playbooks: src, Clock: e.clock,
		Roles: incidents.RoleResolverFunc(func(_ context.Context, u string) ([]string, error) { return e.roles[u], nil }),
	})
}

// testPlaybookV2 is testPlaybook as its authors changed it: step contain
// removed, notify now requires triage, a new step vendors; obligation sa72
// removed, sec4 due in 2 business days instead of 4, state30 in 15 days,
// a new obligation dpo24 24 hours after awareness.
func testPlaybookV2() *incidents.Playbook {
	pb := testPlaybook()
	pb.Version, pb.SHA256 = "2", "cccc"
	pb.Steps = []incidents.StepDef{
		{ID: "triage", Title: "Triage", Owner: incidents.RoleResponders, Gate: incidents.StateInvestigating},
		{ID: "notify", Title: "Notify", Owner: incidents.RoleLegal, Requires: []string{"triage"}},
		{ID: "review", Title: "Review", Owner: incidents.RoleLeads, Gate: incidents.StateClosed},
		{ID: "vendors", Title: "Tell vendors", Owner: incidents.RoleResponders},
	}
	var obs []incidents.ObligationRule
	for _, r := range pb.Obligations {
		switch r.ID {
		case "sa72":
			continue
		case "sec4":
			r.Regulation.Deadline.Amount = 2
		case "state30":
			r.Regulation.Deadline.Amount = 15
		}
		obs = append(obs, r)
	}
	pb.Obligations = append(obs, incidents.ObligationRule{ID: "dpo24", Regulation: incidents.Regulation{ID: "dpo24", Title: "Tell the DPO",
		Notify: "DPO", Status: incidents.StatusInForce, Deadline: incidents.Deadline{Start: "awareness", Amount: 24, Unit: incidents.UnitHours}}})
	return pb
}

func (e *env) scheduled(incident string) map[string]int {
	e.t.Helper()
	out := map[string]int{}
	err := e.store.View(context.Background(), func(tx incidents.Tx) error {
		alarms, err := tx.DueAlarms(t0.AddDate(5, 0, 0), 10000)
		for _, a := range alarms {
			if a.Incident == incident {
				out[a.Obligation]++
			}
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestUpgradePlaybookMapsProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	src := playbooktest.Static{testPlaybook()}
	e.withSource(src)
	aware, determined := t0.Add(-3*time.Hour), t0.Add(-time.Hour)
	inc := e.declare(aware, "jurisdictions=DE,US-CA", "encrypted=no")
	must := func(_ *incidents.Result, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.svc.RecordEvent(ctx, "Uresp", inc.ID, "breach_determined", determined, ""))
	must(e.svc.CompleteStep(ctx, "Uresp", inc.ID, "triage", ""))
	must(e.svc.CompleteStep(ctx, "Uresp", inc.ID, "contain", "firewall rule"))
	must(e.svc.Met(ctx, "Ulegal", inc.ID, incidents.MetInput{Obligation: "state30", Reference: "CA-AG-7"}))
	if got := e.scheduled(inc.ID)["sa72"]; got == 0 {
		t.Fatalf("sa72 has no alarms before the upgrade; the test needs a running clock")
	}

	src[0] = testPlaybookV2()
	res, diff, err := e.svc.UpgradePlaybook(ctx, "Ulead", inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged || diff.Empty() {
		t.Fatalf("upgrade reported nothing to do: unchanged=%v diff=%v", res.Unchanged, diff)
	}
	e.reopen() // what was stored, not what was returned
	e.withSource(src)
	got := e.get(inc.ID)

	type step struct{ ID, Status, Note, From string }
	var steps []step
	for _, s := range got.Steps {
		steps = append(steps, step{s.ID, string(s.Status), s.Note, s.FromVersion})
	}
	want := []step{
		{"triage", "done", "", ""},
		{"notify", "open", "", ""},
		{"review", "open", "", ""},
		{"vendors", "open", "", ""},
		{"contain", "done", "firewall rule", "1"},
	}
	if d := cmp.Diff(want, steps); d != "" {
		t.Errorf("steps after upgrade (-want +got):\n%s", d)
	}

	if got.Playbook.Version != "2" || got.Playbook.Key != "cccc+bbbb" {
		t.Errorf("pin = %+v, want version 2 key cccc+bbbb", got.Playbook)
	}
	if len(got.PinHistory) != 1 || got.PinHistory[0].From.Version != "1" || got.PinHistory[0].To.Version != "2" || got.PinHistory[0].By != "Ulead" {
		t.Fatalf("pin history = %+v, want one change v1 -> v2 by Ulead", got.PinHistory)
	}
	if dr := got.PinHistory[0].Dropped; len(dr) != 1 || dr[0].ID != "sa72" || dr[0].Applies != incidents.Applies {
		t.Errorf("dropped obligations = %+v, want sa72 as it was", dr)
	}

	if _, ok := got.Obligation("sa72"); ok {
		t.Errorf("sa72 is still an obligation of the incident after v2 removed it")
	}
	sched := e.scheduled(inc.ID)
	if sched["sa72"] != 0 {
		t.Errorf("sa72 still has %d alarms in the schedule; its reminders would still fire", sched["sa72"])
	}
	st := obligation(t, got, "state30")
	if st.Status != incidents.ObligationMet || st.Reference != "CA-AG-7" || sched["state30"] != 0 {
		t.Errorf("state30 = %s ref %q with %d alarms, want met ref CA-AG-7 with none", st.Status, st.Reference, sched["state30"])
	}
	sec4 := incidents.Deadline{Start: "breach_determined", Amount: 2, Unit: incidents.UnitBusinessDays, Calendar: "US", TimeZone: "America/New_York"}
	wantDue, err := sec4.Due(determined)
	if err != nil {
		t.Fatal(err)
	}
	if o := obligation(t, got, "sec4"); !o.Due.Equal(wantDue) || o.Status != incidents.ObligationOpen {
		t.Errorf("sec4 = %s due %v, want open due %v (2 business days)", o.Status, o.Due, wantDue)
	}
	if o := obligation(t, got, "dpo24"); o.Applies != incidents.Applies || !o.Due.Equal(aware.Add(24*time.Hour)) || sched["dpo24"] == 0 {
		t.Errorf("dpo24 = %s due %v with %d alarms, want applies due %v with alarms", o.Applies, o.Due, sched["dpo24"], aware.Add(24*time.Hour))
	}

	log := e.audit(inc.ID)
	last := log[len(log)-1]
	if last.Action != "playbook.upgraded" || last.Actor != "Ulead" || last.Outcome != incidents.OutcomeOK ||
		last.Details["from"] != "test v1" || last.Details["to"] != "test v2" || !strings.Contains(last.Details["changes"], "obligation removed: sa72") {
		t.Errorf("last audit entry = %+v, want playbook.upgraded test v1 -> test v2 by Ulead naming sa72 removed", last)
	}

	// The old step is history: it cannot be done again; the new one can.
	_, err = e.svc.CompleteStep(ctx, "Uresp", inc.ID, "contain", "")
	if incidents.ErrorCode(err) != incidents.ECONFLICT || !strings.Contains(incidents.ErrorMessage(err), "v1") {
		t.Errorf("completing a step of the old version: %v, want a conflict naming v1", err)
	}
	must(e.svc.CompleteStep(ctx, "Uresp", inc.ID, "vendors", ""))

	// Upgrading again changes nothing.
	res, _, err = e.svc.UpgradePlaybook(ctx, "Ulead", inc.ID)
	if err != nil || !res.Unchanged || len(res.Incident.PinHistory) != 1 {
		t.Errorf("second upgrade: %v unchanged=%v, want unchanged with one pin change", err, res != nil && res.Unchanged)
	}
}

func TestUpgradePlaybookDropsOpenRemovedSteps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	src := playbooktest.Static{testPlaybook()}
	e.withSource(src)
	inc := e.declare(t0.Add(-time.Hour))
	src[0] = testPlaybookV2()
	res, _, err := e.svc.UpgradePlaybook(ctx, "Ulead", inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Incident.Step("contain"); ok {
		t.Errorf("open step contain, removed in v2, is still on the checklist")
	}
	if d := cmp.Diff([]string{"contain"}, res.Incident.PinHistory[0].DroppedSteps); d != "" {
		t.Errorf("dropped steps (-want +got):\n%s", d)
	}
}

func TestUpgradePlaybookRefusedForResponders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	src := playbooktest.Static{testPlaybook()}
	e.withSource(src)
	inc := e.declare(t0.Add(-time.Hour), "jurisdictions=DE")
	src[0] = testPlaybookV2()
	_, _, err := e.svc.UpgradePlaybook(ctx, "Uresp", inc.ID)
	if incidents.ErrorCode(err) != incidents.EFORBIDDEN || !strings.Contains(incidents.ErrorMessage(err), "leads") {
		t.Fatalf("responder upgrading: %v, want forbidden naming leads", err)
	}
	got := e.get(inc.ID)
	if got.Playbook.Version != "1" || len(got.PinHistory) != 0 {
		t.Errorf("after a refused upgrade the incident runs v%s with %d pin changes, want v1 and none", got.Playbook.Version, len(got.PinHistory))
	}
	log := e.audit(inc.ID)
	last := log[len(log)-1]
	if last.Outcome != incidents.OutcomeRefused || last.Actor != "Uresp" || last.Action != incidents.ActUpgrade {
		t.Errorf("last audit entry = %+v, want the refused upgrade by Uresp", last)
	}
}

// outbox returns the undelivered notifications of a kind.
func (e *env) outbox(kind string) []incidents.Notification {
	e.t.Helper()
	var out []incidents.Notification
	err := e.store.View(context.Background(), func(tx incidents.Tx) error {
		ns, _, err := tx.Pending(t0.AddDate(1, 0, 0), 10000)
		for _, n := range ns {
			if n.Kind == kind {
				out = append(out, n)
			}
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestNewPlaybookVersionIsAnnouncedOncePerIncident(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	src := playbooktest.Static{testPlaybook()}
	e.withSource(src)
	first := e.declare(t0.Add(-time.Hour))
	if got := e.outbox(incidents.NotifyPlaybookUpdate); len(got) != 0 {
		t.Fatalf("announced %d updates with one version", len(got))
	}

	src[0] = testPlaybookV2()
	second := e.declare(t0) // reads the source: v2
	e.declare(t0)           // and again: still v2, nothing new to say
	got := e.outbox(incidents.NotifyPlaybookUpdate)
	if len(got) != 1 || got[0].Incident != first.ID || got[0].Audience != incidents.AudienceIncident {
		t.Fatalf("update notifications = %+v, want one to %s's channel", got, first.ID)
	}
	text := got[0].Text
	for _, want := range []string{"test v2 is out", "runs v1", "/breach playbook upgrade", "step removed: contain", "obligation added: dpo24", "sec4: deadline: 4 business days after breach_determined → 2 business days"} {
		if !strings.Contains(text, want) {
			t.Errorf("notification text lacks %q:\n%s", want, text)
		}
	}
	if i, j := strings.Index(text, "/breach playbook upgrade"), strings.Index(text, "step removed"); i > j {
		t.Errorf("what to type comes after the changes:\n%s", text)
	}

	// A third version is news again, to both incidents on older ones.
	v3 := testPlaybookV2()
	v3.Version, v3.SHA256 = "3", "dddd"
	src[0] = v3
	e.declare(t0)
	got = e.outbox(incidents.NotifyPlaybookUpdate)
	var to []string
	for _, n := range got {
		to = append(to, n.Incident)
	}
	if d := cmp.Diff([]string{first.ID, first.ID, second.ID, "INC-2026-0003"}, to); d != "" {
		t.Errorf("incidents told (-want +got):\n%s", d)
	}
}

// A source that learns of new content (a GitHub push) checks every
// playbook; repeated checks tell each incident once.
func TestCheckPlaybookSourceTellsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	src := playbooktest.Static{testPlaybook()}
	e.withSource(src)
	inc := e.declare(t0.Add(-time.Hour))
	src[0] = testPlaybookV2()
	for range 2 {
		if err := e.svc.CheckPlaybookSource(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.outbox(incidents.NotifyPlaybookUpdate); len(got) != 1 || got[0].Incident != inc.ID {
		t.Errorf("update notifications = %+v, want one to %s", got, inc.ID)
	}
}
