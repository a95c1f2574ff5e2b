package playbooks

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/breachbot/breachbot/incidents"
)

// Keys of a playbook's mappings.
var (
	playbookKeys   = []string{"id", "version", "title", "description", "reminders", "defaults", "steps", "obligations"}
	stepKeys       = []string{"id", "title", "description", "owner", "requires", "gate", "third_party", "kind"}
	obligationKeys = []string{"regulation", "id", "when", "reminders"}
)

// gates lists the states a step can gate: every state but the first.
var gates = func() []string {
	var out []string
	for _, s := range incidents.States[1:] {
		out = append(out, string(s))
	}
	return out
}()

// ParsePlaybook parses a playbook file and resolves its obligations against
// cat (nil means the embedded catalog). name is the file's display name, used
// in problems and as the playbook's Source. If the file has problems, the
// error is a *FileError listing all of them.
func ParsePlaybook(name string, data []byte, cat *Catalog) (*incidents.Playbook, error) {
	if cat == nil {
		var err error
		if cat, err = embeddedCatalog(); err != nil {
			return nil, err
		}
	}
	p := parsePlaybook(name, data, cat)
	if len(p.probs) > 0 {
		return nil, newFileError("playbook", name, p.probs)
	}
	return p.pb, nil
}

// parsed is the best-effort result of parsing one playbook file: what could be
// read of it (at least its id, if the YAML was readable) and its problems.
type parsed struct {
	pb     *incidents.Playbook
	idNode *yaml.Node
	probs  Problems
}

// parsePlaybook parses as much of a playbook as it can.
func parsePlaybook(name string, data []byte, cat *Catalog) parsed {
	sum := sha256.Sum256(data)
	pb := &incidents.Playbook{
		SHA256:  hex.EncodeToString(sum[:]),
		Source:  name,
		Catalog: cat.Ref(),
		Facts:   cloneFacts(cat.Facts),
		Events:  slices.Clone(cat.Events),
		Groups:  cloneGroups(cat.Groups),
	}
	out := parsed{pb: pb}
	d := newDecoder(name)
	d.run(func() {
		root := d.parse(data)
		if root == nil {
			return
		}
		top := d.mapping(root, "the playbook", playbookKeys)
		if top == nil {
			return
		}
		d.require(top, "id", "version", "title", "steps")
		pb.ID = d.str(top, "id")
		if pb.ID != "" {
			out.idNode = d.deref(top.val["id"])
			if !idRE.MatchString(pb.ID) {
				d.errorf(top.val["id"], "playbook id %q must be %s", pb.ID, idRule)
			}
		}
		pb.Version = d.str(top, "version")
		pb.Title = d.str(top, "title")
		pb.Description = d.str(top, "description")
		if top.has("reminders") {
			pb.Reminders = d.reminders(top.val["reminders"])
		}
		if top.has("defaults") {
			pb.Defaults = d.defaults(top.val["defaults"], pb)
		}
		pb.Steps = d.steps(top)
		pb.Obligations = d.obligations(top, cat)
		pb.Contacts = obligationContacts(pb.Obligations, cat.Contacts)
	})
	out.probs = d.probs
	return out
}

// obligationContacts returns the catalog contacts the notice rules of
// obligations name, so the pinned playbook carries what its notices print.
func obligationContacts(obls []incidents.ObligationRule, all map[string]incidents.Contact) map[string]incidents.Contact {
	var out map[string]incidents.Contact
	for _, o := range obls {
		if o.Regulation.Notice == nil {
			continue
		}
		for _, r := range o.Regulation.Notice.Require {
			for _, id := range r.Contacts {
				if c, ok := all[id]; ok {
					if out == nil {
						out = map[string]incidents.Contact{}
					}
					out[id] = c
				}
			}
		}
	}
	return out
}

// reminders decodes a list of reminders; an empty list gives a non-nil empty
// slice (no reminders), unlike an absent one.
func (d *decoder) reminders(n *yaml.Node) []incidents.ReminderSpec {
	out := []incidents.ReminderSpec{}
	for _, it := range d.items(n, "reminders") {
		s := d.scalar(it, "a reminder")
		if s == "" {
			continue
		}
		r, why := parseReminder(s)
		switch {
		case why != "":
			d.errorf(d.deref(it), "bad reminder %q: %s", s, why)
		case slices.Contains(out, r):
			d.errorf(d.deref(it), "reminder %s is listed twice", r)
		default:
			out = append(out, r)
		}
	}
	return out
}

// defaults decodes "defaults: {fact: value}" and checks each value as the
// Service will when an incident starts.
func (d *decoder) defaults(n *yaml.Node, pb *incidents.Playbook) map[string]string {
	f := d.mapping(n, "defaults", nil)
	if f == nil {
		return nil
	}
	out := map[string]string{}
	for _, key := range f.keys {
		def, ok := pb.FactDefByName(key)
		if !ok {
			names := make([]string, len(pb.Facts))
			for i, fd := range pb.Facts {
				names[i] = fd.Name
			}
			d.errorf(f.key[key], "default for unknown fact %q%s", key, didYouMeanOr(key, names, "; see: breachbot facts list"))
			continue
		}
		if _, dup := out[def.Name]; dup {
			d.errorf(f.key[key], "default for %s is given twice", def.Name)
			continue
		}
		value, ok := d.defaultValue(f.val[key])
		if !ok {
			continue
		}
		if msg := checkSetValues(value, def); msg != "" {
			d.errorf(d.deref(f.val[key]), "%s", msg)
			continue
		}
		ch, err := pb.ParseFactChange(def.Name + "=" + value)
		switch {
		case err != nil:
			msg := incidents.ErrorMessage(err)
			if h := incidents.ErrorHint(err); h != "" {
				msg += "; " + h
			}
			d.errorf(d.deref(f.val[key]), "%s", msg)
		case ch.Op == "unset":
			d.errorf(d.deref(f.val[key]), "default %s cannot be unknown; remove it instead", def.Name)
		default:
			out[def.Name] = value
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// checkSetValues checks the items of a default for a set fact with allowed
// values, to suggest what a misspelt one meant.
func checkSetValues(value string, def incidents.FactDef) string {
	if def.Type != incidents.FactSet || len(def.Values) == 0 {
		return ""
	}
	for _, v := range strings.Split(value, ",") {
		if v = strings.TrimSpace(v); v == "" || strings.EqualFold(v, "unknown") || v == "?" {
			continue
		}
		if _, msg := canonicalValue(v, def, &vocab{}); msg != "" {
			return msg
		}
	}
	return ""
}

// defaultValue renders a default as it would be typed: a word, a list as
// "a,b", counts as "US-CA:600,US-TX:20".
func (d *decoder) defaultValue(n *yaml.Node) (string, bool) {
	n = d.deref(n)
	switch n.Kind {
	case yaml.ScalarNode:
		s := d.scalar(n, "a default")
		return s, s != ""
	case yaml.SequenceNode:
		var parts []string
		for _, it := range n.Content {
			s := d.scalar(it, "an item of a default")
			if s == "" {
				return "", false
			}
			parts = append(parts, s)
		}
		if len(parts) == 0 {
			d.errorf(n, "a default list is empty")
			return "", false
		}
		return strings.Join(parts, ","), true
	case yaml.MappingNode:
		f := d.mapping(n, "a default", nil)
		var parts []string
		for _, k := range f.keys {
			s := d.scalar(f.val[k], k)
			if s == "" {
				return "", false
			}
			parts = append(parts, k+":"+s)
		}
		if len(parts) == 0 {
			d.errorf(n, "a default mapping is empty")
			return "", false
		}
		return strings.Join(parts, ","), true
	}
	d.errorf(n, "a default must be a value, not %s", kindName(n))
	return "", false
}

// steps decodes the checklist and checks requires: unknown steps and cycles.
func (d *decoder) steps(top *fields) []incidents.StepDef {
	var out []incidents.StepDef
	seen := map[string]*yaml.Node{}
	type req struct {
		from, to string
		node     *yaml.Node
	}
	var reqs []req
	items := d.list(top, "steps")
	if top.has("steps") && len(items) == 0 && d.deref(top.val["steps"]).Kind == yaml.SequenceNode {
		d.errorf(top.val["steps"], "a playbook needs at least one step")
	}
	for _, it := range items {
		f := d.mapping(it, "a step", stepKeys)
		if f == nil {
			continue
		}
		d.require(f, "id", "title", "owner")
		st := incidents.StepDef{
			ID:          d.str(f, "id"),
			Title:       d.str(f, "title"),
			Description: d.str(f, "description"),
			Owner:       d.str(f, "owner"),
			ThirdParty:  d.boolean(f, "third_party"),
		}
		if st.ID != "" {
			if !idRE.MatchString(st.ID) {
				d.errorf(f.val["id"], "step id %q must be %s", st.ID, idRule)
			}
			if first, dup := seen[st.ID]; dup {
				d.errorf(f.val["id"], "duplicate step id %q (first at line %d)", st.ID, first.Line)
			} else {
				seen[st.ID] = d.deref(f.val["id"])
			}
		}
		if kind := d.str(f, "kind"); kind != "" {
			if slices.Contains(incidents.StepKinds, kind) {
				st.Kind = kind
			} else {
				d.errorf(f.val["kind"], "step kind %q is not known%s", kind, didYouMeanOr(kind, incidents.StepKinds,
					"; use kind: "+strings.Join(incidents.StepKinds, " or kind: ")+", or leave kind out for a step that is simply done"))
			}
		}
		if st.Owner != "" && !slices.Contains(incidents.AllRoles, st.Owner) {
			d.errorf(f.val["owner"], "owner %q is not a role%s", st.Owner, didYouMeanOr(st.Owner, incidents.AllRoles, "; use one of "+strings.Join(incidents.AllRoles, ", ")))
		}
		if gate := d.str(f, "gate"); gate != "" {
			switch {
			case slices.Contains(gates, gate):
				st.Gate = incidents.State(gate)
			case gate == string(incidents.StateDeclared):
				d.errorf(f.val["gate"], "a step cannot gate %q, the state every incident starts in; use one of %s", gate, strings.Join(gates, ", "))
			default:
				d.errorf(f.val["gate"], "gate %q is not a state%s", gate, didYouMeanOr(gate, gates, "; use one of "+strings.Join(gates, ", ")))
			}
		}
		ids, nodes := d.strList(f, "requires")
		for i, r := range ids {
			if slices.Contains(st.Requires, r) {
				d.errorf(nodes[i], "step %s is listed twice in requires", r)
				continue
			}
			st.Requires = append(st.Requires, r)
			reqs = append(reqs, req{from: st.ID, to: r, node: nodes[i]})
		}
		out = append(out, st)
	}
	known := slices.Sorted(maps.Keys(seen))
	next := map[string][]string{}
	for _, r := range reqs {
		switch {
		case seen[r.to] == nil:
			d.errorf(r.node, "requires unknown step %q%s", r.to, didYouMean(r.to, known))
		case r.to == r.from:
			d.errorf(r.node, "step %s requires itself", r.from)
		default:
			next[r.from] = append(next[r.from], r.to)
		}
	}
	for _, r := range reqs {
		if seen[r.to] == nil || r.to == r.from {
			continue
		}
		if path := findPath(next, r.to, r.from); path != nil && slices.Min(path) == r.from {
			d.errorf(r.node, "requires cycle: %s; no step of it could ever be done", strings.Join(append([]string{r.from}, path...), " -> "))
		}
	}
	return out
}

// obligations decodes the legal clocks and resolves them against the catalog.
func (d *decoder) obligations(top *fields, cat *Catalog) []incidents.ObligationRule {
	var out []incidents.ObligationRule
	seen := map[string]*yaml.Node{}
	regNodes := map[string]*yaml.Node{} // obligation id -> its regulation node
	v := cat.vocab()
	for _, it := range d.list(top, "obligations") {
		f := d.mapping(it, "an obligation", obligationKeys)
		if f == nil {
			continue
		}
		d.require(f, "regulation")
		regID := d.str(f, "regulation")
		var rule incidents.ObligationRule
		reg, known := cat.Regulation(regID)
		if regID != "" && !known {
			d.errorf(f.val["regulation"], "unknown regulation %q%s", regID, didYouMeanOr(regID, cat.regulationIDs(), "; see: breachbot regulations list"))
		}
		rule.ID = regID
		if f.has("id") {
			rule.ID = d.str(f, "id")
			if rule.ID != "" && !idRE.MatchString(rule.ID) {
				d.errorf(f.val["id"], "obligation id %q must be %s", rule.ID, idRule)
			}
		}
		var when incidents.Condition
		if f.has("when") {
			when = d.condition(f.val["when"], v, "when")
		}
		if f.has("reminders") {
			rule.Reminders = d.reminders(f.val["reminders"])
		}
		if rule.ID == "" || !known {
			continue
		}
		at := f.val["id"]
		if at == nil {
			at = f.val["regulation"]
		}
		if first, dup := seen[rule.ID]; dup {
			d.errorf(at, "duplicate obligation id %q (first at line %d); give one of them its own id", rule.ID, first.Line)
			continue
		}
		seen[rule.ID] = d.deref(at)
		regNodes[rule.ID] = f.val["regulation"]
		rule.Regulation = cloneRegulation(reg.Regulation)
		rule.When = reg.AppliesWhen.And(when)
		out = append(out, rule)
	}
	// A clock that starts when another obligation is met needs that
	// obligation in the same playbook.
	for _, rule := range out {
		starts := []string{rule.Regulation.Deadline.Start}
		if rule.Regulation.Backstop != nil {
			starts = append(starts, rule.Regulation.Backstop.Start)
		}
		for _, s := range starts {
			id, ok := strings.CutPrefix(s, "met:")
			if !ok || seen[id] != nil {
				continue
			}
			d.errorf(regNodes[rule.ID], "regulation %s starts its clock when obligation %s is met, but this playbook has no obligation %s; add one with regulation: %s",
				rule.Regulation.ID, id, id, id)
		}
	}
	return out
}

func cloneFacts(in []incidents.FactDef) []incidents.FactDef {
	out := slices.Clone(in)
	for i := range out {
		out[i].Values = slices.Clone(out[i].Values)
		out[i].Aliases = slices.Clone(out[i].Aliases)
	}
	return out
}

func cloneGroups(in map[string][]string) map[string][]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string][]string, len(in))
	for k, v := range in {
		out[k] = slices.Clone(v)
	}
	return out
}

func cloneRegulation(r incidents.Regulation) incidents.Regulation {
	r.Content = slices.Clone(r.Content)
	r.Notice = r.Notice.Clone()
	if r.Terms != nil {
		t := *r.Terms
		r.Terms = &t
	}
	if r.Backstop != nil {
		b := *r.Backstop
		r.Backstop = &b
	}
	return r
}

// versionLabel renders a version for messages.
func versionLabel(v string) string {
	if v == "" {
		return "(no version)"
	}
	return strconv.Quote(v)
}
