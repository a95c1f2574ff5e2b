package playbooks

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/breachbot/breachbot/incidents"
)

// jurisdictionRE matches what package incidents accepts as a jurisdiction:
// ISO 3166-1 alpha-2 codes and ISO 3166-2 subdivisions.
var jurisdictionRE = regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`)

// vocab is what conditions may test: the catalog's facts and groups.
type vocab struct {
	facts  []incidents.FactDef
	groups map[string][]string
}

// fact finds a fact by name or alias, case-insensitively, as the domain does.
func (v *vocab) fact(name string) (incidents.FactDef, bool) {
	p := incidents.Playbook{Facts: v.facts}
	return p.FactDefByName(name)
}

// names lists fact names and aliases, for suggestions.
func (v *vocab) names() []string {
	var out []string
	for _, f := range v.facts {
		out = append(out, f.Name)
		out = append(out, f.Aliases...)
	}
	return out
}

// Condition keys and operators as written in YAML.
var (
	logicKeys   = []string{"all", "any", "not"}
	compareOps  = []string{incidents.OpGT, incidents.OpGTE, incidents.OpLT, incidents.OpLTE, incidents.OpEQ}
	allOps      = append([]string{incidents.OpIncludes, incidents.OpIs}, compareOps...)
	opsByType   = map[string][]string{incidents.FactSet: {incidents.OpIncludes}, incidents.FactBool: {incidents.OpIs}, incidents.FactNumber: compareOps, incidents.FactCounts: compareOps}
	opExamples  = map[string]string{incidents.FactSet: "{includes: X}", incidents.FactBool: "{is: no}", incidents.FactNumber: "{gte: 500}", incidents.FactCounts: "{gt: 500}"}
	conditionEx = "{jurisdictions: {includes: EU}}"
)

// condition decodes an applicability condition (what names it in messages,
// e.g. "applies_when"). An empty mapping is the zero Condition, which always
// holds.
func (d *decoder) condition(n *yaml.Node, v *vocab, what string) incidents.Condition {
	if isNull(d.deref(n)) {
		d.errorf(n, "%s is empty; remove it or give a condition such as %s", what, conditionEx)
		return incidents.Condition{}
	}
	return d.cond(n, v, 0)
}

func (d *decoder) cond(n *yaml.Node, v *vocab, depth int) incidents.Condition {
	n = d.deref(n)
	if depth > maxDepth {
		d.errorf(n, "conditions are nested more than %d deep", maxDepth)
		return incidents.Condition{}
	}
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, "a condition must be a mapping such as %s, not %s", conditionEx, kindName(n))
		return incidents.Condition{}
	}
	f := d.mapping(n, "a condition", nil)
	if len(f.keys) == 0 && depth > 0 {
		d.errorf(n, "empty condition; give one such as %s", conditionEx)
	}
	var parts []incidents.Condition
	for _, key := range f.keys {
		val := f.val[key]
		switch key {
		case "all", "any":
			items := d.items(val, key)
			if len(items) == 0 && d.deref(val).Kind == yaml.SequenceNode {
				d.errorf(val, "%s needs at least one condition", key)
			}
			var subs []incidents.Condition
			for _, it := range items {
				if c := d.cond(it, v, depth+1); !c.IsZero() {
					subs = append(subs, c)
				}
			}
			switch {
			case len(subs) == 0:
			case key == "all":
				parts = append(parts, incidents.Condition{All: subs})
			default:
				parts = append(parts, incidents.Condition{Any: subs})
			}
		case "not":
			if c := d.cond(val, v, depth+1); !c.IsZero() {
				parts = append(parts, incidents.Condition{Not: &c})
			}
		default:
			parts = append(parts, d.leaves(f.key[key], key, val, v)...)
		}
	}
	switch len(parts) {
	case 0:
		return incidents.Condition{}
	case 1:
		return parts[0]
	}
	return incidents.Condition{All: parts}
}

// leaves decodes "fact: {op: operand, ...}" into one leaf per operator.
func (d *decoder) leaves(keyNode *yaml.Node, ref string, val *yaml.Node, v *vocab) []incidents.Condition {
	name, key, hasKey := strings.Cut(ref, ".")
	def, ok := v.fact(name)
	if !ok {
		d.errorf(keyNode, "unknown fact %q%s", name, didYouMeanOr(name, append(v.names(), logicKeys...), "; facts: "+strings.Join(v.names(), ", ")+" (see: breachbot facts list)"))
		return nil
	}
	fact := def.Name
	switch {
	case def.Type == incidents.FactText:
		d.errorf(keyNode, "fact %s is free text and cannot be tested in a condition", def.Name)
		return nil
	case def.Type == incidents.FactCounts && !hasKey:
		d.errorf(keyNode, "fact %s counts people per jurisdiction: test one count with %s.US-CA, or the largest with %s.*", def.Name, def.Name, def.Name)
		return nil
	case def.Type == incidents.FactCounts:
		switch {
		case key == "*" || jurisdictionRE.MatchString(key):
		case jurisdictionRE.MatchString(strings.ToUpper(key)):
			d.errorf(keyNode, "count key %q must be upper case; did you mean %s.%s?", key, def.Name, strings.ToUpper(key))
			return nil
		default:
			d.errorf(keyNode, "bad count key %q in %s: use a jurisdiction code such as %s.US-CA, or %s.* for the largest count", key, ref, def.Name, def.Name)
			return nil
		}
		fact = def.Name + "." + key
	case hasKey:
		d.errorf(keyNode, "fact %s is a %s fact and has no keys; write %s", def.Name, def.Type, def.Name)
		return nil
	}
	allowed := opsByType[def.Type]
	n := d.deref(val)
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		d.errorf(n, "%s needs an operator, e.g. %s: %s", ref, ref, opExamples[def.Type])
		return nil
	}
	ops := d.mapping(n, "the test of "+ref, nil)
	var out []incidents.Condition
	for _, op := range ops.keys {
		opNode, operand := ops.key[op], ops.val[op]
		if !slices.Contains(allowed, op) {
			if slices.Contains(allOps, op) {
				d.errorf(opNode, "operator %s does not apply to %s fact %s; use %s", op, def.Type, def.Name, strings.Join(allowed, ", "))
			} else {
				d.errorf(opNode, "unknown operator %q%s", op, didYouMeanOr(op, allowed, fmt.Sprintf("; %s facts take %s", def.Type, strings.Join(allowed, ", "))))
			}
			continue
		}
		c := incidents.Condition{Fact: fact, Op: op}
		switch op {
		case incidents.OpIncludes:
			c.Values = d.setValues(operand, def, v)
			if c.Values == nil {
				continue
			}
		case incidents.OpIs:
			on := d.deref(operand)
			b, ok := false, false
			if on.Kind == yaml.ScalarNode {
				b, ok = parseBool(on.Value)
			}
			if !ok {
				d.errorf(on, "is needs yes or no, not %s", kindName(on))
				continue
			}
			c.Bool = b
		default:
			on := d.deref(operand)
			num, err := int64(0), error(nil)
			if on.Kind == yaml.ScalarNode {
				num, err = strconv.ParseInt(strings.ReplaceAll(on.Value, "_", ""), 10, 64)
			}
			if on.Kind != yaml.ScalarNode || err != nil {
				d.errorf(on, "%s needs a whole number, not %s", op, kindName(on))
				continue
			}
			c.Number = num
		}
		out = append(out, c)
	}
	return out
}

// setValues decodes the operand of includes: one value or a list (any of
// them), each checked against the fact's allowed values or format. It returns
// nil if there is no valid value.
func (d *decoder) setValues(n *yaml.Node, def incidents.FactDef, v *vocab) []string {
	n = d.deref(n)
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
		if len(items) == 0 {
			d.errorf(n, "includes needs at least one value")
			return nil
		}
	}
	var out []string
	bad := false
	for _, it := range items {
		s := d.scalar(it, "a value of "+def.Name)
		if s == "" {
			bad = true
			continue
		}
		canon, msg := canonicalValue(s, def, v)
		if msg != "" {
			d.errorf(d.deref(it), "%s", msg)
			bad = true
			continue
		}
		if !slices.Contains(out, canon) {
			out = append(out, canon)
		}
	}
	if bad {
		return nil
	}
	return out
}

// canonicalValue returns the value as the domain stores it, or a message
// saying why it is not a value of the fact.
func canonicalValue(s string, def incidents.FactDef, v *vocab) (string, string) {
	switch {
	case len(def.Values) > 0:
		for _, a := range def.Values {
			if strings.EqualFold(a, s) {
				return a, ""
			}
		}
		if hint := didYouMean(s, def.Values); hint != "" {
			return "", fmt.Sprintf("%q is not a value of %s%s", s, def.Name, hint)
		}
		return "", fmt.Sprintf("%q is not a value of %s; allowed: %s", s, def.Name, strings.Join(def.Values, ", "))
	case def.Format == formatJurisdiction:
		u := strings.ToUpper(s)
		if _, isGroup := v.groups[u]; isGroup || jurisdictionRE.MatchString(u) {
			return u, ""
		}
		return "", fmt.Sprintf("%q is not a jurisdiction code (such as DE or US-CA) or a group of the catalog", s)
	}
	return strings.ToLower(s), ""
}
