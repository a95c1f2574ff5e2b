package templates

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// TestRenderCacheMatchesFullRender checks that Render, which serves the
// shipped notice from its render cache, gives exactly what executing the
// templates in full gives, for recipients of every kind.
func TestRenderCacheMatchesFullRender(t *testing.T) {
	s := mustNew(t, nil)
	for _, locale := range []string{"en", "de", "es"} {
		v := s.templates["breach-notice"].variant(locale)
		if v.fast == nil {
			t.Fatalf("the shipped %s notice does not use the render cache", locale)
		}
		names := []string{"", "  ", "Alex", "Zoë Ünïcödé 名前", `<script>alert("x")</script> & 'O''Brien' + a=b`, "Line\nBreak\r\n\n\nName", "tab\there", "\x00nul", "\xff\xfe", sentinels[0], sentinels[1], "trailing   ", "Customer   Spaces"}
		for i, name := range names {
			for mode := range 3 { // test, drill, real
				d := recipients(25)[i*3%25]
				d.Recipient.Name = name
				d.Recipient.Email = strings.TrimSpace(name) + "@example.com"
				d.Notice.Drill, d.Notice.Test = mode == 1, mode == 0
				want, wantProbs := v.render(d)
				for try := range 4 { // a miss, then hits; joined, then in parts
					render := s.Render
					if try >= 2 {
						render = s.RenderParts
					}
					got, err := render("breach-notice", locale, d)
					if wantProbs != nil {
						if err == nil {
							t.Errorf("%s %q: Render succeeded, full rendering fails: %v", locale, name, wantProbs)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s %q: %v", locale, name, err)
					}
					if try >= 2 {
						inParts := got.TextParts != nil && got.HTMLParts != nil && got.Text == "" && got.HTML == ""
						if wantParts := mode == 2 && !strings.ContainsAny(name, "\r\n"); inParts != wantParts {
							t.Errorf("%s %q mode %d: RenderParts gave parts: %v, want %v", locale, name, mode, inParts, wantParts)
						}
						text, html := got.bodies()
						got = &Message{Subject: got.Subject, Text: text, HTML: html}
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s %q try %d: cached render differs from full (-full +cached):\n%s", locale, name, try, diff)
					}
				}
			}
		}
	}
}

// TestRenderCacheFollowsTheNotice checks that a changed notice, or a
// recipient of another shape, is not served an earlier rendering.
func TestRenderCacheFollowsTheNotice(t *testing.T) {
	s := mustNew(t, nil)
	d := Sample()
	first, err := s.Render("breach-notice", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	d.Incident.WhatHappened = "A second, different account."
	second, err := s.Render("breach-notice", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(second.Text, "A second, different account.") || first.Text == second.Text {
		t.Errorf("the notice's new account is not rendered:\n%s", second.Text)
	}
	d.Recipient.DataCategories = []string{"email"}
	d.Content = Content{} // no law asks this recipient for SSN advice
	third, err := s.Render("breach-notice", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(third.Text, "Social Security") {
		t.Errorf("a recipient without an SSN got the rendering of one with:\n%s", third.Text)
	}
	// The cache stays bounded however many shapes recipients have.
	v := s.templates["breach-notice"].variant("en")
	for i := range maxShapes + 10 {
		d.Recipient.Country = fmt.Sprintf("X%d", i)
		if _, err := s.Render("breach-notice", "en", d); err != nil {
			t.Fatal(err)
		}
	}
	for i := range maxNotices + 3 {
		d.Notice.ID = fmt.Sprintf("N-%d", i)
		if _, err := s.Render("breach-notice", "en", d); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(v.fast.notices); n > maxNotices {
		t.Errorf("cache holds %d notices, want at most %d", n, maxNotices)
	}
	for _, n := range v.fast.notices {
		if len(n.shapes) > maxShapes {
			t.Errorf("cache holds %d shapes of a notice, want at most %d", len(n.shapes), maxShapes)
		}
	}
}

// TestRenderCacheRefusesWhatItCannotReproduce checks that templates doing
// more with the name than printing it as text are rendered in full, and
// rendered right.
func TestRenderCacheRefusesWhatItCannotReproduce(t *testing.T) {
	tests := []struct{ name, html string }{
		{"attribute", `{{with .Recipient.Name}}<p title="{{.}}">x</p>{{end}}`},
		{"url", `{{with .Recipient.Name}}<a href="/u/{{.}}">x</a>{{end}}`},
		{"script", `{{with .Recipient.Name}}<script>var n = {{.}};</script>{{end}}`},
		{"function", `{{with .Recipient.Name}}<p>{{printf "%.3s" .}}</p>{{end}}`},
		{"comparison", `{{if eq .Recipient.Name "Bob"}}<p>Hi Bob</p>{{end}}`},
		{"pipeline", `{{with .Recipient.Name}}<p>{{. | printf "%q"}}</p>{{end}}`},
		{"whole recipient", `{{with .Recipient}}{{with .Name}}<p>{{.}}</p>{{end}}{{end}}`},
		{"whole data", `{{if .Recipient.Name}}{{template "t" .}}{{end}}{{define "t"}}{{with .Recipient.Name}}<p>{{len .}}</p>{{end}}{{end}}`},
		{"title element", `<title>{{with .Recipient.Name}}{{.}}{{end}}</title>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, fstest.MapFS{
				"x/meta.yaml":      {Data: []byte("description: Uses the name.\nregimes: []\n")},
				"x/en/subject.txt": {Data: []byte("Hello\n")},
				"x/en/body.txt":    {Data: []byte("{{with .Recipient.Name}}{{.}}{{end}}\n")},
				"x/en/body.html":   {Data: []byte(tt.html + "\n")},
			})
			v := s.templates["x"].variant("en")
			if v.fast != nil {
				t.Errorf("template %s uses the render cache", tt.html)
			}
			d := Sample()
			d.Recipient.Name = `Bob <"&'+>`
			want, _ := v.render(d)
			got, err := s.Render("x", "en", d)
			if err != nil || !sameMessage(got, want) {
				t.Errorf("Render = %v, %v; want %v", got, err, want)
			}
		})
	}
	// Printing the name as text, in the three files, is served from the cache.
	s := mustNew(t, fstest.MapFS{
		"x/meta.yaml":      {Data: []byte("description: Prints the name.\nregimes: []\n")},
		"x/en/subject.txt": {Data: []byte("Hello {{with .Recipient.Name}}{{.}}{{end}}\n")},
		"x/en/body.txt":    {Data: []byte("{{with $n := .Recipient.Name}}Dear {{$n}}{{else}}Hello{{end}}\n")},
		"x/en/body.html":   {Data: []byte("<p>{{if .Recipient.Name}}Dear {{.Recipient.Name}}, {{.Recipient.Name}}{{end}}</p>\n")},
	})
	if s.templates["x"].variant("en").fast == nil {
		t.Errorf("a template that prints the name as text does not use the render cache")
	}
}
