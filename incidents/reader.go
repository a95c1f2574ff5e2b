package incidents

import "context"

// Reader reads incidents without a role check. It is for the adapters that
// act as the bot itself (the Slack board and channel set-up), never on
// behalf of a person: what a person asks for goes through Get and List,
// which check their role. It reads; it never changes anything.
type Reader struct{ s *Service }

// Reader returns the Service's read-only view for the bot itself.
func (s *Service) Reader() *Reader { return &Reader{s: s} }

// Incident returns an incident with its pinned playbook. An unknown id is
// ENOTFOUND.
func (r *Reader) Incident(ctx context.Context, id string) (*Result, error) {
	var res Result
	err := r.s.store.View(ctx, func(tx Tx) error {
		inc, err := tx.Incident(id)
		if err != nil {
			return err
		}
		pb, err := r.s.pinned(tx, inc.Playbook.Key)
		res.Incident, res.Playbook = inc, pb
		return err
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// OpenIncidents returns the store's summaries of the open incidents, in id
// order, without reading the incidents themselves.
func (r *Reader) OpenIncidents(ctx context.Context) ([]OpenIncident, error) {
	var out []OpenIncident
	err := r.s.store.View(ctx, func(tx Tx) error {
		return tx.OpenIncidents(func(o OpenIncident) error {
			out = append(out, o)
			return nil
		})
	})
	return out, err
}

// Ping reports whether the database answers a read.
func (r *Reader) Ping(ctx context.Context) error {
	return r.s.store.View(ctx, func(Tx) error { return nil })
}
