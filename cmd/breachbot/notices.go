package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/notifiers/email"
	"github.com/breachbot/breachbot/templates"
)

// openTemplates returns the shipped templates, overridden by cfg.Templates.
func openTemplates(cfg Config) (*templates.Set, error) {
	if cfg.Templates == "" {
		return templates.New(nil, "embedded")
	}
	if st, err := os.Stat(cfg.Templates); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("templates folder %s (BREACHBOT_TEMPLATES): not a readable folder", cfg.Templates)
	}
	return templates.New(os.DirFS(cfg.Templates), cfg.Templates)
}

// mailers returns where notices go: SMTP if SMTP_ADDR is set, else .eml
// files in the outbox folder (for serve only if outbox: names it; else
// none, and sending is refused); the sandbox of drills: the sandbox
// address over SMTP if both are set, else .eml files in OUTBOX/drill; and
// the folder legal hands a paused send off to, OUTBOX/handoff.
func mailers(cfg Config) (mailer, sandbox incidents.Mailer, handoff incidents.FolderMailer, closers []func() error, err error) {
	from := cfg.SMTPFrom
	if from == "" {
		from = cfg.Company.ContactEmail
	}
	folder := func(dir string) (*email.Folder, error) { return email.NewFolder(dir, from) }
	smtpCfg := func(redirect string) email.Config {
		return email.Config{Addr: cfg.SMTPAddr, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS,
			Connections: cfg.SMTPConnections, Rate: cfg.SMTPRate, IOTimeout: cfg.smtpTimeout, Redirect: redirect}
	}
	switch {
	case cfg.SMTPAddr != "":
		s, err := email.New(smtpCfg(""))
		if err != nil {
			return nil, nil, nil, nil, err
		}
		mailer, closers = s, append(closers, s.Close)
	case !cfg.serving || cfg.outboxSet:
		f, err := folder(cfg.Outbox)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		mailer = f
	}
	if cfg.SMTPAddr != "" && cfg.SandboxAddress != "" {
		s, err := email.New(smtpCfg(cfg.SandboxAddress))
		if err != nil {
			return nil, nil, nil, nil, err
		}
		sandbox, closers = s, append(closers, s.Close)
	} else {
		f, err := folder(filepath.Join(cfg.Outbox, "drill"))
		if err != nil {
			return nil, nil, nil, nil, err
		}
		sandbox = f
	}
	f, err := folder(filepath.Join(cfg.Outbox, "handoff"))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return mailer, sandbox, f, closers, nil
}

// mailSummary says where customer notices go, for the start-up log.
func mailSummary(app *App) string {
	switch m := app.Mailer.(type) {
	case nil:
		return "customer notices: no SMTP relay (SMTP_ADDR is not set), so notice test and notice send are refused"
	case incidents.FolderMailer:
		return "customer notices: written to " + m.Dir() + " (outbox:), NOT sent to anyone: no SMTP relay (SMTP_ADDR is not set)"
	default:
		return "customer notices: sent over " + m.Describe()
	}
}

// loadKey sets the encryption key: BREACHBOT_ENCRYPTION_KEY (or
// encryption_key_file), else the key file the console generated beside the
// database; with neither, importing personal data is refused.
func loadKey(cfg Config, store *boltstore.Store) error {
	key := cfg.encryptionKey
	if key == nil {
		var err error
		if key, err = boltstore.ReadKeyFile(cfg.DB); err != nil || key == nil {
			return err
		}
	}
	return store.SetEncryptionKey(key)
}
