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
	"github.com/breachbot/breachbot/playbooks"
	ghplaybooks "github.com/breachbot/breachbot/playbooks/github"
)

// This file holds "playbooks export": a playbook in a format other tools
// load (CACAO 2.0 for SOAR tools).

const exportUsage = `usage: breachbot playbooks export ID --format cacao [--playbooks DIR]
(writes the playbook as CACAO 2.0 JSON to stdout; DIR defaults to BREACHBOT_PLAYBOOKS or playbooks: of the config, else the built-in playbooks)`

// runPlaybooksExport runs "playbooks export ID --format cacao". It exits 1
// if the playbook cannot be read, 2 on a usage error.
func (m *Main) runPlaybooksExport(ctx context.Context, args []string) int {
	flags, pos := splitFlags(args, map[string]bool{"format": true, "playbooks": true, "config": true})
	fs := m.flagSet("playbooks export")
	format := fs.String("format", "", "cacao (OASIS CACAO Security Playbooks 2.0 JSON)")
	dir := fs.String("playbooks", "", "playbooks folder to read the playbook from")
	var common commonFlags
	fs.StringVar(&common.config, "config", "", "config file (default: breachbot.yaml if present)")
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(m.Stderr, exportUsage)
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(m.Stderr, "breachbot: name one playbook to export\n%s\n", exportUsage)
		return 2
	}
	if *format != "cacao" {
		what := "no --format given"
		if *format != "" {
			what = fmt.Sprintf("unknown export format %q", *format)
		}
		fmt.Fprintf(m.Stderr, "breachbot: %s; use --format cacao\n", what)
		return 2
	}
	lib, err := m.exportLibrary(common, *dir)
	if err != nil {
		commands.WriteError(ctx, nil, m.Stderr, err)
		return 1
	}
	pb, err := lib.Playbook(ctx, pos[0])
	if err != nil {
		commands.WriteError(ctx, nil, m.Stderr, err)
		return 1
	}
	out, err := playbooks.CACAO(pb)
	if err != nil {
		commands.WriteError(ctx, nil, m.Stderr, err)
		return 1
	}
	if _, err := m.Stdout.Write(out); err != nil {
		fmt.Fprintf(m.Stderr, "breachbot: writing the export: %v\n", err)
		return 1
	}
	return 0
}

// exportLibrary returns the playbooks of folder dir, else of the configured
// folder, else the built-in playbooks.
func (m *Main) exportLibrary(common commonFlags, dir string) (*playbooks.Library, error) {
	if dir == "" {
		cfg, err := m.loadConfig(common)
		if err != nil {
			return nil, err
		}
		dir = cfg.Playbooks
	}
	switch {
	case dir == "":
		return playbooks.New(playbooks.Embedded(), "embedded"), nil
	case strings.HasPrefix(dir, ghplaybooks.SpecPrefix):
		return nil, incidents.Errorf(incidents.EINVALID, "the playbooks are on GitHub (%s); this command reads a folder", dir).
			WithHint("run it in a checkout of that repository with --playbooks FOLDER")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, incidents.Errorf(incidents.EINVALID, "playbooks folder %s is not a readable folder", dir).
			WithHint("--playbooks FOLDER, the folder holding your playbooks")
	}
	return playbooks.New(os.DirFS(dir), dir), nil
}
