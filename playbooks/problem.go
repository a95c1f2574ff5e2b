package playbooks

import (
	"fmt"
	"strings"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/internal/diag"
)

// Problem is one thing wrong with a playbook or regulations file, at a position in it
// ("file:line:col: message"; see diag.Problem).
type Problem = diag.Problem

// Problems is every problem found in one or more files. It implements error,
// and errors.As finds it inside this package's error types.
type Problems = diag.Problems

// maxListed caps how many problems a user-facing error message lists.
const maxListed = 10

// FileError reports that a playbook or regulations file is invalid. With
// errors.As it yields both an *incidents.Error with code EINVALID, whose
// message lists the problems for the person who must fix the file, and the
// Problems themselves, for tools.
type FileError struct {
	// File is the display name of the file, as in the Problems.
	File string
	// Problems lists everything wrong with the file.
	Problems Problems
	err      *incidents.Error
}

func newFileError(kind, file string, ps Problems) *FileError {
	ps = ps.Sorted()
	noun := "problems"
	if len(ps) == 1 {
		noun = "problem"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s has %d %s:", kind, file, len(ps), noun)
	for i, p := range ps {
		if i == maxListed {
			fmt.Fprintf(&b, "\n... and %d more", len(ps)-maxListed)
			break
		}
		b.WriteString("\n" + p.String())
	}
	e := incidents.Errorf(incidents.EINVALID, "%s", b.String()).
		WithHint("fix the file and check it with: breachbot playbooks lint %s", file)
	return &FileError{File: file, Problems: ps, err: e}
}

// Error returns the user-facing message: what is wrong, and how to check the
// fix.
func (e *FileError) Error() string { return e.err.Error() }

// Unwrap returns the *incidents.Error (code EINVALID) and the Problems.
func (e *FileError) Unwrap() []error { return []error{e.err, e.Problems} }

// suggest returns the candidate closest to word if it is close enough to be
// a likely misspelling, else "".
func suggest(word string, candidates []string) string { return diag.Suggest(word, candidates) }

// didYouMean returns "; did you mean "x"?" for a close candidate, else "".
func didYouMean(word string, candidates []string) string {
	if s := suggest(word, candidates); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// didYouMeanOr returns didYouMean's suggestion, or otherwise if there is none.
func didYouMeanOr(word string, candidates []string, otherwise string) string {
	if s := didYouMean(word, candidates); s != "" {
		return s
	}
	return otherwise
}
