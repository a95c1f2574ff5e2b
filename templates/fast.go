package templates

import (
	htmltemplate "html/template"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"
)

// The render cache. Sending a notice renders one template for many
// recipients whose data differ only in the recipient's fields, and most
// recipients differ from each other only in their name and address. Render
// therefore executes a template once for each distinct "shape" of recipient
// (the recipient's fields the template uses, with the name and address
// replaced by sentinels) and puts each recipient's name and address in
// place of the sentinels, escaped for HTML as html/template escapes them.
//
// This is exact only if the template does nothing with the name and address
// but test them in {{if}} or {{with}} and print them as they are, in HTML
// element text. The analyzer checks that (fastUses), the loader checks the
// escaping contexts and compares both ways of rendering on probe names
// (prepareFast); a template that does more is always rendered in full.

// substFields are the recipient fields the cache puts in place, and
// sentinels the texts that stand for them. The sentinels use private-use
// characters, which no escaper changes.
var (
	substFields = [...]string{"Recipient.Name", "Recipient.Email"}
	sentinels   = [...]string{"\uE000name\uE001", "\uE000email\uE001"}
)

// sentinelRune starts every sentinel; data containing it is rendered in full.
const sentinelRune = '\uE000'

// fastUses is what the analyzer learns of how a variant uses the
// substituted fields.
type fastUses struct {
	disallowed [len(substFields)]bool
	opaque     bool              // the data or the recipient is used as a whole
	htmlPrints []*parse.PipeNode // HTML actions that print a substituted field
}

// disallow records that the values computed from deps are used in a way
// the cache cannot reproduce (passed to a function, ranged over, ...).
func (f *fastUses) disallow(deps []string) {
	if f == nil {
		return
	}
	for i, field := range substFields {
		if slices.Contains(deps, field) {
			f.disallowed[i] = true
		}
	}
}

// whole records that the data or the recipient is used as a whole.
func (f *fastUses) whole() {
	if f != nil {
		f.opaque = true
	}
}

// printed records an action that prints v.
func (f *fastUses) printed(file int, p *parse.PipeNode, v value) {
	if f == nil || file != fileHTML {
		return
	}
	for _, field := range substFields {
		if slices.Contains(v.deps, field) {
			f.htmlPrints = append(f.htmlPrints, p)
			return
		}
	}
}

// htmlTextEscaper is the name html/template gives the escaper of element
// text.
const htmlTextEscaper = "_html_template_htmlescaper"

// plainHTMLText reports whether an escaped action prints its value as HTML
// element text: the value, checked by needFunc, then only the text escaper.
func plainHTMLText(p *parse.PipeNode) bool {
	i := slices.IndexFunc(p.Cmds, func(c *parse.CommandNode) bool { return isIdent(c, needFunc) })
	return i >= 0 && len(p.Cmds) == i+2 && isIdent(p.Cmds[i+1], htmlTextEscaper)
}

func isIdent(c *parse.CommandNode, name string) bool {
	if len(c.Args) == 0 {
		return false
	}
	id, ok := c.Args[0].(*parse.IdentifierNode)
	return ok && id.Ident == name
}

// fastCache holds a variant's rendered shapes.
type fastCache struct {
	subst []int    // indexes of substFields the template uses
	keyed []string // the other recipient fields the template uses
	mu    sync.Mutex
	// notices are the most recently rendered notices, newest first.
	notices []*noticeShapes
}

// Bounds of the cache: a few notices rendered at the same time, and the
// shapes of recipients of one notice (data categories, countries, ...).
const (
	maxNotices = 4
	maxShapes  = 1024
)

// noticeShapes is the rendered shapes of one notice: everything but the
// recipient is the same.
type noticeShapes struct {
	d      Data // the notice's data; its Recipient is not used
	shapes map[string]*shape
}

// shape is a notice rendered for one shape of recipient, cut where the
// substituted fields go.
type shape struct {
	subject, text, html []piece
	// tidied is text after tidyText, for values without line breaks
	// (tidying does not change them then).
	tidied []piece
}

// piece is literal text followed by substituted field (index into
// substFields), or by nothing (-1).
type piece struct {
	text  string
	field int
}

// cut splits s at the sentinels.
func cut(s string) []piece {
	var out []piece
	for {
		at, field := -1, -1
		for i, sen := range sentinels {
			if j := strings.Index(s, sen); j >= 0 && (at < 0 || j < at) {
				at, field = j, i
			}
		}
		if at < 0 {
			return append(out, piece{s, -1})
		}
		out = append(out, piece{s[:at], field})
		s = s[at+len(sentinels[field]):]
	}
}

// join puts values in place of the substituted fields.
func join(pieces []piece, values *[len(substFields)]string) string {
	if len(pieces) == 1 {
		return pieces[0].text
	}
	n := 0
	for _, p := range pieces {
		n += len(p.text)
		if p.field >= 0 {
			n += len(values[p.field])
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range pieces {
		b.WriteString(p.text)
		if p.field >= 0 {
			b.WriteString(values[p.field])
		}
	}
	return b.String()
}

// split is join without joining: the pieces and values in order, empty
// ones left out, never nil.
func split(pieces []piece, values *[len(substFields)]string) []string {
	out := make([]string, 0, 2*len(pieces))
	for _, p := range pieces {
		if p.text != "" {
			out = append(out, p.text)
		}
		if p.field >= 0 && values[p.field] != "" {
			out = append(out, values[p.field])
		}
	}
	return out
}

// sameNotice reports whether a and b have the same data outside the
// recipient.
func sameNotice(a, b *Data) bool {
	ai, bi := &a.Incident, &b.Incident
	return a.Company == b.Company &&
		ai.ID == bi.ID && ai.WhatHappened == bi.WhatHappened && ai.BreachStart == bi.BreachStart &&
		ai.BreachEnd == bi.BreachEnd && ai.DiscoveredAt == bi.DiscoveredAt &&
		slices.Equal(ai.DataCategories, bi.DataCategories) && ai.WhatWeAreDoing == bi.WhatWeAreDoing &&
		ai.WhatYouCanDo == bi.WhatYouCanDo && ai.LikelyConsequences == bi.LikelyConsequences &&
		ai.LawEnforcementDelay == bi.LawEnforcementDelay && ai.NoLawEnforcementDelay == bi.NoLawEnforcementDelay && ai.IdentityTheftProtection == bi.IdentityTheftProtection &&
		ai.IdentityProtectionMonths == bi.IdentityProtectionMonths &&
		ai.MoreInfo == bi.MoreInfo &&
		a.Notice.ID == b.Notice.ID && slices.Equal(a.Notice.Regimes, b.Notice.Regimes) &&
		a.Notice.Drill == b.Notice.Drill && a.Notice.Test == b.Notice.Test &&
		a.Notice.Date.Equal(b.Notice.Date) && a.Notice.Reference == b.Notice.Reference
}

// hasSentinel reports whether any text of d outside the recipient's
// substituted fields contains a sentinel character.
func hasSentinel(d *Data) bool {
	c, i := &d.Company, &d.Incident
	for _, s := range []string{
		c.Name, c.ContactEmail, c.ContactPhone, c.Website, c.PostalAddress, c.DPO, c.TollFreePhone,
		i.ID, i.WhatHappened, i.WhatWeAreDoing, i.WhatYouCanDo, i.LikelyConsequences, i.IdentityTheftProtection, i.MoreInfo,
		d.Recipient.Locale, d.Recipient.Country, d.Recipient.Region, d.Notice.ID, d.Notice.Reference,
	} {
		if strings.ContainsRune(s, sentinelRune) {
			return true
		}
	}
	lists := [][]string{i.DataCategories, d.Recipient.DataCategories, d.Notice.Regimes, d.Content.Citations}
	for _, ct := range d.Content.AgencyContacts {
		lists = append(lists, ct.Address, []string{ct.ID, ct.Name, ct.TollFree, ct.Phone, ct.Website, ct.Email})
	}
	for _, list := range lists {
		for _, s := range list {
			if strings.ContainsRune(s, sentinelRune) {
				return true
			}
		}
	}
	return false
}

// key returns a key of the content blocks, which differ from recipient to
// recipient of a notice (by their laws and data): part of the shape key.
// Contacts are named by id: a notice's data holds one block per id.
func (c *Content) key() string {
	b := []byte("|c")
	for _, f := range []bool{c.OmitNature, c.BreachDate, c.FraudAlert, c.SecurityFreeze, c.PoliceReport, c.ReviewStatements, c.ReportIdentityTheft, c.IdentityProtection} {
		if f {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	}
	b = strconv.AppendInt(b, int64(c.IdentityProtectionMonths), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, c.AffectedCount, 10)
	for _, ct := range c.AgencyContacts {
		b = append(b, ',')
		b = append(b, ct.ID...)
	}
	b = append(b, '|')
	b = append(b, strings.Join(c.Citations, "\x00")...)
	return string(b)
}

// shapeKey returns the key of the recipient's shape: the values of the keyed
// fields and whether each substituted field is empty.
func (c *fastCache) shapeKey(r *Recipient) string {
	var b []byte
	add := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	for _, f := range c.keyed {
		switch f {
		case "Recipient.Locale":
			add(r.Locale)
		case "Recipient.Country":
			add(r.Country)
		case "Recipient.Region":
			add(r.Region)
		case "Recipient.DataCategories":
			b = strconv.AppendInt(b, int64(len(r.DataCategories)), 10)
			b = append(b, '[')
			for _, cat := range r.DataCategories {
				add(cat)
			}
		}
	}
	for _, i := range c.subst {
		if substValue(r, i) == "" {
			b = append(b, '0')
		} else {
			b = append(b, '1')
		}
	}
	return string(b)
}

// substValue returns the substituted field i of r.
func substValue(r *Recipient, i int) string {
	if i == 0 {
		return r.Name
	}
	return r.Email
}

func setSubst(r *Recipient, i int, s string) {
	if i == 0 {
		r.Name = s
	} else {
		r.Email = s
	}
}

// tinyHTML prints its data as html/template prints a value in element text.
var tinyHTML = htmltemplate.Must(htmltemplate.New("text").Parse("{{.}}"))

// htmlSpecial marks the characters below 256 that html/template's element
// text escaper changes, found by asking it; it changes no other.
var htmlSpecial = func() (special [256]bool) {
	for r := range rune(256) {
		var b strings.Builder
		if err := tinyHTML.Execute(&b, string(r)); err != nil || b.String() != string(r) {
			special[r] = true
		}
	}
	return special
}()

// escapeHTMLText escapes s as html/template escapes a value printed in
// element text.
func escapeHTMLText(s string) string {
	clean := true
	for _, r := range s {
		if r < 256 && htmlSpecial[r] {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	if err := tinyHTML.Execute(&b, s); err != nil {
		panic(err) // printing a string cannot fail
	}
	return b.String()
}

// renderFast renders d (trimmed) from the cache. ok is false if the cache
// cannot render it; then nothing was rendered.
func (v *variant) renderFast(d Data, parts bool) (msg *Message, probs Problems, ok bool) {
	c := v.fast
	if c == nil || hasSentinel(&d) {
		return nil, nil, false
	}
	key := c.shapeKey(&d.Recipient) + d.Content.key()
	c.mu.Lock()
	var shapes *noticeShapes
	for i, n := range c.notices {
		if sameNotice(&n.d, &d) {
			shapes = n
			copy(c.notices[1:i+1], c.notices[:i])
			c.notices[0] = n
			break
		}
	}
	if shapes == nil {
		shapes = &noticeShapes{d: d, shapes: map[string]*shape{}}
		shapes.d.Recipient = Recipient{}
		c.notices = slices.Insert(c.notices, 0, shapes)
		if len(c.notices) > maxNotices {
			c.notices = c.notices[:maxNotices]
		}
	}
	raw := shapes.shapes[key]
	c.mu.Unlock()
	if raw == nil {
		stand := d
		for _, i := range c.subst {
			if substValue(&stand.Recipient, i) != "" {
				setSubst(&stand.Recipient, i, sentinels[i])
			}
		}
		out, missing, probs := v.execute(stand)
		for _, id := range missing {
			probs = append(probs, v.sites[id].problem(v, false))
		}
		if len(probs) > 0 {
			return nil, probs, true
		}
		raw = &shape{subject: cut(out[fileSubject]), text: cut(out[fileText]), html: cut(out[fileHTML]), tidied: cut(tidyText(out[fileText]))}
		c.mu.Lock()
		if len(shapes.shapes) >= maxShapes {
			clear(shapes.shapes)
		}
		shapes.shapes[key] = raw
		c.mu.Unlock()
	}
	var plain, escaped [len(substFields)]string
	lineBreak := false
	for _, i := range c.subst {
		plain[i] = substValue(&d.Recipient, i)
		escaped[i] = escapeHTMLText(plain[i])
		lineBreak = lineBreak || strings.ContainsAny(plain[i], "\r\n")
	}
	w := v.words
	subject := oneLine(join(raw.subject, &plain))
	if parts && !lineBreak && !d.Notice.Test && !d.Notice.Drill {
		return &Message{Subject: subject, TextParts: split(raw.tidied, &plain), HTMLParts: split(raw.html, &escaped)}, nil, true
	}
	msg = &Message{Subject: subject, Text: join(raw.tidied, &plain), HTML: join(raw.html, &escaped)}
	if lineBreak {
		msg.Text = tidyText(join(raw.text, &plain))
	}
	v.banners(msg, d.Notice, w)
	return msg, nil, true
}

// probeNames are recipient names and addresses with which the loader
// compares the cache with full rendering.
var probeNames = []string{
	`<script>alert("x")</script> & 'O''Brien' + a=b` + "`",
	"Zoë\n\tÜnïcödé 名前 \x00 \xff",
	"\uE000name\uE001",
	"plain",
}

// prepareFast sets up the render cache of a variant that lints clean, if
// the template allows it and the cache renders the probes exactly as a full
// rendering does.
func (v *variant) prepareFast(regimes []string) {
	f := v.fastUses
	if f == nil || f.opaque || v.broken {
		return
	}
	for _, p := range f.htmlPrints {
		if !plainHTMLText(p) {
			return
		}
	}
	c := &fastCache{}
	for i, field := range substFields {
		if !v.usesField(field) {
			continue
		}
		if f.disallowed[i] {
			return
		}
		c.subst = append(c.subst, i)
	}
	for _, field := range []string{"Recipient.Locale", "Recipient.Country", "Recipient.Region", "Recipient.DataCategories"} {
		if v.usesField(field) {
			c.keyed = append(c.keyed, field)
		}
	}
	v.fast = c
	for _, name := range probeNames {
		d := Sample()
		d.Notice.Regimes = slices.Clone(regimes)
		d.Recipient.Name, d.Recipient.Email = name, name+"@example.com"
		d = trimmed(d)
		want, wantProbs := v.render(d)
		for i := range 4 { // a miss, then hits; joined and in parts
			got, gotProbs, ok := v.renderFast(d, i >= 2)
			same := len(gotProbs) == len(wantProbs) && (got == nil) == (want == nil) && (got == nil || sameMessage(got, want))
			if !ok || !same {
				v.fast = nil
				return
			}
		}
	}
}

// usesField reports whether any file of the variant uses a data path.
func (v *variant) usesField(p string) bool {
	for _, uses := range v.uses {
		if _, ok := uses[p]; ok {
			return true
		}
	}
	return false
}
