package boltstore

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/breachbot/breachbot/incidents"
)

// Each open incident's summary (incidents.OpenIncident) is kept as the
// incident is written, so that what runs on a timer walks a small bucket
// instead of decoding every incident (and paging the whole file in).

var keyOpenBuilt = []byte("\x00built")

// putOpen replaces the incident's summary, or removes it once closed.
func putOpen(tx *bolt.Tx, inc *incidents.Incident) error {
	b := tx.Bucket(bucketOpen)
	// Incident ids grow (INC-YYYY-NNNN), so summaries are mostly added at
	// the end: fuller pages keep the walk over them short.
	b.FillPercent = 0.9
	s, open := incidents.Summarize(inc)
	if !open {
		return b.Delete([]byte(inc.ID))
	}
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode summary of %s: %w", inc.ID, err)
	}
	return b.Put([]byte(inc.ID), data)
}

// buildOpen summarises every incident once, for a database written before
// the summaries were kept.
func buildOpen(tx *bolt.Tx) error {
	b := tx.Bucket(bucketOpen)
	if b.Get(keyOpenBuilt) != nil {
		return nil
	}
	err := tx.Bucket(bucketIncidents).ForEach(func(k, v []byte) error {
		var inc incidents.Incident
		if err := json.Unmarshal(v, &inc); err != nil {
			return fmt.Errorf("decode incident %s: %w", k, err)
		}
		return putOpen(tx, &inc)
	})
	if err != nil {
		return err
	}
	return b.Put(keyOpenBuilt, nil)
}

// OpenIncidents calls fn with the summary of every open incident, in id
// order, until fn returns an error. It reads the summaries only.
func (t *Tx) OpenIncidents(fn func(incidents.OpenIncident) error) error {
	c := t.tx.Bucket(bucketOpen).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if k[0] == 0 {
			continue // the bucket's marker
		}
		var s incidents.OpenIncident
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("decode summary of %s: %w", k, err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}
