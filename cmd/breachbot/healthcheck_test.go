package main

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestDockerHealthcheck runs the image's HEALTHCHECK command, as the
// Dockerfile writes it, against a running serve (exit 0) and after it
// stopped (exit 1).
func TestDockerHealthcheck(t *testing.T) {
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$`).FindSubmatch(dockerfile)
	if m == nil {
		t.Fatal("the Dockerfile has no HEALTHCHECK ... CMD [...]")
	}
	var cmd []string
	if err := json.Unmarshal(m[1], &cmd); err != nil || len(cmd) < 2 || cmd[0] != "/usr/local/bin/breachbot" {
		t.Fatalf("HEALTHCHECK CMD %s: want the binary the image copies, with arguments (%v)", m[1], err)
	}
	healthcheck := func(addr string) (int, string) {
		t.Helper()
		h, out, errOut := testMain(t, t.TempDir()+"/breachbot.db", clocktest.New(now), nil, map[string]string{"BREACHBOT_HTTP_ADDR": addr})
		code := h.Run(context.Background(), cmd[1:])
		return code, out.String() + errOut.String()
	}

	ws := workspacetest.New(t)
	s := startServe(t, ws, serveConfig, nil)
	port := s.app.HTTPAddr[strings.LastIndex(s.app.HTTPAddr, ":"):]
	for _, addr := range []string{s.app.HTTPAddr, port, "0.0.0.0" + port} { // as BREACHBOT_HTTP_ADDR is set to listen
		if code, out := healthcheck(addr); code != 0 || !strings.Contains(out, "healthy: http://127.0.0.1"+port+"/healthz") {
			t.Errorf("BREACHBOT_HTTP_ADDR=%s, serve running: exit %d %s", addr, code, out)
		}
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	if code, out := healthcheck(port); code != 1 || !strings.Contains(out, "unhealthy: http://127.0.0.1"+port+"/healthz did not answer") {
		t.Errorf("serve stopped: exit %d %s", code, out)
	}
}
