package main

import (
	"context"
	"errors"
	"io"
	iofs "io/fs"
	"os"
	"os/user"
	"path/filepath"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/internal/adminapi"
)

// runData runs a data command (export, audit verify, ...): inside the
// running console or server for the same database if there is one, else
// against the database file directly.
func (m *Main) runData(ctx context.Context, args []string) int {
	flags, positional := splitFlags(args, map[string]bool{"config": true, "db": true, "format": true, "since": true})
	fs := m.flagSet(args[0])
	var c commonFlags
	c.register(fs)
	format := fs.String("format", "md", "export format: md or json (register: csv, json or md)")
	since := fs.String("since", "", "register: only incidents the company became aware of from this date (2026-01-01)")
	if err := fs.Parse(flags); err != nil {
		return 2
	}
	cmdArgs := positional
	if args[0] == "export" {
		cmdArgs = append(cmdArgs, "--format", *format)
	}
	if args[0] == "register" {
		cmdArgs = append(cmdArgs, "--format", *format)
		if *since != "" {
			cmdArgs = append(cmdArgs, "--since", *since)
		}
	}
	if len(cmdArgs) == 4 && cmdArgs[0] == "notice" && cmdArgs[1] == "import" {
		// The process that holds the database reads the file itself (same
		// user, same machine): give it an absolute path, and refuse a file
		// too big to import before anything is sent or read.
		abs, err := filepath.Abs(cmdArgs[3])
		if err == nil {
			cmdArgs[3] = abs
		}
		st, err := os.Stat(cmdArgs[3])
		if err != nil {
			commands.WriteError(ctx, nil, m.Stderr, incidents.Errorf(incidents.EINVALID, "cannot read %s: %v", cmdArgs[3], errors.Unwrap(err)).WithCause(err))
			return 1
		}
		cfgMax := int64(0)
		if c, err := m.loadConfig(c); err == nil {
			cfgMax = c.ImportMaxBytes
		}
		if err := incidents.CheckImportSize(st.Size(), cfgMax); err != nil {
			commands.WriteError(ctx, nil, m.Stderr, err)
			return 1
		}
	}
	cfg, err := m.loadConfig(c)
	if err != nil {
		commands.WriteError(ctx, nil, m.Stderr, commands.OperatorError(err))
		return 1
	}
	cmdArgs = append(cmdArgs, "--actor", cliActor())
	resp, err := adminapi.Call(ctx, adminapi.File(cfg.DB), cmdArgs)
	if err == nil {
		io.WriteString(m.Stdout, resp.Stdout)
		io.WriteString(m.Stderr, resp.Stderr)
		return resp.Code
	}
	if !errors.Is(err, adminapi.ErrNoServer) {
		commands.WriteError(ctx, nil, m.Stderr, commands.OperatorError(err))
		return 1
	}
	// Data commands read what a console or server recorded: a missing file
	// is a wrong path, not a new database (bbolt would create it).
	if _, err := os.Stat(cfg.DB); errors.Is(err, iofs.ErrNotExist) {
		commands.WriteError(ctx, nil, m.Stderr, incidents.Errorf(incidents.ENOTFOUND, "no database at %s (set BREACHBOT_DB or --db)", cfg.DB))
		return 1
	}
	app, err := OpenApp(cfg, m.Clock, m.logger(cfg))
	if err != nil {
		commands.WriteError(ctx, nil, m.Stderr, commands.OperatorError(err))
		return 1
	}
	defer app.Close()
	return app.Router.RunData(ctx, cmdArgs, m.Stdout, m.Stderr)
}

// cliActor names the person running a data command on this machine: anyone
// who can run it can read the database file, so it acts with every role,
// and the audit log records who it was.
func cliActor() string {
	login := ""
	if u, err := user.Current(); err == nil {
		login = u.Username
	}
	return commands.LocalActor(login)
}
