package main

import (
	"fmt"

	"github.com/breachbot/breachbot/templates"
)

// runTemplates runs "templates lint [PATH...]".
func (m *Main) runTemplates(args []string) int {
	if len(args) == 0 || args[0] != "lint" {
		fmt.Fprintln(m.Stderr, "usage: breachbot templates lint [PATH...]   (template folders or files; no PATH: the built-in notice templates)")
		return 2
	}
	var problems templates.Problems
	if len(args) == 1 {
		problems = templates.Lint(templates.Embedded())
	} else {
		problems = templates.LintFiles(args[1:]...)
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
