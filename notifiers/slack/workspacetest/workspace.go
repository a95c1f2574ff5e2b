// Package workspacetest is a fake Slack workspace for tests: slack-go's
// slacktest server, extended with the Web API methods breachbot calls
// (which slacktest lacks or does not record), a Socket Mode endpoint, a
// response_url endpoint, injectable failures (error codes, HTTP 429 with
// Retry-After, 5xx, hanging requests), and builders for inbound requests
// signed exactly as Slack signs them. The real slack-go client talks to it
// through its API URL.
package workspacetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// BotUserID is the bot's user id in the fake workspace (auth.test answers it).
const BotUserID = "UBREACHBOT"

// Channel is a conversation of the workspace.
type Channel struct {
	ID, Name string
	Private  bool
	IM       bool
	Creator  string
	Members  []string
	Messages []*Message
	// Pins are the timestamps of pinned messages.
	Pins []string
	// Ephemeral are messages posted with chat.postEphemeral.
	Ephemeral []*Message
}

// Message is a message as posted (and later updated).
type Message struct {
	TS       string
	User     string // for ephemeral messages: who sees it
	Text     string
	Blocks   json.RawMessage
	Metadata slack.SlackMetadata
	// ThreadTS is the message this one replies to in a thread, if any.
	ThreadTS string
	// Updates counts chat.update calls on it.
	Updates int
}

// BlocksText returns every text of the message's blocks, for assertions.
func (m *Message) BlocksText() string { return blocksText(m.Blocks) }

// Response is a message posted to a response_url.
type Response struct {
	ID           string
	ResponseType string          `json:"response_type"`
	Text         string          `json:"text"`
	Blocks       json.RawMessage `json:"blocks"`
	Replace      bool            `json:"replace_original"`
}

// BlocksText returns every text of the response's blocks.
func (r Response) BlocksText() string { return blocksText(r.Blocks) }

// View is a modal opened with views.open.
type View struct {
	TriggerID string
	ID        string
	View      json.RawMessage
	// CallbackID and PrivateMetadata are read from View.
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
}

// File is a file uploaded and shared into a channel.
type File struct {
	ID, Name, Title, Channel string
	Content                  []byte
	// User uploaded it (UserUpload); empty for the bot's own uploads.
	User string
	// Downloads counts downloads of its url_private_download.
	Downloads int
	// DownloadURL, if set, is the url_private_download files.info gives
	// (SetDownloadURL), instead of one on this server.
	DownloadURL string
}

// Fault makes API methods fail until cleared (or Count times).
type Fault struct {
	// Methods it applies to ("chat.postMessage"); empty means every method.
	Methods []string
	// Code answers ok:false with this error code.
	Code string
	// RetryAfter answers HTTP 429 with this Retry-After (whole seconds).
	RetryAfter time.Duration
	// Status answers with this HTTP status (e.g. 503).
	Status int
	// Hang holds the request until the client gives up (its timeout).
	Hang bool
	// Lose carries the call out but loses the answer (HTTP 502), as when
	// a connection drops after Slack acted.
	Lose bool
	// Count is how many calls fail; 0 means until Clear.
	Count int
}

// Workspace is a fake Slack workspace.
type Workspace struct {
	t      testing.TB
	server *slacktest.Server

	mu        sync.Mutex
	changed   chan struct{}
	seq       int
	channels  map[string]*Channel
	order     []string
	groups    map[string][]string
	views     []View
	homes     map[string][]json.RawMessage
	responses []Response
	files     []File
	uploads   map[string][]byte
	emails    map[string]string
	faults    []*Fault
	calls     map[string]int

	// Socket Mode
	sockets   int
	socket    *websocket.Conn
	envelopes chan []byte
	acks      map[string]json.RawMessage
	ackTotal  int
	hangDone  chan struct{}
}

// New starts a workspace; it stops when the test ends.
func New(t testing.TB) *Workspace {
	w := &Workspace{t: t, changed: make(chan struct{}), channels: map[string]*Channel{}, groups: map[string][]string{},
		uploads: map[string][]byte{}, emails: map[string]string{}, calls: map[string]int{}, envelopes: make(chan []byte, 64),
		acks: map[string]json.RawMessage{}, homes: map[string][]json.RawMessage{}, hangDone: make(chan struct{})}
	w.server = slacktest.NewTestServer(func(c slacktest.Customize) {
		for method, h := range map[string]http.HandlerFunc{
			"auth.test":                    w.authTest,
			"conversations.create":         w.create,
			"conversations.invite":         w.invite,
			"conversations.list":           w.list,
			"conversations.open":           w.open,
			"conversations.history":        w.history,
			"conversations.replies":        w.replies,
			"chat.postMessage":             w.post,
			"chat.postEphemeral":           w.postEphemeral,
			"chat.update":                  w.update,
			"pins.add":                     w.pin,
			"views.open":                   w.viewsOpen,
			"views.publish":                w.viewsPublish,
			"usergroups.users.list":        w.groupMembers,
			"files.getUploadURLExternal":   w.uploadURL,
			"files.completeUploadExternal": w.completeUpload,
			"apps.connections.open":        w.connectionsOpen,
			"files.info":                   w.fileInfo,
			"users.info":                   w.userInfo,
		} {
			c.Handle("/"+method, w.api(method, h))
		}
		c.Handle("/upload/", w.upload)
		c.Handle("/download/", w.download)
		c.Handle("/response/", w.response)
		c.Handle("/ws", w.ws)
	})
	w.server.Start()
	t.Cleanup(func() {
		w.mu.Lock()
		select {
		case <-w.hangDone:
		default:
			close(w.hangDone)
		}
		if w.socket != nil {
			w.socket.Close()
		}
		w.mu.Unlock()
		w.server.Stop()
	})
	return w
}

// APIURL is the base URL for slack.OptionAPIURL / SLACK_API_URL.
func (w *Workspace) APIURL() string { return w.server.GetAPIURL() }

// ResponseURL returns a response_url whose posts the workspace records
// under id.
func (w *Workspace) ResponseURL(id string) string { return w.APIURL() + "response/" + id }

// SetGroup sets the members of a user group.
func (w *Workspace) SetGroup(id string, members ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.groups[id] = members
}

// SetEmail sets the e-mail address users.info gives for a user.
func (w *Workspace) SetEmail(user, addr string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.emails[user] = addr
}

// UserUpload stores a file as a person's upload through a modal's file
// input would, and returns its id (what the view submission carries).
func (w *Workspace) UserUpload(user, name string, content []byte) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := w.nextLocked("F")
	w.files = append(w.files, File{ID: id, Name: name, Title: name, Content: content, User: user})
	return id
}

// SetDownloadURL makes files.info give url as a file's url_private_download
// (e.g. a host that is not Slack's).
func (w *Workspace) SetDownloadURL(id, url string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.files {
		if w.files[i].ID == id {
			w.files[i].DownloadURL = url
			return
		}
	}
	w.t.Fatalf("workspace: no file %s", id)
}

// Downloads returns how many times a file's content was downloaded.
func (w *Workspace) Downloads(id string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range w.files {
		if f.ID == id {
			return f.Downloads
		}
	}
	return 0
}

// AddChannel adds a channel made by someone else (e.g. to take a name).
func (w *Workspace) AddChannel(id, name string, private bool, creator string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.addChannelLocked(&Channel{ID: id, Name: name, Private: private, Creator: creator})
}

// Join adds users (the bot: BotUserID) to a channel's members.
func (w *Workspace) Join(channel string, users ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.channels[channel]
	if !ok {
		w.t.Fatalf("workspace: no channel %s to join", channel)
	}
	for _, u := range users {
		if !slices.Contains(c.Members, u) {
			c.Members = append(c.Members, u)
		}
	}
	w.signalLocked()
}

func (w *Workspace) addChannelLocked(c *Channel) {
	w.channels[c.ID] = c
	w.order = append(w.order, c.ID)
	w.signalLocked()
}

// Fail injects a fault; Clear removes all.
func (w *Workspace) Fail(f Fault) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ff := f
	w.faults = append(w.faults, &ff)
}

// Clear removes every fault and releases hanging requests.
func (w *Workspace) Clear() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.faults = nil
	close(w.hangDone)
	w.hangDone = make(chan struct{})
}

// Calls returns how many times a method was called (failed calls included).
func (w *Workspace) Calls(method string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls[method]
}

// Channels returns copies of the channels, in creation order.
func (w *Workspace) Channels() []Channel {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Channel
	for _, id := range w.order {
		out = append(out, w.copyLocked(w.channels[id]))
	}
	return out
}

// Channel returns a copy of a channel by id or name.
func (w *Workspace) Channel(idOrName string) (Channel, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range w.order {
		c := w.channels[id]
		if c.ID == idOrName || c.Name == idOrName {
			return w.copyLocked(c), true
		}
	}
	return Channel{}, false
}

// DM returns the direct-message channel with a user, if one was opened.
func (w *Workspace) DM(user string) (Channel, bool) { return w.Channel("D" + user) }

func (w *Workspace) copyLocked(c *Channel) Channel {
	cp := *c
	cp.Members = slices.Clone(c.Members)
	cp.Pins = slices.Clone(c.Pins)
	cp.Messages = nil
	for _, m := range c.Messages {
		mc := *m
		cp.Messages = append(cp.Messages, &mc)
	}
	cp.Ephemeral = nil
	for _, m := range c.Ephemeral {
		mc := *m
		cp.Ephemeral = append(cp.Ephemeral, &mc)
	}
	return cp
}

// Views returns the modals opened so far.
func (w *Workspace) Views() []View {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.views)
}

// Responses returns what was posted to a response_url id.
func (w *Workspace) Responses(id string) []Response {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Response
	for _, r := range w.responses {
		if r.ID == id {
			out = append(out, r)
		}
	}
	return out
}

// Files returns the files shared so far.
func (w *Workspace) Files() []File {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.files)
}

// WaitFor waits until cond holds, checking after every change of the
// workspace, and fails the test after 10 s.
func (w *Workspace) WaitFor(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		ch := w.changed
		w.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			w.t.Fatalf("workspace: timed out waiting for %s", what)
		}
	}
}

func (w *Workspace) signalLocked() {
	close(w.changed)
	w.changed = make(chan struct{})
}

func (w *Workspace) nextLocked(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s%06d", prefix, w.seq)
}

func (w *Workspace) tsLocked() string {
	w.seq++
	return fmt.Sprintf("1764000000.%06d", w.seq)
}

// api wraps a method's handler with call counting and faults.
func (w *Workspace) api(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.calls[method]++
		var fault *Fault
		for _, f := range w.faults {
			if len(f.Methods) == 0 || slices.Contains(f.Methods, method) {
				fault = f
				if f.Count > 0 {
					f.Count--
					if f.Count == 0 {
						w.faults = slices.DeleteFunc(w.faults, func(x *Fault) bool { return x == f })
					}
				}
				break
			}
		}
		hang := w.hangDone
		w.signalLocked()
		w.mu.Unlock()
		switch {
		case fault == nil:
			h(rw, r)
		case fault.Hang:
			select {
			case <-r.Context().Done():
			case <-hang:
			}
			http.Error(rw, "gave up", http.StatusGatewayTimeout)
		case fault.Lose:
			h(httptest.NewRecorder(), r)
			http.Error(rw, "bad gateway", http.StatusBadGateway)
		case fault.RetryAfter > 0:
			rw.Header().Set("Retry-After", strconv.Itoa(int(fault.RetryAfter/time.Second)))
			http.Error(rw, "ratelimited", http.StatusTooManyRequests)
		case fault.Status != 0:
			http.Error(rw, http.StatusText(fault.Status), fault.Status)
		default:
			fail(rw, fault.Code)
		}
	}
}

func reply(rw http.ResponseWriter, v any) {
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(v)
}

func fail(rw http.ResponseWriter, code string) { reply(rw, map[string]any{"ok": false, "error": code}) }

func form(r *http.Request) url.Values {
	_ = r.ParseForm()
	return r.Form
}

func (w *Workspace) authTest(rw http.ResponseWriter, _ *http.Request) {
	reply(rw, map[string]any{"ok": true, "user_id": BotUserID, "user": "breachbot", "team_id": "T0TEST", "bot_id": "B0BREACH"})
}

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

func (w *Workspace) viewsOpen(rw http.ResponseWriter, r *http.Request) {
	var req struct {
		TriggerID string          `json:"trigger_id"`
		View      json.RawMessage `json:"view"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.TriggerID == "" {
		fail(rw, "invalid_arguments")
		return
	}
	v := View{TriggerID: req.TriggerID, View: req.View}
	_ = json.Unmarshal(req.View, &v)
	w.mu.Lock()
	defer w.mu.Unlock()
	v.ID = w.nextLocked("V")
	w.views = append(w.views, v)
	w.signalLocked()
	reply(rw, map[string]any{"ok": true, "view": map[string]any{"id": v.ID, "callback_id": v.CallbackID}})
}

// viewsPublish records a published App Home view, per user.
func (w *Workspace) viewsPublish(rw http.ResponseWriter, r *http.Request) {
	var req struct {
		UserID string          `json:"user_id"`
		View   json.RawMessage `json:"view"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.UserID == "" {
		fail(rw, "invalid_arguments")
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.homes[req.UserID] = append(w.homes[req.UserID], req.View)
	w.signalLocked()
	reply(rw, map[string]any{"ok": true, "view": map[string]any{"id": w.nextLocked("V"), "type": "home"}})
}

// Homes returns the App Home views published for a user (views.publish),
// oldest first.
func (w *Workspace) Homes(user string) []json.RawMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.homes[user])
}

func (w *Workspace) groupMembers(rw http.ResponseWriter, r *http.Request) {
	g := form(r).Get("usergroup")
	w.mu.Lock()
	defer w.mu.Unlock()
	users, ok := w.groups[g]
	if !ok {
		fail(rw, "no_such_subteam")
		return
	}
	reply(rw, map[string]any{"ok": true, "users": users})
}

func (w *Workspace) uploadURL(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	w.mu.Lock()
	id := w.nextLocked("F")
	w.files = append(w.files, File{ID: id, Name: f.Get("filename")})
	w.mu.Unlock()
	reply(rw, map[string]any{"ok": true, "upload_url": w.APIURL() + "upload/" + id, "file_id": id})
}

func (w *Workspace) upload(rw http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(rw, "no file", http.StatusBadRequest)
		return
	}
	data, _ := io.ReadAll(file)
	w.mu.Lock()
	w.uploads[id] = data
	w.mu.Unlock()
	rw.Write([]byte("OK"))
}

func (w *Workspace) completeUpload(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	_ = json.Unmarshal([]byte(f.Get("files")), &files)
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []map[string]any
	for _, fl := range files {
		for i := range w.files {
			if w.files[i].ID == fl.ID {
				w.files[i].Title, w.files[i].Channel, w.files[i].Content = fl.Title, f.Get("channel_id"), w.uploads[fl.ID]
			}
		}
		out = append(out, map[string]any{"id": fl.ID, "title": fl.Title})
	}
	w.signalLocked()
	reply(rw, map[string]any{"ok": true, "files": out})
}

func (w *Workspace) response(rw http.ResponseWriter, r *http.Request) {
	var resp Response
	if err := json.NewDecoder(r.Body).Decode(&resp); err != nil {
		http.Error(rw, "bad json", http.StatusBadRequest)
		return
	}
	resp.ID = strings.TrimPrefix(r.URL.Path, "/response/")
	if err := CheckBlocks(resp.Blocks); err != nil {
		reply(rw, map[string]any{"ok": false, "error": "invalid_blocks"})
		return
	}
	w.mu.Lock()
	w.responses = append(w.responses, resp)
	w.signalLocked()
	w.mu.Unlock()
	reply(rw, map[string]any{"ok": true})
}

func (w *Workspace) connectionsOpen(rw http.ResponseWriter, r *http.Request) {
	reply(rw, map[string]any{"ok": true, "url": strings.Replace(w.APIURL(), "http://", "ws://", 1) + "ws"})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// ws is the Socket Mode endpoint: it says hello, sends queued envelopes and
// records acknowledgements.
func (w *Workspace) ws(rw http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(rw, r, nil)
	if err != nil {
		return
	}
	w.mu.Lock()
	w.sockets++
	w.socket = conn
	w.signalLocked()
	w.mu.Unlock()
	var writeMu sync.Mutex
	write := func(data []byte) error {
		writeMu.Lock()
		defer writeMu.Unlock()
		return conn.WriteMessage(websocket.TextMessage, data)
	}
	if err := write([]byte(`{"type":"hello","num_connections":1,"connection_info":{"app_id":"A0BREACH"}}`)); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var ack struct {
				EnvelopeID string          `json:"envelope_id"`
				Payload    json.RawMessage `json:"payload"`
			}
			if json.Unmarshal(data, &ack) == nil && ack.EnvelopeID != "" {
				w.mu.Lock()
				if ack.Payload == nil {
					ack.Payload = json.RawMessage("null")
				}
				w.acks[ack.EnvelopeID] = ack.Payload
				w.ackTotal++
				w.signalLocked()
				w.mu.Unlock()
			}
		}
	}()
	for {
		select {
		case <-done:
			return
		case env := <-w.envelopes:
			if err := write(env); err != nil {
				w.envelopes <- env // deliver on the next connection
				return
			}
		}
	}
}

// Sockets returns how many Socket Mode connections were made.
func (w *Workspace) Sockets() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sockets
}

// DropSocket cuts the current Socket Mode connection without a close frame,
// as a network failure would.
func (w *Workspace) DropSocket() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.socket != nil {
		w.socket.UnderlyingConn().Close()
	}
}

// SendEnvelope queues a Socket Mode request ("slash_commands",
// "interactive") for the connected app and returns its envelope id.
func (w *Workspace) SendEnvelope(typ string, payload any, retryAttempt int, envelopeID string) string {
	w.mu.Lock()
	if envelopeID == "" {
		envelopeID = w.nextLocked("env-")
	}
	w.mu.Unlock()
	data, err := json.Marshal(map[string]any{"envelope_id": envelopeID, "type": typ, "payload": payload,
		"accepts_response_payload": true, "retry_attempt": retryAttempt, "retry_reason": ""})
	if err != nil {
		w.t.Fatal(err)
	}
	w.envelopes <- data
	return envelopeID
}

// Ack returns the acknowledgement of an envelope (its payload, "null" for
// none), once it arrived.
func (w *Workspace) Ack(envelopeID string) (json.RawMessage, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	a, ok := w.acks[envelopeID]
	return a, ok
}

// AckCount returns how many acknowledgements arrived (redeliveries of an
// envelope count again).
func (w *Workspace) AckCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ackTotal
}

// blocksText collects the "text" strings of Block Kit JSON.
func blocksText(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	var parts []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				parts = append(parts, s)
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if c := x[k]; k != "text" || !isString(c) {
					walk(c)
				}
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return strings.Join(parts, "\n")
}

func isString(v any) bool { _, ok := v.(string); return ok }

// Buttons returns the buttons of Block Kit JSON as action_id -> values.
func Buttons(raw json.RawMessage) map[string][]string {
	var blocks []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(raw, &blocks)
	out := map[string][]string{}
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.Type == "button" {
				out[e.ActionID] = append(out[e.ActionID], e.Value)
			}
		}
	}
	return out
}

// fileInfo answers files.info with the file's name, size and a private
// download URL on this server (slack-go sends the bot token only there).
func (w *Workspace) fileInfo(rw http.ResponseWriter, r *http.Request) {
	id := form(r).Get("file")
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range w.files {
		if f.ID == id {
			download := w.APIURL() + "download/" + f.ID
			if f.DownloadURL != "" {
				download = f.DownloadURL
			}
			reply(rw, map[string]any{"ok": true, "file": map[string]any{"id": f.ID, "name": f.Name, "title": f.Title,
				"size": len(f.Content), "filetype": "csv", "user": f.User, "url_private_download": download}})
			return
		}
	}
	fail(rw, "file_not_found")
}

// download serves a file's content to the bot token only.
func (w *Workspace) download(rw http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer xoxb-test" {
		http.Error(rw, "sign in", http.StatusForbidden)
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/download/")
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.files {
		if w.files[i].ID == id {
			w.files[i].Downloads++
			w.signalLocked()
			rw.Write(w.files[i].Content)
			return
		}
	}
	http.NotFound(rw, r)
}

// userInfo answers users.info with the address set by SetEmail.
func (w *Workspace) userInfo(rw http.ResponseWriter, r *http.Request) {
	id := form(r).Get("user")
	w.mu.Lock()
	defer w.mu.Unlock()
	addr, ok := w.emails[id]
	if !ok {
		fail(rw, "user_not_found")
		return
	}
	reply(rw, map[string]any{"ok": true, "user": map[string]any{"id": id, "profile": map[string]any{"email": addr}}})
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
