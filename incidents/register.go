package incidents

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"time"
)

// NotRecorded is what the breach register says for a field the law asks
// for that breachbot does not record yet: never blank, never invented.
const NotRecorded = "not recorded"

// Notification decisions of a register entry, from its obligations.
const (
	// DecisionPending: an obligation that applies is not met yet, or
	// facts that decide one are missing.
	DecisionPending = "pending"
	// DecisionNotified: every obligation that applies is met or waived,
	// and at least one was met.
	DecisionNotified = "notified"
	// DecisionNotNotified: nothing was met; every obligation does not
	// apply or was waived.
	DecisionNotNotified = "not notified"
)

// Register is the breach register (GDPR Art. 33(5)): every incident with
// the facts, the notification decision and its reasons, and the timing of
// each notification. It holds no affected person's data: counts only.
type Register struct {
	Entries []RegisterEntry `json:"incidents"`
	// Since is the earliest awareness time listed (zero: all incidents).
	Since       time.Time `json:"since,omitzero"`
	GeneratedAt time.Time `json:"generated_at"`
	GeneratedBy string    `json:"generated_by"`
}

// RegisterEntry is one incident in the breach register.
type RegisterEntry struct {
	ID         string      `json:"id"`
	Title      string      `json:"title"`
	Drill      bool        `json:"drill"`
	Severity   Severity    `json:"severity"`
	State      State       `json:"state"`
	AwareAt    time.Time   `json:"aware_at"`
	DeclaredAt time.Time   `json:"declared_at"`
	ClosedAt   time.Time   `json:"closed_at,omitzero"`
	Playbook   PlaybookPin `json:"playbook"`
	// Facts are the recorded facts, each as name=value (counts, categories
	// and jurisdictions; never a person).
	Facts []string `json:"facts"`
	// Effects and RemedialAction are asked for by Art. 33(5); breachbot
	// does not record them yet, so they are NotRecorded.
	Effects        string `json:"effects"`
	RemedialAction string `json:"remedial_action"`
	// Decision is DecisionPending, DecisionNotified or DecisionNotNotified;
	// the reasons are in Obligations.
	Decision    string               `json:"notification_decision"`
	Obligations []RegisterObligation `json:"obligations"`
	Notices     []RegisterNotice     `json:"notices"`
	// Decisions are the notify / do-not-notify decisions of the
	// playbook's decision steps, every one recorded, oldest first per step,
	// then the jurisdictions still undecided.
	Decisions []RegisterDecision `json:"notification_decisions"`
}

// RegisterDecision is one notify / do-not-notify decision of a decision
// step as the register states it, or a jurisdiction still undecided.
type RegisterDecision struct {
	Step string `json:"step"`
	// Jurisdiction is the jurisdiction decided for, "all" for a decision
	// covering every one, or JurisdictionsUnknown for an undecided step
	// whose incident has no jurisdictions recorded.
	Jurisdiction string `json:"jurisdiction"`
	// Outcome is "notify", "no-notify", or "undecided" (nothing recorded
	// yet; Reason, By and At are empty).
	Outcome string    `json:"outcome"`
	Reason  string    `json:"reason,omitempty"`
	By      string    `json:"by,omitempty"`
	At      time.Time `json:"at,omitzero"`
	// ReplacedAt is when a later decision for the same jurisdiction
	// replaced this one (zero: it holds, or it is undecided).
	ReplacedAt time.Time `json:"replaced_at,omitzero"`
}

// Register values of RegisterDecision.
const (
	// DecisionUndecided is the Outcome of a jurisdiction a decision step
	// has no decision for yet.
	DecisionUndecided = "undecided"
	// JurisdictionsUnknown is the Jurisdiction of an undecided decision
	// step whose incident has no jurisdictions recorded yet.
	JurisdictionsUnknown = "jurisdictions not recorded"
)

// RegisterObligation is one legal clock of an incident as the register
// states it: whether it applies and why, and what was done about it when.
type RegisterObligation struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Citation string `json:"citation"`
	Notify   string `json:"notify"`
	// Applies is Applies, NotApplicable or NeedsFacts; Why gives the
	// reasons, Missing the facts still unknown.
	Applies string   `json:"applies"`
	Why     []string `json:"why,omitempty"`
	Missing []string `json:"missing,omitempty"`
	// Status is what was done: ObligationOpen, Met, Waived or Missed.
	Status    ObligationStatus `json:"status"`
	Due       time.Time        `json:"due,omitzero"`
	MetAt     time.Time        `json:"met_at,omitzero"`
	MetBy     string           `json:"met_by,omitempty"`
	Reference string           `json:"reference,omitempty"`
	// Late is how late it was met (zero: on time); LateBy says it in words.
	Late        time.Duration `json:"-"`
	LateBy      string        `json:"late_by,omitempty"`
	LateReasons string        `json:"late_reasons,omitempty"`
	WaivedAt    time.Time     `json:"waived_at,omitzero"`
	WaivedBy    string        `json:"waived_by,omitempty"`
	WaiveReason string        `json:"waive_reason,omitempty"`
	MissedAt    time.Time     `json:"missed_at,omitzero"`
}

// RegisterNotice is a notice to affected people as the register states it:
// counts and times, no recipient.
type RegisterNotice struct {
	ID         string      `json:"id"`
	State      NoticeState `json:"state"`
	Recipients int64       `json:"recipients"`
	ApprovedAt time.Time   `json:"approved_at,omitzero"`
	// SendStarted and SendFinished are when sending was requested and when
	// it ended (zero: not sent, or not finished).
	SendStarted  time.Time `json:"send_started,omitzero"`
	SendFinished time.Time `json:"send_finished,omitzero"`
	// Sent counts messages the mail server accepted; Written those
	// written to a folder instead (not sent to anyone); HandedOff those
	// moved to a folder for delivery by other means (not sent by
	// breachbot). Sandbox is set for a drill's messages, which went to the
	// sandbox, not to customers.
	Sent      int64 `json:"sent"`
	Written   int64 `json:"written_not_sent,omitempty"`
	HandedOff int64 `json:"handed_off,omitempty"`
	Sandbox   bool  `json:"drill_sandbox,omitempty"`
	Failed    int64 `json:"failed"`
	InDoubt   int64 `json:"in_doubt"`
	Remaining int64 `json:"remaining"`
}

// Register returns the breach register: every incident the company became
// aware of at or after since (zero: all), drills included and marked. Only
// those who may export a record may see it; producing it is audited.
func (s *Service) Register(ctx context.Context, actor string, since time.Time) (*Register, error) {
	if _, err := s.authorize(ctx, actor, ActExport, ""); err != nil {
		return nil, err
	}
	reg := &Register{Since: since, GeneratedBy: actor}
	err := s.update(ctx, func(t *txn) error {
		reg.GeneratedAt = t.now
		reg.Entries = nil
		err := t.Incidents(func(inc *Incident) error {
			if !since.IsZero() && inc.AwareAt().Before(since) {
				return nil
			}
			pb, err := s.pinned(t, inc.Playbook.Key)
			if err != nil {
				return err
			}
			e := registerEntry(inc, pb)
			err = t.Notices(inc.ID, func(n *Notice) error {
				e.Notices = append(e.Notices, registerNotice(n))
				return nil
			})
			if err != nil {
				return err
			}
			reg.Entries = append(reg.Entries, e)
			return nil
		})
		if err != nil {
			return err
		}
		details := map[string]string{"incidents": strconv.Itoa(len(reg.Entries))}
		if !since.IsZero() {
			details["since"] = since.UTC().Format(time.RFC3339)
		}
		_, err = t.Audit(AuditEntry{At: t.now, Actor: actor, Action: "register.exported", Outcome: OutcomeOK, Details: details})
		return err
	})
	if err != nil {
		return nil, err
	}
	return reg, nil
}

func registerEntry(inc *Incident, pb *Playbook) RegisterEntry {
	e := RegisterEntry{
		ID: inc.ID, Title: inc.Title, Drill: inc.Drill, Severity: inc.Severity, State: inc.State,
		AwareAt: inc.AwareAt(), DeclaredAt: inc.DeclaredAt, ClosedAt: inc.ClosedAt, Playbook: inc.Playbook,
		Facts: []string{}, Effects: NotRecorded, RemedialAction: NotRecorded,
		Obligations: []RegisterObligation{}, Notices: []RegisterNotice{},
	}
	for _, name := range slices.Sorted(maps.Keys(inc.Facts)) {
		e.Facts = append(e.Facts, name+"="+inc.Facts[name].String())
	}
	rules := map[string]Regulation{}
	for _, r := range pb.Obligations {
		rules[r.ID] = r.Regulation
	}
	for _, o := range inc.Obligations {
		r := rules[o.ID]
		ro := RegisterObligation{ID: o.ID, Title: r.Title, Citation: r.Citation, Notify: r.Notify,
			Applies: o.Applies, Why: o.Why, Missing: o.Missing, Status: o.Status, Due: o.Due,
			MetAt: o.MetAt, MetBy: o.MetBy, Reference: o.Reference, Late: o.Late(), LateReasons: o.DelayReason,
			WaivedAt: o.WaivedAt, WaivedBy: o.WaivedBy, WaiveReason: o.WaiveReason, MissedAt: o.MissedAt}
		if ro.Late > 0 {
			ro.LateBy = HumanDuration(ro.Late)
		}
		e.Obligations = append(e.Obligations, ro)
	}
	e.Decision = decision(inc.Obligations)
	e.Decisions = registerDecisions(inc, pb)
	return e
}

// registerDecisions lists every decision of the incident's decision steps,
// each marked when a later one replaced it, then what is still undecided: an
// unknown jurisdiction is never a no.
func registerDecisions(inc *Incident, pb *Playbook) []RegisterDecision {
	kinds := map[string]string{}
	for _, d := range pb.Steps {
		kinds[d.ID] = d.Kind
	}
	out := []RegisterDecision{}
	for _, st := range inc.Steps {
		live := kinds[st.ID] == StepKindDecision && st.FromVersion == ""
		if len(st.Decisions) == 0 && !live {
			continue
		}
		for i, d := range st.Decisions {
			rd := RegisterDecision{Step: st.ID, Jurisdiction: d.Jurisdiction, Outcome: d.Outcome(), Reason: d.Reason, By: d.By, At: d.At}
			if rd.Jurisdiction == "" {
				rd.Jurisdiction = "all"
			}
			for _, later := range st.Decisions[i+1:] {
				if later.Jurisdiction == d.Jurisdiction {
					rd.ReplacedAt = later.At
					break
				}
			}
			out = append(out, rd)
		}
		if !live || st.Status == StepWaived {
			continue
		}
		missing, known := inc.Undecided(st)
		if !known {
			missing = []string{JurisdictionsUnknown}
		}
		for _, j := range missing {
			out = append(out, RegisterDecision{Step: st.ID, Jurisdiction: j, Outcome: DecisionUndecided})
		}
	}
	return out
}

// decision sums up what was decided about notifying: pending while an
// obligation that applies is unmet or facts are missing (an unknown fact
// is never a no), notified when something was met, else not notified.
func decision(obs []Obligation) string {
	met := false
	for i := range obs {
		o := &obs[i]
		switch {
		case o.Status == ObligationMet:
			met = true
		case o.Status == ObligationWaived, o.Applies == NotApplicable:
		default:
			return DecisionPending
		}
	}
	if met {
		return DecisionNotified
	}
	return DecisionNotNotified
}

func registerNotice(n *Notice) RegisterNotice {
	rn := RegisterNotice{ID: n.ID, State: n.State, Recipients: n.Recipients.Count}
	if n.Approval != nil {
		rn.ApprovedAt = n.Approval.At
	}
	if s := n.Send; s != nil {
		rn.SendStarted, rn.SendFinished = s.RequestedAt, s.FinishedAt
		rn.Failed, rn.InDoubt, rn.Remaining, rn.Sandbox = s.FailedPermanent+s.FailedTemporary, s.InDoubt, s.Remaining(), s.Sandbox != ""
		switch {
		case s.Handoff != nil:
			rn.Sent, rn.HandedOff = s.Handoff.SentBefore, s.Sent-s.Handoff.SentBefore
		case s.Folder != "":
			rn.Written = s.Sent
		default:
			rn.Sent = s.Sent
		}
	}
	return rn
}
