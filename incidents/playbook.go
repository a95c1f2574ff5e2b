package incidents

import (
	"fmt"
	"time"
)

// Playbook is a company's breach-response plan as the domain uses it: parsed,
// with its obligations resolved against the regulations catalog. An incident is
// pinned to the exact Playbook it started with (see PlaybookPin), so editing the
// YAML file never changes a running incident. Package playbooks builds these
// from YAML.
type Playbook struct {
	ID          string `json:"id"`
	Version     string `json:"version"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// SHA256 is the hex SHA-256 of the playbook file's bytes.
	SHA256 string `json:"sha256"`
	// Source says where the file came from, e.g. "embedded:personal-data-breach.yaml",
	// "/etc/breachbot/playbooks/x.yaml" or "github:acme/playbooks@v3:x.yaml".
	Source string `json:"source"`
	// Catalog identifies the regulations catalog the obligations were resolved against.
	Catalog CatalogRef `json:"catalog"`
	// Steps is the checklist in display order.
	Steps []StepDef `json:"steps"`
	// Obligations are the legal clocks this playbook can raise.
	Obligations []ObligationRule `json:"obligations"`
	// Reminders are the default reminders for every obligation with a due time.
	Reminders []ReminderSpec `json:"reminders"`
	// Facts is the vocabulary of facts responders can record.
	Facts []FactDef `json:"facts"`
	// Events are the named clock-start events responders can record.
	Events []EventDef `json:"events"`
	// Groups maps a jurisdiction group (e.g. "EU") to its members (e.g. "DE", "FR").
	Groups map[string][]string `json:"groups,omitempty"`
	// Contacts are the agency contact blocks the notice rules of the
	// obligations name, by id (from the catalog).
	Contacts map[string]Contact `json:"contacts,omitempty"`
	// Defaults are facts every incident of this playbook starts with (e.g. the
	// company is a public registrant).
	Defaults map[string]string `json:"defaults,omitempty"`
}

// CatalogRef identifies a regulations catalog version: the built-in catalog
// (or a company's catalog that replaces it), and the company's file that
// extends it, if any.
type CatalogRef struct {
	Version    string `json:"version"`
	SHA256     string `json:"sha256"`
	Disclaimer string `json:"disclaimer,omitempty"`
	// Extension is the company's regulations.yaml that adds to or overrides
	// rules of this catalog; nil if the catalog was used alone (and in pins
	// made before catalogs could be extended).
	Extension *CatalogFileRef `json:"extension,omitempty"`
}

// CatalogFileRef identifies a company's regulations file that extends the
// built-in catalog.
type CatalogFileRef struct {
	// Source is where the file was read, e.g. "/etc/breachbot/playbooks/regulations.yaml".
	Source string `json:"source"`
	// Version is the file's own version, if it gives one.
	Version string `json:"version,omitempty"`
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string `json:"sha256"`
}

// StepDef is one checklist step of a playbook.
type StepDef struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Owner is the role expected to do the step: "responders", "leads" or "legal".
	Owner string `json:"owner"`
	// Requires lists steps that must be done or waived before this one.
	Requires []string `json:"requires,omitempty"`
	// Gate is the state the incident cannot enter until this step is done or
	// waived; empty for no gate.
	Gate State `json:"gate,omitempty"`
	// ThirdParty marks steps that involve processors, vendors or partners.
	ThirdParty bool `json:"third_party,omitempty"`
	// Kind is "" for a step that is simply done, or StepKindDecision for a
	// notify / do-not-notify decision recorded per jurisdiction.
	Kind string `json:"kind,omitempty"`
}

// ObligationRule is one legal clock a playbook can raise: a regulation from the
// catalog plus the condition on facts under which it applies.
type ObligationRule struct {
	// ID is unique within the playbook; by default the regulation id.
	ID         string     `json:"id"`
	Regulation Regulation `json:"regulation"`
	// When is the effective applicability condition: the catalog's condition and
	// the playbook's, both of which must hold. The zero Condition always holds.
	When Condition `json:"when"`
	// Reminders overrides the playbook's default reminders when non-nil.
	Reminders []ReminderSpec `json:"reminders,omitempty"`
}

// Regulation is one row of the regulations catalog: who must be told, by
// when, under which law.
type Regulation struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Law names the law the rule comes from ("EU GDPR", "HIPAA"); YAML
	// key law: (the older spelling regime: is read too). Not to be
	// confused with a notice content rule (templates.Regime).
	Law          string `json:"regime"`
	Jurisdiction string `json:"jurisdiction"`
	// Notify says who is notified (e.g. "Lead supervisory authority").
	Notify   string `json:"notify"`
	Citation string `json:"citation"`
	Source   string `json:"source,omitempty"`
	Notes    string `json:"notes,omitempty"`
	// Status is "in_force", "uncertain" or "proposed"; the bot shows anything
	// but in_force beside the deadline.
	Status   string   `json:"status"`
	Deadline Deadline `json:"deadline"`
	// Backstop is an optional second clock; the obligation is due at the
	// earlier of the two (e.g. DORA: 4 h after classification, at most 24 h
	// after awareness).
	Backstop *Deadline `json:"backstop,omitempty"`
	// Content lists what the notice must contain, for templates and legal.
	Content []string `json:"content,omitempty"`
	// Notice is the structured form of Content for notices to people: what
	// each person's notice must and must not carry (nil: no rules modelled).
	Notice *NoticeRules `json:"notice,omitempty"`
	// Terms are the law's other conditions in words, for legal (nil: none
	// recorded).
	Terms *RegulationTerms `json:"terms,omitempty"`
}

// RegulationTerms are the parts of a law the conditions model only in
// part, in words: what counts as personal information, the encryption safe
// harbour, the risk-of-harm exception, when substitute notice is allowed,
// and the thresholds for telling agencies.
type RegulationTerms struct {
	PersonalInformation string `json:"personal_information,omitempty"`
	SafeHarbor          string `json:"safe_harbor,omitempty"`
	HarmException       string `json:"harm_exception,omitempty"`
	SubstituteNotice    string `json:"substitute_notice,omitempty"`
	Thresholds          string `json:"thresholds,omitempty"`
}

// Regulation statuses.
const (
	StatusInForce   = "in_force"
	StatusUncertain = "uncertain"
	StatusProposed  = "proposed"
)

// Time units of a Deadline.
const (
	// UnitNone means there is no fixed deadline ("without undue delay").
	UnitNone = ""
	// UnitHours counts elapsed hours; weekends, holidays and DST do not matter.
	UnitHours = "hours"
	// UnitCalendarDays counts calendar days in the deadline's time zone,
	// keeping the wall-clock time of the start.
	UnitCalendarDays = "calendar_days"
	// UnitBusinessDays counts the deadline calendar's business days (weekends
	// and its public holidays excluded), keeping the wall-clock time of the start.
	UnitBusinessDays = "business_days"
	// UnitMonths counts calendar months in the deadline's time zone.
	UnitMonths = "months"
)

// Deadline anchors.
const (
	// AnchorEndOfYear moves the clock start to the end of the calendar year in
	// which the start event happened (HIPAA: breaches of fewer than 500 people
	// are reported within 60 days of the end of the year of discovery).
	AnchorEndOfYear = "end_of_calendar_year"
)

// Deadline is a legal clock: it starts at a named event and runs for an
// amount of a unit.
type Deadline struct {
	// Start names the event that starts the clock: an EventDef name such as
	// "awareness", or "met:<obligation id>" for the time another obligation of
	// the same incident was met.
	Start string `json:"start"`
	// Amount of Unit; zero with UnitNone.
	Amount int    `json:"amount,omitempty"`
	Unit   string `json:"unit,omitempty"`
	// Calendar names the public-holiday calendar for business days ("US",
	// "BR", "GB", "DE", ...). Empty means weekends only.
	Calendar string `json:"calendar,omitempty"`
	// TimeZone is the IANA zone in which days, months and business days are
	// counted; empty means UTC.
	TimeZone string `json:"time_zone,omitempty"`
	// Anchor optionally moves the start (see AnchorEndOfYear).
	Anchor string `json:"anchor,omitempty"`
	// Text is the law's wording of the deadline, shown beside the due time
	// (e.g. "without undue delay and, where feasible, within 72 hours").
	Text string `json:"text,omitempty"`
}

// String describes the clock for people, e.g. "72 hours after awareness".
func (d Deadline) String() string {
	if d.Unit == UnitNone {
		if d.Text != "" {
			return d.Text
		}
		return "no fixed deadline"
	}
	unit := map[string]string{
		UnitHours:        "hours",
		UnitCalendarDays: "calendar days",
		UnitBusinessDays: "business days",
		UnitMonths:       "months",
	}[d.Unit]
	if d.Amount == 1 {
		unit = unit[:len(unit)-1]
	}
	start := d.Start
	if d.Anchor == AnchorEndOfYear {
		start = "the end of the calendar year of " + start
	}
	return fmt.Sprintf("%d %s after %s", d.Amount, unit, start)
}

// ReminderSpec says when to remind before a due time: either a fraction of the
// window elapsed (Fraction in (0,1), e.g. 0.5 for "50%") or a fixed time
// before the due time (Before, e.g. 24h).
type ReminderSpec struct {
	Fraction float64       `json:"fraction,omitempty"`
	Before   time.Duration `json:"before,omitempty"`
}

// String renders the spec as it is written in YAML: "50%" or "24h".
func (r ReminderSpec) String() string {
	if r.Fraction > 0 {
		return fmt.Sprintf("%g%%", r.Fraction*100)
	}
	return FormatDuration(r.Before)
}

// FactDef declares a fact responders can record.
type FactDef struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	// Values, for set facts, lists the allowed values; empty allows any.
	Values []string `json:"values,omitempty"`
	// Aliases are other names accepted on input (e.g. "data" for "data_categories").
	Aliases []string `json:"aliases,omitempty"`
	// Format, for set facts, is "jurisdiction" when values are ISO 3166 codes
	// (upper-cased and checked); other set values are lower-cased.
	Format string `json:"format,omitempty"`
}

// Fact types.
const (
	// FactSet is a set of words: jurisdictions=EU,US-CA
	FactSet = "set"
	// FactNumber is a whole number: affected=12000
	FactNumber = "number"
	// FactBool is yes or no: encrypted=no
	FactBool = "bool"
	// FactCounts maps keys to numbers: residents=US-CA:600,US-TX:20
	FactCounts = "counts"
	// FactText is free text, never used in conditions: vector=phishing
	FactText = "text"
)

// EventDef declares a named event that can start a legal clock.
type EventDef struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// EventAwareness is the event every incident has: the time the company became
// aware of the breach, given at declaration.
const EventAwareness = "awareness"
