package slack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/notifiers/slack"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestCheckTokenAgainstTheWorkspace: the client NewClient builds reaches
// the workspace at the given API URL (with or without its trailing slash);
// a token Slack refuses is a problem named for the admin, without the
// token; Slack not answering is not known, never a refusal.
func TestCheckTokenAgainstTheWorkspace(t *testing.T) {
	ws := workspacetest.New(t)
	ctx := context.Background()
	for _, url := range []string{ws.APIURL(), strings.TrimSuffix(ws.APIURL(), "/")} {
		problem, err := slack.CheckToken(ctx, slack.NewClient("xoxb-test", "", url))
		if problem != "" || err != nil {
			t.Errorf("API URL %s: problem %q, err %v; want the token to work", url, problem, err)
		}
	}
	if n := ws.Calls("auth.test"); n != 2 {
		t.Errorf("the workspace answered auth.test %d times, want 2", n)
	}

	ws.Fail(workspacetest.Fault{Methods: []string{"auth.test"}, Code: "invalid_auth", Count: 1})
	problem, err := slack.CheckToken(ctx, slack.NewClient("xoxb-revoked", "", ws.APIURL()))
	if err != nil || !strings.Contains(problem, `SLACK_BOT_TOKEN does not work: Slack answered "invalid_auth" to auth.test`) || strings.Contains(problem, "xoxb-revoked") {
		t.Errorf("refused token: problem %q, err %v", problem, err)
	}

	ws.Fail(workspacetest.Fault{Methods: []string{"auth.test"}, Status: http.StatusServiceUnavailable, Count: 1})
	problem, err = slack.CheckToken(ctx, slack.NewClient("xoxb-test", "", ws.APIURL()))
	if err == nil || problem != "" {
		t.Errorf("Slack down: problem %q, err %v; want not known (an error), not a refusal", problem, err)
	}
}
