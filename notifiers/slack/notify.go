package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
	// Thread is the message a continuation replies to.
	Thread string `json:"thread,omitempty"`
	// Shown is the time a deadlines board showed when RunBoards last
	// updated it (zero: not known, so the next round updates it).
	Shown time.Time `json:"shown,omitzero"`
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
	case incidents.NotifyPlaybookUpdate:
		return b.playbookUpdate(ctx, n)
	case incidents.NotifyUpdate:
		return b.postUpdate(ctx, n)
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

// forget deletes the record of a post. Its continuations' records stay:
// they name the thread they are in, so a post made again starts a new one.
func (b *Bot) forget(key string) error { return b.state.DeletePostRecord(key) }

// read loads an incident and its pinned playbook, without a role check.
func (b *Bot) read(ctx context.Context, id string) (*incidents.Result, error) {
	return b.incidents.Incident(ctx, id)
}

// postOnce posts a reply for a key unless it was posted already, and
// returns the message's timestamp and whether it posted now.
func (b *Bot) postOnce(ctx context.Context, channel, key string, rep *commands.Reply) (string, bool, error) {
	return b.postOnceAs(ctx, channel, key, key, postedMessage(rep))
}

// postOnceAs is postOnce of a rendered message, with the key the message
// carries in its metadata given apart from the key it is recorded under.
func (b *Bot) postOnceAs(ctx context.Context, channel, key, metaKey string, m *message) (string, bool, error) {
	ts, posted, err := b.postOneOnce(ctx, channel, "", key, metaKey, m)
	if err != nil {
		return "", false, err
	}
	return ts, posted, b.continueInThread(ctx, channel, ts, key, m)
}

// postOneOnce posts one message for a key (in thread, if not "") unless it
// was posted already.
func (b *Bot) postOneOnce(ctx context.Context, channel, thread, key, metaKey string, m *message) (string, bool, error) {
	var rec postRecord
	if err := b.load(postRecords, key, &rec); err != nil {
		return "", false, err
	}
	same := rec.Channel == channel && rec.Thread == thread
	if rec.TS != "" && same {
		return rec.TS, false, nil
	}
	if rec.Attempted && same {
		ts, err := b.findPosted(ctx, channel, thread, metaKey)
		if err != nil {
			return "", false, err
		}
		if ts != "" {
			rec.TS = ts
			return ts, false, b.save(postRecords, key, rec)
		}
	}
	rec = postRecord{Channel: channel, Thread: thread, Attempted: true}
	if err := b.save(postRecords, key, rec); err != nil {
		return "", false, err
	}
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metadataEvent, EventPayload: map[string]any{"key": metaKey}})}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	_, ts, err := b.client.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", false, apiError("chat.postMessage", err)
	}
	rec.TS = ts
	return ts, true, b.save(postRecords, key, rec)
}

// continueKey is the post key of the n-th continuation (1, 2, ...) of the
// message posted for key.
func continueKey(key string, n int) string { return fmt.Sprintf("%s:more:%d", key, n) }

// continueInThread makes the thread of the message ts (posted for key)
// hold the rest of m: each continuation is posted once, or updated in place
// when the message was updated; continuations no longer needed say so.
func (b *Bot) continueInThread(ctx context.Context, channel, ts, key string, m *message) error {
	for i, page := range m.more {
		k := continueKey(key, i+1)
		part := &message{Text: fmt.Sprintf("%s (continued, %d of %d)", m.Text, i+2, len(m.more)+1), Blocks: page}
		var rec postRecord
		if err := b.load(postRecords, k, &rec); err != nil {
			return err
		}
		if rec.TS != "" && rec.Channel == channel && rec.Thread == ts {
			_, _, _, err := b.client.UpdateMessageContext(ctx, channel, rec.TS, slack.MsgOptionText(part.Text, false), slack.MsgOptionBlocks(part.Blocks...))
			if err == nil {
				continue
			}
			if code := errorCode(err); code != "message_not_found" && code != "cant_update_message" {
				return apiError("chat.update", err)
			}
			// Someone deleted it: post it again in the thread.
			if err := b.state.DeletePostRecord(k); err != nil {
				return err
			}
		}
		if _, _, err := b.postOneOnce(ctx, channel, ts, k, k, part); err != nil {
			return err
		}
	}
	for n := len(m.more) + 1; ; n++ {
		k := continueKey(key, n)
		var rec postRecord
		if err := b.load(postRecords, k, &rec); err != nil {
			return err
		}
		if rec.TS == "" || rec.Channel != channel || rec.Thread != ts {
			return nil
		}
		_, _, _, err := b.client.UpdateMessageContext(ctx, channel, rec.TS, slack.MsgOptionText("Nothing more here", false),
			slack.MsgOptionBlocks(slack.NewContextBlock("", mrkdwn("_Nothing more here: the message above now shows all of it._"))))
		if code := errorCode(err); err != nil && code != "message_not_found" && code != "cant_update_message" {
			return apiError("chat.update", err)
		}
		if err := b.state.DeletePostRecord(k); err != nil {
			return err
		}
	}
}

// updateInPlace replaces the message ts (posted for key) with m and its
// thread's continuations; the error is Slack's, for the caller to judge
// (a deleted message is posted again by some callers).
func (b *Bot) updateInPlace(ctx context.Context, channel, ts, key string, m *message) error {
	if _, _, _, err := b.client.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)); err != nil {
		return err
	}
	return b.continueInThread(ctx, channel, ts, key, m)
}

// findPosted looks for a message with the key in the channel's latest
// messages, or in the thread if not "" (where an unrecorded post of ours
// would be: Slack's history leaves out replies in threads).
func (b *Bot) findPosted(ctx context.Context, channel, thread, key string) (string, error) {
	var msgs []slack.Message
	if thread != "" {
		replies, _, _, err := b.client.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: thread, Limit: 200, IncludeAllMetadata: true})
		if err != nil {
			return "", apiError("conversations.replies", err)
		}
		msgs = replies
	} else {
		h, err := b.client.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Limit: 100, IncludeAllMetadata: true})
		if err != nil {
			return "", apiError("conversations.history", err)
		}
		msgs = h.Messages
	}
	for _, m := range msgs {
		if m.Metadata.EventType == metadataEvent && m.Metadata.EventPayload["key"] == key {
			return m.Timestamp, nil
		}
	}
	return "", nil
}

// postToChannel posts a reminder or escalation in the incident's channel
// and, for an escalation (the obligation is now missed), refreshes its
// board. A reminder changes nothing the board shows but its relative
// times, which RunBoards keeps true: not reading and redrawing the board
// for each keeps a minute in which thousands come due on time. Without a
// channel yet it fails, to be tried again.
func (b *Bot) postToChannel(ctx context.Context, n incidents.Notification) error {
	var st channelState
	if err := b.load(channelRecords, n.Incident, &st); err != nil {
		return err
	}
	if st.Channel == "" {
		return fmt.Errorf("%s has no Slack channel yet; the %s waits for it", n.Incident, n.Kind)
	}
	rep := commands.NotificationReply(n, b.svc.Clock().Now())
	rep.People = notificationPeople(n)
	_, posted, err := b.postOnce(ctx, st.Channel, n.ID, rep)
	if err != nil {
		return err
	}
	if posted {
		b.metrics.RemindersDelivered.WithLabelValues(n.Kind).Inc()
	}
	if n.Kind != incidents.NotifyEscalation {
		return nil
	}
	return b.refreshBoard(ctx, n.Incident)
}

// postUpdate posts a person's status update in the incident's channel.
func (b *Bot) postUpdate(ctx context.Context, n incidents.Notification) error {
	var st channelState
	if err := b.load(channelRecords, n.Incident, &st); err != nil {
		return err
	}
	if st.Channel == "" {
		return fmt.Errorf("%s has no Slack channel yet; the update waits for it", n.Incident)
	}
	_, _, err := b.postOnce(ctx, st.Channel, n.ID, commands.NotificationReply(n, b.svc.Clock().Now()))
	return err
}

// directToLeads sends an escalation by direct message to the incident's
// lead first, then to every other lead.
func (b *Bot) directToLeads(ctx context.Context, n incidents.Notification) error {
	leads := b.dir.Members(incidents.RoleLeads)
	if res, err := b.read(ctx, n.Incident); err != nil {
		return err
	} else if lead := res.Incident.LeadUser(); slackUserID.MatchString(lead) {
		leads = append([]string{lead}, slices.DeleteFunc(slices.Clone(leads), func(u string) bool { return u == lead })...)
	}
	if len(leads) == 0 {
		b.log.Warn("slack: no leads to escalate to; add Slack ids under roles: leads", "notification", n.ID)
		return nil
	}
	rep := escalationDM(n, b.svc.Clock().Now())
	m := postedMessage(rep)
	var st channelState
	if err := b.load(channelRecords, n.Incident, &st); err != nil {
		return err
	}
	if st.Channel != "" {
		m.Blocks = withLink(m.Blocks, rep, slack.NewSectionBlock(mrkdwn("Channel: <#"+st.Channel+">"), nil, nil))
	}
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
		key := n.ID + ":" + lead
		_, posted, err := b.postOnceAs(ctx, dm.ID, key, key, m)
		if err != nil {
			return err
		}
		if posted {
			b.metrics.RemindersDelivered.WithLabelValues(n.Kind).Inc()
		}
	}
	return nil
}
