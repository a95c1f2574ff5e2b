package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/internal/adminapi"
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
		_, stop := e.runningConsole("U_RESP")
		dataCommands(t, e.db, e.cfg, e.env)
		stop()
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

// TestDataCommandsTrustOnlyTheirOwnAdminFile plants admin files that the
// running bot of this user did not write; the data commands refuse each,
// say why and what to do, and never send the token anywhere.
func TestDataCommandsTrustOnlyTheirOwnAdminFile(t *testing.T) {
	e := newNoticeEnv(t, "")
	e.console("U_RESP", "/breach declare Laptop stolen --aware 2026-11-27T09:00:00Z")
	var asked atomic.Int32
	spy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { asked.Add(1) }))
	defer spy.Close()
	spyAddr := strings.TrimPrefix(spy.URL, "http://")
	write := func(addr string, mode os.FileMode) {
		data, _ := json.Marshal(adminapi.Info{Addr: addr, Token: "secret-token", PID: 1})
		os.Remove(adminapi.File(e.db))
		if err := os.WriteFile(adminapi.File(e.db), data, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(adminapi.File(e.db), mode)
	}
	for _, tc := range []struct {
		name  string
		plant func()
		want  string
	}{
		{"readable by others", func() { write(spyAddr, 0o644) }, "its mode is 0644, not 0600"},
		{"not loopback", func() { write("192.0.2.1:8080", 0o600) }, `it points at "192.0.2.1:8080", not at a loopback address`},
		{"a symbolic link", func() {
			write(spyAddr, 0o600)
			os.Rename(adminapi.File(e.db), e.db+".elsewhere")
			os.Symlink(e.db+".elsewhere", adminapi.File(e.db))
		}, "it is a symbolic link"},
		{"another user's", func() {
			if os.Getuid() != 0 {
				t.Skip("needs root to give the file away")
			}
			write(spyAddr, 0o600)
			os.Lchown(adminapi.File(e.db), 65534, 65534)
		}, "it belongs to user id 65534, not to you (0)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.plant()
			code, out, errOut := e.run("audit", "verify")
			if code != 1 || out != "" {
				t.Errorf("exit %d, stdout %q; want 1 and nothing", code, out)
			}
			mustContain(t, errOut, "breachbot: refusing the admin file "+adminapi.File(e.db)+": "+tc.want, "delete the file and try again")
		})
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the token was sent %d times to an address from an untrusted admin file", n)
	}
}
