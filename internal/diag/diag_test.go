package diag

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSuggest(t *testing.T) {
	names := []string{"jurisdictions", "data_categories", "affected", "gdpr"}
	for word, want := range map[string]string{
		"jurisdiction": "jurisdictions", "data_catgeories": "data_categories", "AFFECTED": "affected",
		"gdrp": "gdpr", "gdxx": "", "residents": "", "": "",
	} {
		if got := Suggest(word, names); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestProblemsSortedAndFormatted(t *testing.T) {
	ps := Problems{{File: "b.yaml", Line: 2, Col: 1, Message: "x"}, {File: "a.yaml", Message: "unreadable"},
		{File: "b.yaml", Line: 1, Col: 3, Message: "y"}, {File: "b.yaml", Line: 2, Col: 1, Message: "x"}}
	want := "a.yaml: unreadable\nb.yaml:1:3: y\nb.yaml:2:1: x"
	if diff := cmp.Diff(want, ps.Sorted().Error()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
