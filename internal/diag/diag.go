// Package diag has what the file linters of breachbot share: a problem at a
// position in a file, in the "file:line:col: message" format editors and CI
// annotations understand, and the "did you mean" suggestion of a close name.
// The playbooks and templates packages expose Problem and Problems as their
// own (type aliases), so their callers need not import this package.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// Problem is one thing wrong with a file, at a position in it. Line and Col
// are 1-based; a zero Line means the problem concerns the whole file (for
// example, it cannot be read).
type Problem struct {
	File    string
	Line    int
	Col     int
	Message string
	// Note marks a remark that is not a fault (such as a rule that overrides
	// a built-in one): shown, but it does not fail a lint.
	Note bool
}

// String formats the problem as "file:line:col: message", the format editors
// and CI annotations understand, or "file: message" without a line.
func (p Problem) String() string {
	msg := p.Message
	if p.Note {
		msg = "note: " + msg
	}
	if p.Line <= 0 {
		return p.File + ": " + msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, max(p.Col, 1), msg)
}

// Errors returns the problems that are faults, leaving out notes.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Note {
			out = append(out, p)
		}
	}
	return out
}

// Problems is every problem found in one or more files. It implements error
// so that callers can return it and find it with errors.As.
type Problems []Problem

// Error lists the problems, one "file:line:col: message" a line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Sorted returns the problems ordered by file, line and column, without
// exact duplicates (a file linted twice reports once).
func (ps Problems) Sorted() Problems {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return slices.Compact(out)
}

// Suggest returns the candidate closest to word if it is close enough to be
// a likely misspelling (two edits, one for words of four letters or fewer),
// else "".
func Suggest(word string, candidates []string) string {
	lw := strings.ToLower(word)
	best, bestDist := "", -1
	for _, c := range candidates {
		if c == word {
			continue
		}
		d := EditDistance(lw, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := 2
	if len([]rune(word)) <= 4 {
		limit = 1
	}
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// EditDistance is the optimal string alignment distance of a and b: the
// number of insertions, deletions, substitutions and transpositions of
// adjacent characters that turn a into b (incidents.EditDistance, which the
// domain's own suggestions use).
func EditDistance(a, b string) int { return incidents.EditDistance(a, b) }
