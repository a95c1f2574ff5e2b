package commands

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

func factsText(f incidents.Facts) string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(f)) {
		lines = append(lines, fmt.Sprintf("%s=%s", k, f[k].String()))
	}
	return strings.Join(lines, "\n")
}

func factsReply(res *incidents.Result, now time.Time, recorded bool) *Reply {
	inc := res.Incident
	rep := &Reply{Title: fmt.Sprintf("%s facts", inc.ID), Incident: inc.ID}
	switch {
	case recorded && res.Unchanged:
		rep.Title += ": unchanged (they were already so)"
	case recorded:
		rep.Title += " recorded: " + strings.Join(res.FactsChanged, ", ")
	}
	if len(inc.Facts) == 0 {
		rep.Sections = append(rep.Sections, Section{Text: "No facts yet. Example: /breach facts jurisdictions=EU,US-CA data=email,password_hash affected=12000 encrypted=no"})
	} else {
		rep.Sections = append(rep.Sections, Section{Heading: "Known", Text: factsText(inc.Facts)})
	}
	if !recorded {
		var unknown []string
		for _, d := range res.Playbook.Facts {
			if _, ok := inc.Facts[d.Name]; !ok {
				unknown = append(unknown, d.Name)
			}
		}
		if len(unknown) > 0 {
			rep.Sections = append(rep.Sections, Section{Heading: "Not yet known", Text: strings.Join(unknown, ", "), Note: "/breach help facts explains each"})
		}
		return rep
	}
	if sec, ok := changesSection(res); ok {
		rep.Sections = append(rep.Sections, sec)
	}
	rep.Sections = append(rep.Sections, deadlineSections(res, now, false)...)
	return rep
}

func clockReply(res *incidents.Result, now time.Time, recorded string) *Reply {
	inc, pb := res.Incident, res.Playbook
	rep := &Reply{Title: fmt.Sprintf("%s clock events", inc.ID), Incident: inc.ID}
	if recorded != "" {
		rep.Title = fmt.Sprintf("%s: %s recorded", inc.ID, strings.ToLower(recorded))
		if res.Unchanged {
			rep.Title = fmt.Sprintf("%s: %s was already recorded at that time", inc.ID, strings.ToLower(recorded))
		}
	}
	sec := Section{}
	for _, ev := range pb.Events {
		it := Item{Text: ev.Name, Mark: MarkOpen}
		if rec, ok := inc.Events[ev.Name]; ok {
			it.Mark = MarkDone
			it.Text += fmt.Sprintf(": %s (%s), recorded by %s", FormatTime(rec.At), Relative(rec.At, now), rec.By)
		} else {
			it.Detail = ev.Description + " · /breach clock " + ev.Name + " --at TIME"
		}
		sec.Items = append(sec.Items, it)
	}
	rep.Sections = append(rep.Sections, sec)
	if recorded != "" {
		if ch, ok := changesSection(res); ok {
			rep.Sections = append(rep.Sections, ch)
		}
	}
	return rep
}
