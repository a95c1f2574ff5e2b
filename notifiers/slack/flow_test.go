package slack_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestDeclareWithArgumentsSetsUpAPrivateChannel declares with arguments in
// #general: the answer comes in the acknowledgement, to the declarer only;
// the bot creates a private channel, invites the declarer and the roles' people (groups
// resolved), posts and pins the checklist and board, and records the channel.
// Delivering the same notification again changes nothing.
func TestDeclareWithArgumentsSetsUpAPrivateChannel(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	status, ack, _ := e.command(alice, "C0GENERAL", `declare Customer DB exposed (Ünïcode & <!channel>) --aware "2026-11-27T09:00Z" --facts "jurisdictions=EU"`)
	if status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	got := decode(t, ack)
	if got["response_type"] != "ephemeral" || !strings.Contains(text(t, ack), "INC-2026-0001 declared: Customer DB exposed") {
		t.Fatalf("acknowledgement: %s", ack)
	}
	if strings.Contains(ack, "<!channel>") {
		t.Errorf("a title typed by a person reached Slack unescaped (it would ping the channel): %s", ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	if want := "inc-2026-0001-customer-db-exposed-uenicode-channel"; ch.Name != want || !ch.Private {
		t.Errorf("channel %q private=%v, want %q private", ch.Name, ch.Private, want)
	}
	wantMembers := []string{alice, bob, dpo, lead, workspacetest.BotUserID}
	members := slices.Sorted(slices.Values(ch.Members))
	if diff := cmp.Diff(wantMembers, members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if len(ch.Messages) != 2 || ch.Pins[0] != ch.Messages[0].TS || ch.Pins[1] != ch.Messages[1].TS {
		t.Fatalf("want the checklist and the board posted and pinned, got %d messages, pins %v", len(ch.Messages), ch.Pins)
	}
	checklist, board := ch.Messages[0], ch.Messages[1]
	if !strings.Contains(checklist.BlocksText(), "triage · ") || len(workspacetest.Buttons(checklist.Blocks)["step_done"]) == 0 {
		t.Errorf("checklist lacks steps with Done buttons:\n%s", checklist.BlocksText())
	}
	if !strings.Contains(board.BlocksText(), "gdpr-art33") || !strings.Contains(board.BlocksText(), "due 2026-11-30 09:00 UTC (in 1 d 21 h)") {
		t.Errorf("board lacks the GDPR deadline with its relative time:\n%s", board.BlocksText())
	}
	if got := e.incident("INC-2026-0001").Channel; got != ch.ID {
		t.Errorf("incident channel %q, want %q", got, ch.ID)
	}

	// Delivered again (as after a crash before it was marked delivered).
	n := incidents.Notification{ID: "declared:INC-2026-0001", Kind: incidents.NotifyDeclared, Audience: incidents.AudienceIncident,
		Incident: "INC-2026-0001", Actor: alice}
	if err := e.bot.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if chs := e.ws.Channels(); len(chs) != 1 {
		t.Errorf("%d channels after redelivery, want 1", len(chs))
	}
	if again, _ := e.ws.Channel(ch.ID); len(again.Messages) != 2 || len(again.Pins) != 2 {
		t.Errorf("redelivery posted again: %d messages, %d pins", len(again.Messages), len(again.Pins))
	}

	// Inside the channel, commands mean its incident without --incident.
	status, ack, _ = e.command(bob, ch.ID, "facts data=email affected=1200")
	if status != http.StatusOK || !strings.Contains(text(t, ack), "INC-2026-0001 facts recorded: affected, data_categories") {
		t.Fatalf("facts in the incident channel: HTTP %d %s", status, ack)
	}
	e.ws.WaitFor("the board updated in place", func() bool {
		c, _ := e.ws.Channel(ch.ID)
		return c.Messages[1].Updates > 0
	})
}

// TestChannelNameTakenGetsASuffix declares while a channel of someone else
// already has the name.
func TestChannelNameTakenGetsASuffix(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	e.ws.AddChannel("C0OTHER", "inc-2026-0001-laptop-stolen", true, alice)
	if status, ack, _ := e.command(alice, "C0GENERAL", "declare Laptop stolen"); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	if ch.Name != "inc-2026-0001-laptop-stolen-2" {
		t.Errorf("channel %q, want inc-2026-0001-laptop-stolen-2", ch.Name)
	}
}

// TestDeclareModalShowsFieldErrors opens the declare modal with /breach
// declare alone, submits an awareness time in the future (refused by the
// Service, shown on that field, nothing declared), then a valid one.
func TestDeclareModalShowsFieldErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	status, ack, trigger := e.command(alice, "C0GENERAL", "declare")
	if status != http.StatusOK || ack != "" {
		t.Fatalf("want an empty acknowledgement, got HTTP %d %q", status, ack)
	}
	e.ws.WaitFor("the declare modal", func() bool { return len(e.ws.Views()) == 1 })
	v := e.ws.Views()[0]
	if v.TriggerID != trigger || v.CallbackID != "declare" {
		t.Fatalf("view %+v", v)
	}
	for _, want := range []string{"Title", "Severity", "Playbook", "Became aware at", "Initial facts", "personal-data-breach"} {
		if !strings.Contains(string(v.View), want) {
			t.Errorf("modal lacks %q: %s", want, v.View)
		}
	}
	values := map[string]any{"title": "Payroll export emailed to the wrong list", "severity": "high",
		"playbook": "personal-data-breach", "aware": start.Add(3 * time.Hour), "facts": "jurisdictions=EU affected=40"}
	status, body := e.submit(alice, v, values)
	if status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, body)
	}
	resp := decode(t, body)
	errs, _ := resp["errors"].(map[string]any)
	if resp["response_action"] != "errors" || !strings.Contains(errs["aware"].(string), "is in the future") {
		t.Fatalf("want a field error on aware, got %s", body)
	}
	if n := e.incidentsDeclared(); n != 0 {
		t.Fatalf("%d incidents declared from an invalid form", n)
	}

	values["aware"] = start.Add(-2 * time.Hour)
	values["facts"] = "jurisdictions=EU affected=forty"
	_, body = e.submit(alice, v, values)
	if errs, _ := decode(t, body)["errors"].(map[string]any); errs["facts"] == nil {
		t.Fatalf("want a field error on facts, got %s", body)
	}

	values["facts"] = "jurisdictions=EU affected=40"
	status, body = e.submit(alice, v, values)
	if status != http.StatusOK || body != "" {
		t.Fatalf("valid form: HTTP %d %q, want an empty 200 (closes the modal)", status, body)
	}
	inc := e.incident("INC-2026-0001")
	if inc.Title != values["title"] || inc.AwareAt() != start.Add(-2*time.Hour) || inc.Severity != "high" || inc.Facts["affected"].String() != "40" {
		t.Errorf("declared %+v", inc)
	}
	e.ws.WaitFor("the answer to the declarer", func() bool { return len(e.ws.Responses(trigger)) == 1 })
	if r := e.ws.Responses(trigger)[0]; r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "INC-2026-0001 declared") {
		t.Errorf("answer %+v", r)
	}
}

// TestWaiveButtonRefusedWithoutTheRole has a responder press Waive on an
// obligation (leads and legal only): no modal opens, the refusal names the
// role and is audited; a lead pressing it gets the modal.
func TestWaiveButtonRefusedWithoutTheRole(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	if status, ack, _ := e.command(alice, "C0GENERAL", `declare Laptop stolen --aware 2h ago --facts "jurisdictions=EU"`); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	board := ch.Messages[1]
	waive := workspacetest.Buttons(board.Blocks)["obligation_waive"]
	if len(waive) == 0 {
		t.Fatalf("board has no Waive buttons:\n%s", board.BlocksText())
	}
	_, trigger := e.click(alice, ch.ID, board.TS, "obligation_waive", waive[0])
	e.ws.WaitFor("the refusal", func() bool { return len(e.ws.Responses(trigger)) == 1 })
	r := e.ws.Responses(trigger)[0]
	if r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "waiving needs the leads or legal role; you have the role(s) responders") {
		t.Errorf("refusal %+v", r)
	}
	if n := len(e.ws.Views()); n != 0 {
		t.Errorf("%d modals opened for someone without the role", n)
	}
	refused := slices.ContainsFunc(e.audit(), func(a incidents.AuditEntry) bool {
		return a.Actor == alice && a.Action == incidents.ActWaive && a.Outcome == incidents.OutcomeRefused && a.Incident == "INC-2026-0001"
	})
	if !refused {
		t.Errorf("refusal not audited: %+v", e.audit())
	}

	e.click(lead, ch.ID, board.TS, "obligation_waive", waive[0])
	e.ws.WaitFor("the waive modal for the lead", func() bool { return len(e.ws.Views()) == 1 })
	v := e.ws.Views()[0]
	_, body := e.submit(lead, v, map[string]any{"reason": "   "})
	if errs, _ := decode(t, body)["errors"].(map[string]any); errs["reason"] == nil {
		t.Errorf("blank reason: want a field error, got %s", body)
	}
	if status, body := e.submit(lead, v, map[string]any{"reason": "no EU residents affected after all"}); status != http.StatusOK || body != "" {
		t.Fatalf("waive: HTTP %d %s", status, body)
	}
	o, _ := e.incident("INC-2026-0001").Obligation(strings.Fields(waive[0])[1])
	if o.Status != incidents.ObligationWaived || o.WaivedBy != lead {
		t.Errorf("obligation %+v", o)
	}
}

// TestSlowCommandsAreAnsweredLater gives commands no time to answer in the
// acknowledgement: Slack gets an empty 200 at once and the answer arrives
// through response_url, once.
func TestSlowCommandsAreAnsweredLater(t *testing.T) {
	e := newEnv(t, envOptions{ackBudget: time.Nanosecond})
	t0 := time.Now()
	status, ack, trigger := e.command(alice, "C0GENERAL", "declare Laptop stolen")
	if status != http.StatusOK || ack != "" {
		t.Fatalf("want an empty 200, got HTTP %d %q", status, ack)
	}
	if d := time.Since(t0); d > 300*time.Millisecond {
		t.Errorf("acknowledged after %s", d)
	}
	e.ws.WaitFor("the answer through response_url", func() bool { return len(e.ws.Responses(trigger)) == 1 })
	if r := e.ws.Responses(trigger)[0]; r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "INC-2026-0001 declared: Laptop stolen") {
		t.Errorf("answer %+v", r)
	}
	status, _, trigger = e.command(eve, "C0GENERAL", "declare Another one")
	e.ws.WaitFor("the refusal through response_url", func() bool { return len(e.ws.Responses(trigger)) == 1 })
	if r := e.ws.Responses(trigger)[0]; status != http.StatusOK || r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "declaring an incident needs the responders or leads role; you have no breachbot role") {
		t.Errorf("refusal %+v", r)
	}
}

// TestLateMetFormAsksForTheDelayReasons presses Met on a missed obligation:
// without the reasons for the delay the form shows the error on that field;
// with them it records the obligation as met, late.
func TestLateMetFormAsksForTheDelayReasons(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	// Aware 80 hours ago: GDPR's 72 hours are over.
	if status, ack, _ := e.command(lead, "C0GENERAL", `declare Laptop stolen --aware 80h ago --facts "jurisdictions=EU"`); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	board := ch.Messages[1]
	met := workspacetest.Buttons(board.Blocks)["obligation_met"]
	if len(met) == 0 || met[0] != "INC-2026-0001 gdpr-art33" {
		t.Fatalf("Met buttons %v", met)
	}
	e.click(dpo, ch.ID, board.TS, "obligation_met", met[0])
	e.ws.WaitFor("the Met form", func() bool { return len(e.ws.Views()) == 1 })
	v := e.ws.Views()[0]
	_, body := e.submit(dpo, v, map[string]any{"ref": "CNIL-2026-1234"})
	errs, _ := decode(t, body)["errors"].(map[string]any)
	if msg, _ := errs["delay_reason"].(string); !strings.Contains(msg, "the reasons for the delay must be recorded") {
		t.Fatalf("want the error on the delay reasons, got %s", body)
	}
	if status, body := e.submit(dpo, v, map[string]any{"ref": "CNIL-2026-1234", "delay_reason": "the breach was found on a Friday night"}); status != http.StatusOK || body != "" {
		t.Fatalf("HTTP %d %s", status, body)
	}
	o, _ := e.incident("INC-2026-0001").Obligation("gdpr-art33")
	if o.Status != "met" || o.Reference != "CNIL-2026-1234" || o.DelayReason == "" || o.MetBy != dpo {
		t.Errorf("obligation %+v", o)
	}
}

// TestExportComesByDirectMessage asks for the record: the channel is told
// nothing, the file goes to the person who asked.
func TestExportComesByDirectMessage(t *testing.T) {
	e := newEnv(t, envOptions{})
	if status, ack, _ := e.command(lead, "C0GENERAL", "declare Laptop stolen"); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	status, ack, _ := e.command(lead, "C0GENERAL", "export --format json --incident INC-2026-0001")
	if status != http.StatusOK || decode(t, ack)["response_type"] != "ephemeral" || !strings.Contains(ack, "INC-2026-0001.json") {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	e.ws.WaitFor("the file", func() bool { return len(e.ws.Files()) == 1 && e.ws.Files()[0].Channel != "" })
	f := e.ws.Files()[0]
	if f.Channel != "D"+lead || f.Name != "INC-2026-0001.json" || !strings.Contains(string(f.Content), `"INC-2026-0001"`) {
		t.Errorf("file %s in %s: %.200s", f.Name, f.Channel, f.Content)
	}
}
