package incidents

import (
	"context"
	"fmt"
)

// ActUpdate posts a status update on an incident: responders, leads, legal.
const ActUpdate = "update"

// NotifyUpdate: a person posted a status update; chat adapters post its
// Text in the incident's channel.
const NotifyUpdate = "update"

// maxUpdate bounds a status update: a few sentences, not a pasted log.
const maxUpdate = 2000

// PostUpdate records a status update on an incident (the running narrative
// regulators and boards ask for): in one transaction it goes into the
// audit log, and so into the export's timeline, and into the outbox to be
// posted in the incident's channel. The update is returned as it was
// recorded.
func (s *Service) PostUpdate(ctx context.Context, actor, id, text string) (*Result, string, error) {
	text, err := checkText("the update", text, maxUpdate, true,
		`say where things stand: /breach update "Contained: the bucket is private again; counting affected customers"`)
	if err != nil {
		return nil, "", err
	}
	var res Result
	err = s.do(ctx, actor, ActUpdate, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		e, err := t.Audit(AuditEntry{At: t.now, Actor: actor, Action: "incident.update", Incident: inc.ID, Outcome: OutcomeOK,
			Details: map[string]string{"text": text}})
		if err != nil {
			return err
		}
		return t.enqueue(Notification{ID: fmt.Sprintf("update:%s:%d", inc.ID, e.Seq), Kind: NotifyUpdate, Audience: AudienceIncident,
			Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Actor: actor, Text: text})
	})
	if err != nil {
		return nil, "", err
	}
	return &res, text, nil
}
