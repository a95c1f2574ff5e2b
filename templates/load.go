package templates

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
	"unicode/utf8"
)

//go:embed notices
var shipped embed.FS

// Embedded returns the shipped notice templates: one folder per template.
func Embedded() fs.FS {
	sub, err := fs.Sub(shipped, "notices")
	if err != nil {
		panic(err) // the folder is embedded at build time
	}
	return sub
}

// The files of a locale folder, by index.
const (
	fileSubject = iota
	fileText
	fileHTML
)

// fileNames are the files every locale folder holds.
var fileNames = [3]string{"subject.txt", "body.txt", "body.html"}

// maxFileSize caps the size of a template file; real ones are a few
// kilobytes.
const maxFileSize = 256 << 10

// nameRE matches a template name.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// srcFile is a file as read: its display name and text.
type srcFile struct {
	display string
	data    string
	ok      bool
}

// localeSrc is a locale folder as read.
type localeSrc struct {
	display string
	files   [3]srcFile
}

// tmplSrc is a template folder as read, possibly merged from two folders.
type tmplSrc struct {
	name    string
	display string // the folder, for problems about it
	meta    *srcFile
	locales map[string]*localeSrc
	probs   Problems
}

// readTemplates reads the template folders in root of fsys; names limits
// them (nil: all). display turns a path of fsys into the name problems show.
func readTemplates(fsys fs.FS, root string, names []string, display func(string) string) (map[string]*tmplSrc, Problems) {
	var probs Problems
	out := map[string]*tmplSrc{}
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return out, Problems{{File: display(root), Message: "cannot read: " + describe(err)}}
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !e.IsDir() || names != nil && !slices.Contains(names, e.Name()) {
			continue
		}
		dir := path.Join(root, e.Name())
		t := &tmplSrc{name: e.Name(), display: display(dir), locales: map[string]*localeSrc{}}
		out[t.name] = t
		if !nameRE.MatchString(t.name) {
			t.probs = append(t.probs, Problem{File: t.display, Message: fmt.Sprintf("template name %q must be lowercase letters, digits, - and _", t.name)})
		}
		t.probs = append(t.probs, readTemplate(fsys, dir, t, display)...)
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			probs = append(probs, Problem{File: display(path.Join(root, n)), Message: "cannot read: no such template folder"})
		}
	}
	return out, probs
}

// readTemplate reads one template folder into t.
func readTemplate(fsys fs.FS, dir string, t *tmplSrc, display func(string) string) Problems {
	var probs Problems
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return Problems{{File: t.display, Message: "cannot read: " + describe(err)}}
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), "."):
		case !e.IsDir() && e.Name() == metaFile:
			f, prob := readFile(fsys, p, display)
			if prob != nil {
				probs = append(probs, *prob)
				continue
			}
			t.meta = &f
		case !e.IsDir():
			probs = append(probs, Problem{File: display(p), Message: "unexpected file; a template folder holds meta.yaml and one folder per locale (en, de, ...)"})
		default:
			l := &localeSrc{display: display(p)}
			probs = append(probs, readLocale(fsys, p, l, display)...)
			t.locales[e.Name()] = l
		}
	}
	return probs
}

// readLocale reads one locale folder into l.
func readLocale(fsys fs.FS, dir string, l *localeSrc, display func(string) string) Problems {
	var probs Problems
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return Problems{{File: l.display, Message: "cannot read: " + describe(err)}}
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		i := slices.Index(fileNames[:], e.Name())
		if i < 0 || e.IsDir() {
			msg := "unexpected; a locale folder holds subject.txt, body.txt and body.html"
			if s := suggest(e.Name(), fileNames[:]); s != "" && !e.IsDir() {
				msg = fmt.Sprintf("unexpected file, did you mean %s?", s)
			}
			probs = append(probs, Problem{File: display(p), Message: msg})
			continue
		}
		f, prob := readFile(fsys, p, display)
		if prob != nil {
			probs = append(probs, *prob)
			continue
		}
		l.files[i] = f
	}
	return probs
}

// readFile reads a template file, refusing files too large to be templates.
func readFile(fsys fs.FS, p string, display func(string) string) (srcFile, *Problem) {
	f := srcFile{display: display(p)}
	st, err := fs.Stat(fsys, p)
	if err == nil && st.Size() > maxFileSize {
		return f, &Problem{File: f.display, Message: fmt.Sprintf("too large (%d bytes); a template file may have at most %d", st.Size(), maxFileSize)}
	}
	var data []byte
	if err == nil {
		data, err = fs.ReadFile(fsys, p)
	}
	if err != nil {
		return f, &Problem{File: f.display, Message: "cannot read: " + describe(err)}
	}
	if len(data) > maxFileSize {
		return f, &Problem{File: f.display, Message: fmt.Sprintf("too large; a template file may have at most %d bytes", maxFileSize)}
	}
	f.data, f.ok = string(data), true
	return f, nil
}

// describe returns the reason of a file system error without the path,
// which the problem already names.
func describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// merge returns the templates of base overridden by over: a template's
// meta.yaml and each of its locale folders in over replace base's.
func merge(base, over map[string]*tmplSrc) map[string]*tmplSrc {
	out := map[string]*tmplSrc{}
	for name, b := range base {
		out[name] = b
	}
	for name, o := range over {
		b, ok := base[name]
		if !ok {
			out[name] = o
			continue
		}
		m := &tmplSrc{name: name, display: o.display, meta: b.meta, locales: map[string]*localeSrc{}, probs: slices.Concat(b.probs, o.probs)}
		if o.meta != nil {
			m.meta = o.meta
		}
		for l, src := range b.locales {
			m.locales[l] = src
		}
		for l, src := range o.locales {
			m.locales[l] = src
		}
		out[name] = m
	}
	return out
}

// tmpl is a loaded template: its meta data and locale variants.
type tmpl struct {
	name    string
	meta    meta
	locales map[string]*variant
}

// variant is one locale of a template, parsed and ready to execute.
type variant struct {
	name, locale string
	files        [3]srcFile
	words        *words
	subject      *texttemplate.Template
	text         *texttemplate.Template
	html         *htmltemplate.Template
	sites        []site
	uses         [3]map[string]int
	hash         string
	// broken says the files have problems: the variant is not rendered.
	broken bool
	// fastUses is what the analyzer found for the render cache, and fast
	// the cache, if the variant can use one (see fast.go).
	fastUses *fastUses
	fast     *fastCache
}

// build parses a template's files and returns it with every problem of its
// files; the template is usable only if there are none.
func build(src *tmplSrc) (*tmpl, Problems) {
	probs := slices.Clone(src.probs)
	t := &tmpl{name: src.name, locales: map[string]*variant{}}
	if src.meta == nil {
		probs = append(probs, Problem{File: src.display + "/" + metaFile, Message: "missing; a template needs a meta.yaml with description, default_locale and regimes"})
	} else {
		m, ps := parseMeta(src.meta.display, []byte(src.meta.data))
		t.meta = m
		probs = append(probs, ps...)
	}
	if len(src.locales) == 0 {
		probs = append(probs, Problem{File: src.display, Message: "no locale folders; add one such as en/ with subject.txt, body.txt and body.html"})
	}
	for dir, l := range src.locales {
		if !localeRE.MatchString(dir) {
			msg := fmt.Sprintf("locale folder %q is not a locale such as en or de-AT", dir)
			if c := canonicalLocale(dir); localeRE.MatchString(c) {
				msg = fmt.Sprintf("locale folder %q: name it %s", dir, c)
			}
			probs = append(probs, Problem{File: l.display, Message: msg})
			continue
		}
		v, ps := buildVariant(src.name, dir, l)
		probs = append(probs, ps...)
		t.locales[dir] = v
	}
	if src.meta != nil && len(src.locales) > 0 && t.locales[t.meta.defaultLocale] == nil {
		probs = append(probs, Problem{File: src.meta.display, Line: t.meta.localeLine, Col: t.meta.localeCol,
			Message: fmt.Sprintf("default_locale %s has no folder; the template has %s", t.meta.defaultLocale, strings.Join(sortedKeys(src.locales), ", "))})
	}
	return t, probs
}

// buildVariant parses and analyzes the files of one locale folder.
func buildVariant(name, locale string, l *localeSrc) (*variant, Problems) {
	v := &variant{name: name, locale: locale, files: l.files, words: wordsFor(locale), fastUses: &fastUses{}}
	fm := funcs(v.words)
	types := resultTypes(fm)
	var probs Problems
	for i, f := range l.files {
		if !f.ok {
			probs = append(probs, Problem{File: l.display + "/" + fileNames[i], Message: "missing; each locale folder needs subject.txt, body.txt and body.html"})
			continue
		}
		if !utf8.ValidString(f.data) {
			off := 0
			for off < len(f.data) {
				r, size := utf8.DecodeRuneInString(f.data[off:])
				if r == utf8.RuneError && size <= 1 {
					break
				}
				off += size
			}
			line, col := position(f.data, off)
			probs = append(probs, Problem{File: f.display, Line: line, Col: col, Message: "not valid UTF-8; save the file as UTF-8"})
			continue
		}
		a := &analyzer{src: f.data, display: f.display, file: i, funcs: types, uses: map[string]int{}, sites: &v.sites, rewrite: true, fast: v.fastUses}
		v.uses[i] = a.uses
		var err error
		if i == fileHTML {
			var h *htmltemplate.Template
			h, err = htmltemplate.New(f.display).Option("missingkey=error").Funcs(fm).Parse(f.data)
			if err == nil {
				v.html = h
				a.analyzeTree(h.Tree, value{typ: dataType})
				a.fast = nil // templates a file defines get data of unknown type
				trees := map[string]*parse.Tree{}
				for _, sub := range h.Templates() {
					trees[sub.Name()] = sub.Tree
					if sub.Name() != f.display {
						a.rewrite = false
						a.analyzeTree(sub.Tree, value{})
					}
				}
				a.checkRecursion(trees)
			}
		} else {
			var t *texttemplate.Template
			t, err = texttemplate.New(f.display).Option("missingkey=error").Funcs(fm).Parse(f.data)
			if err == nil {
				a.analyzeTree(t.Tree, value{typ: dataType})
				a.fast = nil // templates a file defines get data of unknown type
				trees := map[string]*parse.Tree{}
				for _, sub := range t.Templates() {
					trees[sub.Name()] = sub.Tree
					if sub.Name() != f.display {
						a.rewrite = false
						a.analyzeTree(sub.Tree, value{})
					}
				}
				a.checkRecursion(trees)
				if i == fileSubject {
					v.subject = t
				} else {
					v.text = t
				}
			}
		}
		if err != nil {
			probs = append(probs, templateProblem(f, err, fm))
		}
		probs = append(probs, a.probs...)
	}
	v.hash = hashFiles(name, locale, v.files)
	v.broken = len(probs) > 0
	return v, probs
}

// hashVersion changes whenever the package changes how it renders the same
// files (banners, labels, date formats), so that an approval bound to a
// Hash does not survive such a change.
const hashVersion = "breachbot notice template v1"

// hashFiles returns the hex SHA-256 of a variant's files.
func hashFiles(name, locale string, files [3]srcFile) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", hashVersion, name, locale)
	for i, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00%s", fileNames[i], len(f.data), f.data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// templateErrRE matches the position in a text/template error message:
// "template: NAME:LINE: message" or "template: NAME:LINE:COL: message".
var templateErrRE = regexp.MustCompile(`^(?:html/)?template: ?(.*?):(\d+):(?:(\d+):)? (.*)$`)

// undefinedFuncRE matches the parser's message about an unknown function.
var undefinedFuncRE = regexp.MustCompile(`^function "([^"]*)" not defined$`)

// templateProblem turns a parse or execution error of f into a problem at
// its position, with a likely fix for an unknown function.
func templateProblem(f srcFile, err error, fm map[string]any) Problem {
	var he *htmltemplate.Error
	if errors.As(err, &he) {
		desc := he.Description
		if i := strings.Index(desc, ": {state"); i >= 0 {
			// The escaper's internal contexts mean nothing to a template's author.
			desc = desc[:i] + " (a tag, attribute or quote opened in one branch is not closed in it)"
		}
		p := Problem{File: f.display, Line: he.Line, Col: 1, Message: desc}
		if he.Node != nil {
			p.Line, p.Col = position(f.data, int(he.Node.Position()))
		}
		if p.Line == 0 {
			p.Line = 1
		}
		return p
	}
	msg := err.Error()
	p := Problem{File: f.display, Line: 1, Col: 1, Message: msg}
	rest, ok := strings.CutPrefix(msg, "template: "+f.display+":")
	if !ok {
		if m := templateErrRE.FindStringSubmatch(msg); m != nil {
			rest = m[2] + ":" + m[3] + ": " + m[4]
			if m[3] == "" {
				rest = m[2] + ": " + m[4]
			}
		} else {
			return p
		}
	}
	lineStr, after, _ := strings.Cut(rest, ":")
	if n, err := strconv.Atoi(lineStr); err == nil {
		p.Line = n
		p.Message = strings.TrimSpace(after)
		if colStr, after2, ok := strings.Cut(p.Message, ":"); ok {
			if c, err := strconv.Atoi(colStr); err == nil {
				p.Col = c + 1 // text/template counts columns from 0
				p.Message = strings.TrimSpace(after2)
			}
		}
	}
	if p.Message == "unexpected EOF" {
		p.Message = "unexpected end of file: an {{if}}, {{with}}, {{range}} or {{define}} lacks its {{end}}, or an action its }}"
	}
	if m := undefinedFuncRE.FindStringSubmatch(p.Message); m != nil {
		var names []string
		for n := range fm {
			if n != needFunc {
				names = append(names, n)
			}
		}
		names = append(names, "and", "or", "not", "len", "index", "slice", "eq", "ne", "lt", "le", "gt", "ge", "print", "printf", "println")
		slices.Sort(names)
		if s := suggest(m[1], names); s != "" {
			p.Message = fmt.Sprintf("unknown function %s, did you mean %s?", m[1], s)
		} else {
			p.Message = fmt.Sprintf("unknown function %s; templates can call %s", m[1], strings.Join(names, ", "))
		}
	}
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
