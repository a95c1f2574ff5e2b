package incidents

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Narrative field names, as typed after --field or in a draft file.
const (
	FieldWhatHappened       = "what_happened"
	FieldWhatWeAreDoing     = "what_we_are_doing"
	FieldWhatYouCanDo       = "what_you_can_do"
	FieldLikelyConsequences = "likely_consequences"
	FieldIdentityProtection = "identity_theft_protection"
	// FieldIdentityProtectionMonths is the length of the offer, in months.
	FieldIdentityProtectionMonths = "identity_protection_months"
	FieldMoreInfo                 = "more_info"
	FieldBreachStart              = "breach_start"
	FieldBreachEnd                = "breach_end"
	FieldDiscoveredAt             = "discovered_at"
	FieldDataCategories           = "data_categories"
	FieldLawEnforcementDelay      = "law_enforcement_delay"
	// FieldClash records a decision on a clash of rules: "nature=omit".
	FieldClash = "clash"
	// FieldCatalogContact prefixes an agency contact a notice needs and the
	// incident's pinned catalog lacks ("catalog_contact.ag-ny"); it is not
	// a field a draft sets: the playbook is upgraded.
	FieldCatalogContact = "catalog_contact"
	// FieldFact prefixes an incident fact a notice needs and the incident
	// lacks ("fact.affected"): recorded with /breach facts, then drafted
	// again, not set by a draft flag.
	FieldFact = "fact"
)

// NoticeFields lists the narrative fields a draft takes. The free-text
// ones are also taken per locale: "what_happened.de".
var NoticeFields = []string{FieldWhatHappened, FieldWhatWeAreDoing, FieldWhatYouCanDo, FieldLikelyConsequences,
	FieldIdentityProtection, FieldIdentityProtectionMonths, FieldMoreInfo, FieldBreachStart, FieldBreachEnd, FieldDiscoveredAt, FieldDataCategories, FieldLawEnforcementDelay}

// maxProtectionMonths bounds --identity-protection-months: ten years.
const maxProtectionMonths = 120

// requiredFields must be filled before a notice is submitted: the headings
// every notice law asks for (California's What Happened, What We Are Doing,
// What You Can Do; GDPR Art. 34(2)); what_happened only where some
// recipient's notice tells the nature of the breach (natureShown).
var requiredFields = []string{FieldWhatHappened, FieldWhatWeAreDoing, FieldWhatYouCanDo}

const maxNarrative = 5000

// SetNoticeField sets one narrative field from text: times as RFC 3339 or
// YYYY-MM-DD, lists comma-separated, yes/no for law_enforcement_delay.
func SetNoticeField(c *NoticeIncident, name, value string) error {
	name = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	if field, locale, ok := strings.Cut(name, "."); ok {
		return setLocaleText(c, field, locale, value)
	}
	value = strings.TrimSpace(value)
	if len(value) > maxNarrative {
		return Errorf(EINVALID, "%s is %d characters long; keep it under %d", name, len(value), maxNarrative)
	}
	parseTime := func() (time.Time, error) {
		if value == "" {
			return time.Time{}, nil
		}
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02"} {
			if t, err := time.Parse(layout, value); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, Errorf(EINVALID, "%s: %q is not a time", name, value).WithHint("use 2026-11-20 or 2026-11-20T14:00Z")
	}
	var err error
	switch name {
	case FieldWhatHappened:
		c.WhatHappened = value
	case FieldWhatWeAreDoing:
		c.WhatWeAreDoing = value
	case FieldWhatYouCanDo:
		c.WhatYouCanDo = value
	case FieldLikelyConsequences, "consequences":
		c.LikelyConsequences = value
	case FieldIdentityProtection, "identity_protection":
		c.IdentityTheftProtection = value
	case FieldIdentityProtectionMonths:
		if value == "" {
			c.IdentityProtectionMonths = 0
			break
		}
		m, perr := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(value, " months"), "months"))
		if perr != nil || m < 1 || m > maxProtectionMonths {
			return Errorf(EINVALID, "identity_protection_months: %q is not a number of months from 1 to %d", value, maxProtectionMonths).
				WithHint("e.g. --identity-protection-months 24 for an offer of two years")
		}
		c.IdentityProtectionMonths = m
	case FieldMoreInfo:
		c.MoreInfo = value
	case FieldBreachStart:
		c.BreachStart, err = parseTime()
	case FieldBreachEnd:
		c.BreachEnd, err = parseTime()
	case FieldDiscoveredAt, "discovered":
		c.DiscoveredAt, err = parseTime()
	case FieldDataCategories, "data":
		c.DataCategories = nil
		for _, p := range strings.Split(value, ",") {
			if p = strings.ToLower(strings.TrimSpace(p)); p != "" && !slices.Contains(c.DataCategories, p) {
				c.DataCategories = append(c.DataCategories, p)
			}
		}
	case FieldLawEnforcementDelay:
		delayed, known, perr := ParseDecision(value)
		if perr != nil {
			return Errorf(EINVALID, "law_enforcement_delay: %q is not yes or no", value).
				WithHint("--law-enforcement-delay yes if law enforcement asked you to wait, --law-enforcement-delay no if not (unknown clears it)")
		}
		c.LawEnforcementDelay = nil
		if known {
			c.LawEnforcementDelay = &delayed
		}
	case FieldClash:
		return setClash(c, value)
	default:
		return Errorf(EINVALID, "a notice has no field %q", name).WithHint("fields: %s", strings.Join(NoticeFields, ", "))
	}
	return err
}

// ParseDecision reads a yes/no answer: yes (or true, 1, or nothing, as
// the bare --law-enforcement-delay switch gives), no (false, 0), or
// unknown, which clears an earlier answer (known is false).
func ParseDecision(value string) (yes, known bool, err error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "yes", "true", "1", "":
		return true, true, nil
	case "no", "false", "0":
		return false, true, nil
	case "unknown", "undecided":
		return false, false, nil
	}
	return false, false, Errorf(EINVALID, "%q is not yes or no", value)
}

func missingFields(n *Notice) []string {
	c := n.Data.Incident
	var out []string
	for _, f := range requiredFields {
		if f == FieldWhatHappened && !natureShown(n) {
			continue
		}
		var v string
		switch f {
		case FieldWhatHappened:
			v = c.WhatHappened
		case FieldWhatWeAreDoing:
			v = c.WhatWeAreDoing
		case FieldWhatYouCanDo:
			v = c.WhatYouCanDo
		}
		if strings.TrimSpace(v) == "" {
			out = append(out, f)
		}
	}
	return out
}

// idNumberCategories are the data categories that count as ID numbers
// (California's identity-theft offer, Cal. Civ. Code 1798.82(d)(2)(G)):
// the shipped template offers protection to people whose data has one.
var idNumberCategories = []string{"ssn", "government_id", "drivers_license", "passport", "tax_id"}

// offersProtection reports whether a recipient reading locale loc may be
// offered identity theft protection: a law requires it for their variant,
// or their data includes an ID number. Without variants (a notice drafted
// before them), anyone may.
func offersProtection(n *Notice, loc string) bool {
	if len(n.Variants) == 0 {
		return true
	}
	return slices.ContainsFunc(n.Variants, func(v NoticeVariant) bool {
		return v.Locale == loc && (slices.Contains(v.Shows, ItemIdentityProtection) ||
			slices.ContainsFunc(v.Categories, func(c string) bool { return slices.Contains(idNumberCategories, c) }))
	})
}

// natureShown reports whether any variant of n tells the nature of the
// breach (what_happened): not where every recipient's laws forbid it
// (Massachusetts, M.G.L. c. 93H s. 3(b)).
func natureShown(n *Notice) bool {
	if len(n.Variants) == 0 {
		return true
	}
	return slices.ContainsFunc(n.Variants, func(v NoticeVariant) bool { return !slices.Contains(v.Omits, ItemNature) })
}

// noticeMissing is what n still lacks: as recorded when drafted, and the
// required narrative fields (for notices stored before Missing was).
func noticeMissing(n *Notice) []string {
	miss := appendUnique(slices.Clone(n.Missing), missingFields(n)...)
	return appendUnique(miss, missingTranslations(n)...)
}

// MissingHint says what to type to fill in the missing fields: one draft
// command with their flags, and the configuration keys to set.
func MissingHint(missing []string) string {
	var flags, config, facts []string
	upgrade := false
	for _, m := range missing {
		if strings.HasPrefix(m, "company.") {
			config = append(config, strings.TrimPrefix(m, "company."))
			continue
		}
		if strings.HasPrefix(m, FieldCatalogContact+".") {
			upgrade = true
			continue
		}
		if strings.HasPrefix(m, FieldFact+".") {
			facts = append(facts, MissingFix(m))
			continue
		}
		flags = append(flags, MissingFix(m))
	}
	var parts []string
	if upgrade {
		parts = append(parts, "the incident's catalog lacks agency contacts its notices must print: a lead runs /breach playbook upgrade, then draft again")
	}
	parts = append(parts, facts...)
	if len(flags) > 0 {
		parts = append(parts, "/breach notice draft "+strings.Join(flags, " "))
	}
	if len(config) > 0 {
		parts = append(parts, "set company: {"+strings.Join(config, ": ..., ")+": ...} in breachbot.yaml and restart, then draft again")
	}
	return strings.Join(parts, "; ")
}

// textFields are the free-text fields, which a notice gives in each of
// its locales.
var textFields = []string{FieldWhatHappened, FieldWhatWeAreDoing, FieldWhatYouCanDo, FieldLikelyConsequences,
	FieldIdentityProtection, FieldMoreInfo}

// texts returns c's free-text fields.
func (c NoticeIncident) texts() NoticeTexts {
	return NoticeTexts{WhatHappened: c.WhatHappened, WhatWeAreDoing: c.WhatWeAreDoing, WhatYouCanDo: c.WhatYouCanDo,
		LikelyConsequences: c.LikelyConsequences, IdentityTheftProtection: c.IdentityTheftProtection, MoreInfo: c.MoreInfo}
}

// setTexts sets c's free-text fields to t.
func (c *NoticeIncident) setTexts(t NoticeTexts) {
	c.WhatHappened, c.WhatWeAreDoing, c.WhatYouCanDo = t.WhatHappened, t.WhatWeAreDoing, t.WhatYouCanDo
	c.LikelyConsequences, c.IdentityTheftProtection, c.MoreInfo = t.LikelyConsequences, t.IdentityTheftProtection, t.MoreInfo
}

// text returns the free-text field name of t ("" for another name).
func (t NoticeTexts) text(name string) string {
	switch name {
	case FieldWhatHappened:
		return t.WhatHappened
	case FieldWhatWeAreDoing:
		return t.WhatWeAreDoing
	case FieldWhatYouCanDo:
		return t.WhatYouCanDo
	case FieldLikelyConsequences:
		return t.LikelyConsequences
	case FieldIdentityProtection:
		return t.IdentityTheftProtection
	case FieldMoreInfo:
		return t.MoreInfo
	}
	return ""
}

// setLocaleText sets a free-text field in one locale: name is the field
// and locale as typed, "what_happened.de".
func setLocaleText(c *NoticeIncident, name, locale, value string) error {
	loc, ok := normalizeLocale(locale)
	if !ok {
		return Errorf(EINVALID, "%s.%s: %q is not a locale", name, locale, locale).WithHint("e.g. --what-happened.de \"...\" for German, .es for Spanish")
	}
	if !slices.Contains(textFields, canonicalField(name)) {
		return Errorf(EINVALID, "%s is not a text; only texts are given per locale", name).
			WithHint("per-locale fields: %s (e.g. --what-happened.%s \"...\")", strings.Join(textFields, ", "), loc)
	}
	var base NoticeIncident
	base.setTexts(c.Texts[loc])
	if err := SetNoticeField(&base, name, value); err != nil {
		return Errorf(EINVALID, "%s.%s: %s", name, loc, ErrorMessage(err)).WithCause(err)
	}
	t := base.texts()
	texts := maps.Clone(c.Texts)
	if texts == nil {
		texts = map[string]NoticeTexts{}
	}
	if t == (NoticeTexts{}) {
		delete(texts, loc)
	} else {
		texts[loc] = t
	}
	if len(texts) == 0 {
		texts = nil
	}
	c.Texts = texts
	return nil
}

// canonicalField returns the field name for an alias ("consequences").
func canonicalField(name string) string {
	name = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	switch name {
	case "consequences":
		return FieldLikelyConsequences
	case "identity_protection":
		return FieldIdentityProtection
	case "discovered":
		return FieldDiscoveredAt
	case "data":
		return FieldDataCategories
	}
	return name
}

// missingTranslations lists, as "field.locale", the texts a notice lacks
// in the locales it is sent in besides its own: the required ones, and any
// the notice gives in its own locale (else that part would be left out, or
// said in the wrong language).
func missingTranslations(n *Notice) []string {
	own := n.Data.Incident.texts()
	var out []string
	for _, loc := range sortedKeys(n.TemplateHashes) {
		if loc == n.Locale {
			continue
		}
		t := n.DataFor(loc).Incident.texts()
		for _, f := range textFields {
			if f == FieldIdentityProtection && !offersProtection(n, loc) {
				continue // nobody reading loc is offered it
			}
			required := slices.Contains(requiredFields, f) && (f != FieldWhatHappened || natureShown(n))
			if strings.TrimSpace(t.text(f)) == "" && (required || strings.TrimSpace(own.text(f)) != "") {
				out = append(out, f+"."+loc)
			}
		}
	}
	return out
}

// setClash records a decision on a clash of rules, "nature=omit" or
// "nature=include" ("nature=" removes it).
func setClash(c *NoticeIncident, value string) error {
	item, decision, ok := strings.Cut(value, "=")
	item, decision = strings.TrimSpace(strings.ToLower(item)), strings.TrimSpace(strings.ToLower(decision))
	if !ok || !slices.Contains(ContentItems, item) || (decision != ClashInclude && decision != ClashOmit && decision != "") {
		return Errorf(EINVALID, "clash: %q is not ITEM=include or ITEM=omit", value).
			WithHint("e.g. --clash nature=omit leaves the nature of the breach out where a law forbids it and another requires it")
	}
	m := maps.Clone(c.Clashes)
	if m == nil {
		m = map[string]string{}
	}
	if decision == "" {
		delete(m, item)
	} else {
		m[item] = decision
	}
	if len(m) == 0 {
		m = nil
	}
	c.Clashes = m
	return nil
}
