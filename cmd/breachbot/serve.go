package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack/socketmode"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/internal/metrics"
	"github.com/breachbot/breachbot/notifiers/slack"
)

// Time limits of serve's listeners: reading a request's header, reading
// the whole request (header and body), writing the answer, and keeping an
// idle connection. Variables so that a test can shorten them.
var (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 15 * time.Second
	idleTimeout       = 2 * time.Minute
)

// slackParallel is how many incidents' notifications serve delivers to
// Slack at the same time.
const slackParallel = 16

// newHTTPServer returns a server for h with the time limits above, so a
// client that sends slowly (or not at all) cannot hold connections.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout}
}

// serveProblems lists everything `serve` needs that the config lacks.
// Secrets are named, never shown.
func (c *Config) serveProblems() []string {
	var problems []string
	if c.SlackBotToken == "" {
		problems = append(problems, "SLACK_BOT_TOKEN is not set (the app's Bot User OAuth Token, xoxb-...)")
	}
	if c.SlackAppToken == "" && c.SlackSigningSecret == "" {
		problems = append(problems, "SLACK_SIGNING_SECRET is not set (Basic Information > Signing Secret); or set SLACK_APP_TOKEN (xapp-...) for Socket Mode")
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		problems = append(problems, "SLACK_APP_TOKEN is not an app-level token (it starts with xapp-)")
	}
	if len(c.Roles) == 0 {
		problems = append(problems, "roles: is empty; in Slack every role must be given to Slack user (U…) or user-group (S…) ids, e.g. roles: {responders: [S01ONCALL], leads: [U01LEAD], legal: [S02LEGAL]}")
	}
	for _, role := range incidents.AllRoles {
		for _, id := range c.Roles[role] {
			if id == "" || !strings.ContainsRune("UWS", rune(id[0])) || strings.ToUpper(id) != id {
				problems = append(problems, fmt.Sprintf("roles.%s: %q is not a Slack user id (U…, W…) or user-group id (S…)", role, id))
			}
		}
	}
	return problems
}

// runServe runs the Slack bot: Socket Mode when SLACK_APP_TOKEN is set,
// else HTTP (POST /slack/commands, POST /slack/interactions). Either way it
// serves GET /healthz (and POST /github/webhook when the GitHub playbooks
// and GITHUB_WEBHOOK_SECRET are set) on BREACHBOT_HTTP_ADDR and GET /metrics
// on BREACHBOT_METRICS_ADDR (unless off), runs the
// scheduler and the outbox dispatcher with Slack as the notifier, and the
// admin endpoint for data commands. It stops cleanly when ctx ends (SIGTERM,
// Ctrl-C): no new requests, answers in flight sent, background loops
// stopped, the database closed.
func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := m.flagSet("serve")
	var c commonFlags
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", strings.Join(fs.Args(), " "))
	}
	cfg, err := m.loadConfig(c)
	if err != nil {
		return err
	}
	cfg.serving = true
	log := m.logger(cfg)
	socketMode := cfg.SlackAppToken != ""

	appToken := ""
	if socketMode {
		appToken = cfg.SlackAppToken
	}
	client := slack.NewClient(cfg.SlackBotToken, appToken, cfg.SlackAPIURL)
	dir := slack.NewDirectory(client, cfg.Roles, log)
	if err := startupChecks(ctx, cfg, client, dir, log); err != nil {
		return err
	}
	probeRelay(ctx, cfg, log)
	// Test-sends go to the requester: breachbot.yaml users: first, else
	// their Slack profile (the bot, made below, reads it).
	var bot *slack.Bot
	// The metrics, made below over the store, count the notices sent.
	var met *metrics.Metrics
	app, err := openApp(cfg, m.Clock, log, frontEnd{roles: dir, userEmail: func(ctx context.Context, user string) (string, bool) {
		if bot == nil {
			return "", false
		}
		return bot.UserEmail(ctx, user)
	}, userName: dir.UserName, mentions: true, noticesRecorded: func(sent, failed int) {
		if met == nil {
			return
		}
		met.NoticesSent.Add(float64(sent))
		met.NoticesFailed.Add(float64(failed))
	}})
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.Store.CheckEncryptionKey(); err != nil {
		return fmt.Errorf("serve cannot start: %w", err)
	}

	met = metrics.New(app.Store)
	bot, err = slack.New(slack.Config{Client: client, Service: app.Service, Router: app.Router, State: app.Store.SlackState(),
		Directory: dir, SigningSecret: cfg.SlackSigningSecret, AnnounceChannel: cfg.AnnounceChannel, Metrics: met, Log: log})
	if err != nil {
		return err
	}
	defer bot.Close()
	admin, err := startAdmin(ctx, app)
	if err != nil {
		return err
	}
	defer admin.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := bot.Healthy(r.Context(), socketMode); err != nil {
			http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	if !socketMode {
		mux.Handle("POST /slack/commands", bot.CommandsHandler())
		mux.Handle("POST /slack/interactions", bot.InteractionsHandler())
		mux.Handle("POST /slack/events", bot.EventsHandler())
	}
	if app.GitHubWebhook != nil {
		mux.Handle("POST /github/webhook", app.GitHubWebhook.Handler())
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (BREACHBOT_HTTP_ADDR): %w", cfg.HTTPAddr, err)
	}
	app.HTTPAddr = ln.Addr().String()
	// Metrics (counts of open incidents' missed and running obligations)
	// are not for whoever can reach the listener Slack reaches: they have
	// their own, on the machine by default.
	var mln net.Listener
	if cfg.metricsOn() {
		mln, err = net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (BREACHBOT_METRICS_ADDR / metrics_addr; off to serve no metrics): %w", cfg.MetricsAddr, err)
		}
		app.MetricsAddr = mln.Addr().String()
	}
	// Slack takes messages for different channels at once: a minute in
	// which thousands of reminders come due is delivered sixteen
	// incidents at a time (each incident's in order).
	workers := app.workers(bot, slackParallel)
	serveOn := func(name string, srv *http.Server, ln net.Listener) {
		workers.GoStoppable(name, func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}, srv.Shutdown)
	}
	serveOn("http server", newHTTPServer(mux), ln)
	if mln != nil {
		mmux := http.NewServeMux()
		mmux.Handle("GET /metrics", met.Handler())
		serveOn("metrics server", newHTTPServer(mmux), mln)
	}
	workers.Go("slack directory", func(ctx context.Context) error { dir.Run(ctx); return nil })
	workers.Go("slack boards", func(ctx context.Context) error { bot.RunBoards(ctx, cfg.boardRefresh); return nil })
	if app.GitHubWebhook != nil {
		workers.Go("github commit statuses", app.GitHubWebhook.Run)
	}
	if socketMode {
		workers.GoEssential("socket mode", func(ctx context.Context) error { return bot.RunSocketMode(ctx, socketmode.New(client)) })
	}
	workers.Start(ctx)
	defer workers.Close()

	mode := "HTTP: POST /slack/commands and /slack/interactions"
	if socketMode {
		mode = "Socket Mode"
	}
	metricsOn := "metrics off"
	if app.MetricsAddr != "" {
		metricsOn = "/metrics on " + app.MetricsAddr
	}
	fmt.Fprintf(m.Stderr, "breachbot serve: database %s, Slack over %s; /healthz on %s, %s.\n", cfg.DB, mode, app.HTTPAddr, metricsOn)
	fmt.Fprintf(m.Stderr, "breachbot serve: %s\n", mailSummary(app))
	if m.started != nil {
		m.started(app)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-workers.Failed():
	}
	log.Info("breachbot serve: stopping")
	workers.Close()
	if err := bot.Close(); err != nil {
		log.Warn("slack adapter stop", "err", err)
	}
	return runErr
}
