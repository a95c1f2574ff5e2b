// Package playbooktest has a test double for incidents.PlaybookSource:
// playbooks built in Go, for tests of the domain that need no YAML. Tests
// of real playbooks use playbooks.New (the embedded YAML or a folder).
package playbooktest

import (
	"context"

	"github.com/breachbot/breachbot/incidents"
)

// Static serves fixed playbooks; the first is the default. It must hold at
// least one playbook.
type Static []*incidents.Playbook

var _ incidents.PlaybookSource = Static(nil)

// Playbook returns the playbook with the given id, or ENOTFOUND.
func (s Static) Playbook(_ context.Context, id string) (*incidents.Playbook, error) {
	for _, p := range s {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, incidents.Errorf(incidents.ENOTFOUND, "no playbook %q", id)
}

// Default returns the first playbook.
func (s Static) Default(context.Context) (*incidents.Playbook, error) { return s[0], nil }

// Playbooks returns all the playbooks.
func (s Static) Playbooks(context.Context) ([]*incidents.Playbook, error) { return s, nil }
