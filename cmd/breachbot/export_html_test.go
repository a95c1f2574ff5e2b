package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents/clocktest"
)

// breachbot export INCIDENT --format html writes the self-contained page,
// timeline picture included, to stdout.
func TestExportHTMLFromTheCommandLine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "breachbot.db")
	clock := clocktest.New(now)
	m, _, stderr := testMain(t, db, clock, strings.NewReader("/breach declare Laptop stolen --aware 2026-11-27T09:00:00Z\n"), nil)
	if code := m.Run(context.Background(), []string{"console", "--user", "U1"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	me, out, errOut := testMain(t, db, clock, nil, nil)
	if code := me.Run(context.Background(), []string{"export", "INC-2026-0001", "--format", "html"}); code != 0 {
		t.Fatalf("export --format html: exit %d, %s", code, errOut)
	}
	page := out.String()
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "<svg ") || !strings.Contains(page, "<h1>INC-2026-0001: Laptop stolen</h1>") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("export --format html wrote:\n%.500s", page)
	}
}
