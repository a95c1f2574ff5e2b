// Command fakeslack is a fake Slack Web API for load measurements: it
// answers the methods breachbot calls (auth.test, chat.*, conversations.*,
// pins.add, users.info, usergroups.users.list, views.*) at once with
// plausible answers and keeps nothing but counts, so that a benchmark of
// breachbot measures breachbot and not the fake. It is a program, not a
// test helper (notifiers/slack/workspacetest needs a *testing.T and records
// everything for assertions).
//
//	fakeslack -addr 127.0.0.1:0 -addr-file /tmp/x/slack.addr [-delay 2s]
//
// It writes its base URL (for SLACK_API_URL) to -addr-file once it listens,
// takes the answers posted to response_urls under /response/ID (they are
// not delayed), tells which of a list of ids were answered, when, and
// whether the text of the first answer contains ?contains= (POST
// /_fake/answered, one id a line; answers "ID UNIX-NANOS COUNT 1|0" lines),
// answers GET /_fake/stats with the calls per method, GET /bench/posts with
// one line per chat.postMessage received ("UNIX-NANOS CHANNEL KEY", KEY the
// metadata's event_payload key, so a benchmark can time what left breachbot,
// when), and stops on SIGTERM.
// A load client can so leave the answers' traffic to this process, as
// Slack's servers would take it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// BotUserID is the bot's own user id (auth.test).
const BotUserID = "UBREACHBOT"

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	addrFile := flag.String("addr-file", "", "write the base URL here once listening")
	delay := flag.Duration("delay", 0, "answer every Web API call after this long (a slow Slack)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, *addr, *addrFile, *delay); err != nil {
		fmt.Fprintln(os.Stderr, "fakeslack:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, addrFile string, delay time.Duration) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String() + "/api/"
	if addrFile != "" {
		if err := os.WriteFile(addrFile, []byte(base+"\n"), 0o600); err != nil {
			ln.Close()
			return err
		}
	}
	srv := &http.Server{Handler: New(delay), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Fake is the fake Web API.
type Fake struct {
	delay   time.Duration
	seq     atomic.Int64
	mu      sync.Mutex
	calls   map[string]int
	answers map[string]answered
	posts   []post
}

// post is one chat.postMessage received.
type post struct {
	at           time.Time
	channel, key string
}

type answered struct {
	first time.Time
	count int
	text  string // of the first answer: its fallback text
}

// New returns the fake's handler; every call is answered after delay.
func New(delay time.Duration) *Fake {
	return &Fake{delay: delay, calls: map[string]int{}, answers: map[string]answered{}}
}

// response takes a message posted to a response_url.
func (f *Fake) response(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		Text string `json:"text"` // the rest is only checked to be JSON: the bench measures breachbot, not the fake
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/response/")
	f.mu.Lock()
	a := f.answers[id]
	if a.count == 0 {
		a.first = time.Now()
		a.text = msg.Text
	}
	a.count++
	f.answers[id] = a
	f.mu.Unlock()
	answer(w, map[string]any{"ok": true})
}

// answeredOf writes, for each id of the body (one a line) that was
// answered, "ID UNIX-NANOS COUNT MATCH": MATCH is 1 if the first answer's
// text contains the query's contains (or none is given), else 0.
func (f *Fake) answeredOf(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	contains := r.URL.Query().Get("contains")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range strings.Fields(string(body)) {
		if a, ok := f.answers[id]; ok {
			match := 0
			if strings.Contains(a.text, contains) {
				match = 1
			}
			fmt.Fprintf(w, "%s %d %d %d\n", id, a.first.UnixNano(), a.count, match)
		}
	}
}

// ServeHTTP answers /api/METHOD, /response/ID, /_fake/answered and
// /_fake/stats.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/response/"):
		f.response(w, r)
		return
	case r.URL.Path == "/_fake/answered":
		f.answeredOf(w, r)
		return
	}
	if r.URL.Path == "/bench/posts" {
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		for _, p := range f.posts {
			fmt.Fprintf(w, "%d %s %s\n", p.at.UnixNano(), p.channel, p.key)
		}
		return
	}
	if r.URL.Path == "/_fake/stats" {
		f.mu.Lock()
		defer f.mu.Unlock()
		names := make([]string, 0, len(f.calls))
		for m := range f.calls {
			names = append(names, m)
		}
		sort.Strings(names)
		for _, m := range names {
			fmt.Fprintf(w, "%s %d\n", m, f.calls[m])
		}
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	at := time.Now()
	_ = r.ParseMultipartForm(1 << 20) // form, JSON or multipart: only a few fields are read
	f.mu.Lock()
	f.calls[method]++
	if method == "chat.postMessage" {
		f.posts = append(f.posts, post{at: at, channel: r.FormValue("channel"), key: metadataKey(r.FormValue("metadata"))})
	}
	f.mu.Unlock()
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	answer(w, f.answer(method, r))
}

func (f *Fake) next(prefix string) string { return fmt.Sprintf("%s%08d", prefix, f.seq.Add(1)) }

func (f *Fake) ts() string { return fmt.Sprintf("1764000000.%06d", f.seq.Add(1)) }

// answer is the JSON answer to one Web API method.
func (f *Fake) answer(method string, r *http.Request) map[string]any {
	ok := func(kv ...any) map[string]any {
		m := map[string]any{"ok": true}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	channel := r.FormValue("channel")
	switch method {
	case "auth.test":
		return ok("user_id", BotUserID, "user", "breachbot", "team_id", "T0BENCH", "bot_id", "B0BREACH")
	case "chat.postMessage", "chat.update", "chat.postEphemeral":
		return ok("channel", channel, "ts", f.ts(), "message_ts", f.ts())
	case "conversations.create":
		id := f.next("C")
		return ok("channel", map[string]any{"id": id, "name": r.FormValue("name"), "is_private": r.FormValue("is_private") == "true",
			"is_channel": true, "creator": BotUserID, "is_member": true})
	case "conversations.open":
		user := r.FormValue("users")
		return ok("channel", map[string]any{"id": "D" + strings.TrimPrefix(user, "U"), "is_im": true})
	case "conversations.info", "conversations.invite", "conversations.join":
		return ok("channel", map[string]any{"id": channel, "is_channel": true, "is_member": true})
	case "conversations.list":
		return ok("channels", []any{}, "response_metadata", map[string]any{"next_cursor": ""})
	case "conversations.history", "conversations.replies":
		return ok("messages", []any{}, "has_more", false)
	case "users.info":
		user := r.FormValue("user")
		return ok("user", map[string]any{"id": user, "real_name": "Responder " + user, "profile": map[string]any{"display_name": "", "real_name": "Responder " + user}})
	case "usergroups.users.list":
		return ok("users", []string{})
	case "views.open", "views.publish", "views.update":
		return ok("view", map[string]any{"id": f.next("V")})
	case "pins.add", "reactions.add":
		return ok()
	}
	return map[string]any{"ok": false, "error": "unknown_method"}
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// metadataKey is the key of a message's metadata event_payload ("" if none).
func metadataKey(metadata string) string {
	var meta struct {
		Payload map[string]any `json:"event_payload"`
	}
	if json.Unmarshal([]byte(metadata), &meta) != nil {
		return ""
	}
	key, _ := meta.Payload["key"].(string)
	return key
}
