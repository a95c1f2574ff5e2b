package templates

import (
	"fmt"
	"strings"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/internal/diag"
)

// Problem is one thing wrong with a template file, at a position in it
// ("file:line:col: message"; see diag.Problem).
type Problem = diag.Problem

// Problems is every problem found in one or more files. It implements error,
// and errors.As finds it inside this package's error types.
type Problems = diag.Problems

// maxListed caps how many problems a user-facing error message lists.
const maxListed = 10

// listProblems writes a heading and up to maxListed problems.
func listProblems(heading string, ps Problems) string {
	var b strings.Builder
	b.WriteString(heading)
	for i, p := range ps {
		if i == maxListed {
			fmt.Fprintf(&b, "\n... and %d more", len(ps)-maxListed)
			break
		}
		b.WriteString("\n" + p.String())
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// LoadError reports that notice templates could not be loaded because some
// have problems. With errors.As it yields both an *incidents.Error with code
// EINVALID, whose message lists the problems for the person who must fix the
// files, and the Problems themselves, for tools.
type LoadError struct {
	// Problems lists everything wrong, sorted by file and position.
	Problems Problems
	err      *incidents.Error
}

func newLoadError(source string, ps Problems) *LoadError {
	ps = ps.Sorted()
	heading := fmt.Sprintf("notice templates have %s:", plural(len(ps), "problem", "problems"))
	hint := "fix the files and check them with: breachbot templates lint"
	if source != "" && source != "embedded" && !strings.HasSuffix(source, ":") {
		hint += " " + source
	}
	e := incidents.Errorf(incidents.EINVALID, "%s", listProblems(heading, ps)).WithHint("%s", hint)
	return &LoadError{Problems: ps, err: e}
}

// Error returns the user-facing message: what is wrong, and how to check the
// fix.
func (e *LoadError) Error() string { return e.err.Error() }

// Unwrap returns the *incidents.Error (code EINVALID) and the Problems.
func (e *LoadError) Unwrap() []error { return []error{e.err, e.Problems} }

// RenderError reports that a notice could not be rendered: the data lacks
// something the template prints or a regime requires, or the template failed.
// Its messages name template files, lines and fields, never the data's
// values. With errors.As it yields an *incidents.Error with code EINVALID and
// the Problems.
type RenderError struct {
	// Name and Locale are the template and the locale variant rendered.
	Name, Locale string
	// Problems lists what is missing or failed, at the places in the
	// template files that print it.
	Problems Problems
	err      *incidents.Error
}

func newRenderError(name, locale string, ps Problems) *RenderError {
	ps = ps.Sorted()
	heading := fmt.Sprintf("notice template %s (%s) cannot be rendered, %s:", name, locale, plural(len(ps), "problem", "problems"))
	e := incidents.Errorf(incidents.EINVALID, "%s", listProblems(heading, ps)).
		WithHint("fill in what is missing in the notice details, or change the template and check it with: breachbot templates lint")
	return &RenderError{Name: name, Locale: locale, Problems: ps, err: e}
}

// Error returns the user-facing message.
func (e *RenderError) Error() string { return e.err.Error() }

// Unwrap returns the *incidents.Error (code EINVALID) and the Problems.
func (e *RenderError) Unwrap() []error { return []error{e.err, e.Problems} }

// suggest returns the candidate closest to word if it is close enough to be
// a likely misspelling, else "".
func suggest(word string, candidates []string) string { return diag.Suggest(word, candidates) }
