package incidents

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Facts are what is known about an incident, by fact name. A fact that is not
// in the map is unknown; conditions that need it answer "needs facts".
type Facts map[string]Fact

// Fact is one recorded fact. Exactly one value field is set, by the FactDef's type.
type Fact struct {
	Set    []string         `json:"set,omitempty"`
	Number *int64           `json:"number,omitempty"`
	Bool   *bool            `json:"bool,omitempty"`
	Counts map[string]int64 `json:"counts,omitempty"`
	Text   string           `json:"text,omitempty"`
	// Complete marks counts that cover every key (from an import): a key that
	// is absent counts as zero rather than unknown.
	Complete bool `json:"complete,omitempty"`
	// At and By say when and by whom the fact was recorded; Source is "import"
	// for facts derived from an affected-customer import.
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Source string    `json:"source,omitempty"`
}

// String renders the value as it would be typed: "EU,US-CA", "12000", "yes",
// "US-CA:600,US-TX:20".
func (f Fact) String() string {
	switch {
	case f.Number != nil:
		return strconv.FormatInt(*f.Number, 10)
	case f.Bool != nil:
		if *f.Bool {
			return "yes"
		}
		return "no"
	case f.Counts != nil:
		keys := make([]string, 0, len(f.Counts))
		for k := range f.Counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s:%d", k, f.Counts[k])
		}
		return strings.Join(parts, ",")
	case f.Set != nil:
		return strings.Join(f.Set, ",")
	}
	return f.Text
}

// Equal reports whether f and g hold the same value.
func (f Fact) Equal(g Fact) bool { return f.String() == g.String() && f.Complete == g.Complete }

// FactChange is one parsed "name=value" (or += / -=) assignment.
type FactChange struct {
	Name string
	// Op is "=" (replace), "+=" (add to a set), "-=" (remove from a set) or
	// "unset" (forget the fact).
	Op    string
	Value Fact
}

// jurisdictionRE accepts ISO 3166-1 alpha-2 codes and ISO 3166-2 subdivisions.
var jurisdictionRE = regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`)

// FactDefByName finds a fact definition by name or alias, case-insensitively.
func (p *Playbook) FactDefByName(name string) (FactDef, bool) {
	for _, d := range p.Facts {
		if strings.EqualFold(d.Name, name) {
			return d, true
		}
		for _, a := range d.Aliases {
			if strings.EqualFold(a, name) {
				return d, true
			}
		}
	}
	return FactDef{}, false
}

func (p *Playbook) factNames() []string {
	names := make([]string, len(p.Facts))
	for i, d := range p.Facts {
		names[i] = d.Name
	}
	return names
}

// ParseFactChange parses one "name=value" assignment against the playbook's
// fact vocabulary. Errors name the fact, say what was wrong and show an
// example of what to type.
func (p *Playbook) ParseFactChange(s string) (FactChange, error) {
	i := strings.IndexAny(s, "=")
	if i <= 0 {
		return FactChange{}, Errorf(EINVALID, "%q is not a fact: write name=value", s).
			WithHint("for example: /breach facts jurisdictions=EU,US-CA data=email affected=12000; known facts: %s", strings.Join(p.factNames(), ", "))
	}
	op := "="
	name, value := s[:i], s[i+1:]
	if strings.HasSuffix(name, "+") || strings.HasSuffix(name, "-") {
		op = name[len(name)-1:] + "="
		name = name[:len(name)-1]
	}
	def, ok := p.FactDefByName(strings.TrimSpace(name))
	if !ok {
		e := Errorf(EINVALID, "unknown fact %q", name)
		if dym := DidYouMean(name, p.factNames(), ""); dym != "" {
			return FactChange{}, e.WithHint("%s /breach help facts explains each", dym)
		}
		return FactChange{}, e.WithHint("known facts: %s; /breach help facts explains each", strings.Join(p.factNames(), ", "))
	}
	value = strings.TrimSpace(value)
	ch := FactChange{Name: def.Name, Op: op}
	if op != "=" && def.Type != FactSet {
		return FactChange{}, Errorf(EINVALID, "%s%s only works for list facts; %s is a %s", def.Name, op, def.Name, def.Type).
			WithHint("write %s=VALUE", def.Name)
	}
	if strings.EqualFold(value, "unknown") || strings.EqualFold(value, "?") {
		if op != "=" {
			return FactChange{}, Errorf(EINVALID, "%s%sunknown makes no sense", def.Name, op).WithHint("write %s=unknown to forget it", def.Name)
		}
		ch.Op = "unset"
		return ch, nil
	}
	if value == "" {
		return FactChange{}, Errorf(EINVALID, "fact %s has no value", def.Name).WithHint("%s", def.example())
	}
	v, err := def.ParseValue(value)
	if err != nil {
		return FactChange{}, err
	}
	ch.Value = v
	return ch, nil
}

// Example says how to type a value of this fact, e.g. "write encrypted=yes
// or encrypted=no (or encrypted=unknown)".
func (d FactDef) Example() string { return d.example() }

func (d FactDef) example() string {
	switch d.Type {
	case FactSet:
		ex := "A,B"
		if len(d.Values) >= 2 {
			ex = d.Values[0] + "," + d.Values[1]
		} else if d.Format == "jurisdiction" {
			ex = "EU,US-CA"
		}
		s := fmt.Sprintf("write %s=%s (a comma-separated list)", d.Name, ex)
		if len(d.Values) > 0 {
			s += "; allowed: " + strings.Join(d.Values, ", ")
		}
		return s
	case FactNumber:
		return fmt.Sprintf("write %s=12000 (a whole number)", d.Name)
	case FactBool:
		return fmt.Sprintf("write %s=yes or %s=no (or %s=unknown)", d.Name, d.Name, d.Name)
	case FactCounts:
		return fmt.Sprintf("write %s=US-CA:600,US-TX:20 (KEY:NUMBER pairs)", d.Name)
	}
	return fmt.Sprintf("write %s=some text", d.Name)
}

// ParseValue parses a typed value for this fact.
func (d FactDef) ParseValue(value string) (Fact, error) {
	bad := func(format string, args ...any) error {
		return Errorf(EINVALID, "fact %s: "+format, append([]any{d.Name}, args...)...).WithHint("%s", d.example())
	}
	switch d.Type {
	case FactSet:
		var set []string
		for _, raw := range strings.Split(value, ",") {
			v := strings.TrimSpace(raw)
			if v == "" {
				continue
			}
			canon, err := d.canonical(v)
			if err != nil {
				return Fact{}, err
			}
			if !slices.Contains(set, canon) {
				set = append(set, canon)
			}
		}
		if len(set) == 0 {
			return Fact{}, bad("the list is empty")
		}
		sort.Strings(set)
		return Fact{Set: set}, nil
	case FactNumber:
		n, err := parseCount(value)
		if err != nil {
			return Fact{}, bad("%q is not a whole number", value)
		}
		return Fact{Number: &n}, nil
	case FactBool:
		switch strings.ToLower(value) {
		case "yes", "y", "true", "1":
			b := true
			return Fact{Bool: &b}, nil
		case "no", "n", "false", "0":
			b := false
			return Fact{Bool: &b}, nil
		}
		return Fact{}, bad("%q is not yes or no", value)
	case FactCounts:
		counts := map[string]int64{}
		for _, pair := range strings.Split(value, ",") {
			pair = strings.TrimSpace(pair)
			if pair == "" {
				continue
			}
			k, v, ok := strings.Cut(pair, ":")
			if !ok {
				return Fact{}, bad("%q is not KEY:NUMBER", pair)
			}
			k = strings.ToUpper(strings.TrimSpace(k))
			if !jurisdictionRE.MatchString(k) {
				return Fact{}, bad("%q is not a jurisdiction code like US-CA or DE", k)
			}
			n, err := parseCount(v)
			if err != nil {
				return Fact{}, bad("%q is not a whole number", v)
			}
			counts[k] = n
		}
		if len(counts) == 0 {
			return Fact{}, bad("no KEY:NUMBER pairs")
		}
		return Fact{Counts: counts}, nil
	case FactText:
		if len(value) > 500 {
			return Fact{}, bad("is longer than 500 characters")
		}
		return Fact{Text: value}, nil
	}
	return Fact{}, Errorf(EINTERNAL, "fact %s has unknown type %q", d.Name, d.Type)
}

func (d FactDef) canonical(v string) (string, error) {
	if len(d.Values) > 0 {
		for _, allowed := range d.Values {
			if strings.EqualFold(allowed, v) {
				return allowed, nil
			}
		}
		return "", Errorf(EINVALID, "fact %s: %q is not one of the allowed values", d.Name, v).
			WithHint("allowed: %s", strings.Join(d.Values, ", "))
	}
	if d.Format == "jurisdiction" {
		u := strings.ToUpper(v)
		if !jurisdictionRE.MatchString(u) {
			return "", Errorf(EINVALID, "fact %s: %q is not a jurisdiction code", d.Name, v).
				WithHint("use ISO codes: EU, GB, DE, BR, SG, US, or US states as US-CA, US-NY")
		}
		return u, nil
	}
	return strings.ToLower(v), nil
}

func parseCount(s string) (int64, error) {
	s = strings.NewReplacer(",", "", "_", "", " ", "").Replace(strings.TrimSpace(s))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a whole number: %q", s)
	}
	return n, nil
}

// Apply returns a copy of facts with the change applied. It reports whether
// anything changed.
func (facts Facts) Apply(ch FactChange, at time.Time, by string) (Facts, bool) {
	out := make(Facts, len(facts)+1)
	for k, v := range facts {
		out[k] = v
	}
	old, had := facts[ch.Name]
	switch ch.Op {
	case "unset":
		delete(out, ch.Name)
		return out, had
	case "+=":
		merged := slices.Clone(old.Set)
		for _, v := range ch.Value.Set {
			if !slices.Contains(merged, v) {
				merged = append(merged, v)
			}
		}
		sort.Strings(merged)
		ch.Value = Fact{Set: merged}
	case "-=":
		var kept []string
		for _, v := range old.Set {
			if !slices.Contains(ch.Value.Set, v) {
				kept = append(kept, v)
			}
		}
		if len(kept) == 0 {
			delete(out, ch.Name)
			return out, had
		}
		ch.Value = Fact{Set: kept}
	}
	nv := ch.Value
	nv.At, nv.By = at, by
	if had && old.Equal(nv) {
		return out, false
	}
	out[ch.Name] = nv
	return out, true
}
