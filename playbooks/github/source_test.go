package github_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/internal/githubapi"
	"github.com/breachbot/breachbot/notifiers/github/githubtest"
	"github.com/breachbot/breachbot/playbooks"
	"github.com/breachbot/breachbot/playbooks/github"
)

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestPlaybooksServeTheFolderAtTheResolvedCommit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	v1 := shipped(t, "2026.11.1")
	a := f.gh.Commit(repoName, "main", tree(v1), "Add the breach playbook")

	pb, err := f.pb.Default(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{pb.ID, pb.Version, pb.Source, pb.SHA256}
	want := []string{"personal-data-breach", "2026.11.1", source(a.After), sha256hex(v1)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("playbook id, version, source, sha256 (-want +got):\n%s", diff)
	}
	blob := githubtest.BlobSHA([]byte(v1))
	wantReqs := []githubtest.Request{
		{Method: "GET", Path: "/repos/acme/playbooks/commits/main", Code: 200},
		{Method: "GET", Path: "/repos/acme/playbooks/contents/playbooks", Code: 200},
		{Method: "GET", Path: "/repos/acme/playbooks/git/blobs/" + blob, Code: 200},
	}
	if diff := cmp.Diff(wantReqs, f.gh.Requests()); diff != "" {
		t.Errorf("requests to GitHub (-want +got):\n%s", diff)
	}

	// A lead pushes a new version without a webhook: it is picked up once
	// the ref is due to be resolved again, not before.
	v2 := shipped(t, "2026.12.0")
	b := f.gh.Commit(repoName, "main", tree(v2), "Bump the breach playbook")
	f.clock.Advance(github.DefaultRefreshEvery - time.Second)
	if pb, err = f.pb.Default(ctx); err != nil || pb.Source != source(a.After) {
		t.Fatalf("within the refresh interval: %v, %v; want still %s", pb, err, a.After)
	}
	if n := len(f.gh.Requests()); n != 3 {
		t.Errorf("GitHub was asked %d times within the refresh interval, want no new request", n-3)
	}
	f.clock.Advance(time.Second)
	if pb, err = f.pb.Default(ctx); err != nil || pb.Source != source(b.After) || pb.Version != "2026.12.0" {
		t.Fatalf("after the refresh interval: %+v, %v; want version 2026.12.0 at %s", pb, err, b.After)
	}

	// Nothing new: one conditional request (304, free of rate limit).
	before := len(f.gh.Requests())
	f.clock.Advance(github.DefaultRefreshEvery)
	if pb, err = f.pb.Default(ctx); err != nil || pb.Source != source(b.After) {
		t.Fatalf("unchanged ref: %v, %v", pb, err)
	}
	wantReqs = []githubtest.Request{{Method: "GET", Path: "/repos/acme/playbooks/commits/main", Code: http.StatusNotModified}}
	if diff := cmp.Diff(wantReqs, f.gh.Requests()[before:]); diff != "" {
		t.Errorf("requests for an unchanged ref (-want +got):\n%s", diff)
	}

	// The source label parses back to the exact commit and file.
	spec, err := github.ParseRepoSpec(pb.Source)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: b.After, Dir: pbPath}, spec); diff != "" {
		t.Errorf("ParseRepoSpec(source) (-want +got):\n%s", diff)
	}
}

func TestPlaybooksAtACommitOrTag(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.gh.Commit(repoName, "main", tree(shipped(t, "1")), "v1")
	f.gh.Tag(repoName, "v1", a.After)
	f.gh.Commit(repoName, "main", tree(shipped(t, "2")), "v2")
	client, err := githubapi.NewClient(token, f.gh.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{a.After, "v1"} {
		t.Run(ref, func(t *testing.T) {
			before := len(f.gh.Requests())
			p := github.New(client, github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: ref, Dir: "playbooks"},
				github.Options{Clock: f.clock})
			for range 3 {
				pb, err := p.Playbook(ctx, "personal-data-breach")
				if err != nil || pb.Version != "1" || pb.Source != source(a.After) {
					t.Fatalf("Playbook = %+v, %v; want version 1 at %s", pb, err, a.After)
				}
				f.clock.Advance(10 * time.Minute)
			}
			resolves := 0
			for _, r := range f.gh.Requests()[before:] {
				if strings.Contains(r.Path, "/commits/") {
					resolves++
				}
			}
			want := 3 // a tag can move: resolved every time it is due
			if ref == a.After {
				want = 1 // a commit cannot
			}
			if resolves != want {
				t.Errorf("ref resolved %d times, want %d", resolves, want)
			}
		})
	}
}

func TestGitHubUnreachableServesTheLastGoodCopy(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
	if _, err := f.pb.Default(ctx); err != nil {
		t.Fatal(err)
	}
	f.gh.SetDown(true)
	f.clock.Advance(5 * time.Minute)
	inc := f.mustDeclare("Customer DB exposed")
	if inc.Playbook.Source != source(a.After) {
		t.Errorf("declared with %s, want the last good copy at %s", inc.Playbook.Source, a.After)
	}
	logs := f.log.String()
	for _, want := range []string{"serving the last good copy", "commit=" + a.After, "age=5m0s", "503"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	// It does not ask GitHub again on every call while GitHub is down.
	n := len(f.gh.Requests())
	f.mustDeclare("Second")
	if got := len(f.gh.Requests()); got != n {
		t.Errorf("%d more requests right after a failed check, want none until the next interval", got-n)
	}
}

func TestGitHubNeverReachedSaysWhatToDeclareWith(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
	f.gh.SetDown(true)

	_, err := f.pb.Default(ctx)
	if incidents.ErrorCode(err) != incidents.EINTERNAL {
		t.Fatalf("Default with GitHub down and no copy: %v (code %s), want EINTERNAL", err, incidents.ErrorCode(err))
	}
	wantHint := "declare with the built-in playbook instead: /breach declare TITLE --playbook embedded:personal-data-breach"
	if !strings.Contains(incidents.ErrorHint(err), wantHint) {
		t.Errorf("hint %q lacks %q", incidents.ErrorHint(err), wantHint)
	}

	// What the responder sees in chat, at once (GitHub was just tried), and
	// the way out it names.
	n := len(f.gh.Requests())
	router := commands.NewRouter(f.svc, commands.RouterOptions{Log: slog.New(slog.NewTextHandler(f.log, nil))})
	rep := router.Handle(ctx, commands.Request{User: "U01LEAD", Text: "/breach declare Customer DB exposed"})
	if !rep.Error || !strings.Contains(rep.Text(), "--playbook embedded:personal-data-breach") {
		t.Errorf("declare with GitHub down: error=%v\n%s\nwant an error naming --playbook embedded:personal-data-breach", rep.Error, rep.Text())
	}
	if got := len(f.gh.Requests()); got != n {
		t.Errorf("%d more requests to GitHub right after it failed, want an answer at once", got-n)
	}
	rep = router.Handle(ctx, commands.Request{User: "U01LEAD", Text: "/breach declare Customer DB exposed --playbook embedded:personal-data-breach"})
	if rep.Error || rep.Incident == "" {
		t.Fatalf("declare with the built-in playbook: %s", rep.Text())
	}
	res, err := f.svc.Get(ctx, "U01LEAD", rep.Incident)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Incident.Playbook.Source; got != "embedded:personal-data-breach.yaml" {
		t.Errorf("pinned to %s, want embedded:personal-data-breach.yaml", got)
	}

	// GitHub back: tried again within seconds.
	f.gh.SetDown(false)
	f.clock.Advance(10 * time.Second)
	if pb, err := f.pb.Default(ctx); err != nil || !strings.HasPrefix(pb.Source, "github:acme/playbooks@") {
		t.Errorf("GitHub back: %s, want the playbook from GitHub", describe(pb, err))
	}
}

func TestPlaybooksFolderMissingAtTheRef(t *testing.T) {
	f := newFixture(t)
	f.gh.Commit(repoName, "main", map[string]string{"README.md": "# nothing here yet\n"}, "init")
	_, err := f.pb.Default(context.Background())
	if incidents.ErrorCode(err) != incidents.EINTERNAL || !strings.Contains(err.Error(), "playbooks/: no such folder at this commit") {
		t.Errorf("Default with no playbooks folder: %v, want EINTERNAL naming the folder", err)
	}
}

func TestRateLimitedRefreshWaitsForTheReset(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.gh.Commit(repoName, "main", tree(shipped(t, "1")), "v1")
	if _, err := f.pb.Default(ctx); err != nil {
		t.Fatal(err)
	}
	b := f.gh.Commit(repoName, "main", tree(shipped(t, "2")), "v2")
	f.clock.Advance(time.Minute)
	f.gh.RateLimitOnce("GET", f.clock.Now().Add(10*time.Minute))
	if pb, err := f.pb.Default(ctx); err != nil || pb.Source != source(a.After) {
		t.Fatalf("rate limited: %v; want the last good copy\n%+v", describe(pb, err), f.gh.Requests())
	}
	n := len(f.gh.Requests())
	f.clock.Advance(5 * time.Minute) // past the refresh interval, before the reset
	if pb, err := f.pb.Default(ctx); err != nil || pb.Source != source(a.After) || len(f.gh.Requests()) != n {
		t.Fatalf("before the reset: %v, %v, %d new requests; want the last good copy and no request", pb, err, len(f.gh.Requests())-n)
	}
	f.clock.Advance(5*time.Minute + time.Second)
	if pb, err := f.pb.Default(ctx); err != nil || pb.Source != source(b.After) {
		t.Fatalf("after the reset: %v, %v; want %s", pb, err, b.After)
	}
}

var _ incidents.PlaybookSource = (*github.Source)(nil)
var _ = playbooks.DefaultPlaybook

// describe shortens a playbook for failure messages.
func describe(pb *incidents.Playbook, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return pb.ID + " v" + pb.Version + " from " + pb.Source
}

// BenchmarkDefaultFromSnapshot measures what a declaration pays for its
// playbook while the snapshot is fresh (no request to GitHub): the Library
// parses the YAML from memory on every call, as it does from a folder.
func BenchmarkDefaultFromSnapshot(b *testing.B) {
	gh := githubtest.NewServer(b, githubtest.Options{})
	data, err := fs.ReadFile(playbooks.Embedded(), "personal-data-breach.yaml")
	if err != nil {
		b.Fatal(err)
	}
	gh.Commit(repoName, "main", map[string]string{pbPath: string(data)}, "v1")
	client, err := githubapi.NewClient("", gh.URL)
	if err != nil {
		b.Fatal(err)
	}
	p := github.New(client, github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: "main", Dir: "playbooks"},
		github.Options{Logger: slog.New(slog.DiscardHandler), RefreshEvery: time.Hour})
	ctx := context.Background()
	if _, err := p.Default(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := p.Default(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDefaultFromFolder is the same for a folder on disk holding the
// same file, to compare.
func BenchmarkDefaultFromFolder(b *testing.B) {
	data, err := fs.ReadFile(playbooks.Embedded(), "personal-data-breach.yaml")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "personal-data-breach.yaml"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	lib := playbooks.New(os.DirFS(dir), dir)
	ctx := context.Background()
	for b.Loop() {
		if _, err := lib.Default(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
