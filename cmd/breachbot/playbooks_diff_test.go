package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/notifiers/github/githubtest"
)

// shippedV2 is the shipped misdirected-email playbook with step prevent
// replaced by log-it, in a new version.
func shippedV2(t *testing.T) (v1, v2 string) {
	t.Helper()
	data, err := os.ReadFile("../../playbooks/misdirected-email.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v1 = string(data)
	v2 = strings.Replace(v1, `version: "2026.11.2"`, `version: "2026.12.1"`, 1)
	i := strings.Index(v2, "  - id: prevent\n")
	j := strings.Index(v2[i:], "\nobligations:")
	if i < 0 || j < 0 {
		t.Fatal("misdirected-email.yaml no longer has step prevent before its obligations")
	}
	v2 = v2[:i] + "  - id: log-it\n    title: Log it in the breach register\n    owner: leads\n" + v2[i+j+1:]
	return v1, v2
}

func TestPlaybooksDiffFilesAndFolders(t *testing.T) {
	t.Parallel()
	v1, v2 := shippedV2(t)
	oldDir, newDir := t.TempDir(), t.TempDir()
	for dir, text := range map[string]string{oldDir: v1, newDir: v2} {
		if err := os.WriteFile(filepath.Join(dir, "misdirected-email.yaml"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(oldDir, "old.yaml"), []byte("id: old\nversion: \"1\"\ntitle: Old\nsteps: [{id: triage, title: Triage, owner: responders}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{filepath.Join(oldDir, "misdirected-email.yaml"), filepath.Join(newDir, "misdirected-email.yaml")},
		{oldDir, newDir},
	} {
		m, out, errOut := testMain(t, "", clocktest.New(now), nil, nil)
		if code := m.Run(context.Background(), append([]string{"playbooks", "diff"}, args...)); code != 0 {
			t.Fatalf("playbooks diff %v: exit %d: %s", args, code, errOut)
		}
		mustContainAll(t, out.String(), "Playbook misdirected-email: v2026.11.2 → v2026.12.1", "removed: prevent", "added: log-it")
		if got := strings.Contains(out.String(), "playbook removed: old"); got != (args[0] == oldDir) {
			t.Errorf("playbooks diff %v: says old was removed: %v\n%s", args, got, out)
		}
	}

	m, _, errOut := testMain(t, "", clocktest.New(now), nil, nil)
	if code := m.Run(context.Background(), []string{"playbooks", "diff", oldDir}); code != 2 || !strings.Contains(errOut.String(), "usage: breachbot playbooks diff OLD NEW") {
		t.Errorf("one argument: exit %d, stderr %q; want 2 and the usage", code, errOut)
	}
	m, _, errOut = testMain(t, "", clocktest.New(now), nil, nil)
	if code := m.Run(context.Background(), []string{"playbooks", "diff", oldDir, filepath.Join(newDir, "nope.yaml")}); code != 1 || !strings.Contains(errOut.String(), "nope.yaml") {
		t.Errorf("a missing side: exit %d, stderr %q; want 1 naming it", code, errOut)
	}
}

func TestPlaybooksDiffGitHubRefs(t *testing.T) {
	t.Parallel()
	v1, v2 := shippedV2(t)
	clock := clocktest.New(now)
	gh := githubtest.NewServer(t, githubtest.Options{Token: "ghp_diff", Now: clock.Now})
	gh.Commit("acme/playbooks", "v1", map[string]string{"playbooks/misdirected-email.yaml": v1}, "v1")
	gh.Commit("acme/playbooks", "main", map[string]string{"playbooks/misdirected-email.yaml": v2}, "v2")
	m, out, errOut := testMain(t, "", clock, nil, map[string]string{"GITHUB_TOKEN": "ghp_diff", "GITHUB_API_URL": gh.URL})
	if code := m.Run(context.Background(), []string{"playbooks", "diff", "github:acme/playbooks@v1:playbooks/", "github:acme/playbooks@main:playbooks/"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	mustContainAll(t, out.String(), "Playbook misdirected-email: v2026.11.2 → v2026.12.1", "removed: prevent", "added: log-it")
}

func mustContainAll(t *testing.T, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("output lacks %q:\n%s", w, s)
		}
	}
}
