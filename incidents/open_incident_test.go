package incidents_test

import (
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// TestShownAlike: a board needs showing again exactly when one of its
// relative times reads differently, at the minute people are shown, or
// a clock comes within a day (marked urgent) or passes.
func TestShownAlike(t *testing.T) {
	t.Parallel()
	aware := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	due := aware.Add(72 * time.Hour)
	s := incidents.OpenIncident{ID: "INC-2026-0001", Clocks: []time.Time{aware, due}}
	for _, tc := range []struct {
		name      string
		then, now time.Time
		want      bool
	}{
		{"same minute", aware.Add(5 * time.Hour), aware.Add(5*time.Hour + 20*time.Second), true},
		{"days away, another minute of the same hour", aware.Add(30*time.Hour + 30*time.Minute), aware.Add(30*time.Hour + 50*time.Minute), true},
		{"hours away, another minute", due.Add(-5 * time.Hour), due.Add(-5*time.Hour + 2*time.Minute), false},
		{"another hour", aware.Add(30 * time.Hour), aware.Add(31 * time.Hour), false},
		{"the due time comes within a day", due.Add(-24*time.Hour - time.Second), due.Add(-24*time.Hour + time.Second), false},
		{"the due time passes", due.Add(-10 * time.Second), due.Add(10 * time.Second), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := s.ShownAlike(tc.then, tc.now); got != tc.want {
				t.Errorf("ShownAlike(%s, %s) = %v, want %v (%q vs %q)", tc.then, tc.now, got, tc.want, s.ClocksShown(tc.then), s.ClocksShown(tc.now))
			}
		})
	}
}
