package incidents

import (
	"strings"
)

// Suggestions returns the candidates a mistyped word most likely meant:
// those it begins (at least three letters, at most three candidates:
// "triag" for triage, "gdpr-art3" for gdpr-art33 and gdpr-art34), else the
// closest by edit distance if close enough (two edits, one for words of
// four letters or fewer), ties included. None is close: nil, and no guess.
func Suggestions(word string, candidates []string) []string {
	lw := strings.ToLower(strings.TrimSpace(word))
	if lw == "" {
		return nil
	}
	var prefixed []string
	if len([]rune(lw)) >= 3 {
		for _, c := range candidates {
			if lc := strings.ToLower(c); lc != lw && strings.HasPrefix(lc, lw) {
				prefixed = append(prefixed, c)
			}
		}
	}
	if len(prefixed) > 0 && len(prefixed) <= 3 {
		return prefixed
	}
	limit := 2
	if len([]rune(lw)) <= 4 {
		limit = 1
	}
	var best []string
	bestDist := limit + 1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == lw {
			continue
		}
		switch d := EditDistance(lw, lc); {
		case d > limit:
		case d < bestDist:
			best, bestDist = []string{c}, d
		case d == bestDist && len(best) < 3:
			best = append(best, c)
		}
	}
	return best
}

// DidYouMean returns "did you mean X?" (or "X or Y?") for a mistyped word,
// each suggestion written with prefix before it ("/breach "), or "" when
// nothing is close enough to suggest.
func DidYouMean(word string, candidates []string, prefix string) string {
	s := Suggestions(word, candidates)
	if len(s) == 0 {
		return ""
	}
	for i := range s {
		s[i] = prefix + s[i]
	}
	if len(s) == 1 {
		return "did you mean " + s[0] + "?"
	}
	return "did you mean " + strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1] + "?"
}

// EditDistance is the optimal string alignment distance of a and b: the
// number of insertions, deletions, substitutions and transpositions of
// adjacent characters that turn a into b.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		// Nobody misspells a 64-character word; keep the work bounded.
		if a == b {
			return 0
		}
		return max(len(ra), len(rb))
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
