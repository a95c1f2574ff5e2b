package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/internal/logtest"
)

// TestDataCommandInternalErrorShowsARef runs a data command through the
// admin endpoint of a process whose database fails under it: the person at
// the terminal reads an internal error with a reference, not the cause, and
// the running process logs that reference once, with the cause.
func TestDataCommandInternalErrorShowsARef(t *testing.T) {
	ctx := context.Background()
	clock := clocktest.New(now)
	cfg := DefaultConfig()
	cfg.DB = filepath.Join(t.TempDir(), "breachbot.db")
	var serverLog logtest.Buffer
	app, err := OpenApp(cfg, clock, slog.New(slog.NewTextHandler(&serverLog, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	admin, err := startAdmin(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := app.Store.Close(); err != nil {
		t.Fatal(err)
	}

	m, stdout, stderr := testMain(t, cfg.DB, clock, nil, nil)
	if code := m.Run(ctx, []string{"export", "INC-2026-0001"}); code != 1 {
		t.Fatalf("exit %d, want 1; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	got := stderr.String()
	ref := regexp.MustCompile(`internal error \(ref ([0-9a-f]+)\)`).FindStringSubmatch(got)
	if ref == nil {
		t.Fatalf("the terminal shows no reference:\n%s", got)
	}
	if strings.Contains(got, "database not open") {
		t.Errorf("the terminal shows the cause instead of the reference:\n%s", got)
	}
	logged := serverLog.String()
	if n := strings.Count(logged, ref[1]); n != 1 {
		t.Fatalf("the ref %s is in the running process's log %d times, want once:\n%s", ref[1], n, logged)
	}
	if !strings.Contains(logged, "database not open") || !strings.Contains(logged, `command="export`) {
		t.Errorf("the log does not say what failed in which command:\n%s", logged)
	}
}
