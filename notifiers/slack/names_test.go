package slack_test

import (
	"context"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/breachbot/breachbot/notifiers/slack"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// UserName reads a profile's display name, else its real name, once per
// user: later lookups come from the cache. A user Slack does not know has
// no name (the id is shown), and a console id is never looked up.
func TestDirectoryUserNameFromProfileCached(t *testing.T) {
	ws := workspacetest.New(t)
	ws.SetName("U0RITA", "Rita", "Rita Responder")
	ws.SetName("U0LEE", "", "Lee Lead")
	d := slack.NewDirectory(slackapi.New("xoxb-test", slackapi.OptionAPIURL(ws.APIURL())), nil, nil)
	ctx := context.Background()
	for range 3 {
		if n, ok := d.UserName(ctx, "U0RITA"); !ok || n != "Rita" {
			t.Errorf("UserName(U0RITA) = %q, %v; want the display name Rita", n, ok)
		}
		if n, ok := d.UserName(ctx, "U0LEE"); !ok || n != "Lee Lead" {
			t.Errorf("UserName(U0LEE) = %q, %v; want the real name Lee Lead (no display name)", n, ok)
		}
		if n, ok := d.UserName(ctx, "U0GONE"); ok {
			t.Errorf("UserName(U0GONE) = %q, true; want unknown", n)
		}
		if _, ok := d.UserName(ctx, "console-user"); ok {
			t.Error("a console id got a name")
		}
	}
	if got := ws.Calls("users.info"); got != 3 {
		t.Errorf("users.info called %d times for 3 users asked 3 times each; want 3 (cached)", got)
	}
}
