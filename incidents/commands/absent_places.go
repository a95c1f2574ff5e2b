package commands

import (
	"fmt"
	"slices"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// The catalog holds a law for every US state and territory besides the
// national and regional ones, so most of an incident's obligations do not
// apply only because nobody affected lives where the law reaches. Records
// list those compactly, one entry per place, and each other obligation
// that does not apply on its own line with its reason.

// absentPlacePrefix starts the reason a condition gives when the
// jurisdictions fact lacks the law's place.
const absentPlacePrefix = "jurisdictions does not include "

// groupAbsentAfter is how many obligations of absent places a record lists
// one by one; beyond it they are grouped by place.
const groupAbsentAfter = 10

// placeGroup is the obligations that do not apply because nobody affected
// lives in place.
type placeGroup struct {
	place string
	ids   []string
}

// absentPlace returns the place a not-applicable obligation's reasons say
// no affected person lives in ("US-AL" for "jurisdictions does not include
// US-AL"), or "" when no reason says so.
func absentPlace(why []string) string {
	for _, w := range why {
		if p, ok := strings.CutPrefix(w, absentPlacePrefix); ok {
			return p
		}
	}
	return ""
}

// groupAbsentPlaces splits not-applicable obligations (ids with their
// reasons) into groups by absent place, in order of first appearance, and
// the indexes of the rest. When no more than groupAbsentAfter obligations
// are of absent places it groups none, so a short list stays one line per
// obligation.
func groupAbsentPlaces(ids []string, whys [][]string) (groups []placeGroup, rest []int) {
	at := map[string]int{}
	n := 0
	for i := range ids {
		if absentPlace(whys[i]) != "" {
			n++
		}
	}
	for i, id := range ids {
		place := absentPlace(whys[i])
		if place == "" || n <= groupAbsentAfter {
			rest = append(rest, i)
			continue
		}
		j, ok := at[place]
		if !ok {
			j = len(groups)
			at[place] = j
			groups = append(groups, placeGroup{place: place})
		}
		groups[j].ids = append(groups[j].ids, id)
	}
	return groups, rest
}

// absentPlacesText says in one paragraph which obligations do not apply
// because nobody affected lives where their law reaches: "72 concern places
// where no affected person lives (jurisdictions does not include them): GB
// (uk-gdpr-art33, uk-gdpr-art34); US-AL (al-residents, al-ag)."
func absentPlacesText(groups []placeGroup) string {
	n := 0
	parts := make([]string, len(groups))
	for i, g := range groups {
		n += len(g.ids)
		parts[i] = fmt.Sprintf("%s (%s)", g.place, strings.Join(g.ids, ", "))
	}
	return fmt.Sprintf("%d concern places where no affected person lives (jurisdictions does not include them): %s.", n, strings.Join(parts, "; "))
}

// placesFact is the fact that says where affected people live.
const placesFact = "jurisdictions"

// waitsForPlaces reports whether an open obligation may apply but waits,
// among other facts, for where affected people live.
func waitsForPlaces(applies string, status incidents.ObligationStatus, missing []string) bool {
	return applies == incidents.NeedsFacts && status == incidents.ObligationOpen && slices.Contains(missing, placesFact)
}

// splitWaitingForPlaces returns, when more than groupAbsentAfter of the n
// obligations wait for places (waiting(i)), their indexes, and the indexes
// of the rest; with fewer, every index is in rest.
func splitWaitingForPlaces(n int, waiting func(i int) bool) (grouped, rest []int) {
	for i := range n {
		if waiting(i) {
			grouped = append(grouped, i)
		} else {
			rest = append(rest, i)
		}
	}
	if len(grouped) <= groupAbsentAfter {
		return nil, slices.Sorted(slices.Values(append(grouped, rest...)))
	}
	return grouped, rest
}

// waitingForPlacesText names in one paragraph the obligations that may
// apply once jurisdictions is recorded.
func waitingForPlacesText(ids []string) string {
	return fmt.Sprintf("%d more may apply once %s (where affected people live) is recorded: %s.", len(ids), placesFact, strings.Join(ids, ", "))
}
