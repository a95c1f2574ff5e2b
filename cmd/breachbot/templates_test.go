package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTemplatesLint runs "breachbot templates lint" as a user and CI would:
// on the built-in templates, on a folder with a broken override, and wrong.
func TestTemplatesLint(t *testing.T) {
	dir := t.TempDir()
	locale := filepath.Join(dir, "breach-notice", "de")
	if err := os.MkdirAll(locale, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"subject.txt", "body.txt", "body.html"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "templates", "notices", "breach-notice", "de", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "body.txt" {
			data = []byte(strings.Replace(string(data), "{{.Incident.WhatHappened}}", "{{.Incident.WhatHapened}}", 1))
		}
		if err := os.WriteFile(filepath.Join(locale, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr string
	}{
		{"built-in templates", []string{"templates", "lint"}, 0, nil, "no problems\n"},
		{"a broken override", []string{"templates", "lint", dir}, 1, []string{
			filepath.Join(locale, "body.txt") + ":19:13: unknown field Incident.WhatHapened, did you mean WhatHappened?",
		}, "1 problem(s)\n"},
		{"the override's file", []string{"templates", "lint", filepath.Join(locale, "body.txt")}, 1, []string{
			filepath.Join(locale, "body.txt") + ":19:13: unknown field Incident.WhatHapened, did you mean WhatHappened?",
		}, "1 problem(s)\n"},
		{"a missing folder", []string{"templates", "lint", filepath.Join(dir, "nope")}, 1, []string{
			filepath.Join(dir, "nope") + ": cannot read: no such file or directory",
		}, "1 problem(s)\n"},
		{"no subcommand", []string{"templates"}, 2, nil, "usage: breachbot templates lint [PATH...]   (template folders or files; no PATH: the built-in notice templates)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, stdout, stderr := testMain(t, filepath.Join(t.TempDir(), "unused.db"), nil, strings.NewReader(""), nil)
			if code := m.Run(context.Background(), tt.args); code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			var got []string
			if out := strings.TrimSuffix(stdout.String(), "\n"); out != "" {
				got = strings.Split(out, "\n")
			}
			if diff := cmp.Diff(tt.wantStdout, got); diff != "" {
				t.Errorf("stdout mismatch (-want +got):\n%s", diff)
			}
			if stderr.String() != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}
