package templates

import (
	"fmt"
	"html"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"text/template/parse"
)

// Lint checks notice templates in fsys and returns every problem, sorted by
// file, line and column; none means the templates are good. Each path is a
// folder of templates (as given to New), one template's folder, a locale
// folder or a file of one; no paths means the root of fsys. Each template is
// checked as New would load it over the embedded templates: a locale or
// meta.yaml it lacks comes from the embedded template of the same name.
//
// For every locale it reports missing files, template syntax errors, unknown
// fields and functions (with a likely fix), sections and fields missing for
// a regime the template claims, headings and fields the text and HTML bodies
// disagree on, and data a notice may lack that the template prints without
// {{with}} or {{if}}.
func Lint(fsys fs.FS, paths ...string) Problems {
	return lint(fsys, paths, func(p string) string { return p }, nil)
}

// LintFiles is Lint for paths of the operating system's file system, as
// `breachbot templates lint PATH...` takes them; no paths means the current
// directory. Problems name the files as the paths were given.
func LintFiles(paths ...string) Problems { return lintFiles(nil, paths...) }

// lintFiles is LintFiles, also checking notice templates against laws.
func lintFiles(laws []Regime, paths ...string) Problems {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var probs Problems
	cwd, _ := os.Getwd()
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			probs = append(probs, Problem{File: p, Message: "cannot read: " + describe(err)})
			continue
		}
		vol := filepath.VolumeName(abs)
		top := vol + string(filepath.Separator)
		rel := filepath.ToSlash(strings.TrimPrefix(abs, top))
		if rel == "" {
			rel = "."
		}
		display := func(fp string) string {
			full := filepath.Join(top, filepath.FromSlash(fp))
			if !filepath.IsAbs(p) && cwd != "" {
				if r, err := filepath.Rel(cwd, full); err == nil {
					return r
				}
			}
			return full
		}
		probs = append(probs, lint(os.DirFS(top), []string{rel}, display, laws)...)
	}
	return probs.Sorted()
}

// lint is Lint with a display name for each path of fsys.
func lint(fsys fs.FS, paths []string, display func(string) string, laws []Regime) Problems {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var probs Problems
	var roots []string
	names := map[string][]string{} // root -> template names; nil: all
	for _, p := range paths {
		root, name, prob := classify(fsys, path.Clean(filepath.ToSlash(p)), display)
		if prob != nil {
			probs = append(probs, *prob)
			continue
		}
		have, seen := names[root]
		if !seen {
			roots = append(roots, root)
		}
		switch {
		case name == "" || seen && have == nil:
			names[root] = nil
		case !slices.Contains(have, name):
			names[root] = append(have, name)
		}
	}
	base, _ := embeddedSources()
	for _, root := range roots {
		over, ps := readTemplates(fsys, root, names[root], display)
		probs = append(probs, ps...)
		if names[root] == nil && len(over) == 0 {
			probs = append(probs, Problem{File: display(root), Message: "no notice templates here (a folder per template, holding meta.yaml and a folder per locale)"})
		}
		merged := merge(base, over)
		for _, name := range sortedKeys(over) {
			t, ps := build(merged[name])
			probs = append(probs, ps...)
			probs = append(probs, check(t)...)
			probs = append(probs, checkTemplateLaws(t, laws)...)
		}
	}
	return probs.Sorted()
}

// classify finds the templates a lint path means: the folder holding
// template folders, and one template's name ("" for all of them).
func classify(fsys fs.FS, p string, display func(string) string) (root, name string, prob *Problem) {
	st, err := fs.Stat(fsys, p)
	if err != nil {
		return "", "", &Problem{File: display(p), Message: "cannot read: " + describe(err)}
	}
	var tdir string
	switch {
	case !st.IsDir() && path.Base(p) == metaFile:
		tdir = path.Dir(p)
	case !st.IsDir() && slices.Contains(fileNames[:], path.Base(p)):
		tdir = path.Dir(path.Dir(p))
	case !st.IsDir():
		return "", "", &Problem{File: display(p), Message: "not a template file (meta.yaml, subject.txt, body.txt or body.html)"}
	default:
		switch depth(fsys, p) {
		case 0:
			tdir = path.Dir(p)
		case 1:
			tdir = p
		default:
			return p, "", nil
		}
	}
	if tdir == "." || path.Base(tdir) == ".." {
		return "", "", &Problem{File: display(p), Message: "cannot tell the template's name; lint the folder that holds the template folder"}
	}
	return path.Dir(tdir), path.Base(tdir), nil
}

// depth tells what a folder is by where its template files are: 0 if it
// holds them (a locale folder), 1 if it holds meta.yaml or folders holding
// them (a template folder), 2 otherwise (a folder of templates).
func depth(fsys fs.FS, dir string) int {
	entries, _ := fs.ReadDir(fsys, dir)
	for _, e := range entries {
		if !e.IsDir() && slices.Contains(fileNames[:], e.Name()) {
			return 0
		}
	}
	for _, e := range entries {
		if !e.IsDir() && e.Name() == metaFile {
			return 1
		}
		if e.IsDir() {
			sub, _ := fs.ReadDir(fsys, path.Join(dir, e.Name()))
			for _, s := range sub {
				if !s.IsDir() && slices.Contains(fileNames[:], s.Name()) {
					return 1
				}
			}
		}
	}
	return 2
}

// check returns the content problems of a template's locales that parsed:
// regime rules, text and HTML agreement, the subject, and sample renders.
func check(t *tmpl) Problems {
	var probs Problems
	for _, locale := range sortedKeys(t.locales) {
		v := t.locales[locale]
		if v.subject == nil || v.text == nil || v.html == nil {
			continue // a file is missing or does not parse
		}
		probs = append(probs, checkSubject(v)...)
		text := textHeadings(v.files[fileText].data)
		htm := htmlHeadings(v.files[fileHTML].data)
		for _, name := range t.meta.regimes {
			r, _ := regimeByName(name)
			probs = append(probs, checkRegime(v, r, fileText, text)...)
			probs = append(probs, checkRegime(v, r, fileHTML, htm)...)
		}
		probs = append(probs, checkUses(v, t.meta.regimes, fileText)...)
		probs = append(probs, checkUses(v, t.meta.regimes, fileHTML)...)
		probs = append(probs, agree(v, text, htm)...)
		if !v.broken {
			ps := sampleRenders(t, v)
			probs = append(probs, ps...)
			if len(ps) == 0 {
				v.prepareFast(t.meta.regimes)
			}
		}
	}
	return probs
}

// checkSubject reports a subject that spans lines.
func checkSubject(v *variant) Problems {
	f := v.files[fileSubject]
	body := strings.TrimRight(f.data, "\r\n")
	var probs Problems
	for _, n := range v.subject.Tree.Root.Nodes {
		tn, ok := n.(*parse.TextNode)
		if !ok {
			continue
		}
		start := int(tn.Pos)
		text := string(tn.Text)
		if end := start + len(text); end > len(body) {
			text = text[:max(0, len(body)-start)]
		}
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, col := position(f.data, start+i+1)
			probs = append(probs, Problem{File: f.display, Line: line, Col: col, Message: "the subject continues on another line; keep it on one line"})
			break
		}
	}
	return probs
}

// heading is a heading of a body: its text, with each action as "{{}}",
// and where it is.
type heading struct {
	text string
	off  int
}

var (
	actionRE  = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	htmlHRE   = regexp.MustCompile(`(?is)<h([1-6])\b[^>]*>(.*?)</h[1-6]\s*>`)
	tagRE     = regexp.MustCompile(`(?s)<[^>]*>`)
	commentRE = regexp.MustCompile(`(?s)<!--.*?-->`)
	tmplCmRE  = regexp.MustCompile(`(?s)\{\{-?\s*/\*.*?\*/\s*-?\}\}`)
)

// normalize collapses the spaces of a heading's text and shows actions as
// "{{}}".
func normalize(s string) string {
	return strings.Join(strings.Fields(actionRE.ReplaceAllString(s, "{{}}")), " ")
}

// textHeadings returns the headings of a plain-text body: lines underlined
// with a line of = or - (at least 3).
func textHeadings(src string) []heading {
	var out []heading
	lines := strings.Split(maskComments(src), "\n")
	off := 0
	for i, line := range lines {
		if i+1 < len(lines) && isUnderline(lines[i+1]) && !isUnderline(line) {
			if text := normalize(line); text != "" {
				out = append(out, heading{text, off + len(line) - len(strings.TrimLeft(line, " \t"))})
			}
		}
		off += len(line) + 1
	}
	return out
}

func isUnderline(line string) bool {
	line = strings.TrimSpace(line)
	return len(line) >= 3 && (strings.Trim(line, "=") == "" || strings.Trim(line, "-") == "")
}

// htmlHeadings returns the <h1>...<h6> elements of an HTML body.
func htmlHeadings(src string) []heading {
	var out []heading
	masked := maskComments(src)
	for _, m := range htmlHRE.FindAllStringSubmatchIndex(masked, -1) {
		inner := src[m[4]:m[5]]
		inner = actionRE.ReplaceAllString(inner, "{{}}")
		text := normalize(html.UnescapeString(tagRE.ReplaceAllString(inner, " ")))
		out = append(out, heading{text, m[0]})
	}
	return out
}

// maskComments blanks HTML and template comments, keeping offsets.
func maskComments(src string) string {
	blank := func(s string) string {
		b := []byte(s)
		for i := range b {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
		return string(b)
	}
	src = commentRE.ReplaceAllStringFunc(src, blank)
	return tmplCmRE.ReplaceAllStringFunc(src, blank)
}

// plainText returns the text of a body outside actions, for markers.
func plainText(src string, isHTML bool) string {
	s := actionRE.ReplaceAllString(maskComments(src), " ")
	if isHTML {
		s = html.UnescapeString(tagRE.ReplaceAllString(s, " "))
	}
	return s
}

// checkRegime checks one body of a variant against a regime's rules.
func checkRegime(v *variant, r Regime, file int, heads []heading) Problems {
	f := v.files[file]
	var probs Problems
	at := func(off int, format string, args ...any) {
		p := Problem{File: f.display, Line: 1, Col: 1, Message: fmt.Sprintf(format, args...)}
		if off >= 0 {
			p.Line, p.Col = position(f.data, off)
		}
		probs = append(probs, p)
	}
	why := fmt.Sprintf("%s: %s", r.Name, r.Citation)
	last, lastText := -1, ""
	for _, want := range r.Headings {
		local := v.words.headings[want]
		i := slices.IndexFunc(heads, func(h heading) bool {
			return strings.Contains(h.text, want) || local != "" && strings.Contains(h.text, local)
		})
		switch {
		case i < 0:
			at(-1, "missing heading %q (%s)", want, why)
		case i < last:
			at(heads[i].off, "heading %q must come after %q (%s)", want, lastText, why)
		default:
			last, lastText = i, want
		}
	}
	text := plainText(f.data, file == fileHTML)
	for _, m := range r.Markers {
		if !strings.Contains(text, m.Text) {
			at(-1, "missing %q, part of %s (%s)", m.Text, m.What, why)
		}
	}
	return probs
}

// checkUses reports the fields one body of a variant does not use that its
// regimes need, once per field with every regime that needs it.
func checkUses(v *variant, regimes []string, file int) Problems {
	type missing struct {
		need Need
		why  []string
	}
	var list []*missing
	for _, name := range regimes {
		r, _ := regimeByName(name)
		for _, need := range r.Uses {
			if slices.ContainsFunc(need.Fields, func(p string) bool { _, ok := v.uses[file][p]; return ok }) {
				continue
			}
			i := slices.IndexFunc(list, func(m *missing) bool { return slices.Equal(m.need.Fields, need.Fields) })
			if i < 0 {
				list = append(list, &missing{need: need})
				i = len(list) - 1
			}
			list[i].why = append(list[i].why, fmt.Sprintf("%s: %s", r.Name, r.Citation))
		}
	}
	var probs Problems
	for _, m := range list {
		what := "does not use " + m.need.Fields[0]
		if len(m.need.Fields) > 1 {
			what = "uses none of " + strings.Join(m.need.Fields, ", ")
		}
		probs = append(probs, Problem{File: v.files[file].display, Line: 1, Col: 1,
			Message: fmt.Sprintf("%s, %s (%s)", what, m.need.What, strings.Join(m.why, "; "))})
	}
	return probs
}

// agree reports headings and fields one body of a variant has and the other
// lacks: the plain text and the HTML must say the same.
func agree(v *variant, text, htm []heading) Problems {
	var probs Problems
	tf, hf := v.files[fileText], v.files[fileHTML]
	has := func(hs []heading, text string) bool {
		return slices.ContainsFunc(hs, func(h heading) bool { return h.text == text })
	}
	for _, h := range text {
		if !has(htm, h.text) {
			line, col := position(tf.data, h.off)
			probs = append(probs, Problem{File: tf.display, Line: line, Col: col, Message: fmt.Sprintf("heading %q is not in body.html", h.text)})
		}
	}
	for _, h := range htm {
		if !has(text, h.text) {
			line, col := position(hf.data, h.off)
			probs = append(probs, Problem{File: hf.display, Line: line, Col: col, Message: fmt.Sprintf("heading %q is not in body.txt", h.text)})
		}
	}
	for _, pair := range [][2]int{{fileText, fileHTML}, {fileHTML, fileText}} {
		from, other := pair[0], pair[1]
		for _, p := range sortedKeys(v.uses[from]) {
			if strings.Count(p, ".") != 1 {
				continue // compare the fields of Company, Incident, Recipient and Notice
			}
			if _, ok := v.uses[other][p]; !ok {
				line, col := position(v.files[from].data, v.uses[from][p])
				probs = append(probs, Problem{File: v.files[from].display, Line: line, Col: col,
					Message: fmt.Sprintf("%s is used here but not in %s", p, fileNames[other])})
			}
		}
	}
	return probs
}

// sampleRenders renders a variant with the full sample and with the least
// data a notice under its regimes can have, and reports what fails or would
// print nothing.
func sampleRenders(t *tmpl, v *variant) Problems {
	var probs Problems
	full := Sample()
	full.Notice.Regimes = slices.Clone(t.meta.regimes)
	out, missing, ps := v.execute(full)
	probs = append(probs, ps...)
	for _, id := range missing {
		probs = append(probs, v.sites[id].problem(v, false))
	}
	if len(ps) == 0 && oneLine(out[fileSubject]) == "" {
		probs = append(probs, Problem{File: v.files[fileSubject].display, Line: 1, Col: 1, Message: "the subject is empty"})
	}
	if len(probs) > 0 {
		return probs
	}
	for _, ids := range []bool{false, true} {
		_, missing, ps := v.execute(minimalSample(t.meta.regimes, ids))
		probs = append(probs, ps...)
		for _, id := range missing {
			probs = append(probs, v.sites[id].problem(v, true))
		}
	}
	return probs
}

// coreFields are the fields every notice has: the company's name and email,
// what happened and when it was discovered, the data involved, what the
// company and the person can do, the recipient's address and the ids.
var coreFields = []string{
	"Company.Name", "Company.ContactEmail",
	"Incident.ID", "Incident.WhatHappened", "Incident.DiscoveredAt", "Incident.DataCategories",
	"Incident.WhatWeAreDoing", "Incident.WhatYouCanDo",
	"Recipient.Email", "Notice.ID",
}

// minimalSample returns the least data a notice under regimes has: the core
// fields and what the regimes require, the rest empty. ids says whether an
// SSN was involved.
func minimalSample(regimes []string, ids bool) Data {
	full := Sample()
	var d Data
	for _, f := range coreFields {
		copyField(&d, full, f)
	}
	d.Incident.DataCategories = []string{"email"}
	if ids {
		d.Incident.DataCategories = []string{"email", "ssn"}
	}
	for _, name := range regimes {
		r, _ := regimeByName(name)
		for _, need := range r.Requires {
			if need.When == WhenIDNumbersExposed && !ids {
				continue
			}
			if !slices.ContainsFunc(need.Fields, func(f string) bool { return !isEmpty(fieldValue(d, f)) }) {
				copyField(&d, full, need.Fields[0])
			}
		}
	}
	d.Notice.Regimes = slices.Clone(regimes)
	return d
}

// fieldValue returns the value of a data path ("Incident.WhatHappened") of d.
func fieldValue(d Data, p string) any {
	v := reflect.ValueOf(d)
	for name := range strings.SplitSeq(p, ".") {
		v = v.FieldByName(name)
		if !v.IsValid() {
			return nil
		}
	}
	return v.Interface()
}

// copyField sets the data path p of d to its value in from.
func copyField(d *Data, from Data, p string) {
	dst, src := reflect.ValueOf(d).Elem(), reflect.ValueOf(from)
	for name := range strings.SplitSeq(p, ".") {
		dst, src = dst.FieldByName(name), src.FieldByName(name)
	}
	dst.Set(src)
}
