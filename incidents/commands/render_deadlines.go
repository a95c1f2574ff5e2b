package commands

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// obligationItem renders one obligation for a deadlines board.
func obligationItem(inc *incidents.Incident, o *incidents.Obligation, rule incidents.ObligationRule, now time.Time) Item {
	reg := rule.Regulation
	it := Item{Text: fmt.Sprintf("%s · %s", o.ID, reg.Title)}
	var lines []string
	phase := o.Phase()
	switch phase {
	case incidents.PhaseRunning:
		it.Mark = MarkRunning
		if o.Due.Sub(now) < 24*time.Hour || reg.Immediate() {
			it.Mark = MarkUrgent
		}
		lines = append(lines, fmt.Sprintf("due %s (%s) · %s", FormatDue(o.Due, reg.DueZone()), Relative(o.Due, now), reg.Deadline))
	case incidents.PhaseMissed:
		it.Mark = MarkMissed
		lines = append(lines, fmt.Sprintf("MISSED: was due %s (missed by %s) · record it once done: /breach met %s --ref REF --delay-reason \"...\"",
			FormatDue(o.Due, reg.DueZone()), incidents.HumanDuration(now.Sub(o.Due)), o.ID))
	case incidents.PhaseNoDeadline:
		it.Mark = MarkRunning
		text := reg.Deadline.Text
		if text == "" {
			text = "no fixed deadline"
		}
		if reg.Immediate() {
			it.Mark = MarkUrgent
			text = "NOW: " + text
		}
		lines = append(lines, fmt.Sprintf("%s (clock started %s)", text, FormatTime(o.Start)))
	case incidents.PhaseNotStarted:
		it.Mark = MarkWait
		ev := reg.Deadline.Start
		if id, ok := strings.CutPrefix(ev, "met:"); ok {
			lines = append(lines, fmt.Sprintf("not started: its clock (%s) starts when %s is met", reg.Deadline, id))
		} else {
			lines = append(lines, fmt.Sprintf("not started: its clock (%s) starts at %s · when it happens: /breach clock %s --at TIME", reg.Deadline, ev, ev))
		}
	case incidents.PhaseNeedsFacts:
		it.Mark = MarkBlocked
		lines = append(lines, "needs facts: "+strings.Join(o.Missing, ", ")+" · /breach facts NAME=VALUE")
	case incidents.PhaseMet:
		it.Mark = MarkDone
		l := fmt.Sprintf("met %s by %s · ref %s", FormatTime(o.MetAt), o.MetBy, o.Reference)
		if late := o.Late(); late > 0 {
			l += fmt.Sprintf(" · LATE by %s: %s", incidents.HumanDuration(late), o.DelayReason)
		}
		lines = append(lines, l)
	case incidents.PhaseWaived:
		it.Mark = MarkWaived
		lines = append(lines, fmt.Sprintf("waived %s by %s: %s", FormatTime(o.WaivedAt), o.WaivedBy, o.WaiveReason))
	case incidents.PhaseNotApplies:
		it.Mark = MarkInfo
		lines = append(lines, "does not apply: "+strings.Join(o.Why, "; "))
	}
	who := "notify: " + reg.Notify
	if reg.Citation != "" {
		who += " · " + reg.Citation
	}
	lines = append(lines, who)
	if reg.Status != "" && reg.Status != incidents.StatusInForce {
		lines = append(lines, fmt.Sprintf("status: %s — check with counsel before relying on this deadline", strings.ToUpper(reg.Status)))
	}
	it.Detail = strings.Join(lines, "\n")
	if inc.State != incidents.StateClosed && (phase == incidents.PhaseRunning || phase == incidents.PhaseMissed || phase == incidents.PhaseNoDeadline || phase == incidents.PhaseNotStarted || phase == incidents.PhaseNeedsFacts) {
		it.Actions = []Action{
			{ID: "obligation_met", Label: "Met", Value: inc.ID + " " + o.ID, Command: "/breach met " + o.ID + " --ref REFERENCE", Style: "primary"},
			{ID: "obligation_waive", Label: "Waive", Value: inc.ID + " " + o.ID, Command: "/breach waive " + o.ID + " REASON"},
		}
	}
	return it
}

// phaseImmediate groups, on a board, the obligations without a fixed due
// time that the law wants done at once ("immediately", "without delay").
const phaseImmediate incidents.Phase = "immediate"

var phaseHeadings = []struct {
	phase   incidents.Phase
	heading string
}{
	{incidents.PhaseMissed, "MISSED"},
	{phaseImmediate, "Immediately (no fixed due time: the law says now)"},
	{incidents.PhaseRunning, "Running clocks"},
	{incidents.PhaseNoDeadline, "Without a fixed deadline (without undue delay)"},
	{incidents.PhaseNotStarted, "Not started"},
	{incidents.PhaseNeedsFacts, "Needs facts"},
	{incidents.PhaseMet, "Met"},
	{incidents.PhaseWaived, "Waived"},
	{incidents.PhaseNotApplies, "Do not apply"},
}

// boardGroups sorts an incident's obligations into the board's phases,
// most urgent first within each: missed and running ones by due time.
func boardGroups(res *incidents.Result) (map[incidents.Phase][]*incidents.Obligation, int) {
	inc, pb := res.Incident, res.Playbook
	groups := map[incidents.Phase][]*incidents.Obligation{}
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		ph := o.Phase()
		if ph == incidents.PhaseNoDeadline && ruleOf(pb, o.ID).Regulation.Immediate() {
			ph = phaseImmediate
		}
		groups[ph] = append(groups[ph], o)
	}
	for _, ph := range []incidents.Phase{incidents.PhaseMissed, incidents.PhaseRunning} {
		sort.SliceStable(groups[ph], func(i, j int) bool { return groups[ph][i].Due.Before(groups[ph][j].Due) })
	}
	return groups, len(inc.Obligations)
}

// deadlineSections renders the deadlines board, one section per phase, most
// urgent first: missed, due at once, running clocks by due time, without a
// fixed deadline, not started, needs facts.
func deadlineSections(res *incidents.Result, now time.Time, all bool) []Section {
	inc, pb := res.Incident, res.Playbook
	groups, _ := boardGroups(res)
	var out []Section
	notApply := 0
	for _, ph := range phaseHeadings {
		obs := groups[ph.phase]
		if len(obs) == 0 {
			continue
		}
		if ph.phase == incidents.PhaseNeedsFacts && !all {
			out = append(out, needsFactsSection(inc.ID, pb, obs))
			continue
		}
		if ph.phase == incidents.PhaseNotApplies && !all {
			notApply = len(obs)
			continue
		}
		sec := Section{Heading: fmt.Sprintf("%s (%d)", ph.heading, len(obs))}
		for _, o := range obs {
			sec.Items = append(sec.Items, obligationItem(inc, o, ruleOf(pb, o.ID), now))
		}
		out = append(out, sec)
	}
	if !all && (notApply > 0 || len(groups[incidents.PhaseNeedsFacts]) > 0) {
		more := "/breach deadlines --all lists each obligation and what it needs"
		if notApply > 0 {
			more = fmt.Sprintf("%d do not apply on the facts recorded; /breach deadlines --all lists each obligation and why", notApply)
		}
		out = append(out, Section{Note: more})
	}
	if len(out) > 0 {
		out[0].Heading = "Deadlines · " + out[0].Heading
		if out[0].Heading == "Deadlines · " {
			out[0].Heading = "Deadlines"
		}
	}
	return out
}

// settlingFact is a fact and the obligations that wait for it.
type settlingFact struct {
	name        string
	obligations []string
}

// factsThatSettle groups obligations that need facts by the fact that would
// settle them, the fact that settles the most first.
func factsThatSettle(obs []*incidents.Obligation) []settlingFact {
	byFact := map[string][]string{}
	var order []string
	for _, o := range obs {
		for _, m := range o.Missing {
			name := m
			if i := strings.IndexAny(name, ". "); i > 0 {
				name = name[:i]
			}
			if _, ok := byFact[name]; !ok {
				order = append(order, name)
			}
			if !slices.Contains(byFact[name], o.ID) {
				byFact[name] = append(byFact[name], o.ID)
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return len(byFact[order[i]]) > len(byFact[order[j]]) })
	out := make([]settlingFact, len(order))
	for i, name := range order {
		out[i] = settlingFact{name, byFact[name]}
	}
	return out
}

// Caps that keep the board short: the facts shown under "Needs facts" and
// the obligations named on one line.
const (
	boardFacts      = 3
	lineObligations = 3
)

// needsFactsSection shows the facts that would settle the most obligations,
// one line a fact, not one a law; the rest are counted, not listed.
func needsFactsSection(id string, pb *incidents.Playbook, obs []*incidents.Obligation) Section {
	facts := factsThatSettle(obs)
	sec := Section{Heading: fmt.Sprintf("Needs facts (%d obligations)", len(obs))}
	for _, f := range facts[:min(boardFacts, len(facts))] {
		ids := f.obligations
		list := strings.Join(ids, ", ")
		if len(ids) > lineObligations {
			list = strings.Join(ids[:lineObligations], ", ") + fmt.Sprintf(" and %d more", len(ids)-lineObligations)
		}
		it := Item{Mark: MarkBlocked, Text: fmt.Sprintf("%s: decides %d (%s)", f.name, len(ids), list)}
		if def, ok := pb.FactDefByName(f.name); ok {
			it.Detail = def.Example()
		}
		if len(sec.Items) == 0 {
			// One button for all of them (Slack: a form with a field a fact).
			it.Actions = []Action{{ID: "facts_form", Label: "Record facts", Value: id + " facts", Command: "/breach facts NAME=VALUE ... --incident " + id}}
		}
		sec.Items = append(sec.Items, it)
	}
	if rest := len(facts) - boardFacts; rest > 0 {
		var names []string
		for _, f := range facts[boardFacts:] {
			names = append(names, f.name)
		}
		sec.Note = fmt.Sprintf("and %d more: %s", rest, strings.Join(names, ", "))
	}
	return sec
}

// Board renders an incident's deadlines board: the message Slack keeps
// updated in place in the incident channel. It names the incident's lead
// first.
func Board(res *incidents.Result, now time.Time) *Reply {
	rep := deadlinesReply(res, now, false)
	rep.Sections[0].Text = "Lead: " + res.Incident.LeadUser() + " · " + rep.Sections[0].Text
	return rep
}

func deadlinesReply(res *incidents.Result, now time.Time, all bool) *Reply {
	inc := res.Incident
	rep := &Reply{Title: fmt.Sprintf("%s deadlines: %s", inc.ID, inc.Title), Incident: inc.ID}
	rep.Sections = append(rep.Sections, Section{Text: fmt.Sprintf("Aware since %s (%s) · %s", FormatTime(inc.AwareAt()), Relative(inc.AwareAt(), now), pinLine(inc))})
	rep.Sections = append(rep.Sections, deadlineSections(res, now, all)...)
	return rep
}

// changesSection explains how obligations changed; an obligation that now
// applies says when it is due.
func changesSection(res *incidents.Result, now time.Time) (Section, bool) {
	sec := Section{Heading: "What changed"}
	for _, ch := range res.Changes {
		rule := ruleOf(res.Playbook, ch.ID)
		name := fmt.Sprintf("%s (%s)", ch.ID, rule.Regulation.Title)
		o, _ := res.Incident.Obligation(ch.ID)
		missed := o != nil && o.Phase() == incidents.PhaseMissed && !ch.DueTo.IsZero()
		switch {
		case ch.To == incidents.Applies && (ch.From != incidents.Applies || !ch.DueFrom.Equal(ch.DueTo)) && missed:
			// Its due time had passed before it applied or its clock started.
			sec.Items = append(sec.Items, Item{Mark: MarkMissed, Text: "MISSED as soon as it applied: " + name,
				Detail: "it was due " + FormatDue(ch.DueTo, rule.Regulation.DueZone()) + "; notify now and record the reasons for the delay"})
		case ch.To == incidents.Applies && ch.From != incidents.Applies:
			why := "because " + strings.Join(ch.Why, "; ")
			if !ch.DueTo.IsZero() {
				why = fmt.Sprintf("due %s (%s), %s", FormatDue(ch.DueTo, rule.Regulation.DueZone()), Relative(ch.DueTo, now), why)
			}
			sec.Items = append(sec.Items, Item{Mark: MarkUrgent, Text: "now applies: " + name, Detail: why})
		case ch.From == incidents.Applies && ch.To == incidents.NotApplicable:
			sec.Items = append(sec.Items, Item{Mark: MarkInfo, Text: "no longer applies: " + name, Detail: "because " + strings.Join(ch.Why, "; ")})
		case ch.To == incidents.NeedsFacts && ch.From != incidents.NeedsFacts:
			sec.Items = append(sec.Items, Item{Mark: MarkBlocked, Text: "needs facts: " + name, Detail: "missing " + strings.Join(ch.Missing, ", ")})
		case ch.Reopened:
			sec.Items = append(sec.Items, Item{Mark: MarkRunning, Text: "no longer missed: " + name, Detail: "now due " + FormatDue(ch.DueTo, rule.Regulation.DueZone())})
		case ch.To == incidents.Applies && !ch.DueFrom.Equal(ch.DueTo) && !ch.DueTo.IsZero():
			d := "due " + FormatDue(ch.DueTo, rule.Regulation.DueZone())
			if !ch.DueFrom.IsZero() {
				d += "; was " + FormatDue(ch.DueFrom, rule.Regulation.DueZone())
			} else {
				d = "clock started; " + d
			}
			sec.Items = append(sec.Items, Item{Mark: MarkRunning, Text: "due time: " + name, Detail: d})
		}
	}
	return sec, len(sec.Items) > 0
}

func obligationChangedReply(res *incidents.Result, now time.Time, id, verb string) *Reply {
	inc := res.Incident
	o, _ := inc.Obligation(id)
	rep := &Reply{Title: fmt.Sprintf("%s: %s %s", inc.ID, o.ID, verb), Incident: inc.ID}
	rep.Sections = append(rep.Sections, Section{Items: []Item{obligationItem(inc, o, ruleOf(res.Playbook, o.ID), now)}})
	if sec, ok := changesSection(res, now); ok {
		rep.Sections = append(rep.Sections, sec)
	}
	return rep
}
