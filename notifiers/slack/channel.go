package slack

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
)

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
		rep := pinnedReply(res, part, now)
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
