package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/internal/githubapi"
	"github.com/breachbot/breachbot/notifiers/github"
	"github.com/breachbot/breachbot/playbooks"
	ghplaybooks "github.com/breachbot/breachbot/playbooks/github"
	"github.com/breachbot/breachbot/templates"
)

// App is the running application: the store, the service and the router,
// wired from a Config. Every subcommand that touches data runs against an
// App, either opened by itself or inside the running process (through the
// admin endpoint).
type App struct {
	Config  Config
	Store   *boltstore.Store
	Service *incidents.Service
	Router  *commands.Router
	Library *playbooks.Library
	// Notices sends notices in the background (see workers).
	Notices *incidents.NoticeSender
	Mailer  incidents.Mailer
	Log     *slog.Logger
	Clock   incidents.Clock
	Stdout  io.Writer
	Stderr  io.Writer
	// HTTPAddr is the address `serve` listens on, once it listens.
	HTTPAddr string
	// MetricsAddr is the address `serve` serves /metrics on, once it
	// listens ("" when metrics are off).
	MetricsAddr string

	closeFns []func() error
	// notifyNames, if set, shows people in notifications by display name
	// (a front end that prints them as text: the console).
	notifyNames commands.UserNamer
	// stopMailers closes the SMTP senders (also in closeFns; closing twice
	// is harmless): at shutdown it cuts a relay's backoff short.
	stopMailers []func() error

	// GitHub serves the playbooks when BREACHBOT_PLAYBOOKS is github:...
	// (Library is then the embedded fallback); nil otherwise.
	GitHub *ghplaybooks.Source
	// GitHubWebhook handles POST /github/webhook and its Run reports lint
	// results on pushed commits; nil unless GitHub and
	// GITHUB_WEBHOOK_SECRET are set. serve mounts it and runs its worker.
	GitHubWebhook *github.Webhook
	// tracker mirrors incidents into GitHub issues (github_tracking:);
	// nil otherwise. It takes the outbox beside the front end's notifier.
	tracker *github.Tracker
}

// OpenApp opens the database and wires the service. The caller must Close it.
func OpenApp(cfg Config, clock incidents.Clock, log *slog.Logger) (*App, error) {
	return openApp(cfg, clock, log, frontEnd{roles: cfg.roleResolver()})
}

// frontEnd is what the front end that opens the App (console, Slack) wires
// into it.
type frontEnd struct {
	// roles resolves users' roles (Slack resolves user groups; the console
	// reads the config).
	roles incidents.RoleResolver
	// openFile opens files that commands name (the console); nil where
	// files are uploads.
	openFile commands.FileOpener
	// userEmail finds a user's own address for test messages when
	// breachbot.yaml's users do not name it (Slack: the user's profile).
	userEmail func(ctx context.Context, user string) (string, bool)
	// userName finds a user's display name when breachbot.yaml's names
	// do not give it (Slack: the user's profile).
	userName func(ctx context.Context, user string) (string, bool)
	// mentions is set when the front end mentions people by id (Slack):
	// its replies and notifications keep ids; exports still show names.
	mentions bool
	// noticesRecorded, if set, hears how many notice messages each commit
	// recorded as sent and as failed (serve's metrics).
	noticesRecorded func(sent, failed int)
}

// openApp is OpenApp wired for the front end fe.
func openApp(cfg Config, clock incidents.Clock, log *slog.Logger, fe frontEnd) (*App, error) {
	roles := fe.roles
	if clock == nil {
		clock = incidents.SystemClock{}
	}
	store, err := boltstore.Open(cfg.DB)
	if err != nil {
		return nil, err
	}
	lib := playbooks.New(playbooks.Embedded(), "embedded")
	var source incidents.PlaybookSource = lib
	var ghPlaybooks *ghplaybooks.Source
	var ghWebhook *github.Webhook
	if strings.HasPrefix(cfg.Playbooks, ghplaybooks.SpecPrefix) {
		ghPlaybooks, ghWebhook, err = openGitHub(cfg, store, clock, log, lib)
		if err != nil {
			store.Close()
			return nil, err
		}
		source = ghPlaybooks
	} else if cfg.Playbooks != "" {
		if st, err := os.Stat(cfg.Playbooks); err != nil || !st.IsDir() {
			store.Close()
			return nil, fmt.Errorf("playbooks folder %s (BREACHBOT_PLAYBOOKS): not a readable folder", cfg.Playbooks)
		}
		lib = playbooks.New(os.DirFS(cfg.Playbooks), cfg.Playbooks)
		source = lib
	}
	perms := incidents.DefaultPermissions()
	for action, roles := range cfg.Permissions {
		perms[action] = roles // validated by Config.Validate
	}
	if err := loadKey(cfg, store); err != nil {
		store.Close()
		return nil, err
	}
	set, err := openTemplates(cfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	mailer, sandbox, handoff, closers, err := mailers(cfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	c := cfg.Company
	svc := incidents.NewService(incidents.Config{
		Store: store, Playbooks: source, Clock: clock, Roles: roles, Permissions: perms, Logger: log,
		Notices: templates.NewRenderer(set), Mailer: mailer, Sandbox: sandbox, Handoff: handoff, MaxImportBytes: cfg.ImportMaxBytes, ImportTempDir: filepath.Dir(cfg.DB),
		Company: incidents.Company{Name: c.Name, ContactEmail: c.ContactEmail, ContactPhone: c.ContactPhone, Website: c.Website, PostalAddress: c.PostalAddress, DPO: c.DPO, TollFreePhone: c.TollFreePhone},
	})
	userName := func(ctx context.Context, user string) (string, bool) {
		if name, ok := cfg.Names[user]; ok && name != "" {
			return name, true
		}
		if fe.userName != nil {
			return fe.userName(ctx, user)
		}
		return "", false
	}
	router := commands.NewRouter(svc, commands.RouterOptions{Log: log, Zone: cfg.zone, OpenFile: fe.openFile,
		UserEmail: func(ctx context.Context, user string) (string, bool) {
			if addr, ok := cfg.Users[user]; ok {
				return addr, true
			}
			if fe.userEmail != nil {
				return fe.userEmail(ctx, user)
			}
			return "", false
		},
		UserName: userName, Mentions: fe.mentions})
	a := &App{Config: cfg, Store: store, Service: svc, Router: router, Library: lib, Log: log, Clock: clock,
		GitHub: ghPlaybooks, GitHubWebhook: ghWebhook,
		Mailer: mailer}
	if cfg.GitHubTracking != "" {
		client, err := githubapi.NewClient(cfg.GitHubToken, cfg.GitHubAPIURL)
		if err == nil {
			a.tracker, err = github.NewTracker(github.TrackerConfig{Client: client, Repo: cfg.GitHubTracking,
				Incidents: svc.Reader(), Clock: clock, Logger: log})
		}
		if err != nil {
			for _, c := range closers {
				c()
			}
			store.Close()
			return nil, fmt.Errorf("github_tracking: %w", err)
		}
	}
	if !fe.mentions && (len(cfg.Names) > 0 || fe.userName != nil) {
		a.notifyNames = userName
	}
	journal := store.SendJournal()
	a.Notices = incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{Window: cfg.NoticeWindow,
		KeepInDoubt: !cfg.ResendInDoubt, Journal: journal, Recorded: fe.noticesRecorded})
	a.closeFns = append(a.closeFns, store.Close, journal.Close)
	a.closeFns = append(a.closeFns, closers...)
	a.stopMailers = closers
	return a, nil
}

// openGitHub wires the playbooks of BREACHBOT_PLAYBOOKS=github:... with the
// embedded ones as the fallback a responder can name, and the push webhook
// if GITHUB_WEBHOOK_SECRET is set.
func openGitHub(cfg Config, store *boltstore.Store, clock incidents.Clock, log *slog.Logger, builtin *playbooks.Library) (*ghplaybooks.Source, *github.Webhook, error) {
	if log == nil {
		log = slog.Default()
	}
	spec, err := ghplaybooks.ParseRepoSpec(cfg.Playbooks)
	if err != nil {
		return nil, nil, fmt.Errorf("BREACHBOT_PLAYBOOKS: %w", err)
	}
	client, err := githubapi.NewClient(cfg.GitHubToken, cfg.GitHubAPIURL)
	if err != nil {
		return nil, nil, err
	}
	p := ghplaybooks.New(client, spec, ghplaybooks.Options{Clock: clock, Logger: log, Builtin: builtin})
	if cfg.GitHubWebhookSecret == "" {
		log.Info("GITHUB_WEBHOOK_SECRET is not set: pushed playbooks are picked up within a minute and not linted on GitHub", "playbooks", spec.String())
		return p, nil, nil
	}
	w, err := github.NewWebhook(github.WebhookConfig{Log: store.GitHubLog(), Playbooks: p, Client: client, Secret: []byte(cfg.GitHubWebhookSecret), Clock: clock, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return p, w, nil
}

// Close releases what the App holds, last opened first.
func (a *App) Close() error {
	var first error
	for i := len(a.closeFns) - 1; i >= 0; i-- {
		if err := a.closeFns[i](); err != nil && first == nil {
			first = err
		}
	}
	a.closeFns = nil
	return first
}

// workers returns the background work of the App, with notifier receiving
// the outbox (Slack, the console) and, with github_tracking:, the GitHub
// tracker too, parallel incidents' notifications at a time (0: one after
// another; more only for a notifier safe for concurrent use); the caller
// starts and closes it.
func (a *App) workers(notifier incidents.Notifier, parallel int) *incidents.Workers {
	if a.notifyNames != nil {
		notifier = commands.NameNotifications(notifier, a.notifyNames)
	}
	if a.tracker != nil {
		notifier = incidents.FanOut(notifier, a.tracker)
	}
	return incidents.NewWorkers(incidents.WorkersConfig{Service: a.Service, Notifier: notifier, DispatchParallel: parallel, Notices: a.Notices,
		Retention: a.Config.retention, CutShort: a.stopMailers, Log: a.Log})
}
