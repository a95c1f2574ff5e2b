// Command breachbot runs a company's response to a personal-data breach: the
// /breach commands in Slack or a local console, the playbooks, the legal
// clocks and the audit log.
//
// Usage:
//
//	breachbot console [--user ID] [--db PATH] [--config FILE]
//	breachbot serve [--config FILE]
//	breachbot playbooks lint [PATH...]
//	breachbot playbooks export ID --format cacao
//	breachbot playbooks diff OLD NEW
//	breachbot templates lint [PATH...]
//	breachbot export INCIDENT [--format md|json|html]
//	breachbot audit verify
//	breachbot notice import INCIDENT FILE.csv
//	breachbot notice lookup INCIDENT ADDRESS
//	breachbot notice purge INCIDENT
//	breachbot healthcheck
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	_ "time/tzdata" // deadlines are computed in legal time zones, also in a scratch image

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The first signal asks for a clean stop; from then on the signals
		// have their default action again, so a second one ends the
		// process at once. Nothing is lost: sends are durable and resume
		// at the next start.
		<-ctx.Done()
		stop()
	}()
	m := NewMain()
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// Main is the program: its inputs, outputs and environment are fields so that
// end-to-end tests drive it exactly as a user would.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Clock is the time source; nil means the system clock.
	Clock incidents.Clock
	// started, if set, is called with the App once a long-running command
	// (console, serve) is ready.
	started func(*App)
}

// NewMain returns a Main wired to the process.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

const usage = `breachbot runs a personal-data breach response: playbooks, legal clocks, notices, audit.

Usage:
  breachbot console [--user ID] [--db PATH] [--config FILE]   the /breach commands on a local console
  breachbot serve [--config FILE]                             Slack (Socket Mode or HTTP)
  breachbot playbooks lint [--format text|json|github] [PATH...]   check playbook and catalog files
  breachbot playbooks export ID --format cacao                the playbook as CACAO 2.0 JSON, for SOAR tools
  breachbot playbooks diff OLD NEW                            steps and obligations added, removed, changed (files, folders, github: refs)
  breachbot regulations list [--jurisdiction CODE]            the regulation ids playbooks can use
  breachbot regulations show ID                               one regulation: deadline, who to notify, citation
  breachbot facts list | events list                          the facts conditions test, the events clocks start at
  breachbot templates lint [PATH...]                          check notice templates (sections each regime needs, fields)
  breachbot export INCIDENT [--format md|json|html]           the incident record for regulators
  breachbot audit verify                                      check the audit log's hash chain
  breachbot register [--format csv|json|md] [--since DATE]    the breach register (GDPR Art. 33(5)) of every incident
  breachbot notice import INCIDENT FILE.csv                   import the affected people of an incident
  breachbot notice lookup INCIDENT ADDRESS                    was this address notified, and when (exit 3: not notified)
  breachbot notice purge INCIDENT                             delete a closed incident's affected people (counts stay)
  breachbot healthcheck                                       ask the running serve's /healthz (exit 0 healthy, 1 not)

Data commands (export, register, audit verify, notice) work whether or not a console or server runs on the same database.
Configuration: breachbot.yaml (or --config) and environment variables; see README.md.
`

// Run runs the command line args and returns the process exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "console":
		err = m.runConsole(ctx, args[1:])
	case "serve":
		err = m.runServe(ctx, args[1:])
	case "playbooks":
		if len(args) > 1 && args[1] == "export" {
			return m.runPlaybooksExport(ctx, args[2:])
		}
		if len(args) > 1 && args[1] == "diff" {
			return m.runPlaybooksDiff(ctx, args[2:])
		}
		return m.runPlaybooksLint(args[1:])
	case "regulations", "facts", "events":
		return m.runCatalog(ctx, args)
	case "templates":
		return m.runTemplates(args[1:])
	case "export", "audit", "notice", "register":
		return m.runData(ctx, args)
	case "healthcheck":
		return m.runHealthcheck(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return 0
	default:
		fmt.Fprintf(m.Stderr, "breachbot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		commands.WriteError(ctx, nil, m.Stderr, commands.OperatorError(err))
		return 1
	}
	return 0
}

// commonFlags registers --config and --db on fs.
type commonFlags struct {
	config string
	db     string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "config file (default: breachbot.yaml if present)")
	fs.StringVar(&c.db, "db", "", "database file (default: BREACHBOT_DB, or breachbot.db)")
}

func (m *Main) loadConfig(c commonFlags) (Config, error) {
	cfg, err := LoadConfig(c.config, m.Getenv)
	if err != nil {
		return cfg, err
	}
	if c.db != "" {
		cfg.DB = c.db
	}
	return cfg, nil
}

func (m *Main) logger(cfg Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: level}))
}

func (m *Main) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("breachbot "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs
}

// splitFlags separates positional arguments from flags so both orders work:
// "export INC-2026-0001 --format json" and "export --format json INC-2026-0001".
func splitFlags(args []string, withValue map[string]bool) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && withValue[name] && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
			continue
		}
		positional = append(positional, a)
	}
	return flags, positional
}
