package incidents

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Applicability results of an obligation's condition.
const (
	Applies       = "applies"
	NotApplicable = "not_applicable"
	NeedsFacts    = "needs_facts"
)

// ObligationStatus is what was done about an applicable obligation.
type ObligationStatus string

// Obligation statuses.
const (
	// ObligationOpen is not yet met; its clock may be running.
	ObligationOpen ObligationStatus = "open"
	// ObligationMet was met, with a reference (e.g. the regulator's case number).
	ObligationMet ObligationStatus = "met"
	// ObligationWaived was waived by a lead or legal, with a reason.
	ObligationWaived ObligationStatus = "waived"
	// ObligationMissed passed its due time unmet; it stays visible until met
	// late (with reasons for the delay) or waived.
	ObligationMissed ObligationStatus = "missed"
)

// Alarm kinds.
const (
	// AlarmRemind reminds before a due time.
	AlarmRemind = "remind"
	// AlarmEscalate fires at the due time: the obligation is missed.
	AlarmEscalate = "escalate"
)

// Obligation is one legal clock of an incident, from an ObligationRule of the
// pinned playbook.
type Obligation struct {
	ID string `json:"id"`
	// Applies is the result of the rule's condition on the current facts, with
	// the reasons (or the missing facts).
	Applies string   `json:"applies"`
	Why     []string `json:"why,omitempty"`
	Missing []string `json:"missing,omitempty"`

	Status ObligationStatus `json:"status"`
	// Start is when the clock started (zero: not started); Due is when it runs
	// out (zero: not started or no fixed deadline).
	Start time.Time `json:"start,omitzero"`
	Due   time.Time `json:"due,omitzero"`
	// Alarms are the pending reminders and escalation in the schedule.
	Alarms []Alarm `json:"alarms,omitempty"`

	MetAt       time.Time `json:"met_at,omitzero"`
	MetBy       string    `json:"met_by,omitempty"`
	Reference   string    `json:"reference,omitempty"`
	DelayReason string    `json:"delay_reason,omitempty"`
	// Draft and DraftHash name the approved regulator draft (its number and
	// content sha256) that was submitted when the obligation was met, if any.
	Draft       int       `json:"draft,omitempty"`
	DraftHash   string    `json:"draft_hash,omitempty"`
	WaivedAt    time.Time `json:"waived_at,omitzero"`
	WaivedBy    string    `json:"waived_by,omitempty"`
	WaiveReason string    `json:"waive_reason,omitempty"`
	// MissedAt is the due time that passed unmet.
	MissedAt time.Time `json:"missed_at,omitzero"`
}

// Alarm is an entry of the durable schedule: a reminder or escalation of one
// obligation of one incident, due At.
type Alarm struct {
	At         time.Time `json:"at"`
	Incident   string    `json:"incident"`
	Obligation string    `json:"obligation"`
	Kind       string    `json:"kind"`
	// Label says which reminder: "50%", "24h", or "due" for the escalation.
	Label string `json:"label"`
}

// Same reports whether a and b are the same schedule entry.
func (a Alarm) Same(b Alarm) bool {
	return a.At.Equal(b.At) && a.Incident == b.Incident && a.Obligation == b.Obligation && a.Kind == b.Kind && a.Label == b.Label
}

// Resolved reports whether nothing more needs doing about the obligation for
// the incident to close: it is met, waived, or does not apply.
func (o *Obligation) Resolved() bool {
	return o.Status == ObligationMet || o.Status == ObligationWaived || o.Applies == NotApplicable
}

// Phase is how an obligation is shown: one of the Phase* constants.
type Phase string

// Display phases of an obligation, in board order.
const (
	PhaseMissed     Phase = "missed"
	PhaseRunning    Phase = "running"
	PhaseNoDeadline Phase = "no_deadline"
	PhaseNotStarted Phase = "not_started"
	PhaseNeedsFacts Phase = "needs_facts"
	PhaseMet        Phase = "met"
	PhaseWaived     Phase = "waived"
	PhaseNotApplies Phase = "not_applicable"
)

// Phases lists every phase, most urgent first.
var Phases = []Phase{PhaseMissed, PhaseRunning, PhaseNoDeadline, PhaseNotStarted,
	PhaseNeedsFacts, PhaseMet, PhaseWaived, PhaseNotApplies}

// Phase returns how the obligation is shown on a deadlines board.
func (o *Obligation) Phase() Phase {
	switch {
	case o.Status == ObligationMet:
		return PhaseMet
	case o.Status == ObligationWaived:
		return PhaseWaived
	case o.Applies == NotApplicable:
		return PhaseNotApplies
	case o.Applies == NeedsFacts:
		return PhaseNeedsFacts
	case o.Status == ObligationMissed:
		return PhaseMissed
	case o.Start.IsZero():
		return PhaseNotStarted
	case o.Due.IsZero():
		return PhaseNoDeadline
	}
	return PhaseRunning
}

// Late reports how late the obligation was met (zero if on time or no due).
func (o *Obligation) Late() time.Duration {
	if o.Status != ObligationMet || o.Due.IsZero() || !o.MetAt.After(o.Due) {
		return 0
	}
	return o.MetAt.Sub(o.Due)
}

// ObligationChange reports how recomputation changed one obligation: its
// applicability, its due time, or both.
type ObligationChange struct {
	ID string
	// From and To are applicability results ("" when new).
	From, To string
	Why      []string
	Missing  []string
	// DueFrom and DueTo are the due times before and after.
	DueFrom, DueTo time.Time
	// Reopened is set when a missed obligation's due time moved into the future.
	Reopened bool
}

// recomputation is what Recompute decided: changes to show and the schedule
// entries to remove and add.
type recomputation struct {
	Changes    []ObligationChange
	Unschedule []Alarm
	Schedule   []Alarm
}

// recompute re-evaluates every obligation of inc against its facts and events
// at time now, updating applicability, clock start, due time and alarms in
// place. Obligations are evaluated in playbook order, so that an obligation
// whose clock starts when another is met sees that one's state.
func recompute(inc *Incident, pb *Playbook, now time.Time) (recomputation, error) {
	var r recomputation
	// Keep one Obligation per rule, in playbook order.
	byID := make(map[string]Obligation, len(inc.Obligations))
	for _, o := range inc.Obligations {
		byID[o.ID] = o
	}
	obs := make([]Obligation, 0, len(pb.Obligations))
	for _, rule := range pb.Obligations {
		o, ok := byID[rule.ID]
		if !ok {
			o = Obligation{ID: rule.ID, Status: ObligationOpen}
		}
		obs = append(obs, o)
	}
	inc.Obligations = obs

	for i, rule := range pb.Obligations {
		o := &inc.Obligations[i]
		v := rule.When.Eval(inc.Facts, pb.Groups)
		result := map[Truth]string{True: Applies, False: NotApplicable, Unknown: NeedsFacts}[v.Truth]
		start, due, err := clockOf(rule.Regulation, inc)
		if err != nil {
			return r, fmt.Errorf("obligation %s: %w", rule.ID, err)
		}
		ch := ObligationChange{ID: o.ID, From: o.Applies, To: result, Why: v.Why, Missing: v.Missing, DueFrom: o.Due, DueTo: due}
		changed := o.Applies != result || !o.Due.Equal(due)
		o.Applies, o.Why, o.Missing = result, v.Why, v.Missing
		o.Start, o.Due = start, due
		if o.Status == ObligationMissed && result == Applies && due.After(now) {
			o.Status, o.MissedAt = ObligationOpen, time.Time{}
			ch.Reopened, changed = true, true
		}
		var want []Alarm
		if o.Status == ObligationOpen && result == Applies && !due.IsZero() {
			want = alarmsFor(inc.ID, o, rule, pb, now)
		}
		for _, a := range o.Alarms {
			if !slices.ContainsFunc(want, a.Same) {
				r.Unschedule = append(r.Unschedule, a)
			}
		}
		for _, a := range want {
			if !slices.ContainsFunc(o.Alarms, a.Same) {
				r.Schedule = append(r.Schedule, a)
			}
		}
		o.Alarms = want
		if changed {
			r.Changes = append(r.Changes, ch)
		}
	}
	return r, nil
}

// clockOf returns when the regulation's clock started for inc and when it is
// due: the earlier of the deadline and its backstop. Zero start means not
// started; zero due with a start means no fixed deadline.
func clockOf(reg Regulation, inc *Incident) (start, due time.Time, err error) {
	clocks := []Deadline{reg.Deadline}
	if reg.Backstop != nil {
		clocks = append(clocks, *reg.Backstop)
	}
	for _, d := range clocks {
		s, ok := startOf(d.Start, inc)
		if !ok {
			continue
		}
		dd, err := d.Due(s)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		if inc.Drill && inc.Speed > 1 && !dd.IsZero() {
			dd = s.Add(dd.Sub(s) / time.Duration(inc.Speed))
		}
		if start.IsZero() || s.Before(start) {
			start = s
		}
		if !dd.IsZero() && (due.IsZero() || dd.Before(due)) {
			due = dd
		}
	}
	if !due.IsZero() {
		due = due.UTC()
	}
	return start, due, nil
}

// startOf returns the time of a clock-start event: a recorded event, or for
// "met:ID" the time obligation ID was met.
func startOf(event string, inc *Incident) (time.Time, bool) {
	if id, ok := strings.CutPrefix(event, "met:"); ok {
		if o, ok := inc.Obligation(id); ok && o.Status == ObligationMet {
			return o.MetAt, true
		}
		return time.Time{}, false
	}
	e, ok := inc.Events[event]
	return e.At, ok
}

// alarmsFor returns the schedule entries an open obligation with a due time
// should have at time now: each reminder that is still ahead and inside the
// window, and the escalation at the due time (at once if already passed).
func alarmsFor(incID string, o *Obligation, rule ObligationRule, pb *Playbook, now time.Time) []Alarm {
	specs := rule.Reminders
	if specs == nil {
		specs = pb.Reminders
	}
	var out []Alarm
	window := o.Due.Sub(o.Start)
	for _, s := range specs {
		var at time.Time
		if s.Fraction > 0 {
			at = o.Start.Add(time.Duration(float64(window) * s.Fraction))
		} else {
			at = o.Due.Add(-s.Before)
		}
		at = at.UTC().Truncate(time.Second)
		if !at.After(now) || !at.After(o.Start) || !at.Before(o.Due) {
			continue
		}
		a := Alarm{At: at, Incident: incID, Obligation: o.ID, Kind: AlarmRemind, Label: s.String()}
		if slices.ContainsFunc(out, func(b Alarm) bool { return b.At.Equal(at) }) {
			continue
		}
		out = append(out, a)
	}
	esc := o.Due
	if esc.Before(now) {
		esc = now
	}
	out = append(out, Alarm{At: esc.UTC(), Incident: incID, Obligation: o.ID, Kind: AlarmEscalate, Label: "due"})
	slices.SortFunc(out, func(a, b Alarm) int { return a.At.Compare(b.At) })
	return out
}

// DueZone returns the IANA time zone in which a regulation's deadline is
// counted, for showing its due time as the law's local time: the deadline's
// zone, else its backstop's; "" means UTC.
func (r Regulation) DueZone() string {
	if r.Deadline.TimeZone != "" || r.Backstop == nil {
		return r.Deadline.TimeZone
	}
	return r.Backstop.TimeZone
}

// Immediate reports whether the law asks for the notification at once
// ("immediately", "without delay"), as opposed to "without undue delay" or
// "as soon as practicable": such an obligation is urgent even without a
// fixed due time.
func (r Regulation) Immediate() bool {
	text := strings.ToLower(r.Deadline.Text)
	return strings.Contains(text, "immediately") ||
		strings.Contains(strings.ReplaceAll(text, "without undue delay", ""), "without delay")
}
