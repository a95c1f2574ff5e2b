package slack

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// Confidentiality: an incident is shown only in its private channel and to
// the people of its roles. An answer about an incident is shown to the
// channel only in that incident's own channel; anywhere else (#general,
// another incident's channel, a direct message) it is shown only to the
// person who asked, without buttons, with a link to the incident's channel.
// The buttons of an incident act only in its channel or in a direct message
// the bot sent them in. Declaring from anywhere posts nothing where it was
// typed; an optional announcement channel is told that an incident was
// declared, and nothing else.

// announcement is all the announcement channel is told.
const (
	announcement      = "A confidential incident was declared; the on-call responders are invited."
	drillAnnouncement = "A drill was started; the on-call responders are invited."
)

// inOwnChannel reports whether channel is incident's own channel. When the
// database cannot tell, it is not: the answer is then shown to one person.
func (b *Bot) inOwnChannel(ctx context.Context, channel, incident string) bool {
	if channel == "" || incident == "" {
		return false
	}
	id, ok, err := b.svc.IncidentByChannel(ctx, channel)
	if err != nil {
		b.log.Error("slack: incident of channel", "channel", channel, "err", err)
		return false
	}
	return ok && id == incident
}

// render turns a command's reply into the message answering a person in
// channel: in the incident's own channel with buttons, shown to the
// channel unless ephemeral; elsewhere ephemeral, without buttons (they
// would not act there), and with a link to the incident's private channel.
// What does not fit in one message is in the message's more, to follow it.
func (b *Bot) render(ctx context.Context, channel string, rep *commands.Reply) *message {
	b.addPeople(ctx, rep)
	m := newMessage(rep)
	if rep.Incident == "" || b.inOwnChannel(ctx, channel, rep.Incident) {
		ps := pages(rep, true, 0, continuedBelow)
		m.Blocks, m.more = ps[0], ps[1:]
		return m
	}
	m.ResponseType = slack.ResponseTypeEphemeral
	ps := pages(rep, false, 1, continuedBelow)
	m.Blocks, m.more = ps[0], ps[1:]
	if rep.Error {
		return m
	}
	var st channelState
	if err := b.load(channelRecords, rep.Incident, &st); err != nil {
		b.log.Error("slack: channel of incident", "incident", rep.Incident, "err", err)
	}
	var link slack.Block
	switch {
	case st.Channel == channel:
	case st.Channel != "":
		link = slack.NewSectionBlock(mrkdwn("Private channel: <#"+st.Channel+">"), nil, nil)
	default:
		link = slack.NewContextBlock("", mrkdwn("Its private channel is being set up."))
	}
	if link != nil {
		m.Blocks = withLink(m.Blocks, rep, link)
	}
	return m
}

// withLink puts a link block right under the header of a rendered reply.
func withLink(blocks []slack.Block, rep *commands.Reply, link slack.Block) []slack.Block {
	at := 0
	if rep.Title != "" && len(blocks) > 0 {
		at = 1 // after the header
	}
	return append(blocks[:at:at], append([]slack.Block{link}, blocks[at:]...)...)
}

// declareSetUpLimit bounds setting up a new incident's channel before the
// declarer is answered.
const declareSetUpLimit = 5 * time.Second

// declared sets up the private channel of an incident just declared by
// req, so that the answer can link it; the outbox's declared notification
// finds it done (or tries again if this failed).
func (b *Bot) declared(ctx context.Context, req commands.Request, rep *commands.Reply) {
	if rep.Error || rep.Incident == "" {
		return
	}
	if cmd, err := commands.Parse(req.Text); err != nil || (cmd.Name != "declare" && cmd.Name != "drill") {
		return
	}
	// Slack slow or down must not hold the answer long: the outbox goes on
	// from wherever this stopped.
	ctx, cancel := context.WithTimeout(ctx, declareSetUpLimit)
	defer cancel()
	n := incidents.Notification{Kind: incidents.NotifyDeclared, Incident: rep.Incident, Actor: req.User}
	if err := b.setUpChannel(ctx, n); err != nil {
		b.log.Warn("slack: incident channel not set up yet; the outbox tries again", "incident", rep.Incident, "err", err)
	}
}

// announceDeclared tells the announcement channel, once, that an incident was
// declared, naming nothing of it. The message's metadata key is random
// (kept with the channel's state), so it does not carry the incident id.
func (b *Bot) announceDeclared(ctx context.Context, incident string) error {
	if b.announceTo == "" {
		return nil
	}
	res, err := b.read(ctx, incident)
	if err != nil {
		return err
	}
	var st channelState
	if err := b.load(channelRecords, incident, &st); err != nil {
		return err
	}
	if st.Announce == "" {
		st.Announce = rand.Text()
		if err := b.save(channelRecords, incident, st); err != nil {
			return err
		}
	}
	text := announcement
	if res.Incident.Drill {
		text = drillAnnouncement
	}
	_, _, err = b.postOnceAs(ctx, b.announceTo, "announce:"+incident, "announce:"+st.Announce, newMessage(&commands.Reply{Title: text}))
	return err
}

// buttonRefusal is why a button of incident may not act where it was
// pressed, or nil: it acts in the incident's own channel, and in a direct
// message on a message the bot posted there for that incident (an approval
// request, an escalation).
func (b *Bot) buttonRefusal(ctx context.Context, cb slack.InteractionCallback, incident string) error {
	channel := cb.Channel.ID
	if b.inOwnChannel(ctx, channel, incident) {
		return nil
	}
	ts := cb.Container.MessageTs
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	if strings.HasPrefix(channel, "D") && ts != "" {
		sent, err := b.postedFor(ctx, channel, ts, incident)
		if err != nil {
			return err
		}
		if sent {
			return nil
		}
	}
	return incidents.Errorf(incidents.EFORBIDDEN, "this button acts on %s, and works only in its own channel or in the direct message the bot sent it in", incident).
		WithHint("press it in %s's channel, or type the command there", incident)
}

// postedFor reports whether the bot posted the message ts in channel for
// incident: by its record (a post key names its incident between colons)
// or, for a post whose answer is not recorded yet, by the key in the
// message's metadata in Slack.
func (b *Bot) postedFor(ctx context.Context, channel, ts, incident string) (bool, error) {
	names := func(key string) bool { return slices.Contains(strings.Split(key, ":"), incident) }
	found := false
	err := b.state.PostRecords(func(k string, v []byte) error {
		var rec postRecord
		if json.Unmarshal(v, &rec) == nil && rec.Channel == channel && rec.TS == ts && names(k) {
			found = true
		}
		return nil
	})
	if err != nil || found {
		return found, err
	}
	h, err := b.client.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: channel, Latest: ts, Inclusive: true, Limit: 100, IncludeAllMetadata: true})
	if code := errorCode(err); code == "channel_not_found" || code == "not_in_channel" {
		return false, nil
	} else if err != nil {
		return false, apiError("conversations.history", err)
	}
	for _, m := range h.Messages {
		if key, _ := m.Metadata.EventPayload["key"].(string); m.Timestamp == ts && m.Metadata.EventType == metadataEvent && names(key) {
			return true, nil
		}
	}
	return false, nil
}
