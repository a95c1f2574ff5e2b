package commands

import (
	"fmt"
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
		fmt.Sprintf("State: %s · Severity: %s · Lead: %s%s", inc.State, inc.Severity, inc.LeadUser(), drillNote(inc)),
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

// declaredReply answers a declaration in a few lines, most urgent first:
// what was declared, the most urgent clock, the next step, how to see more.
// It carries the catalog's disclaimer: the one reply of an incident that
// does (exports carry it too).
func declaredReply(res *incidents.Result, now time.Time) *Reply {
	inc := res.Incident
	rep := &Reply{Title: fmt.Sprintf("%s declared: %s", inc.ID, inc.Title), Incident: inc.ID}
	if inc.Drill {
		rep.Title = fmt.Sprintf("DRILL %s declared: %s", inc.ID, inc.Title)
	}
	rep.Sections = append(rep.Sections, Section{Text: fmt.Sprintf("Severity %s · aware since %s (%s)%s\nplaybook %s v%s, catalog %s",
		inc.Severity, FormatTime(inc.AwareAt()), Relative(inc.AwareAt(), now), drillNote(inc),
		inc.Playbook.ID, inc.Playbook.Version, inc.Playbook.CatalogVersion)})
	rep.Sections = append(rep.Sections, mostUrgentSection(res, now))
	next := nextStepsSection(res, 1)
	next.Heading = "Next"
	for i := range next.Items {
		next.Items[i].Detail = ""
	}
	if len(inc.Facts) == 0 {
		next.Text = "Record what you know: /breach facts jurisdictions=EU,US-CA data=email,password_hash affected=12000 encrypted=no"
	}
	rep.Sections = append(rep.Sections, next)
	more := "/breach deadlines shows every clock · /breach status the whole incident"
	if d := res.Playbook.Catalog.Disclaimer; d != "" {
		more += "\n" + d
	}
	rep.Sections = append(rep.Sections, Section{Note: more})
	return rep
}

// mostUrgentSection names the one obligation to act on first: the earliest
// missed one, else one the law wants at once, else the running clock due
// first, else one without a fixed deadline, else one waiting for its clock
// to start; with none of those, how many need facts and which facts settle
// the most.
func mostUrgentSection(res *incidents.Result, now time.Time) Section {
	inc, pb := res.Incident, res.Playbook
	sec := Section{Heading: "Most urgent"}
	groups, _ := boardGroups(res)
	for _, ph := range phaseHeadings {
		switch ph.phase {
		case incidents.PhaseMissed, phaseImmediate, incidents.PhaseRunning, incidents.PhaseNoDeadline, incidents.PhaseNotStarted:
		default:
			continue
		}
		if obs := groups[ph.phase]; len(obs) > 0 {
			it := obligationItem(inc, obs[0], ruleOf(pb, obs[0].ID), now)
			it.Detail, _, _ = strings.Cut(it.Detail, "\n")
			sec.Items = append(sec.Items, it)
			return sec
		}
	}
	if obs := groups[incidents.PhaseNeedsFacts]; len(obs) > 0 {
		facts := factsThatSettle(obs)
		var top []string
		for _, f := range facts[:min(3, len(facts))] {
			top = append(top, fmt.Sprintf("%s (%d)", f.name, len(f.obligations)))
		}
		sec.Items = append(sec.Items, Item{Mark: MarkBlocked, Text: fmt.Sprintf("No clock runs yet: %d obligations need facts", len(obs)),
			Detail: "most decided by " + strings.Join(top, ", ")})
		return sec
	}
	sec.Text = "No deadline is open."
	return sec
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
	case incidents.NotifyPlaybookUpdate:
		playbookUpdateReply(n, rep, drill)
		return rep
	case incidents.NotifyUpdate:
		updateReply(n, rep, drill)
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
