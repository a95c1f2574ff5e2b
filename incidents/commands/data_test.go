package commands_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents/commands"
)

// TestDataCommands runs the shell's data commands on a real bbolt file
// holding one declared incident: what the person reads, on which stream,
// and the exit code a script sees. A refusal changes nothing.
func TestDataCommands(t *testing.T) {
	for _, tt := range []struct {
		name       string
		args       []string
		code       int
		out, errs  []string
		notInStdio string
	}{
		{name: "audit verify", args: []string{"audit", "verify", "--actor", "cli:alice"}, code: 0,
			out: []string{"audit log OK: ", "hash chain intact"}},
		{name: "export as json", args: []string{"export", "INC-2026-0001", "--format", "json", "--actor", "cli:alice"}, code: 0,
			out: []string{`"id": "INC-2026-0001"`}},
		{name: "export as markdown by default", args: []string{"export", "INC-2026-0001", "--actor", "cli"}, code: 0,
			out: []string{"INC-2026-0001", "Shop DB copied"}},
		{name: "lookup of an address never notified", args: []string{"notice", "lookup", "INC-2026-0001", "nobody@example.com", "--actor", "cli:alice"}, code: 3,
			out: []string{"nobody@example.com"}},
		{name: "export without incident", args: []string{"export", "--actor", "cli:alice"}, code: 2,
			errs: []string{"breachbot: export needs the incident id", "usage: breachbot export INCIDENT [--format md|json|html]"}},
		{name: "a misspelt option", args: []string{"export", "INC-2026-0001", "--fromat", "json", "--actor", "cli:alice"}, code: 2,
			errs: []string{"export has no option --fromat", "did you mean --format?"}},
		{name: "an unknown audit action", args: []string{"audit", "fix", "--actor", "cli:alice"}, code: 2,
			errs: []string{`unknown audit action "fix"`, "breachbot audit verify"}},
		{name: "notice without action", args: []string{"notice", "--actor", "cli:alice"}, code: 2,
			errs: []string{"notice needs an action", "breachbot notice import INCIDENT FILE.csv", "breachbot notice lookup INCIDENT ADDRESS", "breachbot notice purge INCIDENT"}},
		{name: "lookup without address", args: []string{"notice", "lookup", "INC-2026-0001", "--actor", "cli:alice"}, code: 2,
			errs: []string{"notice lookup needs the incident id and the address", "usage: breachbot notice lookup INCIDENT ADDRESS"}},
		{name: "a bad incident id", args: []string{"notice", "purge", "INC-26-1", "--actor", "cli:alice"}, code: 1,
			errs: []string{"breachbot: "}},
		{name: "a file that is not there", args: []string{"notice", "import", "INC-2026-0001", "/nonexistent/people.csv", "--actor", "cli:alice"}, code: 1,
			errs: []string{"breachbot: cannot open /nonexistent/people.csv", "try: give the path of the file"}},
		{name: "not the local administrator", args: []string{"audit", "verify", "--actor", "U0MALLORY"}, code: 2,
			errs: []string{"data commands act as the local administrator only"}},
		{name: "no actor", args: []string{"export", "INC-2026-0001"}, code: 2,
			errs: []string{"data commands act as the local administrator only"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBoard(t, routerNow)
			if err := b.store.SetEncryptionKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
				t.Fatal(err)
			}
			for _, s := range routerSetup {
				b.must(s.user, s.line)
			}
			before := b.stored()
			var stdout, stderr bytes.Buffer
			code := b.router.RunData(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, &stdout, &stderr)
			}
			for _, w := range tt.out {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, &stdout)
				}
			}
			for _, w := range tt.errs {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, &stderr)
				}
			}
			if len(tt.errs) > 0 && stdout.Len() > 0 {
				t.Errorf("a refusal wrote to stdout: %s", &stdout)
			}
			if diff := cmp.Diff(before, b.stored()); diff != "" {
				t.Errorf("the stored incident changed (-before +after):\n%s", diff)
			}
		})
	}
}

// TestLocalActor: the actor that the data commands accept and the audit
// log records.
func TestLocalActor(t *testing.T) {
	if got := commands.LocalActor("alice"); got != "cli:alice" {
		t.Errorf("LocalActor(alice) = %q", got)
	}
	if got := commands.LocalActor(""); got != "cli" {
		t.Errorf("LocalActor() = %q", got)
	}
}
