package incidents

import (
	"context"
	"sort"
)

// Get returns an incident with its pinned playbook.
func (s *Service) Get(ctx context.Context, actor, id string) (*Result, error) {
	if _, err := s.authorize(ctx, actor, ActView, id); err != nil {
		return nil, err
	}
	var res Result
	err := s.store.View(ctx, func(tx Tx) error {
		inc, err := tx.Incident(id)
		if err != nil {
			return err
		}
		pb, err := s.pinned(tx, inc.Playbook.Key)
		res.Incident, res.Playbook = inc, pb
		return err
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// List returns incidents, open ones only unless all is set, newest first.
func (s *Service) List(ctx context.Context, actor string, all bool) ([]*Incident, error) {
	if _, err := s.authorize(ctx, actor, ActView, ""); err != nil {
		return nil, err
	}
	var out []*Incident
	err := s.store.View(ctx, func(tx Tx) error {
		return tx.Incidents(func(inc *Incident) error {
			if all || inc.State != StateClosed {
				out = append(out, inc)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, err
}

// Resolve returns the incident a command means: the id given, else the one
// the user last declared or named. It changes nothing: a command that
// changes the incident makes it the user's current one in its own
// transaction; a command that only reads calls MakeCurrent.
func (s *Service) Resolve(ctx context.Context, actor, given string) (string, error) {
	if given != "" {
		id, err := ParseIncidentID(given)
		if err != nil {
			return "", err
		}
		err = s.store.View(ctx, func(tx Tx) error {
			_, err := tx.Incident(id)
			return err
		})
		return id, err
	}
	var id string
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		id, err = tx.Current(actor)
		return err
	})
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", Errorf(EINVALID, "which incident? You have not declared or named one yet").
			WithHint("add --incident INC-YYYY-NNNN; /breach status lists open incidents")
	}
	return id, nil
}

// MakeCurrent makes an incident the one a user's later commands mean.
func (s *Service) MakeCurrent(ctx context.Context, actor, id string) error {
	var cur string
	if err := s.store.View(ctx, func(tx Tx) error { var err error; cur, err = tx.Current(actor); return err }); err != nil || cur == id {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error { return tx.SetCurrent(actor, id) })
}

// IncidentByChannel returns the incident whose chat channel this is.
func (s *Service) IncidentByChannel(ctx context.Context, channel string) (string, bool, error) {
	var id string
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		id, err = tx.IncidentByChannel(channel)
		return err
	})
	return id, id != "", err
}

// SetChannel records the chat channel of an incident (done by the Slack
// adapter after creating it).
func (s *Service) SetChannel(ctx context.Context, actor, id, channel string) error {
	return s.update(ctx, func(t *txn) error {
		inc, err := t.Incident(id)
		if err != nil {
			return err
		}
		if inc.Channel == channel {
			return nil
		}
		inc.Channel = channel
		inc.Rev++
		if err := t.PutIncident(inc); err != nil {
			return err
		}
		return s.audit(t, actor, "incident.channel", inc, map[string]string{"channel": channel})
	})
}
