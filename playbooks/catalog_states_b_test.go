package playbooks

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// The state laws of catalog part B (Montana to Wyoming and the territories),
// checked against the statutes they cite.

// statesBResidents maps each jurisdiction of part B to the id of its
// regulation that tells affected residents.
var statesBResidents = map[string]string{
	"US-MT": "mt-residents",
	"US-NE": "ne-residents",
	"US-NV": "nv-residents",
	"US-NH": "nh-residents",
	"US-NJ": "nj-residents",
	"US-NM": "nm-residents",
	"US-NY": "ny-gbl",
	"US-NC": "nc-residents",
	"US-ND": "nd-residents",
	"US-OH": "oh-residents",
	"US-OK": "ok-residents",
	"US-OR": "or-residents",
	"US-PA": "pa-residents",
	"US-RI": "ri-residents",
	"US-SC": "sc-residents",
	"US-SD": "sd-residents",
	"US-TN": "tn-residents",
	"US-TX": "tx-individuals",
	"US-UT": "ut-residents",
	"US-VT": "vt-residents",
	"US-VA": "va-residents",
	"US-WA": "wa-residents",
	"US-WV": "wv-residents",
	"US-WI": "wi-residents",
	"US-WY": "wy-residents",
	"US-PR": "pr-residents",
	"US-GU": "gu-residents",
	"US-VI": "vi-residents",
}

// statesBTimeZones are the time zones the deadlines of part B run in (the
// state's capital, for states with two).
var statesBTimeZones = map[string]string{
	"US-MT": "America/Denver",
	"US-NE": "America/Chicago",
	"US-NV": "America/Los_Angeles",
	"US-NH": "America/New_York",
	"US-NJ": "America/New_York",
	"US-NM": "America/Denver",
	"US-NY": "America/New_York",
	"US-NC": "America/New_York",
	"US-ND": "America/Chicago",
	"US-OH": "America/New_York",
	"US-OK": "America/Chicago",
	"US-OR": "America/Los_Angeles",
	"US-PA": "America/New_York",
	"US-RI": "America/New_York",
	"US-SC": "America/New_York",
	"US-SD": "America/Chicago",
	"US-TN": "America/Chicago",
	"US-TX": "America/Chicago",
	"US-UT": "America/Denver",
	"US-VT": "America/New_York",
	"US-VA": "America/New_York",
	"US-WA": "America/Los_Angeles",
	"US-WV": "America/New_York",
	"US-WI": "America/Chicago",
	"US-WY": "America/Denver",
	"US-PR": "America/Puerto_Rico",
	"US-GU": "Pacific/Guam",
	"US-VI": "America/St_Thomas",
}

// TestStatesBCatalog checks that every jurisdiction of part B has a residents
// regulation complete enough to run a clock and compose a notice: citation,
// status, source, a valid deadline with the law's words in the state's time
// zone, a condition naming the jurisdiction, notice rules whose contacts all
// exist, and the terms legal reads.
func TestStatesBCatalog(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	for jur, id := range statesBResidents {
		t.Run(jur, func(t *testing.T) {
			r, ok := cat.Regulation(id)
			if !ok {
				t.Fatalf("%s: residents regulation %s is missing", jur, id)
			}
			if r.Jurisdiction != jur {
				t.Errorf("%s: Jurisdiction = %q, want %q", id, r.Jurisdiction, jur)
			}
			if r.Citation == "" || r.Source == "" {
				t.Errorf("%s: citation %q, source %q; both are needed", id, r.Citation, r.Source)
			}
			if r.Status != incidents.StatusInForce && r.Status != incidents.StatusUncertain {
				t.Errorf("%s: Status = %q, want in_force or uncertain", id, r.Status)
			}
			if err := r.Deadline.Validate(); err != nil || r.Deadline.Text == "" {
				t.Errorf("%s: deadline %+v: %v (and it needs the law's words)", id, r.Deadline, err)
			}
			if r.Deadline.TimeZone != statesBTimeZones[jur] {
				t.Errorf("%s: deadline time zone %q, want %q", id, r.Deadline.TimeZone, statesBTimeZones[jur])
			}
			if !slices.ContainsFunc(leaves(r.AppliesWhen), func(c incidents.Condition) bool {
				return c.Fact == "jurisdictions" && slices.Contains(c.Values, jur)
			}) {
				t.Errorf("%s: applies_when does not test jurisdictions includes %s", id, jur)
			}
			if r.Notice == nil || len(r.Notice.Require) == 0 {
				t.Fatalf("%s: no notice rules; where the statute sets no content, require the disclosure itself (item nature)", id)
			}
			for _, rule := range append(slices.Clone(r.Notice.Require), r.Notice.Forbid...) {
				if rule.Citation == "" {
					t.Errorf("%s: rule %s has no citation", id, rule.Item)
				}
				for _, c := range rule.Contacts {
					if _, ok := cat.Contacts[c]; !ok {
						t.Errorf("%s: rule %s names contact %s, which the catalog lacks", id, rule.Item, c)
					}
				}
			}
			if r.Terms == nil || r.Terms.PersonalInformation == "" || r.Terms.SafeHarbor == "" || r.Terms.HarmException == "" || r.Terms.SubstituteNotice == "" || r.Terms.Thresholds == "" {
				t.Errorf("%s: terms incomplete: %+v", id, r.Terms)
			}
		})
	}
}

// findRule returns the require rules of regulation id for item.
func findRules(t *testing.T, cat *Catalog, id, item string) []incidents.ContentRule {
	t.Helper()
	r, ok := cat.Regulation(id)
	if !ok || r.Notice == nil {
		t.Fatalf("regulation %s is missing or has no notice rules", id)
	}
	var out []incidents.ContentRule
	for _, rule := range r.Notice.Require {
		if rule.Item == item {
			out = append(out, rule)
		}
	}
	return out
}

// TestStatesBNoticeContent spot-checks the golden states' notice rules
// against the statute text each subtest names.
func TestStatesBNoticeContent(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	hasContacts := func(t *testing.T, id string, want ...string) {
		t.Helper()
		for _, rule := range findRules(t, cat, id, incidents.ItemAgencyContacts) {
			if slices.Equal(rule.Contacts, want) || containsAll(rule.Contacts, want) {
				return
			}
		}
		t.Errorf("%s: no agency_contacts rule naming %v", id, want)
	}
	requires := func(t *testing.T, id, item string, ifKnown bool) {
		t.Helper()
		rules := findRules(t, cat, id, item)
		if len(rules) == 0 {
			t.Fatalf("%s: does not require %s", id, item)
		}
		if rules[0].IfKnown != ifKnown {
			t.Errorf("%s: %s if_known = %v, want %v", id, item, rules[0].IfKnown, ifKnown)
		}
	}
	bureaus := []string{"equifax", "experian", "transunion"}

	t.Run("N.Y. GBL 899-aa(7): company contact, AG, Department of State and FTC numbers and websites, categories of information", func(t *testing.T) {
		requires(t, "ny-gbl", incidents.ItemCompanyContact, false)
		requires(t, "ny-gbl", incidents.ItemDataTypes, false)
		hasContacts(t, "ny-gbl", "ag-ny", "ny-dos", "ftc")
		for _, id := range []string{"ag-ny", "ny-dos", "ftc"} {
			c := cat.Contacts[id]
			if c.Website == "" || c.TollFree == "" && c.Phone == "" {
				t.Errorf("contact %s lacks the telephone number or website 899-aa(7) asks for: %+v", id, c)
			}
		}
	})
	t.Run("N.Y. GBL 899-aa(2): 30 days from discovery since the Dec 2024 amendment, uncertain until the amended text is read", func(t *testing.T) {
		r, _ := cat.Regulation("ny-gbl")
		if r.Status != incidents.StatusUncertain || r.Deadline.Amount != 30 || r.Deadline.Start != "awareness" {
			t.Errorf("ny-gbl: status %s, deadline %+v", r.Status, r.Deadline)
		}
	})
	t.Run("N.C.G.S. 75-65(d)(1)-(7): incident, information, acts, phone, vigilance, bureaus, FTC and AG", func(t *testing.T) {
		for _, item := range []string{incidents.ItemNature, incidents.ItemDataTypes, incidents.ItemMeasures, incidents.ItemReviewStatements} {
			requires(t, "nc-residents", item, false)
		}
		requires(t, "nc-residents", incidents.ItemCompanyContact, true) // "if one exists"
		hasContacts(t, "nc-residents", bureaus...)
		hasContacts(t, "nc-residents", "ftc", "ag-nc")
		if c := cat.Contacts["ag-nc"]; c.TollFree == "" || c.Address == "" || c.Website == "" {
			t.Errorf("ag-nc lacks the toll-free number, address or website 75-65(d)(7) asks for: %+v", c)
		}
	})
	t.Run("ORS 646A.604(5)(a)-(f): description, approximate date without if-known, information, contact, bureaus, report identity theft", func(t *testing.T) {
		for _, item := range []string{incidents.ItemNature, incidents.ItemBreachDate, incidents.ItemDataTypes, incidents.ItemCompanyContact, incidents.ItemReportIdentityTheft} {
			requires(t, "or-residents", item, false)
		}
		hasContacts(t, "or-residents", bureaus...)
		r, _ := cat.Regulation("or-residents")
		if r.Deadline.Amount != 45 || r.Deadline.Unit != incidents.UnitCalendarDays {
			t.Errorf("or-residents deadline %+v, want 45 days (646A.604(3)(a))", r.Deadline)
		}
	})
	t.Run("RCW 19.255.010(6): business contact, types, time frame if known, bureaus' toll-free numbers", func(t *testing.T) {
		requires(t, "wa-residents", incidents.ItemCompanyContact, false)
		requires(t, "wa-residents", incidents.ItemDataTypes, false)
		requires(t, "wa-residents", incidents.ItemBreachDate, true)
		hasContacts(t, "wa-residents", bureaus...)
		for _, id := range bureaus {
			if c := cat.Contacts[id]; c.TollFree == "" || c.Address == "" {
				t.Errorf("contact %s lacks the toll-free number or address RCW 19.255.010(6) asks for: %+v", id, c)
			}
		}
	})
	t.Run("Tex. Bus. & Com. Code 521.053: no content set; the notice only discloses the breach", func(t *testing.T) {
		r, _ := cat.Regulation("tx-individuals")
		if r.Notice == nil || len(r.Notice.Require) != 1 || r.Notice.Require[0].Item != incidents.ItemNature || len(r.Notice.Forbid) != 0 {
			t.Errorf("tx-individuals notice = %+v, want the one rule that the breach is disclosed", r.Notice)
		}
	})
	t.Run("R.I. Gen. Laws 11-49.3-4(d): number affected, police report, freeze, bureaus and AG", func(t *testing.T) {
		for _, item := range []string{incidents.ItemNature, incidents.ItemAffectedCount, incidents.ItemDataTypes, incidents.ItemBreachDate, incidents.ItemPoliceReport, incidents.ItemSecurityFreeze} {
			requires(t, "ri-residents", item, false)
		}
		hasContacts(t, "ri-residents", "equifax", "experian", "transunion", "ag-ri")
		// (d)(6) also asks the notice to say that the agencies may charge
		// fees, which the writer must see even though federal law has made
		// freezes free.
		if freeze := findRules(t, cat, "ri-residents", incidents.ItemSecurityFreeze); len(freeze) == 0 || !strings.Contains(freeze[0].Text, "fees") {
			t.Errorf("ri-residents security_freeze rule %+v does not mention the fees (d)(6) asks about", freeze)
		}
	})
	t.Run("N.M. Stat. 57-12C-7: types and date if known, bureaus, review statements", func(t *testing.T) {
		requires(t, "nm-residents", incidents.ItemDataTypes, true)
		requires(t, "nm-residents", incidents.ItemBreachDate, true)
		requires(t, "nm-residents", incidents.ItemReviewStatements, false)
		hasContacts(t, "nm-residents", bureaus...)
	})
	t.Run("Wyo. Stat. 40-12-502(e): toll-free number, law enforcement delay if determinable", func(t *testing.T) {
		requires(t, "wy-residents", incidents.ItemTollFree, false)
		requires(t, "wy-residents", incidents.ItemLawEnforcementDelay, true)
		requires(t, "wy-residents", incidents.ItemBreachDate, true)
	})
	t.Run("9 V.S.A. 2435(b)(5): every item only if known; AG within 14 business days", func(t *testing.T) {
		r, _ := cat.Regulation("vt-residents")
		for _, rule := range r.Notice.Require {
			if rule.WhenData == nil && !rule.IfKnown {
				t.Errorf("vt-residents: %s is required even if unknown; 2435(b)(5) asks for each item if known", rule.Item)
			}
		}
		ag, _ := cat.Regulation("vt-ag")
		if ag.Deadline.Amount != 14 || ag.Deadline.Unit != incidents.UnitBusinessDays {
			t.Errorf("vt-ag deadline %+v, want 14 business days", ag.Deadline)
		}
	})
	t.Run("10 L.P.R.A. 4052-4053: DACO within 10 days; toll-free number and website", func(t *testing.T) {
		requires(t, "pr-residents", incidents.ItemTollFree, false)
		requires(t, "pr-residents", incidents.ItemCompanyContact, false)
		r, _ := cat.Regulation("pr-agency")
		if r.Deadline.Amount != 10 || r.Deadline.Unit != incidents.UnitCalendarDays {
			t.Errorf("pr-agency deadline %+v, want 10 days", r.Deadline)
		}
	})
	t.Run("agency notices and their thresholds", func(t *testing.T) {
		for id, want := range map[string]incidents.Condition{
			"ny-bureaus": {Fact: "residents.US-NY", Op: incidents.OpGT, Number: 5000}, // 899-aa(8)(b)
			"nc-bureaus": {Fact: "residents.US-NC", Op: incidents.OpGT, Number: 1000}, // 75-65(f)
			"or-ag":      {Fact: "residents.US-OR", Op: incidents.OpGT, Number: 250},  // 646A.604(1)(b)
			"or-bureaus": {Fact: "residents.US-OR", Op: incidents.OpGT, Number: 1000}, // 646A.604(6)
		} {
			r, ok := cat.Regulation(id)
			if !ok {
				t.Errorf("regulation %s is missing", id)
				continue
			}
			if !slices.ContainsFunc(leaves(r.AppliesWhen), func(c incidents.Condition) bool {
				return c.Fact == want.Fact && c.Op == want.Op && c.Number == want.Number
			}) {
				t.Errorf("%s: no threshold %s %s %d", id, want.Fact, want.Op, want.Number)
			}
		}
		for _, id := range []string{"ny-ag", "nc-ag"} { // 899-aa(8)(a), 75-65(e1): any breach
			if _, ok := cat.Regulation(id); !ok {
				t.Errorf("regulation %s is missing", id)
			}
		}
	})
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// TestStatesBApplicability evaluates the golden states' conditions with facts
// as a responder records them.
func TestStatesBApplicability(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	pb := mustParseEmbedded(t, "personal-data-breach.yaml")
	factsOf := func(t *testing.T, args ...string) incidents.Facts {
		t.Helper()
		facts := incidents.Facts{}
		for _, a := range args {
			ch, err := pb.ParseFactChange(a)
			if err != nil {
				t.Fatalf("ParseFactChange(%q): %v", a, err)
			}
			facts, _ = facts.Apply(ch, time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), "U1")
		}
		return facts
	}
	tests := []struct {
		name  string
		id    string
		facts []string
		want  incidents.Truth
	}{
		{"NY: SSN, not encrypted", "ny-gbl", []string{"jurisdictions=US-NY", "data=name,ssn", "encrypted=no"}, incidents.True},
		{"NY: encrypted, key safe", "ny-gbl", []string{"jurisdictions=US-NY", "data=name,ssn", "encrypted=yes"}, incidents.False},
		{"NY 899-aa(1)(b)(ii): email and password", "ny-gbl", []string{"jurisdictions=US-NY", "data=email,password", "encrypted=no"}, incidents.True},
		{"NY: health insurance (Dec 2024 amendment)", "ny-gbl", []string{"jurisdictions=US-NY", "data=name,health_insurance", "encrypted=no"}, incidents.True},
		{"NY: encryption unknown waits for it", "ny-gbl", []string{"jurisdictions=US-NY", "data=name,ssn"}, incidents.Unknown},
		{"NY: other state only", "ny-gbl", []string{"jurisdictions=US-CA", "data=name,ssn", "encrypted=no"}, incidents.False},
		{"TX 521.002(a)(2): email and password are not sensitive personal information", "tx-individuals", []string{"jurisdictions=US-TX", "data=email,password", "encrypted=no"}, incidents.False},
		{"TX: health information", "tx-individuals", []string{"jurisdictions=US-TX", "data=name,health", "encrypted=no"}, incidents.True},
		{"TX: encrypted, key safe", "tx-individuals", []string{"jurisdictions=US-TX", "data=name,ssn", "encrypted=yes"}, incidents.False},
		{"WA 19.255.005: name and full date of birth", "wa-residents", []string{"jurisdictions=US-WA", "data=name,dob", "encrypted=no"}, incidents.True},
		{"WA: date of birth without a name", "wa-residents", []string{"jurisdictions=US-WA", "data=dob,email", "encrypted=no"}, incidents.False},
		{"WA: username and password", "wa-residents", []string{"jurisdictions=US-WA", "data=username,password_hash", "encrypted=no"}, incidents.True},
		{"OR 646A.602: username and password", "or-residents", []string{"jurisdictions=US-OR", "data=username,password", "encrypted=no"}, incidents.True},
		{"OR: encrypted, key safe", "or-residents", []string{"jurisdictions=US-OR", "data=username,password", "encrypted=yes"}, incidents.False},
		{"NC 75-61(10): email only", "nc-residents", []string{"jurisdictions=US-NC", "data=name,email", "encrypted=no"}, incidents.False},
		{"NC: bank account", "nc-residents", []string{"jurisdictions=US-NC", "data=name,bank_account", "encrypted=no"}, incidents.True},
		{"NC 75-65(e1): AG for any notified breach", "nc-ag", []string{"jurisdictions=US-NC", "data=name,ssn", "encrypted=no"}, incidents.True},
		{"NY 899-aa(8)(b): 5,000 residents is not more than 5,000", "ny-bureaus", []string{"jurisdictions=US-NY", "data=name,ssn", "encrypted=no", "residents=US-NY:5000"}, incidents.False},
		{"NY 899-aa(8)(b): 5,001 residents", "ny-bureaus", []string{"jurisdictions=US-NY", "data=name,ssn", "encrypted=no", "residents=US-NY:5001"}, incidents.True},
		// Two law-firm accounts of Act 33 of 2024 say "500 or more"; the text
		// was not read, so the bureaus are told from 500, which covers both readings.
		{"PA 2305 (Act 33): bureaus from 500 residents", "pa-bureaus", []string{"jurisdictions=US-PA", "data=name,ssn", "encrypted=no", "residents=US-PA:500"}, incidents.True},
		{"PA 2305: 499 residents", "pa-bureaus", []string{"jurisdictions=US-PA", "data=name,ssn", "encrypted=no", "residents=US-PA:499"}, incidents.False},
		{"VT 9 V.S.A. 2430: login credentials", "vt-residents", []string{"jurisdictions=US-VT", "data=email,password", "encrypted=no"}, incidents.True},
		{"OH 1349.19: login credentials are not personal information", "oh-residents", []string{"jurisdictions=US-OH", "data=email,password", "encrypted=no"}, incidents.False},
		{"RI 11-49.3-3: email and password", "ri-residents", []string{"jurisdictions=US-RI", "data=email,password", "encrypted=no"}, incidents.True},
		{"PR 4051: encrypted, key safe", "pr-residents", []string{"jurisdictions=US-PR", "data=name,ssn", "encrypted=yes"}, incidents.False},
		{"OK 24 O.S. 163 (SB 626): 499 residents", "ok-ag", []string{"jurisdictions=US-OK", "data=name,ssn", "encrypted=no", "residents=US-OK:499"}, incidents.False},
		{"OK 24 O.S. 163 (SB 626): 500 residents", "ok-ag", []string{"jurisdictions=US-OK", "data=name,ssn", "encrypted=no", "residents=US-OK:500"}, incidents.True},
		{"OR 646A.604(1)(b): 251 Oregon consumers", "or-ag", []string{"jurisdictions=US-OR", "data=name,ssn", "encrypted=no", "residents=US-OR:251"}, incidents.True},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := cat.Regulation(tt.id)
			if !ok {
				t.Fatalf("regulation %s is missing", tt.id)
			}
			v := r.AppliesWhen.Eval(factsOf(t, tt.facts...), cat.Groups)
			if v.Truth != tt.want {
				t.Errorf("%s with %s: %v (%s), want %v", tt.id, strings.Join(tt.facts, " "), v.Truth, strings.Join(append(v.Why, v.Missing...), "; "), tt.want)
			}
		})
	}
}

// waiveInNotes finds a /breach waive command quoted in a regulation's notes.
var waiveInNotes = regexp.MustCompile(`/breach\s+waive\s+(\S+)\s+(\S+)`)

// TestStatesBWaiveCommandsInNotes checks the waive commands the part B notes
// tell a responder to type: they name the regulation itself and give the
// reason as an argument, as /breach waive OBLIGATION REASON takes it (it has
// no --reason flag, so a copied "--reason" would be refused).
func TestStatesBWaiveCommandsInNotes(t *testing.T) {
	cat := mustEmbeddedCatalog(t)
	seen := 0
	for _, r := range cat.Regulations {
		if _, ok := statesBTimeZones[r.Jurisdiction]; !ok {
			continue
		}
		for _, m := range waiveInNotes.FindAllStringSubmatch(r.Notes, -1) {
			seen++
			if m[1] != r.ID {
				t.Errorf("%s: notes say /breach waive %s; it should waive %s itself", r.ID, m[1], r.ID)
			}
			if strings.HasPrefix(m[2], "--") {
				t.Errorf("%s: notes say /breach waive %s %s; waive takes the reason as an argument, not %s", r.ID, m[1], m[2], m[2])
			}
		}
	}
	if seen < 20 {
		t.Errorf("found %d waive commands in part B notes, want one per risk-of-harm exception (20 or more)", seen)
	}
}

// statesBNames are the names README's table gives part B's jurisdictions.
var statesBNames = map[string]string{
	"Montana": "US-MT", "Nebraska": "US-NE", "Nevada": "US-NV", "New Hampshire": "US-NH", "New Jersey": "US-NJ",
	"New Mexico": "US-NM", "New York": "US-NY", "North Carolina": "US-NC", "North Dakota": "US-ND", "Ohio": "US-OH",
	"Oklahoma": "US-OK", "Oregon": "US-OR", "Pennsylvania": "US-PA", "Rhode Island": "US-RI", "South Carolina": "US-SC",
	"South Dakota": "US-SD", "Tennessee": "US-TN", "Texas": "US-TX", "Utah": "US-UT", "Vermont": "US-VT",
	"Virginia": "US-VA", "Washington": "US-WA", "West Virginia": "US-WV", "Wisconsin": "US-WI", "Wyoming": "US-WY",
	"Puerto Rico": "US-PR", "Guam": "US-GU", "US Virgin Islands": "US-VI",
}
