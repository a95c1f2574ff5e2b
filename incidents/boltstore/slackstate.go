package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SlackState is the Slack adapter's own durable state in the database file:
// request keys already seen, and its channel and posted-message records. It
// implements slack.State; Store.SlackState hands it out.
type SlackState struct{ db *bolt.DB }

// SlackState returns the Slack adapter's state, kept in this file.
func (s *Store) SlackState() *SlackState { return &SlackState{db: s.db} }

// SeenKeys returns the request keys remembered and not yet expired at now,
// with when each expires. Records that do not decode are skipped.
func (s *SlackState) SeenKeys(now time.Time) (map[string]time.Time, error) {
	keys := map[string]time.Time{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSlackSeen).ForEach(func(k, v []byte) error {
			if len(v) == 8 {
				if exp := time.Unix(0, int64(binary.BigEndian.Uint64(v))); exp.After(now) {
					keys[string(k)] = exp
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", bucketSlackSeen, err)
	}
	return keys, nil
}

// RecordSeen remembers each key of add until its expiry and forgets the
// keys of drop, in one transaction.
func (s *SlackState) RecordSeen(add map[string]time.Time, drop []string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSlackSeen)
		for k, exp := range add {
			if err := b.Put([]byte(k), binary.BigEndian.AppendUint64(nil, uint64(exp.UnixNano()))); err != nil {
				return fmt.Errorf("write %s: %w", bucketSlackSeen, err)
			}
		}
		for _, k := range drop {
			if err := b.Delete([]byte(k)); err != nil {
				return fmt.Errorf("delete from %s: %w", bucketSlackSeen, err)
			}
		}
		return nil
	})
}

// ChannelRecord returns the record of incident's Slack channel, nil if there
// is none.
func (s *SlackState) ChannelRecord(incident string) ([]byte, error) {
	return s.get(bucketSlackChannels, incident)
}

// PutChannelRecord replaces the record of incident's Slack channel.
func (s *SlackState) PutChannelRecord(incident string, rec []byte) error {
	return s.put(bucketSlackChannels, incident, rec)
}

// PostRecord returns the record of the message posted under key, nil if
// there is none.
func (s *SlackState) PostRecord(key string) ([]byte, error) { return s.get(bucketSlackPosts, key) }

// PutPostRecord replaces the record of the message posted under key.
func (s *SlackState) PutPostRecord(key string, rec []byte) error {
	return s.put(bucketSlackPosts, key, rec)
}

// DeletePostRecord forgets the message posted under key; it is not an error
// if there is none.
func (s *SlackState) DeletePostRecord(key string) error {
	return s.db.Batch(func(tx *bolt.Tx) error { return tx.Bucket(bucketSlackPosts).Delete([]byte(key)) })
}

// PostRecords calls fn with every posted-message record, in key order,
// stopping at the first error fn returns. fn must not keep rec.
func (s *SlackState) PostRecords(fn func(key string, rec []byte) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSlackPosts).ForEach(func(k, v []byte) error { return fn(string(k), v) })
	})
}

func (s *SlackState) get(bucket []byte, key string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		out = bytes.Clone(tx.Bucket(bucket).Get([]byte(key)))
		return nil
	})
	return out, err
}

// put writes a record. Records written at the same time by several
// goroutines (the dispatcher posts for several incidents at once) share
// one commit and its fsync (bbolt's Batch: each is durable when put
// returns, and putting a record again is harmless if Batch retries it).
func (s *SlackState) put(bucket []byte, key string, rec []byte) error {
	return s.db.Batch(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(key), rec) })
}

// ReleaseMappedPages gives back to the kernel the database pages a long
// walk left mapped in the process (see releaseMapped); the data is
// unchanged.
func (s *SlackState) ReleaseMappedPages() error { return releaseMapped(s.db) }
