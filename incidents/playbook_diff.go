package incidents

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// PlaybookDiff is what changed between two versions of a playbook, in the
// terms a responder acts on: steps and obligations added, removed and
// changed.
type PlaybookDiff struct {
	From, To    PlaybookPin
	Steps       []ItemChange
	Obligations []ItemChange
}

// Kinds of an ItemChange.
const (
	ItemAdded   = "added"
	ItemRemoved = "removed"
	ItemChanged = "changed"
)

// ItemChange is one step or obligation added, removed or changed.
type ItemChange struct {
	ID   string
	Kind string
	// Summary describes an added or removed item ("Tell the DPO (owner legal)").
	Summary string
	// Fields lists, for a changed item, each field that changed as
	// "field: old → new".
	Fields []string
}

// Empty reports whether no step or obligation changed.
func (d PlaybookDiff) Empty() bool { return len(d.Steps) == 0 && len(d.Obligations) == 0 }

// DiffPlaybooks compares two versions of a playbook: steps (title, owner,
// requires, gate) and obligations (deadline, backstop, conditions, title).
func DiffPlaybooks(old, cur *Playbook) PlaybookDiff {
	d := PlaybookDiff{From: pinOf(old), To: pinOf(cur)}
	d.Steps = diffItems(old.Steps, cur.Steps, func(s StepDef) string { return s.ID },
		func(s StepDef) string { return fmt.Sprintf("%q (owner %s)", s.Title, s.Owner) },
		func(a, b StepDef) []string {
			var f []string
			f = field(f, "title", a.Title, b.Title)
			f = field(f, "owner", a.Owner, b.Owner)
			f = field(f, "requires", listText(a.Requires), listText(b.Requires))
			f = field(f, "gate", gateText(a.Gate), gateText(b.Gate))
			return f
		})
	d.Obligations = diffItems(old.Obligations, cur.Obligations, func(r ObligationRule) string { return r.ID },
		func(r ObligationRule) string {
			return fmt.Sprintf("%q (%s)", r.Regulation.Title, r.Regulation.Deadline)
		},
		func(a, b ObligationRule) []string {
			var f []string
			f = field(f, "title", a.Regulation.Title, b.Regulation.Title)
			f = field(f, "deadline", a.Regulation.Deadline.String(), b.Regulation.Deadline.String())
			f = field(f, "deadline zone", a.Regulation.Deadline.TimeZone, b.Regulation.Deadline.TimeZone)
			f = field(f, "deadline calendar", a.Regulation.Deadline.Calendar, b.Regulation.Deadline.Calendar)
			f = field(f, "backstop", backstopText(a.Regulation.Backstop), backstopText(b.Regulation.Backstop))
			f = field(f, "conditions", ConditionText(a.When), ConditionText(b.When))
			return f
		})
	return d
}

func diffItems[T any](old, cur []T, id func(T) string, summary func(T) string, fields func(a, b T) []string) []ItemChange {
	var out []ItemChange
	find := func(list []T, want string) (T, bool) {
		i := slices.IndexFunc(list, func(x T) bool { return id(x) == want })
		if i < 0 {
			var zero T
			return zero, false
		}
		return list[i], true
	}
	for _, o := range old {
		n, ok := find(cur, id(o))
		if !ok {
			out = append(out, ItemChange{ID: id(o), Kind: ItemRemoved, Summary: summary(o)})
			continue
		}
		if f := fields(o, n); len(f) > 0 {
			out = append(out, ItemChange{ID: id(o), Kind: ItemChanged, Fields: f})
		}
	}
	for _, n := range cur {
		if _, ok := find(old, id(n)); !ok {
			out = append(out, ItemChange{ID: id(n), Kind: ItemAdded, Summary: summary(n)})
		}
	}
	return out
}

func field(f []string, name, a, b string) []string {
	if a == b {
		return f
	}
	return append(f, fmt.Sprintf("%s: %s → %s", name, a, b))
}

func listText(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

func gateText(g State) string {
	if g == "" {
		return "none"
	}
	return string(g)
}

func backstopText(d *Deadline) string {
	if d == nil {
		return "none"
	}
	return d.String()
}

// ConditionText renders a condition compactly, e.g.
// "jurisdictions includes EU and encrypted is false"; "always" for the
// zero condition.
func ConditionText(c Condition) string {
	switch {
	case len(c.All) > 0:
		return joinConds(c.All, " and ")
	case len(c.Any) > 0:
		return joinConds(c.Any, " or ")
	case c.Not != nil:
		return "not (" + ConditionText(*c.Not) + ")"
	case c.Fact == "":
		return "always"
	}
	switch c.Op {
	case OpIncludes:
		return c.Fact + " includes " + strings.Join(c.Values, ",")
	case OpIs:
		return fmt.Sprintf("%s is %t", c.Fact, c.Bool)
	}
	if sym, ok := opSymbols[c.Op]; ok {
		return fmt.Sprintf("%s %s %d", c.Fact, sym, c.Number)
	}
	b, _ := json.Marshal(c)
	return string(b)
}

func joinConds(cs []Condition, sep string) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = ConditionText(c)
		if len(c.All)+len(c.Any) > 0 {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, sep)
}

// Lines renders the diff one change a line, removals first (they are what
// a responder may have relied on), e.g.
// "step removed: vendor_check \"Check vendors\" (owner responders)".
func (d PlaybookDiff) Lines() []string {
	var out []string
	for _, kind := range []string{ItemRemoved, ItemChanged, ItemAdded} {
		for _, group := range []struct {
			noun  string
			items []ItemChange
		}{{"step", d.Steps}, {"obligation", d.Obligations}} {
			for _, c := range group.items {
				if c.Kind != kind {
					continue
				}
				if kind == ItemChanged {
					out = append(out, fmt.Sprintf("%s changed: %s: %s", group.noun, c.ID, strings.Join(c.Fields, "; ")))
				} else {
					out = append(out, fmt.Sprintf("%s %s: %s %s", group.noun, kind, c.ID, c.Summary))
				}
			}
		}
	}
	return out
}
