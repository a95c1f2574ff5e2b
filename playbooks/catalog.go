package playbooks

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"reflect"
	"regexp"
	"slices"

	"github.com/breachbot/breachbot/incidents"
)

// CatalogFile is the name of the regulations catalog in a playbooks folder.
const CatalogFile = "regulations.yaml"

// Catalog is the regulations catalog: the legal clocks playbooks can raise,
// with the vocabulary of facts and events their conditions and deadlines use.
// It is reference data, not legal advice; Disclaimer says so.
type Catalog struct {
	// Source is where the catalog came from, e.g. "embedded:regulations.yaml".
	Source string
	// Version is the catalog's own version, e.g. "2026.11".
	Version string
	// Disclaimer says that the catalog is reference data, not legal advice.
	Disclaimer string
	// SHA256 is the hex SHA-256 of the catalog file's bytes.
	SHA256 string
	// Groups maps a jurisdiction group (e.g. "EU") to its members.
	Groups map[string][]string
	// Facts is the vocabulary of facts conditions may test.
	Facts []incidents.FactDef
	// Events are the named events that can start a clock.
	Events []incidents.EventDef
	// Regulations are the catalog's rows in file order.
	Regulations []Regulation
	// Contacts are the agency contact blocks (state attorneys general, the
	// FTC, the consumer reporting agencies) that notice rules name, by id.
	Contacts map[string]incidents.Contact
	// Extension is the company's file that extended the built-in catalog
	// (whose Version and SHA256 the catalog keeps), or nil.
	Extension *incidents.CatalogFileRef
}

// Regulation is one row of the catalog: the domain's Regulation and the
// condition under which it applies, before any playbook adds its own.
type Regulation struct {
	incidents.Regulation
	// AppliesWhen is the catalog's applicability condition; the zero
	// Condition always holds.
	AppliesWhen incidents.Condition
}

// Ref identifies the catalog version, as pinned with a playbook.
func (c *Catalog) Ref() incidents.CatalogRef {
	ref := incidents.CatalogRef{Version: c.Version, SHA256: c.SHA256, Disclaimer: c.Disclaimer}
	if c.Extension != nil {
		ext := *c.Extension
		ref.Extension = &ext
	}
	return ref
}

// View returns the catalog as the domain shows it to people looking ids up.
func (c *Catalog) View() *incidents.RegulationsCatalog {
	v := &incidents.RegulationsCatalog{Ref: c.Ref(), Facts: cloneFacts(c.Facts), Events: slices.Clone(c.Events), Groups: cloneGroups(c.Groups), Contacts: maps.Clone(c.Contacts)}
	for _, r := range c.Regulations {
		v.Rules = append(v.Rules, incidents.CatalogRule{Regulation: cloneRegulation(r.Regulation), AppliesWhen: r.AppliesWhen})
	}
	return v
}

// Regulation returns the catalog row with the given id.
func (c *Catalog) Regulation(id string) (Regulation, bool) {
	for _, r := range c.Regulations {
		if r.ID == id {
			return r, true
		}
	}
	return Regulation{}, false
}

func (c *Catalog) regulationIDs() []string {
	ids := make([]string, len(c.Regulations))
	for i, r := range c.Regulations {
		ids[i] = r.ID
	}
	return ids
}

func (c *Catalog) vocab() *vocab { return &vocab{facts: c.Facts, groups: c.Groups} }

// ParseCatalog parses a regulations catalog. name is the file's display name,
// used in problems and as the catalog's Source. If the file has problems, the
// error is a *FileError listing all of them.
func ParseCatalog(name string, data []byte) (*Catalog, error) {
	cat, probs, _ := parseCatalog(name, data, nil)
	if len(probs) > 0 {
		return nil, newFileError("regulations catalog", name, probs)
	}
	return cat, nil
}

// Keys of the catalog's mappings.
var (
	catalogKeys    = []string{"replace", "version", "disclaimer", "groups", "facts", "events", "contacts", "regulations"}
	factKeys       = []string{"name", "type", "description", "values", "aliases", "format"}
	eventKeys      = []string{"name", "description"}
	regulationKeys = []string{"id", "title", "law", "regime", "jurisdiction", "notify", "citation", "source", "status", "deadline", "backstop", "applies_when", "notes", "content", "notice", "terms"}
	deadlineKeys   = []string{"start", "within", "calendar", "time_zone", "anchor", "text"}
	factTypes      = []string{incidents.FactSet, incidents.FactNumber, incidents.FactBool, incidents.FactCounts, incidents.FactText}
	statuses       = []string{incidents.StatusInForce, incidents.StatusUncertain, incidents.StatusProposed}
	anchors        = []string{incidents.AnchorEndOfYear}
)

// formatJurisdiction is the one FactDef.Format there is.
const formatJurisdiction = "jurisdiction"

var (
	// idRE is what step, obligation, regulation and playbook ids look like:
	// short, lower case, easy to type in a slash command.
	idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	// nameRE is what fact and event names look like.
	nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	// groupRE is what a jurisdiction group name looks like.
	groupRE = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,15}$`)
)

const idRule = "lower-case letters, digits, - and _ (at most 64)"

// parseCatalog parses as much of a catalog as it can, so that playbooks can be
// checked against a catalog that has problems of its own. With a base (the
// built-in catalog), the file extends it unless it says replace: true: its
// facts, events, groups and regulations are added to the base's, and one
// with a name or id the base has overrides it (a note, not a problem, when
// it differs). notes are such remarks.
func parseCatalog(name string, data []byte, base *Catalog) (cat *Catalog, probs, notes Problems) {
	sum := sha256.Sum256(data)
	cat = &Catalog{Source: name, SHA256: hex.EncodeToString(sum[:]), Groups: map[string][]string{}}
	if base != nil {
		// Until the file says otherwise, the base's rules hold: a file too
		// broken to read must not make every playbook's ids unknown.
		cat.Regulations, cat.Facts, cat.Events = slices.Clone(base.Regulations), cloneFacts(base.Facts), slices.Clone(base.Events)
		cat.Groups = cloneGroups(base.Groups)
		cat.Contacts = maps.Clone(base.Contacts)
	}
	d := newDecoder(name)
	d.run(func() {
		root := d.parse(data)
		if root == nil {
			return
		}
		top := d.mapping(root, "the regulations catalog", catalogKeys)
		if top == nil {
			return
		}
		if base == nil || d.boolean(top, "replace") {
			cat.Groups, cat.Regulations = map[string][]string{}, nil
			d.require(top, "version", "disclaimer", "facts", "events", "regulations")
			cat.Version = d.str(top, "version")
			cat.Disclaimer = d.str(top, "disclaimer")
			if top.has("groups") {
				cat.Groups = d.groups(top.val["groups"])
			}
			cat.Facts = d.facts(top)
			cat.Events = d.events(top, true)
			cat.Contacts = d.contacts(top, nil)
			d.regulations(top, cat, nil)
			return
		}
		d.extend(top, cat, base)
	})
	return cat, d.probs, d.notes
}

// extend decodes a company's catalog file that extends base into cat.
func (d *decoder) extend(top *fields, cat, base *Catalog) {
	cat.Extension = &incidents.CatalogFileRef{Source: cat.Source, Version: d.str(top, "version"), SHA256: cat.SHA256}
	cat.Source, cat.Version, cat.SHA256 = base.Source, base.Version, base.SHA256
	cat.Disclaimer = base.Disclaimer
	if own := d.str(top, "disclaimer"); own != "" {
		cat.Disclaimer = own + "\n\n" + base.Disclaimer
	}
	cat.Groups = cloneGroups(base.Groups)
	if cat.Groups == nil {
		cat.Groups = map[string][]string{}
	}
	if top.has("groups") {
		for g, members := range d.groups(top.val["groups"]) {
			if old, ok := cat.Groups[g]; ok && !slices.Equal(old, members) {
				d.notef(top.val["groups"], "group %s overrides the built-in group of that name", g)
			}
			cat.Groups[g] = members
		}
	}
	cat.Facts = cloneFacts(base.Facts)
	defs, nodes := d.factNodes(top)
	for i, def := range defs {
		j := slices.IndexFunc(cat.Facts, func(f incidents.FactDef) bool { return f.Name == def.Name })
		at := nodes[i]
		if j >= 0 {
			if !reflect.DeepEqual(cat.Facts[j], def) {
				d.notef(at, "fact %s overrides the built-in fact of that name (see: breachbot facts list)", def.Name)
			}
			cat.Facts[j] = def
			continue
		}
		for _, w := range append([]string{def.Name}, def.Aliases...) {
			if k := slices.IndexFunc(cat.Facts, func(f incidents.FactDef) bool { return slices.Contains(f.Aliases, w) || f.Name == w }); k >= 0 {
				d.errorf(at, "fact name %q is already used by the built-in fact %s; pick another (see: breachbot facts list)", w, cat.Facts[k].Name)
			}
		}
		cat.Facts = append(cat.Facts, def)
	}
	cat.Events = slices.Clone(base.Events)
	for _, ev := range d.events(top, false) {
		if j := slices.IndexFunc(cat.Events, func(e incidents.EventDef) bool { return e.Name == ev.Name }); j >= 0 {
			cat.Events[j] = ev
			continue
		}
		cat.Events = append(cat.Events, ev)
	}
	cat.Contacts = d.contacts(top, base.Contacts)
	d.regulations(top, cat, base)
}
