package github

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/internal/githubapi"
	"github.com/breachbot/breachbot/playbooks"
)

// BuiltinPrefix before a playbook id asks a Source for the
// built-in playbook of that id (Options.Builtin), for example
// --playbook embedded:personal-data-breach when GitHub cannot be reached.
const BuiltinPrefix = "embedded:"

// Defaults of Options.
const (
	DefaultRefreshEvery = 60 * time.Second
	DefaultFetchTimeout = 10 * time.Second
)

// retryWithoutCopy is how soon GitHub is asked again after a failure when
// there is no snapshot to serve; calls meanwhile fail at once.
const retryWithoutCopy = 10 * time.Second

// maxFileSize bounds a playbook file read from GitHub; playbooks are a few
// kilobytes, the catalog tens of kilobytes.
const maxFileSize = 4 << 20

// Options configures a Source. The zero value is usable.
type Options struct {
	// Clock is the time source (default the system clock).
	Clock incidents.Clock
	// Logger receives what the source does (default slog.Default()).
	Logger *slog.Logger
	// RefreshEvery is how long a resolved ref is trusted before it is
	// resolved again (default 60 s). A push webhook (or Invalidate) makes
	// the next call resolve it at once.
	RefreshEvery time.Duration
	// FetchTimeout bounds one refresh: resolving the ref and reading the
	// files (default 10 s), so that a declaration never hangs on GitHub.
	FetchTimeout time.Duration
	// Builtin, if set, serves ids prefixed with BuiltinPrefix, and the
	// error returned when GitHub has never been reached names it as what to
	// declare with instead. cmd/breachbot passes the embedded playbooks.
	Builtin incidents.PlaybookSource
}

// Source is an incidents.PlaybookSource that serves the playbooks of a
// folder of a GitHub repository at a ref. It resolves the ref to a commit,
// reads the folder's *.yaml and *.yml files (regulations.yaml as the
// catalog, as in a local folder) at that commit, and serves them through a
// playbooks.Library over an in-memory snapshot. Every playbook's Source is
// github:OWNER/REPO@COMMIT:PATH, so an incident's pin names the exact commit
// and file.
//
// The snapshot is cached by commit SHA: the ref is resolved again at most
// every RefreshEvery (a conditional request that costs no rate limit when
// nothing changed), at once after Invalidate (a push webhook), and files are
// fetched only when the commit changed, and then only blobs not already
// held. If GitHub cannot be reached, the last good snapshot is served and
// the log says how old it is; with none, calls fail with EINTERNAL saying
// what to do instead. A Source is safe for concurrent use.
type Source struct {
	client  *gh.Client
	spec    RepoSpec
	clock   incidents.Clock
	log     *slog.Logger
	every   time.Duration
	timeout time.Duration
	builtin incidents.PlaybookSource

	fetching chan struct{} // holds a token while a refresh runs

	mu        sync.Mutex
	cur       *snapshot
	confirmed time.Time         // when the ref last resolved to cur.sha
	nextCheck time.Time         // no routine resolve before this
	gen       uint64            // bumped by Invalidate
	checked   uint64            // gen as of the last resolve attempt
	lastErr   error             // of the last refresh, nil if it worked
	blobs     map[string][]byte // blob SHA -> content, of the last fetch
}

var (
	_ incidents.PlaybookSource = (*Source)(nil)
	_ incidents.CatalogSource  = (*Source)(nil)
)

// snapshot is the playbooks folder at one commit.
type snapshot struct {
	sha string
	fs  *memFS
	lib *playbooks.Library
}

// playbookFiles counts the snapshot's playbook files (not the catalog).
func (s *snapshot) playbookFiles() int {
	n := 0
	for _, name := range s.fs.names {
		if name != "regulations.yaml" && name != "regulations.yml" {
			n++
		}
	}
	return n
}

// New returns a source of the playbooks in spec, read through client
// (githubapi.NewClient). Nothing is fetched until the first call.
func New(client *gh.Client, spec RepoSpec, o Options) *Source {
	p := &Source{client: client, spec: spec, clock: o.Clock, log: o.Logger, every: o.RefreshEvery,
		timeout: o.FetchTimeout, builtin: o.Builtin, fetching: make(chan struct{}, 1)}
	if p.clock == nil {
		p.clock = incidents.SystemClock{}
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.every <= 0 {
		p.every = DefaultRefreshEvery
	}
	if p.timeout <= 0 {
		p.timeout = DefaultFetchTimeout
	}
	return p
}

// Spec returns the repository, ref and folder the playbooks come from.
func (p *Source) Spec() RepoSpec { return p.spec }

// Repository returns the owner, repository and ref the playbooks come from
// (notifiers/github.PlaybookSource).
func (p *Source) Repository() (owner, repo, ref string) {
	return p.spec.Owner, p.spec.Repo, p.spec.Ref
}

// String returns the source's spec, github:OWNER/REPO@REF[:FOLDER].
func (p *Source) String() string { return p.spec.String() }

// LintAt lints the playbooks folder at commit sha with playbooks.Lint, as
// the commit status of a push reports it (notifiers/github.PlaybookSource).
// The problems name files by their path in the repository; files counts the
// playbook files (not the catalog). A fault of the commit's content that
// retrying will not change (no such folder, a file too large) is an
// EINVALID error whose message says what is wrong.
func (p *Source) LintAt(ctx context.Context, sha string) (probs playbooks.Problems, files int, err error) {
	snap, err := p.snapshotAt(ctx, sha)
	var perm *permanentError
	switch {
	case errors.As(err, &perm):
		return nil, 0, incidents.Errorf(incidents.EINVALID, "%s", perm.msg)
	case err != nil:
		return nil, 0, err
	}
	probs = playbooks.Lint(snap.fs).Errors() // notes do not fail a commit
	for i := range probs {
		probs[i].File = p.spec.filePath(probs[i].File)
	}
	return probs, snap.playbookFiles(), nil
}

// Playbook returns the playbook with the given id from the current snapshot
// (see incidents.PlaybookSource). An id prefixed with BuiltinPrefix is
// looked up in the built-in playbooks. Besides the Library's errors, it
// returns EINTERNAL, with a hint saying what to declare with instead, when
// GitHub has not been reached since start-up.
func (p *Source) Playbook(ctx context.Context, id string) (*incidents.Playbook, error) {
	if rest, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(id)), BuiltinPrefix); ok && p.builtin != nil {
		return p.builtin.Playbook(ctx, rest)
	}
	s, err := p.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.lib.Playbook(ctx, id)
}

// Default returns the default playbook of the current snapshot (see
// playbooks.Library.Default); errors are as for Playbook.
func (p *Source) Default(ctx context.Context) (*incidents.Playbook, error) {
	s, err := p.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.lib.Default(ctx)
}

// Playbooks returns every valid playbook of the current snapshot (not the
// built-in ones); errors are as for Playbook.
func (p *Source) Playbooks(ctx context.Context) ([]*incidents.Playbook, error) {
	s, err := p.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.lib.Playbooks(ctx)
}

// Catalog returns the regulations catalog of the current snapshot: the
// built-in one, extended by the folder's regulations.yaml (see
// playbooks.Library.Catalog); errors are as for Playbook.
func (p *Source) Catalog(ctx context.Context) (*incidents.RegulationsCatalog, error) {
	s, err := p.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.lib.Catalog(ctx)
}

// Invalidate makes the next call resolve the ref again, whatever
// RefreshEvery says. The webhook calls it for a push to the ref.
func (p *Source) Invalidate() {
	p.mu.Lock()
	p.gen++
	p.mu.Unlock()
}

// Refresh resolves the ref now and fetches its commit if it changed. On
// error the last good snapshot (if any) stays in service.
func (p *Source) Refresh(ctx context.Context) error {
	if err := p.acquire(ctx); err != nil {
		return err
	}
	defer p.release()
	return p.refresh(ctx)
}

// Commit returns the commit the current snapshot was read at and when the
// ref was last seen pointing at it; ok is false before the first fetch.
func (p *Source) Commit() (sha string, confirmed time.Time, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return "", time.Time{}, false
	}
	return p.cur.sha, p.confirmed, true
}

// freshLocked returns the current snapshot if it may be served without
// resolving the ref again, else nil. Callers hold p.mu.
func (p *Source) freshLocked() *snapshot {
	if p.cur == nil || p.checked != p.gen {
		return nil
	}
	if p.pinnedToCommit() || p.clock.Now().Before(p.nextCheck) {
		return p.cur
	}
	return nil
}

// pinnedToCommit reports whether the ref is the full SHA of the current
// snapshot: a commit never changes, so it needs no resolving.
func (p *Source) pinnedToCommit() bool {
	return p.cur != nil && githubapi.IsSHA(p.spec.Ref) && strings.EqualFold(p.spec.Ref, p.cur.sha)
}

// current returns the snapshot to serve: the cached one while it is fresh,
// else the result of resolving the ref, else the last good one.
func (p *Source) current(ctx context.Context) (*snapshot, error) {
	p.mu.Lock()
	s := p.freshLocked()
	p.mu.Unlock()
	if s != nil {
		return s, nil
	}
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	defer p.release()
	p.mu.Lock()
	s = p.freshLocked() // refreshed (or failed to) while we waited?
	failed := p.cur == nil && p.lastErr != nil && p.checked == p.gen && p.clock.Now().Before(p.nextCheck)
	lastErr := p.lastErr
	p.mu.Unlock()
	switch {
	case s != nil:
		return s, nil
	case failed:
		return nil, p.unavailable(ctx, lastErr) // answer at once; GitHub was just tried
	}
	err := p.refresh(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err == nil:
		return p.cur, nil
	case p.cur != nil:
		return p.cur, nil // refresh logged it, with the snapshot's age
	}
	return nil, p.unavailable(ctx, err)
}

func (p *Source) acquire(ctx context.Context) error {
	select {
	case p.fetching <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Source) release() { <-p.fetching }

// refresh resolves the ref and fetches its commit if it is new. The caller
// holds the fetching token.
func (p *Source) refresh(parent context.Context) error {
	p.mu.Lock()
	gen, cur := p.gen, p.cur
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(parent, p.timeout)
	defer cancel()

	var s *snapshot
	sha, err := p.resolve(ctx, cur)
	if err == nil {
		if cur != nil && cur.sha == sha {
			s = cur
		} else {
			s, err = p.fetch(ctx, sha)
		}
	}
	now := p.clock.Now()
	if err != nil && parent.Err() != nil {
		return err // the caller gave up; not GitHub's fault
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checked = max(p.checked, gen)
	if err != nil {
		p.lastErr = err
		p.nextCheck = now.Add(p.every)
		if p.cur == nil {
			// Nothing to serve meanwhile: try again sooner.
			p.nextCheck = now.Add(min(p.every, retryWithoutCopy))
		}
		if at := githubapi.RetryAt(err, now); at.After(p.nextCheck) {
			p.nextCheck = at
		}
		if p.cur != nil {
			p.log.Warn("github playbooks: cannot check the ref; serving the last good copy",
				"spec", p.spec.String(), "commit", p.cur.sha, "age", now.Sub(p.confirmed).Round(time.Second).String(),
				"retry_in", p.nextCheck.Sub(now).Round(time.Second).String(), "err", err)
		} else {
			p.log.Error("github playbooks: cannot load them, and there is no earlier copy", "spec", p.spec.String(), "err", err)
		}
		return err
	}
	if p.cur == nil || p.cur.sha != s.sha {
		p.log.Info("github playbooks: serving a new commit", "spec", p.spec.String(), "commit", s.sha, "files", len(s.fs.names))
	}
	p.cur, p.confirmed, p.lastErr = s, now, nil
	p.nextCheck = now.Add(p.every)
	return nil
}

// resolve returns the commit SHA the ref points at.
func (p *Source) resolve(ctx context.Context, cur *snapshot) (string, error) {
	if cur != nil && githubapi.IsSHA(p.spec.Ref) && strings.EqualFold(p.spec.Ref, cur.sha) {
		return cur.sha, nil // a commit never moves
	}
	last := ""
	if cur != nil {
		last = cur.sha
	}
	sha, _, err := p.client.Repositories.GetCommitSHA1(ctx, p.spec.Owner, p.spec.Repo, p.spec.Ref, last)
	if err != nil {
		if last != "" && githubapi.StatusCode(err) == http.StatusNotModified {
			return last, nil
		}
		if c := githubapi.StatusCode(err); c == http.StatusNotFound || c == http.StatusUnprocessableEntity {
			return "", fmt.Errorf("resolve %s: no such repository or ref, or the token may not read it: %w", p.spec, err)
		}
		return "", fmt.Errorf("resolve %s: %w", p.spec, err)
	}
	sha = strings.TrimSpace(sha)
	if !githubapi.IsSHA(sha) {
		return "", fmt.Errorf("resolve %s: GitHub answered %q, not a commit SHA", p.spec, githubapi.Clip(sha))
	}
	return strings.ToLower(sha), nil
}

// permanentError is a problem of the commit's content (no such folder, a
// file too large), which retrying will not change.
type permanentError struct{ msg string }

func (e *permanentError) Error() string { return e.msg }

// fetch reads the playbooks folder at commit sha.
func (p *Source) fetch(ctx context.Context, sha string) (*snapshot, error) {
	file, dir, _, err := p.client.Repositories.GetContents(ctx, p.spec.Owner, p.spec.Repo, p.spec.Dir,
		&gh.RepositoryContentGetOptions{Ref: sha})
	switch {
	case githubapi.StatusCode(err) == http.StatusNotFound:
		return nil, fmt.Errorf("read %s at %s: %w", p.spec.filePath("."), sha,
			&permanentError{fmt.Sprintf("%s: no such folder at this commit", p.spec.filePath("."))})
	case err != nil:
		return nil, fmt.Errorf("read %s at %s: %w", p.spec.filePath("."), sha, err)
	case file != nil:
		return nil, &permanentError{fmt.Sprintf("%s is a file, not a folder; name the folder of the playbooks", p.spec.Dir)}
	}
	p.mu.Lock()
	known := p.blobs
	p.mu.Unlock()
	files, blobs := map[string][]byte{}, map[string][]byte{}
	for _, e := range dir {
		name := e.GetName()
		if e.GetType() != "file" || !isYAML(name) || strings.Contains(name, "/") {
			continue
		}
		if e.GetSize() > maxFileSize {
			return nil, &permanentError{fmt.Sprintf("%s is %d bytes; a playbook file must be under %d", p.spec.filePath(name), e.GetSize(), maxFileSize)}
		}
		data, ok := known[e.GetSHA()]
		if !ok {
			data, _, err = p.client.Git.GetBlobRaw(ctx, p.spec.Owner, p.spec.Repo, e.GetSHA())
			if err != nil {
				return nil, fmt.Errorf("read %s at %s: %w", p.spec.filePath(name), sha, err)
			}
			if got := blobSHA(data); len(e.GetSHA()) == 40 && got != strings.ToLower(e.GetSHA()) {
				return nil, fmt.Errorf("read %s at %s: content does not match its blob %s (got %s)", p.spec.filePath(name), sha, e.GetSHA(), got)
			}
		}
		files[name], blobs[e.GetSHA()] = data, data
	}
	p.mu.Lock()
	p.blobs = blobs
	p.mu.Unlock()
	fsys := newMemFS(files, time.Time{})
	return &snapshot{sha: sha, fs: fsys, lib: playbooks.New(fsys, p.spec.label(sha))}, nil
}

// snapshotAt returns the playbooks folder at commit sha: the current
// snapshot if it is that commit, else a fresh read (which does not replace
// the current snapshot: only resolving the ref does).
func (p *Source) snapshotAt(ctx context.Context, sha string) (*snapshot, error) {
	p.mu.Lock()
	cur := p.cur
	p.mu.Unlock()
	if cur != nil && cur.sha == sha {
		return cur, nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	return p.fetch(ctx, sha)
}

// unavailable is the error for a call that has no snapshot to serve. The
// chat shows an internal error's hint only, so the hint says it all.
func (p *Source) unavailable(ctx context.Context, cause error) error {
	e := incidents.Errorf(incidents.EINTERNAL, "the playbooks in %s could not be loaded from GitHub, and no earlier copy is at hand", p.spec)
	admin := "ask a breachbot admin to check GITHUB_TOKEN, GITHUB_API_URL and BREACHBOT_PLAYBOOKS; the log says why"
	if p.builtin == nil {
		e = e.WithHint("the playbooks on GitHub (%s) cannot be read right now; try again in a minute, and %s", p.spec.FullName()+"@"+p.spec.Ref, admin)
	} else {
		id := playbooks.DefaultPlaybook
		if pb, err := p.builtin.Default(ctx); err == nil {
			id = pb.ID
		}
		e = e.WithHint("the playbooks on GitHub (%s) cannot be read right now; declare with the built-in playbook instead: "+
			"/breach declare TITLE --playbook %s%s (and %s)", p.spec.FullName()+"@"+p.spec.Ref, BuiltinPrefix, id, admin)
	}
	return fmt.Errorf("%w: %w", e, cause)
}

// blobSHA returns the git object id of a blob with the given content.
func blobSHA(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// isYAML reports whether name is a YAML file other than a hidden one, as the
// playbooks loader takes them.
func isYAML(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(name, ".")
}
