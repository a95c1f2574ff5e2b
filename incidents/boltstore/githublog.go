package boltstore

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// GitHubLog is the GitHub webhook's own durable state in the database file:
// the delivery ids it received, the commit statuses on their way to GitHub
// and the commits whose status GitHub took. It implements
// github.DeliveryLog; Store.GitHubLog hands it out.
type GitHubLog struct{ db *bolt.DB }

// GitHubLog returns the GitHub webhook's state, kept in this file.
func (s *Store) GitHubLog() *GitHubLog { return &GitHubLog{db: s.db} }

// statusKey is the key of a pending commit status: its sequence number.
func statusKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// reportKey is the key of a commit status's effect: the repository (lower
// case, as GitHub compares names), the pushed ref and the commit.
func reportKey(repo, ref, sha string) []byte {
	return []byte(strings.ToLower(repo) + "\x00" + ref + "\x00" + strings.ToLower(sha))
}

// RecordPush records, in one transaction, a push delivered under delivery
// at now. A delivery id already recorded changes nothing and reports dup.
// Otherwise delivery ids received before forgetBefore (or whose time does
// not read) are forgotten and this one is recorded; then, unless the status
// of repo, ref and sha was reported already or a pending status satisfies
// queued (both report done), the record status(seq) is queued under a new
// sequence number seq.
func (g *GitHubLog) RecordPush(delivery string, now, forgetBefore time.Time, repo, ref, sha string,
	queued func(status []byte) bool, status func(seq uint64) ([]byte, error)) (dup, done bool, err error) {
	err = g.db.Update(func(tx *bolt.Tx) error {
		d := tx.Bucket(bucketGitHubDeliveries)
		if d.Get([]byte(delivery)) != nil {
			dup = true
			return nil
		}
		if err := forgetDeliveries(d, forgetBefore); err != nil {
			return err
		}
		if err := d.Put([]byte(delivery), []byte(now.UTC().Format(time.RFC3339Nano))); err != nil {
			return err
		}
		if tx.Bucket(bucketGitHubReported).Get(reportKey(repo, ref, sha)) != nil {
			done = true
			return nil
		}
		b := tx.Bucket(bucketGitHubStatuses)
		if err := b.ForEach(func(_, v []byte) error {
			if queued(v) {
				done = true
			}
			return nil
		}); err != nil || done {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		rec, err := status(seq)
		if err != nil {
			return err
		}
		return b.Put(statusKey(seq), rec)
	})
	return dup, done, err
}

// forgetDeliveries removes from d the delivery ids received before cutoff
// or whose time does not read.
func forgetDeliveries(d *bolt.Bucket, cutoff time.Time) error {
	var old [][]byte
	err := d.ForEach(func(k, v []byte) error {
		t, err := time.Parse(time.RFC3339Nano, string(v))
		if err != nil || t.Before(cutoff) {
			old = append(old, k)
		}
		return nil
	})
	for _, k := range old {
		if err := d.Delete(k); err != nil {
			return err
		}
	}
	return err
}

// PendingStatuses calls fn with every pending commit status, in sequence
// order, stopping at the first error fn returns. fn must not keep status.
func (g *GitHubLog) PendingStatuses(fn func(seq uint64, status []byte) error) error {
	return g.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketGitHubStatuses).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("%s: malformed key %x", bucketGitHubStatuses, k)
			}
			return fn(binary.BigEndian.Uint64(k), v)
		})
	})
}

// UpdateStatus replaces the pending status seq, if it is still pending (not
// reported or dropped meanwhile).
func (g *GitHubLog) UpdateStatus(seq uint64, status []byte) error {
	return g.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketGitHubStatuses)
		if b.Get(statusKey(seq)) == nil {
			return nil
		}
		return b.Put(statusKey(seq), status)
	})
}

// DropStatus removes the pending status seq without marking it reported.
func (g *GitHubLog) DropStatus(seq uint64) error {
	return g.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketGitHubStatuses).Delete(statusKey(seq)) })
}

// StatusReported removes the pending status seq and records, in the same
// transaction, that the status of repo, ref and sha was reported at at, so
// a push of that commit never reports it again.
func (g *GitHubLog) StatusReported(seq uint64, repo, ref, sha string, at time.Time) error {
	return g.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketGitHubStatuses).Delete(statusKey(seq)); err != nil {
			return err
		}
		return tx.Bucket(bucketGitHubReported).Put(reportKey(repo, ref, sha), []byte(at.UTC().Format(time.RFC3339)))
	})
}
