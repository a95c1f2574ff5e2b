package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/breachbot/breachbot/incidents/clocktest"
)

// TestDataCommandsWithoutADatabaseCreateNothing runs every data command in
// a folder with no database: each says where it looked and how to point it
// elsewhere, and the folder stays empty.
func TestDataCommandsWithoutADatabaseCreateNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "breachbot.db")
	csv := filepath.Join(t.TempDir(), "people.csv")
	os.WriteFile(csv, []byte("email\na@example.com\n"), 0o600)
	for _, args := range [][]string{
		{"export", "INC-2026-0001"},
		{"audit", "verify"},
		{"notice", "lookup", "INC-2026-0001", "a@example.com"},
		{"notice", "import", "INC-2026-0001", csv},
		{"notice", "purge", "INC-2026-0001"},
		{"export", "INC-2026-0001", "--db", db},
	} {
		m, _, stderr := testMain(t, db, clocktest.New(now), nil, nil)
		if code := m.Run(context.Background(), args); code != 1 {
			t.Errorf("%v: exit %d, want 1: %s", args, code, stderr)
		}
		mustContain(t, stderr.String(), "breachbot: no database at "+db+" (set BREACHBOT_DB or --db)\n")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the data commands created %v", entries)
	}
}
