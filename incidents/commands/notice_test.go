package commands

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseNoticeCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Command
		wantErr string
	}{
		{in: "/breach notice", want: Command{Name: "notice status", Flags: map[string]string{}, Bools: map[string]bool{}}},
		{in: "notice reject N2 the consequences are missing", want: Command{Name: "notice reject", Args: []string{"N2", "the", "consequences", "are", "missing"}, Flags: map[string]string{}, Bools: map[string]bool{}}},
		{in: `notice draft --what-happened "We lost a laptop." --law-enforcement-delay --incident INC-2026-0001`,
			want: Command{Name: "notice draft", Flags: map[string]string{"what-happened": "We lost a laptop.", "law-enforcement-delay": "yes", "incident": "INC-2026-0001"}, Bools: map[string]bool{}}},
		// The delay is a decision: yes, no, or (not given) unknown.
		{in: `notice draft --law-enforcement-delay no --incident INC-2026-0001`,
			want: Command{Name: "notice draft", Flags: map[string]string{"law-enforcement-delay": "no", "incident": "INC-2026-0001"}, Bools: map[string]bool{}}},
		{in: `notice draft --law-enforcement-delay=Yes`,
			want: Command{Name: "notice draft", Flags: map[string]string{"law-enforcement-delay": "yes"}, Bools: map[string]bool{}}},
		{in: `notice draft --law-enforcement-delay`,
			want: Command{Name: "notice draft", Flags: map[string]string{"law-enforcement-delay": "yes"}, Bools: map[string]bool{}}},
		{in: `notice draft --law-enforcement-delay=maybe`, wantErr: `--law-enforcement-delay takes yes or no, not "maybe"`},
		{in: "notice test --to me@example.com", want: Command{Name: "notice test", Flags: map[string]string{"to": "me@example.com"}, Bools: map[string]bool{}}},
		{in: "notice aprove", wantErr: `unknown notice action "aprove" (did you mean /breach notice approve?`},
		{in: "notice lookup", wantErr: "notice lookup needs the address to look up"},
		{in: "notice reject", wantErr: "notice reject needs the reason"},
		{in: "notice draft --what-hapened x", wantErr: "did you mean --what-happened?"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestSplitNoticeID(t *testing.T) {
	t.Parallel()
	id, rest := splitNoticeID([]string{"n3", "too", "vague"})
	if id != "n3" || len(rest) != 2 {
		t.Errorf("got %q %v", id, rest)
	}
	id, rest = splitNoticeID([]string{"Needs", "work"})
	if id != "" || len(rest) != 2 {
		t.Errorf("a reason starting with N was taken for an id: %q %v", id, rest)
	}
}
