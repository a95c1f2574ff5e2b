package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/breachbot/breachbot/incidents"
)

// Notices: notices/<incident>\x00<n> holds a notice (no personal data).
// A notice's outbox is deliveries/<incident>/<notice>: its "d" bucket maps
// recipient number to Delivery, and one index bucket per state ("x:<state>")
// lists the recipients in that state, so a restart finds the in-flight ones
// and a retry the failed ones without reading the whole outbox.

func noticeKey(incident, id string) ([]byte, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "N"))
	if err != nil || n <= 0 {
		return nil, incidents.Errorf(incidents.EINVALID, "%q is not a notice id", id)
	}
	return binary.BigEndian.AppendUint64([]byte(incident+"\x00"), uint64(n)), nil
}

// Notice returns a notice of an incident.
func (t *Tx) Notice(incident, id string) (*incidents.Notice, error) {
	k, err := noticeKey(incident, id)
	if err != nil {
		return nil, err
	}
	var n incidents.Notice
	ok, err := t.get(bucketNotices, k, &n)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, incidents.Errorf(incidents.ENOTFOUND, "%s has no notice %s", incident, id).
			WithHint("/breach notice status lists the notices of the incident")
	}
	n.Send, err = t.noticeSend(k)
	return &n, err
}

func (t *Tx) noticeSend(k []byte) (*incidents.SendState, error) {
	var s incidents.SendState
	ok, err := t.get(bucketNoticeSends, k, &s)
	if err != nil || !ok {
		return nil, err
	}
	return &s, nil
}

// NoticeSend returns a notice's send state (nil if never sent).
func (t *Tx) NoticeSend(incident, id string) (*incidents.SendState, error) {
	k, err := noticeKey(incident, id)
	if err != nil {
		return nil, err
	}
	return t.noticeSend(k)
}

// PutNoticeSend stores a notice's send state.
func (t *Tx) PutNoticeSend(incident, id string, s *incidents.SendState) error {
	k, err := noticeKey(incident, id)
	if err != nil {
		return err
	}
	if s == nil {
		return t.tx.Bucket(bucketNoticeSends).Delete(k)
	}
	return t.put(bucketNoticeSends, k, s)
}

// PutNotice stores a notice.
func (t *Tx) PutNotice(n *incidents.Notice) error {
	k, err := noticeKey(n.Incident, n.ID)
	if err != nil {
		return err
	}
	// The send state changes with every batch of messages: it is kept
	// apart, so those transactions do not rewrite the notice and its previews.
	c := *n
	c.Send = nil
	if err := t.put(bucketNotices, k, &c); err != nil {
		return err
	}
	return t.PutNoticeSend(n.Incident, n.ID, n.Send)
}

// Notices calls fn for the notices of an incident ("" for all) in order.
func (t *Tx) Notices(incident string, fn func(*incidents.Notice) error) error {
	var prefix []byte
	if incident != "" {
		prefix = []byte(incident + "\x00")
	}
	c := t.tx.Bucket(bucketNotices).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var n incidents.Notice
		if err := json.Unmarshal(v, &n); err != nil {
			return fmt.Errorf("decode notice: %w", err)
		}
		var err error
		if n.Send, err = t.noticeSend(k); err != nil {
			return err
		}
		if err := fn(&n); err != nil {
			return err
		}
	}
	return nil
}

// NextNoticeNumber returns the next notice number of an incident.
func (t *Tx) NextNoticeNumber(incident string) (int, error) {
	b := t.tx.Bucket(bucketCounters)
	key := []byte("notice:" + incident)
	var n uint64
	if v := b.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	return int(n), b.Put(key, binary.BigEndian.AppendUint64(nil, n))
}

var subDeliveries = []byte("d")

// legacyInDoubt is what the in-doubt state was stored as before it was
// named so: read as incidents.DeliveryInDoubt (its index bucket is walked
// with the new one's; rewriting a delivery moves it out of the old index).
const legacyInDoubt incidents.DeliveryState = "possibly_duplicate"

func stateIndex(s incidents.DeliveryState) []byte { return []byte("x:" + string(s)) }

// indexed lists the delivery states that are looked up by state: those a
// restart or a retry needs. Sent (or written) and permanently failed
// recipients, the bulk, are not indexed.
func indexed(s incidents.DeliveryState) bool {
	return s != incidents.DeliverySent && s != incidents.DeliveryWritten && s != incidents.DeliveryPermanent
}

// Deliveries are encoded compactly (the sender writes two per recipient):
// version byte, state, time (unix ns), attempts, code, message id, reply.
func encodeDelivery(d incidents.Delivery) []byte {
	b := make([]byte, 0, 48+len(d.MessageID)+len(d.Reply))
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(len(d.State)))
	b = append(b, d.State...)
	var at int64
	if !d.At.IsZero() {
		at = d.At.UnixNano()
	}
	b = binary.AppendVarint(b, at)
	b = binary.AppendUvarint(b, uint64(d.Attempts))
	b = binary.AppendUvarint(b, uint64(d.Code))
	b = binary.AppendUvarint(b, uint64(len(d.MessageID)))
	b = append(b, d.MessageID...)
	b = binary.AppendUvarint(b, uint64(len(d.Reply)))
	return append(b, d.Reply...)
}

func decodeDelivery(b []byte) (incidents.Delivery, error) {
	var d incidents.Delivery
	bad := fmt.Errorf("malformed delivery record")
	if len(b) == 0 || b[0] != 1 {
		return d, bad
	}
	b = b[1:]
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", false
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, true
	}
	num := func() (uint64, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return n, true
	}
	st, ok := str()
	if !ok {
		return d, bad
	}
	d.State = incidents.DeliveryState(st)
	if d.State == legacyInDoubt {
		d.State = incidents.DeliveryInDoubt
	}
	at, k := binary.Varint(b)
	if k <= 0 {
		return d, bad
	}
	b = b[k:]
	if at != 0 {
		d.At = time.Unix(0, at).UTC()
	}
	att, ok1 := num()
	code, ok2 := num()
	d.Attempts, d.Code = int(att), int(code)
	var ok3, ok4 bool
	d.MessageID, ok3 = str()
	d.Reply, ok4 = str()
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return d, bad
	}
	return d, nil
}

func (t *Tx) outbox(incident, notice string, create bool) (*bolt.Bucket, error) {
	name := []byte(incident + "/" + notice)
	root := t.tx.Bucket(bucketDeliveries)
	if !create {
		return root.Bucket(name), nil
	}
	b, err := root.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	if _, err := b.CreateBucketIfNotExists(subDeliveries); err != nil {
		return nil, err
	}
	return b, nil
}

// Delivery returns a recipient's state in a notice's outbox.
func (t *Tx) Delivery(incident, notice string, seq int64) (incidents.Delivery, bool, error) {
	var d incidents.Delivery
	b, err := t.outbox(incident, notice, false)
	if err != nil || b == nil {
		return d, false, err
	}
	v := b.Bucket(subDeliveries).Get(seqKey(seq))
	if v == nil {
		return d, false, nil
	}
	d, err = decodeDelivery(v)
	if err != nil {
		return d, false, fmt.Errorf("decode delivery %d of %s/%s: %w", seq, incident, notice, err)
	}
	return d, true, nil
}

// PutDelivery stores a recipient's state and keeps the state index in step.
func (t *Tx) PutDelivery(incident, notice string, seq int64, d incidents.Delivery) error {
	b, err := t.outbox(incident, notice, true)
	if err != nil {
		return err
	}
	k := seqKey(seq)
	deliveries := b.Bucket(subDeliveries)
	if old := deliveries.Get(k); old != nil && len(old) > 1 {
		n, w := binary.Uvarint(old[1:])
		if w > 0 && uint64(len(old)-1-w) >= n {
			prev := incidents.DeliveryState(old[1+w : 1+w+int(n)])
			if prev != d.State && indexed(prev) {
				if idx := b.Bucket(stateIndex(prev)); idx != nil {
					if err := idx.Delete(k); err != nil {
						return err
					}
				}
			}
		}
	}
	if err := deliveries.Put(k, encodeDelivery(d)); err != nil {
		return err
	}
	if !indexed(d.State) {
		return nil
	}
	idx, err := b.CreateBucketIfNotExists(stateIndex(d.State))
	if err != nil {
		return err
	}
	return idx.Put(k, nil)
}

// Deliveries calls fn for the recipients in a state ("" for all).
func (t *Tx) Deliveries(incident, notice string, state incidents.DeliveryState, fn func(int64, incidents.Delivery) error) error {
	b, err := t.outbox(incident, notice, false)
	if err != nil || b == nil {
		return err
	}
	deliveries := b.Bucket(subDeliveries)
	visit := func(k, v []byte) error {
		d, err := decodeDelivery(v)
		if err != nil {
			return fmt.Errorf("decode delivery: %w", err)
		}
		return fn(int64(binary.BigEndian.Uint64(k)), d)
	}
	if state == "" || !indexed(state) {
		if state != "" {
			inner := visit
			visit = func(k, v []byte) error {
				if len(v) > 1 && !bytes.Contains(v[:min(len(v), 24)], []byte(state)) {
					return nil
				}
				d, err := decodeDelivery(v)
				if err != nil || d.State != state {
					return err
				}
				return inner(k, v)
			}
		}
		err := deliveries.ForEach(visit)
		if errors.Is(err, incidents.ErrStop) {
			return nil
		}
		return err
	}
	if state == incidents.DeliveryInDoubt {
		if err := t.walkIndex(b, legacyInDoubt, visit); err != nil {
			return err
		}
	}
	return t.walkIndex(b, state, visit)
}

// walkIndex visits the deliveries listed in a state's index bucket.
func (t *Tx) walkIndex(b *bolt.Bucket, state incidents.DeliveryState, visit func(k, v []byte) error) error {
	deliveries := b.Bucket(subDeliveries)
	// Walk the index in batches: fn may move recipients between states,
	// which changes the index being walked.
	var after []byte
	for {
		idx := b.Bucket(stateIndex(state))
		if idx == nil {
			return nil
		}
		var keys [][]byte
		c := idx.Cursor()
		k, _ := c.First()
		if after != nil {
			k, _ = c.Seek(after)
			if k != nil && bytes.Equal(k, after) {
				k, _ = c.Next()
			}
		}
		for ; k != nil && len(keys) < 256; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		if len(keys) == 0 {
			return nil
		}
		for _, k := range keys {
			if err := visit(k, deliveries.Get(k)); err != nil {
				if errors.Is(err, incidents.ErrStop) {
					return nil
				}
				return err
			}
		}
		after = keys[len(keys)-1]
	}
}
