package incidents

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

func (s *Service) stepDef(pb *Playbook, inc *Incident, stepID string) (*StepDef, *Step, error) {
	st, ok := inc.Step(stepID)
	if !ok {
		ids := make([]string, len(inc.Steps))
		for i, st := range inc.Steps {
			ids[i] = st.ID
		}
		e := Errorf(ENOTFOUND, "%s has no step %q", inc.ID, stepID)
		if dym := DidYouMean(stepID, ids, ""); dym != "" {
			return nil, nil, e.WithHint("%s /breach steps shows them", dym)
		}
		return nil, nil, e.WithHint("steps: %s; /breach steps shows them", strings.Join(ids, ", "))
	}
	if st.FromVersion != "" {
		return nil, nil, Errorf(ECONFLICT, "step %s was in v%s of the playbook, not the one %s runs now; it stays %s in the record", st.ID, st.FromVersion, inc.ID, st.Status).
			WithHint("/breach steps shows the current checklist")
	}
	for i := range pb.Steps {
		if pb.Steps[i].ID == st.ID {
			return &pb.Steps[i], st, nil
		}
	}
	return nil, nil, fmt.Errorf("step %s of %s is not in its pinned playbook", st.ID, inc.ID)
}

// CompleteStep marks a step done. Its prerequisites must be finished, and
// the actor must hold the step's owner role or be a lead.
func (s *Service) CompleteStep(ctx context.Context, actor, id, stepID, note string) (*Result, error) {
	return s.finishStep(ctx, actor, id, stepID, note, StepDone)
}

// WaiveStep marks a step waived with a reason; leads and legal only.
func (s *Service) WaiveStep(ctx context.Context, actor, id, stepID, reason string) (*Result, error) {
	return s.finishStep(ctx, actor, id, stepID, reason, StepWaived)
}

func (s *Service) finishStep(ctx context.Context, actor, id, stepID, note string, status StepStatus) (*Result, error) {
	action := ActStep
	if status == StepWaived {
		action = ActWaive
	}
	note, err := checkText("the reason", note, maxReason, status == StepWaived,
		fmt.Sprintf("/breach step waive %s not needed: no processors involved", stepID))
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.do(ctx, actor, action, id, func(t *txn, roles []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		def, st, err := s.stepDef(pb, inc, stepID)
		if err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		if st.Finished() {
			return Errorf(ECONFLICT, "step %s is already %s (by %s at %s)", st.ID, st.Status, st.By, st.At.UTC().Format(time.RFC3339))
		}
		if status == StepDone && def.Kind == StepKindDecision {
			return Errorf(EINVALID, "step %s is a decision: record notify or no-notify with the reason, per jurisdiction", st.ID).
				WithHint(`/breach decide %s notify|no-notify [--jurisdiction X] --reason "..."`, st.ID)
		}
		if status == StepDone && !slices.Contains(roles, def.Owner) && !slices.Contains(roles, RoleLeads) {
			return Errorf(EFORBIDDEN, "step %s belongs to %s; you are not one of them, nor a lead", st.ID, def.Owner).
				WithHint("ask someone in %s to complete it", def.Owner)
		}
		if status == StepDone {
			var open []string
			for _, r := range def.Requires {
				if req, ok := inc.Step(r); ok && !req.Finished() {
					open = append(open, r)
				}
			}
			if len(open) > 0 {
				return Errorf(ECONFLICT, "step %s needs %s done first", st.ID, strings.Join(open, ", ")).
					WithHint("/breach step done %s (or a lead waives it: /breach step waive %s REASON)", open[0], open[0])
			}
		}
		st.Status, st.At, st.By, st.Note = status, t.now, actor, note
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		details := map[string]string{"step": st.ID}
		if note != "" {
			details["note"] = note
		}
		return s.audit(t, actor, "step."+string(status), inc, details)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}
