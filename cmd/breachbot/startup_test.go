package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// runningServe is a `breachbot serve` running in this process against a
// fake Slack workspace.
type runningServe struct {
	app    *App
	db     string
	cfg    string
	stderr *syncBuffer
	env    map[string]string
	stop   func() int
}

// startServe starts serve with the config text and extra environment, and
// fails the test if it does not start. stop cancels it (what SIGTERM does)
// and returns its exit code.
func startServe(t *testing.T, ws *workspacetest.Workspace, config string, extra map[string]string) *runningServe {
	t.Helper()
	dir := t.TempDir()
	r := &runningServe{db: filepath.Join(dir, "breachbot.db"), cfg: filepath.Join(dir, "breachbot.yaml")}
	if err := os.WriteFile(r.cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	r.env = map[string]string{"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "serve-test-secret",
		"SLACK_API_URL": strings.TrimSuffix(ws.APIURL(), "/"), "BREACHBOT_HTTP_ADDR": "127.0.0.1:0"}
	for k, v := range extra {
		r.env[k] = v
	}
	m, _, stderr := testMain(t, r.db, clocktest.New(now), strings.NewReader(""), r.env)
	r.stderr = stderr
	ready := make(chan *App, 1)
	m.started = func(a *App) { ready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--config", r.cfg}) }()
	select {
	case r.app = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("serve exited %d: %s", code, stderr)
	case <-time.After(15 * time.Second):
		cancel()
		t.Fatalf("serve did not start: %s", stderr)
	}
	stopped := false
	code := 0
	r.stop = func() int {
		if !stopped {
			stopped = true
			cancel()
			select {
			case code = <-done:
			case <-time.After(15 * time.Second):
				t.Fatalf("serve did not stop: %s", stderr)
			}
		}
		return code
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// serveRefused runs serve expecting it to refuse to start; it returns stderr.
func serveRefused(t *testing.T, ws *workspacetest.Workspace, config string, env map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "breachbot.yaml")
	os.WriteFile(cfg, []byte(config), 0o600)
	db := filepath.Join(dir, "breachbot.db")
	full := map[string]string{"SLACK_API_URL": strings.TrimSuffix(ws.APIURL(), "/"), "BREACHBOT_HTTP_ADDR": "127.0.0.1:0"}
	for k, v := range env {
		full[k] = v
	}
	m, _, stderr := testMain(t, db, clocktest.New(now), strings.NewReader(""), full)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if code := m.Run(ctx, []string{"serve", "--config", cfg}); code != 1 {
		t.Fatalf("serve exit %d, want 1 (refused): %s", code, stderr)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused serve created the database: %v", err)
	}
	return stderr.String()
}

func TestServeStartupChecksNameEveryProblem(t *testing.T) {
	t.Run("a token Slack refuses, and no signing secret", func(t *testing.T) {
		ws := workspacetest.New(t)
		ws.Fail(workspacetest.Fault{Methods: []string{"auth.test"}, Code: "invalid_auth"})
		out := serveRefused(t, ws, serveConfig, map[string]string{"SLACK_BOT_TOKEN": "xoxb-revoked"})
		mustContain(t, out, "2 problem(s)", `SLACK_BOT_TOKEN does not work: Slack answered "invalid_auth" to auth.test`, "SLACK_SIGNING_SECRET is not set")
		if strings.Contains(out, "xoxb-revoked") {
			t.Errorf("the token is shown: %s", out)
		}
	})
	t.Run("legal is a user group with nobody in it", func(t *testing.T) {
		ws := workspacetest.New(t)
		ws.SetGroup("S0LEGAL")
		out := serveRefused(t, ws, "roles:\n  leads: [U0LEAD]\n  legal: [S0LEGAL]\n",
			map[string]string{"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s"})
		mustContain(t, out, "roles.legal: the user group(s) S0LEGAL have no members in Slack, so no notice could ever be approved")
	})
	t.Run("no legal role at all", func(t *testing.T) {
		ws := workspacetest.New(t)
		out := serveRefused(t, ws, "roles:\n  leads: [U0LEAD]\n",
			map[string]string{"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s"})
		mustContain(t, out, "roles.legal lists nobody, so no notice could ever be approved")
	})
}

func TestServeStartupNamesTheRelay(t *testing.T) {
	relay := smtptest.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	const legalGroup = "roles:\n  leads: [U0LEAD]\n  legal: [S0LEGAL]\n"
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no relay", nil, "no SMTP relay configured (SMTP_ADDR is not set)"},
		{"relay answers", map[string]string{"SMTP_ADDR": relay.Addr, "SMTP_TLS": "none", "SMTP_FROM": "privacy@acme.example"}, "msg=\"SMTP relay answers\" relay=" + relay.Addr},
		{"relay down: a warning, serve starts", map[string]string{"SMTP_ADDR": down, "SMTP_FROM": "privacy@acme.example"}, "level=WARN msg=\"the SMTP relay does not answer as configured; notices wait until it does\" relay=" + down},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := workspacetest.New(t)
			ws.SetGroup("S0LEGAL", "U0DPO")
			s := startServe(t, ws, legalGroup, tc.env)
			mustContain(t, s.stderr.String(), tc.want)
			if code := s.stop(); code != 0 {
				t.Errorf("exit %d", code)
			}
		})
	}
}
