package slack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/notifiers/slack"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestFactsFormFromTheBoard presses Record facts on the deadlines board:
// a form opens with a field per fact, the known ones filled in; a bad
// value is shown on its field and nothing is recorded; a good one records
// only what changed, and the board is updated in place.
func TestFactsFormFromTheBoard(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	if status, ack, _ := e.command(alice, "C0GENERAL", `declare Laptop stolen --aware 2h ago --facts "jurisdictions=EU"`); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	board := ch.Messages[1]
	facts := workspacetest.Buttons(board.Blocks)["facts_form"]
	if len(facts) != 1 {
		t.Fatalf("board has no Record facts button:\n%s", board.BlocksText())
	}
	e.click(bob, ch.ID, board.TS, "facts_form", facts[0])
	e.ws.WaitFor("the facts form", func() bool { return len(e.ws.Views()) == 1 })
	v := e.ws.Views()[0]
	view := string(v.View)
	for _, want := range []string{`"block_id":"data_categories"`, `"block_id":"affected"`, `"block_id":"more"`, `"initial_value":"EU"`, "Decides "} {
		if !strings.Contains(view, want) {
			t.Errorf("facts form lacks %s:\n%s", want, view)
		}
	}
	_, body := e.submit(bob, v, map[string]any{"affected": "forty", "data_categories": "email"})
	if errs, _ := decode(t, body)["errors"].(map[string]any); errs["affected"] == nil {
		t.Fatalf("want the error on the affected field, got %s", body)
	}
	if _, ok := e.incident("INC-2026-0001").Facts["data_categories"]; ok {
		t.Fatalf("a refused form recorded facts")
	}
	before := e.incident("INC-2026-0001").Facts["jurisdictions"]
	if status, body := e.submit(bob, v, map[string]any{"affected": "40", "data_categories": "email", "jurisdictions": "EU"}); status != http.StatusOK || body != "" {
		t.Fatalf("facts form: HTTP %d %s", status, body)
	}
	inc := e.incident("INC-2026-0001")
	if f := inc.Facts["affected"]; f.Number == nil || *f.Number != 40 || f.By != bob {
		t.Errorf("affected = %+v", f)
	}
	if after := inc.Facts["jurisdictions"]; !after.At.Equal(before.At) || after.By != before.By {
		t.Errorf("an unchanged field was recorded again: %+v, was %+v", after, before)
	}
	e.ws.WaitFor("the board updated in place", func() bool {
		c, _ := e.ws.Channel(ch.ID)
		return c.Messages[1].Updates > 0
	})
}

// TestBoardsRefreshAsClocksRun runs the board refresher: as the (fake)
// clock moves, the pinned board is updated in place with the new relative
// times, without any command.
func TestBoardsRefreshAsClocksRun(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	if status, ack, _ := e.command(alice, "C0GENERAL", `declare Laptop stolen --aware 2h ago --facts "jurisdictions=EU"`); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	if !strings.Contains(ch.Messages[1].BlocksText(), "(in 2 d 22 h)") {
		t.Fatalf("board before:\n%s", ch.Messages[1].BlocksText())
	}
	e.clock.Advance(5 * time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.bot.RunBoards(ctx, 10*time.Millisecond) }()
	defer func() { cancel(); <-done }()
	e.ws.WaitFor("the board showing 5 hours less", func() bool {
		c, _ := e.ws.Channel(ch.ID)
		return strings.Contains(c.Messages[1].BlocksText(), "(in 2 d 17 h)")
	})
}

// TestBoardRefreshUpdatesOnlyBoardsThatReadDifferently runs rounds of the
// board refresher on a fake clock: a board whose relative times read the
// same as when it was last shown is left alone (no chat.update: with
// thousands of open incidents a round would otherwise spend Slack's rate
// limit on nothing), one that reads differently is updated, and the
// checklist, which shows no time, is never updated by the refresher.
func TestBoardRefreshUpdatesOnlyBoardsThatReadDifferently(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	if status, ack, _ := e.command(alice, "C0GENERAL", `declare Laptop stolen --aware 2h ago --facts "jurisdictions=EU"`); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	ctx := context.Background()
	updates := func() (checklist, board int) {
		c, _ := e.ws.Channel(ch.ID)
		return c.Messages[0].Updates, c.Messages[1].Updates
	}
	slack.RefreshBoards(e.bot, ctx) // records the time the board shows
	checklist0, board0 := updates()

	e.clock.Advance(20 * time.Second)
	slack.RefreshBoards(e.bot, ctx)
	slack.RefreshBoards(e.bot, ctx)
	if checklist, board := updates(); checklist != checklist0 || board != board0 {
		t.Errorf("after two rounds in which nothing shown changed: checklist updated %d times, board %d times; want neither", checklist-checklist0, board-board0)
	}

	e.clock.Advance(time.Hour)
	slack.RefreshBoards(e.bot, ctx)
	c, _ := e.ws.Channel(ch.ID)
	if got := c.Messages[1].BlocksText(); !strings.Contains(got, "(in 2 d 21 h)") || !strings.Contains(got, "(3 h ago)") {
		t.Errorf("an hour later the board does not show the new times:\n%s", got)
	}
	if checklist, board := updates(); checklist != checklist0 || board != board0+1 {
		t.Errorf("an hour later: checklist updated %d times, board %d times; want 0 and 1", checklist-checklist0, board-board0)
	}
}
