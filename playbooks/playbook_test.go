package playbooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

func mustParseEmbedded(t *testing.T, file string) *incidents.Playbook {
	t.Helper()
	data, err := shipped.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := ParsePlaybook("embedded:"+file, data, nil)
	if err != nil {
		t.Fatalf("ParsePlaybook(%s): %v", file, err)
	}
	return pb
}

func TestEmbeddedPlaybooks(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	for _, file := range []string{"personal-data-breach.yaml", "vendor-breach.yaml"} {
		t.Run(file, func(t *testing.T) {
			data, _ := shipped.ReadFile(file)
			pb := mustParseEmbedded(t, file)
			sum := sha256.Sum256(data)
			if pb.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256 = %s, want the file's", pb.SHA256)
			}
			if want := "embedded:" + file; pb.Source != want {
				t.Errorf("Source = %q, want %q", pb.Source, want)
			}
			if diff := cmp.Diff(cat.Ref(), pb.Catalog); diff != "" {
				t.Errorf("Catalog mismatch (-want +got):\n%s", diff)
			}
			if pb.Version == "" || pb.Title == "" || pb.Description == "" {
				t.Errorf("playbook lacks a version, title or description")
			}
			if diff := cmp.Diff(cat.Facts, pb.Facts); diff != "" {
				t.Errorf("Facts mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(cat.Groups, pb.Groups); diff != "" {
				t.Errorf("Groups mismatch (-want +got):\n%s", diff)
			}
			want := []incidents.ReminderSpec{{Fraction: 0.5}, {Before: 24 * time.Hour}, {Before: 4 * time.Hour}, {Before: time.Hour}}
			if diff := cmp.Diff(want, pb.Reminders); diff != "" {
				t.Errorf("Reminders mismatch (-want +got):\n%s", diff)
			}

			// Every regulation of the catalog is an obligation, in catalog order.
			var regs, obls []string
			for _, r := range cat.Regulations {
				regs = append(regs, r.ID)
			}
			for _, o := range pb.Obligations {
				obls = append(obls, o.ID)
				if o.Regulation.ID != o.ID {
					t.Errorf("obligation %s resolves regulation %s", o.ID, o.Regulation.ID)
				}
			}
			if diff := cmp.Diff(regs, obls); diff != "" {
				t.Errorf("obligations are not the catalog's regulations (-want +got):\n%s", diff)
			}

			// The phases are gated, owners are roles, and processors have steps.
			gated := map[incidents.State]bool{}
			thirdParty := 0
			for _, st := range pb.Steps {
				gated[st.Gate] = true
				if st.ThirdParty {
					thirdParty++
				}
			}
			for _, s := range incidents.States[1:] {
				if !gated[s] {
					t.Errorf("no step gates %s", s)
				}
			}
			if thirdParty < 2 {
				t.Errorf("%d third-party steps, want at least 2", thirdParty)
			}
		})
	}
}

func TestPersonalDataBreachSteps(t *testing.T) {
	pb := mustParseEmbedded(t, "personal-data-breach.yaml")
	var ids []string
	for _, st := range pb.Steps {
		ids = append(ids, st.ID)
	}
	for _, want := range []string{"triage", "preserve-evidence", "contain", "processor-notice", "law-enforcement", "risk-assessment", "regulator-notices", "customer-notices", "documentation", "lessons-learned"} {
		if !strings.Contains(" "+strings.Join(ids, " ")+" ", " "+want+" ") {
			t.Errorf("step %s is missing; steps: %v", want, ids)
		}
	}
	want := incidents.StepDef{
		ID: "documentation", Title: "Document the breach (GDPR Art. 33(5))", Owner: "legal",
		Requires: []string{"regulator-notices", "customer-notices"}, Gate: incidents.StateClosed,
	}
	for _, st := range pb.Steps {
		if st.ID == want.ID {
			st.Description = ""
			if diff := cmp.Diff(want, st); diff != "" {
				t.Errorf("documentation step mismatch (-want +got):\n%s", diff)
			}
		}
	}
}

// TestAcceptanceScenario is the product's acceptance scenario: an incident
// with facts jurisdictions=EU,US-CA data=email,password_hash affected=12000
// must raise GDPR Art. 33, due 72 hours after awareness.
func TestAcceptanceScenario(t *testing.T) {
	pb := mustParseEmbedded(t, "personal-data-breach.yaml")
	facts := incidents.Facts{}
	for _, a := range []string{"jurisdictions=EU,US-CA", "data=email,password_hash", "affected=12000"} {
		ch, err := pb.ParseFactChange(a)
		if err != nil {
			t.Fatalf("ParseFactChange(%q): %v", a, err)
		}
		facts, _ = facts.Apply(ch, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), "U1")
	}
	want := map[string]incidents.Truth{
		"gdpr-art33":    incidents.True,
		"gdpr-art34":    incidents.Unknown, // needs high_risk
		"uk-gdpr-art33": incidents.False,
		"ca-residents":  incidents.Unknown, // needs encrypted
		"ca-ag":         incidents.Unknown,
		"co-residents":  incidents.False,
		"sec-8k":        incidents.Unknown, // needs entity
		"card-visa":     incidents.False,
		"in-cert-in":    incidents.False,
	}
	got := map[string]incidents.Truth{}
	for _, o := range pb.Obligations {
		if _, ok := want[o.ID]; ok {
			got[o.ID] = o.When.Eval(facts, pb.Groups).Truth
		}
		if o.ID == "gdpr-art33" {
			if diff := cmp.Diff(incidents.Deadline{Start: "awareness", Amount: 72, Unit: incidents.UnitHours}, o.Regulation.Deadline, cmpIgnoreText); diff != "" {
				t.Errorf("gdpr-art33 deadline mismatch (-want +got):\n%s", diff)
			}
			aware := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
			due, err := o.Regulation.Deadline.Due(aware)
			if err != nil || !due.Equal(aware.Add(72*time.Hour)) {
				t.Errorf("gdpr-art33 Due(%v) = %v, %v; want 72 h later", aware, due, err)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("applicability mismatch (-want +got):\n%s", diff)
	}

	// Once encrypted=no is recorded, California applies, and the AG notice
	// waits for the count of California residents.
	ch, _ := pb.ParseFactChange("encrypted=no")
	facts, _ = facts.Apply(ch, time.Now(), "U1")
	for _, o := range pb.Obligations {
		switch v := o.When.Eval(facts, pb.Groups); o.ID {
		case "ca-residents":
			if v.Truth != incidents.True {
				t.Errorf("ca-residents = %v (%v), want True", v.Truth, v.Why)
			}
		case "ca-ag":
			if diff := cmp.Diff([]string{"residents.US-CA"}, v.Missing); v.Truth != incidents.Unknown || diff != "" {
				t.Errorf("ca-ag = %v, missing %v; want Unknown needing residents.US-CA", v.Truth, v.Missing)
			}
		}
	}
}

var cmpIgnoreText = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Text" }, cmp.Ignore())

func TestGDPRArt33Eval(t *testing.T) {
	pb := mustParseEmbedded(t, "personal-data-breach.yaml")
	var rule incidents.ObligationRule
	for _, o := range pb.Obligations {
		if o.ID == "gdpr-art33" {
			rule = o
		}
	}
	tests := []struct {
		jurisdictions []string
		want          incidents.Truth
	}{
		{[]string{"EU", "US-CA"}, incidents.True},
		{[]string{"DE"}, incidents.True},
		{[]string{"NO"}, incidents.True}, // EEA
		{[]string{"US-CA"}, incidents.False},
		{nil, incidents.Unknown},
	}
	for _, tt := range tests {
		facts := incidents.Facts{}
		if tt.jurisdictions != nil {
			facts["jurisdictions"] = incidents.Fact{Set: tt.jurisdictions}
		}
		if got := rule.When.Eval(facts, pb.Groups).Truth; got != tt.want {
			t.Errorf("gdpr-art33 with jurisdictions %v = %v, want %v", tt.jurisdictions, got, tt.want)
		}
	}
}

// testCatalog is a small catalog whose regulation "plain" has no condition,
// so that an obligation's When is exactly the playbook's.
const testCatalog = `version: "t1"
disclaimer: test data, not legal advice
groups: {EU: [DE, FR]}
facts:
  - {name: jurisdictions, type: set, format: jurisdiction}
  - {name: data_categories, aliases: [data], type: set, values: [email, ssn, card]}
  - {name: affected, type: number}
  - {name: residents, type: counts}
  - {name: encrypted, type: bool}
  - {name: vector, type: text}
events:
  - {name: awareness, description: aware}
  - {name: determined, description: determined}
regulations:
  - {id: plain, title: Plain, citation: c, status: in_force, deadline: {start: awareness, within: 72h}}
  - id: first
    title: First
    citation: c
    status: in_force
    deadline: {start: awareness, within: 30 days}
    applies_when: {jurisdictions: {includes: EU}}
  - {id: second, title: Second, citation: c, status: proposed, deadline: {start: "met:first", within: 15 days}}
`

func mustTestCatalog(t *testing.T) *Catalog {
	t.Helper()
	cat, err := ParseCatalog("test-regulations.yaml", []byte(testCatalog))
	if err != nil {
		t.Fatalf("ParseCatalog: %v", err)
	}
	return cat
}

func TestConditions(t *testing.T) {
	t.Parallel()
	cat := mustTestCatalog(t)
	leaf := func(fact, op string) incidents.Condition { return incidents.Condition{Fact: fact, Op: op} }
	includes := func(fact string, values ...string) incidents.Condition {
		return incidents.Condition{Fact: fact, Op: incidents.OpIncludes, Values: values}
	}
	num := func(fact, op string, n int64) incidents.Condition {
		c := leaf(fact, op)
		c.Number = n
		return c
	}
	is := func(fact string, b bool) incidents.Condition {
		c := leaf(fact, incidents.OpIs)
		c.Bool = b
		return c
	}
	tests := []struct {
		name string
		yaml string
		want incidents.Condition
	}{
		{"empty mapping holds always", `{}`, incidents.Condition{}},
		{"includes a scalar", `{jurisdictions: {includes: EU}}`, includes("jurisdictions", "EU")},
		{"includes a list, upper-cased", `{jurisdictions: {includes: [eu, us-ca]}}`, includes("jurisdictions", "EU", "US-CA")},
		{"alias and canonical values", `{data: {includes: [EMAIL, ssn]}}`, includes("data_categories", "email", "ssn")},
		{"is yes", `{encrypted: {is: yes}}`, is("encrypted", true)},
		{"is false", `{encrypted: {is: false}}`, is("encrypted", false)},
		{"number", `{affected: {gte: 500}}`, num("affected", incidents.OpGTE, 500)},
		{"underscores in numbers", `{affected: {lt: 10_000}}`, num("affected", incidents.OpLT, 10000)},
		{"count key", `{residents.US-CA: {gt: 500}}`, num("residents.US-CA", incidents.OpGT, 500)},
		{"largest count", `{residents.*: {eq: 1}}`, num("residents.*", incidents.OpEQ, 1)},
		{"two operators are all", `{affected: {gt: 1, lte: 9}}`, incidents.Condition{All: []incidents.Condition{num("affected", incidents.OpGT, 1), num("affected", incidents.OpLTE, 9)}}},
		{"two facts are all, in order", "encrypted: {is: no}\njurisdictions: {includes: DE}",
			incidents.Condition{All: []incidents.Condition{is("encrypted", false), includes("jurisdictions", "DE")}}},
		{"any", `{any: [{encrypted: {is: no}}, {affected: {gt: 5}}]}`,
			incidents.Condition{Any: []incidents.Condition{is("encrypted", false), num("affected", incidents.OpGT, 5)}}},
		{"all", `{all: [{encrypted: {is: no}}]}`, incidents.Condition{All: []incidents.Condition{is("encrypted", false)}}},
		{"not", `{not: {data: {includes: card}}}`, incidents.Condition{Not: &incidents.Condition{Fact: "data_categories", Op: incidents.OpIncludes, Values: []string{"card"}}}},
		{"nested with a key beside", "any:\n  - all: [{affected: {gt: 1}}, {not: {encrypted: {is: yes}}}]\n  - residents.DE: {gte: 2}\njurisdictions: {includes: EU}",
			incidents.Condition{All: []incidents.Condition{
				{Any: []incidents.Condition{
					{All: []incidents.Condition{num("affected", incidents.OpGT, 1), {Not: ptr(is("encrypted", true))}}},
					num("residents.DE", incidents.OpGTE, 2),
				}},
				includes("jurisdictions", "EU"),
			}}},
		{"anchors and aliases", "all:\n  - &x {affected: {gt: 1}}\n  - not: *x", incidents.Condition{All: []incidents.Condition{num("affected", incidents.OpGT, 1), {Not: ptr(num("affected", incidents.OpGT, 1))}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDecoder("when.yaml")
			var got incidents.Condition
			d.run(func() {
				if root := d.parse([]byte(tt.yaml)); root != nil {
					got = d.condition(root, cat.vocab(), "when")
				}
			})
			if len(d.probs) > 0 {
				t.Fatalf("problems:\n%v", d.probs)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("condition mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestObligationResolution(t *testing.T) {
	t.Parallel()
	cat := mustTestCatalog(t)
	src := `id: t
version: "3"
title: T
reminders: [25%, 90m, 2d, 1h15m]
defaults: {data: [email, ssn], encrypted: no, residents: {US-CA: 600}}
steps: [{id: a, title: A, owner: leads, third_party: true}]
obligations:
  - regulation: plain
    when: {affected: {gt: 10}}
    reminders: []
  - regulation: first
    when: {encrypted: {is: no}}
  - regulation: second
    reminders: [24h]
  - regulation: plain
    id: plain-again
`
	pb, err := ParsePlaybook("t.yaml", []byte(src), cat)
	if err != nil {
		t.Fatal(err)
	}
	eu := incidents.Condition{Fact: "jurisdictions", Op: incidents.OpIncludes, Values: []string{"EU"}}
	unencrypted := incidents.Condition{Fact: "encrypted", Op: incidents.OpIs}
	wantWhen := map[string]incidents.Condition{
		"plain":       {Fact: "affected", Op: incidents.OpGT, Number: 10},
		"first":       {All: []incidents.Condition{eu, unencrypted}},
		"second":      {},
		"plain-again": {},
	}
	wantReminders := map[string][]incidents.ReminderSpec{
		"plain":  {},
		"second": {{Before: 24 * time.Hour}},
	}
	var ids []string
	for _, o := range pb.Obligations {
		ids = append(ids, o.ID)
		if diff := cmp.Diff(wantWhen[o.ID], o.When); diff != "" {
			t.Errorf("When of %s mismatch (-want +got):\n%s", o.ID, diff)
		}
		if diff := cmp.Diff(wantReminders[o.ID], o.Reminders); diff != "" {
			t.Errorf("Reminders of %s mismatch (-want +got):\n%s", o.ID, diff)
		}
	}
	if diff := cmp.Diff([]string{"plain", "first", "second", "plain-again"}, ids); diff != "" {
		t.Errorf("obligation ids mismatch (-want +got):\n%s", diff)
	}
	if pb.Obligations[0].Reminders == nil {
		t.Errorf("reminders: [] must be an empty, non-nil override (no reminders)")
	}
	wantSpecs := []incidents.ReminderSpec{{Fraction: 0.25}, {Before: 90 * time.Minute}, {Before: 48 * time.Hour}, {Before: 75 * time.Minute}}
	if diff := cmp.Diff(wantSpecs, pb.Reminders); diff != "" {
		t.Errorf("Reminders mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"data_categories": "email,ssn", "encrypted": "no", "residents": "US-CA:600"}, pb.Defaults); diff != "" {
		t.Errorf("Defaults mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(incidents.CatalogRef{Version: "t1", SHA256: cat.SHA256, Disclaimer: "test data, not legal advice"}, pb.Catalog); diff != "" {
		t.Errorf("Catalog mismatch (-want +got):\n%s", diff)
	}
}

func TestParseReminder(t *testing.T) {
	tests := []struct {
		in   string
		want incidents.ReminderSpec
		ok   bool
	}{
		{"50%", incidents.ReminderSpec{Fraction: 0.5}, true},
		{"12.5%", incidents.ReminderSpec{Fraction: 0.125}, true},
		{"24h", incidents.ReminderSpec{Before: 24 * time.Hour}, true},
		{"90m", incidents.ReminderSpec{Before: 90 * time.Minute}, true},
		{"2d", incidents.ReminderSpec{Before: 48 * time.Hour}, true},
		{"1h30m", incidents.ReminderSpec{Before: 90 * time.Minute}, true},
		{"1d12h", incidents.ReminderSpec{Before: 36 * time.Hour}, true},
		{"0%", incidents.ReminderSpec{}, false},
		{"100%", incidents.ReminderSpec{}, false},
		{"NaN%", incidents.ReminderSpec{}, false},
		{"0h", incidents.ReminderSpec{}, false},
		{"24", incidents.ReminderSpec{}, false},
		{"1s", incidents.ReminderSpec{}, false},
		{"h", incidents.ReminderSpec{}, false},
		{"", incidents.ReminderSpec{}, false},
		// What a deadline's within accepts, a reminder accepts too.
		{"24 hours", incidents.ReminderSpec{Before: 24 * time.Hour}, true},
		{"1 Hour", incidents.ReminderSpec{Before: time.Hour}, true},
		{"72h", incidents.ReminderSpec{Before: 72 * time.Hour}, true},
		{"2 days", incidents.ReminderSpec{Before: 48 * time.Hour}, true},
		{"3 calendar days", incidents.ReminderSpec{Before: 72 * time.Hour}, true},
		{"90 minutes", incidents.ReminderSpec{Before: 90 * time.Minute}, true},
		{"0 hours", incidents.ReminderSpec{}, false},
		{"2 business days", incidents.ReminderSpec{}, false},
		{"1 month", incidents.ReminderSpec{}, false},
		{"none", incidents.ReminderSpec{}, false},
	}
	for _, tt := range tests {
		got, why := parseReminder(tt.in)
		if ok := why == ""; got != tt.want || ok != tt.ok {
			t.Errorf("parseReminder(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParsePlaybookError(t *testing.T) {
	t.Parallel()
	src := "id: x\nversion: \"1\"\ntitle: X\nsteps:\n  - {id: a, titel: A, owner: leads}\n"
	pb, err := ParsePlaybook("x.yaml", []byte(src), nil)
	if pb != nil {
		t.Errorf("ParsePlaybook returned a playbook with its error")
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v does not hold Problems", err)
	}
	want := Problems{
		{File: "x.yaml", Line: 5, Col: 5, Message: `a step is missing required key "title"`},
		{File: "x.yaml", Line: 5, Col: 13, Message: `unknown key "titel" in a step; did you mean "title"?`},
	}
	if diff := cmp.Diff(want, ps); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != "x.yaml" {
		t.Errorf("error %v is not a *FileError for x.yaml", err)
	}
	if code := incidents.ErrorCode(err); code != incidents.EINVALID {
		t.Errorf("ErrorCode = %q, want %q", code, incidents.EINVALID)
	}
	wantMsg := "playbook x.yaml has 2 problems:\n" + ps.Error()
	if got := incidents.ErrorMessage(err); got != wantMsg {
		t.Errorf("ErrorMessage = %q, want %q", got, wantMsg)
	}
	if got := incidents.ErrorHint(err); got != "fix the file and check it with: breachbot playbooks lint x.yaml" {
		t.Errorf("ErrorHint = %q", got)
	}
}

func TestSuggest(t *testing.T) {
	candidates := []string{"title", "id", "owner", "requires", "third_party"}
	tests := []struct{ word, want string }{
		{"titel", "title"},
		{"Title", "title"},
		{"reqires", "requires"},
		{"ownr", "owner"},
		{"thirdparty", "third_party"},
		{"notes", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.word, candidates); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.yaml", Line: 3, Col: 5, Message: "bad"}, "a.yaml:3:5: bad"},
		{Problem{File: "a.yaml", Message: "cannot read"}, "a.yaml: cannot read"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	ps := Problems{tests[0].p, tests[1].p}
	if got, want := ps.Error(), "a.yaml:3:5: bad\na.yaml: cannot read"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestParseStepKind: kind: decision reaches the domain's step, a plain step
// has no kind, and the shipped playbooks' notify decisions are decision steps.
func TestParseStepKind(t *testing.T) {
	t.Parallel()
	src := "id: k\nversion: \"1\"\ntitle: K\nsteps:\n" +
		"  - {id: scope, title: Scope, owner: responders}\n" +
		"  - {id: decide, title: Decide, owner: legal, kind: decision, requires: [scope]}\n"
	pb, err := ParsePlaybook("k.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{pb.Steps[0].Kind, pb.Steps[1].Kind}; !cmp.Equal(got, []string{"", incidents.StepKindDecision}) {
		t.Errorf("kinds = %q, want [\"\" decision]", got)
	}
	shipped, err := New(nil, "").Playbooks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"misdirected-email": "notify-decision", "ransomware-extortion": "risk-assessment"}
	for _, p := range shipped {
		step, ok := want[p.ID]
		if !ok {
			continue
		}
		for _, s := range p.Steps {
			if (s.ID == step) != (s.Kind == incidents.StepKindDecision) {
				t.Errorf("%s step %s has kind %q", p.ID, s.ID, s.Kind)
			}
		}
	}
}
