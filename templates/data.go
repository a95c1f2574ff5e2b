package templates

import (
	"strings"
	"time"
)

// Data is everything a notice template can use. It carries no more personal
// data than the notice needs: the recipient's name and which categories of
// their data were involved.
type Data struct {
	Company   Company
	Incident  Incident
	Recipient Recipient
	Notice    Notice
	// Content is what the laws that cover the recipient ask of their
	// notice: the blocks to show, and what to leave out.
	Content Content
}

// Content is the recipient's notice composed for their laws (the
// catalog's notice rules of every law covering their jurisdiction, for
// their data). Each flag asks the template for a block it words in the
// recipient's language; the data of the blocks (agency addresses and
// numbers) come from the catalog, never from the template.
type Content struct {
	// OmitNature leaves out the description of what happened and when,
	// where a law forbids the nature of the breach (Massachusetts).
	OmitNature bool
	// BreachDate says a law requires the dates of the breach and of its
	// discovery: shown even where the nature is left out (HIPAA with
	// Massachusetts, once legal decided to leave the description out).
	BreachDate bool
	// AgencyContacts are the contact blocks of agencies the notice must
	// name (state attorneys general, the FTC, the credit bureaus).
	AgencyContacts []Contact
	// The standard advice the laws ask for.
	FraudAlert, SecurityFreeze, PoliceReport, ReviewStatements, ReportIdentityTheft bool
	// IdentityProtection says an offer of identity theft protection is
	// required, for at least IdentityProtectionMonths months (0: any).
	IdentityProtection       bool
	IdentityProtectionMonths int
	// AffectedCount is the number of people affected, for a recipient
	// whose laws require it (R.I. Gen. Laws 11-49.3-4(d)(1)); 0 where no
	// law asks for it or one forbids it (M.G.L. c. 93H s. 3(b)).
	AffectedCount int64
	// Citations are the sections the recipient's content follows, for
	// legal's previews; templates need not print them.
	Citations []string
}

// Contact is an agency's contact block, from the catalog.
type Contact struct {
	ID, Name, TollFree, Phone, Website, Email string
	// Address is the postal address, one line per entry.
	Address []string
}

// Company is the business that sends the notice and how people reach it.
// ContactPhone should be toll-free (HIPAA 164.404(c)(1)(E)); DPO names the
// data protection officer or other contact point (GDPR Art. 34(2), 33(3)(b)).
// TollFreePhone is ContactPhone when it is toll-free (a NANP toll-free
// number, or the number configured as toll-free), else empty: templates
// label only it "toll-free".
type Company struct {
	Name, ContactEmail, ContactPhone, Website, PostalAddress, DPO string
	TollFreePhone                                                 string
}

// Incident is what legal wrote about the breach for the notice, in plain
// language, and its dates.
type Incident struct {
	ID                     string
	WhatHappened           string    // legal's plain-language account
	BreachStart, BreachEnd time.Time // date or range of the breach; zero if unknown
	DiscoveredAt           time.Time
	// DataCategories are catalog names, e.g. "email", "password_hash";
	// templates render human labels with the involved and label functions.
	DataCategories     []string
	WhatWeAreDoing     string
	WhatYouCanDo       string
	LikelyConsequences string
	// LawEnforcementDelay is true when legal said the notice was delayed
	// at law enforcement's request, NoLawEnforcementDelay when legal said
	// it was not; neither while nobody has said (print nothing then: an
	// unknown is never a "no").
	LawEnforcementDelay     bool
	NoLawEnforcementDelay   bool
	IdentityTheftProtection string // the offer (California: 12 months when SSN/ID numbers exposed)
	// IdentityProtectionMonths is how long the offer runs, free of
	// charge, in months; 0 if the draft did not say.
	IdentityProtectionMonths int
	MoreInfo                 string
}

// Recipient is the person a notice goes to. DataCategories, if set, are the
// categories of this person's data that were involved; empty means the
// incident's.
type Recipient struct {
	Name, Email, Locale, Country, Region string
	DataCategories                       []string
}

// Notice identifies the notice and the rules it must meet.
type Notice struct {
	ID      string
	Regimes []string // which content rules the notice must meet: "california", "gdpr", "hipaa", ...
	Drill   bool     // a practice run: the message must say so prominently
	Test    bool     // a test-send to the requester: the message must say so prominently
	// Date is the date of the notice (California asks for it,
	// 1798.82(d)(2)(C)); zero if not known.
	Date time.Time
	// Reference is what a person quotes on the phone to name this notice:
	// short, without characters that read alike ("ACME-7KQ4-N1").
	Reference string
}

// Message is a rendered notice: a one-line subject, a plain-text body and an
// HTML body.
type Message struct {
	Subject, Text, HTML string
	// TextParts and HTMLParts, set only by RenderParts, are the text and
	// HTML in pieces (Text and HTML are then empty).
	TextParts, HTMLParts []string
}

// bodies returns the text and HTML, joined if they are in parts.
func (m *Message) bodies() (text, html string) {
	return m.Text + strings.Join(m.TextParts, ""), m.HTML + strings.Join(m.HTMLParts, "")
}

// sameMessage reports whether a and b say the same, joined.
func sameMessage(a, b *Message) bool {
	at, ah := a.bodies()
	bt, bh := b.bodies()
	return a.Subject == b.Subject && at == bt && ah == bh
}

// Sample returns Data with every field filled with made-up values: what the
// linter renders each template with, and a sample recipient for previews.
// Its Notice.Regimes is empty; set it to the regimes the preview must meet.
func Sample() Data {
	return Data{
		Company: Company{
			Name:          "Example Corp",
			ContactEmail:  "privacy@example.com",
			ContactPhone:  "1-800-555-0100",
			TollFreePhone: "1-800-555-0100",
			Website:       "https://example.com/security-notice",
			PostalAddress: "Example Corp, Privacy Office, 1 Example Way, Springfield, CA 90000",
			DPO:           "Dana Smith, Data Protection Officer, dpo@example.com",
		},
		Incident: Incident{
			ID:                       "INC-2026-0001",
			WhatHappened:             "On November 20, 2026 an attacker used a stolen employee password to copy part of our customer database.\n\nWe found out on November 27, 2026, locked the attacker out the same day and started an investigation with outside security experts.",
			BreachStart:              time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
			BreachEnd:                time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
			DiscoveredAt:             time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC),
			DataCategories:           []string{"name", "email", "password_hash", "ssn"},
			WhatWeAreDoing:           "We reset the passwords of all affected accounts, added a second sign-in step for our staff, and reported the breach to the authorities.",
			WhatYouCanDo:             "Choose a new password when you next sign in, and change it anywhere else you used the same one. Be careful with emails that ask for your password or payment details.",
			LikelyConsequences:       "Someone could try to use your email address and password on other websites, or send you convincing fake emails.",
			LawEnforcementDelay:      false,
			NoLawEnforcementDelay:    true,
			IdentityTheftProtection:  "We are offering you 12 months of free credit monitoring and identity theft protection. To enrol, visit https://example.com/protect and use the code EXAMPLE-1234 by March 1, 2027.",
			IdentityProtectionMonths: 12,
			MoreInfo:                 "Answers to common questions are at https://example.com/security-notice.",
		},
		Recipient: Recipient{
			Name:           "Alex Example",
			Email:          "alex@example.net",
			Locale:         "en",
			Country:        "US",
			Region:         "CA",
			DataCategories: []string{"name", "email", "password_hash", "ssn"},
		},
		Notice: Notice{ID: "N-INC-2026-0001-1", Date: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Reference: "EXAM-7KQ4-N1"},
		Content: Content{
			AgencyContacts: []Contact{{ID: "sample-agency", Name: "Example State Attorney General", TollFree: "1-800-555-0199",
				Address: []string{"1 Capitol Way", "Springfield, EX 00000"}, Website: "https://ag.example.gov"}},
			BreachDate: true, FraudAlert: true, SecurityFreeze: true, PoliceReport: true, ReviewStatements: true, ReportIdentityTheft: true,
			IdentityProtection: true, IdentityProtectionMonths: 12, AffectedCount: 1200,
		},
	}
}

// fieldEmpty reports whether the data path p of d is empty: a blank text, the
// zero time or an empty list. It is the quick form of isEmpty(fieldValue(d, p)).
func fieldEmpty(d *Data, p string) bool {
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	switch p {
	case "Company.Name":
		return blank(d.Company.Name)
	case "Company.ContactEmail":
		return blank(d.Company.ContactEmail)
	case "Company.ContactPhone":
		return blank(d.Company.ContactPhone)
	case "Company.Website":
		return blank(d.Company.Website)
	case "Company.PostalAddress":
		return blank(d.Company.PostalAddress)
	case "Company.DPO":
		return blank(d.Company.DPO)
	case "Company.TollFreePhone":
		return blank(d.Company.TollFreePhone)
	case "Incident.ID":
		return blank(d.Incident.ID)
	case "Incident.WhatHappened":
		return blank(d.Incident.WhatHappened)
	case "Incident.BreachStart":
		return d.Incident.BreachStart.IsZero()
	case "Incident.BreachEnd":
		return d.Incident.BreachEnd.IsZero()
	case "Incident.DiscoveredAt":
		return d.Incident.DiscoveredAt.IsZero()
	case "Incident.DataCategories":
		return len(d.Incident.DataCategories) == 0
	case "Incident.WhatWeAreDoing":
		return blank(d.Incident.WhatWeAreDoing)
	case "Incident.WhatYouCanDo":
		return blank(d.Incident.WhatYouCanDo)
	case "Incident.LikelyConsequences":
		return blank(d.Incident.LikelyConsequences)
	case "Incident.IdentityTheftProtection":
		return blank(d.Incident.IdentityTheftProtection)
	case "Incident.MoreInfo":
		return blank(d.Incident.MoreInfo)
	case "Recipient.Name":
		return blank(d.Recipient.Name)
	case "Recipient.Email":
		return blank(d.Recipient.Email)
	case "Recipient.DataCategories":
		return len(d.Recipient.DataCategories) == 0
	}
	return isEmpty(fieldValue(*d, p))
}
