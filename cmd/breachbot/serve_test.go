package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/internal/adminapi"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

const serveConfig = `roles:
  responders: [S0RESP]
  leads: [U0LEAD]
  legal: [U0DPO]
`

// TestServeHTTP runs `breachbot serve` against a fake Slack workspace: a
// signed /breach declare is answered, the incident channel is created by the
// dispatcher, /healthz answers on BREACHBOT_HTTP_ADDR, /metrics only on
// BREACHBOT_METRICS_ADDR (404 on the address Slack reaches), and
// cancelling (what SIGTERM does) stops it cleanly.
func TestServeHTTP(t *testing.T) {
	ws := workspacetest.New(t)
	ws.SetGroup("S0RESP", "U0ALICE")
	dir := t.TempDir()
	db := filepath.Join(dir, "breachbot.db")
	cfgPath := filepath.Join(dir, "breachbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(serveConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	const signing = "serve-test-secret"
	m, _, stderr := testMain(t, db, clocktest.New(now), strings.NewReader(""), map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": signing, "SLACK_API_URL": strings.TrimSuffix(ws.APIURL(), "/"),
		"BREACHBOT_HTTP_ADDR": "127.0.0.1:0",
	})
	ready := make(chan *App, 1)
	m.started = func(a *App) { ready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--config", cfgPath}) }()
	var app *App
	select {
	case app = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, stderr)
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not start: %s", stderr)
	}
	base := "http://" + app.HTTPAddr

	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := get("/healthz"); status != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz: %d %q", status, body)
	}
	cmd := workspacetest.Command{User: "U0ALICE", Channel: "C0GENERAL", Text: "declare Laptop stolen", TriggerID: "t1", ResponseURL: ws.ResponseURL("t1")}
	resp, err := http.DefaultClient.Do(workspacetest.Request(base+"/slack/commands", signing, time.Now(), cmd.Form().Encode()))
	if err != nil {
		t.Fatal(err)
	}
	ack, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("declare: HTTP %d %s", resp.StatusCode, ack)
	}
	if !strings.Contains(string(ack), "INC-2026-0001 declared: Laptop stolen") { // else answered later
		ws.WaitFor("the answer through response_url", func() bool {
			r := ws.Responses("t1")
			return len(r) == 1 && strings.Contains(r[0].Text, "INC-2026-0001 declared: Laptop stolen")
		})
	}
	unsigned, _ := http.Post(base+"/slack/interactions", "application/x-www-form-urlencoded", strings.NewReader("payload={}"))
	if unsigned.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned interaction: HTTP %d, want 401", unsigned.StatusCode)
	}
	unsigned.Body.Close()
	ws.WaitFor("the incident channel", func() bool {
		ch, ok := ws.Channel("inc-2026-0001-laptop-stolen")
		return ok && len(ch.Pins) == 2
	})
	if status, _ := get("/metrics"); status != http.StatusNotFound {
		t.Errorf("/metrics on BREACHBOT_HTTP_ADDR, which Slack reaches: %d, want 404", status)
	}
	if app.MetricsAddr == "" || app.MetricsAddr == app.HTTPAddr {
		t.Fatalf("metrics address %q, want a listener of its own (HTTP on %s)", app.MetricsAddr, app.HTTPAddr)
	}
	resp, err = http.Get("http://" + app.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(metricsBody), `breachbot_commands_total{command="declare",outcome="ok"} 1`) {
		t.Errorf("/metrics on BREACHBOT_METRICS_ADDR: %d\n%s", resp.StatusCode, metricsBody)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := os.Stat(adminapi.File(db)); !os.IsNotExist(err) {
		t.Errorf("admin file left behind: %v", err)
	}
}

// TestServeSaysWhatIsMissing starts serve without tokens or roles.
func TestServeSaysWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "breachbot.yaml")
	os.WriteFile(cfgPath, []byte("roles:\n  leads: [alice]\n"), 0o600)
	m, _, stderr := testMain(t, filepath.Join(dir, "breachbot.db"), clocktest.New(now), strings.NewReader(""), nil)
	if code := m.Run(context.Background(), []string{"serve", "--config", cfgPath}); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"SLACK_BOT_TOKEN is not set", "SLACK_SIGNING_SECRET is not set", `roles.leads: "alice" is not a Slack user id`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestMain lets the test binary act as breachbot itself, so that a test can
// run it as a real process and send it real signals.
// TestMain lets tests run this binary as breachbot itself: with
// BREACHBOT_TEST_AS_MAIN=1 it runs main() on BREACHBOT_TEST_ARGS, or on its own
// arguments when that is unset.
func TestMain(m *testing.M) {
	if os.Getenv("BREACHBOT_TEST_AS_MAIN") == "1" {
		if args := os.Getenv("BREACHBOT_TEST_ARGS"); args != "" {
			os.Args = append([]string{"breachbot"}, strings.Fields(args)...)
		}
		main()
		return
	}
	os.Exit(m.Run())
}

// TestServeStopsOnSIGTERM runs serve in Socket Mode as a separate process,
// waits until it is connected to the (fake) workspace and answers a command
// there, then sends SIGTERM: it exits 0 and removes its admin file.
func TestServeStopsOnSIGTERM(t *testing.T) {
	ws := workspacetest.New(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "breachbot.db")
	cfgPath := filepath.Join(dir, "breachbot.yaml")
	os.WriteFile(cfgPath, []byte(serveConfig), 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "BREACHBOT_TEST_AS_MAIN=1", "BREACHBOT_TEST_ARGS=serve --config "+cfgPath,
		"BREACHBOT_DB="+db, "BREACHBOT_HTTP_ADDR="+addr, "BREACHBOT_METRICS_ADDR=off", "SLACK_BOT_TOKEN=xoxb-test", "SLACK_APP_TOKEN=xapp-test",
		"SLACK_API_URL="+ws.APIURL())
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()
	ws.WaitFor("the Socket Mode connection", func() bool { return ws.Sockets() == 1 })
	help := workspacetest.Command{User: "U0LEAD", Channel: "C0GENERAL", Text: "help", TriggerID: "t1", ResponseURL: ws.ResponseURL("t1")}
	id := ws.SendEnvelope("slash_commands", help.Payload(), 0, "")
	ws.WaitFor("the acknowledgement", func() bool { _, ok := ws.Ack(id); return ok })
	if ack, _ := ws.Ack(id); !strings.Contains(string(ack), "breachbot: /breach commands") { // else answered later
		ws.WaitFor("the answer through response_url", func() bool {
			r := ws.Responses("t1")
			return len(r) == 1 && strings.Contains(r[0].Text, "breachbot: /breach commands")
		})
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz in Socket Mode: %d", resp.StatusCode)
	}
	resp, _ = http.Post("http://"+addr+"/slack/commands", "application/x-www-form-urlencoded", strings.NewReader("x=1"))
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("/slack/commands served in Socket Mode: %d", resp.StatusCode)
	}
	resp.Body.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not stop on SIGTERM:\n%s", stderr.String())
	}
	if _, err := os.Stat(adminapi.File(db)); !os.IsNotExist(err) {
		t.Errorf("admin file left behind: %v", err)
	}
}

// TestMetricsAddrDefaultsToLoopback: without configuration metrics are
// served on 127.0.0.1:9090 only; BREACHBOT_METRICS_ADDR and metrics_addr
// move it or turn it off.
func TestMetricsAddrDefaultsToLoopback(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yaml, env, want string
		on                    bool
	}{
		{"default", "", "", "127.0.0.1:9090", true},
		{"config file", "metrics_addr: 10.0.0.5:9100\n", "", "10.0.0.5:9100", true},
		{"environment over the file", "metrics_addr: 10.0.0.5:9100\n", "127.0.0.1:9200", "127.0.0.1:9200", true},
		{"off", "", "off", "off", false},
		{"empty in the file", "metrics_addr: \"\"\n", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path, func(k string) string {
				if k == "BREACHBOT_METRICS_ADDR" {
					return tc.env
				}
				return ""
			})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MetricsAddr != tc.want || cfg.metricsOn() != tc.on {
				t.Errorf("metrics address %q (on: %v), want %q (on: %v)", cfg.MetricsAddr, cfg.metricsOn(), tc.want, tc.on)
			}
		})
	}
}

// TestServeDropsSlowClients connects to serve's HTTP listener and sends a
// request's header, then another's body, too slowly: the server closes the
// first connection and refuses the second request without running it, once
// the read time limits (shortened here) are over.
func TestServeDropsSlowClients(t *testing.T) {
	defer func(h, r time.Duration) { readHeaderTimeout, readTimeout = h, r }(readHeaderTimeout, readTimeout)
	readHeaderTimeout, readTimeout = 200*time.Millisecond, 400*time.Millisecond

	ws := workspacetest.New(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "breachbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(serveConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	m, _, stderr := testMain(t, filepath.Join(dir, "breachbot.db"), clocktest.New(now), strings.NewReader(""), map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "slow-test-secret", "SLACK_API_URL": strings.TrimSuffix(ws.APIURL(), "/"),
		"BREACHBOT_HTTP_ADDR": "127.0.0.1:0",
	})
	ready := make(chan *App, 1)
	m.started = func(a *App) { ready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--config", cfgPath}) }()
	defer func() { cancel(); <-done }()
	var app *App
	select {
	case app = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, stderr)
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not start: %s", stderr)
	}

	// answer sends what, then stalls, and returns what the server said
	// before it closed the connection (an error if it kept it open 5 s).
	answer := func(what string) (string, error) {
		conn, err := net.Dial("tcp", app.HTTPAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, what); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second)) // a bound for the test, far above the limits
		got, err := io.ReadAll(conn)
		return string(got), err
	}
	if got, err := answer("POST /slack/commands HTTP/1.1\r\nHost: breachbot\r\nContent-Type: application/x-www-form-urlencoded\r\n"); err != nil {
		t.Errorf("half a header: the connection stayed open (%v), want it closed after the header time limit; got %q", err, got)
	}
	got, err := answer("POST /slack/commands HTTP/1.1\r\nHost: breachbot\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"X-Slack-Request-Timestamp: 1764331200\r\nX-Slack-Signature: v0=00\r\nContent-Length: 4096\r\n\r\ncommand=%2Fbreach&text=declare")
	if err != nil {
		t.Errorf("a stalled body: the connection stayed open (%v), want it closed after the read time limit; got %q", err, got)
	}
	if strings.HasPrefix(got, "HTTP/1.1 200") {
		t.Errorf("a stalled body was answered 200:\n%s", got)
	}
}

// TestAnnounceChannelMustBeAChannelID refuses a channel name where the
// config needs a channel id, naming the key and where to find the id.
func TestAnnounceChannelMustBeAChannelID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "breachbot.yaml")
	if err := os.WriteFile(path, []byte("announce_channel: \"#security\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), `announce_channel: "#security" is not a Slack channel id`) {
		t.Errorf("LoadConfig: %v, want announce_channel refused", err)
	}
	if err := os.WriteFile(path, []byte("announce_channel: C0SECURITY\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := LoadConfig(path, func(string) string { return "" }); err != nil || cfg.AnnounceChannel != "C0SECURITY" {
		t.Errorf("LoadConfig: %v, announce_channel %q", err, cfg.AnnounceChannel)
	}
}
