package incidents

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Notice is a notice to the affected people of an incident: a draft
// rendered from a template, its approval by legal, and its sending. It
// binds the template (name, locales, content hashes), the narrative, and
// the recipient list (by hash); changing any of them voids an approval.
type Notice struct {
	// ID is N<n>, numbered per incident.
	ID       string      `json:"id"`
	Incident string      `json:"incident"`
	State    NoticeState `json:"state"`
	Drill    bool        `json:"drill,omitempty"`

	// Template is the template's name; Locale the default locale, used for
	// recipients whose locale the template lacks; TemplateHashes the hash of
	// the files of each locale used.
	Template       string            `json:"template"`
	Locale         string            `json:"locale"`
	TemplateHashes map[string]string `json:"template_hashes"`
	// Data is everything rendered into the notice but the recipient.
	Data NoticeData `json:"data"`
	// ContentHash is the SHA-256 of template, hashes and data: what legal approves.
	ContentHash string `json:"content_hash"`
	// Recipients is the recipient list the notice goes to.
	Recipients RecipientSetRef `json:"recipients"`
	// Previews are rendered for a placeholder recipient, one per locale.
	// An incomplete draft (Missing not empty) has none.
	Previews []NoticePreview `json:"previews"`
	// Missing is the content the draft still lacks (notice fields, or
	// company.* configuration keys): it cannot be submitted until a new
	// draft fills it in.
	Missing []string `json:"missing,omitempty"`
	// Variants are the groups of recipients whose messages read the same
	// (NoticeVariant), each with what it lacks.
	Variants []NoticeVariant `json:"variants,omitempty"`

	DraftedBy   string    `json:"drafted_by"`
	DraftedAt   time.Time `json:"drafted_at"`
	SubmittedBy string    `json:"submitted_by,omitempty"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"`

	Approval  *Approval  `json:"approval,omitempty"`
	Rejection *Rejection `json:"rejection,omitempty"`
	Void      *Voiding   `json:"void,omitempty"`
	Test      *TestSend  `json:"test,omitempty"`
	// Send is stored apart from the rest (see Tx.NoticeSend).
	Send *SendState `json:"send,omitempty"`
}

// NoticeState is where a notice is in its life.
type NoticeState string

// Notice states.
const (
	// NoticeDraft: drafted, not yet submitted for approval.
	NoticeDraft NoticeState = "draft"
	// NoticeSubmitted: waiting for legal's approval.
	NoticeSubmitted NoticeState = "submitted"
	// NoticeApproved: approved; it may be test-sent and sent.
	NoticeApproved NoticeState = "approved"
	// NoticeRejected: legal rejected it, with a reason; draft again.
	NoticeRejected NoticeState = "rejected"
	// NoticeVoid: superseded by a newer draft, or its approval was voided by
	// a change of content or recipients.
	NoticeVoid NoticeState = "void"
	// NoticeSending: being sent (resumes after a restart).
	NoticeSending NoticeState = "sending"
	// NoticePaused: sending stopped after repeated temporary failures.
	NoticePaused NoticeState = "paused"
	// NoticeSent: every recipient was attempted.
	NoticeSent NoticeState = "sent"
)

// Unsent reports whether a notice can still change or be voided.
func (s NoticeState) Unsent() bool {
	return s == NoticeDraft || s == NoticeSubmitted || s == NoticeApproved || s == NoticeRejected
}

// NoticeData is what a notice renders, apart from the recipient. It is
// snapshotted when drafted, so rendering later gives the same text.
type NoticeData struct {
	Company  Company         `json:"company"`
	Incident NoticeIncident  `json:"incident"`
	Notice   NoticeReference `json:"notice"`
}

// Company is the notifying organisation, from the configuration.
type Company struct {
	Name          string `json:"name"`
	ContactEmail  string `json:"contact_email,omitempty"`
	ContactPhone  string `json:"contact_phone,omitempty"`
	Website       string `json:"website,omitempty"`
	PostalAddress string `json:"postal_address,omitempty"`
	DPO           string `json:"dpo,omitempty"`
	// TollFreePhone is a number the company says is toll-free (HIPAA
	// 164.404(c)(1)(E)); ContactPhone counts as toll-free only if it is a
	// NANP toll-free number (see Company.TollFree).
	TollFreePhone string `json:"toll_free_phone,omitempty"`
}

// NoticeIncident is the narrative of the breach as the notice tells it.
type NoticeIncident struct {
	ID                 string    `json:"id"`
	WhatHappened       string    `json:"what_happened"`
	BreachStart        time.Time `json:"breach_start,omitzero"`
	BreachEnd          time.Time `json:"breach_end,omitzero"`
	DiscoveredAt       time.Time `json:"discovered_at,omitzero"`
	DataCategories     []string  `json:"data_categories,omitempty"`
	WhatWeAreDoing     string    `json:"what_we_are_doing"`
	WhatYouCanDo       string    `json:"what_you_can_do"`
	LikelyConsequences string    `json:"likely_consequences,omitempty"`
	// LawEnforcementDelay is the drafter's answer to whether the notice
	// was delayed for a law enforcement investigation: nil while nobody
	// said (unknown, never a "no"), else yes (true) or no (false). Cal.
	// Civ. Code 1798.82(d)(2)(D) and Wyo. Stat. 40-12-502(e)(vii) ask for
	// it; for anyone else an undecided delay prints nothing.
	LawEnforcementDelay     *bool  `json:"law_enforcement_delay,omitempty"`
	IdentityTheftProtection string `json:"identity_theft_protection,omitempty"`
	// IdentityProtectionMonths is how many months the offer of identity
	// theft protection runs, free of charge (--identity-protection-months):
	// checked against the months each person's laws require (Conn. Gen.
	// Stat. 36a-701b(b)(2)(B): 24) and printed with the offer. 0: not given.
	IdentityProtectionMonths int    `json:"identity_protection_months,omitempty"`
	MoreInfo                 string `json:"more_info,omitempty"`
	// AffectedCount is the number of people affected, as the incident's
	// "affected" fact said when the notice was drafted; nil if unknown. It
	// is taken only when a law of the notice asks for the number (R.I. Gen.
	// Laws 11-49.3-4(d)(1)) and printed only to people whose laws require
	// it and none forbids it (M.G.L. c. 93H s. 3(b)).
	AffectedCount *int64 `json:"affected_count,omitempty"`
	// Clashes are the drafter's decisions on content one law requires and
	// another forbids for the same people, by item: ClashInclude or
	// ClashOmit (--clash nature=omit). Legal approves them with the notice.
	Clashes map[string]string `json:"clashes,omitempty"`
	// Texts are the free-text fields above in the template's other
	// locales, by locale ("de"): a German recipient's notice says these,
	// never the drafter's text in the notice's own locale.
	Texts map[string]NoticeTexts `json:"texts,omitempty"`
}

// NoticeTexts are the free-text fields of a notice in one locale.
type NoticeTexts struct {
	WhatHappened            string `json:"what_happened,omitempty"`
	WhatWeAreDoing          string `json:"what_we_are_doing,omitempty"`
	WhatYouCanDo            string `json:"what_you_can_do,omitempty"`
	LikelyConsequences      string `json:"likely_consequences,omitempty"`
	IdentityTheftProtection string `json:"identity_theft_protection,omitempty"`
	MoreInfo                string `json:"more_info,omitempty"`
}

// NoticeReference identifies the notice inside its own text.
type NoticeReference struct {
	ID string `json:"id"`
	// Regulations are the ids of the catalog regulations whose notice
	// content the text must carry (the renderer maps them to its content
	// rules, templates.Regime). Stored under the older name "regimes".
	Regulations []string `json:"regimes,omitempty"`
	Drill       bool     `json:"drill,omitempty"`
	Test        bool     `json:"test,omitempty"`
	// Date is the date of the notice, the day it was drafted (the text
	// legal approves, so it is part of the content hash).
	Date time.Time `json:"date,omitzero"`
	// Reference is the notice's reference for people to quote on the
	// phone (NoticeRef).
	Reference string `json:"reference,omitempty"`
	// Laws are the notice rules of the laws the notice answers to, and
	// Contacts the agency contact blocks they name, as the catalog had them
	// when the notice was drafted: each person's content is composed from
	// the laws that cover them (NoticeData.RulesFor).
	Laws     []NoticeLaw `json:"laws,omitempty"`
	Contacts []Contact   `json:"contacts,omitempty"`
}

// NoticePreview is a notice rendered for a placeholder recipient.
type NoticePreview struct {
	Locale string `json:"locale"`
	// Variant is the key of the variant previewed (K1), if any.
	Variant string `json:"variant,omitempty"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// Validate checks the invariants of a stored notice.
func (n *Notice) Validate() error {
	switch {
	case !noticeIDRE.MatchString(n.ID):
		return Errorf(EINVALID, "notice id %q is malformed", n.ID)
	case n.Template == "":
		return Errorf(EINVALID, "notice %s names no template", n.ID)
	case n.ContentHash == "" || n.ContentHash != n.ComputeContentHash():
		return Errorf(EINVALID, "notice %s: its content hash does not match its content", n.ID)
	case n.Recipients.ID == "" || n.Recipients.Hash == "":
		return Errorf(EINVALID, "notice %s is bound to no recipient list", n.ID)
	case n.State == NoticeApproved && n.Approval == nil:
		return Errorf(EINVALID, "notice %s is approved without an approval", n.ID)
	}
	return nil
}

var noticeIDRE = regexp.MustCompile(`^N[1-9][0-9]*$`)

// ParseNoticeID normalises a notice id typed by a person ("n2", "N2", "2").
func ParseNoticeID(s string) (string, error) {
	u := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "N")
	if n, err := strconv.Atoi(u); err == nil && n > 0 {
		return "N" + strconv.Itoa(n), nil
	}
	return "", Errorf(EINVALID, "%q is not a notice id", s).WithHint("notice ids look like N1; /breach notice status lists them")
}

// LooksLikeNoticeID reports whether a word is a notice id (N1, n12).
func LooksLikeNoticeID(s string) bool {
	return len(s) > 1 && (s[0] == 'N' || s[0] == 'n') && noticeIDRE.MatchString(strings.ToUpper(s))
}

// ComputeContentHash hashes everything that decides the text of every
// message: template, locales with their file hashes, and the data.
func (n *Notice) ComputeContentHash() string {
	b, _ := json.Marshal(struct {
		Template string            `json:"template"`
		Locale   string            `json:"locale"`
		Hashes   map[string]string `json:"hashes"`
		Data     NoticeData        `json:"data"`
	}{n.Template, n.Locale, n.TemplateHashes, n.Data})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// LocaleFor returns the template locale used for a recipient.
func (n *Notice) LocaleFor(r Recipient) string {
	if r.Locale != "" {
		if _, ok := n.TemplateHashes[r.Locale]; ok {
			return r.Locale
		}
		if lang, _, ok := strings.Cut(r.Locale, "-"); ok {
			if _, ok := n.TemplateHashes[lang]; ok {
				return lang
			}
		}
	}
	return n.Locale
}

// DataFor returns what the notice renders in a template locale: in its own
// locale its data; in another, the same data with the free-text fields in
// that locale (empty where none was given, so that nothing of the
// drafter's language shows through).
func (n *Notice) DataFor(locale string) NoticeData {
	d := n.Data
	if locale == n.Locale || locale == "" {
		return d
	}
	t, ok := d.Incident.Texts[locale]
	if !ok {
		lang, _, _ := strings.Cut(locale, "-")
		t = d.Incident.Texts[lang]
	}
	d.Incident.setTexts(t)
	return d
}

// templateLocales returns which of the template's locales the recipients
// need, plus the default.
func templateLocales(available []string, def string, recipients map[string]int64) []string {
	out := []string{def}
	for loc := range recipients {
		if loc == "" {
			continue
		}
		cands := []string{loc}
		if lang, _, ok := strings.Cut(loc, "-"); ok {
			cands = append(cands, lang)
		}
		for _, c := range cands {
			if slices.Contains(available, c) {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
				break
			}
		}
	}
	slices.Sort(out[1:])
	return out
}

// PlaceholderRecipient is the made-up person previews are rendered for, so
// that no real customer's data is shown in chat.
func PlaceholderRecipient(locale string, categories []string) Recipient {
	return Recipient{Email: "jane.doe@example.com", Name: "Jane Doe", Country: "US", Region: "CA", Locale: locale, DataCategories: categories}
}

// MissingContentError reports that a notice cannot be rendered because
// content it must carry is empty. Fields are notice field names
// (what_we_are_doing, data_categories, ...) or configuration keys
// (company.contact_phone). A NoticeRenderer returns it so that a draft can
// be kept, marked incomplete, and the responder told what to add.
type MissingContentError struct {
	Locale string
	Fields []string
}

// Error lists the missing content.
func (e *MissingContentError) Error() string {
	return fmt.Sprintf("the notice (%s) is missing %s", e.Locale, strings.Join(e.Fields, ", "))
}

// MissingFix says how to fill a missing field: the draft flag, or the
// configuration key.
func MissingFix(field string) string {
	if _, ok := strings.CutPrefix(field, FieldCatalogContact+"."); ok {
		return "/breach playbook upgrade (a lead; the current catalog has it), then draft again"
	}
	if item, ok := strings.CutPrefix(field, FieldClash+"."); ok {
		return "--clash " + item + "=include|omit"
	}
	if fact, ok := strings.CutPrefix(field, FieldFact+"."); ok {
		if fact == "affected" {
			return "/breach facts affected=N (how many people were affected), then /breach notice draft again"
		}
		return "/breach facts " + fact + "=..., then /breach notice draft again"
	}
	if rest, ok := strings.CutPrefix(field, "company."); ok {
		return "company: {" + rest + ": ...} in breachbot.yaml"
	}
	if base, locale, ok := strings.Cut(field, "."); ok {
		// A text in another locale: --what-happened.de "...".
		fix := MissingFix(base)
		flag, rest, _ := strings.Cut(fix, " ")
		return flag + "." + locale + " " + rest
	}
	switch field {
	case FieldDataCategories:
		return "--data email,password_hash"
	case FieldBreachStart:
		return "--breach-start 2026-11-20"
	case FieldBreachEnd:
		return "--breach-end 2026-11-21"
	case FieldDiscoveredAt:
		return "--discovered 2026-11-27T09:00Z"
	case FieldLawEnforcementDelay:
		return "--law-enforcement-delay yes|no"
	case FieldLikelyConsequences:
		return `--consequences "..."`
	case FieldIdentityProtection:
		return `--identity-protection "..."`
	case FieldIdentityProtectionMonths:
		return "--identity-protection-months N"
	}
	return "--" + strings.ReplaceAll(field, "_", "-") + ` "..."`
}
