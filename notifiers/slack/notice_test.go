package slack_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

const affectedCSV = "email,name,country,region\n" +
	"alice.customer@example.com,Alice Anders,US,CA\n" +
	"bob.customer@example.de,Bob Berger,DE,\n" +
	"ALICE.CUSTOMER@example.com,Alice again,US,CA\n" +
	"carol.customer@example.com,Carol Chu,US,NY\n"

// customerData is what must never appear in Slack: the addresses and names
// of the affected people.
var customerData = []string{"customer@", "Anders", "Berger", "Carol Chu"}

// allSlackText is every message, update and answer the workspace got.
func allSlackText(e *env) string {
	var b strings.Builder
	for _, ch := range e.ws.Channels() {
		for _, m := range append(ch.Messages, ch.Ephemeral...) {
			b.WriteString(m.Text + "\n" + m.BlocksText() + "\n")
		}
	}
	for i := int64(1); i <= e.trigger.Load(); i++ {
		for _, r := range e.ws.Responses("trigger-" + itoa(i)) {
			b.WriteString(r.Text + "\n" + r.BlocksText() + "\n")
		}
	}
	return b.String()
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// response waits for the answer posted to a trigger's response_url.
func (e *env) response(trigger, what string) string {
	e.t.Helper()
	var out string
	e.ws.WaitFor(what, func() bool {
		rs := e.ws.Responses(trigger)
		if len(rs) == 0 {
			return false
		}
		out = rs[len(rs)-1].Text + "\n" + rs[len(rs)-1].BlocksText()
		return true
	})
	return out
}

// answer returns a command's answer: its acknowledgement, or what came
// through response_url.
func (e *env) answer(user, channel, text string) string {
	e.t.Helper()
	status, ack, trigger := e.command(user, channel, text)
	if status != http.StatusOK {
		e.t.Fatalf("/breach %s: HTTP %d %s", text, status, ack)
	}
	if ack != "" {
		return ack + "\n" + textOf(e.t, ack)
	}
	return e.response(trigger, "the answer to /breach "+text)
}

func textOf(t testing.TB, body string) string {
	t.Helper()
	return text(t.(*testing.T), body)
}

// TestNoticeImportApprovalAndSendingInSlack runs a customer notice through
// Slack: the CSV is uploaded through the import form and fetched by the bot
// with its own token; legal gets the approval request by direct message,
// with Approve and Reject; someone outside legal, and the drafter, pressing
// Approve are refused and audited; Reject asks for a reason; the approval
// and the rejection replace the buttons of the request and are posted in
// the incident channel; sending shows one progress message updated in place;
// and no customer's name or address ever reaches Slack.
func TestNoticeImportApprovalAndSendingInSlack(t *testing.T) {
	smtp := smtptest.Start(t)
	e := newEnv(t, envOptions{background: true, notices: smtp})
	e.ws.SetEmail(lead, "lead@acme.example")
	e.answer(alice, "C0GENERAL", `declare Customer DB exposed --aware 2026-11-28T09:00Z`)
	ch := e.declaredChannel("INC-2026-0001")

	// The import form, and the upload.
	status, ack, trigger := e.command(alice, ch.ID, "notice import")
	if status != http.StatusOK || ack != "" {
		t.Fatalf("notice import: want an empty acknowledgement, got HTTP %d %q", status, ack)
	}
	e.ws.WaitFor("the import form", func() bool { return len(e.ws.Views()) == 1 })
	v := e.ws.Views()[0]
	if v.CallbackID != "notice_import" || v.TriggerID != trigger || !strings.Contains(string(v.View), `"file_input"`) {
		t.Fatalf("import form: %+v %s", v, v.View)
	}
	file := e.ws.UserUpload(alice, "customers.csv", []byte(affectedCSV))
	if status, body := e.submit(alice, v, map[string]any{"file": file}); status != http.StatusOK || body != "" {
		t.Fatalf("import form submission: HTTP %d %q, want the modal closed", status, body)
	}
	got := e.response(trigger, "the import's answer")
	for _, want := range []string{"INC-2026-0001: imported 3 people for notices (list R1)", "DE 1 · US-CA 1 · US-NY 1", "delete it now"} {
		if !strings.Contains(got, want) {
			t.Errorf("import answer lacks %q:\n%s", want, got)
		}
	}
	if n := e.ws.Downloads(file); n != 1 {
		t.Errorf("the upload was downloaded %d times, want 1", n)
	}

	// Draft and submit; legal is asked by direct message. The facts that
	// decide which content rules apply are recorded first.
	e.answer(alice, ch.ID, "facts data=email,password_hash encrypted=no high_risk=no")
	e.answer(alice, ch.ID, `notice draft --law-enforcement-delay no --what-happened "An attacker copied part of our customer table." --what-we-are-doing "We closed the access path." --what-you-can-do "Choose a new password."`)
	if got := e.answer(alice, ch.ID, "notice submit"); !strings.Contains(got, "N1") {
		t.Fatalf("submit: %s", got)
	}
	request := e.dmWith(dpo, 1)
	approve := workspacetest.Buttons(request.Blocks)["notice_approve"]
	reject := workspacetest.Buttons(request.Blocks)["notice_reject"]
	if len(approve) != 1 || len(reject) != 1 || !strings.Contains(request.BlocksText(), "Approval requested: notice N1 of INC-2026-0001 to 3 people") {
		t.Fatalf("approval request lacks its buttons or title:\n%s", request.BlocksText())
	}
	if _, ok := e.ws.DM(alice); ok {
		t.Errorf("the drafter was asked to approve her own notice")
	}

	// Reject, with a reason asked for in a form.
	e.click(dpo, "D"+dpo, request.TS, "notice_reject", reject[0])
	e.ws.WaitFor("the reject form", func() bool { return len(e.ws.Views()) == 2 })
	rv := e.ws.Views()[1]
	if _, body := e.submit(dpo, rv, map[string]any{"reason": "  "}); !strings.Contains(body, "Reason is required") {
		t.Fatalf("an empty reason was not refused in the form: %s", body)
	}
	if status, body := e.submit(dpo, rv, map[string]any{"reason": "say which passwords"}); status != http.StatusOK || body != "" {
		t.Fatalf("reject submission: HTTP %d %q", status, body)
	}
	e.ws.WaitFor("the request updated with the rejection", func() bool {
		m := e.dmWith(dpo, 1)
		return m.Updates > 0 && len(workspacetest.Buttons(m.Blocks)["notice_approve"]) == 0
	})
	e.channelSays(ch.ID, "rejected")

	// A new draft; outsiders and the drafter cannot approve it.
	e.answer(alice, ch.ID, `notice draft --what-you-can-do "Choose a new password; your old one was stored hashed."`)
	e.answer(alice, ch.ID, "notice submit N2")
	request = e.dmWith(dpo, 2)
	approve = workspacetest.Buttons(request.Blocks)["notice_approve"]
	if len(approve) != 1 {
		t.Fatalf("second request lacks Approve:\n%s", request.BlocksText())
	}
	refusals := func() int {
		n := 0
		for _, a := range e.audit() {
			if a.Action == incidents.ActApprove && a.Outcome == incidents.OutcomeRefused {
				n++
			}
		}
		return n
	}
	for _, who := range []string{eve, alice} {
		_, trig := e.click(who, "D"+dpo, request.TS, "notice_approve", approve[0])
		if got := e.response(trig, "the refusal of "+who); !strings.Contains(got, "legal") {
			t.Errorf("%s pressing Approve: want a refusal naming the legal role, got:\n%s", who, got)
		}
	}
	if n := refusals(); n != 2 {
		t.Errorf("%d audited refusals of approve, want 2 (eve and alice)", n)
	}
	if st := e.noticeState("N2"); st != incidents.NoticeSubmitted {
		t.Fatalf("after refused approvals N2 is %s, want submitted", st)
	}
	_, trig := e.click(dpo, "D"+dpo, request.TS, "notice_approve", approve[0])
	if got := e.response(trig, "the approval"); !strings.Contains(got, "approved by <@"+dpo+">") {
		t.Fatalf("approval answer:\n%s", got)
	}
	e.channelSays(ch.ID, "approved")
	e.ws.WaitFor("the request updated with the approval", func() bool {
		m := e.dmWith(dpo, 2)
		return m.Updates > 0 && len(workspacetest.Buttons(m.Blocks)["notice_approve"]) == 0
	})

	// Test-send to the lead's Slack address, then send.
	if got := e.answer(lead, ch.ID, "notice test"); !strings.Contains(got, "lead@acme.example") {
		t.Fatalf("notice test does not name the lead's address from Slack:\n%s", got)
	}
	e.answer(lead, ch.ID, "notice test --confirm")
	e.answer(lead, ch.ID, "notice send")
	e.ws.WaitFor("the progress message saying it is sent", func() bool {
		c, _ := e.ws.Channel(ch.ID)
		return slices.ContainsFunc(c.Messages, func(m *workspacetest.Message) bool {
			return strings.Contains(m.Text, "Notice N2 of INC-2026-0001 is sent: 3 of 3 sent, 0 failed")
		})
	})
	e.waitOutboxEmpty()
	c, _ := e.ws.Channel(ch.ID)
	progress := 0
	for _, m := range c.Messages {
		if strings.Contains(m.Text, "Notice N2 of INC-2026-0001") && strings.Contains(m.Text, "sent") && m.Metadata.EventPayload["key"] == "notice-progress:INC-2026-0001:N2" {
			progress++
		}
	}
	if progress != 1 {
		t.Errorf("%d progress messages, want 1 updated in place", progress)
	}
	if n := smtp.Count(); n != 4 {
		t.Errorf("the SMTP server got %d messages, want 4 (a test and three notices)", n)
	}
	all := allSlackText(e)
	for _, pd := range customerData {
		if strings.Contains(all, pd) {
			t.Errorf("customer data %q reached Slack", pd)
		}
	}
}

// dmWith returns the n-th message of the bot's direct message with user.
func (e *env) dmWith(user string, n int) *workspacetest.Message {
	e.t.Helper()
	var m *workspacetest.Message
	e.ws.WaitFor("direct message "+itoa(int64(n))+" to "+user, func() bool {
		c, ok := e.ws.DM(user)
		if !ok || len(c.Messages) < n {
			return false
		}
		m = c.Messages[n-1]
		return true
	})
	return m
}

// channelSays waits for a message in the channel containing s.
func (e *env) channelSays(channel, s string) {
	e.t.Helper()
	e.ws.WaitFor("a message saying "+s, func() bool {
		c, _ := e.ws.Channel(channel)
		return slices.ContainsFunc(c.Messages, func(m *workspacetest.Message) bool { return strings.Contains(m.Text+m.BlocksText(), s) })
	})
}

func (e *env) noticeState(id string) incidents.NoticeState {
	e.t.Helper()
	var st incidents.NoticeState
	err := e.store.View(e.t.Context(), func(tx incidents.Tx) error {
		n, err := tx.Notice("INC-2026-0001", id)
		if n != nil {
			st = n.State
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// TestImportFormWhenSlackCannotServeTheFile submits the import form while
// files.info fails: the uploader is told what to do, nothing is imported,
// and a bad file is refused with its row report.
func TestImportFormWhenSlackCannotServeTheFile(t *testing.T) {
	e := newEnv(t, envOptions{background: true, notices: smtptest.Start(t)})
	e.answer(alice, "C0GENERAL", `declare Customer DB exposed --aware 2026-11-28T09:00Z`)
	ch := e.declaredChannel("INC-2026-0001")

	_, _, trigger := e.command(alice, ch.ID, "notice import")
	e.ws.WaitFor("the import form", func() bool { return len(e.ws.Views()) == 1 })
	file := e.ws.UserUpload(alice, "customers.csv", []byte(affectedCSV))
	e.ws.Fail(workspacetest.Fault{Methods: []string{"files.info"}, Code: "internal_error", Count: 1})
	e.submit(alice, e.ws.Views()[0], map[string]any{"file": file})
	if got := e.response(trigger, "the failed import's answer"); !strings.Contains(got, "could not be read from Slack (internal_error)") ||
		!strings.Contains(got, "breachbot notice import INC-2026-0001 FILE.csv") {
		t.Errorf("answer:\n%s", got)
	}
	if e.incident("INC-2026-0001").Recipients != nil {
		t.Fatalf("people imported although the file was not read")
	}

	_, _, trigger = e.command(alice, ch.ID, "notice import")
	e.ws.WaitFor("the second import form", func() bool { return len(e.ws.Views()) == 2 })
	bad := e.ws.UserUpload(alice, "bad.csv", []byte("name,country\nAlice,US\n"))
	e.submit(alice, e.ws.Views()[1], map[string]any{"file": bad})
	if got := e.response(trigger, "the bad file's answer"); !strings.Contains(got, "the header has no email column (it has: name, country)") {
		t.Errorf("answer:\n%s", got)
	}
	if e.incident("INC-2026-0001").Recipients != nil {
		t.Fatalf("people imported from a file without an email column")
	}
}
