package commands_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// Every export, Markdown and JSON, states the verification of the whole
// audit chain and its head hash, so an auditor holding the export can later
// check that the log was not rewritten after it.
func TestExportStatesAuditVerificationAndHeadHash(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU affected=800"`)
	ctx := context.Background()

	f, err := b.router.Export(ctx, "Ulead", "INC-2026-0001", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Timeline []incidents.AuditEntry `json:"timeline"`
		Audit    *struct {
			Intact   bool   `json:"intact"`
			Verified int    `json:"entries_verified"`
			Head     string `json:"head_hash"`
			Break    any    `json:"break"`
		} `json:"audit_verification"`
	}
	if err := json.Unmarshal(f.Data, &rec); err != nil {
		t.Fatal(err)
	}
	n, brk, err := b.svc.VerifyAudit(ctx)
	if err != nil || brk != nil {
		t.Fatalf("VerifyAudit: %v %+v", err, brk)
	}
	last := rec.Timeline[len(rec.Timeline)-1]
	if last.Action != "incident.exported" {
		t.Fatalf("the timeline's last entry is %q, want the export's own", last.Action)
	}
	if rec.Audit == nil || !rec.Audit.Intact || rec.Audit.Verified != n || rec.Audit.Head != last.Hash || rec.Audit.Break != nil {
		t.Errorf("JSON audit_verification = %+v; want intact, %d entries, head %s (the export's entry), no break", rec.Audit, n, last.Hash)
	}

	f, err = b.router.Export(ctx, "Ulead", "INC-2026-0001", "md")
	if err != nil {
		t.Fatal(err)
	}
	var head string
	b.store.View(ctx, func(tx incidents.Tx) error { head = tx.AuditHead(); return nil })
	mustContain(t, string(f.Data), fmt.Sprintf("| Audit log | intact: all %d entries verified at export; head hash `%s` |", n+1, head))
}
