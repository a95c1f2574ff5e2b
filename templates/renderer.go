package templates

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/breachbot/breachbot/incidents"
)

// DefaultTemplate is the shipped notice template.
const DefaultTemplate = "breach-notice"

// Renderer renders the notices of package incidents with a Set: it is the
// incidents.NoticeRenderer of the program, so that the domain does not
// depend on this package. Content a notice must carry but lacks comes back
// as an *incidents.MissingContentError naming the draft fields (or company
// settings) to fill in; anything else wrong is a template problem, named by
// file and line.
type Renderer struct {
	set *Set
}

var _ incidents.NoticeRenderer = Renderer{}

// NewRenderer returns a Renderer over set.
func NewRenderer(set *Set) Renderer { return Renderer{set: set} }

var _ incidents.PartsRenderer = Renderer{}

// Render renders notice name in locale for one recipient.
func (r Renderer) Render(name, locale string, d incidents.NoticeData, rc incidents.Recipient) (*incidents.MailContent, error) {
	return r.render(name, locale, d, rc, false)
}

// RenderParts renders as Render does, with the bodies in parts where it
// can (see Set.RenderParts).
func (r Renderer) RenderParts(name, locale string, d incidents.NoticeData, rc incidents.Recipient) (*incidents.MailContent, error) {
	return r.render(name, locale, d, rc, true)
}

func (r Renderer) render(name, locale string, d incidents.NoticeData, rc incidents.Recipient, parts bool) (*incidents.MailContent, error) {
	in := d.Incident
	// The person's content: the rules of the laws that cover them. A
	// notice drafted before rules were snapshotted answers to all of its
	// regulations, as it did then.
	rules := d.RulesFor(rc)
	regs := rules.Regulations
	if len(d.Notice.Laws) == 0 {
		regs = d.Notice.Regulations
	}
	// Content the person's laws require and the data lacks; with what the
	// template's own regimes find missing, it is all reported at once.
	var lawFields []string
	for _, m := range d.MissingFor(rc) {
		lawFields = append(lawFields, m.Field)
	}
	m, err := r.set.render(name, locale, Data{
		Company: Company{Name: d.Company.Name, ContactEmail: d.Company.ContactEmail, ContactPhone: d.Company.ContactPhone,
			Website: d.Company.Website, PostalAddress: d.Company.PostalAddress, DPO: d.Company.DPO, TollFreePhone: tollFreeFor(d.Company, rc)},
		Incident: Incident{ID: in.ID, WhatHappened: in.WhatHappened, BreachStart: in.BreachStart, BreachEnd: in.BreachEnd,
			DiscoveredAt: in.DiscoveredAt, DataCategories: in.DataCategories, WhatWeAreDoing: in.WhatWeAreDoing, WhatYouCanDo: in.WhatYouCanDo,
			LikelyConsequences: in.LikelyConsequences, LawEnforcementDelay: in.LawEnforcementDelay != nil && *in.LawEnforcementDelay,
			NoLawEnforcementDelay:   in.LawEnforcementDelay != nil && !*in.LawEnforcementDelay,
			IdentityTheftProtection: in.IdentityTheftProtection, IdentityProtectionMonths: in.IdentityProtectionMonths, MoreInfo: in.MoreInfo},
		Recipient: Recipient{Name: rc.Name, Email: rc.Email, Locale: rc.Locale, Country: rc.Country, Region: rc.Region, DataCategories: rc.DataCategories},
		Notice: Notice{ID: d.Notice.ID, Regimes: regimesOf(regs), Drill: d.Notice.Drill, Test: d.Notice.Test,
			Date: d.Notice.Date, Reference: d.Notice.Reference},
		Content: contentOf(rules, in.AffectedCount),
	}, parts)
	var re *RenderError
	if errors.As(err, &re) {
		if fields := missingContent(re); fields != nil {
			for _, f := range fields {
				if !slices.Contains(lawFields, f) {
					lawFields = append(lawFields, f)
				}
			}
			return nil, &incidents.MissingContentError{Locale: re.Locale, Fields: lawFields}
		}
	}
	if err == nil && len(lawFields) > 0 {
		return nil, &incidents.MissingContentError{Locale: locale, Fields: lawFields}
	}
	if err != nil {
		// Template errors name the file and line, never the data.
		return nil, incidents.Errorf(incidents.EINVALID, "template %s (%s) cannot be rendered: %s", name, locale, incidents.RedactAddresses(err.Error())).
			WithHint("fix the template (breachbot templates lint), or the draft's fields, and draft again")
	}
	return &incidents.MailContent{Subject: m.Subject, Text: m.Text, HTML: m.HTML, TextParts: m.TextParts, HTMLParts: m.HTMLParts}, nil
}

// nanpCountries are the countries of the North American Numbering Plan,
// from which its toll-free numbers can be free to call.
var nanpCountries = []string{"US", "CA", "AG", "AI", "AS", "BB", "BM", "BS", "DM", "DO", "GD", "GU", "JM", "KN", "KY", "LC",
	"MP", "MS", "PR", "SX", "TC", "TT", "VC", "VG", "VI"}

// tollFreeFor returns the company's toll-free number as recipient rc may
// read it: a NANP toll-free number (1-800-...) costs a caller outside North
// America (and is often unreachable), so a person in Germany is not told
// it is free; the template then shows it as a plain number. A number the
// company configured as toll-free and that is no NANP one is its own
// statement, and kept; so is any number for someone of unknown country.
func tollFreeFor(c incidents.Company, rc incidents.Recipient) string {
	tf := c.TollFree()
	country := strings.ToUpper(strings.TrimSpace(rc.Country))
	if tf == "" || country == "" || slices.Contains(nanpCountries, country) || !incidents.IsTollFreeNumber(tf) {
		return tf
	}
	return ""
}

// contentOf turns a person's rules into the blocks of their notice;
// affected is the number of people affected, if known, shown only where
// the rules require it and none forbids it.
func contentOf(p incidents.PersonRules, affected *int64) Content {
	c := Content{
		OmitNature:          !p.Shows(incidents.ItemNature),
		BreachDate:          p.Has(incidents.ItemBreachDate),
		FraudAlert:          p.Has(incidents.ItemFraudAlert),
		SecurityFreeze:      p.Has(incidents.ItemSecurityFreeze),
		PoliceReport:        p.Has(incidents.ItemPoliceReport),
		ReviewStatements:    p.Has(incidents.ItemReviewStatements),
		ReportIdentityTheft: p.Has(incidents.ItemReportIdentityTheft),
		IdentityProtection:  p.Has(incidents.ItemIdentityProtection),
	}
	if affected != nil && p.Has(incidents.ItemAffectedCount) {
		c.AffectedCount = *affected
	}
	if c.IdentityProtection {
		c.IdentityProtectionMonths = p.Months(incidents.ItemIdentityProtection)
	}
	if p.Shows(incidents.ItemAgencyContacts) {
		for _, ct := range p.Contacts {
			var addr []string
			for _, l := range strings.Split(strings.TrimSpace(ct.Address), "\n") {
				// The block prints the name above the address: an address
				// that starts with it would print it twice ("Experian",
				// "Experian", "P.O. Box 9554").
				if l = strings.TrimSpace(l); l != "" && !(len(addr) == 0 && strings.EqualFold(l, strings.TrimSpace(ct.Name))) {
					addr = append(addr, l)
				}
			}
			c.AgencyContacts = append(c.AgencyContacts, Contact{ID: ct.ID, Name: ct.Name, TollFree: ct.TollFree, Phone: ct.Phone,
				Website: ct.Website, Email: ct.Email, Address: addr})
		}
	}
	for _, r := range p.Require {
		if r.Citation != "" && !slices.Contains(c.Citations, r.Citation) {
			c.Citations = append(c.Citations, r.Citation)
		}
	}
	return c
}

// templateField is a data path in a template problem: Incident.WhatHappened.
var templateField = regexp.MustCompile(`\b(Incident|Company|Recipient|Notice)\.([A-Z][A-Za-z]*)`)

// missingContent maps the problems of a render to the notice fields (or
// company.* configuration keys) that would fix them, or returns nil if any
// problem is not an empty field (a broken template, an unknown regime):
// those are for whoever maintains the templates, not the responder.
func missingContent(re *RenderError) []string {
	var fields []string
	for _, p := range re.Problems {
		if !strings.Contains(p.Message, "empty") {
			return nil
		}
		var field string
		for _, m := range templateField.FindAllStringSubmatch(p.Message, -1) {
			switch m[1] {
			case "Incident":
				if field == "" || strings.HasPrefix(field, "company.") {
					field = snake(m[2])
				}
			case "Company":
				if field == "" {
					field = "company." + snake(m[2])
				}
			}
		}
		if field == "" {
			return nil
		}
		switch field {
		case "identity_theft_protection":
			field = incidents.FieldIdentityProtection
		}
		if !slices.Contains(fields, field) {
			fields = append(fields, field)
		}
	}
	return fields
}

// snake turns WhatWeAreDoing into what_we_are_doing, DPO into dpo.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 && !unicode.IsUpper(rune(s[i-1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// regimesOf maps the catalog ids of the regulations a notice answers to
// (gdpr-art34, ca-residents, ...) to the content rules of the templates
// package (gdpr, california, ...). A regulation with no content rules of its
// own there (most US states ask for no particular sections) adds none.
//
// It runs for every recipient, so it reads the table in place (Regimes
// copies it for callers outside the package).
func regimesOf(regulations []string) []string {
	if len(regulations) == 0 {
		return nil
	}
	var out []string
	for _, r := range regimes {
		if slices.ContainsFunc(r.Regulations, func(id string) bool { return slices.Contains(regulations, id) }) {
			out = append(out, r.Name)
		}
	}
	slices.Sort(out)
	return out
}

// Hash is the hash of a template variant's files (approvals bind to it).
func (r Renderer) Hash(name, locale string) (string, error) {
	h, err := r.set.Hash(name, locale)
	if err != nil {
		return "", incidents.Errorf(incidents.ENOTFOUND, "template %s (%s): %v", name, locale, err)
	}
	return h, nil
}

// Locales lists the locales of a template.
func (r Renderer) Locales(name string) ([]string, error) {
	var names []string
	for _, info := range r.set.Templates() {
		if info.Name == name {
			return info.Locales, nil
		}
		names = append(names, info.Name)
	}
	return nil, incidents.Errorf(incidents.ENOTFOUND, "there is no notice template %q", name).WithHint("templates: %s", strings.Join(names, ", "))
}

// Default is the shipped template's name.
func (r Renderer) Default() string { return DefaultTemplate }
