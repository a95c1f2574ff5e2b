package incidents_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/google/go-cmp/cmp"
)

// TestCanMove pins the lifecycle rules on plain values: no store, no clock.
func TestCanMove(t *testing.T) {
	t.Parallel()
	pb := &incidents.Playbook{Steps: []incidents.StepDef{
		{ID: "contain", Gate: incidents.StateContained},
		{ID: "notify-dpa", Gate: incidents.StateClosed},
		{ID: "lessons"}, // no gate: never blocks a move
	}}
	due := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	incident := func(state incidents.State, steps map[string]incidents.StepStatus, obls ...incidents.Obligation) *incidents.Incident {
		inc := &incidents.Incident{ID: "INC-7", State: state, Obligations: obls}
		for _, id := range []string{"contain", "notify-dpa", "lessons"} {
			inc.Steps = append(inc.Steps, incidents.Step{ID: id, Status: steps[id]})
		}
		return inc
	}
	open := map[string]incidents.StepStatus{"contain": incidents.StepOpen, "notify-dpa": incidents.StepOpen, "lessons": incidents.StepOpen}
	allDone := map[string]incidents.StepStatus{"contain": incidents.StepDone, "notify-dpa": incidents.StepWaived, "lessons": incidents.StepOpen}
	running := incidents.Obligation{ID: "gdpr-dpa-72h", Applies: incidents.Applies, Status: incidents.ObligationOpen, Start: due.Add(-72 * time.Hour), Due: due}
	met := incidents.Obligation{ID: "gdpr-dpa-72h", Applies: incidents.Applies, Status: incidents.ObligationMet, Start: due.Add(-72 * time.Hour), Due: due, MetAt: due}
	waived := incidents.Obligation{ID: "ccpa-notice", Applies: incidents.Applies, Status: incidents.ObligationWaived}
	notApplicable := incidents.Obligation{ID: "hipaa-60d", Applies: incidents.NotApplicable, Status: incidents.ObligationOpen}
	needsFacts := incidents.Obligation{ID: "nis2-24h", Applies: incidents.NeedsFacts, Status: incidents.ObligationOpen}

	tests := []struct {
		name    string
		inc     *incidents.Incident
		to      incidents.State
		wantErr string // "" when the move is allowed
		hint    string
	}{
		{name: "next state, no gate on the way", inc: incident(incidents.StateDeclared, open), to: incidents.StateInvestigating},
		{name: "skipping states is allowed when no gate blocks", inc: incident(incidents.StateDeclared, allDone), to: incidents.StateNotifying},
		{
			name: "backwards is refused", inc: incident(incidents.StateContained, open), to: incidents.StateInvestigating,
			wantErr: "INC-7 is already contained; incidents only move forward (declared -> investigating -> contained -> notifying -> closed)",
			hint:    "/breach move notifying",
		},
		{
			name: "same state is refused", inc: incident(incidents.StateNotifying, allDone), to: incidents.StateNotifying,
			wantErr: "INC-7 is already notifying; incidents only move forward (declared -> investigating -> contained -> notifying -> closed)",
			hint:    "/breach move closed",
		},
		{
			name: "closed stays closed", inc: incident(incidents.StateClosed, allDone), to: incidents.StateClosed,
			wantErr: "INC-7 is already closed; incidents only move forward (declared -> investigating -> contained -> notifying -> closed)",
			hint:    "/breach move closed",
		},
		{
			name: "an open gate step blocks its state", inc: incident(incidents.StateInvestigating, open), to: incidents.StateContained,
			wantErr: "INC-7 cannot move to contained: the playbook needs these steps done or waived first: contain (gates contained)",
			hint:    "/breach step done STEP, or a lead: /breach step waive STEP REASON",
		},
		{
			name: "gates of earlier states block a jump past them", inc: incident(incidents.StateDeclared, open), to: incidents.StateClosed,
			wantErr: "INC-7 cannot move to closed: the playbook needs these steps done or waived first: contain (gates contained), notify-dpa (gates closed)",
			hint:    "/breach step done STEP, or a lead: /breach step waive STEP REASON",
		},
		{name: "a gate of a later state does not block", inc: incident(incidents.StateContained, map[string]incidents.StepStatus{"contain": incidents.StepDone}), to: incidents.StateNotifying},
		{
			name: "closing needs every obligation resolved", inc: incident(incidents.StateNotifying, allDone, running, needsFacts, met, waived, notApplicable), to: incidents.StateClosed,
			wantErr: "INC-7 cannot close: 2 obligation(s) are not met or waived: gdpr-dpa-72h (running), nis2-24h (needs facts)",
			hint:    "/breach met OBLIGATION --ref REFERENCE, /breach waive OBLIGATION REASON, or record the missing facts",
		},
		{name: "closing with obligations met, waived or not applicable", inc: incident(incidents.StateNotifying, allDone, met, waived, notApplicable), to: incidents.StateClosed},
		{name: "open obligations do not block other moves", inc: incident(incidents.StateContained, allDone, running), to: incidents.StateNotifying},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := cloneIncident(tc.inc)
			err := incidents.CanMove(tc.inc, pb, tc.to)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("CanMove(%s -> %s) = %v, want the move allowed", tc.inc.State, tc.to, err)
				}
			} else {
				var e *incidents.Error
				if !errors.As(err, &e) {
					t.Fatalf("CanMove(%s -> %s) = %v, want an *incidents.Error", tc.inc.State, tc.to, err)
				}
				if e.Code != incidents.ECONFLICT {
					t.Errorf("code = %s, want %s", e.Code, incidents.ECONFLICT)
				}
				if diff := cmp.Diff(tc.wantErr, e.Message); diff != "" {
					t.Errorf("message (-want +got):\n%s", diff)
				}
				hint := e.Hint // as the grammar shows it: the command to run, then the rest
				if e.Try != "" {
					hint = strings.TrimSpace("/breach " + e.Try + " " + e.Hint)
				}
				if diff := cmp.Diff(tc.hint, hint); diff != "" {
					t.Errorf("hint (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(before, tc.inc); diff != "" {
				t.Errorf("CanMove changed the incident (-before +after):\n%s", diff)
			}
		})
	}
}

func cloneIncident(inc *incidents.Incident) *incidents.Incident {
	c := *inc
	c.Steps = append([]incidents.Step(nil), inc.Steps...)
	c.Obligations = append([]incidents.Obligation(nil), inc.Obligations...)
	return &c
}
