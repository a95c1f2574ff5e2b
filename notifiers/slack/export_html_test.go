package slack_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// /breach export --format html sends the printable page by direct
// message to the person who asked; the channel sees only the note.
func TestExportHTMLComesByDirectMessage(t *testing.T) {
	e := newEnv(t, envOptions{})
	if status, ack, _ := e.command(lead, "C0GENERAL", "declare Laptop stolen"); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	status, ack, _ := e.command(lead, "C0GENERAL", "export --format html --incident INC-2026-0001")
	if status != http.StatusOK || decode(t, ack)["response_type"] != "ephemeral" || !strings.Contains(ack, "INC-2026-0001.html") {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	e.ws.WaitFor("the file", func() bool { return len(e.ws.Files()) == 1 && e.ws.Files()[0].Channel != "" })
	f := e.ws.Files()[0]
	page := string(f.Content)
	if f.Channel != "D"+lead || f.Name != "INC-2026-0001.html" || !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "<svg ") {
		t.Errorf("file %s in %s: %.300s", f.Name, f.Channel, page)
	}
}

// An export that is not ready within the acknowledgement (here: no time
// at all) still tells the person where it went, through response_url,
// beside the file in their direct messages: nobody is left with an empty
// acknowledgement and no word.
func TestLateExportSaysWhereTheFileWent(t *testing.T) {
	e := newEnv(t, envOptions{ackBudget: time.Nanosecond})
	_, _, declared := e.command(lead, "C0GENERAL", "declare Laptop stolen")
	e.ws.WaitFor("the declaration", func() bool {
		for _, r := range e.ws.Responses(declared) {
			if strings.Contains(r.Text+r.BlocksText(), "INC-2026-0001") {
				return true
			}
		}
		return false
	})
	status, ack, trigger := e.command(lead, "C0GENERAL", "export --format json --incident INC-2026-0001")
	if status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	e.ws.WaitFor("the file", func() bool { return len(e.ws.Files()) == 1 })
	said := func() string {
		out := ack
		for _, r := range e.ws.Responses(trigger) {
			out += "\n" + r.Text + "\n" + r.BlocksText()
		}
		return out
	}
	e.ws.WaitFor("a word about the file", func() bool { return strings.Contains(said(), "INC-2026-0001.json") })
	if f := e.ws.Files()[0]; f.Channel != "D"+lead {
		t.Errorf("file %s went to %s, want the lead's direct messages", f.Name, f.Channel)
	}
}
