package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/commands"
)

func defaultConsoleUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "console"
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runConsole reads /breach lines from stdin and prints the replies, with the
// same router, store and scheduler as Slack mode.
func (m *Main) runConsole(ctx context.Context, args []string) error {
	fs := m.flagSet("console")
	var c commonFlags
	c.register(fs)
	userID := fs.String("user", "", "act as this user id (default: your login name)")
	history := fs.String("history", "", "at a terminal, keep the lines typed in this file (mode 0600) for the next session; by default history is kept in memory only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("console takes no arguments, got %q; pipe /breach lines into it or type them", strings.Join(fs.Args(), " "))
	}
	cfg, err := m.loadConfig(c)
	if err != nil {
		return err
	}
	if *userID == "" {
		*userID = defaultConsoleUser()
	}
	log := m.logger(cfg)
	if cfg.encryptionKey == nil {
		// The console works without setup: personal data is encrypted
		// under a key kept beside the database, created on first use.
		created, err := boltstore.CreateKeyFile(cfg.DB)
		if err != nil {
			return fmt.Errorf("create the local encryption key: %w", err)
		}
		if created {
			fmt.Fprintf(m.Stderr, "Created an encryption key for affected people's data at %s (readable by you only). Keep it with the database: without it the imported people cannot be read. Production: set BREACHBOT_ENCRYPTION_KEY.\n", boltstore.KeyFile(cfg.DB))
		}
	}
	app, err := openApp(cfg, m.Clock, log, frontEnd{roles: cfg.roleResolver(), openFile: commands.LocalFiles})
	if err != nil {
		return err
	}
	defer app.Close()

	out := commands.NewConsole(m.Stdout, app.Clock)
	admin, err := startAdmin(ctx, app)
	if err != nil {
		return err
	}
	defer admin.Close()

	fmt.Fprintf(m.Stderr, "breachbot console: database %s, acting as %q.\n", cfg.DB, *userID)
	if len(cfg.Roles) == 0 {
		fmt.Fprintf(m.Stderr, "No roles are configured (no breachbot.yaml with roles:), so %q has every role here. Type /breach help.\n", *userID)
	} else if roles, _ := cfg.roleResolver().Roles(ctx, *userID); len(roles) == 0 {
		fmt.Fprintf(m.Stderr, "Warning: %q holds no role in %s; most commands will be refused. Use --user with an id listed under roles:.\n", *userID, cfg.Path)
	}

	workers := app.workers(out, 0)
	workers.PurgeExpired(ctx)
	workers.Start(ctx)
	defer workers.Close()
	if m.started != nil {
		m.started(app)
	}

	if tty, ok := m.Stdin.(*os.File); ok && isTerminal(tty) {
		err = out.TerminalSession(ctx, app.Router, *userID, commands.Terminal{In: tty, HistoryFile: *history})
	} else {
		if *history != "" {
			fmt.Fprintf(m.Stderr, "Note: --history is for typing at a terminal; piped lines are not kept.\n")
		}
		err = out.Session(ctx, app.Router, *userID, m.Stdin, false)
	}
	if err != nil {
		if err == ctx.Err() || errors.Is(err, commands.ErrInterrupted) {
			return nil // stopped by a signal, or Ctrl-C on an empty line
		}
		return err
	}
	// Finish the notice sends in progress (progress is printed as it goes),
	// then stop the background loops, then fire and deliver what is already
	// due, so a piped session shows the reminders its commands caused.
	if err := app.Notices.Idle(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped by a signal while sending: the send resumes at the next start
		}
		return err
	}
	workers.Close()
	return workers.Flush(ctx)
}
