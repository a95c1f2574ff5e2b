package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/breachbot/breachbot/playbooks"
)

func TestPlaybooksExportCACAO(t *testing.T) {
	t.Parallel()
	pb, err := playbooks.New(playbooks.Embedded(), "embedded").Playbook(context.Background(), "personal-data-breach")
	if err != nil {
		t.Fatal(err)
	}
	want, err := playbooks.CACAO(pb)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"playbooks", "export", "personal-data-breach", "--format", "cacao"},
		{"playbooks", "export", "--format=cacao", "personal-data-breach"},
	} {
		code, out, errOut := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if out != string(want) {
			t.Errorf("%v wrote:\n%.300s...\nwant the CACAO export of the built-in personal-data-breach:\n%.300s...", args, out, want)
		}
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte(`id: acme
version: "2026.12"
title: Acme breach plan
steps:
  - {id: triage, title: Call the Acme hotline, owner: responders, gate: investigating}
obligations:
  - regulation: gdpr-art33
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "playbooks", "export", "acme", "--format", "cacao", "--playbooks", dir)
	if code != 0 {
		t.Fatalf("export from a folder: exit %d: %s", code, errOut)
	}
	var doc struct {
		Type        string `json:"type"`
		SpecVersion string `json:"spec_version"`
		Name        string `json:"name"`
		Modified    string `json:"modified"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("export from a folder is not JSON: %v\n%s", err, out)
	}
	if doc.Type != "playbook" || doc.SpecVersion != "cacao-2.0" || doc.Name != "Acme breach plan" || doc.Modified != "2026-12-01T00:00:00.000Z" {
		t.Errorf("export of acme = %+v, want a cacao-2.0 playbook named Acme breach plan, modified 2026-12-01", doc)
	}
}

func TestPlaybooksExportRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"unknown playbook", []string{"playbooks", "export", "nope", "--format", "cacao"}, 1,
			[]string{`no playbook "nope"`, "known playbooks:", "personal-data-breach"}},
		{"no format", []string{"playbooks", "export", "personal-data-breach"}, 2,
			[]string{"no --format given; use --format cacao"}},
		{"unknown format", []string{"playbooks", "export", "personal-data-breach", "--format", "stix"}, 2,
			[]string{`unknown export format "stix"; use --format cacao`}},
		{"no playbook", []string{"playbooks", "export", "--format", "cacao"}, 2,
			[]string{"name one playbook to export", "usage: breachbot playbooks export ID --format cacao"}},
		{"missing folder", []string{"playbooks", "export", "acme", "--format", "cacao", "--playbooks", "/nonexistent/playbooks"}, 1,
			[]string{"playbooks folder /nonexistent/playbooks is not a readable folder", "--playbooks FOLDER"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.code, errOut)
			}
			if out != "" {
				t.Errorf("wrote to stdout on a refusal: %q", out)
			}
			mustHave(t, "stderr", errOut, c.wants...)
		})
	}
}
