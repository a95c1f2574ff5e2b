package incidents

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func TestConditionEval(t *testing.T) {
	t.Parallel()
	groups := map[string][]string{"EU": {"DE", "FR", "IE"}}
	facts := Facts{
		"jurisdictions": {Set: []string{"DE", "US-CA"}},
		"data":          {Set: []string{"email", "password_hash"}},
		"affected":      {Number: ptr(int64(12000))},
		"residents":     {Counts: map[string]int64{"US-CA": 600, "US-TX": 20}},
		"encrypted":     {Bool: ptr(false)},
	}
	eu := Condition{Fact: "jurisdictions", Op: OpIncludes, Values: []string{"EU"}}
	tests := []struct {
		name  string
		cond  Condition
		facts Facts
		want  Verdict
	}{
		{"empty condition holds", Condition{}, facts, Verdict{Truth: True}},
		{"member of a group matches the group", eu, facts,
			Verdict{Truth: True, Why: []string{"jurisdictions includes EU (DE)"}}},
		{"subdivision matches its country",
			Condition{Fact: "jurisdictions", Op: OpIncludes, Values: []string{"US"}}, facts,
			Verdict{Truth: True, Why: []string{"jurisdictions includes US (US-CA)"}}},
		{"absent value is false with the reason",
			Condition{Fact: "jurisdictions", Op: OpIncludes, Values: []string{"GB"}}, facts,
			Verdict{Truth: False, Why: []string{"jurisdictions does not include GB"}}},
		{"a missing fact is unknown, never false", eu, Facts{},
			Verdict{Truth: Unknown, Missing: []string{"jurisdictions"}}},
		{"a country without its states is unknown for a state",
			Condition{Fact: "jurisdictions", Op: OpIncludes, Values: []string{"US-CA"}},
			Facts{"jurisdictions": {Set: []string{"US"}}},
			Verdict{Truth: Unknown, Missing: []string{"jurisdictions (which parts of US?)"}}},
		{"count of one key",
			Condition{Fact: "residents.US-CA", Op: OpGT, Number: 500}, facts,
			Verdict{Truth: True, Why: []string{"residents in US-CA is 600 (> 500)"}}},
		{"count below threshold",
			Condition{Fact: "residents.US-TX", Op: OpGTE, Number: 250}, facts,
			Verdict{Truth: False, Why: []string{"residents in US-TX is 20, not >= 250"}}},
		{"count of an absent key in partial counts is unknown",
			Condition{Fact: "residents.US-WA", Op: OpGT, Number: 500}, facts,
			Verdict{Truth: Unknown, Missing: []string{"residents.US-WA"}}},
		{"count of an absent key in complete counts is zero",
			Condition{Fact: "residents.US-WA", Op: OpGT, Number: 500},
			Facts{"residents": {Counts: map[string]int64{"US-CA": 1}, Complete: true}},
			Verdict{Truth: False, Why: []string{"residents in US-WA is 0, not > 500"}}},
		{"largest count of any key",
			Condition{Fact: "residents.*", Op: OpGT, Number: 500}, facts,
			Verdict{Truth: True, Why: []string{"residents in US-CA (the largest) is 600 (> 500)"}}},
		{"bool",
			Condition{Fact: "encrypted", Op: OpIs, Bool: false}, facts,
			Verdict{Truth: True, Why: []string{"encrypted is no"}}},
		{"all: one false makes it false even when another is unknown",
			Condition{All: []Condition{{Fact: "high_risk", Op: OpIs, Bool: true}, {Fact: "jurisdictions", Op: OpIncludes, Values: []string{"GB"}}}}, facts,
			Verdict{Truth: False, Why: []string{"jurisdictions does not include GB"}}},
		{"all: unknown names every missing fact",
			Condition{All: []Condition{eu, {Fact: "high_risk", Op: OpIs, Bool: true}, {Fact: "sector", Op: OpIncludes, Values: []string{"health"}}}}, facts,
			Verdict{Truth: Unknown, Why: []string{"jurisdictions includes EU (DE)"}, Missing: []string{"high_risk", "sector"}}},
		{"any: one true is enough despite unknowns",
			Condition{Any: []Condition{{Fact: "high_risk", Op: OpIs, Bool: true}, eu}}, facts,
			Verdict{Truth: True, Why: []string{"jurisdictions includes EU (DE)"}}},
		{"any: all false lists every reason",
			Condition{Any: []Condition{
				{Fact: "data", Op: OpIncludes, Values: []string{"ssn", "card"}},
				{Fact: "affected", Op: OpGT, Number: 100000},
			}}, facts,
			Verdict{Truth: False, Why: []string{"none of: data includes none of ssn, card; affected is 12000, not > 100000"}}},
		{"not inverts",
			Condition{Not: &Condition{Fact: "encrypted", Op: OpIs, Bool: true}}, facts,
			Verdict{Truth: True, Why: []string{"not: encrypted is no, not yes"}}},
		{"not keeps unknown",
			Condition{Not: &Condition{Fact: "high_risk", Op: OpIs, Bool: true}}, facts,
			Verdict{Truth: Unknown, Missing: []string{"high_risk"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.cond.Eval(tt.facts, groups)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Eval (-want +got):\n%s", diff)
			}
		})
	}
}

func testVocabulary() *Playbook {
	return &Playbook{Facts: []FactDef{
		{Name: "jurisdictions", Type: FactSet, Format: "jurisdiction"},
		{Name: "data_categories", Aliases: []string{"data"}, Type: FactSet, Values: []string{"email", "password_hash", "ssn"}},
		{Name: "affected", Type: FactNumber},
		{Name: "residents", Type: FactCounts},
		{Name: "encrypted", Type: FactBool},
	}}
}

func TestParseFactChange(t *testing.T) {
	t.Parallel()
	pb := testVocabulary()
	tests := []struct {
		in      string
		want    FactChange
		wantErr string
	}{
		{in: "jurisdictions=eu,us-ca, DE", want: FactChange{Name: "jurisdictions", Op: "=", Value: Fact{Set: []string{"DE", "EU", "US-CA"}}}},
		{in: "data=Email,password_hash", want: FactChange{Name: "data_categories", Op: "=", Value: Fact{Set: []string{"email", "password_hash"}}}},
		{in: "data+=ssn", want: FactChange{Name: "data_categories", Op: "+=", Value: Fact{Set: []string{"ssn"}}}},
		{in: "affected=12,000", want: FactChange{Name: "affected", Op: "=", Value: Fact{Number: ptr(int64(12000))}}},
		{in: "residents=us-ca:600,US-TX:20", want: FactChange{Name: "residents", Op: "=", Value: Fact{Counts: map[string]int64{"US-CA": 600, "US-TX": 20}}}},
		{in: "encrypted=no", want: FactChange{Name: "encrypted", Op: "=", Value: Fact{Bool: ptr(false)}}},
		{in: "encrypted=unknown", want: FactChange{Name: "encrypted", Op: "unset"}},
		{in: "jurisdictions", wantErr: `"jurisdictions" is not a fact: write name=value`},
		{in: "jurisdiction=EU", wantErr: `unknown fact "jurisdiction"`},
		{in: "data=email,dna", wantErr: `fact data_categories: "dna" is not one of the allowed values`},
		{in: "jurisdictions=Europe", wantErr: `fact jurisdictions: "Europe" is not a jurisdiction code`},
		{in: "affected=lots", wantErr: `fact affected: "lots" is not a whole number`},
		{in: "affected=-5", wantErr: `fact affected: "-5" is not a whole number`},
		{in: "encrypted=maybe", wantErr: `fact encrypted: "maybe" is not yes or no`},
		{in: "residents=US-CA", wantErr: `fact residents: "US-CA" is not KEY:NUMBER`},
		{in: "affected+=5", wantErr: "affected+= only works for list facts; affected is a number"},
		{in: "data=", wantErr: "fact data_categories has no value"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := pb.ParseFactChange(tt.in)
			if tt.wantErr != "" {
				if ErrorCode(err) != EINVALID || ErrorMessage(err) != tt.wantErr {
					t.Fatalf("error = %v (code %s), want message %q", err, ErrorCode(err), tt.wantErr)
				}
				if ErrorHint(err) == "" {
					t.Errorf("error %q says nothing about what to type instead", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFactsApply(t *testing.T) {
	t.Parallel()
	pb := testVocabulary()
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	apply := func(f Facts, s string) (Facts, bool) {
		ch, err := pb.ParseFactChange(s)
		if err != nil {
			t.Fatal(err)
		}
		return f.Apply(ch, at, "U1")
	}
	f, changed := apply(Facts{}, "jurisdictions=EU")
	if !changed {
		t.Fatal("first assignment reported unchanged")
	}
	f, _ = apply(f, "jurisdictions+=US-CA,EU")
	if got := f["jurisdictions"].String(); got != "EU,US-CA" {
		t.Errorf("after += got %q, want EU,US-CA", got)
	}
	if _, changed := apply(f, "jurisdictions=US-CA,EU"); changed {
		t.Error("assigning the same set in another order reported a change")
	}
	f, _ = apply(f, "jurisdictions-=EU")
	if got := f["jurisdictions"].String(); got != "US-CA" {
		t.Errorf("after -= got %q, want US-CA", got)
	}
	f, _ = apply(f, "jurisdictions-=US-CA")
	if _, ok := f["jurisdictions"]; ok {
		t.Error("removing the last member kept an empty fact; an empty list must become unknown")
	}
}
