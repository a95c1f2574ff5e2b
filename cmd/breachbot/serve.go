package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/internal/metrics"
	"github.com/breachbot/breachbot/notifiers/slack"
)

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
// serves GET /healthz and GET /metrics (and POST /github/webhook when the
// GitHub playbooks and GITHUB_WEBHOOK_SECRET are set) on BREACHBOT_HTTP_ADDR, runs the
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
	log := m.logger(cfg)
	socketMode := cfg.SlackAppToken != ""

	opts := []slackapi.Option{slackapi.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second,
		Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second}})}
	if cfg.SlackAPIURL != "" {
		u := cfg.SlackAPIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slackapi.OptionAPIURL(u))
	}
	if socketMode {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.SlackAppToken))
	}
	client := slackapi.New(cfg.SlackBotToken, opts...)
	dir := slack.NewDirectory(client, cfg.Roles, log)
	if err := startupChecks(ctx, cfg, client, dir, log); err != nil {
		return err
	}
	probeRelay(ctx, cfg, log)
	app, err := openApp(cfg, m.Clock, log, dir)
	if err != nil {
		return err
	}
	defer app.Close()

	met := metrics.New(app.Store)
	bot, err := slack.New(slack.Config{Client: client, Service: app.Service, Router: app.Router, Store: app.Store, DB: app.Store.DB(),
		Directory: dir, SigningSecret: cfg.SlackSigningSecret, Metrics: met, Log: log})
	if err != nil {
		return err
	}
	defer bot.Close()
	// Test-sends go to the requester: breachbot.yaml users: first, else
	// their Slack profile.
	fromConfig := app.Router.UserEmail
	app.Router.UserEmail = func(ctx context.Context, user string) (string, bool) {
		if addr, ok := fromConfig(ctx, user); ok {
			return addr, true
		}
		return bot.UserEmail(ctx, user)
	}
	app.Notices.Recorded = func(sent, failed int) {
		met.NoticesSent.Add(float64(sent))
		met.NoticesFailed.Add(float64(failed))
	}
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
	mux.Handle("GET /metrics", met.Handler())
	if !socketMode {
		mux.Handle("POST /slack/commands", bot.CommandsHandler())
		mux.Handle("POST /slack/interactions", bot.InteractionsHandler())
	}
	if app.GitHubWebhook != nil {
		mux.Handle("POST /github/webhook", app.GitHubWebhook.Handler())
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (BREACHBOT_HTTP_ADDR): %w", cfg.HTTPAddr, err)
	}
	app.HTTPAddr = ln.Addr().String()
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 15 * time.Second, IdleTimeout: 2 * time.Minute}
	failed := make(chan error, 2)
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			failed <- fmt.Errorf("http server: %w", err)
		}
	}()

	bg, stopBg := context.WithCancel(ctx)
	var loops []chan struct{}
	goLoop := func(fn func()) {
		done := make(chan struct{})
		loops = append(loops, done)
		go func() { defer close(done); fn() }()
	}
	goLoop(func() { dir.Run(bg) })
	goLoop(func() { bot.RunBoards(bg, 5*time.Minute) })
	if app.GitHubWebhook != nil {
		goLoop(func() {
			if err := app.GitHubWebhook.Run(bg); err != nil && bg.Err() == nil {
				log.Error("github commit statuses stopped", "err", err)
			}
		})
	}
	if socketMode {
		goLoop(func() {
			if err := bot.RunSocketMode(bg, socketmode.New(client)); err != nil {
				failed <- fmt.Errorf("socket mode: %w", err)
			}
		})
	}
	stopScheduler := app.runBackground(ctx, bot)

	mode := "HTTP: POST /slack/commands and /slack/interactions"
	if socketMode {
		mode = "Socket Mode"
	}
	fmt.Fprintf(m.Stderr, "breachbot serve: database %s, Slack over %s; /healthz and /metrics on %s.\n", cfg.DB, mode, app.HTTPAddr)
	if m.started != nil {
		m.started(app)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-failed:
	}
	log.Info("breachbot serve: stopping")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http server did not stop in time", "err", err)
	}
	<-served
	stopBg()
	for _, done := range slices.Backward(loops) {
		<-done
	}
	stopScheduler()
	if err := bot.Close(); err != nil {
		log.Warn("slack adapter stop", "err", err)
	}
	return runErr
}
