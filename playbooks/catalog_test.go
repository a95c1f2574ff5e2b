package playbooks

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

func mustEmbeddedCatalog(t *testing.T) *Catalog {
	t.Helper()
	cat, err := embeddedCatalog()
	if err != nil {
		t.Fatalf("embedded catalog: %v", err)
	}
	return cat
}

func TestEmbeddedCatalog(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	if cat.Version != "2026.11" {
		t.Errorf("Version = %q, want 2026.11", cat.Version)
	}
	if !strings.Contains(cat.Disclaimer, "not legal advice") {
		t.Errorf("Disclaimer = %q, want it to say the catalog is not legal advice", cat.Disclaimer)
	}
	if len(cat.SHA256) != 64 {
		t.Errorf("SHA256 = %q, want a hex SHA-256", cat.SHA256)
	}
	if got := len(cat.Groups["EU"]); got != 27 {
		t.Errorf("EU has %d members, want 27", got)
	}
	if got := len(cat.Groups["EEA"]); got != 30 {
		t.Errorf("EEA has %d members, want 30", got)
	}
	for _, ev := range []string{"awareness", "breach_determined", "materiality_determined", "major_classified", "ransom_paid", "notifiable_assessed"} {
		if !containsFunc(cat.Events, func(e incidents.EventDef) bool { return e.Name == ev }) {
			t.Errorf("event %s is missing", ev)
		}
	}
	wantFacts := map[string]string{
		"jurisdictions": "set", "data_categories": "set", "affected": "number", "residents": "counts",
		"encrypted": "bool", "high_risk": "bool", "significant_harm": "bool", "significant": "bool", "entity": "set",
	}
	for name, typ := range wantFacts {
		if !containsFunc(cat.Facts, func(f incidents.FactDef) bool { return f.Name == name && f.Type == typ }) {
			t.Errorf("fact %s (%s) is missing", name, typ)
		}
	}
	for _, r := range cat.Regulations {
		if r.Title == "" || r.Law == "" || r.Jurisdiction == "" || r.Notify == "" || r.Citation == "" || r.Source == "" {
			t.Errorf("regulation %s lacks a title, regime, jurisdiction, notify, citation or source", r.ID)
		}
		if r.AppliesWhen.IsZero() {
			t.Errorf("regulation %s applies always; every shipped regulation needs a condition", r.ID)
		}
	}
}

func containsFunc[T any](s []T, f func(T) bool) bool {
	for _, x := range s {
		if f(x) {
			return true
		}
	}
	return false
}

// TestCatalogDeadlines checks the clocks of the regulations other code and
// docs name, against reference/notification-deadlines.md.
func TestCatalogDeadlines(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	const (
		h   = incidents.UnitHours
		cd  = incidents.UnitCalendarDays
		bd  = incidents.UnitBusinessDays
		mo  = incidents.UnitMonths
		non = incidents.UnitNone
		in  = incidents.StatusInForce
		unc = incidents.StatusUncertain
		pro = incidents.StatusProposed
	)
	dl := func(start string, amount int, unit string) incidents.Deadline {
		return incidents.Deadline{Start: start, Amount: amount, Unit: unit}
	}
	tests := []struct {
		id       string
		status   string
		deadline incidents.Deadline
		backstop *incidents.Deadline
	}{
		{"gdpr-art33", in, dl("awareness", 72, h), nil},
		{"gdpr-art34", in, dl("awareness", 0, non), nil},
		{"uk-gdpr-art33", in, dl("awareness", 72, h), nil},
		{"uk-gdpr-art34", in, dl("awareness", 0, non), nil},
		{"nis2-early-warning", in, dl("awareness", 24, h), nil},
		{"nis2-notification", in, dl("awareness", 72, h), nil},
		{"nis2-final-report", in, dl("met:nis2-notification", 1, mo), nil},
		{"dora-initial", unc, dl("major_classified", 4, h), &incidents.Deadline{Start: "awareness", Amount: 24, Unit: h}},
		{"dora-intermediate", unc, dl("met:dora-initial", 72, h), nil},
		{"dora-final", unc, dl("met:dora-intermediate", 1, mo), nil},
		{"hipaa-individuals", in, dl("awareness", 60, cd), nil},
		{"hipaa-media", in, dl("awareness", 60, cd), nil},
		{"hipaa-hhs", in, dl("awareness", 60, cd), nil},
		{"hipaa-hhs-annual", in, incidents.Deadline{Start: "awareness", Amount: 60, Unit: cd, Anchor: incidents.AnchorEndOfYear}, nil},
		{"sec-8k", in, incidents.Deadline{Start: "materiality_determined", Amount: 4, Unit: bd, Calendar: "US", TimeZone: "America/New_York"}, nil},
		{"nydfs-incident", in, dl("breach_determined", 72, h), nil},
		{"nydfs-ransom-notice", in, dl("ransom_paid", 24, h), nil},
		{"nydfs-ransom-explanation", in, incidents.Deadline{Start: "ransom_paid", Amount: 30, Unit: cd, TimeZone: "America/New_York"}, nil},
		{"circia", pro, dl("awareness", 72, h), nil},
		{"ca-residents", in, incidents.Deadline{Start: "awareness", Amount: 30, Unit: cd, TimeZone: "America/Los_Angeles"}, nil},
		{"ca-ag", in, incidents.Deadline{Start: "met:ca-residents", Amount: 15, Unit: cd, TimeZone: "America/Los_Angeles"}, nil},
		{"co-residents", in, incidents.Deadline{Start: "breach_determined", Amount: 30, Unit: cd, TimeZone: "America/Denver"}, nil},
		// The 30 days rest on summaries; coag.gov confirms only the 500 threshold.
		{"co-ag", unc, incidents.Deadline{Start: "breach_determined", Amount: 30, Unit: cd, TimeZone: "America/Denver"}, nil},
		{"co-bureaus", in, dl("breach_determined", 0, non), nil},
		{"fl-individuals", in, incidents.Deadline{Start: "breach_determined", Amount: 30, Unit: cd, TimeZone: "America/New_York"}, nil},
		{"fl-dept", in, incidents.Deadline{Start: "breach_determined", Amount: 30, Unit: cd, TimeZone: "America/New_York"}, nil},
		{"fl-bureaus", in, dl("breach_determined", 0, non), nil},
		// RCW 19.255.010 and the amended GBL 899-aa could not be read, only
		// summaries of them: uncertain until counsel checks the text.
		{"wa-residents", unc, incidents.Deadline{Start: "awareness", Amount: 30, Unit: cd, TimeZone: "America/Los_Angeles"}, nil},
		{"wa-ag", in, incidents.Deadline{Start: "awareness", Amount: 30, Unit: cd, TimeZone: "America/Los_Angeles"}, nil},
		{"tx-individuals", in, incidents.Deadline{Start: "breach_determined", Amount: 60, Unit: cd, TimeZone: "America/Chicago"}, nil},
		{"tx-ag", in, incidents.Deadline{Start: "breach_determined", Amount: 30, Unit: cd, TimeZone: "America/Chicago"}, nil},
		{"tx-bureaus", in, dl("breach_determined", 0, non), nil},
		{"ny-gbl", unc, incidents.Deadline{Start: "awareness", Amount: 30, Unit: cd, TimeZone: "America/New_York"}, nil},
		{"pipeda-opc", in, dl("breach_determined", 0, non), nil},
		{"au-ndb-assessment", in, incidents.Deadline{Start: "awareness", Amount: 30, Unit: cd, TimeZone: "Australia/Sydney"}, nil},
		{"sg-pdpc", in, incidents.Deadline{Start: "notifiable_assessed", Amount: 3, Unit: cd, TimeZone: "Asia/Singapore"}, nil},
		{"sg-individuals", in, dl("notifiable_assessed", 0, non), nil},
		{"in-cert-in", in, dl("awareness", 6, h), nil},
		{"in-dpdp-board", unc, dl("awareness", 72, h), nil},
		{"br-lgpd-anpd", in, incidents.Deadline{Start: "awareness", Amount: 3, Unit: bd, Calendar: "BR", TimeZone: "America/Sao_Paulo"}, nil},
		{"br-lgpd-supplement", in, incidents.Deadline{Start: "met:br-lgpd-anpd", Amount: 20, Unit: bd, Calendar: "BR", TimeZone: "America/Sao_Paulo"}, nil},
		{"jp-appi-final", in, incidents.Deadline{Start: "awareness", Amount: 30, Unit: cd, TimeZone: "Asia/Tokyo"}, nil},
		{"cn-cii-report", in, dl("awareness", 1, h), nil},
		{"card-mastercard", in, dl("awareness", 24, h), nil},
		// Contractual, not law, and not checked against the brand rule or the
		// merchant agreement: uncertain.
		{"card-acquirer", unc, dl("awareness", 0, non), nil},
		{"card-amex", unc, dl("awareness", 72, h), nil},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r, ok := cat.Regulation(tt.id)
			if !ok {
				t.Fatalf("regulation %s is missing", tt.id)
			}
			if r.Status != tt.status {
				t.Errorf("Status = %q, want %q", r.Status, tt.status)
			}
			got := r.Deadline
			got.Text = "" // the law's wording is checked by people, not here
			if diff := cmp.Diff(tt.deadline, got); diff != "" {
				t.Errorf("Deadline mismatch (-want +got):\n%s", diff)
			}
			if r.Deadline.Text == "" {
				t.Errorf("Deadline.Text is empty; give the law's wording")
			}
			var gotBackstop *incidents.Deadline
			if r.Backstop != nil {
				b := *r.Backstop
				b.Text = ""
				gotBackstop = &b
			}
			if diff := cmp.Diff(tt.backstop, gotBackstop); diff != "" {
				t.Errorf("Backstop mismatch (-want +got):\n%s", diff)
			}
			if err := r.Deadline.Validate(); err != nil {
				t.Errorf("Deadline.Validate() = %v", err)
			}
		})
	}
}

// TestCatalogThresholds checks the thresholds of the reference table, as the
// leaves of each regulation's condition.
func TestCatalogThresholds(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	tests := []struct {
		id   string
		want incidents.Condition
	}{
		{"ca-ag", incidents.Condition{Fact: "residents.US-CA", Op: incidents.OpGT, Number: 500}},
		{"co-ag", incidents.Condition{Fact: "residents.US-CO", Op: incidents.OpGTE, Number: 500}},
		{"co-bureaus", incidents.Condition{Fact: "residents.US-CO", Op: incidents.OpGT, Number: 1000}},
		{"fl-dept", incidents.Condition{Fact: "residents.US-FL", Op: incidents.OpGTE, Number: 500}},
		{"fl-bureaus", incidents.Condition{Fact: "residents.US-FL", Op: incidents.OpGT, Number: 1000}},
		{"wa-ag", incidents.Condition{Fact: "residents.US-WA", Op: incidents.OpGT, Number: 500}},
		{"tx-ag", incidents.Condition{Fact: "residents.US-TX", Op: incidents.OpGTE, Number: 250}},
		{"tx-bureaus", incidents.Condition{Fact: "residents.US-TX", Op: incidents.OpGT, Number: 10000}},
		{"hipaa-media", incidents.Condition{Fact: "residents.*", Op: incidents.OpGT, Number: 500}},
		{"hipaa-hhs", incidents.Condition{Fact: "affected", Op: incidents.OpGTE, Number: 500}},
		{"hipaa-hhs-annual", incidents.Condition{Fact: "affected", Op: incidents.OpLT, Number: 500}},
		{"sec-8k", incidents.Condition{Fact: "entity", Op: incidents.OpIncludes, Values: []string{"public_company"}}},
		{"gdpr-art34", incidents.Condition{Fact: "high_risk", Op: incidents.OpIs, Bool: true}},
		{"ca-residents", incidents.Condition{Fact: "encrypted", Op: incidents.OpIs, Bool: false}},
		{"hipaa-individuals", incidents.Condition{Fact: "entity", Op: incidents.OpIncludes, Values: []string{"covered_entity"}}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r, ok := cat.Regulation(tt.id)
			if !ok {
				t.Fatalf("regulation %s is missing", tt.id)
			}
			if !containsFunc(leaves(r.AppliesWhen), func(c incidents.Condition) bool { return cmp.Equal(c, tt.want) }) {
				t.Errorf("AppliesWhen of %s has no leaf %+v; leaves: %+v", tt.id, tt.want, leaves(r.AppliesWhen))
			}
		})
	}
}

func leaves(c incidents.Condition) []incidents.Condition {
	var out []incidents.Condition
	for _, x := range append(append([]incidents.Condition{}, c.All...), c.Any...) {
		out = append(out, leaves(x)...)
	}
	if c.Not != nil {
		out = append(out, leaves(*c.Not)...)
	}
	if c.Fact != "" {
		out = append(out, c)
	}
	return out
}

func TestParseCatalogError(t *testing.T) {
	_, err := ParseCatalog("bad.yaml", []byte("version: \"1\"\ndisclaimer: x\nfacts: []\nevents: [{name: awareness, description: x}]\nregulations:\n  - {id: a, title: A, citation: c, status: live, deadline: {start: awareness, within: 1h}}\n"))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("ParseCatalog error %v is not Problems", err)
	}
	want := Problems{{File: "bad.yaml", Line: 6, Col: 44, Message: `status "live" is not known; use one of in_force, uncertain, proposed`}}
	if diff := cmp.Diff(want, ps); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	if code := incidents.ErrorCode(err); code != incidents.EINVALID {
		t.Errorf("ErrorCode = %q, want %q", code, incidents.EINVALID)
	}
}

func TestParseWithin(t *testing.T) {
	tests := []struct {
		in     string
		amount int
		unit   string
		ok     bool
	}{
		{"72h", 72, incidents.UnitHours, true},
		{"72 hours", 72, incidents.UnitHours, true},
		{"1 hour", 1, incidents.UnitHours, true},
		{"30 days", 30, incidents.UnitCalendarDays, true},
		{"30 calendar days", 30, incidents.UnitCalendarDays, true},
		{"1 day", 1, incidents.UnitCalendarDays, true},
		{"4 business days", 4, incidents.UnitBusinessDays, true},
		{"10 working days", 10, incidents.UnitBusinessDays, true},
		{"1 month", 1, incidents.UnitMonths, true},
		{"2 Months", 2, incidents.UnitMonths, true},
		{"none", 0, incidents.UnitNone, true},
		{"  72   HOURS ", 72, incidents.UnitHours, true},
		{"0h", 0, "", false},
		{"-1 days", 0, "", false},
		{"72 hrs", 0, "", false},
		{"72", 0, "", false},
		{"3m", 0, "", false}, // minutes or months? neither
		{"99999999999999999999 days", 0, "", false},
		{"", 0, "", false},
	}
	for _, tt := range tests {
		amount, unit, ok := parseWithin(tt.in)
		if amount != tt.amount || unit != tt.unit || ok != tt.ok {
			t.Errorf("parseWithin(%q) = %d, %q, %v; want %d, %q, %v", tt.in, amount, unit, ok, tt.amount, tt.unit, tt.ok)
		}
	}
}

// TestCatalogLawKey: a regulation names its law with law:; the older key
// regime: is read the same way, and giving both is a problem at the line.
func TestCatalogLawKey(t *testing.T) {
	const head = "version: \"1\"\ndisclaimer: x\nfacts: []\nevents: [{name: awareness, description: x}]\nregulations:\n"
	for _, key := range []string{"law", "regime"} {
		c, err := ParseCatalog("c.yaml", []byte(head+"  - {id: a, title: A, "+key+": EU GDPR, citation: c, status: in_force, deadline: {start: awareness, within: 1h}}\n"))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if r, _ := c.Regulation("a"); r.Law != "EU GDPR" {
			t.Errorf("%s: EU GDPR read as law %q", key, r.Law)
		}
	}
	_, err := ParseCatalog("c.yaml", []byte(head+"  - {id: a, title: A, law: EU GDPR, regime: EU GDPR, citation: c, status: in_force, deadline: {start: awareness, within: 1h}}\n"))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Line != 6 || !strings.Contains(ps[0].Message, "keep law") {
		t.Errorf("law and regime both given: %v, want one problem at line 6 saying to keep law", err)
	}
}
