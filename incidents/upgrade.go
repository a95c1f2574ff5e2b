package incidents

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// NotifyPlaybookUpdate: the playbook source has a newer version than the
// one an open incident is pinned to; Text has the differences. It is
// queued once per incident and new version.
const NotifyPlaybookUpdate = "playbook_update"

// PinChange records one upgrade of an incident's playbook.
type PinChange struct {
	From PlaybookPin `json:"from"`
	To   PlaybookPin `json:"to"`
	At   time.Time   `json:"at"`
	By   string      `json:"by"`
	// Dropped lists the obligations the new version no longer has, as they
	// were when it was dropped (a met one stays in the record here).
	Dropped []Obligation `json:"dropped,omitempty"`
	// DroppedSteps names the steps the new version no longer has that were
	// still open (finished ones stay in Steps, marked FromVersion).
	DroppedSteps []string `json:"dropped_steps,omitempty"`
}

// pinOf returns the pin of a resolved playbook.
func pinOf(pb *Playbook) PlaybookPin {
	p := PlaybookPin{Key: PinKey(pb), ID: pb.ID, Version: pb.Version, Title: pb.Title, SHA256: pb.SHA256, Source: pb.Source,
		CatalogVersion: pb.Catalog.Version, CatalogSHA256: pb.Catalog.SHA256}
	if ext := pb.Catalog.Extension; ext != nil {
		p.CatalogExtensionSHA256 = ext.SHA256
	}
	return p
}

// UpgradePlaybook moves an open incident to the current version of its
// playbook (leads only). Steps map by id: finished steps stay finished, new
// steps start open, removed steps that were finished stay in the record
// marked with the old version, removed open steps are dropped. Obligations
// are re-evaluated against the new playbook; met and waived ones stay so by
// id. The pin history keeps the old pin. The returned diff says what changed;
// Result.Unchanged is set when the incident already runs the current version.
func (s *Service) UpgradePlaybook(ctx context.Context, actor, id string) (*Result, *PlaybookDiff, error) {
	if _, err := s.authorize(ctx, actor, ActUpgrade, id); err != nil {
		return nil, nil, err
	}
	var pinID string
	err := s.store.View(ctx, func(tx Tx) error {
		inc, err := tx.Incident(id)
		if err == nil {
			pinID = inc.Playbook.ID
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	newPB, err := s.playbooks.Playbook(ctx, pinID)
	if err != nil {
		return nil, nil, fmt.Errorf("read the current version of playbook %s: %w", pinID, err)
	}
	var (
		res  Result
		diff PlaybookDiff
	)
	err = s.do(ctx, actor, ActUpgrade, id, func(t *txn, _ []string) error {
		inc, oldPB, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		key := PinKey(newPB)
		if key == inc.Playbook.Key {
			res.Incident, res.Playbook, res.Unchanged = inc, oldPB, true
			diff = DiffPlaybooks(oldPB, oldPB)
			return nil
		}
		diff = DiffPlaybooks(oldPB, newPB)
		if err := t.PutPlaybook(key, newPB); err != nil {
			return err
		}
		change := PinChange{From: inc.Playbook, To: pinOf(newPB), At: t.now, By: actor}
		inc.Steps, change.DroppedSteps = upgradeSteps(inc.Steps, newPB, inc.Playbook.Version)
		for i := range inc.Obligations {
			o := &inc.Obligations[i]
			if slices.ContainsFunc(newPB.Obligations, func(r ObligationRule) bool { return r.ID == o.ID }) {
				continue
			}
			if err := t.clearAlarms(o); err != nil {
				return err
			}
			change.Dropped = append(change.Dropped, *o)
		}
		inc.Playbook = change.To
		inc.PinHistory = append(inc.PinHistory, change)
		if res.Changes, err = s.save(t, inc, newPB); err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, newPB
		details := map[string]string{
			"from": change.From.ID + " v" + change.From.Version, "from_sha256": change.From.SHA256,
			"to": change.To.ID + " v" + change.To.Version, "to_sha256": change.To.SHA256,
		}
		if lines := diff.Lines(); len(lines) > 0 {
			details["changes"] = strings.Join(lines, "; ")
		}
		if len(change.DroppedSteps) > 0 {
			details["dropped_open_steps"] = strings.Join(change.DroppedSteps, ", ")
		}
		return s.audit(t, actor, "playbook.upgraded", inc, details)
	})
	if err != nil {
		return nil, nil, err
	}
	return &res, &diff, nil
}

// upgradeSteps maps an incident's steps onto a new playbook's: in the new
// order, progress kept by id, new steps open; then the finished steps the
// new playbook no longer has, marked with the version they came from. It
// returns the ids of the open steps it dropped.
func upgradeSteps(old []Step, pb *Playbook, oldVersion string) ([]Step, []string) {
	byID := make(map[string]Step, len(old))
	for _, st := range old {
		byID[st.ID] = st
	}
	out := make([]Step, 0, len(pb.Steps))
	inNew := map[string]bool{}
	for _, def := range pb.Steps {
		inNew[def.ID] = true
		st, ok := byID[def.ID]
		if !ok {
			st = Step{ID: def.ID, Status: StepOpen}
		}
		st.FromVersion = ""
		out = append(out, st)
	}
	var dropped []string
	for _, st := range old {
		switch {
		case inNew[st.ID]:
		case st.Finished():
			if st.FromVersion == "" {
				st.FromVersion = oldVersion
			}
			out = append(out, st)
		default:
			dropped = append(dropped, st.ID)
		}
	}
	return out, dropped
}

// CheckPlaybookUpdates tells the channel of every open incident pinned to an
// older version of pb (same id, other content) what changed, once per
// incident and version, through the outbox. Declare calls it with the
// playbook it just read; a playbook source that refreshes can call it too.
func (s *Service) CheckPlaybookUpdates(ctx context.Context, pb *Playbook) error {
	key := PinKey(pb)
	// The summaries name each open incident's playbook and pin, so a check
	// reads only the incidents it tells (most checks find none); read
	// before taking the write lock.
	stale := false
	err := s.store.View(ctx, func(tx Tx) error {
		return tx.OpenIncidents(func(o OpenIncident) error {
			if o.Playbook == pb.ID && o.Pin != key {
				stale = true
				return ErrStop
			}
			return nil
		})
	})
	if err != nil && !errors.Is(err, ErrStop) {
		return err
	}
	if !stale {
		return nil
	}
	return s.update(ctx, func(t *txn) error {
		var stale []*Incident
		err := t.OpenIncidents(func(o OpenIncident) error {
			if o.Playbook != pb.ID || o.Pin == key {
				return nil
			}
			inc, err := t.Incident(o.ID)
			if err != nil {
				return err
			}
			stale = append(stale, inc)
			return nil
		})
		if err != nil {
			return err
		}
		for _, inc := range stale {
			old, err := s.pinned(t, inc.Playbook.Key)
			if err != nil {
				return err
			}
			err = t.enqueue(Notification{
				ID: "playbook-update:" + inc.ID + ":" + key, Kind: NotifyPlaybookUpdate, Audience: AudienceIncident,
				Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Text: UpdateText(inc, DiffPlaybooks(old, pb)),
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateText is the message that tells an incident's channel a newer
// version of its playbook exists: what to type first, then the changes.
func UpdateText(inc *Incident, d PlaybookDiff) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Playbook %s v%s is out; %s runs v%s. A lead can move it over: /breach playbook upgrade\n",
		d.To.ID, d.To.Version, inc.ID, d.From.Version)
	lines := d.Lines()
	if len(lines) == 0 {
		b.WriteString("No step or obligation changed.")
	}
	b.WriteString(strings.Join(lines, "\n"))
	return strings.TrimSpace(b.String())
}

// PlaybookUpdate compares the playbook an incident is pinned to with the
// current version in the source: what an upgrade would change. The diff is
// empty, with To equal to From, when the incident runs the current version.
func (s *Service) PlaybookUpdate(ctx context.Context, actor, id string) (*Result, *PlaybookDiff, error) {
	res, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	cur, err := s.playbooks.Playbook(ctx, res.Incident.Playbook.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("read the current version of playbook %s: %w", res.Incident.Playbook.ID, err)
	}
	d := DiffPlaybooks(res.Playbook, cur)
	res.Unchanged = PinKey(cur) == res.Incident.Playbook.Key
	return res, &d, nil
}

// CheckPlaybookSource reads every playbook of the source and tells open
// incidents pinned to an older version of one (see CheckPlaybookUpdates);
// a playbook already checked in this content is skipped. The watcher
// (WatchPlaybooks) calls it every minute; a source that learns of new
// content (a push) may call it at once.
func (s *Service) CheckPlaybookSource(ctx context.Context) error {
	pbs, err := s.playbooks.Playbooks(ctx)
	if err != nil {
		return fmt.Errorf("read the playbooks to check running incidents: %w", err)
	}
	for _, pb := range pbs {
		if err := s.checkPlaybook(ctx, pb); err != nil {
			return err
		}
	}
	return nil
}
