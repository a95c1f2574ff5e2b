package incidents

// NoticeRules are what one law requires of, and forbids in, the notice sent
// to a person it covers. The catalog holds them as data (regulations.yaml
// key notice:), one set per regulation that tells affected people; a
// person's notice must meet the rules of every regulation that applies to
// the incident and covers the person's jurisdiction.
type NoticeRules struct {
	// Require lists the content the notice must carry.
	Require []ContentRule `json:"require,omitempty"`
	// Forbid lists content the notice must not carry (Massachusetts: the
	// nature of the breach and the number of residents affected).
	Forbid []ContentRule `json:"forbid,omitempty"`
}

// ContentRule is one piece of notice content a law asks for or forbids.
type ContentRule struct {
	// Item names the content, from the Item* vocabulary.
	Item string `json:"item"`
	// Contacts are catalog contact ids (ftc, equifax, ag-ny, ...) for
	// ItemAgencyContacts: whose addresses, numbers and websites to print.
	Contacts []string `json:"contacts,omitempty"`
	// WhenData limits the rule to people whose exposed data includes any of
	// these categories (empty: always).
	WhenData []string `json:"when_data,omitempty"`
	// IfKnown says the law asks for the content only if it is known or
	// determinable (California's "date of the breach, if known"); without
	// it an unknown value makes the draft incomplete (Florida).
	IfKnown bool `json:"if_known,omitempty"`
	// Months is the minimum length of an offered service
	// (ItemIdentityProtection), 0 if the law sets none.
	Months int `json:"months,omitempty"`
	// Citation is the section that sets the rule: "N.Y. Gen. Bus. Law 899-aa(7)".
	Citation string `json:"citation"`
	// Text says what the statute asks, in a few words, for legal and lint.
	Text string `json:"text,omitempty"`
}

// The content items a ContentRule can name. A template shows each through a
// field or block of the notice data; the catalog may use only these.
const (
	ItemNature              = "nature"                // a description of what happened
	ItemAffectedCount       = "affected_count"        // the number of people affected
	ItemDataTypes           = "data_types"            // the categories of personal information involved
	ItemBreachDate          = "breach_date"           // the date, estimated date or date range of the breach
	ItemNoticeDate          = "notice_date"           // the date of the notice
	ItemCompanyContact      = "company_contact"       // the company's name and contact information
	ItemTollFree            = "toll_free"             // a toll-free telephone number of the company
	ItemMeasures            = "measures"              // what the company is doing
	ItemAdvice              = "advice"                // what the person can do to protect themselves
	ItemConsequences        = "consequences"          // the likely consequences
	ItemDPO                 = "dpo_contact"           // the data protection officer or other contact point
	ItemLawEnforcementDelay = "law_enforcement_delay" // whether notice was delayed for law enforcement
	ItemAgencyContacts      = "agency_contacts"       // the contact blocks of Contacts
	ItemFraudAlert          = "fraud_alert"           // that a fraud alert can be placed, and how
	ItemSecurityFreeze      = "security_freeze"       // that a security freeze can be requested free of charge, and how
	ItemPoliceReport        = "police_report"         // the right to obtain a police report
	ItemReviewStatements    = "review_statements"     // advice to review account statements and credit reports
	ItemReportIdentityTheft = "report_identity_theft" // advice to report suspected identity theft to law enforcement, the AG or the FTC
	ItemIdentityProtection  = "identity_protection"   // an offer of identity theft protection services
	ItemHeadings            = "headings"              // California's title and headings (1798.82(d)(1))
)

// ContentItems lists every Item* value, for validation.
var ContentItems = []string{
	ItemNature, ItemAffectedCount, ItemDataTypes, ItemBreachDate, ItemNoticeDate,
	ItemCompanyContact, ItemTollFree, ItemMeasures, ItemAdvice, ItemConsequences,
	ItemDPO, ItemLawEnforcementDelay, ItemAgencyContacts, ItemFraudAlert,
	ItemSecurityFreeze, ItemPoliceReport, ItemReviewStatements,
	ItemReportIdentityTheft, ItemIdentityProtection, ItemHeadings,
}

// Contact is an agency's contact block as a notice prints it: a state
// attorney general, the FTC, a consumer reporting agency. The catalog holds
// them (regulations.yaml key contacts:), so no template spells an address.
type Contact struct {
	// ID is how rules name the contact: "ftc", "equifax", "ag-ny".
	ID   string `json:"id"`
	Name string `json:"name"`
	// TollFree is a toll-free number, Phone any other; either may be empty.
	TollFree string `json:"toll_free,omitempty"`
	Phone    string `json:"phone,omitempty"`
	// Address is the postal address, lines separated by "\n".
	Address string `json:"address,omitempty"`
	Website string `json:"website,omitempty"`
	Email   string `json:"email,omitempty"`
	// Source is where the details were taken from, and when.
	Source string `json:"source,omitempty"`
}

// Clone returns a deep copy of the rules (nil for nil).
func (n *NoticeRules) Clone() *NoticeRules {
	if n == nil {
		return nil
	}
	c := &NoticeRules{Require: cloneContentRules(n.Require), Forbid: cloneContentRules(n.Forbid)}
	return c
}

func cloneContentRules(rs []ContentRule) []ContentRule {
	if rs == nil {
		return nil
	}
	out := make([]ContentRule, len(rs))
	for i, r := range rs {
		r.Contacts = append([]string(nil), r.Contacts...)
		r.WhenData = append([]string(nil), r.WhenData...)
		out[i] = r
	}
	return out
}
