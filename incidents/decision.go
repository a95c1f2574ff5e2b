package incidents

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// StepKindDecision marks a playbook step that is a notify / do-not-notify
// decision: it is recorded with Service.Decide, per jurisdiction, and is done
// once every jurisdiction of the incident has one.
const StepKindDecision = "decision"

// StepKinds lists the kinds a playbook step may have ("" is a plain step).
var StepKinds = []string{StepKindDecision}

// Decision is one notify / do-not-notify decision of a decision step.
type Decision struct {
	// Jurisdiction is the jurisdiction decided for (e.g. "DE"); empty means
	// the decision covers every jurisdiction of the incident.
	Jurisdiction string `json:"jurisdiction,omitempty"`
	// Notify is true for "notify", false for "do not notify".
	Notify bool `json:"notify"`
	// Reason is why: risk of harm, encryption, a safe harbour.
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Outcome names the decision as it is typed: "notify" or "no-notify".
func (d Decision) Outcome() string {
	if d.Notify {
		return "notify"
	}
	return "no-notify"
}

// Scope names what the decision covers: its jurisdiction, or "all jurisdictions".
func (d Decision) Scope() string {
	if d.Jurisdiction == "" {
		return "all jurisdictions"
	}
	return d.Jurisdiction
}

// CurrentDecisions returns the decisions that hold: the latest for each
// jurisdiction (and the latest covering all), the one for all first, then
// by jurisdiction.
func (s Step) CurrentDecisions() []Decision {
	latest := map[string]Decision{}
	for _, d := range s.Decisions {
		latest[d.Jurisdiction] = d
	}
	out := make([]Decision, 0, len(latest))
	for _, j := range slices.Sorted(maps.Keys(latest)) {
		out = append(out, latest[j])
	}
	return out
}

// Undecided returns the incident's jurisdictions that a decision step has
// no decision for, and whether the jurisdictions are known at all. A
// decision covering all jurisdictions leaves none undecided, known or not.
func (inc *Incident) Undecided(st Step) (missing []string, known bool) {
	latest := map[string]bool{}
	for _, d := range st.Decisions {
		latest[d.Jurisdiction] = true
	}
	f, known := inc.Facts[factJurisdictions]
	if latest[""] {
		return nil, true
	}
	if !known {
		return nil, false
	}
	for _, j := range f.Set {
		if !latest[j] {
			missing = append(missing, j)
		}
	}
	return missing, true
}

// factJurisdictions is the fact decision steps decide per value of.
const factJurisdictions = "jurisdictions"

// DecideInput is one decision to record on a decision step.
type DecideInput struct {
	Step string
	// Notify is true for notify, false for do not notify.
	Notify bool
	// Jurisdiction is one of the incident's jurisdictions; empty decides
	// for all of them.
	Jurisdiction string
	// Reason is required: risk of harm, encryption, safe harbour.
	Reason string
}

// Decide records a notify / do-not-notify decision on a decision step, for
// one jurisdiction of the incident or for all. The actor must hold the
// step's owner role, or be a lead or legal. The latest decision for a
// jurisdiction holds; earlier ones stay in the record. The step is done when
// every jurisdiction of the incident has a decision, or one covers all.
// Errors: EINVALID (no reason, not a decision step, unknown jurisdiction),
// EFORBIDDEN, ENOTFOUND, ECONFLICT (closed incident, waived step).
func (s *Service) Decide(ctx context.Context, actor, id string, in DecideInput) (*Result, error) {
	outcome := "no-notify"
	if in.Notify {
		outcome = "notify"
	}
	reason, err := checkText("the reason", in.Reason, maxReason, true,
		fmt.Sprintf(`/breach decide %s %s --reason "low risk: the laptop was encrypted and the key was not with it"`, in.Step, outcome))
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.do(ctx, actor, ActStep, id, func(t *txn, roles []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		def, st, err := s.stepDef(pb, inc, in.Step)
		if err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		if def.Kind != StepKindDecision {
			return Errorf(EINVALID, "step %s is not a decision step; nothing was recorded", st.ID).
				WithHint("/breach step done %s marks it done; /breach steps shows the decision steps", st.ID)
		}
		if !slices.Contains(roles, def.Owner) && !slices.Contains(roles, RoleLeads) && !slices.Contains(roles, RoleLegal) {
			return Errorf(EFORBIDDEN, "step %s belongs to %s; you are not one of them, nor a lead or legal", st.ID, def.Owner).
				WithHint("ask someone in %s, leads or legal to decide", def.Owner)
		}
		if st.Status == StepWaived {
			return Errorf(ECONFLICT, "step %s was waived (by %s at %s); no decision can be recorded on it", st.ID, st.By, st.At.UTC().Format(time.RFC3339))
		}
		var open []string
		for _, r := range def.Requires {
			if req, ok := inc.Step(r); ok && !req.Finished() {
				open = append(open, r)
			}
		}
		if len(open) > 0 {
			return Errorf(ECONFLICT, "step %s needs %s done first; nothing was recorded", st.ID, strings.Join(open, ", ")).
				WithHint("/breach step done %s (or a lead waives it: /breach step waive %s REASON)", open[0], open[0])
		}
		j, err := decisionJurisdiction(inc, st.ID, outcome, in.Jurisdiction)
		if err != nil {
			return err
		}
		st.Decisions = append(st.Decisions, Decision{Jurisdiction: j, Notify: in.Notify, Reason: reason, By: actor, At: t.now})
		details := map[string]string{"step": st.ID, "decision": outcome, "jurisdiction": j, "reason": reason}
		if j == "" {
			details["jurisdiction"] = "all"
		}
		if missing, known := inc.Undecided(*st); st.Status == StepOpen && known && len(missing) == 0 {
			st.Status, st.At, st.By = StepDone, t.now, actor
			details["step_done"] = "yes"
		}
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		return s.audit(t, actor, "step.decision", inc, details)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// decisionJurisdiction checks a decision's jurisdiction against the
// incident's jurisdictions fact and returns it as recorded there.
func decisionJurisdiction(inc *Incident, step, outcome, j string) (string, error) {
	j = strings.TrimSpace(j)
	if j == "" || strings.EqualFold(j, "all") {
		return "", nil
	}
	f, known := inc.Facts[factJurisdictions]
	if !known || len(f.Set) == 0 {
		return "", Errorf(EINVALID, "the incident's jurisdictions are not recorded yet, so %q cannot be checked; nothing was recorded", j).
			WithHint("record them first (/breach facts jurisdictions=DE,US-CA), or decide for all: /breach decide %s %s --reason \"...\"", step, outcome)
	}
	for _, have := range f.Set {
		if strings.EqualFold(have, j) {
			return have, nil
		}
	}
	return "", Errorf(EINVALID, "%q is not one of the incident's jurisdictions (%s); nothing was recorded", j, strings.Join(f.Set, ", ")).
		WithHint("/breach decide %s %s --jurisdiction %s --reason \"...\", or add it: /breach facts jurisdictions+=%s", step, outcome, f.Set[0], strings.ToUpper(j))
}
