package incidents

import (
	"context"
	"strings"
)

// RegulationsCatalog is the regulations catalog new incidents resolve their
// obligations against, as people look ids up in it (`breachbot regulations
// list`, `/breach regulations`): the built-in catalog, extended or replaced
// by the company's regulations.yaml.
type RegulationsCatalog struct {
	// Ref identifies the catalog (and the company's extension, if any).
	Ref CatalogRef
	// Rules are the catalog's regulations in catalog order.
	Rules []CatalogRule
	// Facts and Events are the vocabulary conditions and clocks use.
	Facts  []FactDef
	Events []EventDef
	// Groups maps a jurisdiction group (e.g. "EU") to its members.
	Groups map[string][]string
	// Contacts are the agency contact blocks notice rules name, by id.
	Contacts map[string]Contact
}

// CatalogRule is one regulation of the catalog with the condition under
// which it applies (the zero Condition: always).
type CatalogRule struct {
	Regulation
	AppliesWhen Condition
}

// Rule returns the rule with the given id (case-insensitive).
func (c *RegulationsCatalog) Rule(id string) (CatalogRule, bool) {
	for _, r := range c.Rules {
		if strings.EqualFold(r.ID, strings.TrimSpace(id)) {
			return r, true
		}
	}
	return CatalogRule{}, false
}

// InJurisdiction reports whether the rule concerns people in code (ISO code
// such as DE or US-CA, or a group such as EU): its jurisdiction is code, a
// group holding code, the country of a state code, or global.
func (c *RegulationsCatalog) InJurisdiction(r CatalogRule, code string) bool {
	code = strings.ToUpper(strings.TrimSpace(code))
	j := strings.ToUpper(r.Jurisdiction)
	switch {
	case j == code, j == "GLOBAL":
		return true
	case strings.HasPrefix(code, j+"-"):
		return true
	}
	for _, m := range c.Groups[j] {
		if m == code || strings.HasPrefix(code, m+"-") {
			return true
		}
	}
	return false
}

// CatalogSource is implemented by a PlaybookSource that can show the
// regulations catalog its playbooks use.
type CatalogSource interface {
	// Catalog returns the current catalog: EINVALID (with file:line:col) if
	// the company's regulations.yaml has problems.
	Catalog(ctx context.Context) (*RegulationsCatalog, error)
}

// Catalog returns the regulations catalog of the playbook source, for
// people looking up ids. It is reference data, open to everyone. A source
// that cannot show it gives ENOTFOUND.
func (s *Service) Catalog(ctx context.Context) (*RegulationsCatalog, error) {
	cs, ok := s.playbooks.(CatalogSource)
	if !ok || cs == nil {
		return nil, Errorf(ENOTFOUND, "this bot's playbook source cannot list its regulations catalog").
			WithHint("run breachbot regulations list on the machine that holds the playbooks folder")
	}
	return cs.Catalog(ctx)
}
