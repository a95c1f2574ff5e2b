package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// NewClient returns the Web API client as breachbot uses it: the bot token
// (xoxb-...), 15 s per call, pooled connections, the proxy from the
// environment. apiURL ("" for Slack's own) points it at another Web API,
// such as a test workspace (SLACK_API_URL). appToken (xapp-...), if set, is
// the app-level token that Socket Mode connects with.
func NewClient(botToken, appToken, apiURL string) *slack.Client {
	opts := []slack.Option{slack.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second,
		Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second}})}
	if apiURL != "" {
		if !strings.HasSuffix(apiURL, "/") {
			apiURL += "/"
		}
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	if appToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(appToken))
	}
	return slack.New(botToken, opts...)
}

// CheckToken asks Slack (auth.test) whether client's bot token works. A
// token Slack refuses is a problem, said for whoever configures it and
// without the token; Slack not answering is an error: not known now, not
// a refusal.
func CheckToken(ctx context.Context, client *slack.Client) (problem string, err error) {
	_, err = client.AuthTestContext(ctx)
	var refused slack.SlackErrorResponse
	switch {
	case err == nil:
		return "", nil
	case errors.As(err, &refused):
		return fmt.Sprintf("SLACK_BOT_TOKEN does not work: Slack answered %q to auth.test (copy the Bot User OAuth Token, xoxb-..., from OAuth & Permissions)", refused.Err), nil
	}
	return "", fmt.Errorf("auth.test: %w", err)
}
