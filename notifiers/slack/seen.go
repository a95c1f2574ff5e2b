package slack

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets this adapter keeps in breachbot's database file.
var (
	// bucketSeen holds request signatures and trigger ids already used, with
	// when they may be forgotten: a restart does not reopen the replay window.
	bucketSeen = []byte("slack_seen")
	// bucketChannels holds, per incident, its Slack channel and how far
	// setting it up got.
	bucketChannels = []byte("slack_channels")
	// bucketPosts holds, per message key, the timestamp of the message
	// posted for it (or that a post was attempted).
	bucketPosts = []byte("slack_posts")
)

// seen remembers keys (request signatures, trigger ids) until they expire.
type seen struct {
	db        *bolt.DB
	now       func() time.Time
	lastPurge atomic.Int64
}

// claim records each key not seen before and reports, per key, whether it
// was fresh. Keys are claimed in order and a stale key stops the claim: if
// the signature was used before, the trigger id is left alone. Concurrent
// claims share one transaction (bolt's Batch), so a burst of commands costs
// one disk sync, not one each. Empty keys are skipped and count as fresh.
func (s *seen) claim(keys []string, ttls []time.Duration) ([]bool, error) {
	fresh := make([]bool, len(keys))
	now := s.now()
	err := s.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		for i := range fresh {
			fresh[i] = false
		}
		for i, k := range keys {
			if k == "" {
				fresh[i] = true
				continue
			}
			if v := b.Get([]byte(k)); len(v) == 8 && int64(binary.BigEndian.Uint64(v)) > now.UnixNano() {
				return nil
			}
			exp := binary.BigEndian.AppendUint64(nil, uint64(now.Add(ttls[i]).UnixNano()))
			if err := b.Put([]byte(k), exp); err != nil {
				return err
			}
			fresh[i] = true
		}
		return s.purge(b, now)
	})
	if err != nil {
		return nil, fmt.Errorf("remember slack request: %w", err)
	}
	return fresh, nil
}

// purge forgets expired keys, at most once a minute.
func (s *seen) purge(b *bolt.Bucket, now time.Time) error {
	last := s.lastPurge.Load()
	if now.UnixNano()-last < int64(time.Minute) || !s.lastPurge.CompareAndSwap(last, now.UnixNano()) {
		return nil
	}
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if len(v) != 8 || int64(binary.BigEndian.Uint64(v)) <= now.UnixNano() {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
