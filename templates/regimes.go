package templates

import (
	"slices"
)

// Regime is a set of content rules a notice can be required to meet, such as
// California's or GDPR Art. 34's. A template's meta.yaml names the regimes
// it claims to meet; the linter checks each of its locales against them, and
// Render refuses data that leaves something a regime needs empty.
type Regime struct {
	// Name is what meta.yaml and Notice.Regimes call the regime: "california".
	Name string
	// Citation is the law that sets the rules: "Cal. Civ. Code 1798.82(d)".
	Citation string
	// Regulations are the ids of the catalog regulations (playbooks
	// regulations.yaml) whose notice content the regime describes, so that a
	// notice can be given the regimes of the incident's obligations.
	Regulations []string
	// Headings must each appear, in this order, in a heading of both bodies
	// (a heading contains the text; translations may add to it).
	Headings []string
	// Markers must each appear as text in both bodies.
	Markers []Marker
	// Uses are the fields both bodies must use.
	Uses []Need
	// Requires are the fields that must not be empty in the Data of a notice
	// rendered under the regime.
	Requires []Need
}

// Marker is literal text a body must contain, and why.
type Marker struct{ Text, What string }

// Need is one piece of content a regime asks for: any one of Fields provides it.
type Need struct {
	// Fields are data paths such as "Incident.DiscoveredAt"; any one of them
	// provides the content.
	Fields []string
	// What says what the law asks for, for messages.
	What string
	// When limits the need to some notices: "" means always, and
	// WhenIDNumbersExposed means only when the recipient's involved data
	// includes a Social Security or government ID number.
	When string
}

// WhenIDNumbersExposed is the Need.When of content needed only when a Social
// Security number or a government-issued ID number was involved.
const WhenIDNumbersExposed = "id_numbers_exposed"

// idCategories are the data categories that count as ID numbers for
// California's identity-theft rules (Cal. Civ. Code 1798.82(h)(1)(A),(B)).
var idCategories = []string{"ssn", "government_id", "drivers_license", "passport", "tax_id"}

// Needs the regimes share.
var (
	needCategories = Need{
		Fields: []string{"Recipient.DataCategories", "Incident.DataCategories"},
		What:   "the types of personal information involved",
	}
	needContact = Need{
		Fields: []string{"Company.ContactPhone", "Company.ContactEmail", "Company.Website", "Company.PostalAddress"},
		What:   "contact details",
	}
	needWhatHappened   = Need{Fields: []string{"Incident.WhatHappened"}, What: "a description of what happened"}
	needWhatWeAreDoing = Need{Fields: []string{"Incident.WhatWeAreDoing"}, What: "what the company is doing about it"}
	needWhatYouCanDo   = Need{Fields: []string{"Incident.WhatYouCanDo"}, What: "what the person can do to protect themselves"}
	needConsequences   = Need{Fields: []string{"Incident.LikelyConsequences"}, What: "the likely consequences of the breach"}
	needBreachDate     = Need{Fields: []string{"Incident.BreachStart"}, What: "the date or date range of the breach"}
)

// gdprRegime returns GDPR Art. 34's rules under a name.
func gdprRegime(name, citation string, regulations ...string) Regime {
	contactPoint := Need{
		Fields: []string{"Company.DPO", "Company.ContactEmail", "Company.ContactPhone"},
		What:   "the name and contact details of the data protection officer or other contact point",
	}
	return Regime{
		Name:        name,
		Citation:    citation,
		Regulations: regulations,
		Uses: []Need{
			{Fields: []string{"Incident.WhatHappened"}, What: "the nature of the breach, in clear and plain language"},
			needCategories,
			{Fields: []string{"Company.DPO"}, What: "the name and contact details of the data protection officer"},
			needContact,
			needConsequences,
			{Fields: []string{"Incident.WhatWeAreDoing"}, What: "the measures taken or proposed to address the breach"},
		},
		Requires: []Need{
			{Fields: []string{"Incident.WhatHappened"}, What: "the nature of the breach, in clear and plain language"},
			needCategories,
			contactPoint,
			needConsequences,
			{Fields: []string{"Incident.WhatWeAreDoing"}, What: "the measures taken or proposed to address the breach"},
		},
	}
}

// regimes is the table of content rules, from the section "What a notice
// must contain" of reference/notification-deadlines.md.
var regimes = []Regime{
	{
		Name:        "california",
		Citation:    "Cal. Civ. Code 1798.82(d)",
		Regulations: []string{"ca-residents"},
		Headings: []string{
			"Notice of Data Breach",
			"What Happened",
			"What Information Was Involved",
			"What We Are Doing",
			"What You Can Do",
			"For More Information",
		},
		Uses: []Need{
			{Fields: []string{"Company.Name"}, What: "the name of the business"},
			needContact,
			needCategories,
			needBreachDate,
			{Fields: []string{"Incident.LawEnforcementDelay"}, What: "whether notice was delayed because of a law enforcement investigation"},
			needNoDelay,
			needWhatHappened,
			needWhatWeAreDoing,
			needWhatYouCanDo,
			{Fields: []string{"Incident.IdentityTheftProtection"}, What: "the offer of identity theft prevention services"},
		},
		Requires: []Need{
			{Fields: []string{"Company.Name"}, What: "the name of the business"},
			needContact,
			needCategories,
			needWhatHappened,
			needWhatWeAreDoing,
			needWhatYouCanDo,
			{
				Fields: []string{"Incident.IdentityTheftProtection"},
				What:   "an offer of identity theft prevention services for at least 12 months, because a Social Security or ID number was exposed",
				When:   WhenIDNumbersExposed,
			},
		},
	},
	gdprRegime("gdpr", "GDPR Art. 34(2) with Art. 33(3)(b)-(d)", "gdpr-art34"),
	gdprRegime("uk-gdpr", "UK GDPR Art. 34(2) with Art. 33(3)(b)-(d)", "uk-gdpr-art34"),
	{
		Name:        "hipaa",
		Citation:    "45 CFR 164.404(c)",
		Regulations: []string{"hipaa-individuals"},
		Uses: []Need{
			needWhatHappened,
			{Fields: []string{"Incident.BreachStart"}, What: "the date of the breach"},
			{Fields: []string{"Incident.DiscoveredAt"}, What: "the date of discovery"},
			{Fields: needCategories.Fields, What: "the types of unsecured protected health information involved"},
			needWhatYouCanDo,
			needWhatWeAreDoing,
			{Fields: []string{"Company.TollFreePhone", "Company.ContactPhone"}, What: "a toll-free telephone number"},
			{Fields: []string{"Company.ContactEmail", "Company.Website", "Company.PostalAddress"}, What: "an email address, website or postal address"},
		},
		Requires: []Need{
			needWhatHappened,
			{Fields: []string{"Incident.DiscoveredAt"}, What: "the date of discovery"},
			{Fields: needCategories.Fields, What: "the types of unsecured protected health information involved"},
			needWhatYouCanDo,
			needWhatWeAreDoing,
			{Fields: []string{"Company.TollFreePhone"}, What: "a toll-free telephone number (NANP 800, 833, 844, 855, 866, 877, 888, or company.toll_free_phone)"},
			{Fields: []string{"Company.ContactEmail", "Company.Website", "Company.PostalAddress"}, What: "an email address, website or postal address"},
		},
	},
	{
		Name:        "australia",
		Citation:    "Privacy Act 1988 (Cth) s 26WK(3)",
		Regulations: []string{"au-individuals"},
		Uses: []Need{
			{Fields: []string{"Company.Name"}, What: "the identity of the entity"},
			needContact, needWhatHappened, needCategories, needWhatYouCanDo,
		},
		Requires: []Need{
			{Fields: []string{"Company.Name"}, What: "the identity of the entity"},
			needContact, needWhatHappened, needCategories, needWhatYouCanDo,
		},
	},
	{
		Name:        "india",
		Citation:    "DPDP Rules 2025 r 7(1)",
		Regulations: []string{"in-dpdp-individuals"},
		Uses: []Need{
			{Fields: []string{"Incident.WhatHappened"}, What: "the nature, extent, timing and location of the breach"},
			{Fields: []string{"Incident.BreachStart"}, What: "the timing of the breach"},
			needConsequences,
			{Fields: []string{"Incident.WhatWeAreDoing"}, What: "the measures taken to mitigate the risk"},
			needWhatYouCanDo,
			needContact,
		},
		Requires: []Need{
			{Fields: []string{"Incident.WhatHappened"}, What: "the nature, extent, timing and location of the breach"},
			needConsequences,
			{Fields: []string{"Incident.WhatWeAreDoing"}, What: "the measures taken to mitigate the risk"},
			needWhatYouCanDo,
			needContact,
		},
	},
	{
		Name:        "china",
		Citation:    "PIPL Art. 57",
		Regulations: []string{"cn-pipl"},
		Uses: []Need{
			needCategories,
			{Fields: []string{"Incident.WhatHappened"}, What: "the causes of the breach"},
			{Fields: []string{"Incident.LikelyConsequences"}, What: "the possible harm"},
			{Fields: []string{"Incident.WhatWeAreDoing"}, What: "the remedial measures taken"},
			needWhatYouCanDo,
			needContact,
		},
		Requires: []Need{
			needCategories,
			{Fields: []string{"Incident.WhatHappened"}, What: "the causes of the breach"},
			{Fields: []string{"Incident.LikelyConsequences"}, What: "the possible harm"},
			{Fields: []string{"Incident.WhatWeAreDoing"}, What: "the remedial measures taken"},
			needWhatYouCanDo,
			needContact,
		},
	},
}

// Regimes returns the content rules the package knows, ordered by name.
func Regimes() []Regime {
	out := make([]Regime, len(regimes))
	for i, r := range regimes {
		r.Regulations = slices.Clone(r.Regulations)
		r.Headings = slices.Clone(r.Headings)
		r.Markers = slices.Clone(r.Markers)
		r.Uses = cloneNeeds(r.Uses)
		r.Requires = cloneNeeds(r.Requires)
		out[i] = r
	}
	slices.SortFunc(out, func(a, b Regime) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// cloneNeeds returns a deep copy of needs, so that callers of Regimes cannot
// change the table.
func cloneNeeds(needs []Need) []Need {
	out := slices.Clone(needs)
	for i := range out {
		out[i].Fields = slices.Clone(out[i].Fields)
	}
	return out
}

// regimeNames lists the known regime names, ordered.
func regimeNames() []string {
	var out []string
	for _, r := range Regimes() {
		out = append(out, r.Name)
	}
	return out
}

// regimeByName returns the regime called name.
func regimeByName(name string) (Regime, bool) {
	for _, r := range regimes {
		if r.Name == name {
			return r, true
		}
	}
	return Regime{}, false
}

// idNumbersExposed reports whether the data categories of the notice (the
// recipient's, or else the incident's) include an ID number.
func idNumbersExposed(recipient, incident []string) bool {
	for _, c := range involvedCategories(recipient, incident) {
		if slices.Contains(idCategories, c) {
			return true
		}
	}
	return false
}

// involvedCategories returns the recipient's data categories if there are
// any, else the incident's.
func involvedCategories(recipient, incident []string) []string {
	if len(recipient) > 0 {
		return recipient
	}
	return incident
}
