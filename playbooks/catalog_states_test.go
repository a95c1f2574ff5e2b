package playbooks

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents"
)

// statesPartA are the jurisdictions of the catalog's part A (Alabama to
// Missouri), each with the id of the regulation that tells its residents.
var statesPartA = map[string]string{
	"US-AL": "al-residents", "US-AK": "ak-residents", "US-AZ": "az-residents", "US-AR": "ar-residents",
	"US-CA": "ca-residents", "US-CO": "co-residents", "US-CT": "ct-residents", "US-DE": "de-residents",
	"US-DC": "dc-residents", "US-FL": "fl-individuals", "US-GA": "ga-residents", "US-HI": "hi-residents",
	"US-ID": "id-residents", "US-IL": "il-residents", "US-IN": "in-residents", "US-IA": "ia-residents",
	"US-KS": "ks-residents", "US-KY": "ky-residents", "US-LA": "la-residents", "US-ME": "me-residents",
	"US-MD": "md-residents", "US-MA": "ma-residents", "US-MI": "mi-residents", "US-MN": "mn-residents",
	"US-MS": "ms-residents", "US-MO": "mo-residents",
}

// residentsRule returns the regulation of the catalog that tells the
// residents of jurisdiction, failing the test if there is none.
func residentsRule(t *testing.T, cat *Catalog, jurisdiction, id string) Regulation {
	t.Helper()
	r, ok := cat.Regulation(id)
	if !ok {
		t.Fatalf("%s: regulation %s is missing", jurisdiction, id)
	}
	if r.Jurisdiction != jurisdiction {
		t.Errorf("%s: jurisdiction = %q, want %q", id, r.Jurisdiction, jurisdiction)
	}
	return r
}

// TestCatalogStatesComplete checks that every jurisdiction of the catalog's
// US state rows has a residents regulation with what a responder and the
// notice composer need: a citation, a status, a deadline with the state's
// time zone, notice rules and the legal terms.
func TestCatalogStatesComplete(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	for jur, id := range statesPartA {
		t.Run(jur, func(t *testing.T) {
			r := residentsRule(t, cat, jur, id)
			if r.Citation == "" || r.Source == "" {
				t.Errorf("%s lacks a citation or a source", id)
			}
			if r.Status != incidents.StatusInForce && r.Status != incidents.StatusUncertain {
				t.Errorf("%s: status = %q, want in_force or uncertain", id, r.Status)
			}
			if r.Deadline.Start == "" || r.Deadline.Text == "" {
				t.Errorf("%s: deadline %+v lacks a start or a text", id, r.Deadline)
			}
			if r.Deadline.TimeZone == "" {
				t.Errorf("%s: deadline has no time zone; state deadlines end at the state's midnight", id)
			}
			if r.Notice == nil || len(r.Notice.Require) == 0 {
				t.Errorf("%s has no notice rules", id)
			}
			if r.Terms == nil || r.Terms.PersonalInformation == "" || r.Terms.SafeHarbor == "" || r.Terms.HarmException == "" || r.Terms.SubstituteNotice == "" || r.Terms.Thresholds == "" {
				t.Errorf("%s: terms %+v lack one of personal information, safe harbour, harm exception, substitute notice, thresholds", id, r.Terms)
			}
			// The regulation applies to its own residents only.
			v := r.AppliesWhen.Eval(incidents.Facts{"jurisdictions": {Set: []string{"DE"}}}, cat.Groups)
			if v.Truth != incidents.False {
				t.Errorf("%s applies (%v) to a breach of German residents only", id, v.Truth)
			}
		})
	}
}

// TestCatalogContacts checks that every contact a notice rule names exists
// with a way to reach it, and that the federal and credit bureau blocks carry
// the toll-free number, address and website the statutes ask for.
func TestCatalogContacts(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	for _, r := range cat.Regulations {
		if r.Notice == nil {
			continue
		}
		for _, rule := range append(append([]incidents.ContentRule{}, r.Notice.Require...), r.Notice.Forbid...) {
			if rule.Citation == "" {
				t.Errorf("%s: rule %s has no citation", r.ID, rule.Item)
			}
			for _, id := range rule.Contacts {
				c, ok := cat.Contacts[id]
				if !ok {
					t.Errorf("%s names contact %s, which the catalog lacks", r.ID, id)
					continue
				}
				if c.Name == "" || c.Address == "" || (c.TollFree == "" && c.Phone == "") || c.Source == "" {
					t.Errorf("contact %s lacks a name, address, telephone number or source: %+v", id, c)
				}
			}
		}
	}
	for id, c := range cat.Contacts {
		if c.Source == "" || (c.TollFree == "" && c.Phone == "") {
			t.Errorf("contact %s has no source or no telephone number: %+v", id, c)
		}
		if c.TollFree != "" && !isTollFree(c.TollFree) {
			t.Errorf("contact %s lists %s as toll-free; it is not a toll-free area code", id, c.TollFree)
		}
	}
	// 815 ILCS 530/10(a)(1) and Md. Com. Law 14-3504(g)(3)-(4) ask for these
	// agencies' toll-free numbers, addresses and websites.
	for _, id := range []string{"ftc", "equifax", "experian", "transunion", "ag-md"} {
		c := cat.Contacts[id]
		if !isTollFree(c.TollFree) || c.Address == "" || !strings.HasPrefix(c.Website, "https://") {
			t.Errorf("contact %s = %+v, want a toll-free number, an address and an https website", id, c)
		}
	}
}

// isTollFree reports whether a NANP number uses a toll-free area code.
func isTollFree(n string) bool {
	n = strings.TrimPrefix(n, "1-")
	return slices.ContainsFunc([]string{"800", "833", "844", "855", "866", "877", "888"}, func(p string) bool { return strings.HasPrefix(n, p+"-") })
}

// rulesOf returns the rules of regulation id for item: the required ones,
// or the forbidden ones when forbid is set.
func rulesOf(t *testing.T, cat *Catalog, id, item string, forbid bool) []incidents.ContentRule {
	t.Helper()
	r, ok := cat.Regulation(id)
	if !ok || r.Notice == nil {
		t.Fatalf("regulation %s has no notice rules", id)
	}
	rules := r.Notice.Require
	if forbid {
		rules = r.Notice.Forbid
	}
	var out []incidents.ContentRule
	for _, rule := range rules {
		if rule.Item == item {
			out = append(out, rule)
		}
	}
	return out
}

// TestCatalogGoldenStatesNoticeRules checks the notice content of the golden
// states against the statutes' text, one section per case.
func TestCatalogGoldenStatesNoticeRules(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	type check struct {
		id, item string
		forbid   bool
		// want checks the rules found (at least one is required).
		want func(rs []incidents.ContentRule) string
	}
	always := func(rs []incidents.ContentRule) string {
		for _, r := range rs {
			if len(r.WhenData) == 0 && !r.IfKnown {
				return ""
			}
		}
		return "want a rule for every notice, without when_data or if_known"
	}
	ifKnown := func(rs []incidents.ContentRule) string {
		if !rs[0].IfKnown {
			return "want if_known: the statute asks for it only if it can be determined"
		}
		return ""
	}
	contacts := func(ids ...string) func(rs []incidents.ContentRule) string {
		return func(rs []incidents.ContentRule) string {
			var got []string
			for _, r := range rs {
				got = append(got, r.Contacts...)
			}
			for _, id := range ids {
				if !slices.Contains(got, id) {
					return "want contact " + id + " among " + strings.Join(got, ", ")
				}
			}
			return ""
		}
	}
	for name, c := range map[string]check{
		"Cal. Civ. Code 1798.82(d)(1) title and headings":       {id: "ca-residents", item: incidents.ItemHeadings, want: always},
		"Cal. Civ. Code 1798.82(d)(2)(C) date of the notice":    {id: "ca-residents", item: incidents.ItemNoticeDate, want: always},
		"Cal. Civ. Code 1798.82(d)(2)(C) breach date if known":  {id: "ca-residents", item: incidents.ItemBreachDate, want: ifKnown},
		"Cal. Civ. Code 1798.82(d)(2)(D) law enforcement delay": {id: "ca-residents", item: incidents.ItemLawEnforcementDelay, want: ifKnown},
		"Cal. Civ. Code 1798.82(d)(2)(E) description if known":  {id: "ca-residents", item: incidents.ItemNature, want: ifKnown},
		"Cal. Civ. Code 1798.82(d)(2)(F) credit bureaus for SSN": {id: "ca-residents", item: incidents.ItemAgencyContacts, want: func(rs []incidents.ContentRule) string {
			if !slices.Contains(rs[0].WhenData, "ssn") || !slices.Contains(rs[0].WhenData, "drivers_license") {
				return "want the bureaus only when an SSN or driver's license number was exposed"
			}
			return contacts("equifax", "experian", "transunion")(rs)
		}},
		"Cal. Civ. Code 1798.82(d)(2)(G) 12 months of protection": {id: "ca-residents", item: incidents.ItemIdentityProtection, want: func(rs []incidents.ContentRule) string {
			if rs[0].Months != 12 || !slices.Contains(rs[0].WhenData, "ssn") {
				return "want 12 months when an SSN was exposed"
			}
			return ""
		}},
		"Fla. Stat. 501.171(4)(e)1. breach date without if known": {id: "fl-individuals", item: incidents.ItemBreachDate, want: always},
		"Fla. Stat. 501.171(4)(e)2. personal information":         {id: "fl-individuals", item: incidents.ItemDataTypes, want: always},
		"Fla. Stat. 501.171(4)(e)3. contact to inquire":           {id: "fl-individuals", item: incidents.ItemCompanyContact, want: always},
		"815 ILCS 530/10(a)(1)(A)-(B) bureaus and FTC":            {id: "il-residents", item: incidents.ItemAgencyContacts, want: contacts("equifax", "experian", "transunion", "ftc")},
		"815 ILCS 530/10(a)(1)(C) fraud alerts":                   {id: "il-residents", item: incidents.ItemFraudAlert},
		"815 ILCS 530/10(a)(1)(C) security freezes":               {id: "il-residents", item: incidents.ItemSecurityFreeze},
		"815 ILCS 530/10(a) no number of residents":               {id: "il-residents", item: incidents.ItemAffectedCount, forbid: true},
		"M.G.L. c. 93H s. 3(b) police report":                     {id: "ma-residents", item: incidents.ItemPoliceReport, want: always},
		"M.G.L. c. 93H s. 3(b) security freeze":                   {id: "ma-residents", item: incidents.ItemSecurityFreeze, want: always},
		"M.G.L. c. 93H s. 3(b) no nature of the breach":           {id: "ma-residents", item: incidents.ItemNature, forbid: true},
		"M.G.L. c. 93H s. 3(b) no number of residents":            {id: "ma-residents", item: incidents.ItemAffectedCount, forbid: true},
		"M.G.L. c. 93H s. 3A 18 months of credit monitoring": {id: "ma-residents", item: incidents.ItemIdentityProtection, want: func(rs []incidents.ContentRule) string {
			if rs[0].Months != 18 || !slices.Equal(rs[0].WhenData, []string{"ssn"}) {
				return "want 18 months when SSNs were exposed"
			}
			return ""
		}},
		"Md. Com. Law 14-3504(g)(1) categories to the extent possible": {id: "md-residents", item: incidents.ItemDataTypes, want: ifKnown},
		"Md. Com. Law 14-3504(g)(2) business contact":                  {id: "md-residents", item: incidents.ItemCompanyContact, want: always},
		"Md. Com. Law 14-3504(g)(3)-(4) bureaus, FTC and the AG":       {id: "md-residents", item: incidents.ItemAgencyContacts, want: contacts("equifax", "experian", "transunion", "ftc", "ag-md")},
		"Md. Com. Law 14-3504(g)(4)(ii) avoiding identity theft":       {id: "md-residents", item: incidents.ItemAdvice, want: always},
	} {
		t.Run(name, func(t *testing.T) {
			rs := rulesOf(t, cat, c.id, c.item, c.forbid)
			if len(rs) == 0 {
				t.Fatalf("%s has no %s rule (forbid=%v)", c.id, c.item, c.forbid)
			}
			for _, r := range rs {
				if r.Citation == "" {
					t.Errorf("%s %s rule has no citation", c.id, c.item)
				}
			}
			if c.want != nil {
				if msg := c.want(rs); msg != "" {
					t.Errorf("%s %s: %s; rules %+v", c.id, c.item, msg, rs)
				}
			}
		})
	}
	// Massachusetts forbids what others require: its notice rules must not
	// also ask for the nature or the count.
	for _, item := range []string{incidents.ItemNature, incidents.ItemAffectedCount} {
		if rs := rulesOf(t, cat, "ma-residents", item, false); len(rs) > 0 {
			t.Errorf("ma-residents both requires and forbids %s", item)
		}
	}
}

// TestCatalogStatesApplicability evaluates the state rows against the facts a
// responder records: the encryption safe harbour, the kinds of data each
// statute covers, and the agency thresholds.
func TestCatalogStatesApplicability(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	yes, no := true, false
	facts := func(jur string, data []string, encrypted *bool, residents int64) incidents.Facts {
		f := incidents.Facts{
			"jurisdictions":   {Set: []string{jur}},
			"data_categories": {Set: data},
		}
		if encrypted != nil {
			f["encrypted"] = incidents.Fact{Bool: encrypted}
		}
		if residents > 0 {
			f["residents"] = incidents.Fact{Counts: map[string]int64{jur: residents}}
		}
		return f
	}
	creds := []string{"email", "password"}
	ssn := []string{"name", "ssn"}
	tests := []struct {
		name string
		id   string
		f    incidents.Facts
		want incidents.Truth
	}{
		{"CA SSN, unencrypted", "ca-residents", facts("US-CA", ssn, &no, 0), incidents.True},
		{"CA SSN, encrypted with the key safe (1798.82(a)(1))", "ca-residents", facts("US-CA", ssn, &yes, 0), incidents.False},
		{"CA SSN, encryption not yet known", "ca-residents", facts("US-CA", ssn, nil, 0), incidents.Unknown},
		{"CA credentials (1798.82(h)(2))", "ca-residents", facts("US-CA", creds, &no, 0), incidents.True},
		{"FL credentials (501.171(1)(g)1.b.)", "fl-individuals", facts("US-FL", creds, &no, 0), incidents.True},
		{"FL biometric data is not covered", "fl-individuals", facts("US-FL", []string{"name", "biometric"}, &no, 0), incidents.False},
		{"IL credentials (530/5)", "il-residents", facts("US-IL", creds, &no, 0), incidents.True},
		{"IL biometric data (530/5)", "il-residents", facts("US-IL", []string{"name", "biometric"}, &no, 0), incidents.True},
		{"MA credentials are not covered (93H s. 1)", "ma-residents", facts("US-MA", creds, &no, 0), incidents.False},
		{"MA health data is not covered (93H s. 1)", "ma-residents", facts("US-MA", []string{"name", "health"}, &no, 0), incidents.False},
		{"MA card number (93H s. 1)", "ma-residents", facts("US-MA", []string{"name", "card"}, &no, 0), incidents.True},
		{"MA encrypted with the key safe", "ma-residents", facts("US-MA", ssn, &yes, 0), incidents.False},
		{"MD credentials (14-3501(e)(1)(ii))", "md-residents", facts("US-MD", creds, &no, 0), incidents.True},
		{"MD taxpayer ID (14-3501(e)(1)(i))", "md-residents", facts("US-MD", []string{"name", "tax_id"}, &no, 0), incidents.True},
		{"MD email address alone", "md-residents", facts("US-MD", []string{"email"}, &no, 0), incidents.False},
		{"IL AG: 500 residents is not more than 500 (530/10(e))", "il-ag", facts("US-IL", ssn, &no, 500), incidents.False},
		{"IL AG: 501 residents", "il-ag", facts("US-IL", ssn, &no, 501), incidents.True},
		{"MD AG: any breach (14-3504(h))", "md-ag", facts("US-MD", ssn, &no, 1), incidents.True},
		{"MD bureaus: 999 people (14-3506)", "md-bureaus", facts("US-MD", ssn, &no, 999), incidents.False},
		{"MD bureaus: 1,000 people (14-3506)", "md-bureaus", facts("US-MD", ssn, &no, 1000), incidents.True},
		{"MD bureaus: count not yet known", "md-bureaus", facts("US-MD", ssn, &no, 0), incidents.Unknown},
		{"MA AG and OCABR: any breach (93H s. 3(b))", "ma-ag", facts("US-MA", ssn, &no, 0), incidents.True},
		{"FL department: 500 residents (501.171(3))", "fl-dept", facts("US-FL", ssn, &no, 500), incidents.True},
		{"CO credentials (6-1-716(1)(g)(I)(B))", "co-residents", facts("US-CO", creds, &no, 0), incidents.True},
		{"AK credentials are not covered (AS 45.48.090(7))", "ak-residents", facts("US-AK", creds, &no, 0), incidents.False},
		{"AR biometric data (4-110-103(7))", "ar-residents", facts("US-AR", []string{"name", "biometric"}, &no, 0), incidents.True},
		{"DC: 50 residents reach the AG (28-3852(b-1))", "dc-ag", facts("US-DC", ssn, &no, 50), incidents.True},
		{"DC: 49 residents do not", "dc-ag", facts("US-DC", ssn, &no, 49), incidents.False},
		{"GA bureaus: 10,000 is not more than 10,000 (10-1-912(d))", "ga-bureaus", facts("US-GA", ssn, &no, 10000), incidents.False},
		{"IA AG: 501 residents (715C.2(8))", "ia-ag", facts("US-IA", ssn, &no, 501), incidents.True},
		{"MN bureaus: 501 residents (325E.61 subd. 2)", "mn-bureaus", facts("US-MN", ssn, &no, 501), incidents.True},
		{"MO health data (407.1500.1(9))", "mo-residents", facts("US-MO", []string{"name", "health"}, &no, 0), incidents.True},
		{"KY health data is not covered (365.732(1)(c))", "ky-residents", facts("US-KY", []string{"name", "health"}, &no, 0), incidents.False},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := cat.Regulation(tt.id)
			if !ok {
				t.Fatalf("regulation %s is missing", tt.id)
			}
			if v := r.AppliesWhen.Eval(tt.f, cat.Groups); v.Truth != tt.want {
				t.Errorf("%s = %v (why %v, missing %v), want %v", tt.id, v.Truth, v.Why, v.Missing, tt.want)
			}
		})
	}
}

// TestCatalogStatesDeadlines checks the clocks of the golden states against
// their statutes.
func TestCatalogStatesDeadlines(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	cd, non := incidents.UnitCalendarDays, incidents.UnitNone
	for _, tt := range []struct {
		id, start string
		amount    int
		unit, tz  string
	}{
		{"il-residents", "awareness", 0, non, "America/Chicago"},                        // 815 ILCS 530/10(a)
		{"il-ag", "awareness", 0, non, "America/Chicago"},                               // 815 ILCS 530/10(e)
		{"md-residents", "awareness", 45, cd, "America/New_York"},                       // Md. Com. Law 14-3504(b)(3)
		{"md-ag", "awareness", 45, cd, "America/New_York"},                              // 14-3504(h): before the residents
		{"md-bureaus", "awareness", 0, non, "America/New_York"},                         // 14-3506
		{"ma-residents", "awareness", 0, non, "America/New_York"},                       // M.G.L. c. 93H s. 3(b)
		{"ma-ag", "awareness", 0, non, "America/New_York"},                              // M.G.L. c. 93H s. 3(b)
		{"fl-individuals", "breach_determined", 30, cd, "America/New_York"},             // Fla. Stat. 501.171(4)(a)
		{"al-residents", "breach_determined", 45, cd, "America/Chicago"},                // Ala. Code 8-38-5(b)
		{"az-residents", "breach_determined", 45, cd, "America/Phoenix"},                // A.R.S. 18-552(B)
		{"co-residents", "breach_determined", 30, cd, "America/Denver"},                 // C.R.S. 6-1-716(2)(a)
		{"ct-residents", "awareness", 60, cd, "America/New_York"},                       // Conn. Gen. Stat. 36a-701b(b)(1)
		{"de-residents", "breach_determined", 60, cd, "America/New_York"},               // 6 Del. C. 12B-102(c)
		{"in-residents", "awareness", 45, cd, "America/Indiana/Indianapolis"},           // IC 24-4.9-3-3
		{"la-residents", "awareness", 60, cd, "America/Chicago"},                        // La. R.S. 51:3074(E)
		{"me-residents", "awareness", 30, cd, "America/New_York"},                       // 10 M.R.S. 1348(1)
		{"ia-ag", "met:ia-residents", 5, incidents.UnitBusinessDays, "America/Chicago"}, // Iowa Code 715C.2(8)
		{"mn-bureaus", "met:mn-residents", 48, incidents.UnitHours, "America/Chicago"},  // Minn. Stat. 325E.61 subd. 2
	} {
		r, ok := cat.Regulation(tt.id)
		if !ok {
			t.Errorf("regulation %s is missing", tt.id)
			continue
		}
		d := r.Deadline
		if d.Start != tt.start || d.Amount != tt.amount || d.Unit != tt.unit || d.TimeZone != tt.tz {
			t.Errorf("%s deadline = %+v, want start %s, %d %s, %s", tt.id, d, tt.start, tt.amount, tt.unit, tt.tz)
		}
	}
}

// statesPartANames are the names README's table gives part A's
// jurisdictions.
var statesPartANames = map[string]string{
	"Alabama": "US-AL", "Alaska": "US-AK", "Arizona": "US-AZ", "Arkansas": "US-AR", "California": "US-CA",
	"Colorado": "US-CO", "Connecticut": "US-CT", "Delaware": "US-DE", "District of Columbia": "US-DC",
	"Florida": "US-FL", "Georgia": "US-GA", "Hawaii": "US-HI", "Idaho": "US-ID", "Illinois": "US-IL",
	"Indiana": "US-IN", "Iowa": "US-IA", "Kansas": "US-KS", "Kentucky": "US-KY", "Louisiana": "US-LA",
	"Maine": "US-ME", "Maryland": "US-MD", "Massachusetts": "US-MA", "Michigan": "US-MI",
	"Minnesota": "US-MN", "Mississippi": "US-MS", "Missouri": "US-MO",
}

// TestReadmeNoticeTableMatchesCatalog keeps README's "What notices say, and
// why" honest: every state and territory has a row, with the status of its
// residents regulation in the catalog, and a forbid is said only where the
// catalog has one.
func TestReadmeNoticeTableMatchesCatalog(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## What notices say, and why\n")
	if !ok {
		t.Fatal(`README has no section "What notices say, and why"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	seen := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, " | ")
		if len(cells) != 5 || !strings.HasPrefix(line, "| ") {
			continue
		}
		name := strings.TrimPrefix(cells[0], "| ")
		var r Regulation
		if jur, ok := statesPartANames[name]; ok {
			r = residentsRule(t, cat, jur, statesPartA[jur])
		} else if jur, ok := statesBNames[name]; ok {
			r = residentsRule(t, cat, jur, statesBResidents[jur])
		} else {
			continue
		}
		seen[name] = true
		status := strings.TrimSuffix(cells[4], " |")
		if want := strings.ReplaceAll(r.Status, "_", " "); status != want {
			t.Errorf("README says %s is %q; the catalog's %s is %q", name, status, r.ID, want)
		}
		if forbids := cells[2] != "-"; forbids != (r.Notice != nil && len(r.Notice.Forbid) > 0) {
			t.Errorf("README's %s row says must not carry %q; the catalog's %s forbids %d items", name, cells[2], r.ID, len(r.Notice.Forbid))
		}
	}
	for _, names := range []map[string]string{statesPartANames, statesBNames} {
		for name := range names {
			if !seen[name] {
				t.Errorf("README's table has no row for %s", name)
			}
		}
	}
}

// TestInForceRowsRestOnTheStatute checks that no regulation is shown as in
// force while its own source admits the statute was not read: a row whose
// rule comes from memory or from summaries alone must say "uncertain", so
// the bot tells the responder to have counsel check it.
func TestInForceRowsRestOnTheStatute(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	admissions := []string{"as recalled", "from memory", "could not be read", "not confirmed", "summaries only"}
	for _, r := range cat.Regulations {
		if r.Status != incidents.StatusInForce {
			continue
		}
		src := strings.ToLower(r.Source)
		for _, a := range admissions {
			if strings.Contains(src, a) {
				t.Errorf("%s is in_force but its source says %q: %s", r.ID, a, r.Source)
			}
		}
	}
}
