package github_test

import (
	"context"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/boltstore/boltstoretest"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/internal/githubapi"
	"github.com/breachbot/breachbot/internal/logtest"
	"github.com/breachbot/breachbot/notifiers/github/githubtest"
	"github.com/breachbot/breachbot/playbooks"
	"github.com/breachbot/breachbot/playbooks/github"
)

// t0 is in the past on purpose: go-github compares rate-limit reset times
// with the wall clock, and tests must see the resets GitHub sends in fake
// time as already passed for the wall clock.
var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

const (
	repoName = "acme/playbooks"
	token    = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
	secret   = "It's a Secret to Everybody"
	pbPath   = "playbooks/personal-data-breach.yaml"
)

// shipped returns the shipped personal-data-breach playbook with its
// version set to version.
func shipped(t *testing.T, version string) string {
	t.Helper()
	data, err := fs.ReadFile(playbooks.Embedded(), "personal-data-breach.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if !strings.Contains(s, `version: "2026.11.1"`) {
		t.Fatal("the shipped playbook's version line changed; update the test")
	}
	return strings.Replace(s, `version: "2026.11.1"`, `version: "`+version+`"`, 1)
}

// tree is a playbooks repository: the playbook in playbooks/, and files
// the source must leave alone (outside the folder, or not YAML).
func tree(playbook string) map[string]string {
	return map[string]string{
		pbPath:                       playbook,
		"playbooks/notes.md":         "# How we write playbooks\n",
		"README.md":                  "# Acme breach response playbooks\n",
		".github/workflows/lint.yml": "name: lint\non: [push]\njobs: {}\n",
	}
}

// fixture is a Source reading a fake GitHub, and the incidents Service
// that declares from it, on a real bbolt file.
type fixture struct {
	t     *testing.T
	gh    *githubtest.Server
	clock *clocktest.Clock
	log   *logtest.Buffer
	store *boltstore.Store
	pb    *github.Source
	svc   *incidents.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: clocktest.New(t0), log: &logtest.Buffer{}}
	f.gh = githubtest.NewServer(t, githubtest.Options{Token: token, Now: f.clock.Now})
	spec, err := github.ParseRepoSpec("github:acme/playbooks@main:playbooks/")
	if err != nil {
		t.Fatal(err)
	}
	store := boltstoretest.MustOpen(t)
	client, err := githubapi.NewClient(token, f.gh.URL)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(f.log, nil))
	f.store = store
	f.pb = github.New(client, spec, github.Options{Clock: f.clock, Logger: logger, Builtin: playbooks.New(nil, "embedded")})
	f.svc = incidents.NewService(incidents.Config{Store: store, Playbooks: f.pb, Clock: f.clock, Logger: logger})
	return f
}

// declare declares an incident from the GitHub playbooks.
func (f *fixture) declare(title, playbook string) (*incidents.Result, error) {
	return f.svc.Declare(context.Background(), "U01LEAD", incidents.DeclareInput{Title: title, Playbook: playbook})
}

func (f *fixture) mustDeclare(title string) *incidents.Incident {
	f.t.Helper()
	res, err := f.declare(title, "")
	if err != nil {
		f.t.Fatalf("declare %q: %v", title, err)
	}
	return res.Incident
}

func source(commit string) string { return "github:acme/playbooks@" + commit + ":" + pbPath }
