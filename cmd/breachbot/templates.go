package main

import (
	"fmt"

	"github.com/breachbot/breachbot/playbooks"
	"github.com/breachbot/breachbot/templates"
)

// runTemplates runs "templates lint [PATH...]".
func (m *Main) runTemplates(args []string) int {
	if len(args) == 0 || args[0] != "lint" {
		fmt.Fprintln(m.Stderr, "usage: breachbot templates lint [PATH...]   (template folders or files; no PATH: the built-in notice templates)")
		return 2
	}
	// Notice templates are checked against every law whose notice content
	// the built-in catalog models (each state's rules).
	var laws []templates.Regime
	if cat, err := playbooks.BuiltinCatalog(); err == nil {
		laws = templates.LawRegimes(cat)
	} else {
		fmt.Fprintf(m.Stderr, "the built-in catalog cannot be read, so templates are not checked against the state laws: %v\n", err)
	}
	var problems templates.Problems
	if len(args) == 1 {
		problems = templates.LintWithLaws(templates.Embedded(), laws)
	} else {
		problems = templates.LintFilesWithLaws(laws, args[1:]...)
	}
	for _, p := range problems {
		fmt.Fprintln(m.Stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(m.Stderr, "%d problem(s)\n", len(problems))
		return 1
	}
	fmt.Fprintln(m.Stderr, "no problems")
	return 0
}
