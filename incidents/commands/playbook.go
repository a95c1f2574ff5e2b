package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// The /breach playbook command: see what a newer version of the incident's
// playbook changes, and move the incident to it (leads).
func init() {
	specs = append(specs, &spec{name: "playbook", group: "Lifecycle",
		usage:   "/breach playbook diff|upgrade [--incident ID]",
		summary: "diff: what the current version of the incident's playbook changes; upgrade: move the incident to it (leads)",
		help: "The incident stays on the playbook version it started with until a lead upgrades it. " +
			"/breach playbook diff shows the steps and obligations the current version adds, removes or changes. " +
			"/breach playbook upgrade moves the incident to it: finished steps stay finished, steps the new version dropped stay in the record as done under the old version, " +
			"new steps start open, and every legal clock is recomputed (met and waived obligations stay so). " +
			"Example: /breach playbook upgrade --incident INC-2026-0001",
		flags: []string{incidentFlag}, minArgs: 1, maxArgs: 1, missing: "needs diff or upgrade"})
	incidentCommands["playbook"] = (*call).playbook
}

func (c *call) playbook(ctx context.Context) (*Reply, error) {
	switch verb := strings.ToLower(c.cmd.Args[0]); verb {
	case "upgrade":
		res, diff, err := c.r.svc.UpgradePlaybook(ctx, c.req.User, c.id)
		if err != nil {
			return nil, err
		}
		return upgradedReply(res, diff, c.r.svc.Clock().Now()), nil
	case "diff":
		res, diff, err := c.r.svc.PlaybookUpdate(ctx, c.req.User, c.id)
		if err != nil {
			return nil, err
		}
		if res.Unchanged {
			return &Reply{Title: fmt.Sprintf("%s runs the current version of playbook %s (v%s)", res.Incident.ID, res.Incident.Playbook.ID, res.Incident.Playbook.Version),
				Incident: res.Incident.ID, Ephemeral: true}, nil
		}
		rep := DiffReply(*diff)
		rep.Incident, rep.Ephemeral = res.Incident.ID, true
		rep.Sections = append(rep.Sections, Section{Note: "A lead moves " + res.Incident.ID + " to it: /breach playbook upgrade"})
		return rep, nil
	}
	return nil, incidents.Errorf(incidents.EINVALID, "unknown playbook action %q", c.cmd.Args[0]).
		WithHint("/breach playbook diff (what changes) or /breach playbook upgrade (leads)")
}

// upgradedReply says which version the incident now runs, then how its
// deadlines changed (most urgent), then what changed in the playbook.
func upgradedReply(res *incidents.Result, diff *incidents.PlaybookDiff, now time.Time) *Reply {
	inc := res.Incident
	if res.Unchanged {
		return &Reply{Title: fmt.Sprintf("%s already runs the current version of playbook %s (v%s); nothing to upgrade", inc.ID, inc.Playbook.ID, inc.Playbook.Version),
			Incident: inc.ID}
	}
	ch := inc.PinHistory[len(inc.PinHistory)-1]
	rep := &Reply{Title: fmt.Sprintf("%s now runs playbook %s v%s (was v%s)", inc.ID, ch.To.ID, ch.To.Version, ch.From.Version), Incident: inc.ID}
	if sec, ok := changesSection(res, now); ok {
		rep.Sections = append(rep.Sections, sec)
	}
	var dropped []string
	for _, o := range ch.Dropped {
		dropped = append(dropped, fmt.Sprintf("%s (was %s)", o.ID, strings.ReplaceAll(string(o.Phase()), "_", " ")))
	}
	if len(dropped) > 0 {
		rep.Sections = append(rep.Sections, Section{Heading: "Obligations no longer in the playbook",
			Text: strings.Join(dropped, ", "), Note: "their reminders are cancelled; the export keeps them"})
	}
	if len(ch.DroppedSteps) > 0 {
		rep.Sections = append(rep.Sections, Section{Heading: "Open steps no longer in the playbook", Text: strings.Join(ch.DroppedSteps, ", ")})
	}
	rep.Sections = append(rep.Sections, DiffReply(*diff).Sections...)
	rep.Sections = append(rep.Sections, Section{Note: fmt.Sprintf("Steps finished under v%s stay in the record. /breach steps shows the checklist now.", ch.From.Version)})
	return rep
}

// DiffReply lists what changed between two versions of a playbook: steps,
// then obligations, removals first.
func DiffReply(d incidents.PlaybookDiff) *Reply {
	title := fmt.Sprintf("Playbook %s: v%s → v%s", d.To.ID, d.From.Version, d.To.Version)
	if d.From.ID != d.To.ID {
		title = fmt.Sprintf("Playbook %s v%s → %s v%s", d.From.ID, d.From.Version, d.To.ID, d.To.Version)
	}
	rep := &Reply{Title: title}
	if d.Empty() {
		rep.Sections = []Section{{Text: "No step or obligation changed."}}
		return rep
	}
	for _, g := range []struct {
		heading string
		items   []incidents.ItemChange
	}{{"Steps", d.Steps}, {"Obligations", d.Obligations}} {
		if len(g.items) == 0 {
			continue
		}
		sec := Section{Heading: g.heading}
		for _, kind := range []string{incidents.ItemRemoved, incidents.ItemChanged, incidents.ItemAdded} {
			for _, c := range g.items {
				if c.Kind != kind {
					continue
				}
				it := Item{Mark: MarkInfo, Text: kind + ": " + c.ID, Detail: c.Summary}
				if kind == incidents.ItemChanged {
					it.Detail = strings.Join(c.Fields, "; ")
				}
				sec.Items = append(sec.Items, it)
			}
		}
		rep.Sections = append(rep.Sections, sec)
	}
	return rep
}

// playbookUpdateReply renders a NotifyPlaybookUpdate: its first line is
// the headline, the rest the changes.
func playbookUpdateReply(n incidents.Notification, rep *Reply, drill string) {
	head, rest, _ := strings.Cut(n.Text, "\n")
	rep.Title = drill + head
	rep.Sections = []Section{{Text: rest, Note: n.Incident + " · " + n.Title}}
}

// pinHistoryRows renders an incident's playbook upgrades as rows of the
// export's summary table, oldest first.
func pinHistoryRows(inc *incidents.Incident, who func(string) string) []string {
	var rows []string
	for _, ch := range inc.PinHistory {
		row := fmt.Sprintf("| Playbook until %s | %s v%s, sha256 `%s` (%s); upgraded to v%s by %s",
			FormatTime(ch.At), ch.From.ID, ch.From.Version, ch.From.SHA256, mdEscape(ch.From.Source), ch.To.Version, who(ch.By))
		var dropped []string
		for _, o := range ch.Dropped {
			dropped = append(dropped, fmt.Sprintf("%s (%s)", o.ID, strings.ReplaceAll(string(o.Phase()), "_", " ")))
		}
		if len(dropped) > 0 {
			row += "; obligations dropped: " + strings.Join(dropped, ", ")
		}
		if len(ch.DroppedSteps) > 0 {
			row += "; open steps dropped: " + strings.Join(ch.DroppedSteps, ", ")
		}
		rows = append(rows, row+" |")
	}
	return rows
}

// stepStatusText is a step's status for the record, naming the playbook
// version of a step that an upgrade dropped.
func stepStatusText(s incidents.Step) string {
	if s.FromVersion != "" {
		return fmt.Sprintf("%s (playbook v%s)", s.Status, s.FromVersion)
	}
	return string(s.Status)
}
