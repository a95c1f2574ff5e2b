package github_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/internal/githubapi"
	"github.com/breachbot/breachbot/internal/logtest"
	"github.com/breachbot/breachbot/notifiers/github"
	"github.com/breachbot/breachbot/notifiers/github/githubtest"
	"github.com/breachbot/breachbot/playbooks"
	ghplaybooks "github.com/breachbot/breachbot/playbooks/github"
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

// fixture is breachbot's GitHub side on a real bbolt file: a fake GitHub,
// the Playbooks source, the webhook mounted as serve mounts it, and the
// incidents Service that declares from the source.
type fixture struct {
	t      *testing.T
	gh     *githubtest.Server
	clock  *clocktest.Clock
	log    *logtest.Buffer
	dbPath string
	spec   ghplaybooks.RepoSpec

	mu    sync.Mutex
	store *boltstore.Store
	pb    *ghplaybooks.Source
	hook  *github.Webhook
	svc   *incidents.Service

	url string // of POST /github/webhook
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: clocktest.New(t0), log: &logtest.Buffer{}, dbPath: filepath.Join(t.TempDir(), "breachbot.db")}
	f.gh = githubtest.NewServer(t, githubtest.Options{Token: token, Now: f.clock.Now})
	spec, err := ghplaybooks.ParseRepoSpec("github:acme/playbooks@main:playbooks/")
	if err != nil {
		t.Fatal(err)
	}
	f.spec = spec
	f.open()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /github/webhook", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		h := f.hook.Handler()
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL + "/github/webhook"
	t.Cleanup(func() { f.store.Close() })
	return f
}

// open opens the database and wires everything, as the app does at start.
func (f *fixture) open() {
	f.t.Helper()
	store, err := boltstore.Open(f.dbPath)
	if err != nil {
		f.t.Fatal(err)
	}
	client, err := githubapi.NewClient(token, f.gh.URL)
	if err != nil {
		f.t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(f.log, nil))
	pb := ghplaybooks.New(client, f.spec, ghplaybooks.Options{
		Clock: f.clock, Logger: logger, Builtin: playbooks.New(nil, "embedded"),
	})
	hook, err := github.NewWebhook(github.WebhookConfig{Log: store.GitHubLog(), Playbooks: pb, Client: client, Secret: []byte(secret), Clock: f.clock, Logger: logger})
	if err != nil {
		f.t.Fatal(err)
	}
	svc := incidents.NewService(incidents.Config{Store: store, Playbooks: pb, Clock: f.clock, Logger: logger})
	f.mu.Lock()
	f.store, f.pb, f.hook, f.svc = store, pb, hook, svc
	f.mu.Unlock()
}

// restart closes the database and opens everything again, as a crash and
// restart of the process does.
func (f *fixture) restart() {
	f.t.Helper()
	if err := f.store.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.open()
}

// deliver sends a webhook delivery as GitHub does and returns the status
// code and body of the answer.
func (f *fixture) deliver(req *http.Request) (int, string) {
	f.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// push delivers the push webhook for p under the given delivery id and
// requires it accepted.
func (f *fixture) push(p githubtest.Push, delivery string) {
	f.t.Helper()
	code, body := f.deliver(githubtest.NewDelivery(f.url, []byte(secret), "push", delivery, f.gh.PushPayload(p)))
	if code != http.StatusAccepted {
		f.t.Fatalf("push delivery %s: %d %s, want 202", delivery, code, body)
	}
}

// drain runs the status worker's pass once and returns when it would run
// next.
func (f *fixture) drain() time.Time {
	f.t.Helper()
	next, err := f.hook.Drain(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return next
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

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func source(commit string) string { return "github:acme/playbooks@" + commit + ":" + pbPath }

// statusRequests returns how many commit status requests GitHub answered
// with the given code.
func (f *fixture) statusRequests(code int) int {
	n := 0
	for _, r := range f.gh.Requests() {
		if r.Method == http.MethodPost && strings.Contains(r.Path, "/statuses/") && r.Code == code {
			n++
		}
	}
	return n
}
