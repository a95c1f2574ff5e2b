package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/notifiers/email/smtptest"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden block files from the current output")

// golden compares the blocks of a message with testdata/name.golden, or
// rewrites it with -update.
func golden(t *testing.T, name string, blocks json.RawMessage) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, blocks, "", "  "); err != nil {
		t.Fatalf("%s: blocks are not JSON: %v", name, err)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("%s blocks (-want +got):\n%s", name, diff)
	}
}

// TestChecklistAndBoardMentionPeople declares an incident and has a step
// done: the pinned checklist, the channel's first message, opens with who
// declared it and what to do first; it names who did the step as a
// mention, and shows Done
// and Waive buttons only on steps that can be done now; a step waiting for
// others says what it waits for, without a button.
func TestChecklistAndBoardMentionPeople(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	if status, ack, _ := e.command(alice, "C0GENERAL", `declare Customer DB exposed --aware "2026-11-27T09:00Z" --facts "jurisdictions=EU"`); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	// The channel's first message says who declared, who leads and what to do first.
	if first := ch.Messages[0].BlocksText(); !strings.Contains(first, "Declared by <@"+alice+">, 2026-11-28 12:00 UTC. Lead: <@"+alice+">. Do first: triage · ") {
		t.Errorf("the channel's first message does not say who declared, who leads and what to do first:\n%s", first)
	}
	if status, ack, _ := e.command(bob, ch.ID, "step done triage"); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	e.waitOutboxEmpty()
	e.ws.WaitFor("the checklist updated in place", func() bool {
		c, _ := e.ws.Channel(ch.ID)
		return c.Messages[0].Updates > 0 && strings.Contains(c.Messages[0].BlocksText(), "done ")
	})
	ch, _ = e.ws.Channel(ch.ID)
	checklist, board := ch.Messages[0], ch.Messages[1]
	if txt := checklist.BlocksText(); !strings.Contains(txt, "by <@"+bob+">") || strings.Contains(txt, "by "+bob) {
		t.Errorf("checklist does not mention who did triage:\n%s", txt)
	}
	golden(t, "checklist", checklist.Blocks)
	golden(t, "board", board.Blocks)

	// Every button on the checklist acts now: none is on a finished step
	// or on one that waits for an unfinished step.
	res, err := e.svc.Get(context.Background(), lead, "INC-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	buttons := workspacetest.Buttons(checklist.Blocks)
	waiting := 0
	for _, def := range res.Playbook.Steps {
		st, _ := res.Incident.Step(def.ID)
		blocked := false
		for _, r := range def.Requires {
			if req, ok := res.Incident.Step(r); ok && !req.Finished() {
				blocked = true
			}
		}
		if blocked {
			waiting++
		}
		value := "INC-2026-0001 " + def.ID
		has := slices.Contains(buttons["step_done"], value) || slices.Contains(buttons["step_waive"], value)
		if want := !blocked && !st.Finished(); has != want {
			t.Errorf("step %s (finished %v, waiting %v): buttons %v, want %v", def.ID, st.Finished(), blocked, has, want)
		}
	}
	if waiting == 0 {
		t.Fatal("the test needs a step that waits for another")
	}
}

// TestApprovalDMKeepsThePreviewAfterTheDecision submits a notice: legal's
// direct message names the drafter as a mention and has Approve and Reject.
// After the approval the same message keeps the preview, says who approved
// it, has no buttons, and addresses the next step to the leads who send it.
func TestApprovalDMKeepsThePreviewAfterTheDecision(t *testing.T) {
	smtp := smtptest.Start(t)
	e := newEnv(t, envOptions{background: true, notices: smtp})
	e.answer(alice, "C0GENERAL", `declare Customer DB exposed --aware 2026-11-28T09:00Z`)
	ch := e.declaredChannel("INC-2026-0001")
	e.importCSV(alice, ch.ID)
	e.answer(alice, ch.ID, "facts data=email,password_hash encrypted=no high_risk=no")
	e.answer(alice, ch.ID, `notice draft --law-enforcement-delay no --what-happened "An attacker copied part of our customer table." --what-we-are-doing "We closed the access path." --what-you-can-do "Choose a new password."`)
	e.answer(bob, ch.ID, "notice submit")
	request := e.dmWith(dpo, 1)
	if txt := request.BlocksText(); !strings.Contains(txt, "<@"+alice+">") || !strings.Contains(txt, "<@"+bob+">") {
		t.Errorf("the request does not mention who drafted and submitted it:\n%s", txt)
	}
	golden(t, "approval_request", request.Blocks)

	approve := workspacetest.Buttons(request.Blocks)["notice_approve"]
	if len(approve) != 1 {
		t.Fatalf("no Approve button:\n%s", request.BlocksText())
	}
	e.click(dpo, "D"+dpo, request.TS, "notice_approve", approve[0])
	e.ws.WaitFor("the request updated with the approval", func() bool {
		m := e.dmWith(dpo, 1)
		return m.Updates > 0 && len(workspacetest.Buttons(m.Blocks)) == 0
	})
	decided := e.dmWith(dpo, 1)
	txt := decided.BlocksText()
	for _, want := range []string{"APPROVED", "Approved by <@" + dpo + ">", "Next, <@" + lead + ">: test-send it, then send it", "Choose a new password."} {
		if !strings.Contains(txt, want) {
			t.Errorf("the decided request lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "Legal decides") {
		t.Errorf("the decided request still asks legal to decide:\n%s", txt)
	}
	golden(t, "approval_approved", decided.Blocks)
}

// TestEscalationDMLinksTheChannelWithButtons declares an incident whose
// GDPR deadline has passed: each lead's direct message links the incident
// channel and has Met and Waive buttons for the missed obligation.
func TestEscalationDMLinksTheChannelWithButtons(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	e.answer(alice, "C0GENERAL", `declare Customer DB exposed --aware 2026-11-25T09:00Z --facts "jurisdictions=EU"`)
	ch := e.declaredChannel("INC-2026-0001")
	var dm *workspacetest.Message
	e.ws.WaitFor("the escalation to the lead", func() bool {
		c, ok := e.ws.DM(lead)
		if !ok {
			return false
		}
		for _, m := range c.Messages {
			if strings.Contains(m.Text, "MISSED") {
				dm = m
				return true
			}
		}
		return false
	})
	e.waitOutboxEmpty()
	if txt := dm.BlocksText(); !strings.Contains(txt, "<#"+ch.ID+">") {
		t.Errorf("the escalation does not link the channel:\n%s", txt)
	}
	buttons := workspacetest.Buttons(dm.Blocks)
	if !slices.Contains(buttons["obligation_met"], "INC-2026-0001 gdpr-art33") || !slices.Contains(buttons["obligation_waive"], "INC-2026-0001 gdpr-art33") {
		t.Errorf("the escalation lacks Met and Waive for gdpr-art33: %v", buttons)
	}
	golden(t, "escalation", dm.Blocks)
}

// importCSV imports the affected people through the upload form.
func (e *env) importCSV(user, channel string) {
	e.t.Helper()
	views := len(e.ws.Views())
	e.command(user, channel, "notice import")
	e.ws.WaitFor("the import form", func() bool { return len(e.ws.Views()) == views+1 })
	v := e.ws.Views()[views]
	file := e.ws.UserUpload(user, "customers.csv", []byte(affectedCSV))
	if status, body := e.submit(user, v, map[string]any{"file": file}); status != http.StatusOK || body != "" {
		e.t.Fatalf("import form submission: HTTP %d %q", status, body)
	}
	e.ws.WaitFor("the import", func() bool { return e.incident("INC-2026-0001").Recipients != nil })
}

// TestNotificationTextNeverPings declares an incident whose title holds a
// channel-wide mention: the text Slack shows in notifications beside the
// blocks (the board's title) carries it escaped, so nobody is pinged.
func TestNotificationTextNeverPings(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	e.answer(alice, "C0GENERAL", `declare DB exposed <!channel> & <@U0EVE> --aware 2026-11-28T09:00Z`)
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	ch, _ = e.ws.Channel(ch.ID)
	for _, m := range ch.Messages {
		if strings.Contains(m.Text, "<!channel>") || strings.Contains(m.Text, "<@U0EVE>") {
			t.Errorf("posted text would ping: %q", m.Text)
		}
	}
	if board := ch.Messages[1].Text; !strings.Contains(board, "DB exposed &lt;!channel&gt; &amp; &lt;@U0EVE&gt;") {
		t.Errorf("board text %q does not show the title escaped", board)
	}
}

// TestDeclareReplyGolden: the declare answer typed in #general, as Slack
// shows it to the declarer only: what was declared, the link to the new
// private channel, the most urgent clock and the next step.
func TestDeclareReplyGolden(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.ws.AddChannel("C0GENERAL", "general", false, lead)
	e.ws.Join("C0GENERAL", workspacetest.BotUserID, alice)
	status, ack, _ := e.command(alice, "C0GENERAL", `declare Customer DB exposed --aware "2026-11-27T09:00Z" --facts "jurisdictions=EU"`)
	if status != http.StatusOK || ack == "" {
		t.Fatalf("HTTP %d, answer %q", status, ack)
	}
	var r workspacetest.Response
	if err := json.Unmarshal([]byte(ack), &r); err != nil {
		t.Fatal(err)
	}
	if r.ResponseType != "ephemeral" {
		t.Errorf("declare in #general answered %q, want ephemeral", r.ResponseType)
	}
	golden(t, "declare", r.Blocks)
}
