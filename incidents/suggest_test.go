package incidents_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

func TestSuggestions(t *testing.T) {
	t.Parallel()
	commands := []string{"declare", "deadlines", "met", "waive", "facts", "steps", "status"}
	for _, tt := range []struct {
		word       string
		candidates []string
		want       []string
	}{
		{"dea", commands, []string{"deadlines"}}, // its start, not met two edits away
		{"de", commands, nil},                    // too short to begin anything, close to nothing
		{"DEC", commands, []string{"declare"}},   // case does not matter
		{"stauts", commands, []string{"status"}}, // a transposition
		{"zzz", commands, nil},                   // nothing close: no guess
		{"facts", commands, nil},                 // itself: nothing to suggest
		{"gdpr-art3", []string{"gdpr-art33", "gdpr-art34", "uk-gdpr-art33"}, []string{"gdpr-art33", "gdpr-art34"}},
		{"jurisdiction", []string{"jurisdictions", "affected"}, []string{"jurisdictions"}},
	} {
		if diff := cmp.Diff(tt.want, incidents.Suggestions(tt.word, tt.candidates)); diff != "" {
			t.Errorf("Suggestions(%q) (-want +got):\n%s", tt.word, diff)
		}
	}
	if got, want := incidents.DidYouMean("gdpr-art3", []string{"gdpr-art33", "gdpr-art34"}, ""), "did you mean gdpr-art33 or gdpr-art34?"; got != want {
		t.Errorf("DidYouMean = %q, want %q", got, want)
	}
}
