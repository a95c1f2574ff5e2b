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
	"net/http"
	"net/http/httptest"
	"net/url"
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
	// Delay answers after this long (a slow Slack): with nothing else set,
	// the call then succeeds. Clear and the client giving up end the wait.
	Delay time.Duration
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
	names     map[string][2]string // user -> display name, real name
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
		uploads: map[string][]byte{}, emails: map[string]string{}, names: map[string][2]string{}, calls: map[string]int{}, envelopes: make(chan []byte, 64),
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

// SetName sets the profile names users.info gives for a user: the
// display name (may be empty, as Slack allows) and the real name.
func (w *Workspace) SetName(user, display, real string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.names[user] = [2]string{display, real}
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
		var delay time.Duration
		if fault != nil {
			delay = fault.Delay
			if fault.Code == "" && !fault.Hang && !fault.Lose && fault.RetryAfter == 0 && fault.Status == 0 {
				fault = nil // only slow: answered as usual after the delay
			}
		}
		w.signalLocked()
		w.mu.Unlock()
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-r.Context().Done():
			case <-hang:
			case <-t.C:
			}
			t.Stop()
		}
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

// userInfo answers users.info with the address set by SetEmail and the
// names set by SetName.
func (w *Workspace) userInfo(rw http.ResponseWriter, r *http.Request) {
	id := form(r).Get("user")
	w.mu.Lock()
	defer w.mu.Unlock()
	addr, hasAddr := w.emails[id]
	names, hasNames := w.names[id]
	if !hasAddr && !hasNames {
		fail(rw, "user_not_found")
		return
	}
	profile := map[string]any{"display_name": names[0], "real_name": names[1]}
	if hasAddr {
		profile["email"] = addr
	}
	reply(rw, map[string]any{"ok": true, "user": map[string]any{"id": id, "real_name": names[1], "profile": profile}})
}
