package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// routerNow is when every Router test types its lines: an hour after the
// awareness time of the incident that routerSetup declares.
var routerNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// typed is one /breach line typed by a user.
type typed struct{ user, line string }

// routerSetup declares INC-2026-0001 as a responder: aware an hour ago,
// EU residents, 800 people, so GDPR Art. 33's 72-hour clock runs.
var routerSetup = []typed{
	{"Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU affected=800"`},
}

// routerCase is one line typed to the Router on a fresh board: the reply
// the user reads and what the store holds afterwards.
type routerCase struct {
	name  string
	setup []typed // lines that must succeed first (none: an empty store)
	typed
	// ok is whether the reply is not an error; want are parts of its text.
	ok   bool
	want []string
	// stored checks the incident as stored afterwards (nil: the line
	// changes nothing, which is checked).
	stored func(t *testing.T, inc *incidents.Incident)
	// refused, for a refusal by role or state, is the audited action.
	refused string
}

// runRouterCases runs each case on its own board: a real bbolt file, the
// shipped playbooks and catalog, and a fake clock at routerNow.
func runRouterCases(t *testing.T, cases []routerCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBoard(t, routerNow)
			for _, s := range tt.setup {
				b.must(s.user, s.line)
			}
			before := b.stored()
			text, ok := b.run(tt.user, tt.line)
			if ok != tt.ok {
				t.Fatalf("/breach %s as %s: ok=%v, want %v; reply:\n%s", tt.line, tt.user, ok, tt.ok, text)
			}
			mustContain(t, text, tt.want...)
			after := b.stored()
			if tt.stored != nil {
				if after == nil {
					t.Fatal("no incident stored")
				}
				tt.stored(t, after)
			} else if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("the stored incident changed (-before +after):\n%s", diff)
			}
			if tt.refused != "" && !b.auditedRefusal(tt.user, tt.refused) {
				t.Errorf("no audit entry of %s refused to %s; audit log: %+v", tt.refused, tt.user, b.audit(""))
			}
		})
	}
}

// stored returns INC-2026-0001 as the store holds it, or nil.
func (b *board) stored() *incidents.Incident {
	b.t.Helper()
	res, err := b.svc.Get(context.Background(), "Ulead", "INC-2026-0001")
	if incidents.ErrorCode(err) == incidents.ENOTFOUND {
		return nil
	} else if err != nil {
		b.t.Fatal(err)
	}
	return res.Incident
}

// auditedRefusal reports whether the audit log holds action refused to
// user.
func (b *board) auditedRefusal(user, action string) bool {
	for _, e := range b.audit("") {
		if e.Actor == user && e.Action == action && e.Outcome == incidents.OutcomeRefused {
			return true
		}
	}
	return false
}

func step(t *testing.T, inc *incidents.Incident, id string) incidents.Step {
	t.Helper()
	for _, s := range inc.Steps {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("%s has no step %s", inc.ID, id)
	return incidents.Step{}
}

func obligation(t *testing.T, inc *incidents.Incident, id string) *incidents.Obligation {
	t.Helper()
	o, ok := inc.Obligation(id)
	if !ok {
		t.Fatalf("%s has no obligation %s", inc.ID, id)
	}
	return o
}

func facts(inc *incidents.Incident) map[string]string {
	out := map[string]string{}
	for name, f := range inc.Facts {
		out[name] = f.String()
	}
	return out
}

func TestRouterDeclare(t *testing.T) {
	t.Parallel()
	usage := `usage: /breach declare TITLE [--aware TIME] [--severity critical|high|medium|low] [--playbook ID] [--facts "name=value ..."] [--drill]`
	runRouterCases(t, []routerCase{
		{name: "title only", typed: typed{"Uresp", "declare Laptop stolen"}, ok: true,
			want: []string{"INC-2026-0001 declared: Laptop stolen", "Severity high", "playbook personal-data-breach", "Next", "triage"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				got := []string{inc.Title, string(inc.State), inc.DeclaredBy, inc.Playbook.ID, inc.Events["awareness"].At.Format(time.RFC3339)}
				want := []string{"Laptop stolen", "declared", "Uresp", "personal-data-breach", routerNow.Format(time.RFC3339)}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("title, state, declared by, playbook, awareness (-want +got):\n%s", diff)
				}
			}},
		{name: "with flags", typed: typed{"Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --severity critical --facts "jurisdictions=EU affected=800"`}, ok: true,
			want: []string{"INC-2026-0001 declared: Shop DB copied", "Severity critical · aware since 2026-11-20 09:00 UTC (1 h ago)",
				"gdpr-art33 · GDPR Art. 33", "due 2026-11-23 09:00 UTC (in 2 d 23 h)"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				if inc.Severity != incidents.SeverityCritical || !inc.Events["awareness"].At.Equal(routerNow.Add(-time.Hour)) {
					t.Errorf("severity %s, awareness %s; want critical, 09:00Z", inc.Severity, inc.Events["awareness"].At)
				}
				if diff := cmp.Diff(map[string]string{"jurisdictions": "EU", "affected": "800"}, facts(inc)); diff != "" {
					t.Errorf("facts (-want +got):\n%s", diff)
				}
				if o := obligation(t, inc, "gdpr-art33"); !o.Due.Equal(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)) {
					t.Errorf("gdpr-art33 due %s, want 72 hours after awareness", o.Due)
				}
			}},
		{name: "no title", typed: typed{"Uresp", "declare"},
			want: []string{"Error: declare needs a title", usage}},
		{name: "unknown flag", typed: typed{"Uresp", "declare Shop DB copied --bogus x"},
			want: []string{"declare has no option --bogus", "options: --aware --severity --playbook --facts --drill"}},
		{name: "bad severity", typed: typed{"Uresp", "declare Shop DB copied --severity huge"},
			want: []string{`"huge" is not a severity`, "use critical, high, medium or low"}},
		{name: "bad awareness time", typed: typed{"Uresp", "declare Shop DB copied --aware yesterday-ish"},
			want: []string{`"yesterday-ish" is not a time I can read`, "2026-11-27T09:00Z"}},
		{name: "bad fact", typed: typed{"Uresp", `declare Shop DB copied --facts "affected=lots"`},
			want: []string{`"lots" is not a whole number`, "write affected=12000"}},
	})
}

func TestRouterFacts(t *testing.T) {
	t.Parallel()
	runRouterCases(t, []routerCase{
		{name: "list", setup: routerSetup, typed: typed{"Uresp", "facts"}, ok: true,
			want: []string{"INC-2026-0001 facts", "Known\n  affected=800\n  jurisdictions=EU", "Not yet known", "/breach help facts explains each"}},
		{name: "set", setup: routerSetup, typed: typed{"Uresp", "facts affected=900"}, ok: true,
			want: []string{"INC-2026-0001 facts recorded: affected", "affected=900"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				if f := inc.Facts["affected"]; f.String() != "900" || f.By != "Uresp" {
					t.Errorf("affected = %s by %s, want 900 by Uresp", f, f.By)
				}
			}},
		{name: "add to a list", setup: routerSetup, typed: typed{"Uresp", "facts jurisdictions+=US-CA"}, ok: true,
			want: []string{"facts recorded: jurisdictions", "jurisdictions=EU,US-CA", "What changed", "ca-residents"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				if got := inc.Facts["jurisdictions"].String(); got != "EU,US-CA" {
					t.Errorf("jurisdictions = %s, want EU,US-CA", got)
				}
				if o := obligation(t, inc, "ca-residents"); o.Applies != incidents.NeedsFacts {
					t.Errorf("ca-residents %s, want needs facts", o.Applies)
				}
			}},
		{name: "remove from a list", setup: []typed{{"Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU,US-CA affected=800"`}},
			typed: typed{"Uresp", "facts jurisdictions-=US-CA"}, ok: true,
			want: []string{"facts recorded: jurisdictions", "jurisdictions=EU"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				if got := inc.Facts["jurisdictions"].String(); got != "EU" {
					t.Errorf("jurisdictions = %s, want EU", got)
				}
			}},
		{name: "unknown clears a fact", setup: routerSetup, typed: typed{"Uresp", "facts affected=unknown"}, ok: true,
			want: []string{"facts recorded: affected", "What changed", "needs facts: hipaa-hhs-annual"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				if f, ok := inc.Facts["affected"]; ok {
					t.Errorf("affected = %s, want not known", f)
				}
			}},
		{name: "+= on a number", setup: routerSetup, typed: typed{"Uresp", "facts affected+=100"},
			want: []string{"affected+= only works for list facts; affected is a number", "write affected=VALUE"}},
		{name: "-= on a number", setup: routerSetup, typed: typed{"Uresp", "facts affected-=50"},
			want: []string{"affected-= only works for list facts", "write affected=VALUE"}},
		{name: "bad value", setup: routerSetup, typed: typed{"Uresp", "facts affected=lots"},
			want: []string{`fact affected: "lots" is not a whole number`, "write affected=12000 (a whole number)"}},
		{name: "misspelt name", setup: routerSetup, typed: typed{"Uresp", "facts afected=3"},
			want: []string{`unknown fact "afected"`, "did you mean affected?", "/breach help facts explains each"}},
		{name: "no incident yet", typed: typed{"Uresp", "facts affected=3"},
			want: []string{"which incident? You have not declared or named one yet", "add --incident INC-YYYY-NNNN"}},
	})
}

func TestRouterSteps(t *testing.T) {
	t.Parallel()
	runRouterCases(t, []routerCase{
		{name: "checklist", setup: routerSetup, typed: typed{"Uresp", "steps"}, ok: true,
			want: []string{"INC-2026-0001 checklist (personal-data-breach v2026.11.1)", "triage", "assign-roles"}},
		{name: "done by a responder", setup: routerSetup, typed: typed{"Uresp", "step done triage looked at the logs"}, ok: true,
			want: []string{"INC-2026-0001: step triage done", "Next steps"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				s := step(t, inc, "triage")
				if s.Status != incidents.StepDone || s.By != "Uresp" || s.Note != "looked at the logs" || !s.At.Equal(routerNow) {
					t.Errorf("triage = %+v, want done by Uresp now with the note", s)
				}
			}},
		{name: "no such step", setup: routerSetup, typed: typed{"Uresp", "step done nosuch"},
			want: []string{`INC-2026-0001 has no step "nosuch"`, "steps: triage, assign-roles,"}},
		{name: "waive needs a lead", setup: routerSetup, typed: typed{"Uresp", "step waive assign-roles small team"},
			want: []string{"waiving needs the leads or legal role; you have the role(s) responders"}, refused: incidents.ActWaive},
		{name: "waived by a lead", setup: routerSetup, typed: typed{"Ulead", "step waive assign-roles small team --incident INC-2026-0001"}, ok: true,
			want: []string{"INC-2026-0001: step assign-roles waived"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				s := step(t, inc, "assign-roles")
				if s.Status != incidents.StepWaived || s.By != "Ulead" || s.Note != "small team" {
					t.Errorf("assign-roles = %+v, want waived by Ulead for small team", s)
				}
			}},
	})
}

func TestRouterMetAndWaive(t *testing.T) {
	t.Parallel()
	late := []typed{{"Uresp", `declare Late --aware 2026-11-10T09:00Z --facts "jurisdictions=EU affected=800"`}}
	runRouterCases(t, []routerCase{
		{name: "met with a reference", setup: routerSetup, typed: typed{"Ulegal", "met gdpr-art33 --ref SA-1 --incident INC-2026-0001"}, ok: true,
			want: []string{"INC-2026-0001: gdpr-art33 met", "[x] gdpr-art33"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				o := obligation(t, inc, "gdpr-art33")
				if o.Status != incidents.ObligationMet || o.Reference != "SA-1" || o.MetBy != "Ulegal" || !o.MetAt.Equal(routerNow) {
					t.Errorf("gdpr-art33 = %s ref %q by %s at %s, want met, SA-1, Ulegal, now", o.Status, o.Reference, o.MetBy, o.MetAt)
				}
			}},
		{name: "met without a reference", setup: routerSetup, typed: typed{"Ulegal", "met gdpr-art33 --incident INC-2026-0001"},
			want: []string{"the reference is missing", "/breach met gdpr-art33 --ref CASE-NUMBER"}},
		{name: "met needs a lead or legal", setup: routerSetup, typed: typed{"Uresp", "met gdpr-art33 --ref SA-1"},
			want: []string{"recording an obligation as met needs the leads or legal role; you have the role(s) responders"}, refused: incidents.ActMet},
		{name: "met, no such obligation", setup: routerSetup, typed: typed{"Ulead", "met nosuch --ref SA-1 --incident INC-2026-0001"},
			want: []string{`INC-2026-0001 has no obligation "nosuch"`, "obligations that apply or need facts: gdpr-art33,"}},
		{name: "met late needs the reasons", setup: late, typed: typed{"Ulegal", "met gdpr-art33 --ref SA-9 --incident INC-2026-0001"},
			want: []string{"gdpr-art33 is being met 7 d 1 h after its due time", "the reasons for the delay must be recorded",
				`--delay-reason "why it was late"`}},
		{name: "met late with the reasons", setup: late, typed: typed{"Ulegal", `met gdpr-art33 --ref SA-9 --delay-reason "forensics took 10 days" --incident INC-2026-0001`}, ok: true,
			want: []string{"INC-2026-0001: gdpr-art33 met"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				o := obligation(t, inc, "gdpr-art33")
				if o.Status != incidents.ObligationMet || o.DelayReason != "forensics took 10 days" {
					t.Errorf("gdpr-art33 = %s, delay reason %q; want met with the reasons", o.Status, o.DelayReason)
				}
			}},
		{name: "waive with a reason", setup: routerSetup, typed: typed{"Ulead", "waive gdpr-art34 counsel says low risk --incident INC-2026-0001"}, ok: true,
			want: []string{"INC-2026-0001: gdpr-art34 waived", "[~] gdpr-art34"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				o := obligation(t, inc, "gdpr-art34")
				if o.Status != incidents.ObligationWaived || o.WaiveReason != "counsel says low risk" || o.WaivedBy != "Ulead" {
					t.Errorf("gdpr-art34 = %s, %q by %s; want waived for counsel's reason by Ulead", o.Status, o.WaiveReason, o.WaivedBy)
				}
			}},
		{name: "waive without a reason", setup: routerSetup, typed: typed{"Ulead", "waive gdpr-art34 --incident INC-2026-0001"},
			want: []string{"waive needs the obligation id and a reason", "usage: /breach waive OBLIGATION REASON [--incident ID]"}},
		{name: "waive needs a lead or legal", setup: routerSetup, typed: typed{"Uresp", "waive gdpr-art34 no"},
			want: []string{"waiving needs the leads or legal role; you have the role(s) responders"}, refused: incidents.ActWaive},
	})
}

func TestRouterMoveAndClose(t *testing.T) {
	t.Parallel()
	triaged := append(append([]typed(nil), routerSetup...), typed{"Uresp", "step done triage"}, typed{"Ulead", "step done assign-roles --incident INC-2026-0001"})
	runRouterCases(t, []routerCase{
		{name: "gated by an open step", setup: routerSetup, typed: typed{"Uresp", "move investigating"},
			want: []string{"INC-2026-0001 cannot move to investigating: the playbook needs these steps done or waived first: triage (gates investigating)",
				"/breach step done STEP, or a lead: /breach step waive STEP REASON"}, refused: incidents.ActMove},
		{name: "gate open", setup: triaged, typed: typed{"Uresp", "move investigating"}, ok: true,
			want: []string{"INC-2026-0001 is now investigating", "State: investigating", "Next steps", "preserve-evidence"},
			stored: func(t *testing.T, inc *incidents.Incident) {
				if inc.State != incidents.StateInvestigating {
					t.Errorf("state %s, want investigating", inc.State)
				}
			}},
		{name: "not a state", setup: routerSetup, typed: typed{"Uresp", "move nowhere"},
			want: []string{`"nowhere" is not a state`, "declared -> investigating -> contained -> notifying -> closed"}},
		{name: "backwards", setup: routerSetup, typed: typed{"Uresp", "move declared"},
			want: []string{"INC-2026-0001 is already declared; incidents only move forward", "/breach move investigating"}},
		{name: "move needs responders or leads", setup: routerSetup, typed: typed{"Ulegal", "move investigating --incident INC-2026-0001"},
			want: []string{"moving an incident needs the responders or leads role; you have the role(s) legal"}, refused: incidents.ActMove},
		{name: "close needs a lead", setup: routerSetup, typed: typed{"Uresp", "close"},
			want: []string{"closing an incident needs the leads role; you have the role(s) responders"}, refused: incidents.ActClose},
		{name: "close gated by open steps", setup: routerSetup, typed: typed{"Ulead", "close --incident INC-2026-0001"},
			want: []string{"INC-2026-0001 cannot move to closed: the playbook needs these steps done or waived first: triage (gates investigating)"}},
	})
}

func TestRouterHelpAndUnknownCommands(t *testing.T) {
	t.Parallel()
	runRouterCases(t, []routerCase{
		{name: "help", typed: typed{"Uresp", "help"}, ok: true,
			want: []string{"breachbot: /breach commands", "Start", "/breach declare TITLE", "See", "Record", "Lifecycle", "Notices"}},
		{name: "help facts", setup: routerSetup, typed: typed{"Uresp", "help facts"}, ok: true,
			want: []string{"Facts"}},
		{name: "unknown command", typed: typed{"Uresp", "frobnicate"},
			want: []string{`unknown command "frobnicate"`, "/breach help lists every command"}},
		{name: "misspelt command", setup: routerSetup, typed: typed{"Uresp", "stpes"},
			want: []string{`unknown command "stpes"`, "did you mean /breach steps?"}},
	})
}

// A command typed in an incident's chat channel applies to that incident,
// with no --incident and for a user who never named it: the Router looks
// the channel up itself, so no front end has to wire that in.
func TestRouterCommandInAnIncidentsChannelAppliesToIt(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	for _, s := range routerSetup {
		b.must(s.user, s.line)
	}
	b.must("Uresp", `declare Laptop stolen --aware 2026-11-20T09:30Z`) // Uresp's current incident is now INC-2026-0002
	ctx := context.Background()
	if err := b.svc.SetChannel(ctx, "Ulead", "INC-2026-0001", "C0SHOPDB"); err != nil {
		t.Fatal(err)
	}
	for i, user := range []string{"Ulead", "Uresp"} {
		rep := b.router.Handle(ctx, commands.Request{User: user, Text: fmt.Sprintf("facts affected=%d", 900+i), Channel: "C0SHOPDB"})
		if rep.Error || !strings.Contains(rep.Text(), "INC-2026-0001 facts recorded: affected") {
			t.Fatalf("facts typed by %s in INC-2026-0001's channel:\n%s\nwant it recorded on INC-2026-0001", user, rep.Text())
		}
	}
	if got := b.stored().Facts["affected"]; got.String() != "901" || got.By != "Uresp" {
		t.Errorf("INC-2026-0001 affected = %s by %s, want 901 by Uresp", got, got.By)
	}
}
