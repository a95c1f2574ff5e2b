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

// TestImportSaysWhichRecordedFactsItChanged: a responder recorded the
// number of affected people; an import that finds another number says
// what it was, who set it and when, and what it is now.
func TestImportSaysWhichRecordedFactsItChanged(t *testing.T) {
	e := newNoticeEnv(t, "")
	csv := e.file("people.csv", "email,name,country\na@example.com,A,DE\nb@example.com,B,DE\n")
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach facts affected=12000 jurisdictions=EU",
		"/breach notice import "+csv)
	mustContain(t, out,
		"affected was 12000 (set by U_RESP at 2026-11-28 12:00 UTC), now 2 from the import",
		"jurisdictions was EU (set by U_RESP at 2026-11-28 12:00 UTC), now DE,EU from the import")
	code, stdout, stderr := e.run("notice", "import", "INC-2026-0001", e.file("one.csv", "email,country\nc@example.com,DE\n"))
	if code != 0 {
		t.Fatalf("import: exit %d %s", code, stderr)
	}
	mustContain(t, stdout, "affected was 2 (from an import by U_RESP at 2026-11-28 12:00 UTC), now 1 from the import")
}
