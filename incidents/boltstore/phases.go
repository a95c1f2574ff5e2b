package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/breachbot/breachbot/incidents"
)

// The counts of open incidents' obligations by phase are kept as incidents
// are written, so that reading them (a Prometheus scrape) is one key, not a
// walk over every incident.

var (
	keyPhasesTotal = []byte("\x00total")
	keyPhasesBuilt = []byte("\x00built")
)

type phaseCounts map[incidents.Phase]int64

// phasesOf counts an incident's obligations by phase; a closed incident
// counts nothing.
func phasesOf(inc *incidents.Incident) phaseCounts {
	if inc.State == incidents.StateClosed {
		return nil
	}
	c := phaseCounts{}
	for i := range inc.Obligations {
		c[inc.Obligations[i].Phase()]++
	}
	return c
}

func readCounts(b *bolt.Bucket, key []byte) (phaseCounts, error) {
	c := phaseCounts{}
	if v := b.Get(key); v != nil {
		if err := json.Unmarshal(v, &c); err != nil {
			return nil, fmt.Errorf("decode obligation counts %q: %w", key, err)
		}
	}
	return c, nil
}

func writeCounts(b *bolt.Bucket, key []byte, c phaseCounts) error {
	for p, n := range c {
		if n == 0 {
			delete(c, p)
		}
	}
	if len(c) == 0 {
		return b.Delete(key)
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// countPhases replaces the incident's contribution to the totals.
func countPhases(tx *bolt.Tx, inc *incidents.Incident) error {
	b := tx.Bucket(bucketPhases)
	key := []byte(inc.ID)
	old, err := readCounts(b, key)
	if err != nil {
		return err
	}
	now := phasesOf(inc)
	total, err := readCounts(b, keyPhasesTotal)
	if err != nil {
		return err
	}
	for p, n := range old {
		total[p] -= n
	}
	for p, n := range now {
		total[p] += n
	}
	if err := writeCounts(b, key, now); err != nil {
		return err
	}
	return writeCounts(b, keyPhasesTotal, total)
}

// buildPhases counts every incident once, for a database written before
// the counts were kept.
func buildPhases(tx *bolt.Tx) error {
	b := tx.Bucket(bucketPhases)
	if b.Get(keyPhasesBuilt) != nil {
		return nil
	}
	err := tx.Bucket(bucketIncidents).ForEach(func(k, v []byte) error {
		var inc incidents.Incident
		if err := json.Unmarshal(v, &inc); err != nil {
			return fmt.Errorf("decode incident %s: %w", k, err)
		}
		return countPhases(tx, &inc)
	})
	if err != nil {
		return err
	}
	return b.Put(keyPhasesBuilt, nil)
}

// ObligationPhases returns how many obligations of open incidents are in
// each phase (every phase present, zero included). It reads one key.
func (s *Store) ObligationPhases(ctx context.Context) (map[incidents.Phase]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make(map[incidents.Phase]int64, len(incidents.Phases))
	err := s.db.View(func(tx *bolt.Tx) error {
		c, err := readCounts(tx.Bucket(bucketPhases), keyPhasesTotal)
		if err != nil {
			return err
		}
		for _, p := range incidents.Phases {
			out[p] = c[p]
		}
		return nil
	})
	return out, err
}
