package github_test

import (
	"context"
	"log/slog"
	"testing"

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

// The fixture repository and clock, shared with the other GitHub package's
// tests (githubtest).
var t0 = githubtest.T0

const (
	repoName = githubtest.RepoName
	token    = githubtest.Token
	secret   = githubtest.Secret
	pbPath   = githubtest.PlaybookPath
)

var (
	shipped = githubtest.ShippedPlaybook
	tree    = githubtest.PlaybookTree
)

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
