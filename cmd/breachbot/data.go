package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/playbooks"
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
		cmdArgs = registerArgs(cmdArgs, *format, *since)
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
			fmt.Fprintf(m.Stderr, "breachbot: cannot read %s: %v\n", cmdArgs[3], errors.Unwrap(err))
			return 1
		}
		cfgMax := int64(0)
		if c, err := m.loadConfig(c); err == nil {
			cfgMax = c.ImportMaxBytes
		}
		if err := incidents.CheckImportSize(st.Size(), cfgMax); err != nil {
			printError(ctx, nil, m.Stderr, err)
			return 1
		}
	}
	cfg, err := m.loadConfig(c)
	if err != nil {
		fmt.Fprintf(m.Stderr, "breachbot: %v\n", err)
		return 1
	}
	cmdArgs = append(cmdArgs, "--actor", cliActor())
	resp, err := callAdmin(ctx, cfg.DB, cmdArgs)
	if err == nil {
		io.WriteString(m.Stdout, resp.Stdout)
		io.WriteString(m.Stderr, resp.Stderr)
		return resp.Code
	}
	if !errors.Is(err, errNoServer) {
		fmt.Fprintf(m.Stderr, "breachbot: %v\n", err)
		return 1
	}
	// Data commands read what a console or server recorded: a missing file
	// is a wrong path, not a new database (bbolt would create it).
	if _, err := os.Stat(cfg.DB); errors.Is(err, iofs.ErrNotExist) {
		fmt.Fprintf(m.Stderr, "breachbot: no database at %s (set BREACHBOT_DB or --db)\n", cfg.DB)
		return 1
	}
	app, err := OpenApp(cfg, m.Clock, m.logger(cfg))
	if err != nil {
		fmt.Fprintf(m.Stderr, "breachbot: %v\n", err)
		return 1
	}
	defer app.Close()
	return runDataCommand(ctx, app, cmdArgs, m.Stdout, m.Stderr)
}

// cliActor names the person running a data command on this machine: anyone
// who can run it can read the database file, so it acts with every role,
// and the audit log records who it was.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

// runDataCommand runs a data command against app; the same code runs in this
// process or, through the admin endpoint, in the process holding the database.
func runDataCommand(ctx context.Context, app *App, args []string, stdout, stderr io.Writer) int {
	var actor, format, since string
	var rest []string
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--actor" && i+1 < len(args):
			actor = args[i+1]
			i++
		case args[i] == "--format" && i+1 < len(args):
			format = args[i+1]
			i++
		case args[i] == "--since" && i+1 < len(args):
			since = args[i+1]
			i++
		default:
			rest = append(rest, args[i])
		}
	}
	if !strings.HasPrefix(actor, "cli") {
		fmt.Fprintln(stderr, "breachbot: data commands act as the local administrator only")
		return 2
	}
	// Only the local administrator gets here: the database file's reader,
	// in this process or through the loopback admin endpoint's token.
	ctx = incidents.AsLocalAdministrator(ctx)
	fail := func(err error) int {
		printError(ctx, app.Log.With("actor", actor, "command", strings.Join(rest[:min(2, len(rest))], " ")), stderr, err)
		return 1
	}
	switch {
	case len(rest) == 2 && rest[0] == "audit" && rest[1] == "verify":
		n, brk, err := app.Service.VerifyAudit(ctx)
		if err != nil {
			return fail(err)
		}
		if brk != nil {
			fmt.Fprintf(stdout, "audit log BROKEN at entry %d: %s\n%d entries before it verified.\n", brk.Seq, brk.Reason, n)
			return 1
		}
		fmt.Fprintf(stdout, "audit log OK: %d entries, hash chain intact\n", n)
		return 0
	case len(rest) == 2 && rest[0] == "export":
		id, err := incidents.ParseIncidentID(rest[1])
		if err != nil {
			return fail(err)
		}
		f, err := app.Router.Export(ctx, actor, id, format)
		if err != nil {
			return fail(err)
		}
		stdout.Write(f.Data)
		return 0
	case len(rest) >= 1 && rest[0] == "export":
		fmt.Fprintln(stderr, "usage: breachbot export INCIDENT [--format md|json]")
		return 2
	case len(rest) >= 1 && rest[0] == "register":
		return runRegister(ctx, app, actor, rest, format, since, stdout, stderr, fail)
	case len(rest) == 4 && rest[0] == "notice" && (rest[1] == "import" || rest[1] == "lookup"):
		return runNoticeData(ctx, app, actor, rest, stdout, fail)
	case len(rest) == 3 && rest[0] == "notice" && rest[1] == "purge":
		id, err := incidents.ParseIncidentID(rest[2])
		if err != nil {
			return fail(err)
		}
		res, err := app.Service.PurgePersonalData(ctx, actor, id)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s: the data of %d affected people (lists %s) is deleted; counts, hashes and outcomes remain\n", id, res.People, strings.Join(res.Sets, ", "))
		return 0
	case len(rest) >= 1 && rest[0] == "notice":
		fmt.Fprintln(stderr, "usage: breachbot notice import INCIDENT FILE.csv | breachbot notice lookup INCIDENT ADDRESS | breachbot notice purge INCIDENT")
		return 2
	}
	fmt.Fprintf(stderr, "breachbot: unknown data command %q\nusage: breachbot audit verify | breachbot export INCIDENT [--format md|json]\n", strings.Join(rest, " "))
	return 2
}

// runPlaybooks runs "playbooks lint [PATH...]".
func (m *Main) runPlaybooks(args []string) int {
	if len(args) == 0 || args[0] != "lint" {
		fmt.Fprintln(m.Stderr, "usage: breachbot playbooks lint [PATH...]   (files or folders; no PATH: the built-in playbooks)")
		return 2
	}
	problems := lintPlaybooks(args[1:])
	for _, p := range problems {
		fmt.Fprintln(m.Stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(m.Stderr, "%d problem(s)\n", len(problems))
		return 1
	}
	fmt.Fprintln(m.Stderr, "no problems")
	return 0
}

// lintPlaybooks lints the given files and folders, or with none the
// playbooks built into the binary.
func lintPlaybooks(paths []string) []string {
	var probs playbooks.Problems
	if len(paths) == 0 {
		probs = playbooks.Lint(playbooks.Embedded())
	} else {
		probs = playbooks.LintFiles(paths...)
	}
	out := make([]string, len(probs))
	for i, p := range probs {
		out[i] = p.String()
	}
	return out
}

// printError writes what a person reads about err, made by
// commands.ErrorReply (an internal error is logged on log, nil: the
// default logger, with the reference that is printed).
func printError(ctx context.Context, log *slog.Logger, w io.Writer, err error) {
	rep := commands.ErrorReply(ctx, log, err)
	fmt.Fprintf(w, "breachbot: %s\n", rep.Title)
	for _, s := range rep.Sections {
		fmt.Fprintf(w, "  try: %s\n", strings.TrimPrefix(s.Text, "Try: "))
	}
}
