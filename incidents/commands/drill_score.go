package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// drillScore is the short score a drill ends with when it closes: the
// deadlines it would have met or missed, each step's time in drill time
// (the legal time the drill's speed stands for) and in real time, and the
// steps it skipped. Missed deadlines come first. It is empty for a real
// incident or one not closed.
func drillScore(res *incidents.Result) []Section {
	inc, pb := res.Incident, res.Playbook
	if !inc.Drill || inc.State != incidents.StateClosed {
		return nil
	}
	speed := time.Duration(max(inc.Speed, 1))
	drill := func(real time.Duration) string { return incidents.HumanDuration(real * speed) }

	var late, inTime, waived, other []Item
	for _, o := range inc.Obligations {
		if o.Applies != incidents.Applies {
			continue
		}
		it := Item{Text: o.ID}
		switch {
		case o.Status == incidents.ObligationMet && o.Late() > 0:
			it.Mark = MarkMissed
			it.Text += fmt.Sprintf(": would have been MISSED, met %s late", drill(o.Late()))
			late = append(late, it)
		case o.Status == incidents.ObligationMet && o.Due.IsZero():
			it.Mark = MarkDone
			it.Text += ": met (no fixed deadline)"
			if !o.Start.IsZero() {
				it.Text += fmt.Sprintf(", %s after its clock started", drill(o.MetAt.Sub(o.Start)))
			}
			inTime = append(inTime, it)
		case o.Status == incidents.ObligationMet:
			it.Mark = MarkDone
			it.Text += fmt.Sprintf(": would have been met, with %s to spare", drill(o.Due.Sub(o.MetAt)))
			if !o.Start.IsZero() {
				it.Detail = fmt.Sprintf("used %s of %s", drill(o.MetAt.Sub(o.Start)), drill(o.Due.Sub(o.Start)))
			}
			inTime = append(inTime, it)
		case o.Status == incidents.ObligationWaived:
			it.Mark = MarkWaived
			it.Text += ": waived: " + o.WaiveReason
			if !o.MissedAt.IsZero() {
				it.Text += " (after its deadline had passed)"
			}
			waived = append(waived, it)
		default:
			it.Mark = MarkInfo
			it.Text += ": " + strings.ReplaceAll(string(o.Phase()), "_", " ")
			other = append(other, it)
		}
	}

	var steps, skipped []Item
	for _, st := range inc.Steps {
		def := stepDefOf(pb, st.ID)
		switch st.Status {
		case incidents.StepWaived:
			skipped = append(skipped, Item{Mark: MarkWaived, Text: fmt.Sprintf("%s: %s (%s)", st.ID, st.Note, st.By)})
		case incidents.StepDone:
			took := st.At.Sub(stepReady(inc, def))
			steps = append(steps, Item{Mark: MarkDone, Text: fmt.Sprintf("%s: %s drill · %s real", st.ID, drill(took), realDuration(took))})
		}
	}

	total := inc.ClosedAt.Sub(inc.DeclaredAt)
	head := Section{Heading: "Drill score", Text: fmt.Sprintf(
		"Deadlines: %d would have been missed, %d met in time, %d waived. Steps: %d done, %d skipped.\n"+
			"Took %s real, %s in drill time (speed %d).",
		len(late), len(inTime), len(waived), len(steps), len(skipped),
		realDuration(total), drill(total), speed)}
	out := []Section{head}
	if d := append(append(append(late, inTime...), waived...), other...); len(d) > 0 {
		out = append(out, Section{Heading: "Deadlines", Items: d})
	}
	if len(steps) > 0 {
		out = append(out, Section{Heading: "Time per step (from when it could start)", Items: steps})
	}
	if len(skipped) > 0 {
		out = append(out, Section{Heading: "Skipped", Items: skipped})
	}
	return out
}

// stepReady is when a step could start: when the last of the steps it
// requires was finished, or the declaration if it requires none.
func stepReady(inc *incidents.Incident, def incidents.StepDef) time.Time {
	ready := inc.DeclaredAt
	for _, r := range def.Requires {
		if req, ok := inc.Step(r); ok && req.Finished() && req.At.After(ready) {
			ready = req.At
		}
	}
	return ready
}

// realDuration renders a real-time span to the second under an hour
// ("20m30s", "45s"), to the minute above ("1h28m").
func realDuration(d time.Duration) string {
	d = d.Round(time.Second)
	if d >= time.Hour || d%time.Minute == 0 {
		return incidents.FormatDuration(d)
	}
	if d < time.Minute {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dm%02ds", d/time.Minute, d%time.Minute/time.Second)
}
