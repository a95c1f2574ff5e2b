package commands

import (
	"fmt"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

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
	if def.Kind == incidents.StepKindDecision {
		it.Actions = decisionActions(it.Actions)
		detail = append(detail, decisionDetail(inc, st)...)
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

// Checklist renders an incident's playbook checklist with Done and Waive
// actions on open steps.
func Checklist(res *incidents.Result) *Reply { return stepsReply(res) }
