package slack_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	slackapi "github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/slack"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestDirectoryAnswersFromItsCache resolves roles from user ids and user
// groups: answering never calls Slack, a failed refresh keeps the members
// known before, and a later refresh sees changes.
func TestDirectoryAnswersFromItsCache(t *testing.T) {
	ws := workspacetest.New(t)
	ws.SetGroup("S0RESP", alice)
	ws.SetGroup("S0LEGAL", dpo)
	d := slack.NewDirectory(slackapi.New("xoxb-test", slackapi.OptionAPIURL(ws.APIURL())), roles, nil)
	ctx := context.Background()
	rolesOf := func(user string) []string {
		r, err := d.Roles(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	check := func(what string, want, got []string) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
	check("alice before the groups are read", nil, rolesOf(alice))
	check("the lead, listed by id", []string{incidents.RoleLeads}, rolesOf(lead))
	if err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	calls := ws.Calls("usergroups.users.list")
	check("alice", []string{incidents.RoleResponders}, rolesOf(alice))
	check("dpo", []string{incidents.RoleLegal}, rolesOf(dpo))
	check("eve", nil, rolesOf(eve))
	if got := ws.Calls("usergroups.users.list"); got != calls {
		t.Errorf("resolving roles called Slack %d times", got-calls)
	}

	ws.Fail(workspacetest.Fault{Methods: []string{"usergroups.users.list"}, Status: http.StatusServiceUnavailable})
	if err := d.Refresh(ctx); err == nil {
		t.Error("refresh with Slack down reported no error")
	}
	check("alice while Slack is down", []string{incidents.RoleResponders}, rolesOf(alice))

	ws.Clear()
	ws.SetGroup("S0RESP", bob)
	if err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	check("alice after leaving the group", nil, rolesOf(alice))
	check("responders", []string{bob}, d.Members(incidents.RoleResponders))
	check("leads", []string{lead}, d.Members(incidents.RoleLeads))
}
