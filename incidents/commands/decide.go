package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// decide runs /breach decide STEP notify|no-notify [--jurisdiction X] --reason "...".
func (c *call) decide(ctx context.Context) (*Reply, error) {
	step, word := c.cmd.Args[0], strings.ToLower(c.cmd.Args[1])
	var notify bool
	switch word {
	case "notify":
		notify = true
	case "no-notify", "do-not-notify", "dont-notify", "not-notify":
	default:
		return nil, incidents.Errorf(incidents.EINVALID, "%q is not a decision: type notify or no-notify", c.cmd.Args[1]).
			WithHint(`/breach decide %s no-notify --jurisdiction DE --reason "the attachment was encrypted and the key was not sent"`, step)
	}
	res, err := c.r.svc.Decide(ctx, c.req.User, c.id, incidents.DecideInput{
		Step: step, Notify: notify, Jurisdiction: c.cmd.Flags["jurisdiction"], Reason: c.cmd.Flags["reason"],
	})
	if err != nil {
		return nil, err
	}
	return decidedReply(res, step), nil
}

// decidedReply answers a recorded decision: what was decided, whether the
// step is now done or which jurisdictions still wait, then the next steps.
func decidedReply(res *incidents.Result, stepID string) *Reply {
	inc := res.Incident
	st, _ := inc.Step(stepID)
	last := st.Decisions[len(st.Decisions)-1]
	rep := &Reply{Title: fmt.Sprintf("%s: %s decided %s for %s", inc.ID, st.ID, last.Outcome(), last.Scope()), Incident: inc.ID}
	sec := Section{Heading: "Decisions"}
	if missing, known := inc.Undecided(*st); !known {
		sec.Text = "Still open: the incident's jurisdictions are not recorded, so it is not known which need a decision."
	} else if len(missing) > 0 {
		sec.Text = "Still to decide: " + strings.Join(missing, ", ")
	} else if st.Status == incidents.StepDone {
		sec.Text = fmt.Sprintf("Step %s is done: every jurisdiction has a decision.", st.ID)
	}
	sec.Items = decisionItems(*st)
	rep.Sections = append(rep.Sections, sec, nextStepsSection(res, 3))
	return rep
}

// decisionItems lists a decision step's decisions that hold, one a line.
func decisionItems(st incidents.Step) []Item {
	var out []Item
	for _, d := range st.CurrentDecisions() {
		out = append(out, Item{Mark: MarkInfo, Text: fmt.Sprintf("%s: %s", d.Scope(), d.Outcome()),
			Detail: fmt.Sprintf("%s by %s: %s", FormatTime(d.At), d.By, d.Reason)})
	}
	return out
}

// decisionDetail summarises a decision step for the checklist: the
// decisions that hold and the jurisdictions still undecided.
func decisionDetail(inc *incidents.Incident, st incidents.Step) []string {
	var out []string
	for _, d := range st.CurrentDecisions() {
		out = append(out, fmt.Sprintf("%s: %s (%s)", d.Scope(), d.Outcome(), d.Reason))
	}
	if st.Status == incidents.StepWaived {
		return out
	}
	switch missing, known := inc.Undecided(st); {
	case !known:
		out = append(out, "jurisdictions not recorded yet")
	case len(missing) > 0:
		out = append(out, "to decide: "+strings.Join(missing, ", "))
	}
	return out
}

// decisionActions drops the Done button of a decision step: it is done by
// its decisions (/breach decide), and waiving stays possible.
func decisionActions(actions []Action) []Action {
	var out []Action
	for _, a := range actions {
		if a.ID != "step_done" {
			out = append(out, a)
		}
	}
	return out
}

// decisionsMarkdown is the export's section of notify / do-not-notify
// decisions: every decision recorded, oldest first, with the later ones
// that replaced it marked; empty when no step has a decision.
func decisionsMarkdown(inc *incidents.Incident, who func(string) string) string {
	var b strings.Builder
	for _, st := range inc.Steps {
		if len(st.Decisions) == 0 {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\n## Notification decisions\n\n| Step | Jurisdiction | Decision | Reasons | By | When | Holds |\n|---|---|---|---|---|---|---|\n")
		}
		for i, d := range st.Decisions {
			holds := "yes"
			for _, later := range st.Decisions[i+1:] {
				if later.Jurisdiction == d.Jurisdiction {
					holds = "no: replaced " + FormatTime(later.At)
					break
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", st.ID, d.Scope(), d.Outcome(), mdEscape(d.Reason), who(d.By), FormatTime(d.At), holds)
		}
		if st.Status == incidents.StepWaived {
			continue
		}
		if missing, known := inc.Undecided(st); !known {
			fmt.Fprintf(&b, "| %s | jurisdictions not recorded | undecided | no decision recorded | - | - | - |\n", st.ID)
		} else {
			for _, j := range missing {
				fmt.Fprintf(&b, "| %s | %s | undecided | no decision recorded | - | - | - |\n", st.ID, j)
			}
		}
	}
	return b.String()
}
