package github

import (
	"io/fs"
	"net/http"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/breachbot/breachbot/playbooks"
)

func TestMemFSIsAFileSystem(t *testing.T) {
	t.Parallel()
	m := newMemFS(map[string][]byte{"a.yaml": []byte("id: a\n"), "regulations.yaml": []byte("version: 1\n"), "b.yml": nil}, time.Time{})
	if err := fstest.TestFS(m, "a.yaml", "b.yml", "regulations.yaml"); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.ReadFile(m, "playbooks/a.yaml"); err == nil {
		t.Error("a path with a folder read, want not found: the snapshot is flat")
	}
}

func TestRetryAtHonoursGitHubRateLimits(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	resp := func(h map[string]string) *http.Response {
		r := &http.Response{StatusCode: http.StatusForbidden, Header: http.Header{}, Request: &http.Request{Method: "POST"}}
		for k, v := range h {
			r.Header.Set(k, v)
		}
		return r
	}
	minute := time.Minute
	tests := []struct {
		name string
		err  error
		want time.Time
	}{
		{"not a rate limit", &gh.ErrorResponse{Response: resp(nil), Message: "Server Error"}, time.Time{}},
		{"primary: until the reset", &gh.RateLimitError{Rate: gh.Rate{Remaining: 0, Reset: gh.Timestamp{Time: now.Add(17 * time.Minute)}}, Response: resp(nil)},
			now.Add(17*time.Minute + time.Second)},
		{"secondary with retry-after", &gh.AbuseRateLimitError{Response: resp(map[string]string{"Retry-After": "120"})}, now.Add(2 * time.Minute)},
		{"secondary with x-ratelimit-reset", &gh.AbuseRateLimitError{Response: resp(map[string]string{"X-Ratelimit-Reset": strconv.FormatInt(now.Add(5*time.Minute).Unix(), 10)})},
			now.Add(5*time.Minute + time.Second)},
		{"secondary refused by go-github itself", &gh.AbuseRateLimitError{Response: resp(nil), RetryAfter: &minute}, now.Add(time.Minute)},
		{"secondary without a time: a minute", &gh.AbuseRateLimitError{Response: resp(nil)}, now.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := retryAt(tt.err, now); !got.Equal(tt.want) {
				t.Errorf("retryAt = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSummarizeFitsGitHubsLimit(t *testing.T) {
	t.Parallel()
	spec := RepoSpec{Owner: "acme", Repo: "pb", Ref: "main", Dir: "playbooks"}
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'x'
	}
	state, desc := summarize(spec, playbooks.Problems{{File: "a.yaml", Line: 3, Col: 5, Message: string(long)}, {File: "b.yaml"}}, 2)
	desc = truncate(desc, maxDescription)
	if state != "failure" || len([]rune(desc)) != maxDescription || desc[:40] != "2 problems, first: playbooks/a.yaml:3:5:" {
		t.Errorf("summarize = %q %q (%d characters)", state, desc, len([]rune(desc)))
	}
}
