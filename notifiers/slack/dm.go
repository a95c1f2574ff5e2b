package slack

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// Direct messages that carry an incident outside its channel: the approval
// request a member of legal keeps after deciding, and the escalation of a
// missed deadline sent to each lead.

// decidedRequest is an approval request after the decision: the preview is
// kept, the decision and who made it lead the message, the Approve and
// Reject buttons are gone, and the next step is addressed to the people who
// take it (the leads send an approved notice; its drafter drafts a rejected
// one again).
func decidedRequest(n incidents.Notification, leads []string, now time.Time) *commands.Reply {
	info := n.Notice
	req := n
	req.Kind = incidents.NotifyNoticeApproval
	rep := commands.NotificationReply(req, now)
	decision := info.Decision
	if decision == "" {
		decision = string(info.State)
	}
	drill := ""
	if n.Drill {
		drill = "[DRILL] "
	}
	rep.Title = fmt.Sprintf("%sNotice %s of %s: %s", drill, info.ID, n.Incident, strings.ToUpper(decision))
	for i := range rep.Sections {
		rep.Sections[i].Items = slices.DeleteFunc(rep.Sections[i].Items, func(it commands.Item) bool {
			return slices.ContainsFunc(it.Actions, func(a commands.Action) bool { return a.ID == "notice_approve" || a.ID == "notice_reject" })
		})
	}
	at := n.Created
	if at.IsZero() {
		at = now
	}
	done := commands.Item{Mark: commands.MarkDone, Text: fmt.Sprintf("%s by %s, %s", capitalize(decision), n.Actor, commands.FormatTime(at))}
	people := []string{n.Actor}
	var next commands.Item
	switch decision {
	case "approved":
		who := "a lead or legal"
		if len(leads) > 0 {
			who = strings.Join(leads, ", ")
			people = append(people, leads...)
		}
		next = commands.Item{Mark: commands.MarkUrgent, Text: fmt.Sprintf("Next, %s: test-send it, then send it", who),
			Detail: fmt.Sprintf("/breach notice test %s --incident %s, then /breach notice send %s --incident %s", info.ID, n.Incident, info.ID, n.Incident)}
	case "rejected":
		done.Mark = commands.MarkWaived
		if info.Reason != "" {
			done.Detail = "reason: " + info.Reason
		}
		who := strings.Join(uniqueIDs(info.DraftedBy, info.SubmittedBy), ", ")
		if who == "" {
			who = "responders"
		}
		people = append(people, info.DraftedBy, info.SubmittedBy)
		next = commands.Item{Mark: commands.MarkUrgent, Text: fmt.Sprintf("Next, %s: draft it again with the reason in mind, then submit it", who),
			Detail: fmt.Sprintf("/breach notice draft ... --incident %s, then /breach notice submit --incident %s", n.Incident, n.Incident)}
	default:
		done.Mark = commands.MarkWaived
		if info.Reason != "" {
			done.Detail = "reason: " + info.Reason
		}
		next = commands.Item{Mark: commands.MarkInfo, Text: "Nothing more to decide: this notice will not be sent"}
	}
	rep.Sections = append([]commands.Section{{Items: []commands.Item{done, next}}}, rep.Sections...)
	rep.People = compactPeople(append(people, info.DraftedBy, info.SubmittedBy))
	return rep
}

// escalationDM is the escalation of a missed deadline as a lead reads it
// by direct message: what was missed, Met and Waive buttons for it, and
// (added when posted) a link to the incident's channel.
func escalationDM(n incidents.Notification, now time.Time) *commands.Reply {
	rep := commands.NotificationReply(n, now)
	rep.People = notificationPeople(n)
	if n.Obligation == "" {
		return rep
	}
	value := n.Incident + " " + n.Obligation
	rep.Sections = append(rep.Sections, commands.Section{Items: []commands.Item{{
		Mark: commands.MarkMissed, Text: n.Obligation + " · " + n.ObligationTitle,
		Actions: []commands.Action{
			{ID: "obligation_met", Label: "Met", Value: value, Command: "/breach met " + n.Obligation + " --ref REFERENCE --incident " + n.Incident, Style: "primary"},
			{ID: "obligation_waive", Label: "Waive", Value: value, Command: "/breach waive " + n.Obligation + " REASON --incident " + n.Incident},
		},
	}}})
	return rep
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func uniqueIDs(xs ...string) []string { return compactPeople(xs) }
