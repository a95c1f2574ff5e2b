package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// The App Home tab: what one person has to do, most urgent first. It is
// published (views.publish) when they open it (app_home_opened). It shows
// only incidents the person may see (their roles allow viewing), and of
// those only ids, titles, states, leads, steps and deadlines: never facts,
// notices or anyone affected.

// homeLimit bounds each list of the App Home, so it stays one glance.
const homeLimit = 10

// homeItem is one line of the App Home with the time that orders it.
type homeItem struct {
	text string
	due  time.Time
	// waits marks a step that waits for others: it comes after those
	// that can be done now.
	waits bool
}

// EventsHandler serves POST /slack/events: the Events API over HTTP
// (app_home_opened; Slack's url_verification when the URL is set). Requests
// are verified like commands; a retried event (same event_id) runs once.
func (b *Bot) EventsHandler() http.Handler {
	return b.verifiedBody(maxEventBody, func(body []byte) (string, func() any, error) {
		e, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
		if err != nil {
			return "", nil, fmt.Errorf("event not understood: %w", err)
		}
		if v, ok := e.Data.(*slackevents.EventsAPIURLVerificationEvent); ok {
			return "", func() any { return map[string]string{"challenge": v.Challenge} }, nil
		}
		var id struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(body, &id)
		trigger := ""
		if id.EventID != "" {
			trigger = "event:" + id.EventID
		}
		return trigger, func() any { b.event(e); return nil }, nil
	})
}

// appHomeOpened publishes the App Home of the person who opened it, in the
// background (the event is acknowledged at once).
func (b *Bot) appHomeOpened(ev *slackevents.AppHomeOpenedEvent) {
	if ev == nil || ev.Tab != "home" || ev.User == "" {
		return
	}
	b.spawn(func(ctx context.Context) {
		if err := b.PublishHome(ctx, ev.User); err != nil {
			b.log.Error("slack: publish the App Home", "user", ev.User, "err", err)
		}
	})
}

// PublishHome builds the App Home of user and publishes it with
// views.publish.
func (b *Bot) PublishHome(ctx context.Context, user string) error {
	blocks, err := b.homeBlocks(ctx, user)
	if err != nil {
		return err
	}
	_, err = b.client.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user,
		View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}})
	if err != nil {
		return apiError("views.publish", err)
	}
	return nil
}

// homeBlocks renders the App Home of user: the next running clocks, then
// their steps, then their incidents.
func (b *Bot) homeBlocks(ctx context.Context, user string) ([]slack.Block, error) {
	roles, err := b.dir.Roles(ctx, user)
	if err != nil {
		return nil, err
	}
	blocks := []slack.Block{slack.NewHeaderBlock(plain("breachbot"))}
	if len(roles) == 0 {
		return append(blocks, slack.NewSectionBlock(mrkdwn("You hold no breachbot role, so no incident is shown here. "+
			"Ask a lead to add your user id to roles in breachbot.yaml."), nil, nil)), nil
	}
	err = b.svc.Authorize(ctx, user, incidents.ActView, "")
	if incidents.ErrorCode(err) == incidents.EFORBIDDEN {
		return append(blocks, slack.NewSectionBlock(mrkdwn(escape(incidents.ErrorMessage(err))), nil, nil)), nil
	}
	if err != nil {
		return nil, err
	}
	// The summaries list the open incidents (in id order); each is read
	// and dropped in turn, so the memory a home takes does not grow with
	// the incidents open.
	open, err := b.incidents.OpenIncidents(ctx)
	if err != nil {
		return nil, err
	}
	now := b.svc.Clock().Now()
	var clocks, steps, mine []homeItem
	for _, listed := range open {
		res, err := b.read(ctx, listed.ID)
		if err != nil {
			return nil, err
		}
		inc, pb := res.Incident, res.Playbook
		name := inc.ID
		if inc.Drill {
			name = "DRILL " + inc.ID
		}
		var st channelState
		if err := b.load(channelRecords, inc.ID, &st); err != nil {
			return nil, err
		}
		where := ""
		if st.Channel != "" {
			where = " · <#" + st.Channel + ">"
		}
		for i := range inc.Obligations {
			o := &inc.Obligations[i]
			if o.Phase() != incidents.PhaseRunning {
				continue
			}
			reg := regulationOf(pb, o.ID)
			clocks = append(clocks, homeItem{due: o.Due, text: fmt.Sprintf("%s *%s* %s: due %s (%s)%s",
				markEmoji[commands.MarkRunning], escape(name), escape(reg.Title), commands.Relative(o.Due, now), commands.FormatDue(o.Due, reg.DueZone()), where)})
		}
		var owned int
		for _, def := range pb.Steps {
			s, ok := inc.Step(def.ID)
			if !ok || s.Finished() || !slices.Contains(roles, def.Owner) {
				continue
			}
			owned++
			mark := commands.MarkOpen
			var waits []string
			for _, r := range def.Requires {
				if req, ok := inc.Step(r); ok && !req.Finished() {
					waits = append(waits, r)
				}
			}
			line := fmt.Sprintf("*%s* %s (%s)", escape(name), escape(def.Title), escape(def.ID))
			if len(waits) > 0 {
				mark = commands.MarkWait
				line += " · waits for " + escape(strings.Join(waits, ", "))
			}
			steps = append(steps, homeItem{text: markEmoji[mark] + " " + line + where, waits: len(waits) > 0})
		}
		lead := inc.LeadUser()
		if lead == user || inc.DeclaredBy == user || owned > 0 {
			role := fmt.Sprintf("%d of your steps open", owned)
			if lead == user {
				role = "you lead it · " + role
			}
			mine = append(mine, homeItem{text: fmt.Sprintf("*%s* %s · %s · lead %s · %s%s",
				escape(name), escape(truncate(inc.Title, 80)), inc.State, mention(lead), role, where)})
		}
	}
	slices.SortStableFunc(clocks, func(a, b homeItem) int { return a.due.Compare(b.due) })
	slices.SortStableFunc(steps, func(a, b homeItem) int {
		switch {
		case a.waits == b.waits:
			return 0
		case a.waits:
			return 1
		}
		return -1
	})
	blocks = append(blocks,
		homeSection("Next due", clocks, "No legal clock is running in your incidents."),
		homeSection("Your steps", steps, "No open step is yours."),
		homeSection("Your open incidents", mine, "You lead, declared or own steps in no open incident."),
		slack.NewContextBlock("", mrkdwn(fmt.Sprintf("As of %s. /breach status shows an incident; /breach help lists the commands.", commands.FormatTime(now)))))
	return blocks, nil
}

// homeSection is one list of the App Home, at most homeLimit lines.
func homeSection(heading string, items []homeItem, none string) slack.Block {
	lines := []string{"*" + heading + "*"}
	for i, it := range items {
		if i == homeLimit {
			lines = append(lines, fmt.Sprintf("… and %d more", len(items)-homeLimit))
			break
		}
		lines = append(lines, it.text)
	}
	if len(items) == 0 {
		lines = append(lines, "_"+none+"_")
	}
	return slack.NewSectionBlock(mrkdwn(truncate(strings.Join(lines, "\n"), 3000)), nil, nil)
}

// mention shows a user: a Slack id as a mention, anything else as it is.
func mention(user string) string {
	if slackUserID.MatchString(user) {
		return "<@" + user + ">"
	}
	return escape(user)
}

// regulationOf returns the regulation behind an obligation of a playbook.
func regulationOf(pb *incidents.Playbook, id string) incidents.Regulation {
	for _, r := range pb.Obligations {
		if r.ID == id {
			return r.Regulation
		}
	}
	return incidents.Regulation{Title: id}
}
