// Package githubtest imitates the parts of GitHub that breachbot talks to,
// for tests that use the real go-github client: a REST API server (commits,
// contents, blobs, commit statuses) holding repositories whose commits a
// test makes, with switches for outages and rate limits, and webhook
// deliveries built and signed exactly as GitHub sends them.
package githubtest

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ZeroSHA is the "before" of a push that creates a ref and the "after" of
// one that deletes it.
const ZeroSHA = "0000000000000000000000000000000000000000"

// Server is a fake GitHub REST API. Point go-github at it with
// GITHUB_API_URL = URL (go-github adds /api/v3/, as for GitHub Enterprise).
type Server struct {
	// URL is the server's root URL.
	URL string

	now   func() time.Time
	srv   *httptest.Server
	token string

	mu       sync.Mutex
	repos    map[string]*repo // by lower-case full name
	down     bool
	once     []onceAnswer // queued answers that replace the next matching requests
	statuses []Status
	issues   []*Issue
	lose     []string // methods of the next requests whose answer is lost
	requests []Request
	changed  chan struct{} // closed and replaced when a status is created
	seq      int
}

// Status is a commit status as created through the API.
type Status struct {
	Repo        string // owner/name
	SHA         string
	State       string
	Description string
	Context     string
	TargetURL   string
}

// Request is an API request the server answered.
type Request struct {
	Method string
	Path   string // without /api/v3
	Code   int
}

// onceAnswer replaces the answer to the next request with the method.
type onceAnswer struct {
	method string
	answer func(http.ResponseWriter)
}

type repo struct {
	owner, name string
	id          int64
	defBranch   string
	refs        map[string]string // "refs/heads/main" -> commit sha
	commits     map[string]*commit
	blobs       map[string][]byte
}

type commit struct {
	sha, parent, message string
	tree                 map[string]string // path -> blob sha
	at                   time.Time
}

// Options configures a Server. The zero value is usable.
type Options struct {
	// Token is what every request must carry as "Authorization: Bearer
	// TOKEN"; empty accepts any token or none.
	Token string
	// Now gives the time for commits' timestamps and rate-limit headers
	// (default time.Now); pass a fake clock's Now.
	Now func() time.Time
}

// NewServer starts a fake GitHub API configured by o. It stops when the
// test ends.
func NewServer(t testing.TB, o Options) *Server {
	s := &Server{now: o.Now, token: o.Token, repos: map[string]*repo{}, changed: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/repos/{owner}/{repo}/commits/{ref...}", s.getCommit)
	mux.HandleFunc("GET /api/v3/repos/{owner}/{repo}/contents/{path...}", s.getContents)
	mux.HandleFunc("GET /api/v3/repos/{owner}/{repo}/git/blobs/{sha}", s.getBlob)
	mux.HandleFunc("POST /api/v3/repos/{owner}/{repo}/statuses/{sha}", s.createStatus)
	mux.HandleFunc("POST /api/v3/repos/{owner}/{repo}/issues", s.createIssue)
	mux.HandleFunc("GET /api/v3/repos/{owner}/{repo}/issues", s.listIssues)
	mux.HandleFunc("PATCH /api/v3/repos/{owner}/{repo}/issues/{number}", s.editIssue)
	mux.HandleFunc("POST /api/v3/repos/{owner}/{repo}/issues/{number}/comments", s.createComment)
	mux.HandleFunc("GET /api/v3/repos/{owner}/{repo}/issues/{number}/comments", s.listComments)
	s.srv = httptest.NewServer(s.middleware(mux))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Push describes a commit pushed to a branch, as a push webhook reports it.
type Push struct {
	Repo                     string // owner/name
	Ref                      string // refs/heads/BRANCH
	Before                   string
	After                    string
	Message                  string
	Added, Removed, Modified []string
}

// Commit makes a commit on branch whose tree is exactly files (path ->
// content), moves the branch to it and returns the push that did it.
// The repository is created on first use, with branch as its default.
func (s *Server) Commit(fullName, branch string, files map[string]string, message string) Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoLocked(fullName, branch)
	ref := "refs/heads/" + branch
	parent := r.refs[ref]
	c := &commit{parent: parent, message: message, tree: map[string]string{}, at: s.now()}
	for p, content := range files {
		sha := BlobSHA([]byte(content))
		r.blobs[sha] = []byte(content)
		c.tree[strings.TrimPrefix(p, "/")] = sha
	}
	s.seq++
	h := sha1.New()
	fmt.Fprintf(h, "commit %s %s %d\n", parent, message, s.seq)
	for _, p := range slices.Sorted(maps.Keys(c.tree)) {
		fmt.Fprintf(h, "%s %s\n", c.tree[p], p)
	}
	c.sha = hex.EncodeToString(h.Sum(nil))
	r.commits[c.sha] = c
	r.refs[ref] = c.sha
	push := Push{Repo: r.owner + "/" + r.name, Ref: ref, Before: parent, After: c.sha, Message: message}
	if push.Before == "" {
		push.Before = ZeroSHA
	}
	var old map[string]string
	if p := r.commits[parent]; p != nil {
		old = p.tree
	}
	for p, sha := range c.tree {
		switch o, ok := old[p]; {
		case !ok:
			push.Added = append(push.Added, p)
		case o != sha:
			push.Modified = append(push.Modified, p)
		}
	}
	for p := range old {
		if _, ok := c.tree[p]; !ok {
			push.Removed = append(push.Removed, p)
		}
	}
	sort.Strings(push.Added)
	sort.Strings(push.Modified)
	sort.Strings(push.Removed)
	return push
}

// Tag points tag at a commit.
func (s *Server) Tag(fullName, tag, sha string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repoLocked(fullName, "main").refs["refs/tags/"+tag] = sha
}

func (s *Server) repoLocked(fullName, branch string) *repo {
	key := strings.ToLower(fullName)
	r := s.repos[key]
	if r == nil {
		owner, name, _ := strings.Cut(fullName, "/")
		r = &repo{owner: owner, name: name, id: int64(1296269 + len(s.repos)), defBranch: branch,
			refs: map[string]string{}, commits: map[string]*commit{}, blobs: map[string][]byte{}}
		s.repos[key] = r
	}
	return r
}

// SetDown makes every API request fail with 503, as in an outage, or ends
// the outage.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// RateLimitOnce answers the next API request with the method (GET, POST)
// with GitHub's primary rate limit error (403, x-ratelimit-remaining: 0),
// resetting at reset.
func (s *Server) RateLimitOnce(method string, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.once = append(s.once, onceAnswer{method, func(w http.ResponseWriter) {
		h := w.Header()
		h.Set("X-Ratelimit-Limit", "5000")
		h.Set("X-Ratelimit-Remaining", "0")
		h.Set("X-Ratelimit-Used", "5000")
		h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		h.Set("X-Ratelimit-Resource", "core")
		writeJSON(w, http.StatusForbidden, map[string]string{
			"message":           "API rate limit exceeded for user ID 1.",
			"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit",
		})
	}})
}

// SecondaryLimitOnce answers the next API request with the method with
// GitHub's secondary rate limit error (403), saying with x-ratelimit-reset
// when to try again.
func (s *Server) SecondaryLimitOnce(method string, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.once = append(s.once, onceAnswer{method, func(w http.ResponseWriter) {
		w.Header().Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		writeJSON(w, http.StatusForbidden, map[string]string{
			"message":           "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
		})
	}})
}

// TooManyRequestsOnce answers the next API request with the method with
// 429 Too Many Requests and Retry-After: the given number of seconds.
func (s *Server) TooManyRequestsOnce(method string, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.once = append(s.once, onceAnswer{method, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{
			"message":           "Too many requests",
			"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
		})
	}})
}

// Statuses returns the commit statuses created so far, in order.
func (s *Server) Statuses() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.statuses)
}

// WaitStatuses waits until at least n commit statuses have been created
// and returns them, or returns an error when ctx ends first.
func (s *Server) WaitStatuses(ctx context.Context, n int) ([]Status, error) {
	for {
		s.mu.Lock()
		have, changed := slices.Clone(s.statuses), s.changed
		s.mu.Unlock()
		if len(have) >= n {
			return have, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return have, fmt.Errorf("githubtest: waiting for %d commit statuses, have %d: %w", n, len(have), ctx.Err())
		}
	}
}

// Requests returns the API requests answered so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// recorder remembers the status code a handler wrote.
type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() {
			s.mu.Lock()
			s.requests = append(s.requests, Request{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/api/v3"), Code: rec.code})
			s.mu.Unlock()
		}()
		s.mu.Lock()
		down, n := s.down, len(s.requests)
		var once func(http.ResponseWriter)
		if i := slices.IndexFunc(s.once, func(a onceAnswer) bool { return a.method == r.Method }); !down && i >= 0 {
			once = s.once[i].answer
			s.once = slices.Delete(s.once, i, i+1)
		}
		s.mu.Unlock()
		if down {
			rec.Header().Set("Content-Type", "text/html")
			rec.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(rec, "<html><body><h1>Unicorn!</h1>No server is currently available to service your request.</body></html>")
			return
		}
		if s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token {
			writeJSON(rec, http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
			return
		}
		if once != nil {
			once(rec)
			return
		}
		h := rec.Header()
		h.Set("X-Ratelimit-Limit", "5000")
		h.Set("X-Ratelimit-Remaining", strconv.Itoa(max(4999-n, 1)))
		h.Set("X-Ratelimit-Used", strconv.Itoa(min(n+1, 4999)))
		h.Set("X-Ratelimit-Reset", strconv.FormatInt(s.now().Add(time.Hour).Unix(), 10))
		h.Set("X-Ratelimit-Resource", "core")
		h.Set("X-Github-Api-Version-Selected", "2022-11-28")
		s.mu.Lock()
		lose := slices.Index(s.lose, r.Method)
		if lose >= 0 {
			s.lose = slices.Delete(s.lose, lose, lose+1)
		}
		s.mu.Unlock()
		if lose >= 0 {
			next.ServeHTTP(httptest.NewRecorder(), r) // done, but the answer never arrives
			rec.WriteHeader(http.StatusBadGateway)
			return
		}
		next.ServeHTTP(rec, r)
	})
}

const docGetCommit = "https://docs.github.com/rest/commits/commits#get-a-commit"

const docContents = "https://docs.github.com/rest/repos/contents#get-repository-content"

const docBlob = "https://docs.github.com/rest/git/blobs#get-a-blob"

const docStatus = "https://docs.github.com/rest/commits/statuses#create-a-commit-status"
