package githubtest

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/playbooks"
)

// T0 is the fake clock's start in GitHub tests. It is in the past on
// purpose: go-github compares rate-limit reset times with the wall clock,
// and tests must see the resets GitHub sends in fake time as already passed
// for the wall clock.
var T0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// The fixture repository: its name, a token with access to it, the
// webhook's secret, and where its playbook lives.
const (
	RepoName     = "acme/playbooks"
	Token        = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
	Secret       = "It's a Secret to Everybody"
	PlaybookPath = "playbooks/personal-data-breach.yaml"
)

// ShippedPlaybook returns the shipped personal-data-breach playbook with its
// version set to version.
func ShippedPlaybook(t testing.TB, version string) string {
	t.Helper()
	data, err := fs.ReadFile(playbooks.Embedded(), "personal-data-breach.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if !strings.Contains(s, `version: "2026.11.1"`) {
		t.Fatal("the shipped playbook's version line changed; update githubtest.ShippedPlaybook")
	}
	return strings.Replace(s, `version: "2026.11.1"`, `version: "`+version+`"`, 1)
}

// PlaybookTree is a playbooks repository: the playbook at PlaybookPath, and
// files a playbook source must leave alone (outside the folder, or not YAML).
func PlaybookTree(playbook string) map[string]string {
	return map[string]string{
		PlaybookPath:                 playbook,
		"playbooks/notes.md":         "# How we write playbooks\n",
		"README.md":                  "# Acme breach response playbooks\n",
		".github/workflows/lint.yml": "name: lint\non: [push]\njobs: {}\n",
	}
}
