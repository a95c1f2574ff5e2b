package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// shown is an answer as Slack shows it: to whom (response_type) and its
// text, from the acknowledgement or, if that was empty, from what came
// through response_url.
type shown struct {
	responseType string
	text         string
	buttons      map[string][]string
}

func (e *env) shown(ack, trigger string) shown {
	e.t.Helper()
	if ack != "" {
		var r workspacetest.Response
		if err := json.Unmarshal([]byte(ack), &r); err != nil {
			e.t.Fatalf("acknowledgement %q is not JSON: %v", ack, err)
		}
		return shown{r.ResponseType, r.Text + "\n" + r.BlocksText(), workspacetest.Buttons(r.Blocks)}
	}
	var r workspacetest.Response
	e.ws.WaitFor("the answer through response_url", func() bool {
		rs := e.ws.Responses(trigger)
		if len(rs) == 0 {
			return false
		}
		r = rs[len(rs)-1]
		return true
	})
	return shown{r.ResponseType, r.Text + "\n" + r.BlocksText(), workspacetest.Buttons(r.Blocks)}
}

// typed types a command and returns its answer as shown.
func (e *env) typed(user, channel, text string) shown {
	e.t.Helper()
	status, ack, trigger := e.command(user, channel, text)
	if status != http.StatusOK {
		e.t.Fatalf("/breach %s: HTTP %d %s", text, status, ack)
	}
	return e.shown(ack, trigger)
}

var channelLink = regexp.MustCompile(`<#(C[A-Z0-9]+)>`)

// TestDeclareInGeneralIsShownOnlyToTheDeclarer declares in #general, in
// the acknowledgement and through response_url: the answer is ephemeral,
// links the new private channel, and nothing about the incident is posted
// in #general.
func TestDeclareInGeneralIsShownOnlyToTheDeclarer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget time.Duration
	}{
		{"answered in the acknowledgement", 0},
		{"answered through response_url", time.Nanosecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{ackBudget: tc.budget})
			e.ws.AddChannel("C0GENERAL", "general", false, lead)
			e.ws.Join("C0GENERAL", workspacetest.BotUserID, alice, bob)
			got := e.typed(alice, "C0GENERAL", "declare Customer DB exposed --severity high")
			if got.responseType != "ephemeral" || !strings.Contains(got.text, "INC-2026-0001 declared: Customer DB exposed") {
				t.Fatalf("declare answered %q to the channel:\n%s", got.responseType, got.text)
			}
			inc := e.incident("INC-2026-0001")
			link := channelLink.FindStringSubmatch(got.text)
			if inc.Channel == "" || link == nil || link[1] != inc.Channel {
				t.Errorf("answer links %v, want the incident's private channel %q:\n%s", link, inc.Channel, got.text)
			}
			general, _ := e.ws.Channel("C0GENERAL")
			if len(general.Messages) != 0 {
				t.Errorf("posted in #general: %q", general.Messages[0].Text)
			}
		})
	}
}

// TestCommandsNamingAnIncidentElsewhereAreEphemeral names an incident with
// --incident in #general and in another incident's channel: the answers
// are shown only to the person who typed, without buttons; in the
// incident's own channel they are shown to the channel.
func TestCommandsNamingAnIncidentElsewhereAreEphemeral(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	e.typed(lead, "C0GENERAL", `declare Customer DB exposed --facts "jurisdictions=EU"`)
	e.typed(lead, "C0GENERAL", "declare Laptop stolen")
	first, second := e.declaredChannel("INC-2026-0001"), e.declaredChannel("INC-2026-0002")
	for _, tc := range []struct {
		where, channel, text, want string
	}{
		{"#general", "C0GENERAL", "deadlines --incident INC-2026-0001", "ephemeral"},
		{"#general", "C0GENERAL", "facts affected=1200 --incident INC-2026-0001", "ephemeral"},
		{"another incident's channel", second.ID, "steps --incident INC-2026-0001", "ephemeral"},
		{"another incident's channel", second.ID, "deadlines --incident INC-2026-0001", "ephemeral"},
		{"its own channel", first.ID, "deadlines", "in_channel"},
		{"its own channel", first.ID, "deadlines --incident INC-2026-0001", "in_channel"},
	} {
		got := e.typed(lead, tc.channel, tc.text)
		if got.responseType != tc.want || !strings.Contains(got.text, "INC-2026-0001") {
			t.Errorf("/breach %s in %s: %q, want %q:\n%s", tc.text, tc.where, got.responseType, tc.want, got.text)
		}
		if tc.want == "ephemeral" && len(got.buttons) > 0 {
			t.Errorf("/breach %s in %s: buttons %v on an answer outside the incident's channel", tc.text, tc.where, got.buttons)
		}
	}
}

// TestDeclareOverSocketModeIsEphemeral declares over Socket Mode in
// #general: the acknowledgement's payload is ephemeral.
func TestDeclareOverSocketModeIsEphemeral(t *testing.T) {
	e := newEnv(t, envOptions{})
	api := slackapi.New("xoxb-test", slackapi.OptionAPIURL(e.ws.APIURL()), slackapi.OptionAppLevelToken("xapp-test"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.bot.RunSocketMode(ctx, socketmode.New(api)) }()
	defer func() { cancel(); <-done }()
	e.ws.WaitFor("a Socket Mode connection", func() bool { return e.ws.Sockets() == 1 })
	declare := workspacetest.Command{User: alice, Channel: "C0GENERAL", Text: "declare Laptop stolen", TriggerID: "t-declare", ResponseURL: e.ws.ResponseURL("t-declare")}
	id := e.ws.SendEnvelope("slash_commands", declare.Payload(), 0, "")
	e.ws.WaitFor("the acknowledgement", func() bool { _, ok := e.ws.Ack(id); return ok })
	ack, _ := e.ws.Ack(id)
	got := e.shown(strings.TrimPrefix(string(ack), "null"), "t-declare")
	if got.responseType != "ephemeral" || !strings.Contains(got.text, "INC-2026-0001 declared: Laptop stolen") {
		t.Errorf("declare over Socket Mode answered %q:\n%s", got.responseType, got.text)
	}
}

// TestDeclareModalAnswerIsEphemeral declares through the modal opened in
// #general: the answer through response_url is ephemeral and links the
// private channel.
func TestDeclareModalAnswerIsEphemeral(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, _, trigger := e.command(alice, "C0GENERAL", "declare")
	e.ws.WaitFor("the declare modal", func() bool { return len(e.ws.Views()) == 1 })
	status, body := e.submit(alice, e.ws.Views()[0], map[string]any{"title": "Payroll export emailed to the wrong list",
		"severity": "high", "playbook": "personal-data-breach", "aware": start.Add(-time.Hour)})
	if status != http.StatusOK || body != "" {
		t.Fatalf("HTTP %d %s", status, body)
	}
	got := e.shown("", trigger)
	if got.responseType != "ephemeral" || !strings.Contains(got.text, "INC-2026-0001 declared") {
		t.Errorf("modal declare answered %q:\n%s", got.responseType, got.text)
	}
	if link := channelLink.FindStringSubmatch(got.text); link == nil || link[1] != e.incident("INC-2026-0001").Channel {
		t.Errorf("answer does not link the private channel:\n%s", got.text)
	}
}

// TestAnnounceChannelGetsATitleLessAnnouncement declares with
// announce_channel set: the announcement channel gets one message that
// names nothing of the incident, delivered through the outbox once.
func TestAnnounceChannelGetsATitleLessAnnouncement(t *testing.T) {
	e := newEnv(t, envOptions{background: true, announce: "C0ANNOUNCE"})
	e.ws.AddChannel("C0ANNOUNCE", "security-announcements", false, lead)
	e.ws.Join("C0ANNOUNCE", workspacetest.BotUserID)
	e.typed(alice, "C0GENERAL", `declare Customer DB exposed --severity critical`)
	e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	e.ws.WaitFor("the announcement", func() bool { c, _ := e.ws.Channel("C0ANNOUNCE"); return len(c.Messages) == 1 })
	n := incidents.Notification{ID: "declared:INC-2026-0001", Kind: incidents.NotifyDeclared, Audience: incidents.AudienceIncident,
		Incident: "INC-2026-0001", Actor: alice}
	if err := e.bot.Notify(context.Background(), n); err != nil { // delivered again
		t.Fatal(err)
	}
	c, _ := e.ws.Channel("C0ANNOUNCE")
	if len(c.Messages) != 1 {
		t.Fatalf("%d announcements, want 1", len(c.Messages))
	}
	m := c.Messages[0]
	all := m.Text + "\n" + m.BlocksText()
	if !strings.Contains(all, "A confidential incident was declared; the on-call responders are invited.") {
		t.Errorf("announcement:\n%s", all)
	}
	md, _ := json.Marshal(m.Metadata)
	for _, secret := range []string{"INC-2026-0001", "Customer DB", "critical", "inc-2026-0001"} {
		if strings.Contains(all, secret) || strings.Contains(string(md), secret) {
			t.Errorf("announcement reveals %q:\n%s\nmetadata %s", secret, all, md)
		}
	}
}

// TestButtonsActOnlyInTheirIncidentsChannel presses a Done button of
// INC-2026-0001 from #general, from another incident's channel and from a
// direct message the bot did not send it in: each is refused, shown only
// to the person and audited, and the step stays open. In the incident's
// channel the same button works.
func TestButtonsActOnlyInTheirIncidentsChannel(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	e.typed(alice, "C0GENERAL", "declare Customer DB exposed")
	e.typed(alice, "C0GENERAL", "declare Laptop stolen")
	first, second := e.declaredChannel("INC-2026-0001"), e.declaredChannel("INC-2026-0002")
	checklist := first.Messages[0]
	done := workspacetest.Buttons(checklist.Blocks)["step_done"]
	if len(done) == 0 || !strings.HasPrefix(done[0], "INC-2026-0001 ") {
		t.Fatalf("Done buttons %v", done)
	}
	step := strings.Fields(done[0])[1]
	for _, where := range []string{"C0GENERAL", second.ID, "D" + alice} {
		_, trigger := e.click(alice, where, checklist.TS, "step_done", done[0])
		r := e.shown("", trigger)
		if r.responseType != "ephemeral" || !strings.Contains(r.text, "INC-2026-0001") || !strings.Contains(r.text, "its own channel") {
			t.Errorf("Done of INC-2026-0001 pressed in %s: %q\n%s", where, r.responseType, r.text)
		}
	}
	if st, _ := e.incident("INC-2026-0001").Step(step); st.Status != incidents.StepOpen {
		t.Errorf("step %s is %s after presses outside its channel, want open", step, st.Status)
	}
	refusals := slices.DeleteFunc(e.audit(), func(a incidents.AuditEntry) bool {
		return a.Actor != alice || a.Incident != "INC-2026-0001" || a.Outcome != incidents.OutcomeRefused
	})
	if len(refusals) != 3 {
		t.Errorf("%d audited refusals, want 3: %+v", len(refusals), refusals)
	}

	_, trigger := e.click(alice, first.ID, checklist.TS, "step_done", done[0])
	if r := e.shown("", trigger); !strings.Contains(r.text, "INC-2026-0001: step "+step+" done") {
		t.Errorf("Done in the incident's channel: %+v", r)
	}
}
