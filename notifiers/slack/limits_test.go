package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/notifiers/slack"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// largest makes an incident of a shipped playbook as big as its board and
// checklist can get: every obligation of the catalog applying with its
// clock running, every step open or, with done, done with a long note.
func largest(t *testing.T, e *env, playbook string, done bool) *incidents.Result {
	t.Helper()
	ctx := context.Background()
	res, err := e.svc.Declare(ctx, lead, incidents.DeclareInput{Title: "Largest " + playbook + " " + strings.Repeat("title ", 28), Playbook: playbook})
	if err != nil {
		t.Fatal(err)
	}
	inc := res.Incident
	now := e.clock.Now()
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		o.Applies, o.Status, o.Missing = incidents.Applies, incidents.ObligationOpen, nil
		o.Why = []string{"jurisdictions includes every place " + strings.Repeat("with a long reason ", 10)}
		o.Start, o.Due = now.Add(-time.Hour), now.Add(time.Duration(i+1)*time.Hour)
	}
	if done {
		for i := range inc.Steps {
			st := &inc.Steps[i]
			st.Status, st.At, st.By, st.Note = incidents.StepDone, now, bob, strings.Repeat("a long note of what was found ", 30)
		}
	}
	if err := e.store.Update(ctx, func(tx incidents.Tx) error { return tx.PutIncident(inc) }); err != nil {
		t.Fatal(err)
	}
	res, err = e.svc.Get(ctx, lead, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestLargestBoardAndChecklistKeepSlackLimits renders the largest board and
// checklist the shipped playbooks can produce: every message is within
// Slack's Block Kit limits, and nothing is cut: every obligation is shown
// with its Met and Waive buttons, every step with its note, what does not
// fit in the first message following in more messages.
func TestLargestBoardAndChecklistKeepSlackLimits(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, pb := range []string{"personal-data-breach", "vendor-breach"} {
		for _, done := range []bool{false, true} {
			res := largest(t, e, pb, done)
			for _, part := range []string{"board", "checklist"} {
				t.Run(fmt.Sprintf("%s/%s/done=%v", pb, part, done), func(t *testing.T) {
					rep := commands.Checklist(res)
					if part == "board" {
						rep = commands.Board(res, e.clock.Now())
					}
					pages := slack.Pages(rep)
					var all strings.Builder
					buttons := map[string][]string{}
					for i, page := range pages {
						raw, err := json.Marshal(page)
						if err != nil {
							t.Fatal(err)
						}
						if err := workspacetest.CheckBlocks(raw); err != nil {
							t.Errorf("message %d of %d: %v", i+1, len(pages), err)
						}
						m := workspacetest.Message{Blocks: raw}
						all.WriteString(m.BlocksText() + "\n")
						for id, vs := range workspacetest.Buttons(raw) {
							buttons[id] = append(buttons[id], vs...)
						}
					}
					text := all.String()
					if part == "board" {
						if len(pages) < 2 {
							t.Errorf("the board of %d obligations fits one message?", len(res.Incident.Obligations))
						}
						for _, o := range res.Incident.Obligations {
							if !strings.Contains(text, o.ID+" · ") {
								t.Errorf("obligation %s is not shown", o.ID)
							}
						}
						if n := len(buttons["obligation_met"]); n != len(res.Incident.Obligations) {
							t.Errorf("%d Met buttons for %d running obligations", n, len(res.Incident.Obligations))
						}
						return
					}
					for _, st := range res.Incident.Steps {
						if !strings.Contains(text, st.ID+" · ") {
							t.Errorf("step %s is not shown", st.ID)
						}
					}
					if done && strings.Count(text, "note: "+strings.Repeat("a long note of what was found ", 30)) != len(res.Incident.Steps) {
						t.Errorf("not every step's note is shown in full: %d of %d", strings.Count(text, "note: "+strings.Repeat("a long note of what was found ", 30)), len(res.Incident.Steps))
					}
				})
			}
		}
	}
}

// TestBoardTooBigForOneMessageContinuesInItsThread posts the largest board
// through the bot into the fake workspace (which refuses blocks over
// Slack's limits, as Slack does): the pinned board holds what fits and says
// it continues, its thread holds the rest; refreshing updates them in place.
func TestBoardTooBigForOneMessageContinuesInItsThread(t *testing.T) {
	e, ch, inc := bigBoard(t)
	n := incidents.Notification{ID: "board:test", Kind: incidents.NotifyBoard, Incident: inc.ID}
	for range 2 { // posted, then refreshed in place
		if err := e.bot.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	board, thread := boardThread(e, ch.ID)
	if !strings.Contains(board.BlocksText(), "Continued in the thread") {
		t.Fatalf("the board does not say it continues:\n%s", board.BlocksText())
	}
	if len(thread) == 0 {
		t.Fatal("nothing in the board's thread")
	}
	met := len(workspacetest.Buttons(board.Blocks)["obligation_met"])
	text := board.BlocksText()
	for _, m := range thread {
		met += len(workspacetest.Buttons(m.Blocks)["obligation_met"])
		text += m.BlocksText()
		if m.Updates == 0 {
			t.Errorf("continuation %s was not updated in place on refresh (posted again?)", m.TS)
		}
	}
	if met != len(inc.Obligations) {
		t.Errorf("%d Met buttons across the board and its thread, want %d", met, len(inc.Obligations))
	}
	for _, o := range inc.Obligations {
		if !strings.Contains(text, o.ID+" · ") {
			t.Errorf("obligation %s is not shown", o.ID)
		}
	}
}

// TestLostContinuationIsFoundNotPostedTwice loses Slack's answer to the
// post of a board's continuation (Slack posted it): delivered again, the bot
// finds it in the board's thread instead of posting it a second time.
func TestLostContinuationIsFoundNotPostedTwice(t *testing.T) {
	e, ch, inc := bigBoard(t)
	e.ws.Fail(workspacetest.Fault{Methods: []string{"chat.postMessage"}, Lose: true, Count: 1})
	n := incidents.Notification{ID: "board:test", Kind: incidents.NotifyBoard, Incident: inc.ID}
	if err := e.bot.Notify(context.Background(), n); err == nil {
		t.Fatal("the lost answer was not an error")
	}
	if err := e.bot.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	_, thread := boardThread(e, ch.ID)
	seen := map[string]int{}
	for _, m := range thread {
		seen[m.Text]++
	}
	for text, k := range seen {
		if k > 1 {
			t.Errorf("%q posted %d times", text, k)
		}
	}
	if len(thread) == 0 {
		t.Fatal("nothing in the board's thread")
	}
}

// bigBoard declares an incident and makes every obligation apply with its
// clock running, too many for the board to fit one message.
func bigBoard(t *testing.T) (*env, workspacetest.Channel, *incidents.Incident) {
	t.Helper()
	e := newEnv(t, envOptions{background: true})
	e.answer(alice, "C0GENERAL", `declare Customer DB exposed --aware 2026-11-28T09:00Z`)
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	res, err := e.svc.Get(context.Background(), lead, "INC-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	inc := res.Incident
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		o.Applies, o.Status, o.Missing = incidents.Applies, incidents.ObligationOpen, nil
		o.Start, o.Due = start.Add(-time.Hour), start.Add(time.Duration(i+1)*time.Hour)
	}
	if err := e.store.Update(context.Background(), func(tx incidents.Tx) error { return tx.PutIncident(inc) }); err != nil {
		t.Fatal(err)
	}
	return e, ch, inc
}

// boardThread returns the pinned board of a channel and its thread.
func boardThread(e *env, channel string) (*workspacetest.Message, []*workspacetest.Message) {
	c, _ := e.ws.Channel(channel)
	board := c.Messages[1]
	var thread []*workspacetest.Message
	for _, m := range c.Messages {
		if m.ThreadTS == board.TS {
			thread = append(thread, m)
		}
	}
	return board, thread
}

// TestBigAnswerComesInParts asks for every deadline of an incident whose
// every obligation applies: the answer, too big for one message, comes
// in parts through the response_url, each within Slack's limits (the fake
// workspace refuses any other), and together they show every obligation
// with its Met button; nothing is cut.
func TestBigAnswerComesInParts(t *testing.T) {
	e, ch, inc := bigBoard(t)
	status, ack, trigger := e.command(lead, ch.ID, "deadlines --all")
	if status != http.StatusOK || ack != "" {
		t.Fatalf("want an empty acknowledgement and the answer through response_url, got HTTP %d %.200s", status, ack)
	}
	var parts []workspacetest.Response
	e.ws.WaitFor("the answer in parts", func() bool {
		parts = e.ws.Responses(trigger)
		n := len(parts)
		return n >= 2 && strings.HasSuffix(parts[n-1].Text, fmt.Sprintf("(continued, %d of %d)", n, n))
	})
	if !strings.Contains(parts[0].BlocksText(), "Continued in the next message") {
		t.Errorf("the first part does not say more follows")
	}
	met, text := 0, ""
	for _, p := range parts {
		met += len(workspacetest.Buttons(p.Blocks)["obligation_met"])
		text += p.BlocksText()
	}
	if met != len(inc.Obligations) {
		t.Errorf("%d Met buttons across %d parts, want %d", met, len(parts), len(inc.Obligations))
	}
	for _, o := range inc.Obligations {
		if !strings.Contains(text, o.ID+" · ") {
			t.Errorf("obligation %s is not shown", o.ID)
		}
	}
	if strings.Contains(text, "shortened to fit") {
		t.Errorf("the answer was cut")
	}
}

// TestDeletedBigBoardIsPostedAgainWithItsThread deletes the pinned board
// whose rest is in its thread: the next refresh posts and pins it again,
// with its rest in the new board's thread, not in the old one.
func TestDeletedBigBoardIsPostedAgainWithItsThread(t *testing.T) {
	e, ch, inc := bigBoard(t)
	n := incidents.Notification{ID: "board:test", Kind: incidents.NotifyBoard, Incident: inc.ID}
	if err := e.bot.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	old, oldThread := boardThread(e, ch.ID)
	e.ws.DeleteMessage(ch.ID, old.TS)
	if err := e.bot.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	c, _ := e.ws.Channel(ch.ID)
	var board *workspacetest.Message
	for _, m := range c.Messages {
		if m.ThreadTS == "" && strings.HasPrefix(m.Text, "INC-2026-0001 deadlines") {
			board = m
		}
	}
	if board == nil || !slices.Contains(c.Pins, board.TS) {
		t.Fatalf("the board was not posted and pinned again")
	}
	met := len(workspacetest.Buttons(board.Blocks)["obligation_met"])
	for _, m := range c.Messages {
		if m.ThreadTS == board.TS {
			met += len(workspacetest.Buttons(m.Blocks)["obligation_met"])
		}
	}
	if met != len(inc.Obligations) {
		t.Errorf("%d Met buttons on the new board and its thread, want %d", met, len(inc.Obligations))
	}
	for _, m := range oldThread {
		if m.Updates > 0 {
			t.Errorf("the old thread's %s was updated instead of a new one posted", m.TS)
		}
	}
}
