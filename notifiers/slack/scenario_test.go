package slack_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestDoneScenario is the core scenario in Slack terms, end to end on the
// fake clock: declare through the modal, record facts in the incident
// channel, a reminder posted when the clock passes 50% of GDPR's 72 hours,
// a step done by its button, and an escalation by direct message to the
// incident's lead (its declarer) and the leads when the deadline is missed.
func TestDoneScenario(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Declare through the modal; the company became aware 30 hours ago.
	_, _, trigger := e.command(alice, "C0GENERAL", "declare")
	e.ws.WaitFor("the declare modal", func() bool { return len(e.ws.Views()) == 1 })
	status, body := e.submit(alice, e.ws.Views()[0], map[string]any{
		"title": "Customer DB exposed", "severity": "critical", "playbook": "personal-data-breach",
		"aware": start.Add(-30 * time.Hour), "facts": "jurisdictions=EU"})
	if status != http.StatusOK || body != "" {
		t.Fatalf("declare form: HTTP %d %s", status, body)
	}
	e.ws.WaitFor("the declared answer", func() bool { return len(e.ws.Responses(trigger)) == 1 })
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()

	// Facts, typed in the incident channel.
	status, ack, _ := e.command(bob, ch.ID, "facts data=email,password_hash affected=12000 encrypted=no")
	if status != http.StatusOK || !strings.Contains(text(t, ack), "INC-2026-0001 facts recorded") {
		t.Fatalf("facts: HTTP %d %s", status, ack)
	}
	e.waitOutboxEmpty()

	// 50% of the GDPR window: 36 hours after awareness, 6 hours from now.
	step := func(to time.Time) {
		t.Helper()
		if err := e.clock.BlockUntil(ctx, 1); err != nil { // the scheduler sleeps until the next alarm
			t.Fatal(err)
		}
		e.clock.Set(to)
		if err := e.clock.BlockUntil(ctx, 1); err != nil { // it fired and sleeps until the one after
			t.Fatal(err)
		}
		e.waitOutboxEmpty()
	}
	step(start.Add(6 * time.Hour))
	reminder := "Reminder: GDPR Art. 33 - notify the supervisory authority for INC-2026-0001 is due in 1 d 12 h"
	e.ws.WaitFor("the 50% reminder in the channel", func() bool {
		c, _ := e.ws.Channel(ch.ID)
		return strings.Contains(c.Messages[len(c.Messages)-1].Text, reminder)
	})

	// Step done by its button on the pinned checklist.
	c, _ := e.ws.Channel(ch.ID)
	checklist := c.Messages[0]
	if !strings.Contains(checklist.BlocksText(), ":white_large_square: triage") {
		t.Fatalf("triage is not open on the checklist:\n%s", checklist.BlocksText())
	}
	done := workspacetest.Buttons(checklist.Blocks)["step_done"]
	if len(done) == 0 || done[0] != "INC-2026-0001 triage" {
		t.Fatalf("first Done button %v, want INC-2026-0001 triage", done)
	}
	_, clickTrigger := e.click(alice, ch.ID, checklist.TS, "step_done", done[0])
	e.ws.WaitFor("the step's answer", func() bool { return len(e.ws.Responses(clickTrigger)) == 1 })
	if r := e.ws.Responses(clickTrigger)[0]; !strings.Contains(r.Text, "INC-2026-0001: step triage done") {
		t.Errorf("answer to the Done button: %+v", r)
	}
	e.ws.WaitFor("the checklist updated in place", func() bool {
		c, _ := e.ws.Channel(ch.ID)
		return strings.Contains(c.Messages[0].BlocksText(), ":white_check_mark: triage")
	})

	// The remaining reminders, then the deadline passes unmet.
	due := start.Add(42 * time.Hour)
	for _, at := range []time.Time{due.Add(-24 * time.Hour), due.Add(-4 * time.Hour), due.Add(-time.Hour)} {
		step(at)
	}
	if err := e.clock.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(due.Add(time.Minute))
	e.ws.WaitFor("the escalation by direct message", func() bool {
		dm, ok := e.ws.DM(lead)
		return ok && len(dm.Messages) == 1
	})
	e.waitOutboxEmpty()
	dm, _ := e.ws.DM(lead)
	if !strings.Contains(dm.Messages[0].Text, "MISSED: GDPR Art. 33 - notify the supervisory authority for INC-2026-0001 was due 2026-11-30 06:00 UTC") {
		t.Errorf("DM to the lead: %q", dm.Messages[0].Text)
	}
	c, _ = e.ws.Channel(ch.ID)
	var reminders, escalations int
	for _, m := range c.Messages {
		reminders += strings.Count(m.Text, "Reminder: GDPR Art. 33")
		escalations += strings.Count(m.Text, "MISSED: GDPR Art. 33")
	}
	if reminders != 4 || escalations != 1 {
		t.Errorf("channel has %d GDPR reminders and %d escalations, want 4 and 1", reminders, escalations)
	}
	if board := c.Messages[1].BlocksText(); !strings.Contains(board, "MISSED (1)") || !strings.Contains(board, "missed by 1 m") {
		t.Errorf("board not showing the missed deadline:\n%s", board)
	}
	// alice declared, so she leads it (no lead was named): she is sent the
	// escalation too, before the leads.
	if dm, ok := e.ws.DM(alice); !ok || len(dm.Messages) != 1 || !strings.Contains(dm.Messages[0].Text, "MISSED: GDPR Art. 33") {
		t.Errorf("the incident's lead (its declarer) was not sent the escalation: %+v", dm)
	}
	if dm, ok := e.ws.DM(bob); ok {
		t.Errorf("a responder who does not lead was sent the escalation: %+v", dm)
	}

	// What the metrics say.
	resp, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	scrape, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`breachbot_commands_total{command="declare",outcome="ok"} 1`,
		`breachbot_commands_total{command="facts",outcome="ok"} 1`,
		`breachbot_commands_total{command="step done",outcome="ok"} 1`,
		`breachbot_reminders_delivered_total{kind="reminder"} 4`,
		`breachbot_reminders_delivered_total{kind="escalation"} 3`,
		`breachbot_obligations{phase="missed"} 1`,
		`breachbot_notices_sent_total 0`,
	} {
		if !strings.Contains(string(scrape), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
