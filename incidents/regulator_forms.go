package incidents

import (
	"fmt"
	"strings"
)

// formPart is one item of a regulator form: a line "- label: value" (or,
// with prose set, a heading and a paragraph), its value taken from a fact,
// an event, the company configuration, another obligation, or the drafter.
type formPart struct {
	// section, when set, starts a new "## section" before the part.
	section string
	label   string
	// item names the part in the list of unknowns.
	item string
	// prose shows the value as a paragraph under section instead of a line.
	prose bool
	// optional parts are shown when known and never listed as unknown.
	optional bool
	value    func(f *formInput) (value, fill string)
}

// formSpec is a regulator form described by its parts.
type formSpec struct {
	// parts are the form's items in order.
	parts []formPart
	// toFollow heads the list of unknowns in the draft.
	toFollow string
}

func fieldPart(name string) func(f *formInput) (string, string) {
	return func(f *formInput) (string, string) {
		return f.fields[name], fmt.Sprintf("/breach regulator draft %s --%s \"...\"", f.ob.ID, name)
	}
}

func factPart(name, example string) func(f *formInput) (string, string) {
	return func(f *formInput) (string, string) {
		v, ok := f.inc.Facts[name]
		switch {
		case !ok:
			return "", "/breach facts " + example
		case len(v.Set) > 0:
			return strings.Join(v.Set, ", "), ""
		case v.Bool != nil && *v.Bool:
			return "yes", ""
		case v.Bool != nil:
			return "no", ""
		}
		return v.String(), ""
	}
}

func companyPart(key string, get func(c Company) string) func(f *formInput) (string, string) {
	return func(f *formInput) (string, string) {
		return get(f.company), "company: " + key + ": in breachbot.yaml"
	}
}

func eventPart(event string) func(f *formInput) (string, string) {
	return func(f *formInput) (string, string) {
		if e, ok := f.inc.Events[event]; ok {
			return e.At.UTC().Format("2006-01-02 15:04 MST"), ""
		}
		return "", fmt.Sprintf("/breach clock %s --at TIME", event)
	}
}

// metPart is when another obligation was met (e.g. when individuals were
// notified), else what records it.
func metPart(obligation string) func(f *formInput) (string, string) {
	return func(f *formInput) (string, string) {
		if o, ok := f.inc.Obligation(obligation); ok && o.Status == ObligationMet {
			return o.MetAt.UTC().Format("2006-01-02"), ""
		}
		return "", fmt.Sprintf("/breach met %s --ref HOW-SENT (when it is done)", obligation)
	}
}

func fixedPart(v string) func(f *formInput) (string, string) {
	return func(*formInput) (string, string) { return v, "" }
}

func companyContact(c Company) string {
	var parts []string
	for _, p := range []string{c.DPO, c.ContactEmail, c.ContactPhone} {
		if p != "" && !strings.Contains(strings.Join(parts, " "), p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// render renders a form described by parts.
func (spec formSpec) render(f *formInput) (string, []RegulatorUnknown) {
	var unknown []RegulatorUnknown
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# %s (%s)\n\n", f.form.title, f.form.law)
	w("- Our reference: %s, submission %d\n", f.inc.ID, f.seq)
	if !f.ob.Due.IsZero() {
		w("- Deadline: %s\n", f.ob.Due.UTC().Format("2006-01-02 15:04 MST"))
	}
	for _, p := range spec.parts {
		v, fill := p.value(f)
		if v == "" && p.optional {
			continue
		}
		if p.section != "" {
			w("\n## %s\n\n", p.section)
		}
		if v == "" {
			unknown = append(unknown, RegulatorUnknown{Item: p.item, Fill: fill})
			v = toFollow
		}
		if p.prose {
			w("%s\n", v)
		} else {
			w("- %s: %s\n", p.label, v)
		}
	}
	if len(unknown) > 0 {
		w("\n## %s\n\n", spec.toFollow)
		for _, u := range unknown {
			w("- %s\n", u.Item)
		}
	}
	return b.String(), unknown
}

// hhsForm is what the HHS breach portal asks of a covered entity for a
// breach of 500 or more (45 CFR 164.408(b); the portal's fields).
var hhsForm = formSpec{toFollow: "Not yet known (the portal accepts an addendum later)", parts: []formPart{
	{section: "Covered entity", label: "Name", item: "the covered entity's name", value: companyPart("name", func(c Company) string { return c.Name })},
	{label: "Contact", item: "the contact person's name, email and phone", value: companyPart("contact_email", companyContact)},
	{label: "Address", item: "the covered entity's address", value: companyPart("postal_address", func(c Company) string { return c.PostalAddress })},
	{section: "Breach", label: "Date(s) of breach", item: "the date or range of dates of the breach", value: fieldPart("dates")},
	{label: "Date of discovery", item: "the date of discovery", value: eventPart(EventAwareness)},
	{label: "Approximate number of individuals affected", item: "the approximate number of individuals affected", value: factPart("affected", "affected=1200")},
	{label: "Type of breach", item: "the type of breach (hacking/IT incident, unauthorized access or disclosure, theft, loss, improper disposal)", value: fieldPart("type")},
	{label: "Location of breached information", item: "where the information was (network server, email, EHR, laptop, paper, ...)", value: fieldPart("location")},
	{label: "Type of protected health information involved", item: "the types of PHI involved", value: factPart("data_categories", "data=health,name,dob")},
	{section: "Brief description of the breach", item: "a brief description of the breach", prose: true, value: fieldPart("nature")},
	{section: "Safeguards in place prior to the breach", item: "the safeguards in place before the breach", prose: true, value: fieldPart("safeguards")},
	{section: "Notice of breach and actions taken", label: "Date individual notice provided", item: "the date individuals were notified", value: metPart("hipaa-individuals")},
	{label: "Substitute notice required", item: "whether substitute notice was required", optional: true, value: fieldPart("substitute-notice")},
	{label: "Media notice provided", item: "whether media notice was given", optional: true, value: metPart("hipaa-media")},
	{section: "Actions taken in response to the breach", item: "the actions taken in response", prose: true, value: fieldPart("measures")},
}}

// nis2Entity and nis2Aware open each NIS2 report.
var (
	nis2Entity      = formPart{section: "Entity", label: "Name", item: "the entity's name", value: companyPart("name", func(c Company) string { return c.Name })}
	nis2Contact     = formPart{label: "Contact", item: "a contact point for the CSIRT", value: companyPart("contact_email", companyContact)}
	nis2Aware       = formPart{label: "Became aware of the significant incident", item: "when the entity became aware", value: eventPart(EventAwareness)}
	nis2Malicious   = formPart{label: "Suspected of being caused by unlawful or malicious acts", item: "whether unlawful or malicious acts are suspected (23(4)(a))", value: fieldPart("malicious")}
	nis2CrossBorder = formPart{label: "Could have a cross-border impact", item: "whether it could have a cross-border impact (23(4)(a))", value: fieldPart("cross-border")}
)

// nis2EarlyWarning is the 24-hour early warning (NIS2 Art. 23(4)(a)).
var nis2EarlyWarning = formSpec{toFollow: "Not yet known (the notification within 72 hours updates this)", parts: []formPart{
	nis2Entity, nis2Contact, nis2Aware,
	{section: "Early warning", label: nis2Malicious.label, item: nis2Malicious.item, value: nis2Malicious.value},
	nis2CrossBorder,
}}

// nis2Notification is the 72-hour incident notification (Art. 23(4)(b)).
var nis2Notification = formSpec{toFollow: "Not yet known (an intermediate or the final report adds it)", parts: []formPart{
	nis2Entity, nis2Contact, nis2Aware,
	{section: "Update of the early warning", label: nis2Malicious.label, item: nis2Malicious.item, value: nis2Malicious.value},
	nis2CrossBorder,
	{section: "Initial assessment: severity and impact (23(4)(b))", item: "an initial assessment of the incident, its severity and impact", prose: true, value: fieldPart("severity")},
	{section: "Indicators of compromise", item: "the indicators of compromise, where available (say none are available if so)", prose: true, value: fieldPart("iocs")},
}}

// nis2FinalReport is the final report within a month of the notification
// (Art. 23(4)(d)).
var nis2FinalReport = formSpec{toFollow: "Not yet known (if the incident is ongoing, send a progress report instead)", parts: []formPart{
	nis2Entity, nis2Contact, nis2Aware,
	{section: "Detailed description of the incident", item: "a detailed description of the incident", prose: true, value: fieldPart("nature")},
	{section: "Severity and impact", item: "its severity and impact", prose: true, value: fieldPart("severity")},
	{section: "Type of threat or root cause", item: "the type of threat or root cause that likely triggered it", prose: true, value: fieldPart("root-cause")},
	{section: "Mitigation measures applied and ongoing", item: "the mitigation measures applied and ongoing", prose: true, value: fieldPart("measures")},
	{section: "Cross-border impact", item: "the cross-border impact, where applicable", prose: true, value: fieldPart("cross-border")},
}}

// countPart is one key of a counts fact (residents of US-CA).
func countPart(name, key, example string) func(f *formInput) (string, string) {
	return func(f *formInput) (string, string) {
		if v, ok := f.inc.Facts[name]; ok {
			if n, ok := v.Counts[key]; ok {
				return fmt.Sprint(n), ""
			}
			if v.Complete {
				return "0", ""
			}
		}
		return "", "/breach facts " + example
	}
}

// metRefPart is the reference another obligation was met with (which
// notice was sent), else what records it.
func metRefPart(obligation string) func(f *formInput) (string, string) {
	return func(f *formInput) (string, string) {
		if o, ok := f.inc.Obligation(obligation); ok && o.Status == ObligationMet {
			return o.Reference, ""
		}
		return "", fmt.Sprintf("/breach met %s --ref NOTICE (when the notice is sent)", obligation)
	}
}

// sec8KForm is Form 8-K Item 1.05 (material cybersecurity incidents).
var sec8KForm = formSpec{toFollow: "Not yet determined or unavailable: say so in the filing and amend it (Form 8-K/A) within four business days after it is (Instruction 2 to Item 1.05)", parts: []formPart{
	{section: "Registrant", label: "Name", item: "the registrant's name", value: companyPart("name", func(c Company) string { return c.Name })},
	{label: "Materiality determined", item: "when the incident was determined to be material", value: eventPart("materiality_determined")},
	{section: "Item 1.05 Material Cybersecurity Incidents", label: "Nature", item: "the material aspects of the incident's nature", value: fieldPart("nature")},
	{label: "Scope", item: "the material aspects of its scope", value: fieldPart("scope")},
	{label: "Timing", item: "the material aspects of its timing", value: fieldPart("dates")},
	{section: "Material impact or reasonably likely material impact, including on financial condition and results of operations", item: "the material impact or reasonably likely material impact on the registrant", prose: true, value: fieldPart("impact")},
}}

// caAGForm is the California Attorney General's sample-notice submission
// (Cal. Civ. Code 1798.82(f)): the AG's form asks these beside the upload.
var caAGForm = formSpec{toFollow: "Not yet known", parts: []formPart{
	{section: "Organization", label: "Name", item: "the organization's name", value: companyPart("name", func(c Company) string { return c.Name })},
	{label: "Contact", item: "a contact for the Attorney General", value: companyPart("contact_email", companyContact)},
	{section: "Breach", label: "Date(s) of breach", item: "the date or range of dates of the breach", value: fieldPart("dates")},
	{label: "Date(s) notice provided to consumers", item: "the date California residents were notified", value: metPart("ca-residents")},
	{label: "California residents notified", item: "the number of California residents notified", value: countPart("residents", "US-CA", "residents=US-CA:600")},
	{label: "Notice delayed for a law enforcement investigation", item: "whether notice was delayed for law enforcement (yes or no)", value: fieldPart("law-enforcement-delay")},
	{section: "Sample copy of the notice (upload)", item: "the notice sent to California residents", prose: true, value: func(f *formInput) (string, string) {
		ref, fill := metRefPart("ca-residents")(f)
		if ref == "" {
			return "", fill
		}
		return "Upload a sample copy of the notice sent to California residents (recorded on ca-residents as " + ref + "), without any resident's name or address.", ""
	}},
}}

// nydfsForm is the notice to the Superintendent through the DFS portal
// (23 NYCRR 500.17(a)).
var nydfsForm = formSpec{toFollow: "Not yet known (500.17(a)(2): update the Superintendent with material changes or new information)", parts: []formPart{
	{section: "Covered entity", label: "Name", item: "the covered entity's name", value: companyPart("name", func(c Company) string { return c.Name })},
	{label: "Contact", item: "a contact for the Department", value: companyPart("contact_email", companyContact)},
	{section: "Cybersecurity incident", label: "Determined that an incident occurred", item: "when it was determined that a cybersecurity incident occurred", value: eventPart("breach_determined")},
	{label: "Date(s) of the incident", item: "the date or range of dates of the incident", value: fieldPart("dates")},
	{label: "New York residents affected", item: "the number of New York residents affected", value: countPart("residents", "US-NY", "residents=US-NY:120")},
	{label: "Categories of personal data", item: "the categories of data affected", value: factPart("data_categories", "data=email,ssn")},
	{label: "Extortion payment made", item: "whether a ransom or extortion payment was made (500.17(c) has its own 24-hour notice)", value: factPart("extortion_payment", "extortion_payment=no")},
	{section: "Description", item: "a description of the incident", prose: true, value: fieldPart("nature")},
	{section: "Response and remediation", item: "the measures taken", prose: true, value: fieldPart("measures")},
}}
