package playbooks

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/breachbot/breachbot/incidents"
)

// The notice content rules of a regulation (key notice:) and the agency
// contact blocks they name (top-level key contacts:).

var (
	noticeKeys  = []string{"require", "forbid"}
	ruleKeys    = []string{"item", "contacts", "when_data", "if_known", "months", "citation", "text"}
	termsKeys   = []string{"personal_information", "safe_harbor", "harm_exception", "substitute_notice", "thresholds"}
	contactKeys = []string{"id", "name", "toll_free", "phone", "address", "website", "email", "source"}
	// contactIDRE is what a contact id looks like: ftc, equifax, ag-ny.
	contactIDRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
)

// contacts decodes "contacts: [{id: ftc, name: ..., ...}]" into base's
// contacts (nil: none) plus the file's own, which replace a base contact of
// the same id.
func (d *decoder) contacts(top *fields, base map[string]incidents.Contact) map[string]incidents.Contact {
	out := map[string]incidents.Contact{}
	for id, c := range base {
		out[id] = c
	}
	seen := map[string]*yaml.Node{}
	for _, it := range d.list(top, "contacts") {
		f := d.mapping(it, "a contact", contactKeys)
		if f == nil {
			continue
		}
		d.require(f, "id", "name")
		c := incidents.Contact{
			ID: d.str(f, "id"), Name: d.str(f, "name"), TollFree: d.str(f, "toll_free"), Phone: d.str(f, "phone"),
			Address: strings.TrimRight(d.str(f, "address"), "\n"), Website: d.str(f, "website"), Email: d.str(f, "email"), Source: d.str(f, "source"),
		}
		if c.ID == "" {
			continue
		}
		if !contactIDRE.MatchString(c.ID) {
			d.errorf(f.val["id"], "contact id %q must be lower-case letters, digits and -, such as ag-ny", c.ID)
			continue
		}
		if first, dup := seen[c.ID]; dup {
			d.errorf(f.val["id"], "duplicate contact id %q (first at line %d)", c.ID, first.Line)
			continue
		}
		seen[c.ID] = f.val["id"]
		if c.TollFree == "" && c.Phone == "" && c.Address == "" && c.Website == "" && c.Email == "" {
			d.errorf(f.val["id"], "contact %s has no way to reach it; give toll_free, phone, address, website or email", c.ID)
		}
		out[c.ID] = c
	}
	return out
}

// noticeRules decodes a regulation's notice: mapping. Items are either a
// bare item name ("- fraud_alert") or a mapping with item: and the rest.
//
// contacts are the catalog's contact blocks, which agency_contacts rules
// must name.
func (d *decoder) noticeRules(n *yaml.Node, v *vocab, contacts map[string]incidents.Contact) *incidents.NoticeRules {
	f := d.mapping(n, "notice", noticeKeys)
	if f == nil {
		return nil
	}
	nr := &incidents.NoticeRules{}
	nr.Require = d.contentRules(f, "require", v, contacts)
	nr.Forbid = d.contentRules(f, "forbid", v, contacts)
	return nr
}

func (d *decoder) contentRules(f *fields, key string, v *vocab, contacts map[string]incidents.Contact) []incidents.ContentRule {
	var out []incidents.ContentRule
	for _, it := range d.list(f, key) {
		it = d.deref(it)
		var r incidents.ContentRule
		var itemNode *yaml.Node
		if it.Kind == yaml.ScalarNode {
			r.Item, itemNode = it.Value, it
		} else {
			rf := d.mapping(it, "a content rule", ruleKeys)
			if rf == nil {
				continue
			}
			d.require(rf, "item")
			r.Item, itemNode = d.str(rf, "item"), rf.val["item"]
			var nodes []*yaml.Node
			var contactNodes []*yaml.Node
			r.Contacts, contactNodes = d.strList(rf, "contacts")
			for i, id := range r.Contacts {
				if _, ok := contacts[id]; !ok {
					d.errorf(contactNodes[i], "contact %q is not among the catalog's contacts%s", id, didYouMeanOr(id, contactIDs(contacts), ""))
				}
			}
			r.WhenData, nodes = d.strList(rf, "when_data")
			if def, ok := v.fact("data_categories"); ok && len(def.Values) > 0 {
				for i, c := range r.WhenData {
					if !slices.Contains(def.Values, c) {
						d.errorf(nodes[i], "data category %q is not known%s", c, didYouMeanOr(c, def.Values, "; use one of "+strings.Join(def.Values, ", ")))
					}
				}
			}
			r.IfKnown = d.boolean(rf, "if_known")
			if rf.has("months") {
				m, err := strconv.Atoi(d.str(rf, "months"))
				if err != nil || m <= 0 {
					d.errorf(rf.val["months"], "months must be a whole number of months, such as 12")
				}
				r.Months = m
			}
			r.Citation = d.str(rf, "citation")
			r.Text = d.str(rf, "text")
			if r.Item == incidents.ItemAgencyContacts && len(r.Contacts) == 0 {
				d.errorf(itemNode, "agency_contacts needs contacts: the ids of the contacts to print, such as [ftc, equifax, experian, transunion]")
			}
			if r.Item != incidents.ItemAgencyContacts && len(r.Contacts) > 0 {
				d.errorf(rf.key["contacts"], "contacts only apply to item agency_contacts")
			}
		}
		if !slices.Contains(incidents.ContentItems, r.Item) {
			d.errorf(itemNode, "content item %q is not known%s", r.Item, didYouMeanOr(r.Item, incidents.ContentItems, "; use one of "+strings.Join(incidents.ContentItems, ", ")))
			continue
		}
		out = append(out, r)
	}
	return out
}

func contactIDs(m map[string]incidents.Contact) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// terms decodes a regulation's terms: mapping of texts.
func (d *decoder) terms(n *yaml.Node) *incidents.RegulationTerms {
	f := d.mapping(n, "terms", termsKeys)
	if f == nil {
		return nil
	}
	return &incidents.RegulationTerms{
		PersonalInformation: d.str(f, "personal_information"),
		SafeHarbor:          d.str(f, "safe_harbor"),
		HarmException:       d.str(f, "harm_exception"),
		SubstituteNotice:    d.str(f, "substitute_notice"),
		Thresholds:          d.str(f, "thresholds"),
	}
}
