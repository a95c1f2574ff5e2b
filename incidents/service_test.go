package incidents_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/boltstore/boltstoretest"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/playbooktest"
)

// t0 is the test's "now": Friday 27 November 2026, 09:00 UTC.
var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// testPlaybook is a small playbook whose every number the tests assert.
func testPlaybook() *incidents.Playbook {
	eu := incidents.Condition{Fact: "jurisdictions", Op: incidents.OpIncludes, Values: []string{"EU"}}
	ca := incidents.Condition{All: []incidents.Condition{
		{Fact: "jurisdictions", Op: incidents.OpIncludes, Values: []string{"US-CA"}},
		{Fact: "encrypted", Op: incidents.OpIs, Bool: false},
	}}
	return &incidents.Playbook{
		ID: "test", Version: "1", Title: "Test playbook", SHA256: "aaaa", Source: "test",
		Catalog: incidents.CatalogRef{Version: "t", SHA256: "bbbb", Disclaimer: "not legal advice"},
		Groups:  map[string][]string{"EU": {"DE", "FR"}},
		Facts: []incidents.FactDef{
			{Name: "jurisdictions", Type: incidents.FactSet, Format: "jurisdiction"},
			{Name: "data_categories", Aliases: []string{"data"}, Type: incidents.FactSet},
			{Name: "affected", Type: incidents.FactNumber},
			{Name: "residents", Type: incidents.FactCounts},
			{Name: "encrypted", Type: incidents.FactBool},
		},
		Events: []incidents.EventDef{{Name: "awareness"}, {Name: "breach_determined"}},
		Steps: []incidents.StepDef{
			{ID: "triage", Title: "Triage", Owner: incidents.RoleResponders, Gate: incidents.StateInvestigating},
			{ID: "contain", Title: "Contain", Owner: incidents.RoleResponders, Requires: []string{"triage"}, Gate: incidents.StateContained},
			{ID: "notify", Title: "Notify", Owner: incidents.RoleLegal, Requires: []string{"contain"}},
			{ID: "review", Title: "Review", Owner: incidents.RoleLeads, Gate: incidents.StateClosed},
		},
		Reminders: []incidents.ReminderSpec{{Fraction: 0.5}, {Before: 24 * time.Hour}, {Before: time.Hour}},
		Obligations: []incidents.ObligationRule{
			{ID: "sa72", When: eu, Regulation: incidents.Regulation{ID: "sa72", Title: "Tell the supervisory authority", Notify: "SA", Status: incidents.StatusInForce,
				Deadline: incidents.Deadline{Start: "awareness", Amount: 72, Unit: incidents.UnitHours}}},
			{ID: "state30", When: ca, Regulation: incidents.Regulation{ID: "state30", Title: "Tell California residents", Notify: "residents", Status: incidents.StatusInForce,
				Deadline: incidents.Deadline{Start: "breach_determined", Amount: 30, Unit: incidents.UnitCalendarDays, TimeZone: "America/Los_Angeles"}}},
			{ID: "ag15", When: incidents.Condition{Fact: "residents.US-CA", Op: incidents.OpGT, Number: 500},
				Regulation: incidents.Regulation{ID: "ag15", Title: "Send the AG a sample", Notify: "AG", Status: incidents.StatusUncertain,
					Deadline: incidents.Deadline{Start: "met:state30", Amount: 15, Unit: incidents.UnitCalendarDays}}},
			{ID: "sec4", Regulation: incidents.Regulation{ID: "sec4", Title: "File 8-K", Notify: "SEC", Status: incidents.StatusInForce,
				Deadline: incidents.Deadline{Start: "breach_determined", Amount: 4, Unit: incidents.UnitBusinessDays, Calendar: "US", TimeZone: "America/New_York"}}},
		},
	}
}

// recorder is a Notifier that records what it is given and can be made to fail.
type recorder struct {
	mu   sync.Mutex
	got  []incidents.Notification
	fail error
	seen chan struct{}
}

func newRecorder() *recorder { return &recorder{seen: make(chan struct{}, 1000)} }

func (r *recorder) Notify(_ context.Context, n incidents.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.got = append(r.got, n)
	if n.Kind == incidents.NotifyReminder || n.Kind == incidents.NotifyEscalation {
		r.seen <- struct{}{}
	}
	return nil
}

func (r *recorder) notifications(kinds ...string) []incidents.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []incidents.Notification
	for _, n := range r.got {
		for _, k := range kinds {
			if n.Kind == k {
				out = append(out, n)
			}
		}
	}
	return out
}

// env is a service on a real bbolt file with a fake clock.
type env struct {
	t     *testing.T
	path  string
	store *boltstore.Store
	clock *clocktest.Clock
	svc   *incidents.Service
	roles map[string][]string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "breachbot.db"), clock: clocktest.New(t0),
		roles: map[string][]string{
			"Uresp":  {incidents.RoleResponders},
			"Ulead":  {incidents.RoleLeads},
			"Ulegal": {incidents.RoleLegal},
		}}
	e.open()
	return e
}

func (e *env) open() {
	e.store = boltstoretest.MustOpenAt(e.t, e.path)
	e.svc = incidents.NewService(incidents.Config{
		Store: e.store, Playbooks: playbooktest.Static{testPlaybook()}, Clock: e.clock,
		Roles: incidents.RoleResolverFunc(func(_ context.Context, u string) ([]string, error) { return e.roles[u], nil }),
	})
}

// reopen closes and reopens the database, as a restart does.
func (e *env) reopen() {
	e.t.Helper()
	if err := e.store.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

func (e *env) declare(aware time.Time, facts ...string) *incidents.Incident {
	e.t.Helper()
	res, err := e.svc.Declare(context.Background(), "Uresp", incidents.DeclareInput{Title: "Customer DB exposed", AwareAt: aware, Facts: facts})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Incident
}

func (e *env) get(id string) *incidents.Incident {
	e.t.Helper()
	res, err := e.svc.Get(context.Background(), "Ulead", id)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Incident
}

func obligation(t *testing.T, inc *incidents.Incident, id string) *incidents.Obligation {
	t.Helper()
	o, ok := inc.Obligation(id)
	if !ok {
		t.Fatalf("%s has no obligation %s", inc.ID, id)
	}
	return o
}

func (e *env) audit(id string) []incidents.AuditEntry {
	e.t.Helper()
	var out []incidents.AuditEntry
	err := e.store.View(context.Background(), func(tx incidents.Tx) error {
		return tx.AuditLog(id, func(a incidents.AuditEntry) error { out = append(out, a); return nil })
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestDeclarePinsPlaybookAndStartsClocks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	aware := t0.Add(-3 * time.Hour)
	inc := e.declare(aware, "jurisdictions=DE")
	if inc.ID != "INC-2026-0001" {
		t.Errorf("id = %s, want INC-2026-0001", inc.ID)
	}
	if diff := cmp.Diff(incidents.PlaybookPin{Key: "aaaa+bbbb", ID: "test", Version: "1", Title: "Test playbook", SHA256: "aaaa",
		Source: "test", CatalogVersion: "t", CatalogSHA256: "bbbb"}, inc.Playbook); diff != "" {
		t.Errorf("pin (-want +got):\n%s", diff)
	}
	sa := obligation(t, inc, "sa72")
	if sa.Applies != incidents.Applies || !sa.Due.Equal(aware.Add(72*time.Hour)) {
		t.Errorf("sa72 = %s due %v, want applies due %v", sa.Applies, sa.Due, aware.Add(72*time.Hour))
	}
	// Reminders: 50% at aware+36h, 24 h before, 1 h before, then the escalation.
	var got []string
	for _, a := range sa.Alarms {
		got = append(got, a.Label+"@"+a.At.Sub(aware).String())
	}
	if diff := cmp.Diff([]string{"50%@36h0m0s", "24h@48h0m0s", "1h@71h0m0s", "due@72h0m0s"}, got); diff != "" {
		t.Errorf("alarms (-want +got):\n%s", diff)
	}
	if st := obligation(t, inc, "state30"); st.Applies != incidents.NotApplicable || strings.Join(st.Why, ";") != "jurisdictions does not include US-CA" {
		t.Errorf("state30 = %s because %v, want not applicable: jurisdictions does not include US-CA", st.Applies, st.Why)
	}
	if ag := obligation(t, inc, "ag15"); ag.Applies != incidents.NeedsFacts || strings.Join(ag.Missing, ",") != "residents.US-CA" {
		t.Errorf("ag15 = %s missing %v, want needs facts: residents.US-CA", ag.Applies, ag.Missing)
	}
	if sec := obligation(t, inc, "sec4"); sec.Phase() != incidents.PhaseNotStarted {
		t.Errorf("sec4 phase = %s, want not started (breach_determined not recorded)", sec.Phase())
	}
	// Second incident of the year gets the next number.
	if inc2 := e.declare(t0); inc2.ID != "INC-2026-0002" {
		t.Errorf("second id = %s", inc2.ID)
	}
	entries := e.audit(inc.ID)
	if len(entries) != 1 || entries[0].Action != "incident.declared" || entries[0].Details["sha256"] != "aaaa" {
		t.Errorf("audit = %+v, want one incident.declared with the playbook sha256", entries)
	}
}

func TestDeclareRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		actor string
		in    incidents.DeclareInput
		code  string
		msg   string
	}{
		{"no title", "Uresp", incidents.DeclareInput{}, incidents.EINVALID, "the title is missing"},
		{"future awareness", "Uresp", incidents.DeclareInput{Title: "x", AwareAt: t0.Add(time.Hour)}, incidents.EINVALID, "the awareness time 2026-11-27T10:00:00Z is in the future"},
		{"unknown playbook", "Uresp", incidents.DeclareInput{Title: "x", Playbook: "nope"}, incidents.ENOTFOUND, `no playbook "nope"`},
		{"bad fact", "Uresp", incidents.DeclareInput{Title: "x", Facts: []string{"colour=red"}}, incidents.EINVALID, `unknown fact "colour"`},
		{"legal may not declare", "Ulegal", incidents.DeclareInput{Title: "x"}, incidents.EFORBIDDEN,
			"declaring an incident needs the responders or leads role; you have the role(s) legal"},
		{"stranger", "Unobody", incidents.DeclareInput{Title: "x"}, incidents.EFORBIDDEN,
			"declaring an incident needs the responders or leads role; you have no breachbot role"},
	}
	for _, tt := range tests {
		_, err := e.svc.Declare(ctx, tt.actor, tt.in)
		if incidents.ErrorCode(err) != tt.code || incidents.ErrorMessage(err) != tt.msg {
			t.Errorf("%s: err = %v (%s), want %s %q", tt.name, err, incidents.ErrorCode(err), tt.code, tt.msg)
		}
	}
	if list, _ := e.svc.List(ctx, "Ulead", true); len(list) != 0 {
		t.Errorf("refused declarations stored %d incidents", len(list))
	}
	var refusals []string
	for _, a := range e.audit("") {
		if a.Outcome == incidents.OutcomeRefused {
			refusals = append(refusals, a.Actor+":"+a.Action)
		}
	}
	if diff := cmp.Diff([]string{"Ulegal:declare", "Unobody:declare"}, refusals); diff != "" {
		t.Errorf("refusals audited (-want +got):\n%s", diff)
	}
}

func TestFactsRecomputeObligations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	inc := e.declare(t0)
	res, err := e.svc.RecordFacts(ctx, "Uresp", inc.ID, []string{"jurisdictions=FR,US-CA", "residents=US-CA:600"})
	if err != nil {
		t.Fatal(err)
	}
	type change struct{ ID, From, To, Missing string }
	var got []change
	for _, c := range res.Changes {
		got = append(got, change{c.ID, c.From, c.To, strings.Join(c.Missing, ",")})
	}
	want := []change{
		{"sa72", incidents.NeedsFacts, incidents.Applies, ""},
		{"ag15", incidents.NeedsFacts, incidents.Applies, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if o := obligation(t, res.Incident, "state30"); o.Applies != incidents.NeedsFacts || strings.Join(o.Missing, ",") != "encrypted" {
		t.Errorf("state30 = %s missing %v, want needs facts: encrypted", o.Applies, o.Missing)
	}
	// The data turns out encrypted: California no longer needs facts, it does not apply.
	res, err = e.svc.RecordFacts(ctx, "Uresp", inc.ID, []string{"encrypted=yes"})
	if err != nil {
		t.Fatal(err)
	}
	if o := obligation(t, res.Incident, "state30"); o.Applies != incidents.NotApplicable || strings.Join(o.Why, ";") != "encrypted is yes, not no" {
		t.Errorf("state30 = %s why %v", o.Applies, o.Why)
	}
	// Removing the EU: sa72 no longer applies and its alarms leave the schedule.
	res, err = e.svc.RecordFacts(ctx, "Uresp", inc.ID, []string{"jurisdictions=US-CA"})
	if err != nil {
		t.Fatal(err)
	}
	if o := obligation(t, res.Incident, "sa72"); o.Applies != incidents.NotApplicable || len(o.Alarms) != 0 {
		t.Errorf("sa72 = %s with %d alarms, want not applicable with none", o.Applies, len(o.Alarms))
	}
	var next incidents.Alarm
	var ok bool
	e.store.View(ctx, func(tx incidents.Tx) error { next, ok, _ = tx.NextAlarm(); return nil })
	if ok {
		t.Errorf("schedule still holds %+v after the obligation stopped applying", next)
	}
	// The same facts again change nothing and write no audit entry.
	before := len(e.audit(inc.ID))
	res, err = e.svc.RecordFacts(ctx, "Uresp", inc.ID, []string{"jurisdictions=US-CA"})
	if err != nil || !res.Unchanged {
		t.Errorf("repeat: unchanged=%v err=%v", res != nil && res.Unchanged, err)
	}
	if after := len(e.audit(inc.ID)); after != before {
		t.Errorf("repeat wrote %d audit entries", after-before)
	}
	// A bad assignment among good ones changes nothing.
	_, err = e.svc.RecordFacts(ctx, "Uresp", inc.ID, []string{"affected=10", "encrypted=perhaps"})
	if incidents.ErrorCode(err) != incidents.EINVALID {
		t.Fatalf("err = %v, want invalid", err)
	}
	if _, ok := e.get(inc.ID).Facts["affected"]; ok {
		t.Error("a refused facts command stored part of its facts")
	}
}

func TestClockEventsAndChainedObligations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	inc := e.declare(t0.Add(-48*time.Hour), "jurisdictions=US-CA", "encrypted=no", "residents=US-CA:501")
	// Determination on Wednesday 25 Nov 2026 15:00 UTC (10:00 in New York, 07:00 in LA).
	det := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
	res, err := e.svc.RecordEvent(ctx, "Uresp", inc.ID, "breach_determined", det, "")
	if err != nil {
		t.Fatal(err)
	}
	state := obligation(t, res.Incident, "state30")
	// 30 calendar days from 25 Nov in Los Angeles end at the end of 25 Dec there.
	if want := time.Date(2026, 12, 26, 8, 0, 0, 0, time.UTC); !state.Due.Equal(want) {
		t.Errorf("state30 due %v, want %v", state.Due, want)
	}
	// SEC: 4 US business days after Wednesday 25 Nov skips Thanksgiving (26th)
	// and the weekend, and end at the end of Wednesday 2 Dec in New York.
	if sec := obligation(t, res.Incident, "sec4"); !sec.Due.Equal(time.Date(2026, 12, 3, 5, 0, 0, 0, time.UTC)) {
		t.Errorf("sec4 due %v, want 2026-12-03 05:00 UTC", sec.Due)
	}
	if ag := obligation(t, res.Incident, "ag15"); ag.Phase() != incidents.PhaseNotStarted {
		t.Errorf("ag15 phase %s, want not started until state30 is met", ag.Phase())
	}
	// Meeting state30 starts the AG's 15 days.
	met := t0.Add(-time.Hour)
	res, err = e.svc.Met(ctx, "Ulegal", inc.ID, incidents.MetInput{Obligation: "state30", Reference: "letters mailed", At: met})
	if err != nil {
		t.Fatal(err)
	}
	// 15 calendar days (in UTC) from 27 Nov end at the end of 12 Dec.
	if ag, due := obligation(t, res.Incident, "ag15"), time.Date(2026, 12, 13, 0, 0, 0, 0, time.UTC); !ag.Start.Equal(met) || !ag.Due.Equal(due) {
		t.Errorf("ag15 start %v due %v, want start %v due %v", ag.Start, ag.Due, met, due)
	}
	// Events before awareness, in the future, or unknown are refused.
	for _, tc := range []struct {
		event string
		at    time.Time
		msg   string
	}{
		{"breach_determined", t0.Add(-100 * time.Hour), "breach_determined (2026-11-23T05:00:00Z) cannot be before awareness (2026-11-25T09:00:00Z)"},
		{"breach_determined", t0.Add(time.Hour), "breach_determined cannot be in the future (2026-11-27T10:00:00Z)"},
		{"ransom_paid", t0, `unknown clock event "ransom_paid"`},
	} {
		_, err := e.svc.RecordEvent(ctx, "Uresp", inc.ID, tc.event, tc.at, "")
		if incidents.ErrorMessage(err) != tc.msg {
			t.Errorf("RecordEvent(%s, %v) = %v, want %q", tc.event, tc.at, err, tc.msg)
		}
	}
}

func TestMetLateNeedsReasonsAndWaiveNeedsRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	inc := e.declare(t0.Add(-80*time.Hour), "jurisdictions=DE")
	_, err := e.svc.Met(ctx, "Ulegal", inc.ID, incidents.MetInput{Obligation: "sa72", Reference: "CNIL-1"})
	if incidents.ErrorCode(err) != incidents.EINVALID || !strings.Contains(incidents.ErrorMessage(err), "8 h after its due time") {
		t.Fatalf("late met without reason: %v", err)
	}
	var ie *incidents.Error
	if !errors.As(err, &ie) {
		t.Fatalf("late met without reason: %v is not an *incidents.Error", err)
	}
	if !strings.HasPrefix(ie.Try, "met sa72 --ref CNIL-1 --delay-reason") || strings.Contains(ie.Error(), "/breach") {
		t.Errorf("error %v does not name the command that gives the reasons (Try %q), in the grammar's words without /breach", err, ie.Try)
	}
	_, err = e.svc.Met(ctx, "Uresp", inc.ID, incidents.MetInput{Obligation: "sa72", Reference: "CNIL-1", DelayReason: "x"})
	if incidents.ErrorCode(err) != incidents.EFORBIDDEN {
		t.Errorf("responder recording met: %v, want forbidden", err)
	}
	res, err := e.svc.Met(ctx, "Ulegal", inc.ID, incidents.MetInput{Obligation: "sa72", Reference: "CNIL-1", DelayReason: "forensics took 3 days"})
	if err != nil {
		t.Fatal(err)
	}
	o := obligation(t, res.Incident, "sa72")
	if o.Status != incidents.ObligationMet || o.Late() != 8*time.Hour || o.Reference != "CNIL-1" {
		t.Errorf("sa72 = %s late %v ref %q", o.Status, o.Late(), o.Reference)
	}
	if _, err := e.svc.Met(ctx, "Ulegal", inc.ID, incidents.MetInput{Obligation: "sa72", Reference: "again"}); incidents.ErrorCode(err) != incidents.ECONFLICT {
		t.Errorf("second met: %v, want conflict", err)
	}
	// Waiving: responders may not; a reason is required; leads may.
	if _, err := e.svc.Waive(ctx, "Uresp", inc.ID, "sec4", "not a public company"); incidents.ErrorCode(err) != incidents.EFORBIDDEN {
		t.Errorf("responder waive: %v, want forbidden", err)
	}
	if _, err := e.svc.Waive(ctx, "Ulead", inc.ID, "sec4", "  "); incidents.ErrorMessage(err) != "the reason is missing" {
		t.Errorf("waive without reason: %v", err)
	}
	if _, err := e.svc.Waive(ctx, "Ulead", inc.ID, "sec4", "not a public company"); err != nil {
		t.Fatal(err)
	}
	var refused []string
	for _, a := range e.audit(inc.ID) {
		if a.Outcome == incidents.OutcomeRefused {
			refused = append(refused, a.Actor+":"+a.Action)
		}
	}
	if diff := cmp.Diff([]string{"Uresp:met", "Ulegal:met", "Uresp:waive"}, refused); diff != "" {
		t.Errorf("refusals audited (-want +got):\n%s", diff)
	}
}

func TestStepsGatesAndClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	inc := e.declare(t0, "jurisdictions=DE")
	if _, err := e.svc.CompleteStep(ctx, "Uresp", inc.ID, "contain", ""); incidents.ErrorMessage(err) != "step contain needs triage done first" {
		t.Errorf("contain before triage: %v", err)
	}
	if _, err := e.svc.Move(ctx, "Uresp", inc.ID, incidents.StateContained); err == nil ||
		!strings.Contains(incidents.ErrorMessage(err), "triage (gates investigating), contain (gates contained)") {
		t.Errorf("move past gates: %v", err)
	}
	if _, err := e.svc.CompleteStep(ctx, "Ulegal", inc.ID, "triage", ""); incidents.ErrorCode(err) != incidents.EFORBIDDEN {
		t.Errorf("legal completing a responders' step: %v, want forbidden", err)
	}
	for _, s := range []string{"triage", "contain"} {
		if _, err := e.svc.CompleteStep(ctx, "Uresp", inc.ID, s, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.CompleteStep(ctx, "Uresp", inc.ID, "triage", ""); incidents.ErrorCode(err) != incidents.ECONFLICT {
		t.Errorf("step done twice: %v", err)
	}
	if _, err := e.svc.Move(ctx, "Uresp", inc.ID, incidents.StateContained); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Move(ctx, "Uresp", inc.ID, incidents.StateInvestigating); incidents.ErrorCode(err) != incidents.ECONFLICT {
		t.Errorf("moving backwards: %v", err)
	}
	if _, err := e.svc.WaiveStep(ctx, "Ulead", inc.ID, "review", "tabletop covers it"); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Move(ctx, "Ulead", inc.ID, incidents.StateClosed)
	if incidents.ErrorCode(err) != incidents.ECONFLICT || !strings.Contains(incidents.ErrorMessage(err), "sa72 (running)") ||
		!strings.Contains(incidents.ErrorMessage(err), "ag15 (needs facts)") ||
		!strings.Contains(incidents.ErrorMessage(err), "sec4 (not started)") || strings.Contains(incidents.ErrorMessage(err), "state30") {
		t.Fatalf("close with open obligations: %v", err)
	}
	if _, err := e.svc.Met(ctx, "Ulegal", inc.ID, incidents.MetInput{Obligation: "sa72", Reference: "CNIL-7"}); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"sec4", "ag15"} {
		if _, err := e.svc.Waive(ctx, "Ulegal", inc.ID, o, "no US residents"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Move(ctx, "Uresp", inc.ID, incidents.StateClosed); incidents.ErrorCode(err) != incidents.EFORBIDDEN {
		t.Errorf("responder closing: %v, want forbidden", err)
	}
	res, err := e.svc.Move(ctx, "Ulead", inc.ID, incidents.StateClosed)
	if err != nil {
		t.Fatal(err)
	}
	if res.Incident.State != incidents.StateClosed || res.Incident.ClosedAt.IsZero() {
		t.Errorf("state %s closed at %v", res.Incident.State, res.Incident.ClosedAt)
	}
	if _, err := e.svc.RecordFacts(ctx, "Uresp", inc.ID, []string{"affected=3"}); incidents.ErrorCode(err) != incidents.ECONFLICT {
		t.Errorf("facts on a closed incident: %v", err)
	}
}

func TestDrillRunsOnAnAcceleratedClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	res, err := e.svc.Declare(ctx, "Uresp", incidents.DeclareInput{Title: "tabletop", Drill: true, Speed: 60, Facts: []string{"jurisdictions=DE"}})
	if err != nil {
		t.Fatal(err)
	}
	o := obligation(t, res.Incident, "sa72")
	if want := t0.Add(72 * time.Minute); !o.Due.Equal(want) {
		t.Errorf("drill sa72 due %v, want %v (72 h at 60x)", o.Due, want)
	}
	e.clock.Advance(72 * time.Minute)
	e.fire()
	rec := newRecorder()
	e.drain(rec)
	var drills int
	for _, n := range rec.notifications(incidents.NotifyEscalation) {
		if n.Drill {
			drills++
		}
	}
	if drills != 2 {
		t.Errorf("escalations marked as drill: %d, want 2 (channel and leads)", drills)
	}
	for _, in := range []incidents.DeclareInput{{Title: "x", Speed: 60}, {Title: "x", Drill: true, Speed: -1}} {
		if _, err := e.svc.Declare(ctx, "Uresp", in); incidents.ErrorCode(err) != incidents.EINVALID {
			t.Errorf("Declare(%+v) = %v, want invalid", in, err)
		}
	}
}

func TestNamingAnIncidentMakesItCurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	first := e.declare(t0)
	second := e.declare(t0)
	current := func() string {
		id, err := e.svc.Resolve(ctx, "Uresp", "")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if got := current(); got != second.ID {
		t.Fatalf("after declaring, current = %s, want %s", got, second.ID)
	}
	if _, err := e.svc.RecordFacts(ctx, "Uresp", first.ID, []string{"affected=3"}); err != nil {
		t.Fatal(err)
	}
	if got := current(); got != first.ID {
		t.Errorf("after recording facts on %s, current = %s", first.ID, got)
	}
	// A refused command does not move the user's current incident.
	if _, err := e.svc.Waive(ctx, "Uresp", second.ID, "sa72", "no"); incidents.ErrorCode(err) != incidents.EFORBIDDEN {
		t.Fatal(err)
	}
	if got := current(); got != first.ID {
		t.Errorf("a refused command moved current to %s", got)
	}
}
