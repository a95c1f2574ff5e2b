package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestDataCommandsThroughTheAdminEndpointActAsTheLocalAdministrator runs
// the shell data commands while serve, then a console, holds a database
// with roles configured: the person at the shell holds every role there,
// as the README promises, whatever the roles say about their login name.
func TestDataCommandsThroughTheAdminEndpointActAsTheLocalAdministrator(t *testing.T) {
	dataCommands := func(t *testing.T, db, cfg string, env map[string]string) {
		t.Helper()
		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"export", "INC-2026-0001", "--format", "json"}, 0, `"id": "INC-2026-0001"`},
			{[]string{"notice", "lookup", "INC-2026-0001", "nobody@example.com"}, 3, "nobody@example.com"},
			{[]string{"audit", "verify"}, 0, "audit log OK"},
		} {
			m, out, errOut := testMain(t, db, nil, nil, env)
			code := m.Run(context.Background(), append(tc.args, "--config", cfg))
			if code != tc.code || !strings.Contains(out.String(), tc.want) {
				t.Errorf("%v: exit %d (want %d)\n%s%s", tc.args, code, tc.code, out, errOut)
			}
			if strings.Contains(errOut.String(), "role") {
				t.Errorf("%v refused for a role: %s", tc.args, errOut)
			}
		}
	}

	t.Run("serve", func(t *testing.T) {
		ws := workspacetest.New(t)
		s := startServe(t, ws, serveConfig, map[string]string{"BREACHBOT_ENCRYPTION_KEY": boltstore.GenerateKey()})
		rep := s.app.Router.Handle(context.Background(), commands.Request{User: "U0LEAD", Text: "/breach declare Laptop stolen --aware 2026-11-27T09:00:00Z"})
		mustContain(t, rep.Text(), "INC-2026-0001 declared")
		dataCommands(t, s.db, s.cfg, s.env)
	})

	t.Run("console", func(t *testing.T) {
		e := newNoticeEnv(t, "")
		e.console("U_RESP", "/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z")
		pr, pw := io.Pipe()
		ready := make(chan *App, 1)
		mc, _, cerr := testMain(t, e.db, e.clock, pr, e.env)
		mc.started = func(a *App) { ready <- a }
		done := make(chan int, 1)
		go func() {
			done <- mc.Run(context.Background(), []string{"console", "--user", "U_RESP", "--config", e.cfg})
		}()
		select {
		case <-ready:
		case code := <-done:
			t.Fatalf("console exited %d: %s", code, cerr)
		}
		dataCommands(t, e.db, e.cfg, e.env)
		pw.Close()
		if code := <-done; code != 0 {
			t.Errorf("console exit %d: %s", code, cerr)
		}
	})
}

// TestConsoleUserNamedLikeTheLocalAdministratorHasOnlyItsConfiguredRoles:
// with roles configured, --user cli:x is a user id like any other; it holds
// what the config gives it (nothing here), and the refusal is audited.
func TestConsoleUserNamedLikeTheLocalAdministratorHasOnlyItsConfiguredRoles(t *testing.T) {
	e := newNoticeEnv(t, "")
	for _, user := range []string{"cli:root", "cli"} {
		out := e.console(user, "/breach declare Laptop stolen --aware 2026-11-27T09:00:00Z")
		mustContain(t, out, "Error: declaring an incident needs the responders or leads role; you have no breachbot role")
	}
	out := e.console("U_RESP", "/breach declare Laptop stolen --aware 2026-11-27T09:00:00Z")
	mustContain(t, out, "INC-2026-0001 declared: Laptop stolen")
	code, stdout, stderr := e.run("export", "INC-2026-0001", "--format", "json")
	if code != 0 {
		t.Fatalf("export: exit %d %s", code, stderr)
	}
	mustContain(t, stdout, `"actor": "cli:root"`)
}
