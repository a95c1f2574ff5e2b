package commands

import (
	"strings"
	"testing"
)

// Every command the grammar accepts reaches a handler: none ends in the
// internal error "command has no handler" that a person could only report.
func TestEveryCommandHasAHandler(t *testing.T) {
	t.Parallel()
	for _, sp := range specs {
		_, global := globalCommands[sp.name]
		_, onIncident := incidentCommands[sp.name]
		notice := strings.HasPrefix(sp.name, "notice ")
		if !global && !onIncident && !notice {
			t.Errorf("/breach %s parses but has no handler", sp.name)
		}
		if global && onIncident {
			t.Errorf("/breach %s has two handlers", sp.name)
		}
	}
	known := map[string]bool{}
	for _, sp := range specs {
		known[sp.name] = true
	}
	for _, table := range []map[string]handler{globalCommands, incidentCommands} {
		for name := range table {
			if !known[name] {
				t.Errorf("a handler for %q, which the grammar does not accept", name)
			}
		}
	}
}
