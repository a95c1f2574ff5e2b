package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// systemActor is who the bot records its own changes as (the channel).
const systemActor = "breachbot"

// channelState is how far an incident's channel is set up (State's channel
// record, keyed by incident id). Each step is recorded as soon as it
// is done, so a notification delivered again after a crash picks up where
// the last attempt stopped.
type channelState struct {
	// Name is the channel name being created, recorded before
	// conversations.create: a later "name_taken" for it may be our own
	// channel, created by an attempt that crashed before recording it.
	Name    string          `json:"name,omitempty"`
	Channel string          `json:"channel,omitempty"`
	Invited bool            `json:"invited,omitempty"`
	Pinned  map[string]bool `json:"pinned,omitempty"`
	// Announce is the random metadata key of the announcement (so that
	// the message does not carry the incident id).
	Announce string `json:"announce,omitempty"`
}

// postRecord is a message posted for a key (State's post record).
type postRecord struct {
	Channel string `json:"channel"`
	TS      string `json:"ts,omitempty"`
	// Attempted is set before posting: if no TS follows, the post may
	// or may not have reached Slack, and the channel's history is checked
	// (by the key in the message's metadata) before posting again.
	Attempted bool `json:"attempted,omitempty"`
	// Seq is the sequence number of the notification a message updated in
	// place shows (notice progress), so an older one never replaces it.
	Seq int64 `json:"seq,omitempty"`
}

// metadataEvent is the event_type of the metadata on every message the bot
// posts; its payload's "key" is the message key (e.g. the notification id).
const metadataEvent = "breachbot_message"

// Parts of an incident channel's pinned messages.
const (
	partChecklist = "checklist"
	partBoard     = "board"
)

func pinnedKey(incident, part string) string { return "pinned:" + incident + ":" + part }

// Notify delivers one notification of the outbox (incidents.Notifier). It is
// safe to call again with the same notification: every step it takes is
// recorded, and messages carry their key in their metadata so a post whose
// answer was lost is found instead of repeated. Errors (Slack down, rate
// limited, an incident whose channel is not created yet) make the dispatcher
// try again later; a *RateLimitedError says when.
func (b *Bot) Notify(ctx context.Context, n incidents.Notification) error {
	switch n.Kind {
	case incidents.NotifyDeclared:
		if err := b.setUpChannel(ctx, n); err != nil {
			return err
		}
		return b.announceDeclared(ctx, n.Incident)
	case incidents.NotifyBoard:
		return b.refreshBoard(ctx, n.Incident)
	case incidents.NotifyReminder, incidents.NotifyEscalation:
		if n.Attempts == 0 {
			b.metrics.RemindersFired.WithLabelValues(n.Kind).Inc()
		}
		if n.Audience == incidents.AudienceLeads {
			return b.directToLeads(ctx, n)
		}
		return b.postToChannel(ctx, n)
	case incidents.NotifyNoticeApproval:
		return b.askLegal(ctx, n)
	case incidents.NotifyNoticeDecision:
		return b.noticeDecided(ctx, n)
	case incidents.NotifyNoticeProgress:
		return b.noticeProgress(ctx, n)
	}
	b.log.Debug("slack: notification kind not shown in Slack", "kind", n.Kind, "id", n.ID)
	return nil
}

func (b *Bot) lock(incident string) func() {
	m, _ := b.boardMu.LoadOrStore(incident, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// records names one kind of the Bot's records in its State.
type records int

const (
	channelRecords records = iota // channelState, per incident
	postRecords                   // postRecord, per message key
)

// load decodes the record of kind under key into v, leaving v as it is if
// there is none.
func (b *Bot) load(kind records, key string, v any) error {
	get := b.state.PostRecord
	if kind == channelRecords {
		get = b.state.ChannelRecord
	}
	data, err := get(key)
	if err != nil || data == nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// save replaces the record of kind under key with v.
func (b *Bot) save(kind records, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if kind == channelRecords {
		return b.state.PutChannelRecord(key, data)
	}
	return b.state.PutPostRecord(key, data)
}

// forget deletes the record of a post.
func (b *Bot) forget(key string) error { return b.state.DeletePostRecord(key) }

// read loads an incident and its pinned playbook, without a role check.
func (b *Bot) read(ctx context.Context, id string) (*incidents.Result, error) {
	return b.incidents.Incident(ctx, id)
}

// channelName is the incident channel's name: inc-2026-0001-short-title
// (drill-inc-... for drills), within Slack's rules: lowercase letters,
// digits, "-" and "_", at most 80 characters (we keep 76, for a suffix).
func channelName(inc *incidents.Incident) string {
	name := strings.ToLower(inc.ID)
	if inc.Drill {
		name = "drill-" + name
	}
	var slug strings.Builder
	dash := false
	for _, r := range strings.ToLower(inc.Title) {
		if s, ok := transliterate[r]; ok {
			slug.WriteString(s)
			dash = false
			continue
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			slug.WriteRune(r)
			dash = false
		} else if !dash && slug.Len() > 0 {
			slug.WriteByte('-')
			dash = true
		}
	}
	if s := strings.Trim(slug.String(), "-"); s != "" {
		name += "-" + s
	}
	if len(name) > 76 {
		name = name[:76]
		if i := strings.LastIndexByte(name, '-'); i > 60 {
			name = name[:i] // end on a whole word
		}
		name = strings.TrimRight(name, "-")
	}
	return name
}

var transliterate = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'å': "a", 'æ': "ae",
	'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ñ': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ø': "o", 'ù': "u", 'ú': "u", 'û': "u", 'ý': "y", 'ÿ': "y",
	'ł': "l", 'ś': "s", 'ź': "z", 'ż': "z", 'ć': "c", 'ń': "n", 'ę': "e", 'ą': "a", 'č': "c", 'š': "s", 'ž': "z", 'ř': "r",
}

// setUpChannel creates the incident's private channel (once), records it on
// the incident, invites the declarer and the people of the playbook's roles,
// and posts and pins the checklist and the deadlines board.
func (b *Bot) setUpChannel(ctx context.Context, n incidents.Notification) error {
	defer b.lock(n.Incident)()
	res, err := b.read(ctx, n.Incident)
	if incidents.ErrorCode(err) == incidents.ENOTFOUND {
		b.log.Error("slack: declared notification for an unknown incident", "incident", n.Incident)
		return nil
	} else if err != nil {
		return err
	}
	var st channelState
	if err := b.load(channelRecords, n.Incident, &st); err != nil {
		return err
	}
	if st.Channel == "" {
		if err := b.createChannel(ctx, res.Incident, &st); err != nil {
			return err
		}
	}
	if err := b.svc.SetChannel(ctx, systemActor, res.Incident.ID, st.Channel); err != nil {
		return err
	}
	if !st.Invited {
		if err := b.invite(ctx, st.Channel, b.people(ctx, res, n.Actor)); err != nil {
			return err
		}
		st.Invited = true
		if err := b.save(channelRecords, n.Incident, st); err != nil {
			return err
		}
	}
	now := b.svc.Clock().Now()
	for _, part := range []string{partChecklist, partBoard} {
		rep := commands.Checklist(res)
		if part == partBoard {
			rep = commands.Board(res, now)
		}
		ts, _, err := b.postOnce(ctx, st.Channel, pinnedKey(res.Incident.ID, part), rep)
		if err != nil {
			return err
		}
		if st.Pinned[part] {
			continue
		}
		if err := b.client.AddPinContext(ctx, st.Channel, slack.NewRefToMessage(st.Channel, ts)); err != nil && errorCode(err) != "already_pinned" {
			return apiError("pins.add", err)
		}
		if st.Pinned == nil {
			st.Pinned = map[string]bool{}
		}
		st.Pinned[part] = true
		if err := b.save(channelRecords, n.Incident, st); err != nil {
			return err
		}
	}
	return nil
}

// createChannel creates the private channel, trying name-2, name-3, ... if
// the name is taken by a channel that is not ours.
func (b *Bot) createChannel(ctx context.Context, inc *incidents.Incident, st *channelState) error {
	base := channelName(inc)
	name := st.Name
	if name == "" {
		name = base
	}
	for i := 2; i < 100; i++ {
		intended := st.Name == name // recorded by an earlier attempt
		if !intended {
			st.Name = name
			if err := b.save(channelRecords, inc.ID, st); err != nil {
				return err
			}
		}
		ch, err := b.client.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name, IsPrivate: true})
		if err == nil {
			st.Channel = ch.ID
			return b.save(channelRecords, inc.ID, st)
		}
		if errorCode(err) != "name_taken" {
			return apiError("conversations.create", err)
		}
		if intended {
			id, err := b.ownChannel(ctx, name)
			if err != nil {
				return err
			}
			if id != "" {
				b.log.Info("slack: found the incident channel created before a restart", "incident", inc.ID, "channel", id)
				st.Channel = id
				return b.save(channelRecords, inc.ID, st)
			}
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return fmt.Errorf("no free channel name for %s (tried %s-2 to -99)", inc.ID, base)
}

// ownChannel finds a private channel by name that the bot created.
func (b *Bot) ownChannel(ctx context.Context, name string) (string, error) {
	me, err := b.botUserID(ctx)
	if err != nil {
		return "", err
	}
	cursor := ""
	for {
		chs, next, err := b.client.GetConversationsContext(ctx, &slack.GetConversationsParameters{
			Types: []string{"private_channel"}, ExcludeArchived: true, Limit: 200, Cursor: cursor})
		if err != nil {
			return "", apiError("conversations.list", err)
		}
		for _, ch := range chs {
			if ch.Name == name && ch.Creator == me {
				return ch.ID, nil
			}
		}
		if next == "" {
			return "", nil
		}
		cursor = next
	}
}

// people are who is invited to an incident channel: the declarer, the
// members of the roles that own the playbook's steps, and the leads.
func (b *Bot) people(ctx context.Context, res *incidents.Result, declarer string) []string {
	roles := []string{incidents.RoleLeads}
	for _, st := range res.Playbook.Steps {
		if !slices.Contains(roles, st.Owner) {
			roles = append(roles, st.Owner)
		}
	}
	var out []string
	if declarer != "" {
		out = append(out, declarer)
	}
	for _, r := range roles {
		for _, u := range b.dir.Members(r) {
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	if me, err := b.botUserID(ctx); err == nil {
		out = slices.DeleteFunc(out, func(u string) bool { return u == me })
	}
	return out
}

// invite adds users to a channel one by one; a user Slack will not invite
// (already a member, deactivated, unknown) is skipped, anything else is an
// error to retry.
func (b *Bot) invite(ctx context.Context, channel string, users []string) error {
	for _, u := range users {
		_, err := b.client.InviteUsersToConversationContext(ctx, channel, u)
		switch code := errorCode(err); {
		case err == nil, code == "already_in_channel", code == "cant_invite_self":
		case code == "user_not_found", code == "user_is_deactivated", code == "user_is_restricted", code == "user_is_ultra_restricted",
			code == "cant_invite", code == "not_allowed_token_type", code == "user_disabled":
			b.log.Warn("slack: user not invited to incident channel", "user", u, "channel", channel, "reason", code)
		default:
			return apiError("conversations.invite", err)
		}
	}
	return nil
}

// postOnce posts a reply for a key unless it was posted already, and
// returns the message's timestamp and whether it posted now.
func (b *Bot) postOnce(ctx context.Context, channel, key string, rep *commands.Reply) (string, bool, error) {
	return b.postOnceAs(ctx, channel, key, key, rep)
}

// postOnceAs is postOnce with the key the message carries in its metadata
// given apart from the key it is recorded under.
func (b *Bot) postOnceAs(ctx context.Context, channel, key, metaKey string, rep *commands.Reply) (string, bool, error) {
	var rec postRecord
	if err := b.load(postRecords, key, &rec); err != nil {
		return "", false, err
	}
	if rec.TS != "" && rec.Channel == channel {
		return rec.TS, false, nil
	}
	if rec.Attempted && rec.Channel == channel {
		ts, err := b.findPosted(ctx, channel, metaKey)
		if err != nil {
			return "", false, err
		}
		if ts != "" {
			rec.TS = ts
			return ts, false, b.save(postRecords, key, rec)
		}
	}
	rec = postRecord{Channel: channel, Attempted: true}
	if err := b.save(postRecords, key, rec); err != nil {
		return "", false, err
	}
	m := newMessage(rep)
	_, ts, err := b.client.PostMessageContext(ctx, channel,
		slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metadataEvent, EventPayload: map[string]any{"key": metaKey}}))
	if err != nil {
		return "", false, apiError("chat.postMessage", err)
	}
	rec.TS = ts
	return ts, true, b.save(postRecords, key, rec)
}

// findPosted looks for a message with the key in the channel's latest
// messages (where an unrecorded post of ours would be).
func (b *Bot) findPosted(ctx context.Context, channel, key string) (string, error) {
	h, err := b.client.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: channel, Limit: 100, IncludeAllMetadata: true})
	if err != nil {
		return "", apiError("conversations.history", err)
	}
	for _, m := range h.Messages {
		if m.Metadata.EventType == metadataEvent && m.Metadata.EventPayload["key"] == key {
			return m.Timestamp, nil
		}
	}
	return "", nil
}

// refreshBoard updates the incident's pinned checklist and deadlines board
// in place. Before the channel is set up there is nothing to update: setting
// it up posts the current ones.
func (b *Bot) refreshBoard(ctx context.Context, incident string) error {
	defer b.lock(incident)()
	var st channelState
	if err := b.load(channelRecords, incident, &st); err != nil {
		return err
	}
	if st.Channel == "" {
		return nil
	}
	res, err := b.read(ctx, incident)
	if err != nil {
		return err
	}
	now := b.svc.Clock().Now()
	for _, part := range []string{partChecklist, partBoard} {
		rep := commands.Checklist(res)
		if part == partBoard {
			rep = commands.Board(res, now)
		}
		key := pinnedKey(incident, part)
		var rec postRecord
		if err := b.load(postRecords, key, &rec); err != nil {
			return err
		}
		if rec.TS == "" {
			continue
		}
		m := newMessage(rep)
		_, _, _, err := b.client.UpdateMessageContext(ctx, st.Channel, rec.TS, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
		if code := errorCode(err); code == "message_not_found" || code == "cant_update_message" {
			// Someone deleted it: post it again and pin the new one.
			b.log.Warn("slack: pinned message gone; posting it again", "incident", incident, "part", part)
			if err := b.forget(key); err != nil {
				return err
			}
			ts, _, err := b.postOnce(ctx, st.Channel, key, rep)
			if err != nil {
				return err
			}
			if err := b.client.AddPinContext(ctx, st.Channel, slack.NewRefToMessage(st.Channel, ts)); err != nil && errorCode(err) != "already_pinned" {
				return apiError("pins.add", err)
			}
		} else if err != nil {
			return apiError("chat.update", err)
		}
	}
	return nil
}

// RunBoards refreshes the boards of open incidents every interval until ctx
// is done, so relative times ("due in 5 h 12 m") stay true between changes.
// Failures are logged; the next round tries again.
func (b *Bot) RunBoards(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		open, err := b.incidents.Open(ctx)
		if err != nil {
			b.log.Error("slack: list incidents for board refresh", "err", err)
			continue
		}
		for _, inc := range open {
			if inc.Channel == "" {
				continue
			}
			if err := b.refreshBoard(ctx, inc.ID); err != nil && ctx.Err() == nil {
				b.log.Warn("slack: board refresh failed; next round tries again", "incident", inc.ID, "err", err)
			}
		}
	}
}

// postToChannel posts a reminder or escalation in the incident's channel and
// refreshes its board. Without a channel yet it fails, to be tried again.
func (b *Bot) postToChannel(ctx context.Context, n incidents.Notification) error {
	var st channelState
	if err := b.load(channelRecords, n.Incident, &st); err != nil {
		return err
	}
	if st.Channel == "" {
		return fmt.Errorf("%s has no Slack channel yet; the %s waits for it", n.Incident, n.Kind)
	}
	_, posted, err := b.postOnce(ctx, st.Channel, n.ID, commands.NotificationReply(n, b.svc.Clock().Now()))
	if err != nil {
		return err
	}
	if posted {
		b.metrics.RemindersDelivered.WithLabelValues(n.Kind).Inc()
	}
	return b.refreshBoard(ctx, n.Incident)
}

// directToLeads sends an escalation to every lead by direct message.
func (b *Bot) directToLeads(ctx context.Context, n incidents.Notification) error {
	leads := b.dir.Members(incidents.RoleLeads)
	if len(leads) == 0 {
		b.log.Warn("slack: no leads to escalate to; add Slack ids under roles: leads", "notification", n.ID)
		return nil
	}
	rep := commands.NotificationReply(n, b.svc.Clock().Now())
	for _, lead := range leads {
		dm, _, _, err := b.client.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{lead}, ReturnIM: true})
		switch code := errorCode(err); {
		case err == nil:
		case code == "user_not_found", code == "user_disabled", code == "cannot_dm_bot", code == "user_not_visible":
			b.log.Warn("slack: lead cannot be sent a direct message", "user", lead, "reason", code)
			continue
		default:
			return apiError("conversations.open", err)
		}
		_, posted, err := b.postOnce(ctx, dm.ID, n.ID+":"+lead, rep)
		if err != nil {
			return err
		}
		if posted {
			b.metrics.RemindersDelivered.WithLabelValues(n.Kind).Inc()
		}
	}
	return nil
}
