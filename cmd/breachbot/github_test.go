package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/notifiers/github/githubtest"
)

func TestPlaybooksFromGitHub(t *testing.T) {
	pb, err := os.ReadFile("../../playbooks/personal-data-breach.yaml")
	if err != nil {
		t.Fatal(err)
	}
	clock := clocktest.New(now)
	gh := githubtest.NewServer(t, githubtest.Options{Token: "ghp_console", Now: clock.Now})
	push := gh.Commit("acme/playbooks", "main", map[string]string{"playbooks/personal-data-breach.yaml": string(pb)}, "Add the playbook")
	db := filepath.Join(t.TempDir(), "breachbot.db")
	env := map[string]string{
		"BREACHBOT_PLAYBOOKS": "github:acme/playbooks@main:playbooks/",
		"GITHUB_TOKEN":        "ghp_console",
		"GITHUB_API_URL":      gh.URL,
	}
	m, out, errOut := testMain(t, db, clock, strings.NewReader("/breach declare Laptop stolen --aware 2h ago\n"), env)
	if code := m.Run(context.Background(), []string{"console", "--user", "U1"}); code != 0 {
		t.Fatalf("console: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out.String(), "personal-data-breach v2026.11.1") {
		t.Fatalf("not declared from the GitHub playbook:\n%s", out)
	}
	me, out, errOut := testMain(t, db, clock, nil, env)
	if code := me.Run(context.Background(), []string{"export", "INC-2026-0001"}); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	if want := "(github:acme/playbooks@" + push.After + ":playbooks/personal-data-breach.yaml)"; !strings.Contains(out.String(), want) {
		t.Errorf("export does not name the commit %s:\n%s", want, out)
	}
}

func TestPlaybooksFromGitHubBadSpec(t *testing.T) {
	db := filepath.Join(t.TempDir(), "breachbot.db")
	m, _, errOut := testMain(t, db, clocktest.New(now), strings.NewReader(""), map[string]string{"BREACHBOT_PLAYBOOKS": "github:acme/playbooks"})
	if code := m.Run(context.Background(), []string{"console", "--user", "U1"}); code == 0 {
		t.Fatal("console started with a GitHub playbooks spec without a ref")
	}
	if want := `"github:acme/playbooks" names no ref`; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
}

// TestGitHubWebhookWiring mounts the webhook as serve will.
func TestGitHubWebhookWiring(t *testing.T) {
	clock := clocktest.New(now)
	gh := githubtest.NewServer(t, githubtest.Options{Now: clock.Now})
	cfg := DefaultConfig()
	cfg.DB = filepath.Join(t.TempDir(), "breachbot.db")
	cfg.Playbooks = "github:acme/playbooks@main:playbooks"
	cfg.GitHubAPIURL = gh.URL
	cfg.GitHubWebhookSecret = "s3cret"
	a, err := OpenApp(cfg, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.GitHub == nil || a.GitHubWebhook == nil {
		t.Fatalf("GitHub %v, GitHubWebhook %v; want both wired", a.GitHub, a.GitHubWebhook)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /github/webhook", a.GitHubWebhook.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.DefaultClient.Do(githubtest.NewDelivery(srv.URL+"/github/webhook", []byte("s3cret"), "ping", "d-1", gh.PingPayload("acme/playbooks")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("ping: %d, want 200", resp.StatusCode)
	}
}
