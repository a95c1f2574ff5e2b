package githubapi

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"
)

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
			if got := RetryAt(tt.err, now); !got.Equal(tt.want) {
				t.Errorf("RetryAt = %v, want %v", got, tt.want)
			}
		})
	}
}
