package commands_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/playbooks"
)

// notesCommand finds a /breach command quoted in a catalog note: it runs to
// the closing parenthesis, or to the end of the sentence.
var notesCommand = regexp.MustCompile(`/breach\s+[^)]*?(?:\)|\.\s|\.$|;|$)`)

// TestCatalogNotesCommandsParse checks every /breach command the built-in
// catalog's notes tell a responder to type against the real grammar: a
// responder who copies it must not be refused (waive takes the reason as
// an argument, not --reason), and a waive names the regulation whose
// notes quote it.
func TestCatalogNotesCommandsParse(t *testing.T) {
	t.Parallel()
	cat, err := playbooks.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range cat.Rules {
		notes := strings.Join(strings.Fields(r.Regulation.Notes), " ")
		for _, m := range notesCommand.FindAllString(notes, -1) {
			line := strings.TrimRight(strings.TrimSpace(m), ").;")
			seen++
			cmd, err := commands.Parse(line)
			if err != nil {
				t.Errorf("%s: the notes say %q, which the grammar refuses: %v", r.Regulation.ID, line, err)
				continue
			}
			if cmd.Name == "waive" && len(cmd.Args) > 0 && cmd.Args[0] != r.Regulation.ID {
				t.Errorf("%s: the notes say %q; a responder copies it, so it should waive %s itself", r.Regulation.ID, line, r.Regulation.ID)
			}
		}
	}
	if seen < 25 {
		t.Errorf("found %d commands in the catalog's notes, want the 25 or more it quotes", seen)
	}
}
