package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// openHome sends app_home_opened for user over Socket Mode and returns the
// blocks of the App Home view published for them.
func (e *env) openHome(user string) json.RawMessage {
	e.t.Helper()
	before := len(e.ws.Homes(user))
	e.ws.SendEnvelope("events_api", map[string]any{
		"type": "event_callback", "team_id": "T0TEST", "api_app_id": "A0BREACH", "event_id": "Ev" + user, "event_time": 1764000000,
		"event": map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home", "event_ts": "1764000000.000100"},
	}, 0, "")
	e.ws.WaitFor("the App Home of "+user, func() bool { return len(e.ws.Homes(user)) > before })
	var v struct {
		Type   string          `json:"type"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(e.ws.Homes(user)[before], &v); err != nil {
		e.t.Fatal(err)
	}
	if v.Type != "home" {
		e.t.Errorf("published a view of type %q, want home", v.Type)
	}
	return v.Blocks
}

// runSocketMode serves the env's bot over Socket Mode until the test ends.
func (e *env) runSocketMode(t *testing.T) {
	t.Helper()
	api := slackapi.New("xoxb-test", slackapi.OptionAPIURL(e.ws.APIURL()), slackapi.OptionAppLevelToken("xapp-test"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.bot.RunSocketMode(ctx, socketmode.New(api)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("RunSocketMode did not stop")
		}
	})
	e.ws.WaitFor("a Socket Mode connection", func() bool { return e.ws.Sockets() == 1 })
}

// TestAppHome opens the App Home of a responder with two incidents: the
// running clocks soonest first, the responders' open steps of both, and the
// incident she declared (so leads); someone without a role is shown no
// incident at all.
func TestAppHome(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	e.runSocketMode(t)
	e.answer(alice, "C0GENERAL", `declare Customer DB exposed --aware 2026-11-27T09:00Z --facts "jurisdictions=EU affected=800"`)
	e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	e.answer(lead, "C0GENERAL", `declare Laptop stolen --aware 2026-11-28T06:00Z --facts "jurisdictions=EU affected=20"`)
	e.declaredChannel("INC-2026-0002")
	e.waitOutboxEmpty()
	e.answer(lead, "C0GENERAL", "lead <@"+dpo+"|dana> --incident INC-2026-0002")
	e.waitOutboxEmpty()

	home := e.openHome(alice)
	txt := (&workspacetest.Message{Blocks: home}).BlocksText()
	for _, want := range []string{"*Next due*", "*Your steps*", "*Your open incidents*", "*INC-2026-0001* Customer DB exposed · declared · lead <@" + alice + "> · you lead it"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the App Home lacks %q:\n%s", want, txt)
		}
	}
	if i, j := strings.Index(txt, "*INC-2026-0001* GDPR"), strings.Index(txt, "*INC-2026-0002* GDPR"); i < 0 || j < 0 || i > j {
		t.Errorf("the clocks are not soonest first:\n%s", txt)
	}
	if strings.Contains(txt, "800") || strings.Contains(txt, "jurisdictions") {
		t.Errorf("the App Home shows facts:\n%s", txt)
	}
	golden(t, "home", home)

	none := (&workspacetest.Message{Blocks: e.openHome(eve)}).BlocksText()
	if strings.Contains(none, "INC-") || strings.Contains(none, "Laptop") || strings.Contains(none, "Customer DB") {
		t.Errorf("someone without a role is shown incidents:\n%s", none)
	}
	if !strings.Contains(none, "You hold no breachbot role") {
		t.Errorf("the App Home of someone without a role does not say why it is empty:\n%s", none)
	}
}

// Over HTTP, the Events API URL answers Slack's url_verification, refuses
// an unsigned event with 401 and publishes nothing for it, and publishes
// the App Home for a signed app_home_opened.
func TestAppHomeOverHTTPEvents(t *testing.T) {
	e := newEnv(t, envOptions{})
	h := e.bot.EventsHandler()
	post := func(body string, signed bool) (int, string) {
		r := workspacetest.Request("http://bot.test/slack/events", secret, time.Now(), body)
		r.Header.Set("Content-Type", "application/json")
		if !signed {
			r.Header.Set("X-Slack-Signature", workspacetest.Sign("not-the-secret", time.Now(), body))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	if code, body := post(`{"token":"x","challenge":"c0ffee","type":"url_verification"}`, true); code != http.StatusOK || !strings.Contains(body, `"challenge":"c0ffee"`) {
		t.Errorf("url_verification: HTTP %d %s", code, body)
	}
	opened := `{"token":"x","team_id":"T0TEST","api_app_id":"A0BREACH","type":"event_callback","event_id":"Ev1","event_time":1764000000,` +
		`"event":{"type":"app_home_opened","user":"` + alice + `","channel":"D` + alice + `","tab":"home","event_ts":"1764000000.000100"}}`
	if code, _ := post(opened, false); code != http.StatusUnauthorized {
		t.Errorf("an unsigned event: HTTP %d, want 401", code)
	}
	if code, body := post(opened, true); code != http.StatusOK {
		t.Fatalf("app_home_opened: HTTP %d %s", code, body)
	}
	e.ws.WaitFor("the App Home of alice", func() bool { return len(e.ws.Homes(alice)) == 1 })
	e.bot.Close()
	if n := len(e.ws.Homes(alice)); n != 1 {
		t.Errorf("%d App Home views published, want 1 (the unsigned event published one)", n)
	}
}
