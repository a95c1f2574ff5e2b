package playbooks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// Problem is one thing wrong with a playbook or regulations file, at a
// position in it. Line and Col are 1-based; zero means the problem concerns
// the whole file (for example, it cannot be read).
type Problem struct {
	File    string
	Line    int
	Col     int
	Message string
}

// String formats the problem as "file:line:col: message", the format editors
// and CI annotations understand.
func (p Problem) String() string {
	if p.Line <= 0 {
		return p.File + ": " + p.Message
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, max(p.Col, 1), p.Message)
}

// Problems is every problem found in one or more files. It implements error so
// that callers can return it, and errors.As finds it inside a *FileError.
type Problems []Problem

// Error lists the problems, one "file:line:col: message" a line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sorted returns the problems ordered by file, line and column, without exact
// duplicates (a file linted twice reports once).
func (ps Problems) sorted() Problems {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return slices.Compact(out)
}

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
	ps = ps.sorted()
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

// suggest returns the candidate closest to word if it is close enough to be a
// likely misspelling, else "".
func suggest(word string, candidates []string) string {
	lw := strings.ToLower(word)
	best, bestDist := "", -1
	for _, c := range candidates {
		if c == word {
			continue
		}
		d := editDistance(lw, strings.ToLower(c))
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

// editDistance is the optimal string alignment distance of a and b: the
// number of insertions, deletions, substitutions and transpositions of
// adjacent characters that turn a into b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		// Nobody misspells a 64-character word; keep the work bounded.
		if a == b {
			return 0
		}
		return max(len(ra), len(rb))
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
