package commands

import (
	"fmt"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

func helpReply(args []string) *Reply {
	if len(args) > 0 {
		name := strings.ToLower(strings.Join(args, " "))
		if name == "step" {
			name = "step done"
		}
		if name == "notice" || name == "notices" {
			rep := &Reply{Title: "breachbot: /breach notice commands", Ephemeral: true}
			var items []Item
			for _, sp := range specs {
				if strings.HasPrefix(sp.name, "notice ") {
					items = append(items, Item{Mark: MarkInfo, Text: sp.usage, Detail: sp.summary})
				}
			}
			rep.Sections = []Section{{Items: items, Note: "Notice commands act on the incident's latest notice unless given its id (N1)."}}
			return rep
		}
		sp := findSpec(name)
		if sp == nil {
			e := errorReply(incidents.EINVALID, fmt.Sprintf("there is no command %q", name), "/breach help lists every command")
			return e
		}
		text := sp.summary
		if sp.help != "" {
			text = sp.help
		}
		rep := &Reply{Title: sp.usage, Ephemeral: true, Sections: []Section{{Text: text}}}
		if sp.name == "facts" {
			rep.Sections = append(rep.Sections, Section{Heading: "Facts", Text: "Which facts exist depends on the incident's playbook; /breach facts shows them. " +
				"jurisdictions: ISO codes (EU, GB, DE, BR, SG, IN, US states as US-CA) · data: categories (email, password_hash, ssn, card, health, ...) · " +
				"affected: number of people · residents: people per jurisdiction (US-CA:600,US-TX:20) · encrypted: yes/no · entity: what kind of organisation we are (public_company, covered_entity, ...)"})
		}
		return rep
	}
	rep := &Reply{Title: "breachbot: /breach commands", Ephemeral: true}
	var order []string
	byGroup := map[string][]Item{}
	for _, sp := range specs {
		if _, ok := byGroup[sp.group]; !ok {
			order = append(order, sp.group)
		}
		byGroup[sp.group] = append(byGroup[sp.group], Item{Mark: MarkInfo, Text: sp.usage, Detail: sp.summary})
	}
	for _, g := range order {
		rep.Sections = append(rep.Sections, Section{Heading: g, Items: byGroup[g]})
	}
	rep.Sections = append(rep.Sections, Section{Note: "Commands act on the incident of the channel, or the one you last declared or named; --incident ID picks another. " +
		"Times: 2026-11-27T09:00Z, \"2026-11-27 09:00 UTC\", now, 2h ago."})
	return rep
}
