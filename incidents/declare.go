package incidents

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// DeclareInput is what /breach declare gives.
type DeclareInput struct {
	Title    string
	Severity Severity
	// Playbook is a playbook id; empty means the default playbook.
	Playbook string
	// AwareAt is when the company became aware; zero means now.
	AwareAt time.Time
	// Facts are initial "name=value" assignments.
	Facts []string
	// Drill declares a practice run; Speed (drills only) accelerates its clocks.
	Drill bool
	Speed int
}

// MaxDrillSpeed bounds how much a drill's clocks may be accelerated.
const MaxDrillSpeed = 10000

// Declare starts an incident pinned to the current version of a playbook.
func (s *Service) Declare(ctx context.Context, actor string, in DeclareInput) (*Result, error) {
	if _, err := s.authorize(ctx, actor, ActDeclare, ""); err != nil {
		return nil, err
	}
	title, err := checkText("the title", in.Title, maxTitle, true, "give a short title: /breach declare Customer DB exposed --aware 2026-11-27T09:00Z")
	if err != nil {
		return nil, err
	}
	if in.Speed != 0 && !in.Drill {
		return nil, Errorf(EINVALID, "only drills run on an accelerated clock").WithTry("drill TITLE --speed 60")
	}
	if in.Speed < 0 || in.Speed > MaxDrillSpeed {
		return nil, Errorf(EINVALID, "drill speed %d is out of range", in.Speed).WithHint("use --speed between 1 (real time) and %d; 60 turns hours into minutes", MaxDrillSpeed)
	}
	sev := in.Severity
	if sev == "" {
		sev = SeverityHigh
	}
	now := s.clock.Now()
	aware := in.AwareAt
	if aware.IsZero() {
		aware = now
	}
	if aware.After(now.Add(time.Minute)) {
		return nil, Errorf(EINVALID, "the awareness time %s is in the future", aware.UTC().Format(time.RFC3339)).
			WithHint("give when the company became aware, e.g. --aware 2h ago or --aware 2026-11-27T09:00Z")
	}
	var pb *Playbook
	if in.Playbook == "" {
		pb, err = s.playbooks.Default(ctx)
	} else {
		pb, err = s.playbooks.Playbook(ctx, in.Playbook)
	}
	if err != nil {
		return nil, err
	}
	changes, err := parseFacts(pb, append(defaultFacts(pb), in.Facts...))
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.update(ctx, func(t *txn) error {
		year := t.now.UTC().Year()
		n, err := t.NextIncidentNumber(year)
		if err != nil {
			return err
		}
		key := PinKey(pb)
		if err := t.PutPlaybook(key, pb); err != nil {
			return err
		}
		inc := &Incident{
			ID: FormatIncidentID(year, n), Title: title, Severity: sev, State: StateDeclared, Drill: in.Drill, Speed: in.Speed,
			Playbook:   pinOf(pb),
			DeclaredAt: t.now, DeclaredBy: actor,
			Events: map[string]EventRecord{EventAwareness: {At: aware.UTC(), RecordedAt: t.now, By: actor}},
			Facts:  Facts{},
		}
		for _, st := range pb.Steps {
			inc.Steps = append(inc.Steps, Step{ID: st.ID, Status: StepOpen})
		}
		for _, ch := range changes {
			inc.Facts, _ = inc.Facts.Apply(ch, t.now, actor)
		}
		if err := inc.Validate(); err != nil {
			return err
		}
		// Chat adapters create the incident's channel from this, through the
		// outbox, so a crash right after declaring loses nothing. It goes
		// first: the board, and the escalation of a deadline already past,
		// are posted in that channel.
		err = t.enqueue(Notification{ID: "declared:" + inc.ID, Kind: NotifyDeclared, Audience: AudienceIncident,
			Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Text: inc.ID + " declared: " + inc.Title, Actor: actor})
		if err != nil {
			return err
		}
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		if err := t.SetCurrent(actor, inc.ID); err != nil {
			return err
		}
		details := map[string]string{
			"title": title, "severity": string(sev), "aware": aware.UTC().Format(time.RFC3339),
			"playbook": pb.ID, "version": pb.Version, "sha256": pb.SHA256, "catalog_sha256": pb.Catalog.SHA256,
		}
		if len(inc.Facts) > 0 {
			details["facts"] = describeFacts(inc.Facts)
		}
		if in.Drill {
			details["drill"] = "true"
			details["speed"] = fmt.Sprint(max(in.Speed, 1))
		}
		res.Incident, res.Playbook = inc, pb
		res.FactsChanged = slices.Sorted(maps.Keys(inc.Facts))
		return s.audit(t, actor, "incident.declared", inc, details)
	})
	if err != nil {
		return nil, err
	}
	// The source was just read: tell incidents on an older version of this
	// playbook (not when a fallback such as "embedded:ID" was named: that is
	// not the source's current version). The incident is declared whatever
	// happens here; the next declaration tries again.
	if in.Playbook == "" || strings.EqualFold(strings.TrimSpace(in.Playbook), pb.ID) {
		if err := s.checkPlaybook(ctx, pb); err != nil {
			s.log.Error("check running incidents for playbook updates", "playbook", pb.ID, "err", err)
		}
	}
	return &res, nil
}

func defaultFacts(pb *Playbook) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(pb.Defaults)) {
		out = append(out, k+"="+pb.Defaults[k])
	}
	return out
}
