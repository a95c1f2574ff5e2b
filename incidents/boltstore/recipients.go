package boltstore

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/breachbot/breachbot/incidents"
)

// Recipient sets: recipient_sets/<id> holds the description (no personal
// data); recipients/<id>/r/<seq> the recipients, each sealed with
// AES-256-GCM under a random nonce with "recipients/<id>/<seq>" as
// additional data (a record moved to another place does not decrypt);
// recipients/<id>/i/<tag> maps the keyed hash of an address to its seq.
var (
	subRecords = []byte("r")
	subIndex   = []byte("i")
)

func seqKey(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

func recipientAAD(set string, seq int64) []byte {
	return []byte("recipients/" + set + "/" + strconv.FormatInt(seq, 10))
}

// NewRecipientSet creates an empty staging set.
func (t *Tx) NewRecipientSet(incident string, at time.Time, by string) (*incidents.RecipientSet, error) {
	if _, err := t.keyring(); err != nil {
		return nil, err
	}
	seq, err := t.tx.Bucket(bucketRecipientSets).NextSequence()
	if err != nil {
		return nil, err
	}
	s := &incidents.RecipientSet{ID: "R" + strconv.FormatUint(seq, 10), Incident: incident, State: incidents.SetStaging, ImportedAt: at, ImportedBy: by}
	b, err := t.tx.Bucket(bucketRecipients).CreateBucket([]byte(s.ID))
	if err != nil {
		return nil, fmt.Errorf("create recipient set %s: %w", s.ID, err)
	}
	rec, err := b.CreateBucket(subRecords)
	if err != nil {
		return nil, err
	}
	rec.FillPercent = 1 // append-only
	if _, err := b.CreateBucket(subIndex); err != nil {
		return nil, err
	}
	return s, t.PutRecipientSet(s)
}

func (t *Tx) setBuckets(set string) (*bolt.Bucket, *bolt.Bucket, error) {
	b := t.tx.Bucket(bucketRecipients).Bucket([]byte(set))
	if b == nil {
		return nil, nil, incidents.Errorf(incidents.ENOTFOUND, "there is no recipient list %s", set)
	}
	return b.Bucket(subRecords), b.Bucket(subIndex), nil
}

// AddRecipients appends recipients, skipping addresses the set holds.
func (t *Tx) AddRecipients(set string, rs []incidents.Recipient) ([]bool, error) {
	keys, err := t.keyring()
	if err != nil {
		return nil, err
	}
	rec, idx, err := t.setBuckets(set)
	if err != nil {
		return nil, err
	}
	rec.FillPercent = 1
	added := make([]bool, len(rs))
	for i, r := range rs {
		tag := keys.indexTag(r.Email)
		if idx.Get(tag) != nil {
			continue
		}
		n, err := rec.NextSequence()
		if err != nil {
			return nil, err
		}
		seq := int64(n)
		plain, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		k := seqKey(seq)
		if err := rec.Put(k, keys.seal(plain, recipientAAD(set, seq))); err != nil {
			return nil, err
		}
		if err := idx.Put(tag, k); err != nil {
			return nil, err
		}
		added[i] = true
	}
	return added, nil
}

// RecipientSet returns a set's description.
func (t *Tx) RecipientSet(id string) (*incidents.RecipientSet, error) {
	var s incidents.RecipientSet
	ok, err := t.get(bucketRecipientSets, []byte(id), &s)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, incidents.Errorf(incidents.ENOTFOUND, "there is no recipient list %s", id)
	}
	return &s, nil
}

// PutRecipientSet stores a set's description.
func (t *Tx) PutRecipientSet(s *incidents.RecipientSet) error {
	return t.put(bucketRecipientSets, []byte(s.ID), s)
}

// RecipientSets calls fn for every set's description.
func (t *Tx) RecipientSets(fn func(*incidents.RecipientSet) error) error {
	return t.tx.Bucket(bucketRecipientSets).ForEach(func(k, v []byte) error {
		var s incidents.RecipientSet
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("decode recipient set %s: %w", k, err)
		}
		return fn(&s)
	})
}

// DeleteRecipientSet removes a set and its recipients.
func (t *Tx) DeleteRecipientSet(id string) error {
	if t.tx.Bucket(bucketRecipients).Bucket([]byte(id)) != nil {
		if err := t.tx.Bucket(bucketRecipients).DeleteBucket([]byte(id)); err != nil {
			return err
		}
	}
	return t.tx.Bucket(bucketRecipientSets).Delete([]byte(id))
}

// Recipient returns recipient number seq of a set.
func (t *Tx) Recipient(set string, seq int64) (incidents.Recipient, error) {
	var r incidents.Recipient
	keys, err := t.keyring()
	if err != nil {
		return r, err
	}
	rec, _, err := t.setBuckets(set)
	if err != nil {
		return r, err
	}
	data := rec.Get(seqKey(seq))
	if data == nil {
		return r, incidents.Errorf(incidents.ENOTFOUND, "recipient list %s has no recipient %d", set, seq)
	}
	plain, err := keys.open(data, recipientAAD(set, seq))
	if err != nil {
		return r, fmt.Errorf("decrypt recipient %d of %s (wrong key, or the record was tampered with): %w", seq, set, err)
	}
	if err := decodeRecipient(plain, &r); err != nil {
		return r, fmt.Errorf("decode recipient %d of %s: %w", seq, set, err)
	}
	return r, nil
}

// RecipientByAddress finds a normalised address in a set.
func (t *Tx) RecipientByAddress(set, address string) (int64, error) {
	keys, err := t.keyring()
	if err != nil {
		return 0, err
	}
	_, idx, err := t.setBuckets(set)
	if err != nil {
		return 0, err
	}
	v := idx.Get(keys.indexTag(address))
	if len(v) != 8 {
		return 0, nil
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// AddressTag returns the keyed hash of an address, hex-encoded.
func (t *Tx) AddressTag(address string) (string, error) {
	keys, err := t.keyring()
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(keys.tag(address)), nil
}
