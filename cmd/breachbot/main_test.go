package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/internal/adminapi"
	"github.com/breachbot/breachbot/internal/logtest"
)

// syncBuffer collects output written from several goroutines.
type syncBuffer = logtest.Buffer

// testMain returns a Main on a database in a temp dir with a fake clock.
func testMain(t *testing.T, db string, clock *clocktest.Clock, stdin io.Reader, env map[string]string) (*Main, *syncBuffer, *syncBuffer) {
	t.Helper()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	m := &Main{Stdin: stdin, Stdout: stdout, Stderr: stderr, Clock: clock,
		Getenv: func(k string) string {
			if k == "BREACHBOT_DB" {
				return db
			}
			if k == "BREACHBOT_METRICS_ADDR" && env[k] == "" {
				return "127.0.0.1:0" // not the default 9090, which tests running at once would share
			}
			return env[k]
		}}
	return m, stdout, stderr
}

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

const scenario = `/breach declare Customer DB exposed --playbook personal-data-breach --aware 2026-11-27T09:00:00Z
/breach facts jurisdictions=EU,US-CA data=email,password_hash affected=12000
/breach deadlines
`

func TestConsoleScenarioSurvivesRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "breachbot.db")
	clock := clocktest.New(now)
	m, stdout, stderr := testMain(t, db, clock, strings.NewReader(scenario), nil)
	if code := m.Run(context.Background(), []string{"console", "--user", "U01RESP"}); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	out := stdout.String()
	for _, want := range []string{
		"INC-2026-0001 declared: Customer DB exposed",
		"playbook personal-data-breach v",
		"INC-2026-0001 facts recorded: affected, data_categories, jurisdictions",
		"now applies: gdpr-art33",
		"INC-2026-0001 deadlines: Customer DB exposed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	gdpr := regexp.MustCompile(`gdpr-art33 · [^\n]*\n\s+due 2026-11-30 09:00 UTC \(in 1 d 21 h\) · 72 hours after awareness`)
	if got := gdpr.FindAllString(out, -1); len(got) != 1 {
		t.Errorf("GDPR Art. 33 due 72 h after awareness should show once, on the deadlines board; found %d times in:\n%s", len(got), out)
	}
	// The facts reply says only what changed: GDPR Art. 33 applies, and when it is due.
	mustContain(t, out, "now applies: gdpr-art33 (GDPR Art. 33 - notify the supervisory authority)\n       due 2026-11-30 09:00 UTC (in 1 d 21 h)")
	if !strings.Contains(stderr.String(), "has every role") {
		t.Errorf("no-config notice missing from stderr: %s", stderr)
	}
	if st, err := os.Stat(db); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("database mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}

	// A second run against the same database shows the incident again.
	m2, stdout2, stderr2 := testMain(t, db, clock, strings.NewReader("/breach deadlines\n"), nil)
	if code := m2.Run(context.Background(), []string{"console", "--user", "U01RESP"}); code != 0 {
		t.Fatalf("second run exit %d: %s", code, stderr2)
	}
	if got := gdpr.FindAllString(stdout2.String(), -1); len(got) != 1 {
		t.Errorf("second run does not show the GDPR deadline:\n%s", stdout2)
	}
}

func TestConsoleBadInputSaysWhatToType(t *testing.T) {
	db := filepath.Join(t.TempDir(), "breachbot.db")
	input := `/breach delcare Laptop stolen
/breach declare
/breach declare Laptop stolen --aware yesterday
/breach deadlines
/breach declare Laptop stolen --aware "2026-11-27 08:00"
/breach declare Laptop stolen --aware 2026-11-27T08:00Z --severty high
/breach declare Laptop stolen --aware 2026-11-27T08:00Z
/breach facts jurisdiction=EU
/breach move closed
/breach met gdpr-art33
`
	m, stdout, stderr := testMain(t, db, clocktest.New(now), strings.NewReader(input), nil)
	if code := m.Run(context.Background(), []string{"console", "--user", "U1"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out := stdout.String()
	for _, want := range []string{
		"Error: unknown command \"delcare\"\n  Try: did you mean /breach declare?",
		"Error: declare needs a title\n  Try: usage: /breach declare TITLE",
		"Error: \"yesterday\" is not a time I can read\n  Try: use 2026-11-27T09:00Z",
		"Error: which incident? You have not declared or named one yet",
		"Error: \"2026-11-27 08:00\" has no time zone\n  Try: add one: 2026-11-27T08:00Z for UTC",
		"Error: declare has no option --severty\n  Try: did you mean --severity?",
		"INC-2026-0001 declared: Laptop stolen",
		"Error: unknown fact \"jurisdiction\"\n  Try: did you mean jurisdictions?",
		"Error: INC-2026-0001 cannot move to closed: the playbook needs these steps done or waived first:",
		"Error: the reference is missing\n  Try: /breach met gdpr-art33 --ref CASE-NUMBER",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

func TestDataCommandsWithAndWithoutRunningConsole(t *testing.T) {
	db := filepath.Join(t.TempDir(), "breachbot.db")
	clock := clocktest.New(now)
	m, _, stderr := testMain(t, db, clock, strings.NewReader(scenario), nil)
	if code := m.Run(context.Background(), []string{"console", "--user", "U1"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}

	// No process holds the database: the commands open it themselves.
	mv, out, errOut := testMain(t, db, clock, nil, nil)
	if code := mv.Run(context.Background(), []string{"audit", "verify"}); code != 0 || !strings.Contains(out.String(), "audit log OK: 2 entries") {
		t.Fatalf("audit verify offline: exit %d, %s %s", code, out, errOut)
	}
	me, out, errOut := testMain(t, db, clock, nil, nil)
	if code := me.Run(context.Background(), []string{"export", "INC-2026-0001", "--format", "json"}); code != 0 || !strings.Contains(out.String(), `"id": "gdpr-art33"`) {
		t.Fatalf("export offline: exit %d, %s %s", code, out, errOut)
	}

	// A console runs and holds the database: the same commands go through it.
	pr, pw := io.Pipe()
	ready := make(chan *App, 1)
	mc, _, cerr := testMain(t, db, clock, pr, nil)
	mc.started = func(a *App) { ready <- a }
	done := make(chan int, 1)
	go func() { done <- mc.Run(context.Background(), []string{"console", "--user", "U1"}) }()
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("console exited %d: %s", code, cerr)
	}
	start := time.Now()
	_, err := boltstore.Open(db)
	if err == nil || !strings.Contains(err.Error(), "database in use") {
		t.Errorf("opening a held database: %v, want a database in use error", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the in-use error took %v; it must come within 2 s", took)
	}
	mv2, out, errOut := testMain(t, db, clock, nil, nil)
	if code := mv2.Run(context.Background(), []string{"export", "INC-2026-0001"}); code != 0 || !strings.Contains(out.String(), "# INC-2026-0001: Customer DB exposed") {
		t.Errorf("export through the running console: exit %d, %s %s", code, out, errOut)
	}
	mv3, out, errOut := testMain(t, db, clock, nil, nil)
	if code := mv3.Run(context.Background(), []string{"audit", "verify"}); code != 0 || !strings.Contains(out.String(), "audit log OK: 4 entries") {
		t.Errorf("audit verify through the running console: exit %d, %s %s", code, out, errOut)
	}
	pw.Close()
	if code := <-done; code != 0 {
		t.Errorf("console exit %d: %s", code, cerr)
	}
	if _, err := os.Stat(adminapi.File(db)); !os.IsNotExist(err) {
		t.Errorf("admin file left behind after the console stopped: %v", err)
	}
}

func TestEditingAPlaybookNeverChangesARunningIncident(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "playbooks")
	os.Mkdir(folder, 0o755)
	orig, err := os.ReadFile("../../playbooks/personal-data-breach.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(folder, "personal-data-breach.yaml")
	os.WriteFile(file, orig, 0o644)
	db := filepath.Join(dir, "breachbot.db")
	env := map[string]string{"BREACHBOT_PLAYBOOKS": folder}
	clock := clocktest.New(now)
	run := func(input string) string {
		t.Helper()
		m, out, errOut := testMain(t, db, clock, strings.NewReader(input), env)
		if code := m.Run(context.Background(), []string{"console", "--user", "U1"}); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return out.String()
	}
	first := run("/breach declare Laptop stolen --aware 2h ago\n")
	if !strings.Contains(first, "personal-data-breach v2026.11.1") {
		t.Fatalf("first incident not on v2026.11.1:\n%s", first)
	}
	// The security lead edits the playbook: a new version with a changed step.
	edited := strings.Replace(string(orig), `version: "2026.11.1"`, `version: "2026.12.0"`, 1)
	edited = strings.Replace(edited, "title: Preserve evidence before changing systems", "title: Preserve evidence with the new forensics kit", 1)
	os.WriteFile(file, []byte(edited), 0o644)

	out := run("/breach declare Phishing --aware 1h ago\n/breach steps --incident INC-2026-0001\n/breach steps --incident INC-2026-0002\n")
	parts := strings.Split(out, "checklist")
	if len(parts) != 3 {
		t.Fatalf("expected two checklists:\n%s", out)
	}
	if !strings.Contains(parts[1], "(personal-data-breach v2026.11.1)") || !strings.Contains(parts[1], "preserve-evidence · Preserve evidence before changing systems") {
		t.Errorf("the running incident changed with the file:\n%s", parts[1])
	}
	if !strings.Contains(parts[2], "(personal-data-breach v2026.12.0)") || !strings.Contains(parts[2], "preserve-evidence · Preserve evidence with the new forensics kit") {
		t.Errorf("the new incident did not get the edited playbook:\n%s", parts[2])
	}
	// A broken edit is refused with file:line, and nothing is declared.
	os.WriteFile(file, []byte(strings.Replace(edited, "owner: responders", "owner: everyone", 1)), 0o644)
	out = run("/breach declare Third --aware 1h ago\n/breach list\n")
	if !strings.Contains(out, "personal-data-breach.yaml:") || !strings.Contains(out, "everyone") {
		t.Errorf("a broken playbook was not reported with its file and line:\n%s", out)
	}
	if strings.Contains(out, "INC-2026-0003") {
		t.Errorf("an incident was declared from a broken playbook:\n%s", out)
	}
}

func TestConsolePrintsRemindersWhileItRuns(t *testing.T) {
	db := filepath.Join(t.TempDir(), "breachbot.db")
	clock := clocktest.New(now) // 2026-11-28 12:00 UTC
	pr, pw := io.Pipe()
	m, stdout, stderr := testMain(t, db, clock, pr, nil)
	ready := make(chan *App, 1)
	m.started = func(a *App) { ready <- a }
	done := make(chan int, 1)
	go func() { done <- m.Run(context.Background(), []string{"console", "--user", "U1"}) }()
	<-ready
	// Aware 30 hours ago: GDPR's 50% reminder is 6 hours away.
	io.WriteString(pw, "/breach declare Customer DB exposed --aware 2026-11-27T06:00Z --facts jurisdictions=EU\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waitFor := func(what string) {
		t.Helper()
		for !strings.Contains(stdout.String(), what) {
			select {
			case <-ctx.Done():
				t.Fatalf("console never printed %q:\n%s\n%s", what, stdout, stderr)
			case <-time.After(5 * time.Millisecond): // polling the output, not waiting for a deadline
			}
		}
	}
	waitFor("INC-2026-0001 declared")
	if err := clock.BlockUntil(ctx, 1); err != nil { // the scheduler sleeps until the reminder
		t.Fatal(err)
	}
	if strings.Contains(stdout.String(), "Reminder") {
		t.Fatalf("a reminder was printed before it was due:\n%s", stdout)
	}
	clock.Advance(6 * time.Hour)
	waitFor(">>> Reminder: GDPR Art. 33 - notify the supervisory authority for INC-2026-0001 is due in 1 d 12 h")
	pw.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := strings.Count(stdout.String(), ">>> Reminder"); n != 1 {
		t.Errorf("%d reminders printed, want exactly 1:\n%s", n, stdout)
	}
}
