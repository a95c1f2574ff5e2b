package incidents

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// NoticeLaw is one law's notice rules as a notice snapshots them when it is
// drafted: the regulation, the people it covers and what it asks of their
// notice. The snapshot is part of the notice's data, so the content hash
// (what legal approves) changes when a rule or a contact changes.
type NoticeLaw struct {
	Regulation   string `json:"regulation"`
	Title        string `json:"title,omitempty"`
	Citation     string `json:"citation,omitempty"`
	Jurisdiction string `json:"jurisdiction"`
	// Members are the members of the jurisdiction when it is a group
	// (EU: DE, FR, ...), so that the snapshot alone decides who is covered.
	Members []string `json:"members,omitempty"`
	// Rules are the law's notice rules; nil for a law whose content is
	// only described in words (Regulation.Content).
	Rules *NoticeRules `json:"rules,omitempty"`
}

// covers reports whether the law covers a person in jurisdiction j (US-CA,
// DE, or JurisdictionUnknown). A person of unknown jurisdiction may live
// anywhere, so every law covers them.
func (l NoticeLaw) covers(j string) bool {
	if j == JurisdictionUnknown || l.Jurisdiction == "" || strings.EqualFold(l.Jurisdiction, "GLOBAL") {
		return true
	}
	return jurisdictionMatch(j, l.Jurisdiction, map[string][]string{l.Jurisdiction: l.Members})
}

// noticeLaws returns the snapshot of the notice rules of the regulations
// that tell people affected and apply to the incident, and the agency
// contacts those rules name.
func noticeLaws(inc *Incident, pb *Playbook) ([]NoticeLaw, []Contact) {
	var laws []NoticeLaw
	var contacts []Contact
	for _, id := range noticeRegulations(inc, pb) {
		for _, r := range pb.Obligations {
			if r.Regulation.ID != id {
				continue
			}
			reg := r.Regulation
			l := NoticeLaw{Regulation: reg.ID, Title: reg.Title, Citation: reg.Citation, Jurisdiction: reg.Jurisdiction,
				Members: slices.Clone(pb.Groups[reg.Jurisdiction]), Rules: reg.Notice.Clone()}
			laws = append(laws, l)
			if reg.Notice != nil {
				for _, cr := range reg.Notice.Require {
					for _, cid := range cr.Contacts {
						if c, ok := pb.Contacts[cid]; ok && !slices.ContainsFunc(contacts, func(x Contact) bool { return x.ID == cid }) {
							contacts = append(contacts, c)
						}
					}
				}
			}
			break
		}
	}
	slices.SortFunc(contacts, func(a, b Contact) int { return strings.Compare(a.ID, b.ID) })
	return laws, contacts
}

// PersonRules are the notice rules that hold for one person: those of
// every law of the notice that covers the person's jurisdiction, merged,
// with data-conditional rules judged against the person's own data.
type PersonRules struct {
	// Regulations are the ids of the laws that cover the person, sorted.
	Regulations []string
	// Require and Forbid are the merged rules, each with its citation; an
	// item may appear more than once, once per law.
	Require []ContentRule
	Forbid  []ContentRule
	// Contacts are the agency contact blocks the person's notice must
	// print, in the order the rules name them.
	Contacts []Contact
	// Clashes are items one law requires and another forbids for the
	// person; Decided says what the draft decided for each (include or
	// omit), if it did.
	Clashes []Clash
	// Unresolved are contacts the rules name that the notice's snapshot
	// lacks (a playbook pinned before its catalog had them), with the rule.
	Unresolved []ContentRule
}

// Clash is content one law requires and another forbids in the same
// person's notice (HIPAA's description of the breach and Massachusetts' ban
// on the nature of the breach). Legal decides: the draft records the
// decision (--clash nature=include or =omit) and the approval shows it.
type Clash struct {
	Item     string
	Require  ContentRule
	Forbid   ContentRule
	Decision string // ClashInclude, ClashOmit or "" (undecided)
}

// Clash decisions.
const (
	ClashInclude = "include"
	ClashOmit    = "omit"
)

// Requires returns the first rule requiring item, if any.
func (p PersonRules) Requires(item string) (ContentRule, bool) {
	i := slices.IndexFunc(p.Require, func(r ContentRule) bool { return r.Item == item })
	if i < 0 {
		return ContentRule{}, false
	}
	return p.Require[i], true
}

// Shows reports whether the person's notice carries item: it is not
// forbidden, or a clash over it was decided for including it.
func (p PersonRules) Shows(item string) bool {
	for _, c := range p.Clashes {
		if c.Item == item {
			return c.Decision == ClashInclude
		}
	}
	return !slices.ContainsFunc(p.Forbid, func(r ContentRule) bool { return r.Item == item })
}

// Has reports whether item is required for the person and not left out.
func (p PersonRules) Has(item string) bool {
	_, ok := p.Requires(item)
	return ok && p.Shows(item)
}

// Months returns the longest service length the rules for item ask for.
func (p PersonRules) Months(item string) int {
	m := 0
	for _, r := range p.Require {
		if r.Item == item && r.Months > m {
			m = r.Months
		}
	}
	return m
}

// CategoriesFor returns the data categories exposed for a person: the
// row's own (the CSV data_categories column), else the incident's.
func CategoriesFor(r Recipient, incident []string) []string {
	if len(r.DataCategories) > 0 {
		return r.DataCategories
	}
	return incident
}

// RulesFor returns the notice rules that hold for recipient r.
func (d NoticeData) RulesFor(r Recipient) PersonRules {
	var p PersonRules
	cats := CategoriesFor(r, d.Incident.DataCategories)
	j := r.Jurisdiction()
	applies := func(cr ContentRule) bool {
		return len(cr.WhenData) == 0 || slices.ContainsFunc(cr.WhenData, func(c string) bool { return slices.Contains(cats, c) })
	}
	for _, l := range d.Notice.Laws {
		if !l.covers(j) {
			continue
		}
		p.Regulations = append(p.Regulations, l.Regulation)
		if l.Rules == nil {
			continue
		}
		for _, cr := range l.Rules.Require {
			if !applies(cr) {
				continue
			}
			p.Require = append(p.Require, cr)
			for _, cid := range cr.Contacts {
				if slices.ContainsFunc(p.Contacts, func(c Contact) bool { return c.ID == cid }) {
					continue
				}
				if i := slices.IndexFunc(d.Notice.Contacts, func(c Contact) bool { return c.ID == cid }); i >= 0 {
					p.Contacts = append(p.Contacts, d.Notice.Contacts[i])
				} else {
					u := cr
					u.Contacts = []string{cid}
					p.Unresolved = append(p.Unresolved, u)
				}
			}
		}
		for _, cr := range l.Rules.Forbid {
			if applies(cr) {
				p.Forbid = append(p.Forbid, cr)
			}
		}
	}
	sort.Strings(p.Regulations)
	for _, f := range p.Forbid {
		if slices.ContainsFunc(p.Clashes, func(c Clash) bool { return c.Item == f.Item }) {
			continue
		}
		if req, ok := p.Requires(f.Item); ok {
			p.Clashes = append(p.Clashes, Clash{Item: f.Item, Require: req, Forbid: f, Decision: d.Incident.Clashes[f.Item]})
		}
	}
	return p
}

// MissingItem is required content a person's notice lacks: the field (or
// company.* setting) that fills it, and the rule that asks for it.
type MissingItem struct {
	Field    string
	What     string
	Citation string
	// Months is the length of service asked for, where the item is one
	// (identity_protection_months): the fix names it.
	Months int `json:",omitempty"`
}

// itemFields maps the content items a notice fills from its data to the
// field that fills it and what it is, for messages. Items not listed are
// texts of the template (fraud alert, security freeze, ...) or catalog data
// (agency contacts), present whenever the rules ask for them.
var itemFields = map[string][2]string{
	ItemNature:              {FieldWhatHappened, "a description of what happened"},
	ItemBreachDate:          {FieldBreachStart, "the date of the breach"},
	ItemDataTypes:           {FieldDataCategories, "the types of personal information involved"},
	ItemMeasures:            {FieldWhatWeAreDoing, "what the company is doing"},
	ItemAdvice:              {FieldWhatYouCanDo, "what the person can do"},
	ItemConsequences:        {FieldLikelyConsequences, "the likely consequences"},
	ItemIdentityProtection:  {FieldIdentityProtection, "an offer of identity theft protection"},
	ItemAffectedCount:       {FieldFact + ".affected", "the number of people affected"},
	ItemTollFree:            {"company.toll_free_phone", "a toll-free telephone number"},
	ItemCompanyContact:      {"company.contact_email", "the company's contact information"},
	ItemDPO:                 {"company.dpo", "a contact point (data protection officer)"},
	ItemLawEnforcementDelay: {FieldLawEnforcementDelay, "a statement whether law enforcement delayed the notice"},
}

// MissingFor returns the content recipient r's notice must carry and the
// data lacks, with the rule that asks for it (data of the notice's own
// locale: texts of other locales are checked by missingTranslations).
func (d NoticeData) MissingFor(r Recipient) []MissingItem {
	p := d.RulesFor(r)
	var out []MissingItem
	for _, cr := range p.Require {
		f, ok := itemFields[cr.Item]
		if !ok || !p.Shows(cr.Item) || slices.ContainsFunc(out, func(m MissingItem) bool { return m.Field == f[0] }) {
			continue
		}
		if d.filled(cr.Item, r) || (cr.IfKnown && cr.Item != ItemLawEnforcementDelay) {
			// "If known" content that is not known is left out (Cal. Civ.
			// Code 1798.82(d)(2)(C)); without it the law's rule holds.
			// Whether the company held the notice back for law
			// enforcement is its own decision, always knowable: until
			// the drafter says yes or no it is missing, never a "no".
			continue
		}
		if cr.Months > 0 {
			f[1] += " for at least " + strconv.Itoa(cr.Months) + " months"
		}
		out = append(out, MissingItem{Field: f[0], What: f[1], Citation: cr.Citation})
	}
	if m := d.shortProtection(p); m != nil {
		out = append(out, *m)
	}
	for _, u := range p.Unresolved {
		if p.Shows(ItemAgencyContacts) {
			out = append(out, MissingItem{Field: FieldCatalogContact + "." + u.Contacts[0],
				What: "the contact details of " + u.Contacts[0] + ", which the incident's pinned catalog lacks", Citation: u.Citation})
		}
	}
	for _, c := range p.Clashes {
		if c.Decision == "" {
			out = append(out, MissingItem{Field: FieldClash + "." + c.Item, What: "a decision: " + c.Require.Citation + " requires " + c.Item + ", " + c.Forbid.Citation + " forbids it",
				Citation: c.Require.Citation + "; " + c.Forbid.Citation})
		}
	}
	return out
}

// shortProtection returns what a person lacks when their laws require
// identity theft protection for longer than the draft offers (Conn. Gen.
// Stat. 36a-701b(b)(2)(B): 24 months; an offer of unstated length is
// short too), naming the law that asks the most; nil if the offer is long
// enough or not required.
func (d NoticeData) shortProtection(p PersonRules) *MissingItem {
	if !p.Has(ItemIdentityProtection) {
		return nil
	}
	var most ContentRule
	for _, r := range p.Require {
		if r.Item == ItemIdentityProtection && r.Months > most.Months {
			most = r
		}
	}
	offered := d.Incident.IdentityProtectionMonths
	if most.Months == 0 || offered >= most.Months {
		return nil
	}
	what := fmt.Sprintf("the identity theft protection offered for at least %d months (the draft gives ", most.Months)
	if offered == 0 {
		what += "no length)"
	} else {
		what += strconv.Itoa(offered) + ")"
	}
	return &MissingItem{Field: FieldIdentityProtectionMonths, What: what, Citation: most.Citation, Months: most.Months}
}

// filled reports whether the data holds item for r.
func (d NoticeData) filled(item string, r Recipient) bool {
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	in, co := d.Incident, d.Company
	switch item {
	case ItemNature:
		return !blank(in.WhatHappened)
	case ItemBreachDate:
		return !in.BreachStart.IsZero()
	case ItemDataTypes:
		return len(CategoriesFor(r, in.DataCategories)) > 0
	case ItemMeasures:
		return !blank(in.WhatWeAreDoing)
	case ItemAdvice:
		return !blank(in.WhatYouCanDo)
	case ItemConsequences:
		return !blank(in.LikelyConsequences)
	case ItemIdentityProtection:
		return !blank(in.IdentityTheftProtection)
	case ItemAffectedCount:
		return in.AffectedCount != nil
	case ItemTollFree:
		return co.TollFree() != ""
	case ItemCompanyContact:
		return !blank(co.ContactEmail) || !blank(co.ContactPhone) || !blank(co.Website) || !blank(co.PostalAddress)
	case ItemDPO:
		return !blank(co.DPO) || !blank(co.ContactEmail) || !blank(co.ContactPhone)
	case ItemLawEnforcementDelay:
		return in.LawEnforcementDelay != nil
	}
	return true
}

// TollFree returns the company's toll-free number: TollFreePhone if set
// (configured as toll-free), else ContactPhone if it is a NANP toll-free
// number, else "".
func (c Company) TollFree() string {
	if strings.TrimSpace(c.TollFreePhone) != "" {
		return strings.TrimSpace(c.TollFreePhone)
	}
	if IsTollFreeNumber(c.ContactPhone) {
		return strings.TrimSpace(c.ContactPhone)
	}
	return ""
}

// tollFreeCodes are the North American Numbering Plan's toll-free area
// codes.
var tollFreeCodes = []string{"800", "833", "844", "855", "866", "877", "888"}

// IsTollFreeNumber reports whether phone is a NANP toll-free number
// (1-800-..., +1 (888) ..., 877 ...): ten digits, or eleven starting with
// 1, with a toll-free area code.
func IsTollFreeNumber(phone string) bool {
	var digits []byte
	for i := 0; i < len(phone); i++ {
		if c := phone[i]; c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	if len(digits) == 11 && digits[0] == '1' {
		digits = digits[1:]
	}
	return len(digits) == 10 && slices.Contains(tollFreeCodes, string(digits[:3]))
}
