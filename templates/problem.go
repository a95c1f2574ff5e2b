package templates

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// Problem is one thing wrong with a template file, at a position in it. Line
// and Col are 1-based; a zero Line means the problem concerns the whole file
// (for example, it is missing).
type Problem struct {
	File    string
	Line    int
	Col     int
	Message string
}

// String formats the problem as "file:line:col: message", the format editors
// and CI annotations understand, or "file: message" without a line.
func (p Problem) String() string {
	if p.Line <= 0 {
		return p.File + ": " + p.Message
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, max(p.Col, 1), p.Message)
}

// Problems is every problem found in one or more templates. It implements
// error, and errors.As finds it inside a *LoadError or *RenderError.
type Problems []Problem

// Error lists the problems, one "file:line:col: message" a line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sorted returns the problems ordered by file, line and column, without
// exact duplicates.
func (ps Problems) sorted() Problems {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return slices.Compact(out)
}

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
	ps = ps.sorted()
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
	ps = ps.sorted()
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

// editDistance is the optimal string alignment distance of a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
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
