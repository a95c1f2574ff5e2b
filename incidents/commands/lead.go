package commands

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// The /breach lead and /breach update commands: who leads an incident's
// response, and the status updates that make its running narrative.
func init() {
	specs = append(specs,
		&spec{name: "lead", group: "Record",
			usage:   "/breach lead @someone [--incident ID]",
			summary: "make someone the incident's lead: shown on the board, sent escalations first (leads, or the current lead); without a name, who leads",
			help: "The lead is the person who runs the response; until a lead names one, it is whoever declared the incident. " +
				"The lead is shown on the board and is the first to get a missed deadline's direct message. " +
				"Leads may set it, and so may the current lead, to hand over. In the console, give the user id.\n" +
				"Example: /breach lead @dana",
			flags: []string{incidentFlag}, maxArgs: 1},
		&spec{name: "update", group: "Record",
			usage:   "/breach update TEXT [--incident ID]",
			summary: "post a status update to the incident's channel; it is kept in the timeline and the export",
			help: "Says where things stand, for the channel now and for the record later: every update is in the audit log and the export's timeline, " +
				"the running narrative regulators and boards ask for. Write no customer's name or address in it.\n" +
				"Example: /breach update Contained: the bucket is private again; counting affected customers",
			flags: []string{incidentFlag}, minArgs: 1, maxArgs: -1, missing: "needs the text of the update"},
	)
	incidentCommands["lead"] = (*call).lead
	incidentCommands["update"] = (*call).update
}

// mentionRE matches a Slack user mention as a slash command carries it:
// <@U123ABC|name> or <@U123ABC>.
var mentionRE = regexp.MustCompile(`^<@([A-Za-z0-9._-]+)(\|[^>]*)?>$`)

// ParseUser reads the person a command names: a Slack mention
// (<@U123|name>), or a plain user id with or without a leading @.
func ParseUser(s string) (string, error) {
	s = strings.TrimSpace(s)
	if m := mentionRE.FindStringSubmatch(s); m != nil {
		return m[1], nil
	}
	u := strings.TrimPrefix(s, "@")
	if u == "" || strings.ContainsAny(u, "<>|@ ") {
		return "", incidents.Errorf(incidents.EINVALID, "%q does not name a person", s).
			WithHint("in Slack, mention them: /breach lead @dana; in the console, give their user id: /breach lead dana")
	}
	return u, nil
}

// lead runs /breach lead [@someone]: without a name, it says who leads.
func (c *call) lead(ctx context.Context) (*Reply, error) {
	if len(c.cmd.Args) == 0 {
		res, err := c.r.svc.Get(ctx, c.req.User, c.id)
		if err != nil {
			return nil, err
		}
		inc := res.Incident
		return &Reply{Title: fmt.Sprintf("%s is led by %s", inc.ID, inc.LeadUser()), Incident: inc.ID, Ephemeral: true,
			Sections: []Section{{Note: "A lead, or " + inc.LeadUser() + ", hands it over: /breach lead @someone"}},
			People:   []string{inc.LeadUser()}}, nil
	}
	user, err := ParseUser(c.cmd.Args[0])
	if err != nil {
		return nil, err
	}
	res, err := c.r.svc.SetLead(ctx, c.req.User, c.id, user)
	if err != nil {
		return nil, err
	}
	inc := res.Incident
	if res.Unchanged {
		return &Reply{Title: fmt.Sprintf("%s already leads %s; nothing changed", user, inc.ID), Incident: inc.ID, Ephemeral: true, People: []string{user}}, nil
	}
	return &Reply{Title: fmt.Sprintf("%s now leads %s", user, inc.ID), Incident: inc.ID,
		Sections: []Section{{Text: "Missed deadlines go to " + user + " first, then to the other leads."}},
		People:   []string{user, c.req.User}}, nil
}

// update runs /breach update TEXT. The update itself reaches the channel
// through the outbox; the reply only confirms it to the person.
func (c *call) update(ctx context.Context) (*Reply, error) {
	res, _, err := c.r.svc.PostUpdate(ctx, c.req.User, c.id, strings.Join(c.cmd.Args, " "))
	if err != nil {
		return nil, err
	}
	return &Reply{Title: fmt.Sprintf("Update posted to %s and kept in its timeline", res.Incident.ID), Incident: res.Incident.ID, Ephemeral: true}, nil
}

// updateReply renders a status update from the outbox: who said it, then
// what they said.
func updateReply(n incidents.Notification, rep *Reply, drill string) {
	rep.Title = fmt.Sprintf("%sUpdate on %s from %s", drill, n.Incident, n.Actor)
	rep.Sections = []Section{{Text: n.Text, Note: n.Incident + " · " + n.Title}}
	rep.People = []string{n.Actor}
}
