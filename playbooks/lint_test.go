package playbooks

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the want.txt files of testdata/lint from the current output")

// TestLintGolden lints each folder of testdata/lint and compares the problems,
// one "file:line:col: message" a line, with the folder's want.txt.
func TestLintGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/lint/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, p := range LintFiles(dir) {
				got = append(got, filepath.ToSlash(p.String()))
			}
			wantFile := filepath.Join(dir, "want.txt")
			if *update {
				if err := os.WriteFile(wantFile, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			data, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("LintFiles(%s) mismatch (-want +got):\n%s", dir, diff)
			}
		})
	}
}

func TestLintEmbedded(t *testing.T) {
	if got := Lint(Embedded()); len(got) != 0 {
		t.Errorf("Lint(Embedded()) = \n%v\nwant no problems", got)
	}
	if got := LintFiles("personal-data-breach.yaml", "vendor-breach.yaml", "regulations.yaml"); len(got) != 0 {
		t.Errorf("LintFiles(shipped files) = \n%v\nwant no problems", got)
	}
}

func TestLintPaths(t *testing.T) {
	t.Parallel()
	good := "id: good\nversion: \"1\"\ntitle: Good\nsteps: [{id: a, title: A, owner: leads}]\n"
	fsys := fstest.MapFS{
		"pb/good.yaml":   {Data: []byte(good)},
		"pb/broken.yaml": {Data: []byte("id: broken\nversion: \"1\"\ntitle: Broken\nsteps: [{id: a, title: A, owner: nobody}]\n")},
		"pb/notes.txt":   {Data: []byte("not yaml, not linted")},
		"empty/.keep":    {Data: nil},
	}
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"one good file", []string{"pb/good.yaml"}, nil},
		{"folder", []string{"pb"}, []string{`pb/broken.yaml:4:34: owner "nobody" is not a role; use one of responders, leads, legal`}},
		{"folder and a file of it report once", []string{"pb", "pb/broken.yaml"}, []string{`pb/broken.yaml:4:34: owner "nobody" is not a role; use one of responders, leads, legal`}},
		{"missing path", []string{"nope.yaml"}, []string{"nope.yaml: cannot read: file does not exist"}},
		{"folder without playbooks", []string{"empty"}, []string{"empty: no playbook files (*.yaml) here"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range Lint(fsys, tt.paths...) {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lint(%q) mismatch (-want +got):\n%s", tt.paths, diff)
			}
		})
	}
}
