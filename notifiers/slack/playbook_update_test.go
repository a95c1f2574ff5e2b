package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents"
)

// A new version of the playbook is told in the incident's channel once,
// however often the source is read again.
func TestPlaybookUpdatePostedOnceInTheChannel(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	if status, ack, _ := e.command(alice, "C0GENERAL", `declare Laptop stolen --aware 1h ago --facts "jurisdictions=EU"`); status != 200 {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	ctx := context.Background()
	res, err := e.svc.Get(ctx, lead, "INC-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	v2 := *res.Playbook
	v2.Version, v2.SHA256 = v2.Version+"-next", "feedface"
	v2.Steps = append(v2.Steps[:len(v2.Steps):len(v2.Steps)], incidents.StepDef{ID: "tell-insurer", Title: "Tell the cyber insurer", Owner: incidents.RoleLeads})
	for range 2 {
		if err := e.svc.CheckPlaybookUpdates(ctx, &v2); err != nil {
			t.Fatal(err)
		}
		e.waitOutboxEmpty()
	}
	c, _ := e.ws.Channel(ch.ID)
	var got []string
	for _, m := range c.Messages {
		if strings.Contains(m.Text, "-next is out") {
			got = append(got, m.Text)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d update messages in the channel, want 1: %q", len(got), got)
	}
	if !strings.Contains(got[0], "/breach playbook upgrade") {
		t.Errorf("the update does not say what to type: %q", got[0])
	}
}
