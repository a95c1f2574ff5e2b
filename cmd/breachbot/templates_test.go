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
	// A company's English notice without the agency contacts block: New
	// York (among others) requires it (N.Y. Gen. Bus. Law 899-aa(7)).
	noAgencies := filepath.Join(t.TempDir(), "breach-notice", "en")
	if err := os.MkdirAll(noAgencies, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"subject.txt", "body.txt", "body.html"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "templates", "notices", "breach-notice", "en", f))
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		if i := strings.Index(s, "{{- with .Content.AgencyContacts}}"); i >= 0 {
			j := strings.Index(s[i:], "{{- end}}\n{{- end}}\n\n")
			s = s[:i] + s[i+j+len("{{- end}}\n{{- end}}\n"):]
		}
		if err := os.WriteFile(filepath.Join(noAgencies, f), []byte(s), 0o644); err != nil {
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
			filepath.Join(locale, "body.txt") + ":20:13: unknown field Incident.WhatHapened, did you mean WhatHappened?",
		}, "1 problem(s)\n"},
		{"the override's file", []string{"templates", "lint", filepath.Join(locale, "body.txt")}, 1, []string{
			filepath.Join(locale, "body.txt") + ":20:13: unknown field Incident.WhatHapened, did you mean WhatHappened?",
		}, "1 problem(s)\n"},
		{"a notice without agency contacts", []string{"templates", "lint", filepath.Dir(noAgencies)}, 1, []string{
			filepath.Join(noAgencies, "body.html") + ":1:1: does not use Content.AgencyContacts: the agencies' contact blocks (from the catalog), which the notices of…",
			filepath.Join(noAgencies, "body.txt") + ":1:1: does not use Content.AgencyContacts: the agencies' contact blocks (from the catalog), which the notices of…",
		}, "2 problem(s)\n"},
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
			// A wanted line ending in … is a prefix (the rest names the
			// catalog's laws, which grow); New York must be among them.
			for i, w := range tt.wantStdout {
				if p, ok := strings.CutSuffix(w, "…"); ok && i < len(got) && strings.HasPrefix(got[i], p) {
					if !strings.Contains(got[i], "ny-gbl") {
						t.Errorf("the problem does not name New York's law (ny-gbl): %s", got[i])
					}
					got[i] = w
				}
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
