package templates

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/breachbot/breachbot/incidents"
)

// Set is a loaded set of notice templates: the embedded defaults, overridden
// by name and locale by a folder's templates. A Set does not change once
// loaded and is safe for concurrent use.
type Set struct {
	templates map[string]*tmpl
}

// Info describes a template of a Set.
type Info struct {
	Name        string
	Description string
	Locales     []string // the locale folders, sorted
	Regimes     []string // the regimes whose content rules the template meets
}

// New loads the embedded templates overridden by the templates in the root
// of override (nil: the embedded templates alone). A template folder of
// override replaces the embedded template's meta.yaml if it has one, and
// each locale folder it has replaces that locale; a template the embedded
// set lacks needs its own meta.yaml. source names the folder in problems: a
// path, a label ending in ":" ("github:acme/notices@v3:") that is followed
// by the file's path, or "" for paths as they are in override.
//
// Every template must lint clean: if any has problems, New returns a
// *LoadError listing all of them with file and line, and no Set.
func New(override fs.FS, source string) (*Set, error) {
	base, probs := embeddedSources()
	probs = slices.Clone(probs)
	over := map[string]*tmplSrc{}
	if override != nil {
		var ps Problems
		over, ps = readTemplates(override, ".", nil, displayFunc(source))
		probs = append(probs, ps...)
	}
	all := merge(base, over)
	s := &Set{templates: map[string]*tmpl{}}
	for _, name := range sortedKeys(all) {
		if _, ok := over[name]; !ok {
			b := embeddedBuilt()[name]
			s.templates[name] = b.t
			probs = append(probs, b.probs...)
			continue
		}
		t, ps := build(all[name])
		probs = append(probs, ps...)
		probs = append(probs, check(t)...)
		s.templates[name] = t
	}
	if len(probs) > 0 {
		return nil, newLoadError(source, probs)
	}
	return s, nil
}

// embeddedSources reads the embedded templates once.
var embeddedSources = sync.OnceValues(func() (map[string]*tmplSrc, Problems) {
	return readTemplates(Embedded(), ".", nil, embeddedDisplay)
})

// builtTemplate is a template built and checked, with its problems.
type builtTemplate struct {
	t     *tmpl
	probs Problems
}

// embeddedBuilt builds and checks the embedded templates once; a built
// template does not change, so every Set that does not override one shares it.
var embeddedBuilt = sync.OnceValue(func() map[string]builtTemplate {
	srcs, _ := embeddedSources()
	out := map[string]builtTemplate{}
	for name, src := range srcs {
		t, probs := build(src)
		out[name] = builtTemplate{t, append(probs, check(t)...)}
	}
	return out
})

// embeddedDisplay names an embedded file.
func embeddedDisplay(p string) string { return "embedded:" + p }

// displayFunc returns how files of a source are named in problems.
func displayFunc(source string) func(string) string {
	switch {
	case source == "":
		return func(p string) string { return p }
	case source == "embedded":
		return embeddedDisplay
	case strings.HasSuffix(source, ":"):
		return func(p string) string { return source + p }
	}
	return func(p string) string { return filepath.Join(source, filepath.FromSlash(p)) }
}

// Templates describes the templates of the set, ordered by name.
func (s *Set) Templates() []Info {
	var out []Info
	for _, name := range sortedKeys(s.templates) {
		t := s.templates[name]
		out = append(out, Info{
			Name:        name,
			Description: t.meta.description,
			Locales:     sortedKeys(t.locales),
			Regimes:     slices.Clone(t.meta.regimes),
		})
	}
	return out
}

// Locale returns the locale variant of a template that Render uses for
// locale: the exact locale ("de-AT"), else its language ("de"), else the
// template's default locale.
func (s *Set) Locale(name, locale string) (string, error) {
	v, err := s.variant(name, locale)
	if err != nil {
		return "", err
	}
	return v.locale, nil
}

// Hash returns the hex SHA-256 of the template files a Render of name and
// locale uses (after the same locale fallback). It changes when one of
// those files changes and not otherwise, so an approval can bind to it.
func (s *Set) Hash(name, locale string) (string, error) {
	v, err := s.variant(name, locale)
	if err != nil {
		return "", err
	}
	return v.hash, nil
}

// variant finds the locale variant of a template.
func (s *Set) variant(name, locale string) (*variant, error) {
	t, ok := s.templates[name]
	if !ok {
		return nil, incidents.Errorf(incidents.ENOTFOUND, "there is no notice template %q", name).
			WithHint("use one of: %s", strings.Join(sortedKeys(s.templates), ", "))
	}
	return t.variant(locale), nil
}

// variant picks the locale variant for locale: exact, language, default.
func (t *tmpl) variant(locale string) *variant {
	c := canonicalLocale(locale)
	if v, ok := t.locales[c]; ok {
		return v
	}
	if v, ok := t.locales[language(c)]; ok {
		return v
	}
	return t.locales[t.meta.defaultLocale]
}

// maxOutput caps the size of a rendered body.
const maxOutput = 1 << 20

// Render renders the template name for a recipient in locale (falling back
// to the locale's language, then the template's default locale). The subject
// and plain text come from text/template, the HTML from html/template, which
// escapes what the data says (a recipient called "<script>" is shown, not
// run). A drill or test-send gets a prominent banner in the subject and at
// the top of both bodies.
//
// It returns a *RenderError (code EINVALID) naming the file, line and field
// of everything the template would print empty, every field a regime of
// d.Notice.Regimes needs that is empty, and a regime the template does not
// claim to meet; ENOTFOUND for an unknown template.
//
// Render is safe for concurrent use. Recipients of one notice are rendered
// from a cache (see fast.go): the templates run once per shape of recipient
// (the data categories, country, ... the template uses) and the name and
// address are put in place, with the same result as running them in full.
func (s *Set) Render(name, locale string, d Data) (*Message, error) {
	return s.render(name, locale, d, false)
}

// RenderParts is Render for sending many messages: where it can it gives
// the text and HTML as pieces (TextParts, HTMLParts: the template's text
// and the recipient's values in turn) that joined are exactly what Render
// gives, sparing a copy of every message. Test and drill notices, and
// values with line breaks, come joined.
func (s *Set) RenderParts(name, locale string, d Data) (*Message, error) {
	return s.render(name, locale, d, true)
}

func (s *Set) render(name, locale string, d Data, parts bool) (*Message, error) {
	v, err := s.variant(name, locale)
	if err != nil {
		return nil, err
	}
	t := s.templates[name]
	if probs := checkRegimes(t, v, d); len(probs) > 0 {
		return nil, newRenderError(name, v.locale, probs)
	}
	msg, probs, ok := v.renderFast(trimmed(d), parts)
	if !ok {
		msg, probs = v.render(d)
	}
	if len(probs) > 0 {
		return nil, newRenderError(name, v.locale, probs)
	}
	return msg, nil
}

// checkRegimes returns the problems of rendering d under its regimes with
// template t: regimes t does not claim, and empty fields they require.
func checkRegimes(t *tmpl, v *variant, d Data) Problems {
	var probs Problems
	for _, name := range d.Notice.Regimes {
		r, ok := regimeByName(name)
		if !ok {
			msg := fmt.Sprintf("Notice.Regimes: unknown regime %q; known regimes are %s", name, strings.Join(regimeNames(), ", "))
			if s := suggest(name, regimeNames()); s != "" {
				msg = fmt.Sprintf("Notice.Regimes: unknown regime %q, did you mean %s?", name, s)
			}
			probs = append(probs, Problem{File: v.files[fileText].display, Message: msg})
			continue
		}
		if !slices.Contains(t.meta.regimes, name) {
			probs = append(probs, Problem{File: v.files[fileText].display, Message: fmt.Sprintf(
				"the template does not claim to meet the %s rules (%s); it claims %s", name, r.Citation, claims(t.meta.regimes))})
			continue
		}
		for _, need := range r.Requires {
			if need.When == WhenIDNumbersExposed && !idNumbersExposed(d.Recipient.DataCategories, d.Incident.DataCategories) {
				continue
			}
			if slices.ContainsFunc(need.Fields, func(f string) bool { return !fieldEmpty(&d, f) }) {
				continue
			}
			file, off := v.firstUse(need.Fields)
			p := Problem{File: v.files[file].display, Message: fmt.Sprintf("%s %s empty; the %s rules (%s) need %s",
				strings.Join(need.Fields, " and "), isAre(len(need.Fields)), name, r.Citation, need.What)}
			if off >= 0 {
				p.Line, p.Col = position(v.files[file].data, off)
			}
			probs = append(probs, p)
		}
	}
	return probs
}

func claims(regimes []string) string {
	if len(regimes) == 0 {
		return "none"
	}
	return strings.Join(regimes, ", ")
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// firstUse returns the file and offset where the variant's body first uses
// one of fields, preferring the plain text; offset -1 if it uses none.
func (v *variant) firstUse(fields []string) (file, off int) {
	for _, file := range []int{fileText, fileHTML, fileSubject} {
		best := -1
		for _, f := range fields {
			if o, ok := v.uses[file][f]; ok && (best < 0 || o < best) {
				best = o
			}
		}
		if best >= 0 {
			return file, best
		}
	}
	return fileText, -1
}

// buffers recycles the rendering buffers.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// errTooLarge is returned by limitWriter.
var errTooLarge = errors.New("the rendered notice is larger than 1 MiB")

// limitWriter writes to a buffer up to maxOutput bytes.
type limitWriter struct{ b *bytes.Buffer }

func (w limitWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > maxOutput {
		return 0, errTooLarge
	}
	return w.b.Write(p)
}

// trimmed returns d with the spaces around its texts removed, so that a
// text of spaces counts as empty in {{with}} and {{if}} as it does for Render.
func trimmed(d Data) Data {
	for _, p := range []*string{
		&d.Company.Name, &d.Company.ContactEmail, &d.Company.ContactPhone, &d.Company.Website, &d.Company.PostalAddress, &d.Company.DPO, &d.Company.TollFreePhone,
		&d.Incident.ID, &d.Incident.WhatHappened, &d.Incident.WhatWeAreDoing, &d.Incident.WhatYouCanDo,
		&d.Incident.LikelyConsequences, &d.Incident.IdentityTheftProtection, &d.Incident.MoreInfo,
		&d.Recipient.Name, &d.Recipient.Email, &d.Recipient.Locale, &d.Recipient.Country, &d.Recipient.Region,
		&d.Notice.ID, &d.Notice.Reference,
	} {
		*p = strings.TrimSpace(*p)
	}
	return d
}

// execute runs the variant's three templates on d and returns their output,
// the sites that printed an empty value, and any failure.
func (v *variant) execute(d Data) (out [3]string, missing []int, probs Problems) {
	d = trimmed(d)
	ed := &execData{Company: d.Company, Incident: d.Incident, Recipient: d.Recipient, Notice: d.Notice, Content: d.Content}
	b := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(b)
	for i := range fileNames {
		b.Reset()
		var err error
		switch i {
		case fileSubject:
			err = v.subject.Execute(limitWriter{b}, ed)
		case fileText:
			err = v.text.Execute(limitWriter{b}, ed)
		case fileHTML:
			err = v.html.Execute(limitWriter{b}, ed)
		}
		if err != nil {
			if errors.Is(err, errTooLarge) {
				probs = append(probs, Problem{File: v.files[i].display, Message: errTooLarge.Error()})
			} else {
				probs = append(probs, templateProblem(v.files[i], err, nil))
			}
			continue
		}
		out[i] = b.String()
	}
	return out, ed.missing, probs
}

// render executes the variant on d and finishes the message.
func (v *variant) render(d Data) (*Message, Problems) {
	out, missing, probs := v.execute(d)
	for _, id := range missing {
		probs = append(probs, v.sites[id].problem(v, false))
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return v.finish(out, d), nil
}

// finish makes a message of the templates' output: a one-line subject, tidy
// text, and the drill and test banners.
func (v *variant) finish(out [3]string, d Data) *Message {
	msg := &Message{Subject: oneLine(out[fileSubject]), Text: tidyText(out[fileText]), HTML: out[fileHTML]}
	v.banners(msg, d.Notice, v.words)
	return msg
}

// banners adds the drill and test banners a notice needs.
func (v *variant) banners(msg *Message, n Notice, w *words) {
	for _, on := range []struct {
		set bool
		b   banner
	}{{n.Test, w.test}, {n.Drill, w.drill}} {
		if on.set {
			msg.Subject = on.b.Prefix + " " + msg.Subject
			msg.Text = "*** " + on.b.Title + " ***\n" + on.b.Text + "\n\n" + msg.Text
			msg.HTML = insertBanner(msg.HTML, on.b)
		}
	}
}

// problem describes an empty value printed at the site: for Render, or for
// the linter (optional), which found it printing data a notice may lack.
func (s site) problem(v *variant, optional bool) Problem {
	f := v.files[s.file]
	line, col := position(f.data, s.off)
	var what string
	switch {
	case len(s.deps) == 1 && strings.HasSuffix(s.deps[0], "[]"):
		what = fmt.Sprintf("an entry of %s is empty", strings.TrimSuffix(s.deps[0], "[]"))
	case len(s.deps) == 1:
		what = fmt.Sprintf("%s is empty", s.deps[0])
	default:
		what = fmt.Sprintf("%s are empty", strings.Join(s.deps, " and "))
	}
	msg := what + "; the notice would print nothing here"
	if optional {
		field := strings.TrimSuffix(s.deps[0], "[]")
		advice := fmt.Sprintf("{{with .%s}}...{{else}}...{{end}}", field)
		switch t := fieldType(field); {
		case t == timeType:
			advice = fmt.Sprintf("{{with date .%s}}...{{else}}...{{end}}", field)
		case t != nil && t.Kind() == reflect.Slice:
			advice = fmt.Sprintf("{{range ...}}...{{else}}...{{end}} or {{with .%s}}...{{end}}", field)
		}
		msg = fmt.Sprintf("%s may be empty (no regime the template claims requires it) and then prints nothing; show it inside %s",
			strings.Join(s.deps, " and "), advice)
	}
	return Problem{File: f.display, Line: line, Col: col, Message: msg}
}

// fieldType returns the type of a data path, or nil.
func fieldType(p string) reflect.Type {
	t := dataType
	for name := range strings.SplitSeq(p, ".") {
		f, ok := t.FieldByName(name)
		if !ok {
			return nil
		}
		t = f.Type
	}
	return t
}

// oneLine makes a subject of s: one line, without control characters (a
// name with a line break must not add a mail header), spaces collapsed.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// tidyText trims trailing spaces from lines, keeps at most one blank line in
// a row, and ends the text with one newline, so that templates can use
// conditionals without minding the blank lines they leave.
func tidyText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	blank := false
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if line == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteByte('\n')
			blank = false
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// insertBanner puts a banner at the top of an HTML body: after the <body>
// tag if there is one, else at the start.
func insertBanner(h string, b banner) string {
	div := `<div role="alert" style="border:3px solid #b00020;background:#fff0f0;color:#b00020;padding:12px 16px;margin:0 0 24px 0;font-family:Arial,sans-serif;font-size:16px;">` +
		`<strong style="font-size:20px;">` + html.EscapeString(b.Title) + `</strong><br>` + html.EscapeString(b.Text) + `</div>`
	at := 0
	for i := strings.IndexByte(h, '<'); i >= 0 && i+5 <= len(h); {
		if strings.EqualFold(h[i:i+5], "<body") {
			if j := strings.IndexByte(h[i:], '>'); j >= 0 {
				at = i + j + 1
			}
			break
		}
		next := strings.IndexByte(h[i+1:], '<')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return h[:at] + "\n" + div + "\n" + h[at:]
}
