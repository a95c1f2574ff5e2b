package templates

import (
	"errors"
	"flag"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

// TestMain shortens the fuzzer's minimization of new inputs, unless
// -test.fuzzminimizetime is given: every input lints a whole template.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", "2s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// FuzzRender renders the shipped notice for recipients with any name,
// account of what happened and locale. It must not panic; it must fail only
// when the account is blank; the subject must stay one line and the HTML
// must show the name escaped.
func FuzzRender(f *testing.F) {
	for _, seed := range []struct{ name, text, locale string }{
		{"Alex Example", "Someone copied our database.", "en"},
		{"", "x", "de-AT"},
		{`<script>alert(1)</script>`, "<b>bold</b>\n\nsecond paragraph", "es_MX"},
		{"Bob\r\nBcc: all@example.com", "  \n\n  ", "fr"},
		{"{{.Company.Name}}", "{{.Recipient.Email}}", "zz-Zzzz-999"},
		{"\xff\xfe", "\x00\x01", "\xff"},
		{"Zoë Ünïcödé 名前", "Ein Angreifer hat Daten kopiert.", "DE"},
	} {
		f.Add(seed.name, seed.text, seed.locale, false, false)
		f.Add(seed.name+"\n\n", seed.text, seed.locale, true, true)
	}
	s, err := New(nil, "")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, text, locale string, drill, test bool) {
		d := Sample()
		d.Recipient.Name, d.Incident.WhatHappened = name, text
		d.Notice.Regimes, d.Notice.Drill, d.Notice.Test = allRegimes, drill, test
		m, err := s.Render("breach-notice", locale, d)
		// The render cache gives what executing the templates in full gives.
		full, fullProbs := s.templates["breach-notice"].variant(locale).render(d)
		if (err == nil) != (fullProbs == nil) || err == nil && (m.TextParts != nil || !sameMessage(m, full)) {
			t.Fatalf("Render = %+v, %v; full rendering = %+v, %v", m, err, full, fullProbs)
		}
		// So does rendering in parts, joined.
		if p, perr := s.RenderParts("breach-notice", locale, d); (perr == nil) != (err == nil) || err == nil && !sameMessage(p, full) {
			t.Fatalf("RenderParts = %+v, %v; full rendering = %+v, %v", p, perr, full, fullProbs)
		}
		blank := strings.TrimSpace(text) == ""
		if blank != (err != nil) {
			t.Fatalf("Render with blank account %v: err = %v", blank, err)
		}
		if err != nil {
			var re *RenderError
			if !errors.As(err, &re) || len(re.Problems) == 0 {
				t.Fatalf("error %v is not a *RenderError with problems", err)
			}
			return
		}
		if strings.ContainsAny(m.Subject, "\r\n") {
			t.Fatalf("subject %q spans lines", m.Subject)
		}
		// The HTML equals the one for a plain placeholder name, with the
		// name, escaped, in its place.
		if trimmedName := strings.TrimSpace(name); trimmedName != "" {
			d.Recipient.Name = "XNAMEX"
			control, err := s.Render("breach-notice", locale, d)
			if err != nil {
				t.Fatal(err)
			}
			before, after, _ := strings.Cut(control.HTML, "XNAMEX")
			if !strings.HasPrefix(m.HTML, before) || !strings.HasSuffix(m.HTML, after) || len(before)+len(after) > len(m.HTML) {
				t.Fatalf("the name changed the HTML around it")
			}
			shown := m.HTML[len(before) : len(m.HTML)-len(after)]
			if strings.ContainsAny(shown, "<>\"'") {
				t.Fatalf("HTML shows the name %q as %q, unescaped", name, shown)
			}
			if utf8.ValidString(trimmedName) && !strings.ContainsRune(trimmedName, 0) && html.UnescapeString(shown) != trimmedName {
				t.Fatalf("HTML shows the name %q as %q", trimmedName, shown)
			}
		}
		if utf8.ValidString(text) && !strings.Contains(m.Text, strings.TrimSpace(paragraphs(text)[0])) {
			t.Fatalf("text lacks the account of what happened")
		}
		variant, err := s.Locale("breach-notice", locale)
		if err != nil {
			t.Fatal(err)
		}
		w := wordsFor(variant)
		if drill && !strings.HasPrefix(m.Subject, w.drill.Prefix) || test && !strings.Contains(m.Subject, w.test.Prefix) {
			t.Fatalf("subject %q lacks the drill or test prefix", m.Subject)
		}
	})
}

// lintSeeds returns the files of the shipped and broken templates of
// testdata, by kind.
func lintSeeds(f *testing.F) (subjects, texts, htmls, metas [][]byte) {
	f.Helper()
	add := func(fsys fs.FS, root string) {
		err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(fsys, p)
			switch filepath.Base(p) {
			case "subject.txt":
				subjects = append(subjects, data)
			case "body.txt":
				texts = append(texts, data)
			case "body.html":
				htmls = append(htmls, data)
			case "meta.yaml":
				metas = append(metas, data)
			}
			return err
		})
		if err != nil {
			f.Fatal(err)
		}
	}
	add(Embedded(), ".")
	add(os.DirFS("testdata"), "lint")
	return subjects, texts, htmls, metas
}

// FuzzLint lints a template made of any four files. It must not panic; its
// problems must name a file and say something; New must load the template
// exactly when the linter finds no problem; and a template that loads must
// render the sample notice under the regimes it claims.
func FuzzLint(f *testing.F) {
	subjects, texts, htmls, metas := lintSeeds(f)
	for i, text := range texts {
		f.Add(subjects[i%len(subjects)], text, htmls[i%len(htmls)], metas[i%len(metas)])
	}
	for _, s := range []string{
		"", "{{", "}}", "{{.}}", "{{$}}", "{{$x := 1}}{{$x}}", "{{range $i, $c := .Incident.DataCategories}}{{$i}}{{$c}}{{end}}",
		"{{with .Company}}{{.Name}}{{end}}", "{{(.Incident).ID}}", "{{.Incident.DiscoveredAt.Year}}", "{{index .Recipient.DataCategories 5}}",
		"{{template \"x\"}}", "{{define \"a\"}}{{template \"b\"}}{{end}}{{define \"b\"}}{{template \"a\"}}{{end}}{{template \"a\" .}}",
		"{{range 3}}{{end}}", "{{printf \"%099999999d\" 1}}", "{{html .Recipient.Name}}", "{{.Recipient.Name | html}}",
		"{{break}}", "{{range .Incident.DataCategories}}{{break}}{{end}}", "{{block \"b\" .}}{{.Company.Name}}{{end}}",
		"{{/* comment */}}", "{{- .Company.Name -}}", "{{if and .Company.Name .Company.DPO}}{{.Company.DPO}}{{end}}",
		"<script>var x = {{.Recipient.Name}};</script>", "<a href=\"{{.Company.Website}}\">x</a>", "<h1>{{.Company.Name}}</h1>\n",
		"Notice of Data Breach\n===\n", "\xff{{.Company.Name}}",
	} {
		f.Add([]byte("Subject {{.Company.Name}}\n"), []byte(s), []byte(s), []byte("description: d\nregimes: [gdpr]\n"))
	}
	f.Fuzz(func(t *testing.T, subject, text, html, meta []byte) {
		fsys := fstest.MapFS{
			"fuzz/meta.yaml":      {Data: meta},
			"fuzz/en/subject.txt": {Data: subject},
			"fuzz/en/body.txt":    {Data: text},
			"fuzz/en/body.html":   {Data: html},
		}
		probs := Lint(fsys)
		for _, p := range probs {
			if !strings.HasPrefix(p.File, "fuzz") || p.Message == "" || p.Line < 0 || p.Col < 0 {
				t.Fatalf("malformed problem %+v", p)
			}
		}
		s, err := New(fsys, "")
		if (err == nil) != (len(probs) == 0) {
			t.Fatalf("New error %v, but Lint found %d problems:\n%v", err, len(probs), probs)
		}
		if err != nil {
			return
		}
		d := Sample()
		d.Notice.Regimes = s.Templates()[slicesIndex(s.Templates(), "fuzz")].Regimes
		if _, err := s.Render("fuzz", "en", d); err != nil {
			t.Fatalf("a template that lints clean fails on the sample: %v", err)
		}
		// The render cache, if the template uses it, gives what executing
		// the templates in full gives.
		for _, name := range []string{"", `<a href="x">'O'Brien' & co +`, "Two\nLines"} {
			d.Recipient.Name, d.Recipient.Email = name, name
			got, err := s.Render("fuzz", "en", d)
			want, probs := s.templates["fuzz"].variant("en").render(d)
			if (err == nil) != (probs == nil) || err == nil && !sameMessage(got, want) {
				t.Fatalf("name %q: Render = %+v, %v; full rendering = %+v, %v", name, got, err, want, probs)
			}
		}
	})
}

func slicesIndex(infos []Info, name string) int {
	for i, in := range infos {
		if in.Name == name {
			return i
		}
	}
	return -1
}
