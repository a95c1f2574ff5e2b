package commands

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// FormatTime renders a time for the record: UTC, to the minute.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// FormatDue renders a due time as the law counts it, in its IANA time zone
// with UTC beside it: "2026-11-24 24:00 SGT (2026-11-24 16:00 UTC)". The end
// of a day reads 24:00 on that day, never 00:00 on the next, so a deadline
// never looks a day later (or, in UTC, a day earlier) than the statute's
// last day. An empty or UTC zone gives FormatTime's "2026-11-30 09:00 UTC".
func FormatDue(t time.Time, zone string) string {
	loc := dueLocation(zone)
	if loc == nil || t.IsZero() {
		return FormatTime(t)
	}
	local := t.In(loc)
	text := local.Format("2006-01-02 15:04")
	if h, m, s := local.Clock(); h == 0 && m == 0 && s == 0 && local.Nanosecond() == 0 {
		text = local.AddDate(0, 0, -1).Format("2006-01-02") + " 24:00"
	}
	return fmt.Sprintf("%s %s (%s)", text, zoneLabel(local, zone), FormatTime(t))
}

// dueZones caches the locations FormatDue has loaded: time.LoadLocation
// reads the zone database on every call.
var dueZones sync.Map // string -> *time.Location

// dueLocation returns the location called zone, or nil for UTC, an empty
// name or one that does not load (the catalog's linter refuses those).
func dueLocation(zone string) *time.Location {
	if zone == "" || zone == "UTC" {
		return nil
	}
	if loc, ok := dueZones.Load(zone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil
	}
	dueZones.Store(zone, loc)
	return loc
}

// zoneLabel names t's zone as people read it: its abbreviation (SGT, PST,
// JST) or, where the zone database has only an offset such as "+08", the
// city of the IANA name ("Sao Paulo time").
func zoneLabel(t time.Time, zone string) string {
	abbr := t.Format("MST")
	if abbr != "" && abbr[0] != '+' && abbr[0] != '-' {
		return abbr
	}
	city := zone[strings.LastIndex(zone, "/")+1:]
	return strings.ReplaceAll(city, "_", " ") + " time"
}

// Relative renders how far t is from now: "in 5 h 12 m", "2 h ago".
func Relative(t, now time.Time) string {
	if t.After(now) {
		return "in " + incidents.HumanDuration(t.Sub(now))
	}
	return incidents.HumanDuration(now.Sub(t)) + " ago"
}

func ruleOf(pb *incidents.Playbook, id string) incidents.ObligationRule {
	for _, r := range pb.Obligations {
		if r.ID == id {
			return r
		}
	}
	return incidents.ObligationRule{ID: id, Regulation: incidents.Regulation{Title: id}}
}

func stepDefOf(pb *incidents.Playbook, id string) incidents.StepDef {
	for _, s := range pb.Steps {
		if s.ID == id {
			return s
		}
	}
	return incidents.StepDef{ID: id, Title: id}
}

func pinLine(inc *incidents.Incident) string {
	sha := inc.Playbook.SHA256
	if len(sha) > 12 {
		sha = sha[:12]
	}
	return fmt.Sprintf("playbook %s v%s (sha256 %s), catalog %s", inc.Playbook.ID, inc.Playbook.Version, sha, inc.Playbook.CatalogVersion)
}

func summarySection(inc *incidents.Incident, now time.Time) Section {
	lines := []string{
		fmt.Sprintf("State: %s · Severity: %s%s", inc.State, inc.Severity, drillNote(inc)),
		fmt.Sprintf("Aware since %s (%s)", FormatTime(inc.AwareAt()), Relative(inc.AwareAt(), now)),
		"Running " + pinLine(inc),
	}
	return Section{Text: strings.Join(lines, "\n")}
}

func drillNote(inc *incidents.Incident) string {
	switch {
	case !inc.Drill:
		return ""
	case inc.Speed > 1:
		return fmt.Sprintf(" · DRILL: legal clocks run %d times faster; notices never reach customers", inc.Speed)
	}
	return " · DRILL: notices never reach customers"
}

func declaredReply(res *incidents.Result, now time.Time) *Reply {
	inc := res.Incident
	rep := &Reply{Title: fmt.Sprintf("%s declared: %s", inc.ID, inc.Title), Incident: inc.ID}
	if inc.Drill {
		rep.Title = fmt.Sprintf("DRILL %s declared: %s", inc.ID, inc.Title)
	}
	rep.Sections = append(rep.Sections, summarySection(inc, now))
	rep.Sections = append(rep.Sections, deadlineSections(res, now, false)...)
	rep.Sections = append(rep.Sections, nextStepsSection(res, 3))
	if len(inc.Facts) == 0 {
		rep.Sections = append(rep.Sections, Section{Heading: "Next", Text: "Record what you know so the bot can tell which laws apply:\n" +
			"/breach facts jurisdictions=EU,US-CA data=email,password_hash affected=12000 encrypted=no"})
	}
	return rep
}

func listReply(incs []*incidents.Incident, all bool) *Reply {
	title := "Open incidents"
	if all {
		title = "All incidents"
	}
	rep := &Reply{Title: title, Ephemeral: true}
	if len(incs) == 0 {
		rep.Sections = []Section{{Text: "None. Declare one with /breach declare TITLE --aware TIME"}}
		return rep
	}
	var items []Item
	for _, inc := range incs {
		mark := MarkRunning
		if inc.State == incidents.StateClosed {
			mark = MarkDone
		}
		missed := 0
		for i := range inc.Obligations {
			if inc.Obligations[i].Phase() == incidents.PhaseMissed {
				missed++
			}
		}
		detail := fmt.Sprintf("%s · %s · declared %s", inc.State, inc.Severity, FormatTime(inc.DeclaredAt))
		if missed > 0 {
			mark = MarkMissed
			detail += fmt.Sprintf(" · %d MISSED deadline(s)", missed)
		}
		items = append(items, Item{Mark: mark, Text: inc.ID + " " + inc.Title, Detail: detail})
	}
	rep.Sections = []Section{{Items: items, Note: "/breach status --incident ID for one of them"}}
	return rep
}

func statusReply(res *incidents.Result, now time.Time) *Reply {
	inc := res.Incident
	rep := &Reply{Title: fmt.Sprintf("%s: %s", inc.ID, inc.Title), Incident: inc.ID}
	rep.Sections = append(rep.Sections, summarySection(inc, now))
	done := 0
	for _, s := range inc.Steps {
		if s.Finished() {
			done++
		}
	}
	secs := deadlineSections(res, now, false)
	rep.Sections = append(rep.Sections, secs...)
	next := nextStepsSection(res, 3)
	next.Heading = fmt.Sprintf("Steps: %d of %d finished", done, len(inc.Steps))
	rep.Sections = append(rep.Sections, next)
	if len(inc.Facts) > 0 {
		rep.Sections = append(rep.Sections, Section{Heading: "Facts", Text: factsText(inc.Facts)})
	}
	return rep
}

func factsText(f incidents.Facts) string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(f)) {
		lines = append(lines, fmt.Sprintf("%s=%s", k, f[k].String()))
	}
	return strings.Join(lines, "\n")
}

// nextStepsSection lists up to n open steps whose prerequisites are finished.
func nextStepsSection(res *incidents.Result, n int) Section {
	inc, pb := res.Incident, res.Playbook
	sec := Section{Heading: "Next steps"}
	for _, st := range inc.Steps {
		if st.Finished() || len(sec.Items) >= n {
			continue
		}
		def := stepDefOf(pb, st.ID)
		ready := true
		for _, r := range def.Requires {
			if req, ok := inc.Step(r); ok && !req.Finished() {
				ready = false
			}
		}
		if ready {
			sec.Items = append(sec.Items, stepItem(inc, def, st))
		}
	}
	if len(sec.Items) == 0 {
		sec.Text = "Every step is done or waived."
	}
	return sec
}

func stepItem(inc *incidents.Incident, def incidents.StepDef, st incidents.Step) Item {
	it := Item{Text: fmt.Sprintf("%s · %s (%s)", st.ID, def.Title, def.Owner)}
	var detail []string
	switch st.Status {
	case incidents.StepDone:
		it.Mark = MarkDone
		detail = append(detail, fmt.Sprintf("done %s by %s", FormatTime(st.At), st.By))
		if st.Note != "" {
			detail = append(detail, "note: "+st.Note)
		}
	case incidents.StepWaived:
		it.Mark = MarkWaived
		detail = append(detail, fmt.Sprintf("waived %s by %s: %s", FormatTime(st.At), st.By, st.Note))
	default:
		it.Mark = MarkOpen
		var open []string
		for _, r := range def.Requires {
			if req, ok := inc.Step(r); ok && !req.Finished() {
				open = append(open, r)
			}
		}
		if len(open) > 0 {
			it.Mark = MarkWait
			detail = append(detail, "after "+strings.Join(open, ", "))
		}
		if def.Gate != "" {
			detail = append(detail, "needed before "+string(def.Gate))
		}
		if def.ThirdParty {
			detail = append(detail, "involves processors, vendors or partners")
		}
		if inc.State != incidents.StateClosed {
			it.Actions = []Action{
				{ID: "step_done", Label: "Done", Value: inc.ID + " " + st.ID, Command: "/breach step done " + st.ID, Style: "primary"},
				{ID: "step_waive", Label: "Waive", Value: inc.ID + " " + st.ID, Command: "/breach step waive " + st.ID + " REASON"},
			}
		}
	}
	it.Detail = strings.Join(detail, " · ")
	return it
}

func stepsReply(res *incidents.Result) *Reply {
	inc, pb := res.Incident, res.Playbook
	rep := &Reply{Title: fmt.Sprintf("%s checklist (%s v%s)", inc.ID, inc.Playbook.ID, inc.Playbook.Version), Incident: inc.ID}
	sec := Section{}
	for _, st := range inc.Steps {
		sec.Items = append(sec.Items, stepItem(inc, stepDefOf(pb, st.ID), st))
	}
	sec.Note = "/breach step done STEP · /breach step waive STEP REASON"
	rep.Sections = []Section{sec}
	return rep
}

func stepChangedReply(res *incidents.Result, stepID string) *Reply {
	inc := res.Incident
	st, _ := inc.Step(stepID)
	rep := &Reply{Title: fmt.Sprintf("%s: step %s %s", inc.ID, st.ID, st.Status), Incident: inc.ID}
	rep.Sections = append(rep.Sections, nextStepsSection(res, 3))
	return rep
}

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

// deadlineSections renders the deadlines board, one section per phase.
func deadlineSections(res *incidents.Result, now time.Time, all bool) []Section {
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
	sort.SliceStable(groups[incidents.PhaseRunning], func(i, j int) bool {
		return groups[incidents.PhaseRunning][i].Due.Before(groups[incidents.PhaseRunning][j].Due)
	})
	var out []Section
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
			out = append(out, Section{Note: fmt.Sprintf("%d obligation(s) do not apply on the facts recorded; /breach deadlines --all shows them and why", len(obs))})
			continue
		}
		sec := Section{Heading: fmt.Sprintf("%s (%d)", ph.heading, len(obs))}
		for _, o := range obs {
			sec.Items = append(sec.Items, obligationItem(inc, o, ruleOf(pb, o.ID), now))
		}
		out = append(out, sec)
	}
	if len(out) > 0 {
		out[0].Heading = "Deadlines · " + out[0].Heading
		if out[0].Heading == "Deadlines · " {
			out[0].Heading = "Deadlines"
		}
	}
	if pb.Catalog.Disclaimer != "" {
		out = append(out, Section{Note: pb.Catalog.Disclaimer})
	}
	return out
}

// needsFactsSection groups obligations that need facts by the fact that
// would settle them, most useful first: one line a fact, not one a law.
func needsFactsSection(id string, pb *incidents.Playbook, obs []*incidents.Obligation) Section {
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
	sec := Section{Heading: fmt.Sprintf("Needs facts (%d obligations)", len(obs))}
	for _, name := range order {
		ids := byFact[name]
		list := strings.Join(ids, ", ")
		if len(ids) > 6 {
			list = strings.Join(ids[:6], ", ") + fmt.Sprintf(" and %d more", len(ids)-6)
		}
		it := Item{Mark: MarkBlocked, Text: fmt.Sprintf("%s: decides %d (%s)", name, len(ids), list)}
		if def, ok := pb.FactDefByName(name); ok {
			it.Detail = def.Description
			if ex := def.Example(); ex != "" {
				if it.Detail != "" {
					it.Detail += "\n"
				}
				it.Detail += ex
			}
		}
		if len(sec.Items) == 0 {
			// One button for all of them (Slack: a form with a field a fact).
			it.Actions = []Action{{ID: "facts_form", Label: "Record facts", Value: id + " facts", Command: "/breach facts NAME=VALUE ... --incident " + id}}
		}
		sec.Items = append(sec.Items, it)
	}
	sec.Note = "/breach deadlines --all lists each obligation and what it needs"
	return sec
}

// Board renders an incident's deadlines board: the message Slack keeps
// updated in place in the incident channel.
func Board(res *incidents.Result, now time.Time) *Reply { return deadlinesReply(res, now, false) }

// Checklist renders an incident's playbook checklist with Done and Waive
// actions on open steps.
func Checklist(res *incidents.Result) *Reply { return stepsReply(res) }

func deadlinesReply(res *incidents.Result, now time.Time, all bool) *Reply {
	inc := res.Incident
	rep := &Reply{Title: fmt.Sprintf("%s deadlines: %s", inc.ID, inc.Title), Incident: inc.ID}
	rep.Sections = append(rep.Sections, Section{Text: fmt.Sprintf("Aware since %s (%s) · %s", FormatTime(inc.AwareAt()), Relative(inc.AwareAt(), now), pinLine(inc))})
	rep.Sections = append(rep.Sections, deadlineSections(res, now, all)...)
	return rep
}

// changesSection explains how obligations changed.
func changesSection(res *incidents.Result) (Section, bool) {
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
			sec.Items = append(sec.Items, Item{Mark: MarkUrgent, Text: "now applies: " + name, Detail: "because " + strings.Join(ch.Why, "; ")})
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

func obligationChangedReply(res *incidents.Result, now time.Time, id, verb string) *Reply {
	inc := res.Incident
	o, _ := inc.Obligation(id)
	rep := &Reply{Title: fmt.Sprintf("%s: %s %s", inc.ID, o.ID, verb), Incident: inc.ID}
	rep.Sections = append(rep.Sections, Section{Items: []Item{obligationItem(inc, o, ruleOf(res.Playbook, o.ID), now)}})
	if sec, ok := changesSection(res); ok {
		rep.Sections = append(rep.Sections, sec)
	}
	return rep
}

func movedReply(res *incidents.Result, now time.Time) *Reply {
	inc := res.Incident
	rep := &Reply{Title: fmt.Sprintf("%s is now %s", inc.ID, inc.State), Incident: inc.ID}
	if inc.State == incidents.StateClosed {
		rep.Sections = append(rep.Sections, Section{Text: "Closed. The record stays; /breach export --incident " + inc.ID + " gives it for regulators."})
		return rep
	}
	rep.Sections = append(rep.Sections, summarySection(inc, now), nextStepsSection(res, 3))
	return rep
}

// NotificationReply renders a reminder or escalation from the outbox.
func NotificationReply(n incidents.Notification, now time.Time) *Reply {
	rep := &Reply{Incident: n.Incident}
	drill := ""
	if n.Drill {
		drill = "[DRILL] "
	}
	var lines []string
	switch n.Kind {
	case incidents.NotifyNoticeApproval, incidents.NotifyNoticeDecision, incidents.NotifyNoticeProgress:
		noticeNotificationReply(n, rep, drill)
		return rep
	case incidents.NotifyReminder:
		rep.Title = fmt.Sprintf("%sReminder: %s for %s is due %s", drill, n.ObligationTitle, n.Incident, Relative(n.Due, now))
		lines = append(lines, fmt.Sprintf("Due %s (%s reminder). When it is done: /breach met %s --ref REFERENCE --incident %s", FormatDue(n.Due, n.DueZone), n.Label, n.Obligation, n.Incident))
	case incidents.NotifyEscalation:
		rep.Title = fmt.Sprintf("%sMISSED: %s for %s was due %s", drill, n.ObligationTitle, n.Incident, FormatDue(n.Due, n.DueZone))
		lines = append(lines, fmt.Sprintf("It is not recorded as met. Notify now, then: /breach met %s --ref REFERENCE --delay-reason \"...\" --incident %s", n.Obligation, n.Incident),
			"If it does not apply: /breach waive "+n.Obligation+" REASON --incident "+n.Incident)
	default:
		rep.Title = drill + n.Text
	}
	if n.Status != "" && n.Status != incidents.StatusInForce {
		lines = append(lines, "status of this rule: "+strings.ToUpper(n.Status)+" — check with counsel")
	}
	if n.Late > 0 {
		lines = append(lines, fmt.Sprintf("This message is %s late: breachbot was not running when it came due.", incidents.HumanDuration(n.Late)))
	}
	rep.Sections = []Section{{Text: strings.Join(lines, "\n"), Note: n.Incident + " · " + n.Title}}
	return rep
}

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
