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

// factsReply lists the facts, or, when facts were recorded, shows only
// what changed: the facts' new values and the obligations they moved. The
// board stays one command away.
func factsReply(res *incidents.Result, now time.Time, recorded bool) *Reply {
	inc := res.Incident
	rep := &Reply{Title: fmt.Sprintf("%s facts", inc.ID), Incident: inc.ID}
	switch {
	case recorded && res.Unchanged:
		rep.Title += ": unchanged (they were already so)"
	case recorded:
		rep.Title += " recorded: " + strings.Join(res.FactsChanged, ", ")
	}
	if recorded {
		if !res.Unchanged {
			var now []string
			for _, name := range res.FactsChanged {
				if f, ok := inc.Facts[name]; ok {
					now = append(now, name+"="+f.String())
				} else {
					now = append(now, name+" unknown")
				}
			}
			rep.Sections = append(rep.Sections, Section{Text: strings.Join(now, " · ")})
		}
		sec, ok := changesSection(res, now)
		if !ok {
			sec = Section{Text: "No deadline changed."}
		}
		sec.Note = boardCounts(res)
		rep.Sections = append(rep.Sections, sec)
		return rep
	}
	if len(inc.Facts) == 0 {
		rep.Sections = append(rep.Sections, Section{Text: "No facts yet. Example: /breach facts jurisdictions=EU,US-CA data=email,password_hash affected=12000 encrypted=no"})
	} else {
		rep.Sections = append(rep.Sections, Section{Heading: "Known", Text: factsText(inc.Facts)})
	}
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

// boardCounts sums the board up in one line, most urgent first, and says
// how to see it.
func boardCounts(res *incidents.Result) string {
	groups, _ := boardGroups(res)
	var parts []string
	for _, c := range []struct {
		phase incidents.Phase
		what  string
	}{
		{incidents.PhaseMissed, "MISSED"},
		{phaseImmediate, "due now"},
		{incidents.PhaseRunning, "running"},
		{incidents.PhaseNoDeadline, "without a fixed deadline"},
		{incidents.PhaseNotStarted, "not started"},
		{incidents.PhaseNeedsFacts, "need facts"},
	} {
		if n := len(groups[c.phase]); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c.what))
		}
	}
	if len(parts) == 0 {
		return "no deadline is open · /breach deadlines shows the board"
	}
	return strings.Join(parts, ", ") + " · /breach deadlines shows the board"
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
		if ch, ok := changesSection(res, now); ok {
			rep.Sections = append(rep.Sections, ch)
		}
	}
	return rep
}
