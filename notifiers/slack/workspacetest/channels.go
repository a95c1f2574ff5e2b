package workspacetest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var channelNameRE = regexp.MustCompile(`^[a-z0-9_-]{1,80}$`)

func channelJSON(c *Channel) map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "is_private": c.Private, "is_channel": !c.IM, "is_im": c.IM,
		"creator": c.Creator, "is_member": slices.Contains(c.Members, BotUserID) || c.IM}
}

func (w *Workspace) create(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	name := f.Get("name")
	if !channelNameRE.MatchString(name) {
		fail(rw, "invalid_name_specials")
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.channels {
		if c.Name == name {
			fail(rw, "name_taken")
			return
		}
	}
	c := &Channel{ID: w.nextLocked("C"), Name: name, Private: f.Get("is_private") == "true", Creator: BotUserID, Members: []string{BotUserID}}
	w.addChannelLocked(c)
	reply(rw, map[string]any{"ok": true, "channel": channelJSON(c)})
}

func (w *Workspace) invite(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.channels[f.Get("channel")]
	if !ok {
		fail(rw, "channel_not_found")
		return
	}
	for _, u := range strings.Split(f.Get("users"), ",") {
		if slices.Contains(c.Members, u) {
			fail(rw, "already_in_channel")
			return
		}
		c.Members = append(c.Members, u)
	}
	w.signalLocked()
	reply(rw, map[string]any{"ok": true, "channel": channelJSON(c)})
}

func (w *Workspace) list(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []map[string]any
	for _, id := range w.order {
		c := w.channels[id]
		if c.IM || (c.Private && !slices.Contains(c.Members, BotUserID)) {
			continue // the bot sees the private channels it is in
		}
		if strings.Contains(f.Get("types"), "private_channel") != c.Private {
			continue
		}
		out = append(out, channelJSON(c))
	}
	reply(rw, map[string]any{"ok": true, "channels": out, "response_metadata": map[string]any{"next_cursor": ""}})
}

func (w *Workspace) open(rw http.ResponseWriter, r *http.Request) {
	users := strings.Split(form(r).Get("users"), ",")
	if len(users) != 1 || users[0] == "" {
		fail(rw, "not_implemented")
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	id := "D" + users[0]
	c, ok := w.channels[id]
	if !ok {
		c = &Channel{ID: id, IM: true, Members: []string{BotUserID, users[0]}}
		w.addChannelLocked(c)
	}
	reply(rw, map[string]any{"ok": true, "channel": channelJSON(c)})
}

func (w *Workspace) history(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.channels[f.Get("channel")]
	if !ok {
		fail(rw, "channel_not_found")
		return
	}
	limit, _ := strconv.Atoi(f.Get("limit"))
	if limit == 0 {
		limit = 100
	}
	var out []map[string]any
	for i := len(c.Messages) - 1; i >= 0 && len(out) < limit; i-- {
		m := c.Messages[i]
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			continue // as in Slack, replies in a thread are not in the history
		}
		out = append(out, historyJSON(m, f.Get("include_all_metadata") == "1"))
	}
	reply(rw, map[string]any{"ok": true, "messages": out, "has_more": false})
}

func historyJSON(m *Message, metadata bool) map[string]any {
	msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "user": BotUserID}
	if m.ThreadTS != "" {
		msg["thread_ts"] = m.ThreadTS
	}
	if metadata && m.Metadata.EventType != "" {
		msg["metadata"] = m.Metadata
	}
	return msg
}

// replies answers conversations.replies: the thread's parent, then its
// replies, oldest first.
func (w *Workspace) replies(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.channels[f.Get("channel")]
	if !ok {
		fail(rw, "channel_not_found")
		return
	}
	ts := f.Get("ts")
	var out []map[string]any
	for _, m := range c.Messages {
		if m.TS == ts || m.ThreadTS == ts {
			out = append(out, historyJSON(m, f.Get("include_all_metadata") == "1"))
		}
	}
	if len(out) == 0 {
		fail(rw, "thread_not_found")
		return
	}
	reply(rw, map[string]any{"ok": true, "messages": out, "has_more": false})
}

func readMessage(f url.Values) *Message {
	m := &Message{Text: f.Get("text"), Blocks: json.RawMessage(f.Get("blocks")), ThreadTS: f.Get("thread_ts")}
	if md := f.Get("metadata"); md != "" {
		_ = json.Unmarshal([]byte(md), &m.Metadata)
	}
	if len(m.Blocks) == 0 {
		m.Blocks = json.RawMessage("[]")
	}
	return m
}

func (w *Workspace) post(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.channels[f.Get("channel")]
	if !ok {
		fail(rw, "channel_not_found")
		return
	}
	if !c.IM && !slices.Contains(c.Members, BotUserID) {
		fail(rw, "not_in_channel")
		return
	}
	m := readMessage(f)
	if err := CheckBlocks(m.Blocks); err != nil {
		fail(rw, "invalid_blocks")
		return
	}
	m.TS = w.tsLocked()
	c.Messages = append(c.Messages, m)
	w.signalLocked()
	reply(rw, map[string]any{"ok": true, "channel": c.ID, "ts": m.TS, "message": map[string]any{"ts": m.TS, "text": m.Text}})
}

func (w *Workspace) postEphemeral(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.channels[f.Get("channel")]
	if !ok {
		fail(rw, "channel_not_found")
		return
	}
	m := readMessage(f)
	if err := CheckBlocks(m.Blocks); err != nil {
		fail(rw, "invalid_blocks")
		return
	}
	m.TS, m.User = w.tsLocked(), f.Get("user")
	c.Ephemeral = append(c.Ephemeral, m)
	w.signalLocked()
	reply(rw, map[string]any{"ok": true, "message_ts": m.TS})
}

func (w *Workspace) update(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.channels[f.Get("channel")]
	if !ok {
		fail(rw, "channel_not_found")
		return
	}
	for _, m := range c.Messages {
		if m.TS == f.Get("ts") {
			n := readMessage(f)
			if err := CheckBlocks(n.Blocks); err != nil {
				fail(rw, "invalid_blocks")
				return
			}
			m.Text, m.Blocks = n.Text, n.Blocks
			m.Updates++
			w.signalLocked()
			reply(rw, map[string]any{"ok": true, "channel": c.ID, "ts": m.TS, "text": m.Text})
			return
		}
	}
	fail(rw, "message_not_found")
}

func (w *Workspace) pin(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.channels[f.Get("channel")]
	if !ok {
		fail(rw, "channel_not_found")
		return
	}
	ts := f.Get("timestamp")
	if slices.Contains(c.Pins, ts) {
		fail(rw, "already_pinned")
		return
	}
	if !slices.ContainsFunc(c.Messages, func(m *Message) bool { return m.TS == ts }) {
		fail(rw, "message_not_found")
		return
	}
	c.Pins = append(c.Pins, ts)
	w.signalLocked()
	reply(rw, map[string]any{"ok": true})
}

// DeleteMessage deletes a message as a person would in Slack: it leaves
// the channel (and its pins); updating it fails with message_not_found.
func (w *Workspace) DeleteMessage(channel, ts string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.channels[channel]
	if !ok {
		w.t.Fatalf("workspace: no channel %s", channel)
	}
	c.Messages = slices.DeleteFunc(c.Messages, func(m *Message) bool { return m.TS == ts })
	c.Pins = slices.DeleteFunc(c.Pins, func(p string) bool { return p == ts })
	w.signalLocked()
}
