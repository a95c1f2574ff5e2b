package incidents

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// personLaws is a notice answering to HIPAA (all of the US), GDPR Art. 34
// (the EU group), New York and Massachusetts, with rules as a catalog would
// give them.
func personLaws() NoticeData {
	var d NoticeData
	d.Incident.DataCategories = []string{"email", "health"}
	d.Notice.Laws = []NoticeLaw{
		{Regulation: "hipaa-individuals", Jurisdiction: "US", Rules: &NoticeRules{Require: []ContentRule{
			{Item: ItemNature, Citation: "45 CFR 164.404(c)(1)(A)"},
			{Item: ItemTollFree, Citation: "45 CFR 164.404(c)(1)(E)"},
		}}},
		{Regulation: "gdpr-art34", Jurisdiction: "EU", Members: []string{"DE", "FR"}, Rules: &NoticeRules{Require: []ContentRule{
			{Item: ItemDPO, Citation: "GDPR Art. 34(2)"},
		}}},
		{Regulation: "ny-gbl", Jurisdiction: "US-NY", Rules: &NoticeRules{Require: []ContentRule{
			{Item: ItemAgencyContacts, Contacts: []string{"ag-ny", "ftc"}, Citation: "N.Y. Gen. Bus. Law 899-aa(7)"},
			{Item: ItemIdentityProtection, WhenData: []string{"ssn"}, Months: 12, Citation: "N.Y. Gen. Bus. Law 899-aa(2)"},
		}}},
		{Regulation: "ma-residents", Jurisdiction: "US-MA", Rules: &NoticeRules{
			Require: []ContentRule{{Item: ItemPoliceReport, Citation: "M.G.L. c. 93H s. 3(b)"}},
			Forbid:  []ContentRule{{Item: ItemNature, Citation: "M.G.L. c. 93H s. 3(b)"}, {Item: ItemAffectedCount, Citation: "M.G.L. c. 93H s. 3(b)"}},
		}},
	}
	d.Notice.Contacts = []Contact{{ID: "ag-ny", Name: "NY AG"}, {ID: "ftc", Name: "FTC"}}
	return d
}

// Each person gets the rules of the laws covering their jurisdiction (the
// state's own, a country-level one such as HIPAA's US, a group such as the
// EU), data-conditional rules judged on the person's own data, and a clash
// (HIPAA requires the description, Massachusetts forbids it) named with
// both citations.
func TestRulesForEachPerson(t *testing.T) {
	d := personLaws()
	tests := []struct {
		name      string
		r         Recipient
		regs      []string
		has, hide []string
		contacts  []string
		clash     string
	}{
		{"New York resident: NY and HIPAA, agency contacts", Recipient{Country: "US", Region: "NY"},
			[]string{"hipaa-individuals", "ny-gbl"}, []string{ItemNature, ItemTollFree, ItemAgencyContacts}, []string{ItemIdentityProtection}, []string{"ag-ny", "ftc"}, ""},
		{"New York resident whose own row lists ssn: identity protection", Recipient{Country: "US", Region: "NY", DataCategories: []string{"ssn"}},
			[]string{"hipaa-individuals", "ny-gbl"}, []string{ItemIdentityProtection}, nil, []string{"ag-ny", "ftc"}, ""},
		{"German resident: GDPR through the EU group only", Recipient{Country: "DE"},
			[]string{"gdpr-art34"}, []string{ItemDPO}, []string{ItemTollFree, ItemAgencyContacts}, nil, ""},
		{"Massachusetts resident: HIPAA's description clashes with M.G.L. c. 93H", Recipient{Country: "US", Region: "MA"},
			[]string{"hipaa-individuals", "ma-residents"}, []string{ItemPoliceReport}, []string{ItemNature}, nil, ItemNature},
		{"Texas resident: HIPAA alone", Recipient{Country: "US", Region: "TX"},
			[]string{"hipaa-individuals"}, []string{ItemNature}, []string{ItemPoliceReport, ItemAgencyContacts}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := d.RulesFor(tt.r)
			if diff := cmp.Diff(tt.regs, p.Regulations); diff != "" {
				t.Errorf("laws covering the person (-want +got):\n%s", diff)
			}
			for _, it := range tt.has {
				if !p.Has(it) {
					t.Errorf("the notice lacks %s; rules %+v", it, p.Require)
				}
			}
			for _, it := range tt.hide {
				if p.Has(it) {
					t.Errorf("the notice carries %s, which the person's laws do not ask for or forbid", it)
				}
			}
			var ids []string
			for _, c := range p.Contacts {
				ids = append(ids, c.ID)
			}
			if diff := cmp.Diff(tt.contacts, ids); diff != "" {
				t.Errorf("agency contacts (-want +got):\n%s", diff)
			}
			if tt.clash == "" {
				if len(p.Clashes) > 0 {
					t.Errorf("clashes %+v, want none", p.Clashes)
				}
				return
			}
			if len(p.Clashes) != 1 || p.Clashes[0].Item != tt.clash || p.Clashes[0].Require.Citation != "45 CFR 164.404(c)(1)(A)" ||
				p.Clashes[0].Forbid.Citation != "M.G.L. c. 93H s. 3(b)" {
				t.Fatalf("clashes %+v, want %s with both citations", p.Clashes, tt.clash)
			}
			miss := d.MissingFor(tt.r)
			if !slices.ContainsFunc(miss, func(m MissingItem) bool { return m.Field == "clash.nature" }) {
				t.Errorf("an undecided clash is not missing: %+v", miss)
			}
			if err := SetNoticeField(&d.Incident, "clash", "nature=omit"); err != nil {
				t.Fatal(err)
			}
			p = d.RulesFor(tt.r)
			if p.Shows(ItemNature) || slices.ContainsFunc(d.MissingFor(tt.r), func(m MissingItem) bool { return m.Field == "clash.nature" }) {
				t.Errorf("after --clash nature=omit the nature is still shown or the clash still open")
			}
		})
	}
}

// A Florida resident's notice without the date of the breach lacks it
// (Fla. Stat. 501.171(4)(e)1 has no "if known"); California's "if known"
// does not.
func TestMissingBreachDate(t *testing.T) {
	var d NoticeData
	d.Notice.Laws = []NoticeLaw{
		{Regulation: "fl-individuals", Jurisdiction: "US-FL", Rules: &NoticeRules{Require: []ContentRule{{Item: ItemBreachDate, Citation: "Fla. Stat. 501.171(4)(e)1"}}}},
		{Regulation: "ca-residents", Jurisdiction: "US-CA", Rules: &NoticeRules{Require: []ContentRule{{Item: ItemBreachDate, IfKnown: true, Citation: "Cal. Civ. Code 1798.82(d)(2)(B)"}}}},
	}
	want := []MissingItem{{Field: FieldBreachStart, What: "the date of the breach", Citation: "Fla. Stat. 501.171(4)(e)1"}}
	if diff := cmp.Diff(want, d.MissingFor(Recipient{Country: "US", Region: "FL"})); diff != "" {
		t.Errorf("Florida (-want +got):\n%s", diff)
	}
	if m := d.MissingFor(Recipient{Country: "US", Region: "CA"}); len(m) != 0 {
		t.Errorf("California's date is asked for only if known, got missing %+v", m)
	}
	got := MissingLine(120, "US-FL", want[0])
	if w := "120 people in US-FL need the date of the breach (Fla. Stat. 501.171(4)(e)1): add --breach-start 2026-11-20"; got != w {
		t.Errorf("MissingLine = %q, want %q", got, w)
	}
}

// Only NANP toll-free numbers, or a number configured as toll-free, are
// toll-free (45 CFR 164.404(c)(1)(E)).
func TestTollFree(t *testing.T) {
	for phone, want := range map[string]bool{
		"1-800-555-0100": true, "+1 (888) 555-0100": true, "833.555.0100": true, "+1 555 0100": false,
		"+1 212 555 0100": false, "+49 800 1234567": false, "": false,
	} {
		if got := IsTollFreeNumber(phone); got != want {
			t.Errorf("IsTollFreeNumber(%q) = %v, want %v", phone, got, want)
		}
	}
	if got := (Company{ContactPhone: "+1 212 555 0100", TollFreePhone: "+1 212 555 0199"}).TollFree(); got != "+1 212 555 0199" {
		t.Errorf("a configured toll-free number is not used: %q", got)
	}
}

// A rule naming a contact the notice's snapshot lacks (a playbook pinned
// before its catalog had it) is missing content, never a silently empty
// block; the fix is a playbook upgrade.
func TestUnresolvedContactIsMissing(t *testing.T) {
	d := personLaws()
	d.Notice.Contacts = []Contact{{ID: "ftc", Name: "FTC"}} // no ag-ny
	d.Incident.WhatHappened, d.Company.TollFreePhone = "An attacker copied our customer table.", "1-800-555-0100"
	got := d.MissingFor(Recipient{Country: "US", Region: "NY"})
	want := []MissingItem{{Field: "catalog_contact.ag-ny", What: "the contact details of ag-ny, which the incident's pinned catalog lacks", Citation: "N.Y. Gen. Bus. Law 899-aa(7)"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if h := MissingHint([]string{"catalog_contact.ag-ny"}); !strings.Contains(h, "/breach playbook upgrade") {
		t.Errorf("hint %q does not say to upgrade the playbook", h)
	}
}
