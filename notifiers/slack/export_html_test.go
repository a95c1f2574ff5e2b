package slack_test

import (
	"net/http"
	"strings"
	"testing"
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
