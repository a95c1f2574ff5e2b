package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"strconv"
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
