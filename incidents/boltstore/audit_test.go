package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/breachbot/breachbot/incidents"
)

// TestAuditChainDetectsTampering rewrites an audit entry in the file, as
// someone with the file might, and checks that the Service's verification
// finds the break there.
func TestAuditChainDetectsTampering(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	err := s.Update(ctx, func(tx incidents.Tx) error {
		for i := range 4 {
			e := incidents.AuditEntry{At: at.Add(time.Duration(i) * time.Minute), Actor: "Uresp", Action: "facts",
				Incident: "INC-2026-0001", Details: map[string]string{"fact.affected": strconv.Itoa(i)}}
			if _, err := tx.Audit(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := incidents.NewService(incidents.Config{Store: s})
	n, brk, err := svc.VerifyAudit(ctx)
	if err != nil || brk != nil || n != 4 {
		t.Fatalf("VerifyAudit = %d, %+v, %v; want 4 entries intact", n, brk, err)
	}
	// Rewrite entry 3's details in place, keeping its hash.
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		key := binary.BigEndian.AppendUint64(nil, 3)
		var e incidents.AuditEntry
		if err := json.Unmarshal(b.Get(key), &e); err != nil {
			return err
		}
		e.Details["fact.affected"] = "99999"
		data, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return b.Put(key, data)
	})
	if err != nil {
		t.Fatal(err)
	}
	n, brk, err = svc.VerifyAudit(ctx)
	if err != nil || brk == nil || brk.Seq != 3 || n != 2 {
		t.Fatalf("after tampering: %d verified, break %+v, err %v; want a break at entry 3 after 2", n, brk, err)
	}
}

// auditFixture writes n audit entries through the Store, as the Service
// does, and returns the store.
func auditFixture(t *testing.T, n int) *Store {
	t.Helper()
	s := mustOpenStore(t)
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	err := s.Update(context.Background(), func(tx incidents.Tx) error {
		for i := range n {
			e := incidents.AuditEntry{At: at.Add(time.Duration(i) * time.Minute), Actor: "Uresp", Action: "facts",
				Incident: "INC-2026-0001", Details: map[string]string{"fact.affected": strconv.Itoa(100 + i)}}
			if _, err := tx.Audit(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func auditKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// flipByteOf changes one byte of field's value in an entry's stored JSON,
// keeping the JSON valid: the first letter or digit after `"field":`.
func flipByteOf(t *testing.T, data []byte, field string) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	i := bytes.Index(out, []byte(`"`+field+`":`))
	if i < 0 {
		t.Fatalf("no field %q in %s", field, data)
	}
	for j := i + len(field) + 3; j < len(out); j++ {
		switch c := out[j]; {
		case c >= '0' && c <= '8', c >= 'a' && c <= 'y', c >= 'A' && c <= 'Y':
			out[j]++
			return out
		case c == '9', c == 'z', c == 'Z':
			out[j]--
			return out
		}
	}
	t.Fatalf("no letter or digit in field %q of %s", field, data)
	return nil
}

// TestAuditVerifyNamesEachKindOfTamper changes the file as someone holding
// it might (a byte of any field, a removed entry, two entries swapped, a
// forged entry appended) and checks that verification names the first
// entry that no longer holds, and why.
func TestAuditVerifyNamesEachKindOfTamper(t *testing.T) {
	t.Parallel()
	type tamper func(t *testing.T, b *bolt.Bucket, meta *bolt.Bucket) error
	flip := func(seq uint64, field string) tamper {
		return func(t *testing.T, b, _ *bolt.Bucket) error {
			return b.Put(auditKey(seq), flipByteOf(t, b.Get(auditKey(seq)), field))
		}
	}
	forge := func(prev string, fix func(e *incidents.AuditEntry)) incidents.AuditEntry {
		e := incidents.AuditEntry{Seq: 6, At: time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC), Actor: "Ulegal",
			Action: "obligation.met", Incident: "INC-2026-0001", Outcome: incidents.OutcomeOK, Prev: prev}
		e.Hash = e.ComputeHash()
		if fix != nil {
			fix(&e)
		}
		return e
	}
	headOf := func(b *bolt.Bucket, seq uint64) string {
		var e incidents.AuditEntry
		json.Unmarshal(b.Get(auditKey(seq)), &e)
		return e.Hash
	}
	appendEntry := func(b *bolt.Bucket, e incidents.AuditEntry) error {
		data, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return b.Put(auditKey(e.Seq), data)
	}
	tests := []struct {
		name     string
		tamper   tamper
		wantSeq  uint64
		verified int
		reason   string
	}{
		{"a byte of seq", flip(3, "seq"), 4, 2, "the entry after entry 2 is numbered 4"},
		{"a byte of at", flip(3, "at"), 3, 2, "does not match its hash"},
		{"a byte of actor", flip(3, "actor"), 3, 2, "does not match its hash"},
		{"a byte of action", flip(3, "action"), 3, 2, "does not match its hash"},
		{"a byte of incident", flip(3, "incident"), 3, 2, "does not match its hash"},
		{"a byte of outcome", flip(3, "outcome"), 3, 2, "does not match its hash"},
		{"a byte of a detail", flip(3, "fact.affected"), 3, 2, "does not match its hash"},
		{"a byte of a detail's name", flip(3, "details"), 3, 2, "does not match its hash"},
		{"a byte of prev", flip(3, "prev"), 3, 2, "link to the previous entry does not match"},
		{"a byte of hash", flip(3, "hash"), 3, 2, "does not match its hash"},
		{"a byte of the last entry", flip(5, "actor"), 5, 4, "does not match its hash"},
		{"a byte that breaks the encoding", func(_ *testing.T, b, _ *bolt.Bucket) error {
			v := append([]byte(nil), b.Get(auditKey(3))...)
			v[0] = 'x'
			return b.Put(auditKey(3), v)
		}, 3, 2, "cannot be read"},
		{"the first entry removed", func(_ *testing.T, b, _ *bolt.Bucket) error { return b.Delete(auditKey(1)) },
			2, 0, "the log starts at entry 2"},
		{"a middle entry removed", func(_ *testing.T, b, _ *bolt.Bucket) error { return b.Delete(auditKey(3)) },
			4, 2, "the entry after entry 2 is numbered 4"},
		{"the last entry removed", func(_ *testing.T, b, _ *bolt.Bucket) error { return b.Delete(auditKey(5)) },
			5, 4, "entries were removed from the end"},
		{"two entries swapped", func(_ *testing.T, b, _ *bolt.Bucket) error {
			two, three := append([]byte(nil), b.Get(auditKey(2))...), append([]byte(nil), b.Get(auditKey(3))...)
			if err := b.Put(auditKey(2), three); err != nil {
				return err
			}
			return b.Put(auditKey(3), two)
		}, 3, 1, "the entry after entry 1 is numbered 3"},
		{"two entries swapped and renumbered", func(t *testing.T, b, _ *bolt.Bucket) error {
			var two, three incidents.AuditEntry
			json.Unmarshal(b.Get(auditKey(2)), &two)
			json.Unmarshal(b.Get(auditKey(3)), &three)
			two.Seq, three.Seq = 3, 2
			if err := appendEntry(b, three); err != nil {
				return err
			}
			return appendEntry(b, two)
		}, 2, 1, "link to the previous entry does not match"},
		{"a forged entry appended, head left", func(_ *testing.T, b, _ *bolt.Bucket) error {
			return appendEntry(b, forge(headOf(b, 5), nil))
		}, 6, 5, "entry 6 was added after the recorded head (entry 5)"},
		{"a forged entry appended with a made-up hash, head moved", func(_ *testing.T, b, meta *bolt.Bucket) error {
			e := forge(headOf(b, 5), func(e *incidents.AuditEntry) { e.Hash = strings.Repeat("ab", 32) })
			if err := appendEntry(b, e); err != nil {
				return err
			}
			return meta.Put(keyAuditHead, []byte(e.Hash))
		}, 6, 5, "does not match its hash"},
		{"a forged entry appended, linked to an older entry, head moved", func(_ *testing.T, b, meta *bolt.Bucket) error {
			e := forge(headOf(b, 3), nil)
			if err := appendEntry(b, e); err != nil {
				return err
			}
			return meta.Put(keyAuditHead, []byte(e.Hash))
		}, 6, 5, "link to the previous entry does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := auditFixture(t, 5)
			svc := incidents.NewService(incidents.Config{Store: s})
			ctx := context.Background()
			if n, brk, err := svc.VerifyAudit(ctx); err != nil || brk != nil || n != 5 {
				t.Fatalf("before tampering: VerifyAudit = %d, %+v, %v; want 5 entries intact", n, brk, err)
			}
			err := s.db.Update(func(tx *bolt.Tx) error {
				return tt.tamper(t, tx.Bucket(bucketAudit), tx.Bucket(bucketMeta))
			})
			if err != nil {
				t.Fatal(err)
			}
			n, brk, err := svc.VerifyAudit(ctx)
			if err != nil {
				t.Fatalf("VerifyAudit: %v; want a break reported, not an error", err)
			}
			if brk == nil {
				t.Fatalf("VerifyAudit found no break (%d entries verified); want a break at entry %d", n, tt.wantSeq)
			}
			if brk.Seq != tt.wantSeq || n != tt.verified || !strings.Contains(brk.Reason, tt.reason) {
				t.Errorf("VerifyAudit = %d verified, break at %d: %q; want %d verified, break at %d: %q",
					n, brk.Seq, brk.Reason, tt.verified, tt.wantSeq, tt.reason)
			}
		})
	}
}
