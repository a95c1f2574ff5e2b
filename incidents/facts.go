package incidents

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

func parseFacts(pb *Playbook, assignments []string) ([]FactChange, error) {
	var out []FactChange
	for _, a := range assignments {
		ch, err := pb.ParseFactChange(a)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

func describeFacts(f Facts) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(f)) {
		parts = append(parts, k+"="+f[k].String())
	}
	return strings.Join(parts, " ")
}

// RecordFacts applies "name=value" assignments and recomputes obligations.
func (s *Service) RecordFacts(ctx context.Context, actor, id string, assignments []string) (*Result, error) {
	if len(assignments) == 0 {
		return nil, Errorf(EINVALID, "no facts given").WithHint("for example: /breach facts jurisdictions=EU,US-CA data=email,password_hash affected=12000")
	}
	var res Result
	err := s.do(ctx, actor, ActFacts, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		changes, err := parseFacts(pb, assignments)
		if err != nil {
			return err
		}
		var changed []string
		for _, ch := range changes {
			var did bool
			inc.Facts, did = inc.Facts.Apply(ch, t.now, actor)
			if did && !slices.Contains(changed, ch.Name) {
				changed = append(changed, ch.Name)
			}
		}
		res.Incident, res.Playbook = inc, pb
		if len(changed) == 0 {
			res.Unchanged = true
			return nil
		}
		sort.Strings(changed)
		res.FactsChanged = changed
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		details := map[string]string{"changed": strings.Join(changed, ",")}
		for _, name := range changed {
			if f, ok := inc.Facts[name]; ok {
				details["fact."+name] = f.String()
			} else {
				details["fact."+name] = "unknown"
			}
		}
		return s.audit(t, actor, "facts.recorded", inc, details)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// RecordEvent records when a clock-start event happened (a breach was
// determined, a ransom was paid, ...), or corrects the awareness time. A zero
// at means now. Moving awareness later pushes back every deadline that runs
// from it, so it needs ActAwarenessLater (leads and legal) and a reason;
// moving it earlier needs only ActClock. Either is audited with the previous
// time. Other events may not be before awareness.
func (s *Service) RecordEvent(ctx context.Context, actor, id, event string, at time.Time, reason string) (*Result, error) {
	reason, err := checkText("the reason", reason, maxReason, false, `--reason "why awareness was later"`)
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.do(ctx, actor, ActClock, id, func(t *txn, roles []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		var def *EventDef
		for i := range pb.Events {
			if strings.EqualFold(pb.Events[i].Name, event) {
				def = &pb.Events[i]
			}
		}
		if def == nil {
			names := make([]string, len(pb.Events))
			for i, e := range pb.Events {
				names[i] = e.Name
			}
			return Errorf(EINVALID, "unknown clock event %q", event).WithHint("events: %s", strings.Join(names, ", "))
		}
		if at.IsZero() {
			at = t.now
		}
		if at.After(t.now.Add(time.Minute)) {
			return Errorf(EINVALID, "%s cannot be in the future (%s)", def.Name, at.UTC().Format(time.RFC3339)).
				WithHint("give the time it happened, e.g. --at 2026-11-27T14:00Z or --at 3h ago")
		}
		if def.Name != EventAwareness && at.Before(inc.AwareAt()) {
			return Errorf(EINVALID, "%s (%s) cannot be before awareness (%s)", def.Name, at.UTC().Format(time.RFC3339), inc.AwareAt().Format(time.RFC3339)).
				WithHint("if awareness was earlier, correct it first: /breach clock awareness --at TIME")
		}
		prev, had := inc.Events[def.Name]
		res.Incident, res.Playbook = inc, pb
		if had && prev.At.Equal(at.UTC()) {
			res.Unchanged = true
			return nil
		}
		if def.Name == EventAwareness && had && at.After(prev.At) {
			if !s.perms.allowed(ActAwarenessLater, roles) {
				return s.forbidden(ActAwarenessLater, roles).
					WithHint("ask a lead or legal to run it with --reason; moving awareness earlier is open to you")
			}
			if reason == "" {
				return Errorf(EINVALID, "moving awareness later (from %s to %s) pushes back every deadline, so it needs the reason",
					prev.At.Format(time.RFC3339), at.UTC().Format(time.RFC3339)).
					WithTry(`clock awareness --at %s --reason "why the company became aware later than recorded"`, at.UTC().Format("2006-01-02T15:04Z"))
			}
		}
		inc.Events[def.Name] = EventRecord{At: at.UTC(), RecordedAt: t.now, By: actor}
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		details := map[string]string{"event": def.Name, "at": at.UTC().Format(time.RFC3339)}
		if had {
			details["previous"] = prev.At.Format(time.RFC3339)
		}
		if reason != "" {
			details["reason"] = reason
		}
		return s.audit(t, actor, "clock.recorded", inc, details)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}
