package incidents

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SetPurged is the state of a recipient set whose people were purged.
const SetPurged = "purged"

// PurgeResult says what a purge removed: counts only.
type PurgeResult struct {
	Incident string
	Sets     []string
	People   int64
}

// PurgePersonalData removes the affected people of a closed incident: the
// recipient lists' people are deleted, their descriptions (counts, hashes)
// stay, as do the notices, their per-recipient outcomes (states, times,
// Message-IDs) and the audit log (PRODUCT principle 4).
func (s *Service) PurgePersonalData(ctx context.Context, actor, id string) (*PurgeResult, error) {
	return s.purge(ctx, actor, id, func(fn func(t *txn, _ []string) error) error { return s.do(ctx, actor, ActPurge, id, fn) })
}

func (s *Service) purge(ctx context.Context, actor, id string, run func(func(t *txn, _ []string) error) error) (*PurgeResult, error) {
	res := &PurgeResult{Incident: id}
	err := run(func(t *txn, _ []string) error {
		inc, _, err := s.load(t, id, true)
		if err != nil {
			return err
		}
		if inc.State != StateClosed {
			return Errorf(ECONFLICT, "%s is %s; personal data is purged only after it is closed", inc.ID, inc.State).
				WithHint("close it first (/breach close), or wait for the retention period after closing")
		}
		var sets []*RecipientSet
		err = t.RecipientSets(func(rs *RecipientSet) error {
			if rs.Incident == inc.ID && rs.State != SetPurged {
				sets = append(sets, rs)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(sets) == 0 {
			return Errorf(ECONFLICT, "%s holds no personal data of affected people (already purged or never imported)", inc.ID)
		}
		for _, rs := range sets {
			if err := t.DeleteRecipientSet(rs.ID); err != nil {
				return err
			}
			if rs.State == SetStaging {
				continue
			}
			rs.State = SetPurged
			rs.PurgedAt = t.now
			if err := t.PutRecipientSet(rs); err != nil {
				return err
			}
			res.Sets = append(res.Sets, rs.ID)
			res.People += rs.Count
		}
		return s.audit(t, actor, "recipients.purged", inc, map[string]string{"sets": strings.Join(res.Sets, ","), "people": strconv.FormatInt(res.People, 10)})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// PurgeExpired purges the personal data of incidents closed more than
// retention ago; the background loop calls it.
func (s *Service) PurgeExpired(ctx context.Context, retention time.Duration) ([]*PurgeResult, error) {
	if retention <= 0 {
		return nil, nil
	}
	var due []string
	err := s.store.View(ctx, func(tx Tx) error {
		// Only incidents that still hold people's data can be due: read
		// those, not every incident.
		held := map[string]bool{}
		if err := tx.RecipientSets(func(rs *RecipientSet) error {
			if rs.State != SetPurged {
				held[rs.Incident] = true
			}
			return nil
		}); err != nil {
			return err
		}
		for _, id := range slices.Sorted(maps.Keys(held)) {
			inc, err := tx.Incident(id)
			if ErrorCode(err) == ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			if inc.State == StateClosed && s.clock.Now().Sub(inc.ClosedAt) >= retention {
				due = append(due, inc.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []*PurgeResult
	for _, id := range due {
		// breachbot acts by itself here: no person's role is checked.
		res, err := s.purge(ctx, SystemActor, id, func(fn func(t *txn, _ []string) error) error {
			return s.update(ctx, func(t *txn) error { return fn(t, nil) })
		})
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}
