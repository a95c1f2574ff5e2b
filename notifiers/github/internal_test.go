package github

import (
	"testing"

	"github.com/breachbot/breachbot/playbooks"
)

func TestSummarizeFitsGitHubsLimit(t *testing.T) {
	t.Parallel()
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'x'
	}
	state, desc := summarize(playbooks.Problems{{File: "playbooks/a.yaml", Line: 3, Col: 5, Message: string(long)}, {File: "playbooks/b.yaml"}}, 2)
	desc = truncate(desc, maxDescription)
	if state != "failure" || len([]rune(desc)) != maxDescription || desc[:40] != "2 problems, first: playbooks/a.yaml:3:5:" {
		t.Errorf("summarize = %q %q (%d characters)", state, desc, len([]rune(desc)))
	}
}
