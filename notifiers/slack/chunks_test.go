package slack

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// chunksBefore is chunks as it was, converting the rest to runes for every
// piece; the faster chunks must split every text the same way.
func chunksBefore(s string, n int) []string {
	var out []string
	for utf8.RuneCountInString(s) > n {
		r := []rune(s)
		cut := n
		if i := strings.LastIndex(string(r[:n]), "\n"); i > 0 {
			cut = utf8.RuneCountInString(string(r[:n])[:i])
		}
		out = append(out, strings.TrimRight(string(r[:cut]), "\n"))
		s = strings.TrimLeft(string(r[cut:]), "\n")
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

func TestChunksSplitsAtLineBreaksAsBefore(t *testing.T) {
	long := strings.Repeat("Ünïcödé line of an obligation · Met\n", 400)
	for _, tc := range []struct {
		s string
		n int
	}{
		{"", 10}, {"short", 10}, {"exactly10!", 10}, {"\n\n\nleading", 4}, {"a\nb\nc\nd\ne", 3},
		{"no line breaks at all in this long text", 7}, {"trailing\n\n\n", 5}, {"\nx", 1},
		{long, 3000}, {long, 2000}, {strings.Repeat("é", 7001), 3000}, {long + strings.Repeat("x", 5000), 3000},
	} {
		got, want := chunks(tc.s, tc.n), chunksBefore(tc.s, tc.n)
		if !slices.Equal(got, want) {
			t.Errorf("chunks(%.20q…, %d) = %d pieces, want %d as before", tc.s, tc.n, len(got), len(want))
		}
		for _, c := range got {
			if utf8.RuneCountInString(c) > tc.n {
				t.Errorf("chunks(%.20q…, %d): a piece of %d characters", tc.s, tc.n, utf8.RuneCountInString(c))
			}
		}
	}
}
