package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents/clocktest"
)

// quickStart returns the README's quick start section, the /breach lines
// its example pipes to the console, and where the output it shows lies in
// the README (the fenced block after the line that starts "prints").
func quickStart(t *testing.T, readme string) (lines []string, outStart, outEnd int) {
	t.Helper()
	start := strings.Index(readme, "## Quick start")
	if start < 0 {
		t.Fatal("README.md has no Quick start section")
	}
	end := strings.Index(readme[start+1:], "\n## ")
	if end < 0 {
		end = len(readme) - start - 1
	}
	sec := readme[start : start+1+end]
	for _, m := range regexp.MustCompile(`(?m)^\s*'(/breach [^']*)'`).FindAllStringSubmatch(sec, -1) {
		lines = append(lines, m[1])
	}
	p := strings.Index(sec, "\nprints")
	if p < 0 {
		t.Fatal(`the Quick start has no "prints" line before the output it shows`)
	}
	open := strings.Index(sec[p:], "```\n")
	if open < 0 {
		t.Fatal("no fenced block after the quick start's prints line")
	}
	outStart = start + p + open + len("```\n")
	closing := strings.Index(readme[outStart:], "```\n")
	if closing < 0 {
		t.Fatal("the quick start's output block is not closed")
	}
	return lines, outStart, outStart + closing
}

// The README quick start's three commands, piped to the console, print at
// most 40 lines, and the README shows exactly that output (at the time it
// names, 2026-11-28 12:00 UTC).
func TestReadmeQuickStartIsShortAndShown(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	lines, outStart, outEnd := quickStart(t, readme)
	if len(lines) != 3 {
		t.Fatalf("the quick start pipes %d /breach lines, want 3: %q", len(lines), lines)
	}
	db := filepath.Join(t.TempDir(), "breachbot.db")
	m, stdout, stderr := testMain(t, db, clocktest.New(now), strings.NewReader(strings.Join(lines, "\n")+"\n"), nil)
	if code := m.Run(context.Background(), []string{"console", "--user", "U01RESP"}); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	out := strings.TrimRight(stdout.String(), "\n") + "\n"
	if n := strings.Count(out, "\n"); n > 40 {
		t.Errorf("the quick start prints %d lines, want at most 40:\n%s", n, out)
	}
	if n := strings.Count(out, "not legal advice"); n != 1 {
		t.Errorf("the disclaimer shows %d times, want once (at declare):\n%s", n, out)
	}
	// What .ci/run greps for.
	mustContain(t, out, "INC-2026-0001 declared", "due 2026-11-30 09:00 UTC")
	if *update {
		if err := os.WriteFile("../../README.md", []byte(readme[:outStart]+out+readme[outEnd:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(readme[outStart:outEnd], out); diff != "" {
		t.Errorf("the README's quick start output differs from the console's (-README +console; -update rewrites it):\n%s", diff)
	}
}
