// Package githubapi holds what breachbot's two GitHub adapters share about
// talking to GitHub's REST API: the go-github client as breachbot configures
// it, reading its errors (HTTP status, rate-limit waits) and commit SHAs.
// notifiers/github (commit statuses, the push webhook) and playbooks/github
// (the playbook source) both use it; neither imports the other.
package githubapi

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/breachbot/breachbot/incidents"
)

// NewClient returns a go-github client for breachbot. token is GITHUB_TOKEN
// (empty: anonymous, which reads public repositories only and at 60
// requests an hour); apiURL is GITHUB_API_URL (empty: github.com; else the
// REST API of a GitHub Enterprise Server, e.g. https://ghe.example.com/api/v3,
// or a test server, under which /api/v3/ is assumed unless the host starts
// with "api."). Requests time out after 30 seconds.
func NewClient(token, apiURL string) (*gh.Client, error) {
	c := gh.NewClient(&http.Client{Timeout: 30 * time.Second})
	if token != "" {
		c = c.WithAuthToken(token)
	}
	if apiURL != "" {
		u, err := url.Parse(apiURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, incidents.Errorf(incidents.EINVALID, "GITHUB_API_URL %q is not an http(s) URL", Clip(apiURL)).
				WithHint("leave it unset for github.com, or give your GitHub Enterprise API, e.g. https://ghe.example.com/api/v3")
		}
		if c, err = c.WithEnterpriseURLs(apiURL, apiURL); err != nil {
			return nil, fmt.Errorf("GITHUB_API_URL: %w", err)
		}
	}
	c.UserAgent = "breachbot"
	return c, nil
}

// StatusCode returns the HTTP status of a go-github error, or 0.
func StatusCode(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// RetryAt returns when GitHub's rate limits allow the next request after
// err, by the clock whose time is now, or the zero time if err is not a
// rate limit. Times come from GitHub's headers (x-ratelimit-reset,
// retry-after) read against now rather than against the wall clock, so a
// fake clock in tests and a skewed host clock see the same wait GitHub asked
// for. A secondary limit without a time waits a minute, as GitHub's docs ask.
func RetryAt(err error, now time.Time) time.Time {
	var rl *gh.RateLimitError
	if errors.As(err, &rl) {
		if !rl.Rate.Reset.Time.IsZero() {
			return rl.Rate.Reset.Time.Add(time.Second)
		}
		return now.Add(time.Minute)
	}
	var ab *gh.AbuseRateLimitError
	if !errors.As(err, &ab) {
		return time.Time{}
	}
	var h http.Header
	if ab.Response != nil {
		h = ab.Response.Header
	}
	if v := h.Get("Retry-After"); v != "" {
		var secs int64
		if _, err := fmt.Sscan(v, &secs); err == nil && secs > 0 {
			return now.Add(time.Duration(secs) * time.Second)
		}
	}
	if v := h.Get("X-Ratelimit-Reset"); v != "" {
		var unix int64
		if _, err := fmt.Sscan(v, &unix); err == nil && unix > 0 {
			return time.Unix(unix, 0).Add(time.Second)
		}
	}
	if ab.RetryAfter != nil && *ab.RetryAfter > 0 {
		// go-github's own estimate, e.g. when it refused to send at all.
		return now.Add(*ab.RetryAfter)
	}
	return now.Add(time.Minute)
}

// IsSHA reports whether s is a full commit SHA (SHA-1, or SHA-256 for
// repositories in that object format).
func IsSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// Clip shortens a string quoted in an error or log message.
func Clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "..."
}
