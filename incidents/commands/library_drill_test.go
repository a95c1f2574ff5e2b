package commands_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/playbooks"
)

// libraryDrill is one run of a shipped playbook as a drill: the facts that
// make its obligations apply, the clocks to record, and the obligations a
// responder should then see applying.
type libraryDrill struct {
	name     string
	playbook string
	facts    string            // /breach facts name=value ...
	clocks   []string          // events to record, e.g. ransom_paid
	applies  []string          // obligation ids that must apply, exactly
	waive    map[string]string // applying obligations to waive, with the reason, rather than meet
	notes    map[string]string // step notes that record a decision, e.g. payment-decision
	// decide are, for decision steps, the /breach decide arguments (the
	// decision, --jurisdiction, --reason) typed by legal; each
	// jurisdiction of the facts gets one.
	decide map[string][]string
	// skip are steps a lead waives, with the reason, because this path
	// does not need them.
	skip map[string]string
	// dueAfter is, for obligations whose clock is one of clocks, the legal
	// time allowed after that clock (the drill runs it 1000 times faster).
	dueAfter map[string]time.Duration
}

// drillSpeed is how much faster than real time the drills' clocks run.
const drillSpeed = 1000

// libraryDrills covers every shipped playbook at least once;
// TestShippedPlaybooksDrill fails if one is missing.
var libraryDrills = []libraryDrill{
	{
		name: "ransomware, paid", playbook: "ransomware-extortion",
		facts: `jurisdictions=US-NY,US-CA data_categories=name,ssn affected=1200 residents=US-NY:700,US-CA:500 encrypted=no ` +
			`high_risk=yes significant_harm=yes significant=yes major=no extortion_payment=yes entity=nydfs_covered,critical_infrastructure unlawful_purpose=yes`,
		clocks:   []string{"breach_determined", "ransom_paid"},
		applies:  []string{"nydfs-incident", "nydfs-ransom-notice", "nydfs-ransom-explanation", "circia", "circia-ransom", "ca-residents", "ny-gbl", "ny-ag"},
		waive:    map[string]string{"circia": "CIRCIA is a proposed rule, not in force", "circia-ransom": "CIRCIA is a proposed rule, not in force"},
		dueAfter: map[string]time.Duration{"nydfs-ransom-notice": 24 * time.Hour, "nydfs-incident": 72 * time.Hour},
		notes:    map[string]string{"payment-decision": "paid: restore from backup would take 3 weeks; OFAC check clean; CEO and counsel approved"},
		decide: map[string][]string{"risk-assessment": {
			`notify --jurisdiction US-NY --reason "SSNs taken, not encrypted"`,
			`notify --jurisdiction US-CA --reason "SSNs taken, not encrypted"`}},
	},
	{
		name: "ransomware, no payment", playbook: "ransomware-extortion",
		facts: `jurisdictions=US-NY data_categories=name,ssn affected=40 residents=US-NY:40 encrypted=no ` +
			`high_risk=yes significant_harm=yes significant=no major=no extortion_payment=no entity=nydfs_covered unlawful_purpose=yes`,
		clocks:  []string{"breach_determined"},
		applies: []string{"nydfs-incident", "ny-gbl", "ny-ag"},
		notes:   map[string]string{"payment-decision": "no payment: clean backups restored, decided by the CEO with counsel"},
		decide:  map[string][]string{"risk-assessment": {`notify --reason "SSNs taken, not encrypted"`}},
	},
	{
		name: "credential stuffing", playbook: "credential-exposure",
		facts: `jurisdictions=US-CA,US-TX,GB data_categories=email,password,name affected=900 residents=US-CA:600,US-TX:250,GB:50 encrypted=no ` +
			`high_risk=no significant_harm=no significant=no major=no extortion_payment=no entity=none unlawful_purpose=yes`,
		clocks: []string{"breach_determined"},
		// Texas covers no online credentials (Tex. Bus. & Com. Code 521.002(a)(2)).
		applies: []string{"ca-residents", "ca-ag", "uk-gdpr-art33"},
	},
	{
		name: "card skimmer", playbook: "payment-card-compromise",
		facts: `jurisdictions=US-CA,US-FL data_categories=card,name,address affected=3000 residents=US-CA:1800,US-FL:1200 encrypted=no ` +
			`high_risk=yes significant_harm=yes significant=no major=no extortion_payment=no entity=none unlawful_purpose=yes`,
		clocks: []string{"breach_determined"},
		applies: []string{"card-acquirer", "card-visa", "card-visa-report", "card-visa-accounts", "card-mastercard", "card-mastercard-forensics", "card-amex",
			"ca-residents", "ca-ag", "fl-individuals", "fl-dept", "fl-bureaus"},
		waive: map[string]string{"card-amex": "we do not accept American Express"},
	},
	{
		name: "health data, covered entity", playbook: "health-data-breach",
		facts: `jurisdictions=US-CA,US-WA data_categories=name,health,health_insurance affected=700 residents=US-CA:600,US-WA:100 encrypted=no ` +
			`high_risk=yes significant_harm=yes significant=no major=no extortion_payment=no entity=covered_entity unlawful_purpose=no`,
		skip:    map[string]string{"covered-entity-notice": "we are the covered entity"},
		clocks:  []string{"breach_determined"},
		applies: []string{"hipaa-individuals", "hipaa-hhs", "hipaa-media", "ca-residents", "ca-ag", "wa-residents"},
	},
	{
		name: "health data, business associate", playbook: "health-data-breach",
		facts: `jurisdictions=US-TX data_categories=name,health affected=120 residents=US-TX:120 encrypted=no ` +
			`high_risk=yes significant_harm=yes significant=no major=no extortion_payment=no entity=business_associate unlawful_purpose=no`,
		skip:    map[string]string{"hhs-and-media": "business associate: the covered entity notifies HHS and the media"},
		clocks:  []string{"breach_determined"},
		applies: []string{"hipaa-business-associate", "tx-individuals"},
	},
	{
		name: "misdirected email, not notified", playbook: "misdirected-email",
		facts: `jurisdictions=DE data_categories=name,email,financial affected=1 residents=DE:1 encrypted=no ` +
			`high_risk=no significant_harm=no significant=no major=no extortion_payment=no entity=none unlawful_purpose=no`,
		applies: []string{"gdpr-art33"},
		decide:  map[string][]string{"notify-decision": {`no-notify --jurisdiction DE --reason "one known recipient, deleted it and confirmed in writing; low risk"`}},
		waive:   map[string]string{"gdpr-art33": "do not notify: one known recipient confirmed deletion; unlikely to result in a risk (Art. 33(1)); recorded under 33(5)"},
	},
	{
		name: "personal data breach", playbook: "personal-data-breach",
		facts: `jurisdictions=EU,US-CA data_categories=email,name,ssn affected=800 residents=US-CA:300,DE:500 encrypted=no ` +
			`high_risk=yes significant_harm=yes significant=no major=no extortion_payment=no entity=none unlawful_purpose=yes`,
		clocks:  []string{"breach_determined"},
		applies: []string{"gdpr-art33", "gdpr-art34", "ca-residents"},
	},
	{
		name: "vendor breach", playbook: "vendor-breach",
		facts: `jurisdictions=GB data_categories=email,name affected=300 residents=GB:300 encrypted=no ` +
			`high_risk=no significant_harm=no significant=no major=no extortion_payment=no entity=none unlawful_purpose=yes`,
		clocks:  []string{"breach_determined"},
		applies: []string{"uk-gdpr-art33"},
	},
}

// ownerUser is the board user holding each step owner's role.
var ownerUser = map[string]string{
	incidents.RoleResponders: "Uresp",
	incidents.RoleLeads:      "Ulead",
	incidents.RoleLegal:      "Ulegal",
}

// TestShippedPlaybooksDrill runs each shipped playbook end to end as a fast
// drill on a real store: declare, record the facts, check which obligations
// apply, do every step, meet (or waive) every applying obligation, move
// through each state and close.
func TestShippedPlaybooksDrill(t *testing.T) {
	t.Parallel()
	shipped, err := playbooks.New(nil, "").Playbooks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*incidents.Playbook{}
	for _, pb := range shipped {
		byID[pb.ID] = pb
		if !slices.ContainsFunc(libraryDrills, func(d libraryDrill) bool { return d.playbook == pb.ID }) {
			t.Errorf("shipped playbook %s has no drill in libraryDrills", pb.ID)
		}
	}
	for _, d := range libraryDrills {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			pb := byID[d.playbook]
			if pb == nil {
				t.Fatalf("no shipped playbook %s", d.playbook)
			}
			b := newBoard(t, routerNow)
			const id = "INC-2026-0001"
			inc := "--incident " + id
			b.must("Uresp", "drill "+d.name+" --speed "+strconv.Itoa(drillSpeed)+" --playbook "+d.playbook)
			b.must("Uresp", "facts "+d.facts+" "+inc)
			b.clock.Advance(time.Minute) // the clocks start after awareness
			clockAt := b.clock.Now()
			for _, ev := range d.clocks {
				b.must("Uresp", "clock "+ev+" "+inc)
			}

			got := b.stored()
			if !got.Drill || got.Playbook.ID != d.playbook {
				t.Fatalf("declared %s drill=%v with playbook %s, want a drill of %s", got.ID, got.Drill, got.Playbook.ID, d.playbook)
			}
			var applies, unknown []string
			for _, o := range got.Obligations {
				switch o.Applies {
				case incidents.Applies:
					applies = append(applies, o.ID)
				case incidents.NeedsFacts:
					unknown = append(unknown, o.ID+" (needs "+strings.Join(o.Missing, ", ")+")")
				}
			}
			if len(unknown) > 0 {
				t.Errorf("obligations still need facts: %v", unknown)
			}
			slices.Sort(applies)
			want := slices.Sorted(slices.Values(d.applies))
			if diff := cmp.Diff(want, applies); diff != "" {
				t.Errorf("obligations that apply (-want +got):\n%s", diff)
			}

			for ob, legal := range d.dueAfter {
				if o := obligation(t, got, ob); !o.Due.Equal(clockAt.Add(legal / drillSpeed)) {
					t.Errorf("%s due %s, want %s after its clock at drill speed, %s", ob, o.Due, legal, clockAt.Add(legal/drillSpeed))
				}
			}

			// Work the checklist in playbook order, moving to each state as
			// its gate opens, as a responder team would.
			states := []incidents.State{incidents.StateInvestigating, incidents.StateContained, incidents.StateNotifying}
			for _, s := range pb.Steps {
				for len(states) > 0 && gateAfter(s.Gate, states[0]) {
					b.must("Ulead", "move "+string(states[0])+" "+inc)
					states = states[1:]
				}
				note := "drill"
				if n, ok := d.notes[s.ID]; ok {
					note = n
				}
				if reason, ok := d.skip[s.ID]; ok {
					b.must("Ulead", "step waive "+s.ID+" "+strconv.Quote(reason)+" "+inc)
				} else if s.Kind == incidents.StepKindDecision {
					if len(d.decide[s.ID]) == 0 {
						t.Fatalf("decision step %s has no decide in the drill", s.ID)
					}
					for _, args := range d.decide[s.ID] {
						b.must("Ulegal", "decide "+s.ID+" "+args+" "+inc)
					}
				} else {
					b.must(ownerUser[s.Owner], "step done "+s.ID+" "+strconv.Quote(note)+" "+inc)
				}
				b.clock.Advance(time.Second) // a step a second: 24 legal hours pass in 86 s
			}
			for _, s := range states {
				b.must("Ulead", "move "+string(s)+" "+inc)
			}
			for _, ob := range applies {
				if reason, ok := d.waive[ob]; ok {
					b.must("Ulegal", "waive "+ob+" "+strconv.Quote(reason)+" "+inc)
				} else {
					b.must("Ulegal", "met "+ob+" --ref DRILL-"+ob+" "+inc)
				}
			}
			closed := b.must("Ulead", "close "+inc)
			mustContain(t, closed, "Drill score", "Deadlines: ", "Time per step")

			got = b.stored()
			if got.State != incidents.StateClosed {
				t.Errorf("state %s, want closed", got.State)
			}
			for _, s := range got.Steps {
				want, wantNote := incidents.StepDone, ""
				if reason, ok := d.skip[s.ID]; ok {
					want, wantNote = incidents.StepWaived, reason
				}
				if s.Status != want || (wantNote != "" && s.Note != wantNote) {
					t.Errorf("step %s is %s (%q), want %s %s", s.ID, s.Status, s.Note, want, wantNote)
				}
				if n, ok := d.notes[s.ID]; ok && s.Note != n {
					t.Errorf("step %s note %q, want the decision %q", s.ID, s.Note, n)
				}
			}
			for id := range d.notes {
				step(t, got, id) // the decision step exists
			}
			for id := range d.skip {
				step(t, got, id)
			}
			for _, ob := range applies {
				o := obligation(t, got, ob)
				want := incidents.ObligationMet
				if _, ok := d.waive[ob]; ok {
					want = incidents.ObligationWaived
				}
				if o.Status != want {
					t.Errorf("%s is %s, want %s", ob, o.Status, want)
				}
			}
		})
	}
}

// gateAfter reports whether a step gated on gate comes after state in the
// lifecycle, so that the incident must move to state first.
func gateAfter(gate, state incidents.State) bool {
	order := []incidents.State{incidents.StateDeclared, incidents.StateInvestigating, incidents.StateContained, incidents.StateNotifying, incidents.StateClosed}
	return slices.Index(order, gate) > slices.Index(order, state)
}
