// Package incidents is the domain of breachbot: incidents of a personal-data
// breach, the playbook steps responders follow, the facts they record, the
// legal obligations (deadlines) those facts raise, the audit log, and the
// Service that carries out every use case in one transaction. It imports no
// other package of breachbot; adapters (the bbolt store, Slack, email, the
// console) import it.
//
// # Words
//
// One meaning each, in code and in what people read:
//   - Notification: a message to the company's own people in chat (the
//     durable outbox delivers it; Notifier, Dispatcher).
//   - Notice: the letter to the affected people (Notice, NoticeSender,
//     Mailer), drafted, approved by legal and sent.
//   - Regulation: one row of the regulations catalog, a legal rule that
//     becomes an Obligation (a deadline) when it applies; its Law names
//     the law it comes from ("EU GDPR").
//   - Regime (package templates only): a set of content rules a notice
//     must meet, such as California's headings or GDPR Art. 34(2).
package incidents

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Incident is one breach being handled.
type Incident struct {
	// ID is INC-YYYY-NNNN, numbered per year of declaration.
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	State    State    `json:"state"`
	// Drill marks a practice run: its notices never go to customers.
	Drill bool `json:"drill,omitempty"`
	// Speed accelerates a drill's legal clocks: with 60, a 72-hour deadline
	// runs out after 72 minutes. Zero or one means real time.
	Speed int `json:"speed,omitempty"`
	// Playbook pins the exact playbook content the incident runs: the one
	// it started with, or the one a lead upgraded it to (see PinHistory).
	Playbook PlaybookPin `json:"playbook"`
	// PinHistory lists the upgrades of the incident's playbook, oldest
	// first; empty if it still runs the playbook it started with.
	PinHistory []PinChange `json:"pin_history,omitempty"`
	DeclaredAt time.Time   `json:"declared_at"`
	DeclaredBy string      `json:"declared_by"`
	// Lead is the user who leads the response (see LeadUser); empty means
	// the declarer.
	Lead string `json:"lead,omitempty"`
	// Events are the clock-start events recorded so far, by name; awareness
	// is always present.
	Events      map[string]EventRecord `json:"events"`
	Facts       Facts                  `json:"facts"`
	Steps       []Step                 `json:"steps"`
	Obligations []Obligation           `json:"obligations"`
	Transitions []Transition           `json:"transitions,omitempty"`
	// Channel is the chat channel of the incident (a Slack channel id), if any.
	Channel  string    `json:"channel,omitempty"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
	// Recipients is the current list of affected people for notices, if
	// one was imported (counts and hash only; the people are in the store).
	Recipients *RecipientSetRef `json:"recipients,omitempty"`
	// RegulatorDrafts are the drafts of notifications to regulators, in the
	// order they were made (see RegulatorDraft).
	RegulatorDrafts []RegulatorDraft `json:"regulator_drafts,omitempty"`
	// Rev counts the changes made to the incident.
	Rev int64 `json:"rev"`
}

// PlaybookPin identifies the exact playbook content an incident runs.
type PlaybookPin struct {
	// Key is the content address under which the resolved playbook is stored.
	Key            string `json:"key"`
	ID             string `json:"id"`
	Version        string `json:"version"`
	Title          string `json:"title"`
	SHA256         string `json:"sha256"`
	Source         string `json:"source"`
	CatalogVersion string `json:"catalog_version"`
	CatalogSHA256  string `json:"catalog_sha256"`
	// CatalogExtensionSHA256 is the hash of the company's regulations.yaml
	// that extended the catalog, if one did.
	CatalogExtensionSHA256 string `json:"catalog_extension_sha256,omitempty"`
}

// PinKey is the content address of a resolved playbook: its file's hash, the
// catalog's and that of the company's file extending the catalog (if any),
// so that a change to any of them gives a new pin.
func PinKey(p *Playbook) string {
	key := p.SHA256 + "+" + p.Catalog.SHA256
	if ext := p.Catalog.Extension; ext != nil {
		key += "+" + ext.SHA256
	}
	return key
}

// EventRecord is a recorded clock-start event.
type EventRecord struct {
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
	By         string    `json:"by"`
}

// StepStatus is the state of a checklist step.
type StepStatus string

// Step statuses.
const (
	StepOpen   StepStatus = "open"
	StepDone   StepStatus = "done"
	StepWaived StepStatus = "waived"
)

// Step is the progress of one playbook step.
type Step struct {
	ID     string     `json:"id"`
	Status StepStatus `json:"status"`
	At     time.Time  `json:"at,omitzero"`
	By     string     `json:"by,omitempty"`
	// Note is the reason for a waiver, or an optional note on completion.
	Note string `json:"note,omitempty"`
	// Decisions are, for a decision step, every decision recorded, oldest
	// first; the latest for a jurisdiction is the one that holds.
	Decisions []Decision `json:"decisions,omitempty"`
	// FromVersion is set on a finished step that the playbook dropped when
	// the incident was upgraded: the version the step came from. The step
	// stays in the record but is no longer part of the checklist.
	FromVersion string `json:"from_version,omitempty"`
}

// Finished reports whether the step is done or waived.
func (s Step) Finished() bool { return s.Status == StepDone || s.Status == StepWaived }

// Transition records a state move.
type Transition struct {
	From State     `json:"from"`
	To   State     `json:"to"`
	At   time.Time `json:"at"`
	By   string    `json:"by"`
}

// Severity ranks an incident.
type Severity string

// Severities, most severe first.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
)

// ParseSeverity accepts critical/high/medium/low and sev1..sev4.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "sev1", "sev-1", "s1", "p1":
		return SeverityCritical, nil
	case "high", "sev2", "sev-2", "s2", "p2":
		return SeverityHigh, nil
	case "medium", "sev3", "sev-3", "s3", "p3":
		return SeverityMedium, nil
	case "low", "sev4", "sev-4", "s4", "p4":
		return SeverityLow, nil
	}
	return "", Errorf(EINVALID, "%q is not a severity", s).WithHint("use critical, high, medium or low (or sev1..sev4)")
}

var incidentIDRE = regexp.MustCompile(`^INC-\d{4}-\d{4,}$`)

// ParseIncidentID normalises an incident id typed by a person ("inc-2026-0001",
// "INC-2026-1") and checks its form.
func ParseIncidentID(s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	var year, n int
	if _, err := fmt.Sscanf(u, "INC-%d-%d", &year, &n); err == nil && year > 999 && year < 10000 && n > 0 {
		id := FormatIncidentID(year, n)
		if incidentIDRE.MatchString(id) {
			return id, nil
		}
	}
	return "", Errorf(EINVALID, "%q is not an incident id", s).WithHint("incident ids look like INC-2026-0001; /breach status lists open incidents")
}

// FormatIncidentID returns the id of the n-th incident of a year.
func FormatIncidentID(year, n int) string { return fmt.Sprintf("INC-%04d-%04d", year, n) }

// Validate checks the invariants of a stored incident.
func (inc *Incident) Validate() error {
	switch {
	case !incidentIDRE.MatchString(inc.ID):
		return Errorf(EINVALID, "incident id %q is malformed", inc.ID)
	case strings.TrimSpace(inc.Title) == "":
		return Errorf(EINVALID, "incident %s has no title", inc.ID).WithHint("give a short title: /breach declare Customer DB exposed")
	case len(inc.Title) > 200:
		return Errorf(EINVALID, "the title is %d characters long; keep it under 200", len(inc.Title))
	case !inc.State.Valid():
		return Errorf(EINVALID, "incident %s has unknown state %q", inc.ID, inc.State)
	case inc.Playbook.Key == "":
		return Errorf(EINVALID, "incident %s is not pinned to a playbook", inc.ID)
	case inc.Events[EventAwareness].At.IsZero():
		return Errorf(EINVALID, "incident %s has no awareness time", inc.ID)
	}
	return nil
}

// Step returns the progress of the step with the given id.
func (inc *Incident) Step(id string) (*Step, bool) {
	for i := range inc.Steps {
		if strings.EqualFold(inc.Steps[i].ID, id) {
			return &inc.Steps[i], true
		}
	}
	return nil, false
}

// Obligation returns the obligation with the given id.
func (inc *Incident) Obligation(id string) (*Obligation, bool) {
	for i := range inc.Obligations {
		if strings.EqualFold(inc.Obligations[i].ID, id) {
			return &inc.Obligations[i], true
		}
	}
	return nil, false
}

// AwareAt returns when the company became aware of the breach.
func (inc *Incident) AwareAt() time.Time { return inc.Events[EventAwareness].At }
