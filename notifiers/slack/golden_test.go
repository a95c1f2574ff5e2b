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
// done: the pinned checklist names who did it as a mention, and shows Done
// and Waive buttons only on steps that can be done now; a step waiting for
// others says what it waits for, without a button.
func TestChecklistAndBoardMentionPeople(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	if status, ack, _ := e.command(alice, "C0GENERAL", `declare Customer DB exposed --aware "2026-11-27T09:00Z" --facts "jurisdictions=EU"`); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
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
