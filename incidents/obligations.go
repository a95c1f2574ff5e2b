package incidents

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits on times typed by people, so that a typo cannot move a legal clock
// by years. They are product decisions. Awareness has no limit of its own
// before the declaration (a company may declare long after it became
// aware); the chat layer refuses times before 2000 as typos.
const (
	// MetBeforeAwarenessMargin is how much earlier than awareness an
	// obligation may be recorded as met: a day, for an awareness time
	// recorded a little late. Anything earlier is a typo.
	MetBeforeAwarenessMargin = 24 * time.Hour
)

// MetInput is what /breach met gives.
type MetInput struct {
	Obligation string
	// Reference is the regulator's case number, the notice id, ...
	Reference string
	// At is when it was met; zero means now.
	At time.Time
	// DelayReason is required when met after the due time.
	DelayReason string
}

func obligationNotFound(inc *Incident, id string) error {
	var ids, all []string
	for _, o := range inc.Obligations {
		all = append(all, o.ID)
		if o.Applies != NotApplicable {
			ids = append(ids, o.ID)
		}
	}
	e := Errorf(ENOTFOUND, "%s has no obligation %q", inc.ID, id)
	if dym := DidYouMean(id, all, ""); dym != "" {
		return e.WithHint("%s /breach deadlines shows them", dym)
	}
	return e.WithHint("obligations that apply or need facts: %s; /breach deadlines shows them", strings.Join(ids, ", "))
}

// Met records that an obligation was met, with a reference. Met after its
// due time, it needs the reasons for the delay (GDPR Art. 33(1) asks for them).
func (s *Service) Met(ctx context.Context, actor, id string, in MetInput) (*Result, error) {
	ref, err := checkText("the reference", in.Reference, maxRef, true,
		fmt.Sprintf("/breach met %s --ref CASE-NUMBER (the regulator's case number, or how it was sent)", in.Obligation))
	if err != nil {
		return nil, err
	}
	delay, err := checkText("the delay reason", in.DelayReason, maxReason, false, "--delay-reason \"...\"")
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.do(ctx, actor, ActMet, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		o, ok := inc.Obligation(in.Obligation)
		if !ok {
			return obligationNotFound(inc, in.Obligation)
		}
		switch {
		case o.Status == ObligationMet:
			return Errorf(ECONFLICT, "%s was already met at %s (ref %s)", o.ID, o.MetAt.UTC().Format(time.RFC3339), o.Reference)
		case o.Status == ObligationWaived:
			return Errorf(ECONFLICT, "%s was waived by %s: %s", o.ID, o.WaivedBy, o.WaiveReason)
		case o.Applies == NotApplicable:
			return Errorf(ECONFLICT, "%s does not apply (%s); there is nothing to meet", o.ID, strings.Join(o.Why, "; ")).
				WithHint("if the facts are wrong, correct them with /breach facts")
		}
		at := in.At
		if at.IsZero() {
			at = t.now
		}
		if at.After(t.now.Add(time.Minute)) {
			return Errorf(EINVALID, "the time it was met (%s) is in the future", at.UTC().Format(time.RFC3339)).WithHint("leave out --at to mean now")
		}
		if aware := inc.AwareAt(); at.Before(aware.Add(-MetBeforeAwarenessMargin)) {
			return Errorf(EINVALID, "the time it was met (%s) is more than a day before awareness (%s)", at.UTC().Format(time.RFC3339), aware.Format(time.RFC3339)).
				WithHint("check the date: --at %s, or leave out --at to mean now", t.now.UTC().Format("2006-01-02T15:04Z"))
		}
		if !o.Due.IsZero() && at.After(o.Due) && delay == "" {
			return Errorf(EINVALID, "%s is being met %s after its due time (%s); the reasons for the delay must be recorded",
				o.ID, HumanDuration(at.Sub(o.Due)), o.Due.Format(time.RFC3339)).
				WithTry("met %s --ref %s --delay-reason \"why it was late\"", o.ID, quoteIfNeeded(ref))
		}
		if err := t.clearAlarms(o); err != nil {
			return err
		}
		o.Status, o.MetAt, o.MetBy, o.Reference, o.DelayReason = ObligationMet, at.UTC(), actor, ref, delay
		details := map[string]string{"obligation": o.ID, "reference": ref, "at": at.UTC().Format(time.RFC3339)}
		if d := approvedRegulatorDraft(inc, o.ID); d != nil {
			o.Draft, o.DraftHash = d.Seq, d.ContentHash
			d.SubmittedAt, d.SubmittedBy, d.Reference = at.UTC(), actor, ref
			details["draft"], details["draft_hash"] = strconv.Itoa(d.Seq), d.ContentHash
		}
		if late := o.Late(); late > 0 {
			details["late_by"] = late.String()
			details["delay_reason"] = delay
		}
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		met := Notification{ID: "met:" + inc.ID + ":" + o.ID, Kind: NotifyMet, Audience: AudienceIncident,
			Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Actor: actor, Obligation: o.ID, Due: o.Due,
			Status: string(ObligationMet), Text: fmt.Sprintf("%s: %s met", inc.ID, o.ID)}
		for _, r := range pb.Obligations {
			if r.ID == o.ID {
				met.ObligationTitle, met.Law, met.DueZone = r.Regulation.Title, r.Regulation.Law, r.Regulation.DueZone()
			}
		}
		if late := o.Late(); late > 0 {
			met.Late = late
		}
		if err := t.enqueue(met); err != nil {
			return err
		}
		return s.audit(t, actor, "obligation.met", inc, details)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

func quoteIfNeeded(s string) string {
	if strings.ContainsAny(s, " \t\"'") {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// Waive records that an obligation does not need to be met, with a reason;
// leads and legal only.
func (s *Service) Waive(ctx context.Context, actor, id, obligation, reason string) (*Result, error) {
	reason, err := checkText("the reason", reason, maxReason, true,
		fmt.Sprintf("/breach waive %s unlikely to result in a risk: data was encrypted", obligation))
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.do(ctx, actor, ActWaive, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		o, ok := inc.Obligation(obligation)
		if !ok {
			return obligationNotFound(inc, obligation)
		}
		if o.Status == ObligationMet || o.Status == ObligationWaived {
			return Errorf(ECONFLICT, "%s is already %s", o.ID, o.Status)
		}
		if err := t.clearAlarms(o); err != nil {
			return err
		}
		o.Status, o.WaivedAt, o.WaivedBy, o.WaiveReason = ObligationWaived, t.now, actor, reason
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		return s.audit(t, actor, "obligation.waived", inc, map[string]string{"obligation": o.ID, "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}
