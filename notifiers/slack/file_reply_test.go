package slack_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestFileReplyKeepsWhatItSaysBesideTheFile: a regulator draft comes as a
// file by direct message, and the items still unknown (with what fills
// each) are shown to the person who asked, not dropped with the file.
func TestFileReplyKeepsWhatItSaysBesideTheFile(t *testing.T) {
	e := newEnv(t, envOptions{})
	if status, ack, _ := e.command(lead, "C0GENERAL", `declare Customer DB exposed --aware "2026-11-27T09:00Z" --facts "jurisdictions=EU"`); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	status, ack, trigger := e.command(lead, "C0GENERAL", `regulator draft gdpr-art33 --nature "customer table exposed" --incident INC-2026-0001`)
	if status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, ack)
	}
	e.ws.WaitFor("the draft by direct message", func() bool { return len(e.ws.Files()) == 1 && e.ws.Files()[0].Channel != "" })
	if f := e.ws.Files()[0]; f.Channel != "D"+lead {
		t.Errorf("the draft went to %s, want the direct message of the person who asked", f.Channel)
	}
	var text string
	e.ws.WaitFor("the unknown items through response_url", func() bool {
		for _, r := range e.ws.Responses(trigger) {
			if strings.Contains(r.Text+r.BlocksText(), "/breach facts affected=") {
				text = r.Text + "\n" + r.BlocksText()
				if r.ResponseType != "ephemeral" {
					t.Errorf("the unknown items were shown %q, want only to the person who asked", r.ResponseType)
				}
				return true
			}
		}
		return false
	})
	if !strings.Contains(text, "33(3)") {
		t.Errorf("the answer beside the file does not list the draft's missing items:\n%s", text)
	}
}
