package slack_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestUnverifiedRequestsRunNothing sends /breach declare in every way a
// request can fail verification: each gets 401, nothing is declared, and no
// audit entry is written (a 401 is not a person).
func TestUnverifiedRequestsRunNothing(t *testing.T) {
	e := newEnv(t, envOptions{})
	body := workspacetest.Command{User: alice, Channel: "C0GENERAL", Text: "declare Laptop stolen", TriggerID: "t-1",
		ResponseURL: e.ws.ResponseURL("t-1")}.Form().Encode()
	url := e.srv.URL + "/slack/commands"
	now := time.Now()
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"wrong secret", func() *http.Request { return workspacetest.Request(url, "not-the-secret", now, body) }, http.StatusUnauthorized},
		{"no signature", func() *http.Request {
			r := workspacetest.Request(url, secret, now, body)
			r.Header.Del("X-Slack-Signature")
			return r
		}, http.StatusUnauthorized},
		{"no timestamp", func() *http.Request {
			r := workspacetest.Request(url, secret, now, body)
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}, http.StatusUnauthorized},
		{"six minutes old", func() *http.Request { return workspacetest.Request(url, secret, now.Add(-6*time.Minute), body) }, http.StatusUnauthorized},
		{"body changed after signing", func() *http.Request {
			r := workspacetest.Request(url, secret, now, body)
			r.Body = http.NoBody
			tampered := strings.Replace(body, "Laptop", "Server", 1)
			r2 := workspacetest.Request(url, secret, now, tampered)
			r2.Header = r.Header // the signature of the original body
			return r2
		}, http.StatusUnauthorized},
		{"timestamp changed after signing", func() *http.Request {
			r := workspacetest.Request(url, secret, now, body)
			r.Header.Set("X-Slack-Request-Timestamp", "1764330000")
			return r
		}, http.StatusUnauthorized},
		{"body over 64 KiB", func() *http.Request {
			big := body + "&padding=" + strings.Repeat("x", 70<<10)
			return workspacetest.Request(url, secret, now, big)
		}, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := e.do(tc.req()); got != tc.want {
				t.Errorf("HTTP %d, want %d", got, tc.want)
			}
		})
	}
	if n := e.incidentsDeclared(); n != 0 {
		t.Errorf("%d incidents declared by unverified requests", n)
	}
	if a := e.audit(); len(a) != 0 {
		t.Errorf("audit entries for unverified requests: %+v", a)
	}
}

// TestReplayedAndRetriedRequestsRunOnce sends a valid declare, then the very
// same request again (a replay: 401), then Slack's retry of it (a new
// signature, X-Slack-Retry-Num: 1, same trigger id: 200, not run again).
func TestReplayedAndRetriedRequestsRunOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	body := workspacetest.Command{User: alice, Channel: "C0GENERAL", Text: "declare Laptop stolen", TriggerID: "t-1",
		ResponseURL: e.ws.ResponseURL("t-1")}.Form().Encode()
	url := e.srv.URL + "/slack/commands"
	signed := time.Now()
	status, ack := e.do(workspacetest.Request(url, secret, signed, body))
	if status != http.StatusOK || !strings.Contains(text(t, ack), "INC-2026-0001 declared: Laptop stolen") {
		t.Fatalf("first delivery: HTTP %d %s", status, ack)
	}
	if status, _ := e.do(workspacetest.Request(url, secret, signed, body)); status != http.StatusUnauthorized {
		t.Errorf("replayed request: HTTP %d, want 401", status)
	}
	retry := workspacetest.Request(url, secret, signed.Add(2*time.Second), body)
	retry.Header.Set("X-Slack-Retry-Num", "1")
	retry.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	if status, ack := e.do(retry); status != http.StatusOK || ack != "" {
		t.Errorf("retry: HTTP %d %q, want an empty 200", status, ack)
	}
	if n := e.incidentsDeclared(); n != 1 {
		t.Errorf("%d incidents declared, want 1", n)
	}
}

// TestReplayWindowSurvivesRestart replays a request to a second Bot on the
// same database, as after a restart: the used signature is on disk.
func TestReplayWindowSurvivesRestart(t *testing.T) {
	e := newEnv(t, envOptions{})
	body := workspacetest.Command{User: alice, Channel: "C0GENERAL", Text: "help", TriggerID: "t-9", ResponseURL: e.ws.ResponseURL("t-9")}.Form().Encode()
	signed := time.Now()
	if status, _ := e.do(workspacetest.Request(e.srv.URL+"/slack/commands", secret, signed, body)); status != http.StatusOK {
		t.Fatalf("HTTP %d", status)
	}
	e.bot.Close() // a restart: the first process stops
	restarted := e.secondBot()
	if status, _ := e.do(workspacetest.Request(restarted+"/slack/commands", secret, signed, body)); status != http.StatusUnauthorized {
		t.Errorf("replay after restart: HTTP %d, want 401", status)
	}
}

// TestReplayWithUpperCasedSignatureIsRefused replays a used request with its
// signature's hex in upper case (which verification accepts, as it decodes
// hex whatever the case): 401, and the command ran once.
func TestReplayWithUpperCasedSignatureIsRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	body := workspacetest.Command{User: alice, Channel: "C0GENERAL", Text: "declare Laptop stolen", TriggerID: "t-1",
		ResponseURL: e.ws.ResponseURL("t-1")}.Form().Encode()
	url := e.srv.URL + "/slack/commands"
	signed := time.Now()
	if status, ack := e.do(workspacetest.Request(url, secret, signed, body)); status != http.StatusOK {
		t.Fatalf("first delivery: HTTP %d %s", status, ack)
	}
	replay := workspacetest.Request(url, secret, signed, body)
	replay.Header.Set("X-Slack-Signature", "v0="+strings.ToUpper(strings.TrimPrefix(replay.Header.Get("X-Slack-Signature"), "v0=")))
	replay.Header.Set("X-Slack-Retry-Num", "0")
	if status, ack := e.do(replay); status != http.StatusUnauthorized {
		t.Errorf("upper-cased replay: HTTP %d %s, want 401", status, ack)
	}
	if n := e.incidentsDeclared(); n != 1 {
		t.Errorf("%d incidents declared, want 1", n)
	}
}
