// Command fakeslack is a stand-in for the Slack Web API for the
// out-of-process benchmarks (scripts/bench): it answers every method `serve`
// calls with "ok" at once (or after -latency) and remembers when each
// message was posted or updated, so that a benchmark measures what left the
// process, when.
//
//	fakeslack -addr 127.0.0.1:0
//
// It prints its API URL (for SLACK_API_URL) on the first line of its
// output, then serves until killed. Besides the Web API under /api/ it
// serves:
//
//	GET /bench/posts   one line per chat.postMessage: unix ns received, channel, metadata key
//	GET /bench/calls   one line per method: name and how many calls
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	latency := flag.Duration("latency", 0, "how long each API call takes")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s/api/\n", ln.Addr())
	os.Stdout.Sync()
	log.Fatal(http.Serve(ln, newServer(*latency)))
}

// post is one chat.postMessage received.
type post struct {
	at      time.Time
	channel string
	key     string
}

// server is the fake API and what it received.
type server struct {
	latency time.Duration

	mu    sync.Mutex
	posts []post
	calls map[string]int
	ts    int64
}

func newServer(latency time.Duration) http.Handler {
	s := &server{latency: latency, calls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.api)
	mux.HandleFunc("GET /bench/posts", s.listPosts)
	mux.HandleFunc("GET /bench/calls", s.listCalls)
	return mux
}

func (s *server) api(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	method := r.PathValue("method")
	channel, key := "", ""
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		var body struct {
			Channel  string `json:"channel"`
			Metadata struct {
				Payload map[string]any `json:"event_payload"`
			} `json:"metadata"`
		}
		data, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(data, &body)
		channel = body.Channel
		key, _ = body.Metadata.Payload["key"].(string)
	} else {
		_ = r.ParseForm()
		channel = r.Form.Get("channel")
		var meta struct {
			Payload map[string]any `json:"event_payload"`
		}
		if json.Unmarshal([]byte(r.Form.Get("metadata")), &meta) == nil {
			key, _ = meta.Payload["key"].(string)
		}
	}
	s.mu.Lock()
	s.calls[method]++
	s.ts++
	ts := fmt.Sprintf("1800000000.%06d", s.ts)
	if method == "chat.postMessage" {
		s.posts = append(s.posts, post{at: at, channel: channel, key: key})
	}
	s.mu.Unlock()
	if s.latency > 0 {
		time.Sleep(s.latency) // the simulated network
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(answer(method, channel, ts))
}

// answer is what Slack would answer to method, enough for breachbot.
func answer(method, channel, ts string) map[string]any {
	out := map[string]any{"ok": true}
	switch method {
	case "auth.test":
		out["user_id"], out["team_id"], out["user"], out["team"] = "UBOT", "TBENCH", "breachbot", "bench"
	case "chat.postMessage", "chat.update":
		out["channel"], out["ts"] = channel, ts
		out["message"] = map[string]any{"ts": ts, "text": ""}
	case "conversations.history", "conversations.replies":
		out["messages"] = []any{}
	case "conversations.open":
		out["channel"] = map[string]any{"id": "DBENCH"}
	case "conversations.create":
		out["channel"] = map[string]any{"id": "CNEW" + strings.ReplaceAll(ts, ".", ""), "name": "bench"}
	case "usergroups.users.list":
		out["users"] = []string{}
	case "users.info":
		out["user"] = map[string]any{"id": "U0", "profile": map[string]any{}}
	}
	return out
}

func (s *server) listPosts(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	posts := append([]post(nil), s.posts...)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	for _, p := range posts {
		fmt.Fprintf(w, "%d %s %s\n", p.at.UnixNano(), p.channel, p.key)
	}
}

func (s *server) listCalls(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	names := make([]string, 0, len(s.calls))
	for m := range s.calls {
		names = append(names, m)
	}
	sort.Strings(names)
	w.Header().Set("Content-Type", "text/plain")
	for _, m := range names {
		fmt.Fprintf(w, "%s %d\n", m, s.calls[m])
	}
	s.mu.Unlock()
}
