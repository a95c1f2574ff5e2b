package slack

import (
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
)

// RateLimitedError is Slack's HTTP 429: the method may be called again after
// the delay Slack gave in Retry-After. The outbox dispatcher honours it
// through RetryAfter.
type RateLimitedError struct {
	Method string
	After  time.Duration
}

// Error implements error.
func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("slack %s: rate limited, retry after %s", e.Method, e.After)
}

// RetryAfter tells the dispatcher when to try again.
func (e *RateLimitedError) RetryAfter() time.Duration { return e.After }

// apiError wraps an error of a Slack API call with the method name; a rate
// limit becomes a *RateLimitedError (slack-go's *RateLimitedError carries the
// delay as a field, which the dispatcher cannot see).
func apiError(method string, err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &RateLimitedError{Method: method, After: rl.RetryAfter}
	}
	return fmt.Errorf("slack %s: %w", method, err)
}

// errorCode returns Slack's error code ("name_taken", "already_pinned", ...)
// of an API error, or "".
func errorCode(err error) string {
	var e slack.SlackErrorResponse
	if errors.As(err, &e) {
		return e.Err
	}
	return ""
}
