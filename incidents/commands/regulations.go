package commands

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// The /breach regulations command: ids of the regulations catalog, so that
// nobody has to read YAML to find them.
func init() {
	specs = append(specs, &spec{name: "regulations", group: "See",
		usage:   "/breach regulations list [--jurisdiction CODE] | /breach regulations show ID",
		summary: "the regulations catalog: the ids playbooks use, with their deadlines (--jurisdiction DE: those for people in DE)",
		flags:   []string{"jurisdiction"}, minArgs: 1, maxArgs: 2, missing: "needs list or show ID"})
	aliases["regulation"] = "regulations"
	globalCommands["regulations"] = (*call).regulations
}

func (c *call) regulations(ctx context.Context) (*Reply, error) {
	verb := strings.ToLower(c.cmd.Args[0])
	switch {
	case verb == "list" && len(c.cmd.Args) == 1:
		cat, err := c.r.svc.Catalog(ctx)
		if err != nil {
			return nil, err
		}
		return RegulationsReply(cat, c.cmd.Flags["jurisdiction"], "/breach")
	case verb == "show" && len(c.cmd.Args) == 2:
		cat, err := c.r.svc.Catalog(ctx)
		if err != nil {
			return nil, err
		}
		return RegulationReply(cat, c.cmd.Args[1], "/breach")
	case verb == "show":
		return nil, incidents.Errorf(incidents.EINVALID, "regulations show needs one regulation id").
			WithHint("/breach regulations show gdpr-art33; /breach regulations list gives the ids")
	}
	return nil, incidents.Errorf(incidents.EINVALID, "unknown regulations action %q", c.cmd.Args[0]).
		WithHint("/breach regulations list [--jurisdiction CODE] or /breach regulations show ID")
}

// jurisdictionCodeRE is what --jurisdiction takes: DE, US-CA, EU.
var jurisdictionCodeRE = regexp.MustCompile(`^[A-Za-z]{2,15}(-[A-Za-z0-9]{1,3})?$`)

// RegulationsReply lists the catalog's regulations, those concerning people
// in jurisdiction if it is not empty. cmd is how the reader types commands:
// "/breach" in chat, "breachbot" on the command line.
func RegulationsReply(cat *incidents.RegulationsCatalog, jurisdiction, cmd string) (*Reply, error) {
	typed := strings.TrimSpace(jurisdiction)
	jurisdiction = strings.ToUpper(typed)
	if jurisdiction != "" && !jurisdictionCodeRE.MatchString(jurisdiction) {
		return nil, incidents.Errorf(incidents.EINVALID, "%q is not a jurisdiction code", typed).
			WithHint("an ISO code such as DE or GB, a US state as US-CA, or a group such as EU: %s regulations list --jurisdiction DE", cmd)
	}
	var items []Item
	for _, r := range cat.Rules {
		if jurisdiction != "" && !cat.InJurisdiction(r, jurisdiction) {
			continue
		}
		text := r.ID
		if r.Jurisdiction != "" {
			text += " · " + r.Jurisdiction
		}
		text += " · " + r.Deadline.String()
		if r.Status != incidents.StatusInForce {
			text += " · " + strings.ReplaceAll(r.Status, "_", " ")
		}
		items = append(items, Item{Mark: MarkInfo, Text: text, Detail: r.Title})
	}
	title := fmt.Sprintf("%d regulations in catalog %s", len(items), catalogLabel(cat.Ref))
	if jurisdiction != "" {
		title = fmt.Sprintf("%d regulations for %s in catalog %s", len(items), jurisdiction, catalogLabel(cat.Ref))
	}
	rep := &Reply{Title: title, Ephemeral: true}
	if len(items) == 0 {
		rep.Sections = append(rep.Sections, Section{Text: fmt.Sprintf("none; %s regulations list shows them all", cmd)})
		return rep, nil
	}
	rep.Sections = append(rep.Sections, Section{Items: items,
		Note: fmt.Sprintf("details: %s regulations show ID · in a playbook: obligations: [{regulation: ID}]", cmd)})
	return rep, nil
}

// RegulationReply shows one regulation of the catalog, or ENOTFOUND naming
// the closest id.
func RegulationReply(cat *incidents.RegulationsCatalog, id, cmd string) (*Reply, error) {
	r, ok := cat.Rule(id)
	if !ok {
		ids := make([]string, len(cat.Rules))
		for i, r := range cat.Rules {
			ids[i] = r.ID
		}
		e := incidents.Errorf(incidents.ENOTFOUND, "there is no regulation %q in catalog %s", id, catalogLabel(cat.Ref))
		if dym := incidents.DidYouMean(id, ids, ""); dym != "" {
			return nil, e.WithHint("%s %s regulations list gives every id", dym, cmd)
		}
		return nil, e.WithHint("%s regulations list gives every id", cmd)
	}
	lines := []string{"Deadline: " + r.Deadline.String()}
	if r.Backstop != nil {
		lines = append(lines, "At the latest: "+r.Backstop.String())
	}
	if r.Deadline.Text != "" && r.Deadline.Unit != incidents.UnitNone {
		lines = append(lines, "The law says: "+r.Deadline.Text)
	}
	add := func(label, v string) {
		if v != "" {
			lines = append(lines, label+": "+v)
		}
	}
	add("Notify", r.Notify)
	add("Law", r.Law)
	add("Jurisdiction", r.Jurisdiction)
	add("Status", strings.ReplaceAll(r.Status, "_", " "))
	if used := r.AppliesWhen.FactsUsed(); len(used) > 0 {
		add("Applies depending on facts", strings.Join(slices.Compact(slices.Sorted(slices.Values(used))), ", "))
	} else {
		add("Applies", "always, when a playbook lists it")
	}
	add("Citation", r.Citation)
	add("Source", r.Source)
	add("Notes", r.Notes)
	if len(r.Content) > 0 {
		add("The notice must contain", strings.Join(r.Content, "; "))
	}
	return &Reply{Title: fmt.Sprintf("%s: %s", r.ID, r.Title), Ephemeral: true, Sections: []Section{
		{Text: strings.Join(lines, "\n"), Note: fmt.Sprintf("in a playbook: obligations: [{regulation: %s}] · %s", r.ID, cat.Ref.Disclaimer)},
	}}, nil
}

// FactsReply lists the facts conditions can test and responders record.
func FactsReply(cat *incidents.RegulationsCatalog) *Reply {
	var items []Item
	for _, f := range cat.Facts {
		text := fmt.Sprintf("%s (%s)", f.Name, f.Type)
		if len(f.Aliases) > 0 {
			text += ", also " + strings.Join(f.Aliases, ", ")
		}
		detail := f.Description
		if len(f.Values) > 0 {
			detail += "\nvalues: " + strings.Join(f.Values, ", ")
		}
		items = append(items, Item{Mark: MarkInfo, Text: text, Detail: detail})
	}
	return &Reply{Title: fmt.Sprintf("%d facts in catalog %s", len(items), catalogLabel(cat.Ref)), Ephemeral: true,
		Sections: []Section{{Items: items}}}
}

// EventsReply lists the events a clock can start at.
func EventsReply(cat *incidents.RegulationsCatalog) *Reply {
	var items []Item
	for _, e := range cat.Events {
		items = append(items, Item{Mark: MarkInfo, Text: e.Name, Detail: e.Description})
	}
	return &Reply{Title: fmt.Sprintf("%d events in catalog %s", len(items), catalogLabel(cat.Ref)), Ephemeral: true,
		Sections: []Section{{Items: items, Note: "a deadline starts at one of these (start: NAME) or when another obligation is met (start: met:ID)"}}}
}

// catalogLabel names a catalog version: "2026.11", or "2026.11 + acme-1"
// when a company's file extends it.
func catalogLabel(ref incidents.CatalogRef) string {
	label := ref.Version
	if ext := ref.Extension; ext != nil {
		v := ext.Version
		if v == "" {
			v = ext.Source
		}
		label += " + " + v
	}
	return label
}
