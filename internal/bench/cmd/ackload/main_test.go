package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestLoadSignsAsSlackAndCountsAnswers runs ackload against a server that
// verifies each request with slack-go's SecretsVerifier (what breachbot
// uses), refuses replays, answers every other command in the
// acknowledgement and the rest through response_url, except one it never
// answers: every acknowledgement is measured, the missing answer fails the
// line, and so do answers without the text -expect asks for.
func TestLoadSignsAsSlackAndCountsAnswers(t *testing.T) {
	const secret = "test-secret"
	var n, bad atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sv, err := slack.NewSecretsVerifier(r.Header, secret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		form, _ := url.ParseQuery(string(body))
		if err != nil || form.Get("command") != "/breach" || form.Get("text") == "" {
			bad.Add(1)
			http.Error(w, "invalid", http.StatusUnauthorized)
			return
		}
		i := n.Add(1)
		switch {
		case i == 7: // acknowledged, never answered
		case i%2 == 0:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"text":"answer"}`)
		default:
			go func() {
				resp, err := http.Post(form.Get("response_url"), "application/json", bytes.NewReader([]byte(`{"text":"answer"}`)))
				if err == nil {
					resp.Body.Close()
				}
			}()
		}
	}))
	defer srv.Close()
	o := options{url: srv.URL, secret: secret, channel: "C1", users: "U1,U2", text: "facts affected=%d", n: 10, bursts: 2, warmup: 0,
		label: "facts", target: 50 * time.Millisecond, answerWait: time.Second, expect: "answer"}
	l, err := newLoad(o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	res, err := l.run()
	if err != nil {
		t.Fatal(err)
	}
	if bad.Load() != 0 {
		t.Fatalf("%d requests not signed as Slack signs", bad.Load())
	}
	if len(res.acks) != 20 || res.failures != 0 || res.inline != 10 || res.unanswered != 1 {
		t.Errorf("acks %d, failures %d, inline %d, unanswered %d; want 20, 0, 10, 1", len(res.acks), res.failures, res.inline, res.unanswered)
	}
	if line := res.line(o); !strings.HasPrefix(line, "ack p99 facts: ") || !strings.HasSuffix(line, ", 1 never answered (target: < 50 ms) FAIL") {
		t.Errorf("line %q", line)
	}

	// Answers that do not say what -expect wants are failures.
	l.o.expect = "facts recorded"
	res, err = l.run()
	if err != nil {
		t.Fatal(err)
	}
	if res.failures != 20 || res.reasons[`answered without "facts recorded"`] != 20 {
		t.Errorf("failures %d (%v), want 20 answered without the expected text", res.failures, res.reasons)
	}
}

func TestPercentileAndLine(t *testing.T) {
	upTo := func(n int) []time.Duration { // n..1 ms, unsorted
		var ds []time.Duration
		for i := n; i >= 1; i-- {
			ds = append(ds, time.Duration(i)*time.Millisecond)
		}
		return ds
	}
	ds := upTo(100)
	if p := pct(ds, 0.99); p != 99*time.Millisecond {
		t.Errorf("p99 of 1..100 ms = %s, want 99ms", p)
	}
	if p := pct(ds, 0.5); p != 50*time.Millisecond {
		t.Errorf("p50 of 1..100 ms = %s, want 50ms", p)
	}
	r := result{acks: ds}
	o := options{label: "help", n: 200, target: 50 * time.Millisecond}
	if got, want := r.line(o), "ack p99 help: 99.0 ms at 200 concurrent (target: < 50 ms) FAIL"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
	r = result{acks: upTo(50)}
	if got, want := r.line(o), "ack p99 help: 50.0 ms at 200 concurrent (target: < 50 ms) FAIL"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
	r = result{acks: upTo(49)}
	if got, want := r.line(o), "ack p99 help: 49.0 ms at 200 concurrent (target: < 50 ms) PASS"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
}
