package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/playbooks"
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
	// Notices sends notices in the background (see runBackground).
	Notices  *incidents.NoticeSender
	Mailer   incidents.Mailer
	Log      *slog.Logger
	Clock    incidents.Clock
	Stdout   io.Writer
	Stderr   io.Writer
	closeFns []func() error
}

// OpenApp opens the database and wires the service. The caller must Close it.
func OpenApp(cfg Config, clock incidents.Clock, log *slog.Logger) (*App, error) {
	if clock == nil {
		clock = incidents.SystemClock{}
	}
	store, err := boltstore.Open(cfg.DB)
	if err != nil {
		return nil, err
	}
	lib := playbooks.New(playbooks.Embedded(), "embedded")
	if cfg.Playbooks != "" {
		if st, err := os.Stat(cfg.Playbooks); err != nil || !st.IsDir() {
			store.Close()
			return nil, fmt.Errorf("playbooks folder %s (BREACHBOT_PLAYBOOKS): not a readable folder", cfg.Playbooks)
		}
		lib = playbooks.New(os.DirFS(cfg.Playbooks), cfg.Playbooks)
	}
	perms := incidents.DefaultPermissions()
	for action, roles := range cfg.Permissions {
		perms[action] = roles // validated by Config.Validate
	}
	if _, err := loadKey(cfg, store, false); err != nil {
		store.Close()
		return nil, err
	}
	set, err := openTemplates(cfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	mailer, sandbox, closers, err := mailers(cfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	c := cfg.Company
	svc := incidents.NewService(incidents.Config{
		Store: store, Playbooks: lib, Clock: clock, Roles: cfg.roleResolver(), Permissions: perms, Logger: log,
		Notices: noticeRenderer{set}, Mailer: mailer, Sandbox: sandbox, MaxImportBytes: cfg.ImportMaxBytes,
		Company: incidents.Company{Name: c.Name, ContactEmail: c.ContactEmail, ContactPhone: c.ContactPhone, Website: c.Website, PostalAddress: c.PostalAddress, DPO: c.DPO},
	})
	router := commands.NewRouter(svc)
	router.Log = log
	router.Zone = cfg.zone
	router.UserEmail = func(_ context.Context, user string) (string, bool) {
		addr, ok := cfg.Users[user]
		return addr, ok
	}
	a := &App{Config: cfg, Store: store, Service: svc, Router: router, Library: lib, Log: log, Clock: clock,
		Notices: incidents.NewNoticeSender(svc), Mailer: mailer}
	a.Notices.Window = cfg.NoticeWindow
	a.closeFns = append(a.closeFns, store.Close)
	a.closeFns = append(a.closeFns, closers...)
	return a, nil
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

// runBackground starts the scheduler and dispatcher; the returned function
// stops them and waits for them to return.
func (a *App) runBackground(ctx context.Context, notifier incidents.Notifier) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{}, 4)
	go func() {
		defer func() { done <- struct{}{} }()
		if err := incidents.NewScheduler(a.Service).Run(ctx); err != nil {
			a.Log.Error("scheduler stopped", "err", err)
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		if err := incidents.NewDispatcher(a.Service, notifier).Run(ctx); err != nil {
			a.Log.Error("dispatcher stopped", "err", err)
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		if err := a.Notices.Run(ctx); err != nil {
			a.Log.Error("notice sender stopped", "err", err)
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		a.purgeLoop(ctx)
	}()
	return func() {
		cancel()
		<-done
		<-done
		<-done
		<-done
	}
}

// purgeExpired purges the personal data of incidents closed longer ago
// than the retention period and logs what it did (counts only).
func (a *App) purgeExpired(ctx context.Context) {
	done, err := a.Service.PurgeExpired(ctx, a.Config.retention)
	if err != nil && ctx.Err() == nil {
		a.Log.Error("retention purge", "err", err)
	}
	for _, p := range done {
		a.Log.Info("purged the affected people's data after the retention period", "incident", p.Incident, "people", p.People)
	}
}

// purgeLoop runs purgeExpired hourly until ctx is done (the console and the
// server also run it once when they start).
func (a *App) purgeLoop(ctx context.Context) {
	if a.Config.retention <= 0 {
		return
	}
	for {
		timer := a.Clock.NewTimer(time.Hour)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C():
		}
		a.purgeExpired(ctx)
	}
}
