// Package templates renders customer notices from template files.
//
// TEMPORARY STAND-IN (branch notices): this file implements only the agreed
// contract of package templates so that the notices feature compiles and
// is tested end to end. The real package (branch templates) replaces it:
// delete this file when merging.
package templates

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"testing/fstest"
	texttemplate "text/template"
	"time"
)

// Data is what a template renders.
type Data struct {
	Company   Company
	Incident  Incident
	Recipient Recipient
	Notice    Notice
}

// Company is the notifying organisation.
type Company struct{ Name, ContactEmail, ContactPhone, Website, PostalAddress, DPO string }

// Incident is the narrative of the breach.
type Incident struct {
	ID, WhatHappened                                 string
	BreachStart, BreachEnd, DiscoveredAt             time.Time
	DataCategories                                   []string
	WhatWeAreDoing, WhatYouCanDo, LikelyConsequences string
	LawEnforcementDelay                              bool
	IdentityTheftProtection, MoreInfo                string
}

// Recipient is the person notified.
type Recipient struct {
	Name, Email, Locale, Country, Region string
	DataCategories                       []string
}

// Notice identifies the notice.
type Notice struct {
	ID      string
	Regimes []string
	Drill   bool
	Test    bool
}

// Message is a rendered notice.
type Message struct{ Subject, Text, HTML string }

// Info describes a template.
type Info struct {
	Name, Description string
	Locales, Regimes  []string
}

// Set is a set of templates: embedded defaults with a folder override.
type Set struct {
	fsys   fs.FS
	source string
	mu     sync.Mutex
	parsed map[string]executor // file path and content -> parsed template
}

type executor interface {
	Execute(w io.Writer, data any) error
}

// Files: NAME/LOCALE/subject.txt, NAME/LOCALE/body.txt, NAME/LOCALE/body.html.
var embedded = fstest.MapFS{
	"breach-notice/en/subject.txt": {Data: []byte(`{{if .Notice.Drill}}[DRILL] {{end}}{{if .Notice.Test}}[TEST] {{end}}Notice of Data Breach from {{.Company.Name}}`)},
	"breach-notice/en/body.txt": {Data: []byte(`Dear {{if .Recipient.Name}}{{.Recipient.Name}}{{else}}customer{{end}},

NOTICE OF DATA BREACH

What Happened
{{.Incident.WhatHappened}}{{if not .Incident.BreachStart.IsZero}}
The breach began on {{.Incident.BreachStart.Format "2006-01-02"}}{{if not .Incident.BreachEnd.IsZero}} and ended on {{.Incident.BreachEnd.Format "2006-01-02"}}{{end}}.{{end}}{{if .Incident.LawEnforcementDelay}}
This notice was delayed at the request of law enforcement.{{end}}

What Information Was Involved
{{range $i, $c := .Incident.DataCategories}}{{if $i}}, {{end}}{{$c}}{{end}}

What We Are Doing
{{.Incident.WhatWeAreDoing}}

What You Can Do
{{.Incident.WhatYouCanDo}}
{{if .Incident.LikelyConsequences}}
Likely Consequences
{{.Incident.LikelyConsequences}}
{{end}}{{if .Incident.IdentityTheftProtection}}
{{.Incident.IdentityTheftProtection}}
{{end}}
For More Information
{{.Company.Name}}{{if .Company.ContactEmail}} - {{.Company.ContactEmail}}{{end}}{{if .Company.ContactPhone}} - {{.Company.ContactPhone}}{{end}}{{if .Company.DPO}}
Data protection officer: {{.Company.DPO}}{{end}}{{if .Incident.MoreInfo}}
{{.Incident.MoreInfo}}{{end}}

Reference: {{.Incident.ID}} / {{.Notice.ID}}
`)},
	"breach-notice/en/body.html": {Data: []byte(`<h1>Notice of Data Breach</h1>
<p>Dear {{if .Recipient.Name}}{{.Recipient.Name}}{{else}}customer{{end}},</p>
<h2>What Happened</h2><p>{{.Incident.WhatHappened}}</p>
<h2>What Information Was Involved</h2><p>{{range $i, $c := .Incident.DataCategories}}{{if $i}}, {{end}}{{$c}}{{end}}</p>
<h2>What We Are Doing</h2><p>{{.Incident.WhatWeAreDoing}}</p>
<h2>What You Can Do</h2><p>{{.Incident.WhatYouCanDo}}</p>
<h2>For More Information</h2><p>{{.Company.Name}} {{.Company.ContactEmail}}</p>
`)},
	"breach-notice/de/subject.txt": {Data: []byte(`{{if .Notice.Drill}}[ÜBUNG] {{end}}{{if .Notice.Test}}[TEST] {{end}}Benachrichtigung über eine Datenpanne bei {{.Company.Name}}`)},
	"breach-notice/de/body.txt": {Data: []byte(`Guten Tag {{if .Recipient.Name}}{{.Recipient.Name}}{{end}},

Was ist passiert
{{.Incident.WhatHappened}}

Welche Daten sind betroffen
{{range $i, $c := .Incident.DataCategories}}{{if $i}}, {{end}}{{$c}}{{end}}

Was wir tun
{{.Incident.WhatWeAreDoing}}

Was Sie tun können
{{.Incident.WhatYouCanDo}}

Kontakt
{{.Company.Name}} {{.Company.ContactEmail}}

Referenz: {{.Incident.ID}} / {{.Notice.ID}}
`)},
	"breach-notice/de/body.html": {Data: []byte(`<h1>Benachrichtigung über eine Datenpanne</h1><p>{{.Incident.WhatHappened}}</p>`)},
}

// Embedded returns the shipped templates.
func Embedded() fs.FS { return embedded }

// New returns a Set reading override (may be nil) before the embedded files.
func New(override fs.FS, source string) (*Set, error) {
	if override == nil {
		return &Set{fsys: embedded, source: "embedded", parsed: map[string]executor{}}, nil
	}
	return &Set{fsys: layered{override, embedded}, source: source, parsed: map[string]executor{}}, nil
}

type layered struct{ top, bottom fs.FS }

func (l layered) Open(name string) (fs.File, error) {
	if f, err := l.top.Open(name); err == nil {
		return f, nil
	}
	return l.bottom.Open(name)
}

func (s *Set) read(name, locale, file string) ([]byte, error) {
	b, err := fs.ReadFile(s.fsys, path.Join(name, locale, file))
	if err != nil {
		return nil, fmt.Errorf("template %s (%s): %s is missing", name, locale, file)
	}
	return b, nil
}

// Render renders template name in locale.
func (s *Set) Render(name, locale string, d Data) (*Message, error) {
	var m Message
	for _, f := range []string{"subject.txt", "body.txt", "body.html"} {
		t, err := s.template(name, locale, f)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, d); err != nil {
			return nil, err
		}
		switch f {
		case "subject.txt":
			m.Subject = strings.TrimSpace(buf.String())
		case "body.txt":
			m.Text = buf.String()
		default:
			m.HTML = buf.String()
		}
	}
	return &m, nil
}

func (s *Set) template(name, locale, f string) (executor, error) {
	file := path.Join(name, locale, f)
	src, err := s.read(name, locale, f)
	if err != nil {
		return nil, err
	}
	// Parsed once per content: an edited file is parsed again.
	key := file + "\x00" + string(src)
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.parsed[key]; ok {
		return t, nil
	}
	var t executor
	if strings.HasSuffix(f, ".html") {
		t, err = htmltemplate.New(file).Option("missingkey=error").Parse(string(src))
	} else {
		t, err = texttemplate.New(file).Option("missingkey=error").Parse(string(src))
	}
	if err != nil {
		return nil, err
	}
	s.parsed[key] = t
	return t, nil
}

// Templates lists the templates.
func (s *Set) Templates() []Info {
	byName := map[string][]string{}
	fs.WalkDir(s.fsys, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return nil
		}
		parts := strings.Split(p, "/")
		if len(parts) == 3 && !slices.Contains(byName[parts[0]], parts[1]) {
			byName[parts[0]] = append(byName[parts[0]], parts[1])
		}
		return nil
	})
	var out []Info
	for name, locs := range byName {
		slices.Sort(locs)
		out = append(out, Info{Name: name, Locales: locs})
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Hash returns the SHA-256 of the files template name uses in locale.
func (s *Set) Hash(name, locale string) (string, error) {
	h := sha256.New()
	for _, f := range []string{"subject.txt", "body.txt", "body.html"} {
		b, err := s.read(name, locale, f)
		if err != nil {
			return "", errors.New("template " + name + " has no locale " + locale)
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
