package incidents

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// NoticeVariant is a group of a notice's recipients whose messages say the
// same but for name and address: the same laws cover them, they read the
// same template locale and the same data categories were exposed. Legal
// approves each variant; a draft renders each once, never each person.
type NoticeVariant struct {
	// Key is the variant's number in the notice, K1, K2, ... (by people,
	// most first).
	Key string `json:"key"`
	// Locale is the template locale; Regulations the laws that cover the
	// people; Categories the data exposed (their own, else the incident's).
	Locale      string   `json:"locale"`
	Regulations []string `json:"regulations,omitempty"`
	Categories  []string `json:"categories,omitempty"`
	// People is how many recipients get this variant, Jurisdictions how
	// many of them live where.
	People        int64            `json:"people"`
	Jurisdictions map[string]int64 `json:"jurisdictions"`
	// Profile is a ProfileKey of the variant's people: what a preview or
	// a test message is rendered for (a made-up person of that profile).
	Profile string `json:"profile"`
	// Shows are the content items the laws require and the notice
	// carries; Omits those left out because a law forbids them.
	Shows []string `json:"shows,omitempty"`
	Omits []string `json:"omits,omitempty"`
	// Agencies are the names of the agency contact blocks the variant's
	// notice prints (New York's Attorney General, the FTC, ...).
	Agencies []string `json:"agencies,omitempty"`
	// OmitCitations are the sections that make it leave out Omits.
	OmitCitations []string `json:"omit_citations,omitempty"`
	// ProtectionMonths is the longest identity protection a law of the
	// variant asks for (0: none): the offer's text must give at least it.
	ProtectionMonths int `json:"protection_months,omitempty"`
	// Clashes are items one law requires and another forbids, with both
	// citations and the decision ("" undecided).
	Clashes []Clash `json:"clashes,omitempty"`
	// Missing is the content the variant lacks, with the rule asking for it.
	Missing []MissingItem `json:"missing,omitempty"`
}

// BlockItems are the content items a notice prints only for the people
// whose laws ask for them; the rest (what happened, the information
// involved, what we are doing, what you can do, contacts, dates) is text
// every notice carries. They are what a variant adds.
var BlockItems = []string{ItemAgencyContacts, ItemFraudAlert, ItemSecurityFreeze, ItemPoliceReport, ItemReviewStatements,
	ItemReportIdentityTheft, ItemIdentityProtection, ItemAffectedCount}

// Recipient returns a made-up recipient of the variant, for previews.
func (v NoticeVariant) Recipient() Recipient { return profileRecipient(v.Profile) }

// Where says where the variant's people live: "US-FL" or "US-FL, US-GA".
func (v NoticeVariant) Where() string { return strings.Join(sortedKeys(v.Jurisdictions), ", ") }

// noticeProfiles returns the recipients per ProfileKey of the notice's
// list: counted at import, or, for a list imported before, read through
// once (no rendering).
func noticeProfiles(t Tx, n *Notice) (map[string]int64, error) {
	if n.Recipients.Profiles != nil || n.Recipients.Count == 0 {
		return n.Recipients.Profiles, nil
	}
	out := map[string]int64{}
	for seq := int64(1); seq <= n.Recipients.Count; seq++ {
		r, err := t.Recipient(n.Recipients.ID, seq)
		if err != nil {
			return nil, fmt.Errorf("read recipient %d of %s: %w", seq, n.Recipients.ID, err)
		}
		out[ProfileKey(r)]++
	}
	return out, nil
}

// noticeVariants groups profiles into the variants of n and works out each
// variant's content and what it lacks (in its own locale's data).
func noticeVariants(n *Notice, profiles map[string]int64) []NoticeVariant {
	byKey := map[string]*NoticeVariant{}
	var order []string
	for _, pk := range sortedKeys(profiles) {
		rep := profileRecipient(pk)
		loc := n.LocaleFor(rep)
		d := n.DataFor(loc)
		rules := d.RulesFor(rep)
		cats := slices.Clone(CategoriesFor(rep, d.Incident.DataCategories))
		slices.Sort(cats)
		key := strings.Join(rules.Regulations, ",") + "|" + loc + "|" + strings.Join(cats, ",")
		v, ok := byKey[key]
		if !ok {
			v = &NoticeVariant{Locale: loc, Regulations: rules.Regulations, Categories: cats, Jurisdictions: map[string]int64{}, Profile: pk}
			for _, cr := range rules.Require {
				if rules.Shows(cr.Item) && !slices.Contains(v.Shows, cr.Item) {
					v.Shows = append(v.Shows, cr.Item)
				}
			}
			for _, cr := range rules.Forbid {
				if rules.Shows(cr.Item) {
					continue
				}
				if !slices.Contains(v.Omits, cr.Item) {
					v.Omits = append(v.Omits, cr.Item)
				}
				if cr.Citation != "" && !slices.Contains(v.OmitCitations, cr.Citation) {
					v.OmitCitations = append(v.OmitCitations, cr.Citation)
				}
			}
			if rules.Shows(ItemAgencyContacts) {
				for _, c := range rules.Contacts {
					v.Agencies = append(v.Agencies, c.Name)
				}
			}
			v.Clashes = rules.Clashes
			if rules.Has(ItemIdentityProtection) {
				v.ProtectionMonths = rules.Months(ItemIdentityProtection)
			}
			for _, m := range d.MissingFor(rep) {
				if loc != n.Locale && slices.Contains(textFields, m.Field) {
					m.Field += "." + loc
				}
				v.Missing = append(v.Missing, m)
			}
			byKey[key] = v
			order = append(order, key)
		}
		v.People += profiles[pk]
		v.Jurisdictions[rep.Jurisdiction()] += profiles[pk]
	}
	out := make([]NoticeVariant, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	slices.SortStableFunc(out, func(a, b NoticeVariant) int {
		switch {
		case a.People > b.People:
			return -1
		case a.People < b.People:
			return 1
		}
		return 0
	})
	for i := range out {
		out[i].Key = "K" + strconv.Itoa(i+1)
	}
	return out
}

// FindVariant returns the variant of n named by sel: its key (K2), or a
// jurisdiction (US-MA) or locale (de), or both (US-MA/de); the first, most
// numerous, variant that matches.
func (n *Notice) FindVariant(sel string) (NoticeVariant, error) {
	sel = strings.TrimSpace(sel)
	if len(n.Variants) == 0 {
		return NoticeVariant{}, Errorf(EINVALID, "notice %s has no variants recorded; draft it again", n.ID).WithTry("notice draft")
	}
	match := func(v NoticeVariant, s string) bool {
		if strings.EqualFold(v.Key, s) || strings.EqualFold(v.Locale, s) {
			return true
		}
		for j := range v.Jurisdictions {
			if strings.EqualFold(j, s) {
				return true
			}
		}
		return false
	}
	for _, v := range n.Variants {
		ok := true
		for _, part := range strings.Split(sel, "/") {
			ok = ok && match(v, part)
		}
		if ok {
			return v, nil
		}
	}
	var keys []string
	for _, v := range n.Variants {
		keys = append(keys, v.Key+" ("+v.Where()+", "+v.Locale+")")
	}
	return NoticeVariant{}, Errorf(EINVALID, "notice %s has no variant %q", n.ID, sel).WithHint("its variants: %s", strings.Join(keys, "; "))
}

// MissingLine says, for a stressed responder, who lacks what and how to
// add it: "120 people in US-FL need the date of the breach (Fla. Stat.
// 501.171(4)(e)1): add --breach-start 2026-11-02".
func MissingLine(people int64, where string, m MissingItem) string {
	who := "1 person in " + where + " needs"
	if people != 1 {
		who = strconv.FormatInt(people, 10) + " people in " + where + " need"
	}
	cite := ""
	if m.Citation != "" {
		cite = " (" + m.Citation + ")"
	}
	if item, ok := strings.CutPrefix(m.Field, FieldClash+"."); ok {
		return fmt.Sprintf("%s %s: legal decides, add --clash %s=include or --clash %s=omit", who, m.What, item, item)
	}
	fix := MissingFix(m.Field)
	if m.Field == FieldIdentityProtectionMonths && m.Months > 0 {
		fix = "--identity-protection-months " + strconv.Itoa(m.Months)
	}
	if strings.HasPrefix(m.Field, FieldFact+".") {
		return fmt.Sprintf("%s %s%s: record it, %s", who, m.What, cite, fix)
	}
	return fmt.Sprintf("%s %s%s: add %s", who, m.What, cite, fix)
}

// MissingLines lists the content laws require of some variants that they
// lack, with the people, where they live and the citation; variants that
// lack the same thing under the same rule are counted together.
func MissingLines(vs []NoticeVariant) []string {
	type group struct {
		m      MissingItem
		people int64
		where  map[string]int64
	}
	var groups []*group
	for _, v := range vs {
		for _, m := range v.Missing {
			// Content every notice needs is named once, by the draft's
			// list; a law's own requirement is named with its people.
			if m.Citation == "" {
				continue
			}
			i := slices.IndexFunc(groups, func(g *group) bool { return g.m == m })
			if i < 0 {
				groups = append(groups, &group{m: m, where: map[string]int64{}})
				i = len(groups) - 1
			}
			groups[i].people += v.People
			for j, n := range v.Jurisdictions {
				groups[i].where[j] += n
			}
		}
	}
	var out []string
	for _, g := range groups {
		out = append(out, MissingLine(g.people, strings.Join(sortedKeys(g.where), ", "), g.m))
	}
	return out
}

// MissingWho says whose notices lack the fields of miss (as noticeMissing
// names them), for a refusal: the people by count and jurisdiction, with
// the laws that ask where one does, so that content only some people's
// laws need is never said to be needed by every notice ("1 person in US-CA
// needs law_enforcement_delay (Cal. Civ. Code 1798.82(d)(2)(D))"). Fields
// needed by the same people are named together; "every notice" only when
// that is everyone.
func MissingWho(n *Notice, miss []string) string {
	if len(n.Variants) == 0 {
		return "every notice needs " + strings.Join(miss, ", ")
	}
	var total int64
	for _, v := range n.Variants {
		total += v.People
	}
	type group struct {
		key    string
		people int64
		where  map[string]int64
		fields []string
		cites  []string
	}
	var groups []*group
	for _, f := range miss {
		var who []NoticeVariant
		var cites []string
		for _, v := range n.Variants {
			i := slices.IndexFunc(v.Missing, func(m MissingItem) bool { return m.Field == f })
			if i < 0 {
				continue
			}
			who = append(who, v)
			if c := v.Missing[i].Citation; c != "" && !slices.Contains(cites, c) {
				cites = append(cites, c)
			}
		}
		if len(who) == 0 {
			// A text: needed by the people who read its locale.
			loc := n.Locale
			if base, l, ok := strings.Cut(f, "."); ok && slices.Contains(textFields, base) {
				loc = l
			} else if ok {
				loc = ""
			}
			for _, v := range n.Variants {
				if loc == "" || v.Locale == loc {
					who = append(who, v)
				}
			}
			if len(who) == 0 {
				who = n.Variants
			}
		}
		var keys []string
		for _, v := range who {
			keys = append(keys, v.Key)
		}
		key := strings.Join(keys, ",")
		i := slices.IndexFunc(groups, func(g *group) bool { return g.key == key })
		if i < 0 {
			g := &group{key: key, where: map[string]int64{}}
			for _, v := range who {
				g.people += v.People
				for j, c := range v.Jurisdictions {
					g.where[j] += c
				}
			}
			groups = append(groups, g)
			i = len(groups) - 1
		}
		g := groups[i]
		g.fields = append(g.fields, f)
		for _, c := range cites {
			if !slices.Contains(g.cites, c) {
				g.cites = append(g.cites, c)
			}
		}
	}
	var parts []string
	for _, g := range groups {
		who := strconv.FormatInt(g.people, 10) + " people in " + strings.Join(sortedKeys(g.where), ", ") + " need "
		switch {
		case g.people == total:
			who = "every notice needs "
		case g.people == 1:
			who = "1 person in " + strings.Join(sortedKeys(g.where), ", ") + " needs "
		}
		p := who + strings.Join(g.fields, ", ")
		if len(g.cites) > 0 {
			p += " (" + strings.Join(g.cites, "; ") + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}
