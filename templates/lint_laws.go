package templates

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// itemUses maps the content items of the catalog's notice rules to the
// fields a template must use to carry them (any one of them).
var itemUses = map[string]Need{
	incidents.ItemNature:              {Fields: []string{"Incident.WhatHappened"}, What: "a description of what happened"},
	incidents.ItemDataTypes:           needCategories,
	incidents.ItemBreachDate:          {Fields: []string{"Incident.BreachStart"}, What: "the date of the breach"},
	incidents.ItemNoticeDate:          {Fields: []string{"Notice.Date"}, What: "the date of the notice"},
	incidents.ItemCompanyContact:      needContact,
	incidents.ItemTollFree:            {Fields: []string{"Company.TollFreePhone"}, What: "a toll-free telephone number, labelled so only when it is one"},
	incidents.ItemMeasures:            needWhatWeAreDoing,
	incidents.ItemAdvice:              needWhatYouCanDo,
	incidents.ItemConsequences:        needConsequences,
	incidents.ItemDPO:                 {Fields: []string{"Company.DPO"}, What: "the data protection officer or other contact point"},
	incidents.ItemLawEnforcementDelay: {Fields: []string{"Incident.LawEnforcementDelay"}, What: "whether notice was delayed for law enforcement"},
	incidents.ItemAgencyContacts:      {Fields: []string{"Content.AgencyContacts"}, What: "the agencies' contact blocks (from the catalog)"},
	incidents.ItemFraudAlert:          {Fields: []string{"Content.FraudAlert"}, What: "the fraud alert advice"},
	incidents.ItemSecurityFreeze:      {Fields: []string{"Content.SecurityFreeze"}, What: "the free security freeze advice"},
	incidents.ItemPoliceReport:        {Fields: []string{"Content.PoliceReport"}, What: "the right to a police report"},
	incidents.ItemReviewStatements:    {Fields: []string{"Content.ReviewStatements"}, What: "the advice to review statements and credit reports"},
	incidents.ItemReportIdentityTheft: {Fields: []string{"Content.ReportIdentityTheft"}, What: "the advice to report identity theft"},
	incidents.ItemIdentityProtection:  {Fields: []string{"Incident.IdentityTheftProtection"}, What: "the offer of identity theft protection"},
	incidents.ItemAffectedCount:       {Fields: []string{"Content.AffectedCount"}, What: "the number of people affected"},
}

// needNoDelay is what a template needs to say "not delayed" only when
// legal said so: an undecided delay (neither field true) is not a "no"
// and prints nothing.
var needNoDelay = Need{Fields: []string{"Incident.NoLawEnforcementDelay"},
	What: `the "not delayed" sentence, printed only when legal said no (an undecided delay is not a "no")`}

// needProtectionMonths is what a law that sets a minimum length of the
// identity theft protection offer needs of a template: the length.
var needProtectionMonths = Need{Fields: []string{"Incident.IdentityProtectionMonths"}, What: "the length of the identity theft protection offer, in months"}

// forbidUses maps items a law may forbid to the field a template must
// test to leave them out.
var forbidUses = map[string]Need{
	incidents.ItemNature: {Fields: []string{"Content.OmitNature"}, What: "leaving out the nature of the breach where a law forbids it"},
}

// LawRegimes derives a Regime from the notice rules of every regulation of
// the catalog that has them (every modelled state), named by the
// regulation's id, so that a template can be checked against all of them.
func LawRegimes(cat *incidents.RegulationsCatalog) []Regime {
	var out []Regime
	ca, _ := regimeByName("california")
	for _, r := range cat.Rules {
		if r.Notice == nil || len(r.Notice.Require)+len(r.Notice.Forbid) == 0 {
			continue
		}
		g := Regime{Name: r.ID, Citation: r.Citation, Regulations: []string{r.ID}}
		add := func(n Need, cite string) {
			if !slices.ContainsFunc(g.Uses, func(x Need) bool { return slices.Equal(x.Fields, n.Fields) }) {
				n.Fields = slices.Clone(n.Fields)
				n.What += "\x00" + cite // split by checkLaws
				g.Uses = append(g.Uses, n)
			}
		}
		for _, cr := range r.Notice.Require {
			if cr.Item == incidents.ItemHeadings {
				g.Headings = slices.Clone(ca.Headings)
				continue
			}
			if n, ok := itemUses[cr.Item]; ok {
				add(n, cr.Citation)
			}
			if cr.Item == incidents.ItemIdentityProtection && cr.Months > 0 {
				add(needProtectionMonths, cr.Citation)
			}
			if cr.Item == incidents.ItemLawEnforcementDelay {
				add(needNoDelay, cr.Citation)
			}
		}
		for _, cr := range r.Notice.Forbid {
			if n, ok := forbidUses[cr.Item]; ok {
				add(n, cr.Citation)
			}
		}
		out = append(out, g)
	}
	return out
}

// LintWithLaws is Lint that also checks every locale of each notice
// template (one that claims a regime in meta.yaml) against laws
// (LawRegimes): each law's headings, and the fields its content needs.
func LintWithLaws(fsys fs.FS, laws []Regime, paths ...string) Problems {
	return lint(fsys, paths, func(p string) string { return p }, laws)
}

// LintFilesWithLaws is LintFiles with the checks of LintWithLaws.
func LintFilesWithLaws(laws []Regime, paths ...string) Problems {
	return lintFiles(laws, paths...)
}

// checkTemplateLaws checks each parsed locale of a notice template against
// laws; a template that claims no regime is not a breach notice.
func checkTemplateLaws(t *tmpl, laws []Regime) Problems {
	if len(laws) == 0 || len(t.meta.regimes) == 0 {
		return nil
	}
	var probs Problems
	for _, locale := range sortedKeys(t.locales) {
		if v := t.locales[locale]; v.subject != nil && v.text != nil && v.html != nil {
			probs = append(probs, checkLaws(v, laws)...)
		}
	}
	return probs
}

// checkLaws reports, per body of v, each field the laws need that it does
// not use, once with the laws that need it, and each law's headings.
func checkLaws(v *variant, laws []Regime) Problems {
	var probs Problems
	for _, file := range []int{fileText, fileHTML} {
		type missing struct {
			need Need
			laws []string
		}
		var list []*missing
		var heads []heading
		if file == fileText {
			heads = textHeadings(v.files[file].data)
		} else {
			heads = htmlHeadings(v.files[file].data)
		}
		for _, r := range laws {
			probs = append(probs, checkRegime(v, r, file, heads)...)
			for _, need := range r.Uses {
				if slices.ContainsFunc(need.Fields, func(p string) bool { _, ok := v.uses[file][p]; return ok }) {
					continue
				}
				i := slices.IndexFunc(list, func(m *missing) bool { return slices.Equal(m.need.Fields, need.Fields) })
				if i < 0 {
					list = append(list, &missing{need: need})
					i = len(list) - 1
				}
				_, cite, _ := strings.Cut(need.What, "\x00")
				list[i].laws = append(list[i].laws, r.Name+"\x00"+cite)
			}
		}
		for _, m := range list {
			first, _, _ := strings.Cut(m.laws[0], "\x00")
			var others []string
			for _, l := range m.laws[1:] {
				id, _, _ := strings.Cut(l, "\x00")
				others = append(others, id)
			}
			_, cite, _ := strings.Cut(m.laws[0], "\x00")
			also := ""
			if len(others) > 0 {
				also = "; also " + strings.Join(others, ", ")
			}
			what, _, _ := strings.Cut(m.need.What, "\x00")
			probs = append(probs, Problem{File: v.files[file].display, Line: 1, Col: 1,
				Message: fmt.Sprintf("does not use %s: %s, which the notices of %d modelled law(s) need (%s: %s%s)",
					strings.Join(m.need.Fields, " or "), what, len(m.laws), first, cite, also)})
		}
	}
	return probs
}
