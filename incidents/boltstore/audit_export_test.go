package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/playbooks"
)

// An export of an incident whose audit log was changed in the file says,
// first, that the log is broken and where, in Markdown and in JSON.
func TestExportOfATamperedLogSaysItIsBroken(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	ctx := context.Background()
	svc := incidents.NewService(incidents.Config{Store: s, Playbooks: playbooks.New(nil, ""),
		Clock: clocktest.New(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))})
	if _, err := svc.Declare(ctx, "Ulead", incidents.DeclareInput{Title: "Shop DB copied",
		AwareAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), Facts: []string{"jurisdictions=EU", "affected=800"}}); err != nil {
		t.Fatal(err)
	}
	// Rewrite who declared it in the first entry, keeping its hash.
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		key := binary.BigEndian.AppendUint64(nil, 1)
		var e incidents.AuditEntry
		if err := json.Unmarshal(b.Get(key), &e); err != nil {
			return err
		}
		e.Actor = "Usomeoneelse"
		data, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return b.Put(key, data)
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := svc.Export(ctx, "Ulead", "INC-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	if a := rec.Audit; a.Intact || a.Break == nil || a.Break.Seq != 1 || a.Verified != 0 {
		t.Fatalf("Record.Audit = %+v; want broken at entry 1, none verified", a)
	}
	md := string(commands.RecordMarkdown(rec))
	for _, want := range []string{
		"**AUDIT LOG BROKEN at entry 1: its content does not match its hash",
		"| Audit log | BROKEN at entry 1 (0 entries before it verified); recorded head hash `" + rec.Audit.HeadHash + "` |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown export lacks %q:\n%s", want, md)
		}
	}
	if i, j := strings.Index(md, "AUDIT LOG BROKEN"), strings.Index(md, "| State |"); i < 0 || i > j {
		t.Errorf("the broken log is not said before the incident's details:\n%s", md)
	}
	data, err := commands.RecordJSON(rec)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Audit struct {
			Intact bool                  `json:"intact"`
			Break  *incidents.AuditBreak `json:"break"`
		} `json:"audit_verification"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Audit.Intact || got.Audit.Break == nil || got.Audit.Break.Seq != 1 || !strings.Contains(got.Audit.Break.Reason, "does not match its hash") {
		t.Errorf("JSON audit_verification = %+v; want not intact, break at entry 1", got.Audit)
	}
}
