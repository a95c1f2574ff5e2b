package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/internal/diag"
	"github.com/breachbot/breachbot/playbooks"
)

// runCLI runs breachbot with args and no database, config or environment.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	m, out, errOut := testMain(t, filepath.Join(t.TempDir(), "none.db"), nil, strings.NewReader(""), nil)
	code = m.Run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func mustHave(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, text)
		}
	}
}

func TestCatalogCommands(t *testing.T) {
	t.Parallel()
	cat, err := playbooks.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "regulations.yaml"), []byte(`version: acme-1
regulations:
  - {id: cyber-insurer, title: Notify our cyber insurer, citation: Policy CY-123, status: in_force, deadline: {start: awareness, within: 48 hours}}
`), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCLI(t, "regulations", "list")
	if code != 0 {
		t.Fatalf("regulations list: exit %d: %s", code, errOut)
	}
	mustHave(t, "regulations list", out, fmt.Sprintf("%d regulations in catalog %s\n", len(cat.Rules), cat.Ref.Version),
		"gdpr-art33 · EU · 72 hours after awareness", "details: breachbot regulations show ID")

	code, out, _ = runCLI(t, "regulations", "list", "--playbooks", dir)
	if code != 0 {
		t.Fatalf("regulations list --playbooks: exit %d", code)
	}
	mustHave(t, "regulations list of an extended catalog", out,
		fmt.Sprintf("%d regulations in catalog %s + acme-1\n", len(cat.Rules)+1, cat.Ref.Version),
		"gdpr-art33 · EU", "cyber-insurer · 48 hours after awareness\n       Notify our cyber insurer")

	code, out, _ = runCLI(t, "regulations", "list", "--jurisdiction", "US-CA")
	if code != 0 || strings.Contains(out, "gdpr-art33") {
		t.Errorf("regulations list --jurisdiction US-CA: exit %d, shows GDPR:\n%s", code, out)
	}
	mustHave(t, "regulations list --jurisdiction US-CA", out, "regulations for US-CA", "· US-CA ·")

	code, out, _ = runCLI(t, "regulations", "show", "cyber-insurer", "--playbooks", dir)
	if code != 0 {
		t.Fatalf("regulations show: exit %d", code)
	}
	mustHave(t, "regulations show", out, "cyber-insurer: Notify our cyber insurer\n", "Deadline: 48 hours after awareness", "Citation: Policy CY-123")

	code, _, errOut = runCLI(t, "regulations", "show", "gdpr-art3")
	if code != 1 {
		t.Errorf("show of an unknown id: exit %d, want 1", code)
	}
	mustHave(t, "show of an unknown id", errOut, `there is no regulation "gdpr-art3"`, "did you mean gdpr-art33 or gdpr-art34? breachbot regulations list gives every id")

	code, out, _ = runCLI(t, "facts", "list")
	if code != 0 {
		t.Fatalf("facts list: exit %d", code)
	}
	mustHave(t, "facts list", out, fmt.Sprintf("%d facts in catalog", len(cat.Facts)), "data_categories (set), also data", "values: email, ")

	code, out, _ = runCLI(t, "events", "list")
	if code != 0 {
		t.Fatalf("events list: exit %d", code)
	}
	mustHave(t, "events list", out, fmt.Sprintf("%d events in catalog", len(cat.Events)), "awareness\n", "ransom_paid\n")

	code, _, errOut = runCLI(t, "regulations", "show")
	if code != 2 || !strings.Contains(errOut, "usage: breachbot regulations list") {
		t.Errorf("regulations show without an id: exit %d, %q; want the usage", code, errOut)
	}
}

// brokenFolder is a playbooks folder with one error and one note.
func brokenFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"regulations.yaml": "regulations:\n  - {id: gdpr-art33, title: \"GDPR, our reading\", citation: c, status: in_force, deadline: {start: awareness, within: 48h}}\n",
		"pb.yaml":          "id: pb\nversion: \"1\"\ntitle: PB\nsteps: [{id: a, title: A, owner: everyone}]\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPlaybooksLintFormats(t *testing.T) {
	t.Parallel()
	dir := brokenFolder(t)
	pb, regs := filepath.Join(dir, "pb.yaml"), filepath.Join(dir, "regulations.yaml")

	code, out, errOut := runCLI(t, "playbooks", "lint", "--format", "github", dir)
	if code != 1 {
		t.Errorf("lint --format github: exit %d, want 1", code)
	}
	want := "::error file=" + pb + ",line=4,col=34::owner \"everyone\" is not a role; use one of responders, leads, legal\n" +
		"::notice file=" + regs + ",line=2,col=10::regulation gdpr-art33 overrides the built-in one (see: breachbot regulations show gdpr-art33)\n" // only property values escape ':'
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("lint --format github mismatch (-want +got):\n%s", diff)
	}
	mustHave(t, "lint stderr", errOut, "1 problem(s)")

	code, out, _ = runCLI(t, "playbooks", "lint", dir, "--format", "json")
	if code != 1 {
		t.Errorf("lint --format json: exit %d, want 1", code)
	}
	var got struct {
		Errors, Notes int
		Problems      []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("lint --format json is not JSON: %v\n%s", err, out)
	}
	wantJSON := []map[string]any{
		{"file": pb, "line": 4.0, "col": 34.0, "severity": "error", "message": `owner "everyone" is not a role; use one of responders, leads, legal`},
		{"file": regs, "line": 2.0, "col": 10.0, "severity": "note", "message": "regulation gdpr-art33 overrides the built-in one (see: breachbot regulations show gdpr-art33)"},
	}
	if got.Errors != 1 || got.Notes != 1 {
		t.Errorf("errors, notes = %d, %d; want 1, 1", got.Errors, got.Notes)
	}
	if diff := cmp.Diff(wantJSON, got.Problems); diff != "" {
		t.Errorf("lint --format json mismatch (-want +got):\n%s", diff)
	}

	// Only a note: success, and the note is shown.
	if err := os.WriteFile(pb, []byte("id: pb\nversion: \"1\"\ntitle: PB\nsteps: [{id: a, title: A, owner: leads}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "playbooks", "lint", dir)
	if code != 0 {
		t.Errorf("lint with only a note: exit %d, want 0", code)
	}
	mustHave(t, "lint with only a note", out+errOut, regs+":2:10: note: regulation gdpr-art33 overrides", "no problems, 1 note(s)")

	code, out, _ = runCLI(t, "playbooks", "lint", "--format", "json", dir)
	if code != 0 || !strings.Contains(out, `"errors": 0`) {
		t.Errorf("lint --format json with only a note: exit %d\n%s", code, out)
	}

	code, _, errOut = runCLI(t, "playbooks", "lint", "--format", "xml", dir)
	if code != 2 || !strings.Contains(errOut, `unknown lint format "xml"; use --format text, json or github`) {
		t.Errorf("lint --format xml: exit %d, %q", code, errOut)
	}
}

func TestGitHubWorkflowCommandEscaping(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	diag.WriteGitHub(&b, playbooks.Problems{
		{File: "a,b:c.yaml", Line: 3, Col: 0, Message: "50% done\nnext line"},
		{File: "gone.yaml", Message: "cannot read: file does not exist"},
	})
	want := "::error file=a%2Cb%3Ac.yaml,line=3,col=1::50%25 done%0Anext line\n" +
		"::error file=gone.yaml::cannot read: file does not exist\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("workflow commands mismatch (-want +got):\n%s", diff)
	}
}
