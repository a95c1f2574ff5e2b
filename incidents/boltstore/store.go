// Package boltstore is the bbolt implementation of incidents.Store: incidents,
// pinned playbooks, the time-ordered schedule of reminders, the outbox of
// messages that leave the process, and the hash-chained audit log, all in one
// file. Every use case is one bbolt transaction. It also keeps the durable
// state of the Slack adapter (SlackState) and the GitHub webhook (GitHubLog)
// in the same file: boltstore is the only package that knows bbolt, and
// layout.go lists every bucket.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/breachbot/breachbot/incidents"
)

// ErrInUse is returned by Open when another process holds the database.
var ErrInUse = errors.New("database in use")

// Store is a bbolt database file.
type Store struct {
	db   *bolt.DB
	path string
	keys *keyring // nil until SetEncryptionKey
}

var _ incidents.Store = (*Store)(nil)

// LockTimeout is how long Open waits for another process to release the file.
var LockTimeout = time.Second

// Open opens (creating if needed) the database at path with mode 0600. If
// another process has it open, Open fails within LockTimeout with an error
// wrapping ErrInUse instead of hanging.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: LockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s is open in another breachbot process (stop it, or run this command while it runs so it goes through that process)", ErrInUse, path)
	} else if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// A file created by something else, or restored from a backup, may be
	// readable by others: the database holds personal data.
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("restrict database %s to its owner: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := buildPhases(tx); err != nil {
			return err
		}
		return buildOpen(tx)
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("initialise database %s: %w", path, err)
	}
	// Writers that batch (SlackState) wait at most this long for others.
	db.MaxBatchDelay = 2 * time.Millisecond
	return &Store{db: db, path: path}, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// SetNoSync turns off (on = true) or back on the fsync at each commit, and
// syncs what was committed so far. It is for bulk setup in benchmarks only:
// a crash without fsync can lose what was committed.
func (s *Store) SetNoSync(on bool) error {
	s.db.NoSync = on
	return s.db.Sync()
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(incidents.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, keys: s.keys}) })
}

// Update runs fn in a read-write transaction.
func (s *Store) Update(ctx context.Context, fn func(incidents.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	incidents.BeforeWait(ctx) // the write lock and the fsync are not CPU
	return s.db.Update(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, keys: s.keys}) })
}

// Tx is a transaction; it implements incidents.Tx.
type Tx struct {
	tx   *bolt.Tx
	keys *keyring
}

var _ incidents.Tx = (*Tx)(nil)

func (t *Tx) get(bucket, key []byte, v any) (bool, error) {
	data := t.tx.Bucket(bucket).Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decode %s/%s: %w", bucket, key, err)
	}
	return true, nil
}

func (t *Tx) put(bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", bucket, key, err)
	}
	return t.tx.Bucket(bucket).Put(key, data)
}

// Incident returns the incident with the given id.
func (t *Tx) Incident(id string) (*incidents.Incident, error) {
	var inc incidents.Incident
	ok, err := t.get(bucketIncidents, []byte(id), &inc)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, incidents.Errorf(incidents.ENOTFOUND, "there is no incident %s", id).
			WithHint("/breach status lists open incidents")
	}
	return &inc, nil
}

// PutIncident stores inc and keeps the channel index in step.
func (t *Tx) PutIncident(inc *incidents.Incident) error {
	if inc.Channel != "" {
		if err := t.tx.Bucket(bucketChannels).Put([]byte(inc.Channel), []byte(inc.ID)); err != nil {
			return err
		}
	}
	if err := countPhases(t.tx, inc); err != nil {
		return err
	}
	if err := putOpen(t.tx, inc); err != nil {
		return err
	}
	return t.put(bucketIncidents, []byte(inc.ID), inc)
}

// IncidentByChannel returns the id of the incident whose channel this is.
func (t *Tx) IncidentByChannel(channel string) (string, error) {
	return string(t.tx.Bucket(bucketChannels).Get([]byte(channel))), nil
}

// NextIncidentNumber returns the next number of the year's incidents.
func (t *Tx) NextIncidentNumber(year int) (int, error) {
	b := t.tx.Bucket(bucketCounters)
	key := []byte("incident:" + strconv.Itoa(year))
	var n uint64
	if v := b.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	if err := b.Put(key, binary.BigEndian.AppendUint64(nil, n)); err != nil {
		return 0, err
	}
	return int(n), nil
}

// Incidents calls fn for every incident in id order.
func (t *Tx) Incidents(fn func(*incidents.Incident) error) error {
	return t.tx.Bucket(bucketIncidents).ForEach(func(k, v []byte) error {
		var inc incidents.Incident
		if err := json.Unmarshal(v, &inc); err != nil {
			return fmt.Errorf("decode incident %s: %w", k, err)
		}
		return fn(&inc)
	})
}

// Playbook returns the resolved playbook stored under a pin key.
func (t *Tx) Playbook(key string) (*incidents.Playbook, error) {
	var p incidents.Playbook
	ok, err := t.get(bucketPins, []byte(key), &p)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, incidents.Errorf(incidents.ENOTFOUND, "no pinned playbook %s", key)
	}
	return &p, nil
}

// PutPlaybook stores a resolved playbook under its pin key unless present:
// pins are content-addressed and never change.
func (t *Tx) PutPlaybook(key string, p *incidents.Playbook) error {
	if t.tx.Bucket(bucketPins).Get([]byte(key)) != nil {
		return nil
	}
	return t.put(bucketPins, []byte(key), p)
}

// Current returns the incident a user last declared or named.
func (t *Tx) Current(user string) (string, error) {
	return string(t.tx.Bucket(bucketCurrent).Get([]byte(user))), nil
}

// SetCurrent records the incident a user last declared or named.
func (t *Tx) SetCurrent(user, incident string) error {
	return t.tx.Bucket(bucketCurrent).Put([]byte(user), []byte(incident))
}

// timeKey encodes t so that byte order is time order, also before 1970.
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())^(1<<63))
}

func keyTime(k []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])^(1<<63))).UTC()
}

// alarmKey is the schedule key: big-endian due time, then the alarm's identity.
func alarmKey(a incidents.Alarm) []byte {
	k := timeKey(a.At)
	for _, part := range []string{a.Incident, a.Obligation, a.Kind, a.Label} {
		k = append(k, part...)
		k = append(k, 0)
	}
	return k
}

// Schedule adds an alarm to the time index.
func (t *Tx) Schedule(a incidents.Alarm) error {
	return t.put(bucketSchedule, alarmKey(a), a)
}

// Unschedule removes an alarm from the time index.
func (t *Tx) Unschedule(a incidents.Alarm) error {
	return t.tx.Bucket(bucketSchedule).Delete(alarmKey(a))
}

// DueAlarms returns up to limit alarms due at or before now, earliest first.
// It reads only the due prefix of the index.
func (t *Tx) DueAlarms(now time.Time, limit int) ([]incidents.Alarm, error) {
	var out []incidents.Alarm
	end := timeKey(now)
	c := t.tx.Bucket(bucketSchedule).Cursor()
	for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
		if bytes.Compare(k[:8], end) > 0 {
			break
		}
		var a incidents.Alarm
		if err := json.Unmarshal(v, &a); err != nil {
			return nil, fmt.Errorf("decode alarm: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

// NextAlarm returns the earliest alarm.
func (t *Tx) NextAlarm() (incidents.Alarm, bool, error) {
	k, v := t.tx.Bucket(bucketSchedule).Cursor().First()
	if k == nil {
		return incidents.Alarm{}, false, nil
	}
	var a incidents.Alarm
	if err := json.Unmarshal(v, &a); err != nil {
		return a, false, fmt.Errorf("decode alarm: %w", err)
	}
	return a, true, nil
}

// Enqueue adds a notification to the outbox unless its ID was seen before.
func (t *Tx) Enqueue(n incidents.Notification) (bool, error) {
	id := []byte(n.ID)
	if len(id) == 0 {
		return false, errors.New("notification without an id")
	}
	if t.tx.Bucket(bucketOutboxIDs).Get(id) != nil || t.tx.Bucket(bucketDelivered).Get(id) != nil {
		return false, nil
	}
	ob := t.tx.Bucket(bucketOutbox)
	seq, err := ob.NextSequence()
	if err != nil {
		return false, err
	}
	key := binary.BigEndian.AppendUint64(nil, seq)
	if err := t.put(bucketOutbox, key, n); err != nil {
		return false, err
	}
	return true, t.tx.Bucket(bucketOutboxIDs).Put(id, key)
}

// Pending returns up to limit notifications due at now, in enqueue order,
// and the earliest next attempt of those postponed.
func (t *Tx) Pending(now time.Time, limit int) ([]incidents.Notification, time.Time, error) {
	var (
		due  []incidents.Notification
		next time.Time
	)
	c := t.tx.Bucket(bucketOutbox).Cursor()
	for k, v := c.First(); k != nil && len(due) < limit; k, v = c.Next() {
		var n incidents.Notification
		if err := json.Unmarshal(v, &n); err != nil {
			return nil, time.Time{}, fmt.Errorf("decode outbox entry: %w", err)
		}
		if n.NextAttempt.After(now) {
			if next.IsZero() || n.NextAttempt.Before(next) {
				next = n.NextAttempt
			}
			continue
		}
		due = append(due, n)
	}
	return due, next, nil
}

// Retry stores a failed attempt of a pending notification.
func (t *Tx) Retry(n incidents.Notification) error {
	key := t.tx.Bucket(bucketOutboxIDs).Get([]byte(n.ID))
	if key == nil {
		return nil // delivered meanwhile
	}
	return t.put(bucketOutbox, bytes.Clone(key), n)
}

// Delivered removes a notification from the outbox and remembers its ID.
func (t *Tx) Delivered(id string, at time.Time) error {
	ids := t.tx.Bucket(bucketOutboxIDs)
	if key := ids.Get([]byte(id)); key != nil {
		if err := t.tx.Bucket(bucketOutbox).Delete(bytes.Clone(key)); err != nil {
			return err
		}
		if err := ids.Delete([]byte(id)); err != nil {
			return err
		}
	}
	return t.tx.Bucket(bucketDelivered).Put([]byte(id), timeKey(at))
}

// Audit appends an entry to the chain.
func (t *Tx) Audit(e incidents.AuditEntry) (incidents.AuditEntry, error) {
	b := t.tx.Bucket(bucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return e, err
	}
	e.Seq = seq
	e.At = e.At.UTC()
	e.Prev = string(t.tx.Bucket(bucketMeta).Get(keyAuditHead))
	if e.Outcome == "" {
		e.Outcome = incidents.OutcomeOK
	}
	e.Hash = e.ComputeHash()
	key := binary.BigEndian.AppendUint64(nil, seq)
	if err := t.put(bucketAudit, key, e); err != nil {
		return e, err
	}
	if e.Incident != "" {
		if err := t.tx.Bucket(bucketAuditByIncident).Put(append([]byte(e.Incident+"\x00"), key...), nil); err != nil {
			return e, err
		}
	}
	return e, t.tx.Bucket(bucketMeta).Put(keyAuditHead, []byte(e.Hash))
}

// AuditLog calls fn for the entries of one incident ("" for all), in order.
func (t *Tx) AuditLog(incident string, fn func(incidents.AuditEntry) error) error {
	audit := t.tx.Bucket(bucketAudit)
	decode := func(k, v []byte) error {
		var e incidents.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return &incidents.AuditDecodeError{Seq: binary.BigEndian.Uint64(k), Err: err}
		}
		return fn(e)
	}
	if incident == "" {
		return audit.ForEach(decode)
	}
	prefix := []byte(incident + "\x00")
	c := t.tx.Bucket(bucketAuditByIncident).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		v := audit.Get(k[len(prefix):])
		if v == nil {
			return fmt.Errorf("audit index names entry %d, which is missing", binary.BigEndian.Uint64(k[len(prefix):]))
		}
		if err := decode(k[len(prefix):], v); err != nil {
			return err
		}
	}
	return nil
}

// AuditHead returns the hash of the last audit entry, as recorded.
func (t *Tx) AuditHead() string { return string(t.tx.Bucket(bucketMeta).Get(keyAuditHead)) }
