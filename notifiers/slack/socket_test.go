package slack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestSocketModeReconnects serves commands over Socket Mode, cuts the
// connection as a network failure would, and serves again after slack-go's
// client reconnected by itself; a redelivered envelope is acknowledged but
// not run twice.
func TestSocketModeReconnects(t *testing.T) {
	e := newEnv(t, envOptions{})
	api := slackapi.New("xoxb-test", slackapi.OptionAPIURL(e.ws.APIURL()), slackapi.OptionAppLevelToken("xapp-test"))
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.bot.RunSocketMode(ctx, sm) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunSocketMode: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("RunSocketMode did not stop")
		}
	}()

	e.ws.WaitFor("a Socket Mode connection", func() bool { return e.ws.Sockets() == 1 })
	help := workspacetest.Command{User: alice, Channel: "C0GENERAL", Text: "help", TriggerID: "t-help", ResponseURL: e.ws.ResponseURL("t-help")}
	id := e.ws.SendEnvelope("slash_commands", help.Payload(), 0, "")
	e.ws.WaitFor("the acknowledgement of help", func() bool { _, ok := e.ws.Ack(id); return ok })
	if ack, _ := e.ws.Ack(id); !strings.Contains(string(ack), "breachbot: /breach commands") || !strings.Contains(string(ack), `"response_type":"ephemeral"`) {
		t.Errorf("help acknowledged with %s", ack)
	}
	if err := e.bot.Healthy(ctx, true); err != nil {
		t.Errorf("healthy while connected: %v", err)
	}

	e.ws.DropSocket()
	e.ws.WaitFor("a second connection", func() bool { return e.ws.Sockets() == 2 })

	declare := workspacetest.Command{User: alice, Channel: "C0GENERAL", Text: "declare Laptop stolen", TriggerID: "t-declare", ResponseURL: e.ws.ResponseURL("t-declare")}
	id = e.ws.SendEnvelope("slash_commands", declare.Payload(), 0, "")
	e.ws.WaitFor("the acknowledgement of declare", func() bool { _, ok := e.ws.Ack(id); return ok })
	if ack, _ := e.ws.Ack(id); !strings.Contains(string(ack), "INC-2026-0001 declared: Laptop stolen") {
		t.Errorf("declare acknowledged with %s", ack)
	}
	if n := e.incidentsDeclared(); n != 1 {
		t.Fatalf("%d incidents after declare, want 1", n)
	}
	before := e.ws.AckCount()
	e.ws.SendEnvelope("slash_commands", declare.Payload(), 1, id) // Slack's retry of the same envelope
	e.ws.WaitFor("the retry acknowledged", func() bool { return e.ws.AckCount() > before })
	if n := e.incidentsDeclared(); n != 1 {
		t.Errorf("%d incidents after a redelivered envelope, want 1", n)
	}
	if ack, _ := e.ws.Ack(id); string(ack) != "null" {
		t.Errorf("redelivery acknowledged with %s, want no payload", ack)
	}
}
