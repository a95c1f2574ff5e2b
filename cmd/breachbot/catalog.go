package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/internal/diag"
	"github.com/breachbot/breachbot/playbooks"
	ghplaybooks "github.com/breachbot/breachbot/playbooks/github"
)

// This file holds the commands that help people write playbooks: the lint
// (for editors and CI) and the look-ups of the regulations catalog's ids.

const catalogUsage = `usage: breachbot regulations list [--jurisdiction CODE] [--playbooks DIR]
       breachbot regulations show ID [--playbooks DIR]
       breachbot facts list [--playbooks DIR]
       breachbot events list [--playbooks DIR]
(the built-in catalog, extended by DIR/regulations.yaml; DIR defaults to BREACHBOT_PLAYBOOKS or playbooks: of the config)`

// runCatalog runs "regulations list|show", "facts list" and "events list".
func (m *Main) runCatalog(ctx context.Context, args []string) int {
	flags, pos := splitFlags(args[1:], map[string]bool{"jurisdiction": true, "playbooks": true, "config": true})
	fs := m.flagSet(args[0])
	jurisdiction := fs.String("jurisdiction", "", "only regulations for people in this jurisdiction (DE, US-CA, EU)")
	dir := fs.String("playbooks", "", "playbooks folder whose regulations.yaml extends the built-in catalog")
	var common commonFlags
	fs.StringVar(&common.config, "config", "", "config file (default: breachbot.yaml if present)")
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(m.Stderr, catalogUsage)
		return 2
	}
	verb := ""
	if len(pos) > 0 {
		verb = pos[0]
	}
	wantArgs := map[string]int{"regulations list": 1, "regulations show": 2, "facts list": 1, "events list": 1}[args[0]+" "+verb]
	if wantArgs == 0 || len(pos) != wantArgs || (*jurisdiction != "" && args[0]+" "+verb != "regulations list") {
		fmt.Fprintln(m.Stderr, catalogUsage)
		return 2
	}
	cat, err := m.catalog(ctx, common, *dir)
	if err != nil {
		commands.WriteError(ctx, nil, m.Stderr, err)
		return 1
	}
	var rep *commands.Reply
	switch args[0] + " " + verb {
	case "regulations list":
		rep, err = commands.RegulationsReply(cat, *jurisdiction, "breachbot")
	case "regulations show":
		rep, err = commands.RegulationReply(cat, pos[1], "breachbot")
	case "facts list":
		rep = commands.FactsReply(cat)
	case "events list":
		rep = commands.EventsReply(cat)
	}
	if err != nil {
		commands.WriteError(ctx, nil, m.Stderr, err)
		return 1
	}
	fmt.Fprint(m.Stdout, rep.Text())
	return 0
}

// catalog returns the catalog of the playbooks folder dir, else of the
// configured one, else the built-in catalog.
func (m *Main) catalog(ctx context.Context, common commonFlags, dir string) (*incidents.RegulationsCatalog, error) {
	if dir == "" {
		cfg, err := m.loadConfig(common)
		if err != nil {
			return nil, err
		}
		dir = cfg.Playbooks
	}
	switch {
	case dir == "":
		return playbooks.BuiltinCatalog()
	case strings.HasPrefix(dir, ghplaybooks.SpecPrefix):
		return nil, incidents.Errorf(incidents.EINVALID, "the playbooks are on GitHub (%s); this command reads a folder", dir).
			WithHint("run it in a checkout of that repository with --playbooks FOLDER")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, incidents.Errorf(incidents.EINVALID, "playbooks folder %s is not a readable folder", dir).
			WithHint("--playbooks FOLDER, the folder holding your playbooks and regulations.yaml")
	}
	return playbooks.New(os.DirFS(dir), dir).Catalog(ctx)
}

const lintUsage = "usage: breachbot playbooks lint [--format text|json|github] [PATH...]   (files or folders; no PATH: the built-in playbooks)"

// runPlaybooksLint runs "playbooks lint [--format F] [PATH...]". It exits 1
// if there is a problem other than a note, 2 on a usage error.
func (m *Main) runPlaybooksLint(args []string) int {
	if len(args) == 0 || args[0] != "lint" {
		fmt.Fprintln(m.Stderr, lintUsage)
		return 2
	}
	flags, paths := splitFlags(args[1:], map[string]bool{"format": true})
	fs := m.flagSet("playbooks lint")
	format := fs.String("format", "text", "text (file:line:col: message), json, or github (workflow commands)")
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(m.Stderr, lintUsage)
		return 2
	}
	var probs playbooks.Problems
	if len(paths) == 0 {
		probs = playbooks.Lint(playbooks.Embedded())
	} else {
		probs = playbooks.LintFiles(paths...)
	}
	var err error
	switch *format {
	case "text":
		for _, p := range probs {
			fmt.Fprintln(m.Stdout, p)
		}
	case "json":
		err = diag.WriteJSON(m.Stdout, probs)
	case "github":
		diag.WriteGitHub(m.Stdout, probs)
	default:
		fmt.Fprintf(m.Stderr, "breachbot: unknown lint format %q; use --format text, json or github\n", *format)
		return 2
	}
	if err != nil {
		commands.WriteError(context.Background(), nil, m.Stderr, commands.OperatorError(err))
		return 1
	}
	errs, notes := len(probs.Errors()), len(probs)-len(probs.Errors())
	switch {
	case errs > 0:
		fmt.Fprintf(m.Stderr, "%d problem(s)\n", errs)
		return 1
	case notes > 0:
		fmt.Fprintf(m.Stderr, "no problems, %d note(s)\n", notes)
	default:
		fmt.Fprintln(m.Stderr, "no problems")
	}
	return 0
}
