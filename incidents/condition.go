package incidents

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Condition is an applicability condition on an incident's facts. Exactly one
// of All, Any, Not or Fact is set; the zero Condition always holds.
//
// Evaluation is three-valued: a condition holds, does not hold, or needs facts
// that have not been recorded. A missing fact is never taken as "no".
type Condition struct {
	All []Condition `json:"all,omitempty"`
	Any []Condition `json:"any,omitempty"`
	Not *Condition  `json:"not,omitempty"`

	// Fact names the fact tested by a leaf condition. For counts facts it is
	// "name.KEY" (the count for KEY) or "name.*" (the largest count of any key).
	Fact string `json:"fact,omitempty"`
	// Op is one of the Op* constants.
	Op string `json:"op,omitempty"`
	// Values are the operands of OpIncludes (any of them).
	Values []string `json:"values,omitempty"`
	// Number is the operand of the comparison ops.
	Number int64 `json:"number,omitempty"`
	// Bool is the operand of OpIs.
	Bool bool `json:"bool,omitempty"`
}

// Condition operators.
const (
	// OpIncludes holds when a set fact includes any of Values. A value also
	// matches its group (DE matches EU) and its parent (US-CA matches US).
	OpIncludes = "includes"
	// OpIs compares a bool fact with Bool.
	OpIs = "is"
	// Comparisons of a number fact, or one count of a counts fact, with Number.
	OpGT  = "gt"
	OpGTE = "gte"
	OpLT  = "lt"
	OpLTE = "lte"
	OpEQ  = "eq"
)

var opSymbols = map[string]string{OpGT: ">", OpGTE: ">=", OpLT: "<", OpLTE: "<=", OpEQ: "="}

// Truth is the result of evaluating a Condition.
type Truth int

// Truth values.
const (
	False Truth = iota
	True
	Unknown
)

// Verdict is a Truth with the reasons for it: why it holds or not, or which
// facts are missing.
type Verdict struct {
	Truth   Truth
	Why     []string
	Missing []string
}

// IsZero reports whether c is the empty condition, which always holds.
func (c Condition) IsZero() bool {
	return len(c.All) == 0 && len(c.Any) == 0 && c.Not == nil && c.Fact == ""
}

// And returns a condition that holds when both c and d hold.
func (c Condition) And(d Condition) Condition {
	switch {
	case c.IsZero():
		return d
	case d.IsZero():
		return c
	}
	return Condition{All: []Condition{c, d}}
}

// Eval evaluates c against facts; groups expands jurisdiction groups.
func (c Condition) Eval(facts Facts, groups map[string][]string) Verdict {
	switch {
	case len(c.All) > 0:
		return evalAll(c.All, facts, groups)
	case len(c.Any) > 0:
		return evalAny(c.Any, facts, groups)
	case c.Not != nil:
		v := c.Not.Eval(facts, groups)
		switch v.Truth {
		case True:
			return Verdict{Truth: False, Why: prefix("not: ", v.Why)}
		case False:
			return Verdict{Truth: True, Why: prefix("not: ", v.Why)}
		}
		return v
	case c.Fact != "":
		return c.evalLeaf(facts, groups)
	}
	return Verdict{Truth: True}
}

func prefix(p string, s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = p + x
	}
	return out
}

func evalAll(cs []Condition, facts Facts, groups map[string][]string) Verdict {
	var why, falses, missing []string
	unknown := false
	for _, c := range cs {
		v := c.Eval(facts, groups)
		switch v.Truth {
		case False:
			falses = append(falses, v.Why...)
		case Unknown:
			unknown = true
			missing = appendUnique(missing, v.Missing...)
		default:
			why = append(why, v.Why...)
		}
	}
	switch {
	case len(falses) > 0:
		return Verdict{Truth: False, Why: falses}
	case unknown:
		return Verdict{Truth: Unknown, Why: why, Missing: missing}
	}
	return Verdict{Truth: True, Why: why}
}

func evalAny(cs []Condition, facts Facts, groups map[string][]string) Verdict {
	var falses, missing []string
	unknown := false
	for _, c := range cs {
		v := c.Eval(facts, groups)
		switch v.Truth {
		case True:
			return v
		case Unknown:
			unknown = true
			missing = appendUnique(missing, v.Missing...)
		default:
			falses = append(falses, v.Why...)
		}
	}
	if unknown {
		return Verdict{Truth: Unknown, Missing: missing}
	}
	return Verdict{Truth: False, Why: []string{"none of: " + strings.Join(falses, "; ")}}
}

func appendUnique(dst []string, src ...string) []string {
	for _, s := range src {
		if !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}

func (c Condition) evalLeaf(facts Facts, groups map[string][]string) Verdict {
	name, key, _ := strings.Cut(c.Fact, ".")
	f, ok := facts[name]
	if !ok {
		return Verdict{Truth: Unknown, Missing: []string{c.Fact}}
	}
	switch c.Op {
	case OpIncludes:
		return evalIncludes(name, f.Set, c.Values, groups)
	case OpIs:
		if f.Bool == nil {
			return Verdict{Truth: Unknown, Missing: []string{name}}
		}
		word := map[bool]string{true: "yes", false: "no"}
		if *f.Bool == c.Bool {
			return Verdict{Truth: True, Why: []string{fmt.Sprintf("%s is %s", name, word[*f.Bool])}}
		}
		return Verdict{Truth: False, Why: []string{fmt.Sprintf("%s is %s, not %s", name, word[*f.Bool], word[c.Bool])}}
	}
	sym := opSymbols[c.Op]
	if sym == "" {
		return Verdict{Truth: Unknown, Missing: []string{c.Fact}, Why: []string{"unknown operator " + c.Op}}
	}
	var (
		n     int64
		label string
	)
	switch {
	case key == "" && f.Number != nil:
		n, label = *f.Number, name
	case key == "*" && f.Counts != nil:
		best := ""
		for k, v := range f.Counts {
			if best == "" || v > n || (v == n && k < best) {
				best, n = k, v
			}
		}
		if best == "" {
			return Verdict{Truth: Unknown, Missing: []string{c.Fact}}
		}
		label = fmt.Sprintf("%s in %s (the largest)", name, best)
	case key != "" && f.Counts != nil:
		v, ok := f.Counts[key]
		if !ok && !f.Complete {
			return Verdict{Truth: Unknown, Missing: []string{c.Fact}}
		}
		n, label = v, fmt.Sprintf("%s in %s", name, key)
	default:
		return Verdict{Truth: Unknown, Missing: []string{c.Fact}}
	}
	var holds bool
	switch c.Op {
	case OpGT:
		holds = n > c.Number
	case OpGTE:
		holds = n >= c.Number
	case OpLT:
		holds = n < c.Number
	case OpLTE:
		holds = n <= c.Number
	case OpEQ:
		holds = n == c.Number
	}
	if holds {
		return Verdict{Truth: True, Why: []string{fmt.Sprintf("%s is %d (%s %d)", label, n, sym, c.Number)}}
	}
	return Verdict{Truth: False, Why: []string{fmt.Sprintf("%s is %d, not %s %d", label, n, sym, c.Number)}}
}

// evalIncludes reports whether set includes any of want. A member matches a
// wanted value when it is that value, a member of that group, or a
// subdivision of it (US-CA of US). When the set holds only a parent of a
// wanted subdivision (US, asked for US-CA), the answer is Unknown: which
// states is a fact still to be recorded.
func evalIncludes(name string, set, want []string, groups map[string][]string) Verdict {
	var vague []string
	for _, w := range want {
		for _, m := range set {
			if jurisdictionMatch(m, w, groups) {
				return Verdict{Truth: True, Why: []string{fmt.Sprintf("%s includes %s", name, describeMatch(m, w))}}
			}
		}
		for _, m := range set {
			if isParentOf(m, w, groups) && !hasChildOf(set, m) {
				vague = append(vague, fmt.Sprintf("%s (which parts of %s?)", name, m))
			}
		}
	}
	if len(vague) > 0 {
		sort.Strings(vague)
		return Verdict{Truth: Unknown, Missing: slices.Compact(vague)}
	}
	if len(want) == 1 {
		return Verdict{Truth: False, Why: []string{fmt.Sprintf("%s does not include %s", name, want[0])}}
	}
	return Verdict{Truth: False, Why: []string{fmt.Sprintf("%s includes none of %s", name, strings.Join(want, ", "))}}
}

func describeMatch(member, wanted string) string {
	if member == wanted {
		return member
	}
	return fmt.Sprintf("%s (%s)", wanted, member)
}

// jurisdictionMatch reports whether member m satisfies wanted value w.
func jurisdictionMatch(m, w string, groups map[string][]string) bool {
	if strings.EqualFold(m, w) {
		return true
	}
	if strings.HasPrefix(strings.ToUpper(m), strings.ToUpper(w)+"-") {
		return true
	}
	for _, g := range groups[w] {
		if jurisdictionMatch(m, g, nil) {
			return true
		}
	}
	return false
}

// isParentOf reports whether m is a coarser value than w: a country of a
// wanted subdivision (US for US-CA) or a group containing w (EU for DE).
func isParentOf(m, w string, groups map[string][]string) bool {
	if strings.HasPrefix(strings.ToUpper(w), strings.ToUpper(m)+"-") {
		return true
	}
	return slices.ContainsFunc(groups[m], func(g string) bool { return strings.EqualFold(g, w) })
}

func hasChildOf(set []string, parent string) bool {
	return slices.ContainsFunc(set, func(m string) bool {
		return strings.HasPrefix(strings.ToUpper(m), strings.ToUpper(parent)+"-")
	})
}

// FactsUsed returns the names of the facts c tests, without count keys.
func (c Condition) FactsUsed() []string {
	var out []string
	var walk func(Condition)
	walk = func(c Condition) {
		for _, x := range c.All {
			walk(x)
		}
		for _, x := range c.Any {
			walk(x)
		}
		if c.Not != nil {
			walk(*c.Not)
		}
		if c.Fact != "" {
			name, _, _ := strings.Cut(c.Fact, ".")
			out = appendUnique(out, name)
		}
	}
	walk(c)
	return out
}
