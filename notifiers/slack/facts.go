package slack

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// The facts form: one field per fact of the incident's playbook, those that
// would decide the most obligations first, each showing what is known now.
// Only fields changed from what was shown are recorded, so submitting the
// form untouched changes nothing (and an imported count keeps its source).

// factsFieldsMax keeps the form within Slack's 100 blocks per view.
const factsFieldsMax = 40

// factsFields makes a field per fact, ordered by how many undecided
// obligations each would decide, then as the playbook lists them.
func factsFields(ctx context.Context, b *Bot, m formMeta) ([]field, error) {
	res, err := b.read(ctx, m.Incident)
	if err != nil {
		return nil, err
	}
	inc, pb := res.Incident, res.Playbook
	decides := map[string]int{}
	for _, o := range inc.Obligations {
		if o.Applies != incidents.NeedsFacts {
			continue
		}
		for _, name := range o.Missing {
			if i := strings.IndexAny(name, ". "); i > 0 {
				name = name[:i]
			}
			decides[name]++
		}
	}
	defs := slices.Clone(pb.Facts)
	slices.SortStableFunc(defs, func(a, b incidents.FactDef) int { return decides[b.Name] - decides[a.Name] })
	var fields []field
	for _, d := range defs {
		if len(fields) == factsFieldsMax {
			break
		}
		fd := field{id: d.Name, label: truncate(d.Name, 48), kind: fieldText, optional: true}
		hint := d.Description
		if n := decides[d.Name]; n > 0 {
			hint = fmt.Sprintf("Decides %d obligations. %s", n, hint)
		}
		if ex := d.Example(); ex != "" {
			hint += " (" + ex + ")"
			if _, val, ok := strings.Cut(strings.TrimPrefix(ex, "write "), "="); ok {
				fd.placeholder = truncate(strings.Fields(val)[0], 150)
			}
		}
		fd.hint = truncate(hint, 2000)
		if f, ok := inc.Facts[d.Name]; ok {
			fd.initial = f.String()
		}
		fields = append(fields, fd)
	}
	fields = append(fields, field{id: "more", label: "Other facts", kind: fieldLong, optional: true,
		placeholder: "name=value pairs", hint: "Anything else as name=value pairs; name=unknown forgets a fact. Counts only, never names or addresses."})
	return fields, nil
}

// factsCommand records the fields that differ from what the form showed.
func factsCommand(v map[string]string, m formMeta, fields []field) string {
	var pairs []string
	for _, fd := range fields {
		val := strings.TrimSpace(v[fd.id])
		if fd.id == "more" {
			if val != "" {
				pairs = append(pairs, strings.Fields(val)...)
			}
			continue
		}
		if val == "" || val == fd.initial {
			continue
		}
		pairs = append(pairs, fd.id+"="+quote(val))
	}
	if len(pairs) == 0 {
		return ""
	}
	return "facts " + strings.Join(pairs, " ") + " --incident " + m.Incident
}

func factsForm() *form {
	return &form{
		title: "Record facts", submit: "Record",
		intro: func(m formMeta) string {
			return fmt.Sprintf("What is known about %s. Change a field to record it; empty fields stay as they are. The obligations are recomputed at once.", escape(m.Incident))
		},
		fieldsFor:   factsFields,
		commandWith: factsCommand,
	}
}
