package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/internal/githubapi"
	"github.com/breachbot/breachbot/playbooks"
	ghplaybooks "github.com/breachbot/breachbot/playbooks/github"
)

const diffUsage = `usage: breachbot playbooks diff OLD NEW
  OLD and NEW are playbook files, folders, or github:OWNER/REPO@REF[:FOLDER/] (GITHUB_TOKEN, GITHUB_API_URL)
  e.g. breachbot playbooks diff github:acme/playbooks@v3:playbooks/ ./playbooks`

// runPlaybooksDiff runs "playbooks diff OLD NEW": the playbooks added and
// removed, and in each playbook of both the steps and obligations added,
// removed and changed. It exits 0 when it could compare (whatever it
// found), 1 when a side cannot be read, 2 on a usage error.
func (m *Main) runPlaybooksDiff(ctx context.Context, args []string) int {
	fs := m.flagSet("playbooks diff")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(m.Stderr, diffUsage)
		return 2
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(m.Stderr, diffUsage)
		return 2
	}
	var sides [2][]*incidents.Playbook
	for i, ref := range fs.Args() {
		pbs, err := m.readPlaybooks(ctx, ref)
		if err != nil {
			commands.WriteError(ctx, nil, m.Stderr, err)
			return 1
		}
		sides[i] = pbs
	}
	fmt.Fprint(m.Stdout, diffText(playbooks.Diff(sides[0], sides[1])))
	return 0
}

// readPlaybooks reads the playbooks of a file, a folder or a GitHub ref.
func (m *Main) readPlaybooks(ctx context.Context, ref string) ([]*incidents.Playbook, error) {
	if !strings.HasPrefix(ref, ghplaybooks.SpecPrefix) {
		return playbooks.ReadPath(ctx, ref)
	}
	spec, err := ghplaybooks.ParseRepoSpec(ref)
	if err != nil {
		return nil, err
	}
	client, err := githubapi.NewClient(m.Getenv("GITHUB_TOKEN"), m.Getenv("GITHUB_API_URL"))
	if err != nil {
		return nil, err
	}
	clock := m.Clock
	if clock == nil {
		clock = incidents.SystemClock{}
	}
	return ghplaybooks.New(client, spec, ghplaybooks.Options{Clock: clock}).Playbooks(ctx)
}

// diffText renders a SetDiff for a terminal: playbooks removed and added
// first, then each changed playbook's steps and obligations.
func diffText(d playbooks.SetDiff) string {
	var b strings.Builder
	for _, id := range d.Removed {
		fmt.Fprintf(&b, "playbook removed: %s\n", id)
	}
	for _, id := range d.Added {
		fmt.Fprintf(&b, "playbook added: %s\n", id)
	}
	for _, pd := range d.Changed {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(commands.DiffReply(pd).Text())
	}
	if len(d.Removed)+len(d.Added)+len(d.Changed) == 0 {
		fmt.Fprintf(&b, "no differences (%d playbooks the same)\n", d.Same)
	}
	return b.String()
}
