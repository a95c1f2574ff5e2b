package incidents

import (
	"context"
	"fmt"
	"strings"
)

// Move moves an incident forward to a later state. The playbook's gates up
// to that state must be finished; closing also needs every obligation met,
// waived or not applicable.
func (s *Service) Move(ctx context.Context, actor, id string, to State) (*Result, error) {
	action := ActMove
	if to == StateClosed {
		action = ActClose
	}
	var res Result
	err := s.do(ctx, actor, action, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		if err := CanMove(inc, pb, to); err != nil {
			return err
		}
		inc.Transitions = append(inc.Transitions, Transition{From: inc.State, To: to, At: t.now, By: actor})
		from := inc.State
		inc.State = to
		if to == StateClosed {
			inc.ClosedAt = t.now
			for i := range inc.Obligations {
				if err := t.clearAlarms(&inc.Obligations[i]); err != nil {
					return err
				}
			}
			inc.Rev++
			if err := t.PutIncident(inc); err != nil {
				return err
			}
		} else if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		// Trackers (a GitHub issue) follow the lifecycle from this; chat
		// adapters show the board instead.
		err = t.enqueue(Notification{ID: fmt.Sprintf("moved:%s:%s", inc.ID, to), Kind: NotifyMoved, Audience: AudienceIncident,
			Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Actor: actor, Status: string(to),
			Text: fmt.Sprintf("%s moved from %s to %s", inc.ID, from, to)})
		if err != nil {
			return err
		}
		return s.audit(t, actor, "incident.moved", inc, map[string]string{"from": string(from), "to": string(to)})
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// CanMove reports whether inc, run under playbook pb, may move to the state
// to: incidents only move forward, every step gating a state up to to must
// be finished, and closing also needs every obligation met, waived or not
// applicable. It returns nil when the move is allowed, and otherwise an
// ECONFLICT error that says what blocks it and what to type. It reads
// nothing but its arguments and changes nothing.
func CanMove(inc *Incident, pb *Playbook, to State) error {
	if to.Index() <= inc.State.Index() {
		return Errorf(ECONFLICT, "%s is already %s; incidents only move forward (%s)", inc.ID, inc.State, lifecycle()).
			WithTry("move %s", nextState(inc.State))
	}
	var blocking []string
	for _, def := range pb.Steps {
		if def.Gate == "" || def.Gate.Index() > to.Index() {
			continue
		}
		if st, ok := inc.Step(def.ID); ok && !st.Finished() {
			blocking = append(blocking, fmt.Sprintf("%s (gates %s)", def.ID, def.Gate))
		}
	}
	if len(blocking) > 0 {
		return Errorf(ECONFLICT, "%s cannot move to %s: the playbook needs these steps done or waived first: %s",
			inc.ID, to, strings.Join(blocking, ", ")).
			WithHint("/breach step done STEP, or a lead: /breach step waive STEP REASON")
	}
	if to == StateClosed {
		var open []string
		for i := range inc.Obligations {
			o := &inc.Obligations[i]
			if !o.Resolved() {
				open = append(open, fmt.Sprintf("%s (%s)", o.ID, strings.ReplaceAll(string(o.Phase()), "_", " ")))
			}
		}
		if len(open) > 0 {
			return Errorf(ECONFLICT, "%s cannot close: %d obligation(s) are not met or waived: %s", inc.ID, len(open), strings.Join(open, ", ")).
				WithHint("/breach met OBLIGATION --ref REFERENCE, /breach waive OBLIGATION REASON, or record the missing facts")
		}
	}
	return nil
}

func lifecycle() string {
	names := make([]string, len(States))
	for i, s := range States {
		names[i] = string(s)
	}
	return strings.Join(names, " -> ")
}

func nextState(s State) State {
	if i := s.Index(); i >= 0 && i+1 < len(States) {
		return States[i+1]
	}
	return s
}
