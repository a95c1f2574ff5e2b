package slack_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breachbot/breachbot/notifiers/email/smtptest"
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

// TestImportNeverSendsTheBotTokenOffSlack has files.info name a download
// address on another host: the bot does not fetch it (the token would go
// with it), says the file could not be downloaded, and imports nothing.
func TestImportNeverSendsTheBotTokenOffSlack(t *testing.T) {
	e := newEnv(t, envOptions{background: true, notices: smtptest.Start(t)})
	var requests, withToken atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if strings.Contains(r.Header.Get("Authorization"), "xoxb-test") {
			withToken.Add(1)
		}
		w.Write([]byte(affectedCSV))
	}))
	defer elsewhere.Close()
	e.answer(alice, "C0GENERAL", "declare Customer DB exposed")
	ch := e.declaredChannel("INC-2026-0001")
	_, _, trigger := e.command(alice, ch.ID, "notice import")
	e.ws.WaitFor("the import form", func() bool { return len(e.ws.Views()) == 1 })
	file := e.ws.UserUpload(alice, "customers.csv", []byte(affectedCSV))
	e.ws.SetDownloadURL(file, elsewhere.URL+"/files-pri/T0TEST-"+file+"/customers.csv")
	if status, body := e.submit(alice, e.ws.Views()[0], map[string]any{"file": file}); status != http.StatusOK || body != "" {
		t.Fatalf("import form: HTTP %d %q", status, body)
	}
	got := e.response(trigger, "the import's answer")
	if !strings.Contains(got, "could not be downloaded from Slack") || !strings.Contains(got, "nothing was imported") {
		t.Errorf("answer to an upload whose address is not Slack's:\n%s", got)
	}
	if n, tok := requests.Load(), withToken.Load(); n != 0 || tok != 0 {
		t.Errorf("the other host got %d requests, %d with the bot token; want none", n, tok)
	}
	if got := e.answer(alice, ch.ID, "notice status"); !strings.Contains(got, "No affected people imported yet") {
		t.Errorf("notice status after a refused download:\n%s", got)
	}
	if inc := e.incident("INC-2026-0001"); inc.Facts["affected"].String() != "" {
		t.Errorf("facts after a refused download: affected=%s, want none", inc.Facts["affected"].String())
	}
}

// TestInteractionOverTheLimitIsRefused posts a signed interaction of over
// 1 MiB: 413, nothing run.
func TestInteractionOverTheLimitIsRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := workspacetest.Click{User: alice, Channel: "C0GENERAL", MessageTS: "1764000000.000001", TriggerID: "t-big",
		ResponseURL: e.ws.ResponseURL("t-big"), ActionID: "step_done", Value: "INC-2026-0001 triage", Label: "Done"}
	form := workspacetest.InteractionForm(c.Payload())
	form.Set("padding", strings.Repeat("x", 1<<20))
	if status, body := e.do(workspacetest.Request(e.srv.URL+"/slack/interactions", secret, time.Now(), form.Encode())); status != http.StatusRequestEntityTooLarge {
		t.Errorf("interaction over 1 MiB: HTTP %d %q, want 413", status, body)
	}
	if a := e.audit(); len(a) != 0 {
		t.Errorf("audit entries for a refused request: %+v", a)
	}
}
