package templates

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/playbooks"
)

// lawNotice is the shipped notice's data as a notice drafted under the
// built-in catalog's law(s) for people in jurisdiction would hold it: the
// rules of each regulation that tells people affected there, and the
// contacts they name.
func lawNotice(t *testing.T, cat *incidents.RegulationsCatalog, ids ...string) incidents.NoticeData {
	t.Helper()
	s := Sample()
	d := incidents.NoticeData{
		Company: incidents.Company{Name: s.Company.Name, ContactEmail: s.Company.ContactEmail, ContactPhone: s.Company.ContactPhone,
			Website: s.Company.Website, PostalAddress: s.Company.PostalAddress, DPO: s.Company.DPO},
		Incident: incidents.NoticeIncident{ID: s.Incident.ID, WhatHappened: s.Incident.WhatHappened, BreachStart: s.Incident.BreachStart,
			BreachEnd: s.Incident.BreachEnd, DiscoveredAt: s.Incident.DiscoveredAt, DataCategories: s.Incident.DataCategories,
			WhatWeAreDoing: s.Incident.WhatWeAreDoing, WhatYouCanDo: s.Incident.WhatYouCanDo, LikelyConsequences: s.Incident.LikelyConsequences,
			IdentityTheftProtection:  strings.Replace(s.Incident.IdentityTheftProtection, "12 months", "24 months", 1),
			IdentityProtectionMonths: 24, MoreInfo: s.Incident.MoreInfo},
		Notice: incidents.NoticeReference{ID: s.Notice.ID, Date: s.Notice.Date, Reference: s.Notice.Reference},
	}
	// Legal said the notice was not delayed for law enforcement (Cal.
	// Civ. Code 1798.82(d)(2)(D)): a decided "no".
	notDelayed := false
	d.Incident.LawEnforcementDelay = &notDelayed
	// As a draft snapshots the "affected" fact for laws that ask for the
	// number (R.I. Gen. Laws 11-49.3-4(d)(1)).
	affected := int64(12000)
	d.Incident.AffectedCount = &affected
	for _, id := range ids {
		r, ok := cat.Rule(id)
		if !ok {
			t.Fatalf("the built-in catalog has no regulation %s", id)
		}
		d.Notice.Regulations = append(d.Notice.Regulations, r.ID)
		d.Notice.Laws = append(d.Notice.Laws, incidents.NoticeLaw{Regulation: r.ID, Citation: r.Citation, Jurisdiction: r.Jurisdiction,
			Members: cat.Groups[r.Jurisdiction], Rules: r.Notice.Clone()})
		if r.Notice == nil {
			continue
		}
		for _, cr := range r.Notice.Require {
			for _, cid := range cr.Contacts {
				c, ok := cat.Contacts[cid]
				if !ok {
					t.Fatalf("%s names contact %s, which the catalog lacks", r.ID, cid)
				}
				if !slices.ContainsFunc(d.Notice.Contacts, func(x incidents.Contact) bool { return x.ID == cid }) {
					d.Notice.Contacts = append(d.Notice.Contacts, c)
				}
			}
		}
	}
	return d
}

// recipientIn is a made-up person of jurisdiction j ("US-NY", "DE").
func recipientIn(j, locale string, categories ...string) incidents.Recipient {
	country, region, _ := strings.Cut(j, "-")
	return incidents.Recipient{Email: "alex@example.net", Name: "Alex Example", Country: country, Region: region, Locale: locale, DataCategories: categories}
}

// lawCase is the notice to a resident of one modelled jurisdiction under
// its law, with what the statute's sections ask of it.
type lawCase struct {
	name    string
	regs    []string
	where   string
	locale  string
	cats    []string
	checks  []lawCheck
	toll    bool // the company's number is toll-free
	missing []string
}

// lawCheck is what one section of the statute asks: text the notice must
// carry (want) and must not (absent).
type lawCheck struct {
	section      string
	want, absent []string
}

// The bureaus' and agencies' names, as the catalog spells them.
var bureaus = []string{"Equifax", "Experian", "TransUnion"}

// nature is part of the sample's account of what happened.
const nature = "an attacker used a stolen employee password"

var lawCases = []lawCase{
	{name: "US-NY", regs: []string{"ny-gbl"}, where: "US-NY", locale: "en", cats: []string{"name", "email", "password_hash"}, checks: []lawCheck{
		{"N.Y. Gen. Bus. Law 899-aa(7): contact information of the AG, the Department of State and the FTC",
			[]string{"New York State Office of the Attorney General", "1-800-771-7755", "New York Department of State", "Federal Trade Commission", "privacy@example.com"}, nil},
		{"N.Y. Gen. Bus. Law 899-aa(7): the categories of information", []string{"email address", "password, in scrambled (hashed) form"}, nil},
	}},
	{name: "US-MA", regs: []string{"ma-residents"}, where: "US-MA", locale: "en", cats: []string{"name", "ssn"}, checks: []lawCheck{
		{"M.G.L. c. 93H s. 3(b): no nature of the breach, no number of residents", nil, []string{nature, "What Happened", "When it happened", "explains what happened", "people affected", "12000", "12,000"}},
		{"M.G.L. c. 93H s. 3A(a): credit monitoring for at least 18 months when SSNs were exposed", []string{"This offer is free of charge for 24 months."}, nil},
		{"M.G.L. c. 93H s. 3(b): the right to a police report", []string{"Police report: you have the right to obtain a police report"}, nil},
		{"M.G.L. c. 93H s. 3(b): how to request a security freeze, free of charge", append([]string{"security freeze on your credit report, free of charge"}, bureaus...), nil},
		// Each bureau's name is printed once, above its address (the
		// catalog's address starts with the name for some).
		{"the bureaus' contact blocks, each name once", []string{"  Equifax\n  Equifax Information Services LLC\n", "  Experian\n  P.O. Box 9554"},
			[]string{"  Experian\n  Experian", "  TransUnion\n  TransUnion", "<strong>Experian</strong><br>Experian<br>"}},
	}},
	{name: "US-IL", regs: []string{"il-residents"}, where: "US-IL", locale: "en", cats: []string{"name", "ssn"}, checks: []lawCheck{
		{"815 ILCS 530/10(a)(1)(B),(C): bureaus and FTC contacts, fraud alert and security freeze",
			append([]string{"Federal Trade Commission", "Fraud alert:", "Security freeze:"}, bureaus...), nil},
		{"815 ILCS 530/10(a): not the number of Illinois residents affected", nil, []string{"people affected", "12000", "12,000"}},
	}},
	{name: "US-RI", regs: []string{"ri-residents"}, where: "US-RI", locale: "en", cats: []string{"name", "ssn"}, checks: []lawCheck{
		{"R.I. Gen. Laws 11-49.3-4(d)(1): how the breach happened and the number of affected individuals", []string{nature, "Number of people affected: 12,000"}, nil},
		{"R.I. Gen. Laws 11-49.3-4(d)(3)-(4): the breach date or range and the discovery date", []string{"When it happened: November 20, 2026 – November 27, 2026", "When we found out: November 27, 2026"}, nil},
		{"R.I. Gen. Laws 11-49.3-4(d)(5): the bureaus and the RI Attorney General", append([]string{"Rhode Island"}, bureaus...), nil},
		{"R.I. Gen. Laws 11-49.3-4(d)(6): police report and security freeze", []string{"Police report:", "Security freeze:"}, nil},
	}},
	{name: "US-OR", regs: []string{"or-residents"}, where: "US-OR", locale: "en", cats: []string{"name", "ssn"}, checks: []lawCheck{
		{"ORS 646A.604(5)(a),(b): a description and the approximate date", []string{nature, "When it happened: November 20, 2026"}, nil},
		{"ORS 646A.604(5)(e): the consumer reporting agencies", bureaus, nil},
		{"ORS 646A.604(5)(f): report identity theft to law enforcement, the AG and the FTC",
			[]string{"Report identity theft:", "Oregon Department of Justice", "Federal Trade Commission"}, nil},
	}},
	{name: "US-NC", regs: []string{"nc-residents"}, where: "US-NC", locale: "en", cats: []string{"name", "ssn"}, checks: []lawCheck{
		{"N.C. Gen. Stat. 75-65(d)(1),(3): description and the business's acts", []string{nature, "We reset the passwords"}, nil},
		{"N.C. Gen. Stat. 75-65(d)(5): review account statements", []string{"Review your statements:"}, nil},
		{"N.C. Gen. Stat. 75-65(d)(6),(7): bureaus, FTC and the NC Attorney General", append([]string{"Federal Trade Commission", "North Carolina Department of Justice"}, bureaus...), nil},
	}},
	{name: "US-MD", regs: []string{"md-residents"}, where: "US-MD", locale: "en", cats: []string{"name", "ssn"}, toll: true, checks: []lawCheck{
		{"Md. Code, Com. Law 14-3504(g)(2): the business's address and toll-free number", []string{"Phone (toll-free): 1-800-555-0100", "1 Example Way"}, nil},
		{"Md. Code, Com. Law 14-3504(g)(3),(4): bureaus, FTC and the Maryland AG", append([]string{"Federal Trade Commission", "Maryland Office of the Attorney General"}, bureaus...), nil},
	}},
	{name: "US-FL", regs: []string{"fl-individuals"}, where: "US-FL", locale: "en", cats: []string{"name", "email", "password_hash"}, checks: []lawCheck{
		{"Fla. Stat. 501.171(4)(e)1: the date or date range of the breach", []string{"When it happened: November 20, 2026 – November 27, 2026"}, nil},
		{"Fla. Stat. 501.171(4)(e)3: how to contact the business", []string{"privacy@example.com"}, nil},
	}},
	{name: "US-WA", regs: []string{"wa-residents"}, where: "US-WA", locale: "en", cats: []string{"name", "ssn"}, checks: []lawCheck{
		{"RCW 19.255.010(6)(b)(iii): the time frame of exposure", []string{"When it happened: November 20, 2026 – November 27, 2026", "When we found out: November 27, 2026"}, nil},
		{"RCW 19.255.010(6)(b)(iv): the credit reporting agencies", bureaus, nil},
	}},
	{name: "US-TX", regs: []string{"tx-individuals"}, where: "US-TX", locale: "en", cats: []string{"name", "ssn"}, checks: []lawCheck{
		{"Tex. Bus. & Com. Code 521.053(b): no content rules, no other state's blocks", []string{nature}, []string{"Police report", "Fraud alert", "Attorney General", "people affected"}},
	}},
	{name: "US-CA", regs: []string{"ca-residents"}, where: "US-CA", locale: "en", cats: []string{"name", "ssn"}, checks: []lawCheck{
		{"Cal. Civ. Code 1798.82(d)(1): title and headings", []string{"Notice of Data Breach", "What Happened", "What Information Was Involved", "What We Are Doing", "What You Can Do", "For More Information"}, nil},
		{"Cal. Civ. Code 1798.82(d)(2)(C): the date of the notice", []string{"Date: November 30, 2026"}, nil},
		{"Cal. Civ. Code 1798.82(d)(2)(F),(G): bureaus and the identity theft offer when an SSN was exposed", append([]string{"24 months of free credit monitoring", "This offer is free of charge for 24 months."}, bureaus...), nil},
	}},
	{name: "US-PA", regs: []string{"pa-residents"}, where: "US-PA", locale: "en", cats: []string{"name", "bank_account"}, checks: []lawCheck{
		// The offer is required for a bank account number too, so its
		// lead-in does not claim an SSN or ID number was involved.
		{"73 P.S. 2303: credit monitoring for 12 months when a bank account number was exposed",
			[]string{"Because of the information involved, we offer you identity theft protection:", "This offer is free of charge for 24 months."},
			[]string{"Social Security number or another ID number"}},
	}},
	{name: "US-hipaa", regs: []string{"hipaa-individuals"}, where: "US-TX", locale: "en", cats: []string{"name", "health"}, toll: true, checks: []lawCheck{
		{"45 CFR 164.404(c)(1)(A): what happened, the dates of breach and discovery", []string{nature, "When it happened", "When we found out"}, nil},
		{"45 CFR 164.404(c)(1)(E): a toll-free number", []string{"Phone (toll-free): 1-800-555-0100"}, nil},
	}},
	{name: "DE-gdpr", regs: []string{"gdpr-art34"}, where: "DE", locale: "de", cats: []string{"name", "email"}, toll: true, checks: []lawCheck{
		// A US toll-free number is not free from Germany (and often
		// cannot be called): shown, but never labelled so.
		{"a NANP toll-free number, for a person in Germany", []string{"Telefon: 1-800-555-0100"}, []string{"gebührenfrei", "Gebührenfrei"}},
		{"GDPR Art. 34(2) with 33(3)(b)-(d): DPO, consequences, measures", []string{"Unser Datenschutzbeauftragter: Dana Smith", "Mögliche Folgen für Sie:", "Was wir unternehmen"},
			[]string{"Equifax", "Federal Trade Commission"}},
	}},
	{name: "GB-uk-gdpr", regs: []string{"uk-gdpr-art34"}, where: "GB", locale: "en", cats: []string{"name", "email"}, toll: true, checks: []lawCheck{
		{"a NANP toll-free number, for a person in the UK", []string{"Phone: 1-800-555-0100"}, []string{"toll-free", "Toll-free"}},
		{"UK GDPR Art. 34(2): DPO and consequences", []string{"Our data protection officer: Dana Smith", "What this could mean for you:"}, []string{"Equifax"}},
	}},
	{name: "AU", regs: []string{"au-individuals"}, where: "AU", locale: "en", cats: []string{"name", "email"}, checks: []lawCheck{
		{"Privacy Act 1988 (Cth) s 26WK(3): identity, description, information, recommendations", []string{"Example Corp", nature, "What You Can Do"}, nil},
	}},
	{name: "IN", regs: []string{"in-dpdp-individuals"}, where: "IN", locale: "en", cats: []string{"name", "email"}, checks: []lawCheck{
		{"DPDP Rules 2025 r 7(1): nature, timing, consequences, measures, contact", []string{nature, "When it happened", "What this could mean for you:", "privacy@example.com"}, nil},
	}},
	{name: "CN", regs: []string{"cn-pipl"}, where: "CN", locale: "en", cats: []string{"name", "email"}, checks: []lawCheck{
		{"PIPL Art. 57: categories, causes, possible harm, remedies, contact", []string{"email address", nature, "What this could mean for you:", "What We Are Doing"}, nil},
	}},
}

// TestLawGoldens renders the shipped notice for a resident of each modelled
// jurisdiction under the built-in catalog's rules, checks what each named
// section of the statute asks, and compares the text with
// testdata/laws/*.golden (rewrite with -update and read the diff).
func TestLawGoldens(t *testing.T) {
	cat, err := playbooks.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	r := NewRenderer(mustNew(t, nil))
	for _, tc := range lawCases {
		t.Run(tc.name, func(t *testing.T) {
			d := lawNotice(t, cat, tc.regs...)
			if !tc.toll {
				d.Company.ContactPhone = "+1 555 0100"
			}
			rc := recipientIn(tc.where, tc.locale, tc.cats...)
			m, err := r.Render(DefaultTemplate, tc.locale, d, rc)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			body := m.Text + "\n" + m.HTML
			for _, c := range tc.checks {
				for _, w := range c.want {
					if !strings.Contains(body, w) {
						t.Errorf("%s: the notice lacks %q", c.section, w)
					}
				}
				for _, a := range c.absent {
					if strings.Contains(body, a) {
						t.Errorf("%s: the notice carries %q", c.section, a)
					}
				}
			}
			path := filepath.Join("testdata", "laws", tc.name+".golden")
			got := "Subject: " + m.Subject + "\n\n" + m.Text
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("notice to a resident of %s (-want +got):\n%s", tc.where, diff)
			}
		})
	}
}

// Content the statute requires without "if known" makes a notice that
// lacks it incomplete, named with the section: Florida's breach date
// (Fla. Stat. 501.171(4)(e)1), HIPAA's toll-free number (45 CFR
// 164.404(c)(1)(E)), Rhode Island's number of people affected (R.I. Gen.
// Laws 11-49.3-4(d)(1)), an identity theft protection offer shorter than a
// law's minimum (Conn. Gen. Stat. 36a-701b(b)(2)(B), M.G.L. c. 93H s.
// 3A(a)); California's date "if known" does not.
func TestLawsMissingContent(t *testing.T) {
	cat, err := playbooks.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		reg, where string
		change     func(*incidents.NoticeData)
		want       []incidents.MissingItem
	}{
		{"fl-individuals", "US-FL", func(d *incidents.NoticeData) { d.Incident.BreachStart, d.Incident.BreachEnd = time.Time{}, time.Time{} },
			[]incidents.MissingItem{{Field: "breach_start", What: "the date of the breach", Citation: "Fla. Stat. 501.171(4)(e)1."}}},
		{"ca-residents", "US-CA", func(d *incidents.NoticeData) { d.Incident.BreachStart, d.Incident.BreachEnd = time.Time{}, time.Time{} }, nil},
		// Whether law enforcement delayed the notice is the company's own
		// decision, so "if known" does not excuse it: undecided, it is
		// asked for (Cal. Civ. Code 1798.82(d)(2)(D), Wyo. Stat.
		// 40-12-502(e)(vii)), never printed as a "no".
		{"ca-residents", "US-CA", func(d *incidents.NoticeData) { d.Incident.LawEnforcementDelay = nil },
			[]incidents.MissingItem{{Field: "law_enforcement_delay", What: "a statement whether law enforcement delayed the notice", Citation: "Cal. Civ. Code 1798.82(d)(2)(D)"}}},
		{"wy-residents", "US-WY", func(d *incidents.NoticeData) { d.Incident.LawEnforcementDelay = nil },
			[]incidents.MissingItem{{Field: "law_enforcement_delay", What: "a statement whether law enforcement delayed the notice", Citation: "Wyo. Stat. 40-12-502(e)(vii)"}}},
		{"tx-individuals", "US-TX", func(d *incidents.NoticeData) { d.Incident.LawEnforcementDelay = nil }, nil},
		{"hipaa-individuals", "US-TX", func(d *incidents.NoticeData) { d.Company.ContactPhone = "+1 212 555 0100" },
			[]incidents.MissingItem{{Field: "company.toll_free_phone", What: "a toll-free telephone number", Citation: "45 CFR 164.404(c)(1)(E)"}}},
		{"hipaa-individuals", "US-TX", func(d *incidents.NoticeData) {
			d.Company.ContactPhone, d.Company.TollFreePhone = "+1 212 555 0100", "+1 212 555 0199"
		}, nil},
		// R.I. Gen. Laws 11-49.3-4(d)(1): the number of affected
		// individuals, with no "if known": unknown, the fact is asked for.
		{"ri-residents", "US-RI", func(d *incidents.NoticeData) { d.Incident.AffectedCount = nil },
			[]incidents.MissingItem{{Field: "fact.affected", What: "the number of people affected", Citation: "R.I. Gen. Laws 11-49.3-4(d)(1)"}}},
		{"ri-residents", "US-RI", func(d *incidents.NoticeData) {}, nil},
		// Conn. Gen. Stat. 36a-701b(b)(2)(B): 24 months when SSNs were
		// exposed; an offer of 18, or of no stated length, is short.
		{"ct-residents", "US-CT", func(d *incidents.NoticeData) { d.Incident.IdentityProtectionMonths = 18 },
			[]incidents.MissingItem{{Field: "identity_protection_months", What: "the identity theft protection offered for at least 24 months (the draft gives 18)",
				Citation: "Conn. Gen. Stat. 36a-701b(b)(2)(B)", Months: 24}}},
		{"ma-residents", "US-MA", func(d *incidents.NoticeData) { d.Incident.IdentityProtectionMonths = 0 },
			[]incidents.MissingItem{{Field: "identity_protection_months", What: "the identity theft protection offered for at least 18 months (the draft gives no length)",
				Citation: "M.G.L. c. 93H s. 3A(a)", Months: 18}}},
		{"ma-residents", "US-MA", func(d *incidents.NoticeData) { d.Incident.IdentityProtectionMonths = 18 }, nil},
	} {
		d := lawNotice(t, cat, tt.reg)
		tt.change(&d)
		got := d.MissingFor(recipientIn(tt.where, "en", "name", "ssn", "health"))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: missing content (-want +got):\n%s", tt.reg, diff)
		}
	}
}

// The shipped notice meets every modelled law's content rules; a company's
// notice that cannot leave out the nature of the breach fails for
// Massachusetts (M.G.L. c. 93H s. 3(b)).
func TestLintAgainstEveryLaw(t *testing.T) {
	cat, err := playbooks.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	laws := LawRegimes(cat)
	if !slices.ContainsFunc(laws, func(r Regime) bool { return r.Name == "ma-residents" }) || !slices.ContainsFunc(laws, func(r Regime) bool { return r.Name == "ny-gbl" }) {
		t.Fatalf("the laws derived from the catalog lack ma-residents or ny-gbl: %d laws", len(laws))
	}
	if probs := LintWithLaws(Embedded(), laws); len(probs) != 0 {
		t.Fatalf("the shipped templates fail the modelled laws:\n%v", probs)
	}
	fsys := fstest.MapFS{}
	for _, f := range []string{"meta.yaml", "en/subject.txt", "en/body.txt", "en/body.html"} {
		data, err := fs.ReadFile(Embedded(), "breach-notice/"+f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(data), "{{if not .Content.OmitNature -}}", "{{if true -}}")
		s = strings.ReplaceAll(s, "{{if not .Content.OmitNature}}", "{{if true}}")
		s = strings.ReplaceAll(s, "(not .Content.OmitNature)", "true")
		fsys["breach-notice/"+f] = &fstest.MapFile{Data: []byte(s)}
	}
	probs := LintWithLaws(fsys, laws)
	if len(probs) != 2 || !strings.Contains(probs[0].Message, "does not use Content.OmitNature") || !strings.Contains(probs[0].Message, "ma-residents: M.G.L. c. 93H s. 3(b)") {
		t.Errorf("a notice that always tells the nature: problems\n%v\nwant one per body naming ma-residents", probs)
	}
}

// A company's template that cannot print the number affected fails Rhode
// Island's rule (R.I. Gen. Laws 11-49.3-4(d)(1)), and one that never gives
// the offer's length fails the laws that set a minimum (Conn. Gen. Stat.
// 36a-701b(b)(2)(B)).
func TestLintAsksForTheCountAndTheMonths(t *testing.T) {
	cat, err := playbooks.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, f := range []string{"meta.yaml", "en/subject.txt", "en/body.txt", "en/body.html"} {
		data, err := fs.ReadFile(Embedded(), "breach-notice/"+f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(data), ".Content.AffectedCount", "0")
		s = strings.ReplaceAll(s, "$.Incident.IdentityProtectionMonths", "0")
		fsys["breach-notice/"+f] = &fstest.MapFile{Data: []byte(s)}
	}
	var msgs []string
	for _, p := range LintWithLaws(fsys, LawRegimes(cat)) {
		msgs = append(msgs, p.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"Content.AffectedCount", "ri-residents: R.I. Gen. Laws 11-49.3-4(d)(1)",
		"Incident.IdentityProtectionMonths", "also ct-residents"} {
		if !strings.Contains(all, want) {
			t.Errorf("lint of a template without the count and the months does not name %q:\n%s", want, all)
		}
	}
}
