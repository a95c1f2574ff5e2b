package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/incidents/noticetest"
	"github.com/breachbot/breachbot/internal/metrics"
	"github.com/breachbot/breachbot/notifiers/email"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
	"github.com/breachbot/breachbot/notifiers/slack"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
	"github.com/breachbot/breachbot/playbooks"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// The people of the fake workspace.
const (
	alice = "U0ALICE" // responder (through the group S0RESP)
	bob   = "U0BOB"   // responder (through the group S0RESP)
	lead  = "U0LEAD"  // lead (listed by user id)
	dpo   = "U0DPO"   // legal (through the group S0LEGAL)
	eve   = "U0EVE"   // no role
)

var roles = map[string][]string{
	incidents.RoleResponders: {"S0RESP"},
	incidents.RoleLeads:      {lead},
	incidents.RoleLegal:      {"S0LEGAL"},
}

// start is the fake time the tests begin at.
var start = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

type env struct {
	t       testing.TB
	ws      *workspacetest.Workspace
	clock   *clocktest.Clock
	store   *boltstore.Store
	svc     *incidents.Service
	bot     *slack.Bot
	metrics *metrics.Metrics
	srv     *httptest.Server
	trigger atomic.Int64
	client  *slackapi.Client
	dir     *slack.Directory
	router  *commands.Router
}

// secondBot starts another Bot on the same database (as a restarted
// process would) and returns its base URL.
func (e *env) secondBot() string {
	e.t.Helper()
	bot, err := slack.New(slack.Config{Client: e.client, Service: e.svc, Router: e.router, State: e.store.SlackState(),
		Directory: e.dir, SigningSecret: secret, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		e.t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /slack/commands", bot.CommandsHandler())
	srv := httptest.NewServer(mux)
	e.t.Cleanup(func() { srv.Close(); bot.Close() })
	return srv.URL
}

type envOptions struct {
	// background starts the scheduler and dispatcher.
	background bool
	// clientTimeout bounds each Slack API call.
	clientTimeout time.Duration
	// notices wires customer notices: a renderer, SMTP to smtp (a real
	// server), an encryption key, and the notice sender in the background.
	notices *smtptest.Server
	// ackBudget is how long a command may take to be answered in its
	// acknowledgement (default 2 s, so that answers are inline on a loaded
	// test machine; negative: the production default, slack.DefaultAckBudget).
	ackBudget time.Duration
	// announce is the channel told, without details, that an incident
	// was declared (announce_channel).
	announce string
	// log receives the log of the bot, its router and the service
	// (default: discarded).
	log io.Writer
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	ws := workspacetest.New(t)
	ws.SetGroup("S0RESP", alice, bob)
	ws.SetGroup("S0LEGAL", dpo)
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "breachbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	switch {
	case o.ackBudget == 0:
		o.ackBudget = 2 * time.Second
	case o.ackBudget < 0:
		o.ackBudget = 0 // the Bot's default, as in production
	}
	if o.clientTimeout == 0 {
		o.clientTimeout = 2 * time.Second
	}
	client := slackapi.New("xoxb-test", slackapi.OptionAPIURL(ws.APIURL()), slackapi.OptionHTTPClient(&http.Client{Timeout: o.clientTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}))
	if o.log == nil {
		o.log = io.Discard
	}
	log := slog.New(slog.NewTextHandler(o.log, nil))
	dir := slack.NewDirectory(client, roles, log)
	if err := dir.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock := clocktest.New(start)
	var e0 struct{ bot *slack.Bot } // the bot, for the router's UserEmail
	cfg := incidents.Config{Store: store, Playbooks: playbooks.New(playbooks.Embedded(), "embedded"),
		Clock: clock, Roles: dir, Logger: log}
	var sender *incidents.NoticeSender
	if o.notices != nil {
		key, err := boltstore.ParseKey(boltstore.GenerateKey())
		if err != nil {
			t.Fatal(err)
		}
		if err := store.SetEncryptionKey(key); err != nil {
			t.Fatal(err)
		}
		mailer, err := email.New(email.Config{Addr: o.notices.Addr, TLS: "none", From: "privacy@acme.example", Connections: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { mailer.Close() })
		cfg.Notices, cfg.Mailer = noticetest.Renderer{}, mailer
		cfg.Company = incidents.Company{Name: "Acme Corp", ContactEmail: "privacy@acme.example"}
	}
	svc := incidents.NewService(cfg)
	if o.notices != nil {
		sender = incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{ProgressEvery: -1})
	}
	router := commands.NewRouter(svc, commands.RouterOptions{Log: log, UserEmail: func(ctx context.Context, user string) (string, bool) {
		return e0.bot.UserEmail(ctx, user)
	}})
	m := metrics.New(store)
	bot, err := slack.New(slack.Config{Client: client, Service: svc, Router: router, State: store.SlackState(),
		Directory: dir, SigningSecret: secret, Metrics: m, Log: log, AckBudget: o.ackBudget, AnnounceChannel: o.announce})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /slack/commands", bot.CommandsHandler())
	mux.Handle("POST /slack/interactions", bot.InteractionsHandler())
	mux.Handle("GET /metrics", m.Handler())
	srv := httptest.NewServer(mux)
	e := &env{t: t, ws: ws, clock: clock, store: store, svc: svc, bot: bot, metrics: m, srv: srv, client: client, dir: dir, router: router}
	e0.bot = bot
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 3)
	if sender != nil {
		go func() { sender.Run(ctx); done <- struct{}{} }()
	}
	if o.background {
		go func() { incidents.NewScheduler(svc).Run(ctx); done <- struct{}{} }()
		go func() { incidents.NewDispatcher(svc, bot).Run(ctx); done <- struct{}{} }()
	}
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if o.background {
			<-done
			<-done
		}
		if sender != nil {
			<-done
		}
		bot.Close()
	})
	return e
}

// post sends a signed form to path and returns the status and body.
func (e *env) post(path string, form url.Values) (int, string) {
	e.t.Helper()
	return e.do(workspacetest.Request(e.srv.URL+path, secret, time.Now(), form.Encode()))
}

func (e *env) do(r *http.Request) (int, string) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (e *env) newTrigger() string { return fmt.Sprintf("trigger-%d", e.trigger.Add(1)) }

// command types /breach text as user in channel; the response_url is
// recorded in the workspace under the returned trigger id.
func (e *env) command(user, channel, text string) (status int, ack string, trigger string) {
	e.t.Helper()
	trigger = e.newTrigger()
	c := workspacetest.Command{User: user, Channel: channel, Text: text, ResponseURL: e.ws.ResponseURL(trigger), TriggerID: trigger}
	status, ack = e.post("/slack/commands", c.Form())
	return status, ack, trigger
}

// click presses a button; answers go to the response_url recorded under
// the returned trigger id.
func (e *env) click(user, channel, messageTS, actionID, value string) (int, string) {
	e.t.Helper()
	trigger := e.newTrigger()
	c := workspacetest.Click{User: user, Channel: channel, MessageTS: messageTS, ResponseURL: e.ws.ResponseURL(trigger),
		TriggerID: trigger, ActionID: actionID, Value: value, Label: actionID}
	status, body := e.post("/slack/interactions", workspacetest.InteractionForm(c.Payload()))
	if status != http.StatusOK {
		e.t.Fatalf("click %s: HTTP %d %s", actionID, status, body)
	}
	return status, trigger
}

// submit submits a modal and returns Slack's view of the answer.
func (e *env) submit(user string, v workspacetest.View, values map[string]any) (int, string) {
	e.t.Helper()
	s := workspacetest.Submission{User: user, TriggerID: e.newTrigger(), View: v, Values: values}
	return e.post("/slack/interactions", workspacetest.InteractionForm(s.Payload()))
}

// incidentsDeclared counts the incidents in the store.
func (e *env) incidentsDeclared() int {
	n := 0
	e.store.View(context.Background(), func(tx incidents.Tx) error {
		return tx.Incidents(func(*incidents.Incident) error { n++; return nil })
	})
	return n
}

func (e *env) incident(id string) *incidents.Incident {
	e.t.Helper()
	var inc *incidents.Incident
	err := e.store.View(context.Background(), func(tx incidents.Tx) error {
		var err error
		inc, err = tx.Incident(id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return inc
}

// audit returns the audit entries, all of them.
func (e *env) audit() []incidents.AuditEntry {
	var out []incidents.AuditEntry
	e.store.View(context.Background(), func(tx incidents.Tx) error {
		return tx.AuditLog("", func(a incidents.AuditEntry) error { out = append(out, a); return nil })
	})
	return out
}

// pending returns the notifications still in the outbox.
func (e *env) pending() []incidents.Notification {
	var out []incidents.Notification
	e.store.View(context.Background(), func(tx incidents.Tx) error {
		var err error
		out, _, err = tx.Pending(start.AddDate(10, 0, 0), 1000)
		return err
	})
	return out
}

// waitOutboxEmpty waits until the dispatcher delivered everything due.
func (e *env) waitOutboxEmpty() {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(e.pending()) > 0 {
		if time.Now().After(deadline) {
			e.t.Fatalf("outbox not delivered: %+v", e.pending())
		}
		time.Sleep(5 * time.Millisecond) // polling the outbox, not waiting for a deadline
	}
}

// decode parses a JSON acknowledgement.
func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("acknowledgement %q is not JSON: %v", body, err)
	}
	return v
}

// text returns every text of an acknowledgement's blocks.
func text(t *testing.T, body string) string {
	t.Helper()
	r := workspacetest.Response{}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("acknowledgement %q is not JSON: %v", body, err)
	}
	return r.Text + "\n" + r.BlocksText()
}

// declaredChannel waits for the incident's channel to be set up and returns it.
func (e *env) declaredChannel(id string) workspacetest.Channel {
	e.t.Helper()
	var ch workspacetest.Channel
	e.ws.WaitFor(id+"'s channel with its two pinned messages", func() bool {
		inc := e.incident(id)
		if inc.Channel == "" {
			return false
		}
		ch, _ = e.ws.Channel(inc.Channel)
		return len(ch.Pins) == 2
	})
	return ch
}
