package main

import (
	"strings"
	"testing"

	"github.com/breachbot/breachbot/notifiers/github/githubtest"
)

// With github_tracking: the console's declaration opens one issue in that
// repository, titled with the incident id and severity, never its title.
func TestGitHubTrackingOpensAnIssue(t *testing.T) {
	e := newNoticeEnv(t, "github_tracking: acme/breaches\n")
	gh := githubtest.NewServer(t, githubtest.Options{Token: "ghp_track", Now: e.clock.Now})
	gh.AddRepo("acme/breaches")
	e.env["GITHUB_TOKEN"], e.env["GITHUB_API_URL"] = "ghp_track", gh.URL
	e.console("U_LEAD", "/breach declare Payroll of Jane Roe exposed --aware 2026-11-27T09:00:00Z")
	e.console("U_LEAD", "/breach status") // a second session delivers nothing twice
	issues := gh.Issues()
	if len(issues) != 1 {
		t.Fatalf("%d issues, want 1: %+v", len(issues), issues)
	}
	is := issues[0]
	if !strings.HasPrefix(is.Title, "INC-2026-0001 · severity") || is.State != "open" {
		t.Errorf("issue %q (%s), want INC-2026-0001 and its severity, open", is.Title, is.State)
	}
	if strings.Contains(is.Title+is.Body, "Payroll") || strings.Contains(is.Title+is.Body, "Jane") {
		t.Errorf("the incident's title is in the issue: %q\n%s", is.Title, is.Body)
	}
}

// github_tracking: without a token is refused at start, saying what to set.
func TestGitHubTrackingNeedsAToken(t *testing.T) {
	e := newNoticeEnv(t, "github_tracking: acme/breaches\n")
	code, _, errOut := e.run("console", "--user", "U_LEAD")
	if code == 0 || !strings.Contains(errOut, "github_tracking: set GITHUB_TOKEN") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}
