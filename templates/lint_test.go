package templates

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata from the current output")

// TestLintGolden lints each folder of testdata/lint, a folder of templates
// with one kind of problem, and compares the problems, one
// "file:line:col: message" a line, with the folder's want.txt.
func TestLintGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/lint/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			got := []string{}
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
			if len(got) == 0 {
				t.Errorf("LintFiles(%s) found no problems; each folder of testdata/lint holds broken templates", dir)
			}
		})
	}
}

// TestLintShipped checks that the shipped templates lint clean, both
// embedded and as files, and load.
func TestLintShipped(t *testing.T) {
	if got := Lint(Embedded()); len(got) != 0 {
		t.Errorf("Lint(Embedded()) =\n%v\nwant no problems", got)
	}
	if got := LintFiles("notices"); len(got) != 0 {
		t.Errorf("LintFiles(notices) =\n%v\nwant no problems", got)
	}
	s, err := New(nil, "")
	if err != nil {
		t.Fatalf("New(nil) = %v", err)
	}
	want := []Info{{
		Name:        "breach-notice",
		Description: "Notice of Data Breach to an affected person: what happened, what information was involved, what we are doing, what you can do, and whom to contact. Meets California's headings and the GDPR, HIPAA, Australian, Indian and Chinese content rules.",
		Locales:     []string{"de", "en", "es"},
		Regimes:     []string{"california", "gdpr", "uk-gdpr", "hipaa", "australia", "india", "china"},
	}}
	if diff := cmp.Diff(want, s.Templates()); diff != "" {
		t.Errorf("Templates() mismatch (-want +got):\n%s", diff)
	}
}

// TestLintPaths checks which templates a path means: a folder of templates,
// a template folder, a locale folder or a file of one.
func TestLintPaths(t *testing.T) {
	t.Parallel()
	good := func(greeting string) fstest.MapFS {
		return fstest.MapFS{
			"meta.yaml":       {Data: []byte("description: A reminder.\nregimes: []\n")},
			"en/subject.txt":  {Data: []byte("Reminder from {{.Company.Name}}\n")},
			"en/body.txt":     {Data: []byte(greeting + "\n\n{{.Incident.WhatHappened}}\n")},
			"en/body.html":    {Data: []byte("<p>" + greeting + "</p>\n<p>{{.Incident.WhatHappened}}</p>\n")},
			"en/.editorstate": {Data: []byte("ignored")},
		}
	}
	fsys := fstest.MapFS{"README.md": {Data: []byte("not a template")}, "empty/.keep": {}}
	for name, f := range good("Hello") {
		fsys["tpl/good/"+name] = f
	}
	for name, f := range good("{{.Incident.WhatHapened}}") {
		fsys["tpl/typo/"+name] = f
	}
	typo := "tpl/typo/en/body.html:1:16: unknown field Incident.WhatHapened, did you mean WhatHappened?"
	typoText := "tpl/typo/en/body.txt:1:13: unknown field Incident.WhatHapened, did you mean WhatHappened?"
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"folder of templates", []string{"tpl"}, []string{typo, typoText}},
		{"template folder", []string{"tpl/typo"}, []string{typo, typoText}},
		{"good template folder", []string{"tpl/good"}, nil},
		{"locale folder", []string{"tpl/typo/en"}, []string{typo, typoText}},
		{"one file lints its template", []string{"tpl/typo/en/subject.txt"}, []string{typo, typoText}},
		{"meta.yaml", []string{"tpl/good/meta.yaml"}, nil},
		{"twice reports once", []string{"tpl", "tpl/typo/en/body.txt"}, []string{typo, typoText}},
		{"missing path", []string{"nope"}, []string{"nope: cannot read: file does not exist"}},
		{"not a template file", []string{"README.md"}, []string{"README.md: not a template file (meta.yaml, subject.txt, body.txt or body.html)"}},
		{"folder without templates", []string{"empty"}, []string{"empty: no notice templates here (a folder per template, holding meta.yaml and a folder per locale)"}},
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

// TestNewRefusesBrokenOverride checks that a broken override folder loads
// nothing and says what is wrong with file and line, as the linter does.
func TestNewRefusesBrokenOverride(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "lint", "override")
	s, err := New(os.DirFS(dir), dir)
	if s != nil || err == nil {
		t.Fatalf("New(broken override) = %v, %v; want an error", s, err)
	}
	if code := incidents.ErrorCode(err); code != incidents.EINVALID {
		t.Errorf("error code %q, want %q", code, incidents.EINVALID)
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v holds no Problems", err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, filepath.ToSlash(p.String()))
	}
	var want []string
	for _, p := range LintFiles(dir) {
		want = append(want, filepath.ToSlash(p.String()))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("New's problems differ from the linter's (-lint +New):\n%s", diff)
	}
	msg := err.Error()
	for _, s := range []string{
		"notice templates have 3 problems:",
		"testdata/lint/override/breach-notice/de/body.html:41:30: unknown field Incident.WhatYouCanD, did you mean WhatYouCanDo?",
		"breachbot templates lint testdata/lint/override",
	} {
		if !strings.Contains(filepath.ToSlash(msg), s) {
			t.Errorf("error message lacks %q:\n%s", s, msg)
		}
	}
}

// TestEveryRuleFires builds, for each regime of the table, a template that
// meets it, checks that it lints clean, and then that leaving out any one
// heading, marker or field is reported in both bodies.
func TestEveryRuleFires(t *testing.T) {
	t.Parallel()
	for _, r := range Regimes() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			type part struct{ what, text, html string }
			var parts []part
			for _, h := range r.Headings {
				parts = append(parts, part{"heading " + h, h + "\n=====\n", "<h2>" + h + "</h2>\n"})
			}
			for _, m := range r.Markers {
				parts = append(parts, part{"marker " + m.Text, m.Text + "\n", "<p>" + m.Text + "</p>\n"})
			}
			for _, need := range r.Uses {
				f := need.Fields[0]
				var action string
				switch typ := fieldType(f); {
				case typ == timeType:
					action = "{{with date ." + f + "}}{{.}}{{end}}"
				case typ.Kind() == reflect.Slice:
					action = "{{range ." + f + "}}{{label .}} {{else}}-{{end}}"
				case typ.Kind() == reflect.Bool:
					action = "{{if ." + f + "}}yes{{end}}"
				default:
					action = "{{with ." + f + "}}{{.}}{{end}}"
				}
				parts = append(parts, part{"field " + f, action + "\n", "<p>" + action + "</p>\n"})
			}
			lint := func(skip int) []string {
				var text, html strings.Builder
				for i, p := range parts {
					if i != skip {
						text.WriteString(p.text)
						html.WriteString(p.html)
					}
				}
				var got []string
				for _, p := range Lint(fstest.MapFS{
					"x/meta.yaml":      {Data: []byte("description: One regime.\nregimes: [" + r.Name + "]\n")},
					"x/en/subject.txt": {Data: []byte("Notice\n")},
					"x/en/body.txt":    {Data: []byte(text.String())},
					"x/en/body.html":   {Data: []byte(html.String())},
				}) {
					got = append(got, p.String())
				}
				return got
			}
			if got := lint(-1); len(got) != 0 {
				t.Fatalf("a template with every part of %s has problems:\n%s", r.Name, strings.Join(got, "\n"))
			}
			for i, p := range parts {
				got := lint(i)
				if len(got) != 2 || !strings.HasPrefix(got[0], "x/en/body.html:1:1: ") || !strings.HasPrefix(got[1], "x/en/body.txt:1:1: ") {
					t.Errorf("without %s: problems\n%s\nwant one in body.html and one in body.txt at 1:1", p.what, strings.Join(got, "\n"))
					continue
				}
				name := strings.SplitN(p.what, " ", 2)[1]
				for _, g := range got {
					if !strings.Contains(g, name) || !strings.Contains(g, r.Citation) {
						t.Errorf("without %s: problem %q does not name it and %s", p.what, g, r.Citation)
					}
				}
			}
		})
	}
}
