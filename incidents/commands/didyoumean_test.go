package commands_test

import (
	"strings"
	"testing"
)

// A mistyped command, fact, step or obligation id is refused, changes
// nothing, and the reply suggests what was most likely meant; a word close
// to nothing gets no guess.
func TestDidYouMean(t *testing.T) {
	t.Parallel()
	runRouterCases(t, []routerCase{
		{name: "command by its start", typed: typed{"Uresp", "dea"},
			want: []string{`unknown command "dea"`, "did you mean /breach deadlines?"}},
		{name: "command misspelt", typed: typed{"Uresp", "decalre Laptop stolen"},
			want: []string{`unknown command "decalre"`, "did you mean /breach declare?"}},
		{name: "step action", setup: routerSetup, typed: typed{"Uresp", "step doen triage"},
			want: []string{`unknown step action "doen"`, "did you mean /breach step done?"}},
		{name: "fact", setup: routerSetup, typed: typed{"Uresp", "facts jurisdiction=EU"},
			want: []string{`unknown fact "jurisdiction"`, "did you mean jurisdictions?"}},
		{name: "fact misspelt", setup: routerSetup, typed: typed{"Uresp", "facts afected=12"},
			want: []string{`unknown fact "afected"`, "did you mean affected?"}},
		{name: "step", setup: routerSetup, typed: typed{"Uresp", "step done triag"},
			want: []string{`has no step "triag"`, "did you mean triage?"}},
		{name: "step to waive", setup: routerSetup, typed: typed{"Ulead", "step waive contian not needed --incident INC-2026-0001"},
			want: []string{`has no step "contian"`, "did you mean contain?"}},
		{name: "obligation met", setup: routerSetup, typed: typed{"Ulead", "met gdpr-art3 --ref DPA-1 --incident INC-2026-0001"},
			want: []string{`has no obligation "gdpr-art3"`, "did you mean gdpr-art33 or gdpr-art34?"}},
		{name: "obligation waived", setup: routerSetup, typed: typed{"Ulegal", "waive gdpr-art3 not a breach --incident INC-2026-0001"},
			want: []string{`has no obligation "gdpr-art3"`, "did you mean gdpr-art33 or gdpr-art34?"}},
	})
}

// A word close to no command, fact or id gets no guess: the reply says
// where the list is instead.
func TestDidYouMeanDoesNotGuess(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"zzz", "facts colour=blue", "step done qqqq", "met xyz --ref A --incident INC-2026-0001"} {
		b := newBoard(t, routerNow)
		b.must("Uresp", routerSetup[0].line)
		text, ok := b.run("Ulead", line)
		if ok || strings.Contains(text, "did you mean") {
			t.Errorf("/breach %s: ok=%v, reply guesses:\n%s", line, ok, text)
		}
	}
}
