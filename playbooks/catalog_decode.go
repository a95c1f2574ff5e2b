package playbooks

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/breachbot/breachbot/incidents"
)

// The parts of a regulations catalog file (groups, facts, events,
// regulations and their deadlines), decoded with their positions.

// groups decodes "groups: {EU: [AT, BE, ...]}".
func (d *decoder) groups(n *yaml.Node) map[string][]string {
	out := map[string][]string{}
	f := d.mapping(n, "groups", nil)
	if f == nil {
		return out
	}
	for _, g := range f.keys {
		if !groupRE.MatchString(g) {
			d.errorf(f.key[g], "group name %q must be upper-case letters and digits, such as EU", g)
			continue
		}
		members, nodes := d.strList(f, g)
		if len(members) == 0 && len(nodes) == 0 && d.deref(f.val[g]).Kind == yaml.SequenceNode {
			d.errorf(f.val[g], "group %s has no members", g)
		}
		var ok []string
		for i, m := range members {
			switch {
			case !jurisdictionRE.MatchString(m):
				d.errorf(nodes[i], "%q is not a jurisdiction code such as DE or US-CA", m)
			case slices.Contains(ok, m):
				d.errorf(nodes[i], "%s is listed twice in group %s", m, g)
			default:
				ok = append(ok, m)
			}
		}
		out[g] = ok
	}
	return out
}

// facts decodes the fact vocabulary.
func (d *decoder) facts(top *fields) []incidents.FactDef {
	out, _ := d.factNodes(top)
	return out
}

// factNodes is facts with the node of each fact.
func (d *decoder) factNodes(top *fields) (out []incidents.FactDef, at []*yaml.Node) {
	seen := map[string]*yaml.Node{} // lower-cased name or alias -> where
	claim := func(word string, n *yaml.Node) bool {
		k := strings.ToLower(word)
		if first, dup := seen[k]; dup {
			d.errorf(n, "fact name %q is already used (line %d)", word, first.Line)
			return false
		}
		seen[k] = n
		return true
	}
	for _, it := range d.list(top, "facts") {
		f := d.mapping(it, "a fact", factKeys)
		if f == nil {
			continue
		}
		d.require(f, "name", "type")
		def := incidents.FactDef{Name: d.str(f, "name"), Type: d.str(f, "type"), Description: d.str(f, "description"), Format: d.str(f, "format")}
		if def.Name != "" && !nameRE.MatchString(def.Name) {
			d.errorf(f.val["name"], "fact name %q must be lower-case letters, digits and _, starting with a letter", def.Name)
		}
		if def.Type != "" && !slices.Contains(factTypes, def.Type) {
			d.errorf(f.val["type"], "fact type %q is not known%s", def.Type, didYouMeanOr(def.Type, factTypes, "; use one of "+strings.Join(factTypes, ", ")))
		}
		var nodes []*yaml.Node
		def.Values, nodes = d.strList(f, "values")
		for i, v := range def.Values {
			if slices.ContainsFunc(def.Values[:i], func(w string) bool { return strings.EqualFold(v, w) }) {
				d.errorf(nodes[i], "value %q is listed twice", v)
			}
			if strings.ContainsAny(v, ", =") {
				d.errorf(nodes[i], "value %q cannot contain spaces, commas or =", v)
			}
		}
		if f.has("values") && def.Type != incidents.FactSet {
			d.errorf(f.key["values"], "values only apply to set facts")
		}
		if f.has("format") {
			switch {
			case def.Format != formatJurisdiction:
				d.errorf(f.val["format"], "format %q is not known; the only format is %s", def.Format, formatJurisdiction)
			case def.Type != incidents.FactSet:
				d.errorf(f.key["format"], "format only applies to set facts")
			case len(def.Values) > 0:
				d.errorf(f.key["format"], "a fact has either values or a format, not both")
			}
		}
		if def.Name != "" {
			claim(def.Name, f.val["name"])
		}
		var aliasNodes []*yaml.Node
		def.Aliases, aliasNodes = d.strList(f, "aliases")
		for i, a := range def.Aliases {
			if !nameRE.MatchString(a) {
				d.errorf(aliasNodes[i], "alias %q must be lower-case letters, digits and _, starting with a letter", a)
			}
			claim(a, aliasNodes[i])
		}
		out = append(out, def)
		at = append(at, it)
	}
	return out, at
}

// events decodes the clock-start events. needAwareness says whether the list
// must hold awareness (a catalog used alone).
func (d *decoder) events(top *fields, needAwareness bool) []incidents.EventDef {
	var out []incidents.EventDef
	seen := map[string]*yaml.Node{}
	for _, it := range d.list(top, "events") {
		f := d.mapping(it, "an event", eventKeys)
		if f == nil {
			continue
		}
		d.require(f, "name", "description")
		ev := incidents.EventDef{Name: d.str(f, "name"), Description: d.str(f, "description")}
		if ev.Name == "" {
			continue
		}
		if !nameRE.MatchString(ev.Name) {
			d.errorf(f.val["name"], "event name %q must be lower-case letters, digits and _, starting with a letter", ev.Name)
		}
		if first, dup := seen[ev.Name]; dup {
			d.errorf(f.val["name"], "duplicate event %q (first at line %d)", ev.Name, first.Line)
			continue
		}
		seen[ev.Name] = f.val["name"]
		out = append(out, ev)
	}
	if needAwareness && top.has("events") && !slices.ContainsFunc(out, func(e incidents.EventDef) bool { return e.Name == incidents.EventAwareness }) {
		d.errorf(top.key["events"], "events must include %s, the time the company became aware, which every incident has", incidents.EventAwareness)
	}
	return out
}

// metRef is a deadline that starts when another obligation is met.
type metRef struct {
	from, to string
	node     *yaml.Node
}

// regulations decodes the catalog's rows and checks the references between
// them. With a base, the rows are added to the base's, a row with an id of
// the base replacing it in place.
func (d *decoder) regulations(top *fields, cat *Catalog, base *Catalog) {
	events := make([]string, len(cat.Events))
	for i, e := range cat.Events {
		events[i] = e.Name
	}
	v := cat.vocab()
	seen := map[string]*yaml.Node{}
	var refs []metRef
	for _, it := range d.list(top, "regulations") {
		f := d.mapping(it, "a regulation", regulationKeys)
		if f == nil {
			continue
		}
		d.require(f, "id", "title", "citation", "status", "deadline")
		var r Regulation
		r.ID = d.str(f, "id")
		r.Title = d.str(f, "title")
		r.Law = d.str(f, "law")
		if f.has("regime") { // the older spelling
			if f.has("law") {
				d.errorf(f.val["regime"], "regime and law are the same key (law is its current name); keep law")
			} else {
				r.Law = d.str(f, "regime")
			}
		}
		r.Jurisdiction = d.str(f, "jurisdiction")
		r.Notify = d.str(f, "notify")
		r.Citation = d.str(f, "citation")
		r.Source = d.str(f, "source")
		r.Notes = d.str(f, "notes")
		r.Status = d.str(f, "status")
		r.Content, _ = d.strList(f, "content")
		if r.ID != "" {
			if !idRE.MatchString(r.ID) {
				d.errorf(f.val["id"], "regulation id %q must be %s", r.ID, idRule)
			}
			if first, dup := seen[r.ID]; dup {
				d.errorf(f.val["id"], "duplicate regulation id %q (first at line %d)", r.ID, first.Line)
			} else {
				seen[r.ID] = f.val["id"]
			}
		}
		if r.Status != "" && !slices.Contains(statuses, r.Status) {
			d.errorf(f.val["status"], "status %q is not known%s", r.Status, didYouMeanOr(r.Status, statuses, "; use one of "+strings.Join(statuses, ", ")))
		}
		if f.has("deadline") {
			dl, ref := d.deadline(f.val["deadline"], "deadline", events, true)
			r.Deadline = dl
			if ref != nil {
				refs = append(refs, metRef{from: r.ID, to: ref.to, node: ref.node})
			}
		}
		if f.has("backstop") {
			dl, ref := d.deadline(f.val["backstop"], "backstop", events, false)
			r.Backstop = &dl
			if ref != nil {
				refs = append(refs, metRef{from: r.ID, to: ref.to, node: ref.node})
			}
		}
		if f.has("applies_when") {
			r.AppliesWhen = d.condition(f.val["applies_when"], v, "applies_when")
		}
		if f.has("notice") {
			r.Notice = d.noticeRules(f.val["notice"], v, cat.Contacts)
		}
		if f.has("terms") {
			r.Terms = d.terms(f.val["terms"])
		}
		cat.Regulations = append(cat.Regulations, r)
	}
	if base == nil {
		d.checkMetRefs(refs, seen, nil)
		return
	}
	own := cat.Regulations
	cat.Regulations = slices.Clone(base.Regulations)
	ids := maps.Clone(seen)
	baseNext := map[string][]string{}
	for _, r := range own {
		if j := slices.IndexFunc(cat.Regulations, func(b Regulation) bool { return b.ID == r.ID }); j >= 0 && r.ID != "" {
			if !reflect.DeepEqual(cat.Regulations[j], r) {
				d.notef(seen[r.ID], "regulation %s overrides the built-in one (see: breachbot regulations show %s)", r.ID, r.ID)
			}
			cat.Regulations[j] = r
			continue
		}
		cat.Regulations = append(cat.Regulations, r)
	}
	for _, b := range base.Regulations {
		if _, own := seen[b.ID]; own {
			continue
		}
		ids[b.ID] = &yaml.Node{}
		for _, dl := range []*incidents.Deadline{&b.Deadline, b.Backstop} {
			if dl == nil {
				continue
			}
			if to, ok := strings.CutPrefix(dl.Start, "met:"); ok {
				baseNext[b.ID] = append(baseNext[b.ID], to)
			}
		}
	}
	d.checkMetRefs(refs, ids, baseNext)
}

// checkMetRefs reports met:X starts naming no regulation, and cycles of them
// (clocks that could never start).
func (d *decoder) checkMetRefs(refs []metRef, ids map[string]*yaml.Node, baseNext map[string][]string) {
	next := map[string][]string{}
	for k, v := range baseNext {
		next[k] = slices.Clone(v)
	}
	for _, r := range refs {
		switch {
		case r.to == r.from:
			d.errorf(r.node, "the clock of %s cannot start when %s itself is met", r.from, r.from)
		case ids[r.to] == nil:
			d.errorf(r.node, "unknown regulation %q in met:%s%s", r.to, r.to, didYouMean(r.to, slices.Sorted(maps.Keys(ids))))
		default:
			next[r.from] = append(next[r.from], r.to)
		}
	}
	for _, r := range refs {
		if r.to == r.from || ids[r.to] == nil {
			continue
		}
		// A cycle through this reference is reported at the reference of the
		// cycle's smallest id, so that each cycle is reported once.
		if path := findPath(next, r.to, r.from); path != nil && slices.Min(path) == r.from {
			d.errorf(r.node, "clocks wait on each other and can never start: %s", strings.Join(append([]string{r.from}, path...), " -> "))
		}
	}
}

// findPath returns a path from -> ... -> to in the graph, or nil.
func findPath(next map[string][]string, from, to string) []string {
	seen := map[string]bool{}
	var walk func(n string) []string
	walk = func(n string) []string {
		if n == to {
			return []string{n}
		}
		if seen[n] {
			return nil
		}
		seen[n] = true
		for _, m := range next[n] {
			if p := walk(m); p != nil {
				return append([]string{n}, p...)
			}
		}
		return nil
	}
	return walk(from)
}

// deadline decodes a deadline or backstop. ref is set when the clock starts
// when another obligation is met. allowNone says whether "within: none" (no
// fixed deadline) is allowed.
func (d *decoder) deadline(n *yaml.Node, what string, events []string, allowNone bool) (dl incidents.Deadline, ref *metRef) {
	f := d.mapping(n, "a "+what, deadlineKeys)
	if f == nil {
		return dl, nil
	}
	d.require(f, "start", "within")
	dl.Start = d.str(f, "start")
	dl.Calendar = d.str(f, "calendar")
	dl.TimeZone = d.str(f, "time_zone")
	dl.Anchor = d.str(f, "anchor")
	dl.Text = d.str(f, "text")
	if dl.Start != "" {
		if id, ok := strings.CutPrefix(dl.Start, "met:"); ok {
			ref = &metRef{to: strings.TrimSpace(id), node: d.deref(f.val["start"])}
			dl.Start = "met:" + ref.to
		} else if !slices.Contains(events, dl.Start) {
			d.errorf(f.val["start"], "unknown event %q%s", dl.Start,
				didYouMeanOr(dl.Start, events, "; a clock starts at an event ("+strings.Join(events, ", ")+") or at met:<regulation id> (see: breachbot events list)"))
		}
	}
	if within := d.str(f, "within"); within != "" {
		amount, unit, ok := parseWithin(within)
		if !ok {
			d.errorf(f.val["within"], "bad within %q: write a positive amount and unit such as 72h, 30 days, 4 business days, 1 month, or none", within)
		}
		dl.Amount, dl.Unit = amount, unit
		if ok && unit == incidents.UnitNone && !allowNone {
			d.errorf(f.val["within"], "a %s needs a fixed time; within cannot be none", what)
		}
		if ok && dl.Calendar != "" && unit != incidents.UnitBusinessDays {
			d.errorf(f.key["calendar"], "a calendar only matters for business days; this deadline is in %s", strings.ReplaceAll(unit, "_", " "))
		}
	}
	if dl.Anchor != "" && !slices.Contains(anchors, dl.Anchor) {
		d.errorf(f.val["anchor"], "unknown anchor %q%s", dl.Anchor, didYouMeanOr(dl.Anchor, anchors, "; the only anchor is "+incidents.AnchorEndOfYear))
	}
	withinMsg, calendarMsg, zoneMsg := deadlineProblems(dl)
	if withinMsg != "" && dl.Unit != "" {
		d.errorf(f.val["within"], "%s", withinMsg)
	}
	if calendarMsg != "" {
		d.errorf(f.val["calendar"], "%s", calendarMsg)
	}
	if zoneMsg != "" {
		d.errorf(f.val["time_zone"], "%s", zoneMsg)
	}
	return dl, ref
}
