package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/notifiers/email"
	"github.com/breachbot/breachbot/templates"
)

// DefaultTemplate is the shipped notice template.
const DefaultTemplate = "breach-notice"

// noticeRenderer adapts *templates.Set to incidents.NoticeRenderer, so the
// domain does not depend on the templates package.
type noticeRenderer struct {
	set *templates.Set
}

var _ incidents.NoticeRenderer = noticeRenderer{}

func (r noticeRenderer) Render(name, locale string, d incidents.NoticeData, rc incidents.Recipient) (*incidents.MailContent, error) {
	in := d.Incident
	m, err := r.set.Render(name, locale, templates.Data{
		Company: templates.Company{Name: d.Company.Name, ContactEmail: d.Company.ContactEmail, ContactPhone: d.Company.ContactPhone,
			Website: d.Company.Website, PostalAddress: d.Company.PostalAddress, DPO: d.Company.DPO},
		Incident: templates.Incident{ID: in.ID, WhatHappened: in.WhatHappened, BreachStart: in.BreachStart, BreachEnd: in.BreachEnd,
			DiscoveredAt: in.DiscoveredAt, DataCategories: in.DataCategories, WhatWeAreDoing: in.WhatWeAreDoing, WhatYouCanDo: in.WhatYouCanDo,
			LikelyConsequences: in.LikelyConsequences, LawEnforcementDelay: in.LawEnforcementDelay,
			IdentityTheftProtection: in.IdentityTheftProtection, MoreInfo: in.MoreInfo},
		Recipient: templates.Recipient{Name: rc.Name, Email: rc.Email, Locale: rc.Locale, Country: rc.Country, Region: rc.Region, DataCategories: rc.DataCategories},
		Notice:    templates.Notice{ID: d.Notice.ID, Regimes: regimeNames(d.Notice.Regimes), Drill: d.Notice.Drill, Test: d.Notice.Test},
	})
	var re *templates.RenderError
	if errors.As(err, &re) {
		if fields := missingContent(re); fields != nil {
			return nil, &incidents.MissingContentError{Locale: re.Locale, Fields: fields}
		}
	}
	if err != nil {
		// Template errors name the file and line, never the data.
		return nil, incidents.Errorf(incidents.EINVALID, "template %s (%s) cannot be rendered: %s", name, locale, incidents.RedactAddresses(err.Error())).
			WithHint("fix the template (breachbot templates lint), or the draft's fields, and draft again")
	}
	return &incidents.MailContent{Subject: m.Subject, Text: m.Text, HTML: m.HTML}, nil
}

// templateField is a data path in a template problem: Incident.WhatHappened.
var templateField = regexp.MustCompile(`\b(Incident|Company|Recipient|Notice)\.([A-Z][A-Za-z]*)`)

// missingContent maps the problems of a render to the notice fields (or
// company.* configuration keys) that would fix them, or returns nil if any
// problem is not an empty field (a broken template, an unknown regime):
// those are for whoever maintains the templates, not the responder.
func missingContent(re *templates.RenderError) []string {
	var fields []string
	for _, p := range re.Problems {
		if !strings.Contains(p.Message, "empty") {
			return nil
		}
		var field string
		for _, m := range templateField.FindAllStringSubmatch(p.Message, -1) {
			switch m[1] {
			case "Incident":
				if field == "" || strings.HasPrefix(field, "company.") {
					field = snake(m[2])
				}
			case "Company":
				if field == "" {
					field = "company." + snake(m[2])
				}
			}
		}
		if field == "" {
			return nil
		}
		switch field {
		case "identity_theft_protection":
			field = incidents.FieldIdentityProtection
		}
		if !slices.Contains(fields, field) {
			fields = append(fields, field)
		}
	}
	return fields
}

// snake turns WhatWeAreDoing into what_we_are_doing, DPO into dpo.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 && !unicode.IsUpper(rune(s[i-1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// regimeNames maps the catalog ids of the regulations a notice answers to
// (gdpr-art34, ca-residents, ...) to the content rules of the templates
// package (gdpr, california, ...). A regulation with no content rules of its
// own there (most US states ask for no particular sections) adds none.
func regimeNames(regulations []string) []string {
	var out []string
	for _, r := range templates.Regimes() {
		if slices.ContainsFunc(r.Regulations, func(id string) bool { return slices.Contains(regulations, id) }) {
			out = append(out, r.Name)
		}
	}
	return out
}

func (r noticeRenderer) Hash(name, locale string) (string, error) {
	h, err := r.set.Hash(name, locale)
	if err != nil {
		return "", incidents.Errorf(incidents.ENOTFOUND, "template %s (%s): %v", name, locale, err)
	}
	return h, nil
}

func (r noticeRenderer) Locales(name string) ([]string, error) {
	var names []string
	for _, info := range r.set.Templates() {
		if info.Name == name {
			return info.Locales, nil
		}
		names = append(names, info.Name)
	}
	return nil, incidents.Errorf(incidents.ENOTFOUND, "there is no notice template %q", name).WithHint("templates: %s", strings.Join(names, ", "))
}

func (r noticeRenderer) Default() string { return DefaultTemplate }

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
// files in the outbox folder; and the sandbox of drills: the sandbox
// address over SMTP if both are set, else .eml files in OUTBOX/drill.
func mailers(cfg Config) (mailer, sandbox incidents.Mailer, closers []func() error, err error) {
	from := cfg.SMTPFrom
	if from == "" {
		from = cfg.Company.ContactEmail
	}
	folder := func(dir string) (incidents.Mailer, error) { return email.NewFolder(dir, from) }
	smtpCfg := func(redirect string) email.Config {
		return email.Config{Addr: cfg.SMTPAddr, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS,
			Connections: cfg.SMTPConnections, Rate: cfg.SMTPRate, IOTimeout: cfg.smtpTimeout, Redirect: redirect}
	}
	if cfg.SMTPAddr == "" {
		if mailer, err = folder(cfg.Outbox); err != nil {
			return nil, nil, nil, err
		}
	} else {
		s, err := email.New(smtpCfg(""))
		if err != nil {
			return nil, nil, nil, err
		}
		mailer, closers = s, append(closers, s.Close)
	}
	if cfg.SMTPAddr != "" && cfg.SandboxAddress != "" {
		s, err := email.New(smtpCfg(cfg.SandboxAddress))
		if err != nil {
			return nil, nil, nil, err
		}
		sandbox, closers = s, append(closers, s.Close)
	} else if sandbox, err = folder(filepath.Join(cfg.Outbox, "drill")); err != nil {
		return nil, nil, nil, err
	}
	return mailer, sandbox, closers, nil
}

func keyFile(db string) string { return db + ".key" }

// loadKey sets the encryption key: BREACHBOT_ENCRYPTION_KEY (or
// encryption_key_file), else the key file the console generated beside the
// database. With generate (the console only) and no key at all, it creates
// that file (0600) and returns its path, to be told once.
func loadKey(cfg Config, store *boltstore.Store, generate bool) (generated string, err error) {
	key := cfg.encryptionKey
	if key == nil {
		data, err := os.ReadFile(keyFile(cfg.DB))
		switch {
		case err == nil:
			if key, err = boltstore.ParseKey(string(data)); err != nil {
				return "", fmt.Errorf("key file %s: %w", keyFile(cfg.DB), err)
			}
		case errors.Is(err, fs.ErrNotExist) && generate:
			k := boltstore.GenerateKey()
			if err := writeFile0600(keyFile(cfg.DB), []byte(k+"\n")); err != nil {
				return "", fmt.Errorf("write key file: %w", err)
			}
			key, _ = boltstore.ParseKey(k)
			generated = keyFile(cfg.DB)
		case errors.Is(err, fs.ErrNotExist):
			return "", nil // no key: importing personal data is refused
		default:
			return "", fmt.Errorf("read key file: %w", err)
		}
	}
	return generated, store.SetEncryptionKey(key)
}

// consoleFiles opens files named in console commands, relative to the
// working directory.
func consoleFiles(_ context.Context, _, path string) (io.ReadCloser, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, incidents.Errorf(incidents.EINVALID, "cannot open %s: %s", path, strings.TrimPrefix(errors.Unwrap(err).Error(), "open ")).
			WithHint("give the path of the file, relative to where breachbot runs or absolute")
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, 0, incidents.Errorf(incidents.EINVALID, "%s is not a file", path)
	}
	return f, st.Size(), nil
}

// runNoticeData runs the notice data commands:
//
//	notice import INCIDENT FILE   (FILE is an absolute path: the process
//	                               holding the database reads it itself;
//	                               both run as the same user on one machine)
//	notice lookup INCIDENT ADDRESS
func runNoticeData(ctx context.Context, app *App, actor string, rest []string, stdout io.Writer, fail func(error) int) int {
	id, err := incidents.ParseIncidentID(rest[2])
	if err != nil {
		return fail(err)
	}
	now := app.Clock.Now()
	switch rest[1] {
	case "import":
		f, size, err := consoleFiles(ctx, actor, rest[3])
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		rep, err := app.Service.ImportRecipients(ctx, actor, id, f, incidents.ImportInput{Source: filepath.Base(rest[3]), Size: size})
		if err != nil {
			return fail(err)
		}
		io.WriteString(stdout, commands.ImportReply(rep, now).Text())
		return 0
	case "lookup":
		res, err := app.Service.LookupRecipient(ctx, actor, id, rest[3])
		if err != nil {
			return fail(err)
		}
		io.WriteString(stdout, commands.LookupReply(res).Text())
		if slices.ContainsFunc(res.Notices, func(n incidents.LookupNotice) bool {
			return n.State == incidents.DeliverySent || n.State == incidents.DeliveryPossiblyDuplicate
		}) {
			return 0
		}
		return 3 // not notified: scripts can tell
	}
	return 2
}
