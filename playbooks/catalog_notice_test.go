package playbooks

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

const noticeCatalog = `version: "1"
disclaimer: x
facts:
  - {name: data_categories, type: set, values: [email, ssn]}
events: [{name: awareness, description: x}]
contacts:
  - id: ftc
    name: Federal Trade Commission
    toll_free: 1-877-438-4338
    address: |
      600 Pennsylvania Avenue NW
      Washington, DC 20580
    website: https://www.identitytheft.gov
regulations:
  - id: ny
    title: NY
    citation: c
    status: in_force
    deadline: {start: awareness, within: 30 calendar days}
    notice:
      require:
        - data_types
        - {item: agency_contacts, contacts: [ftc], citation: "GBL 899-aa(7)"}
        - {item: identity_protection, when_data: [ssn], months: 12, citation: x}
      forbid: [nature]
    terms:
      safe_harbor: Encrypted data, unless the key was also acquired.
`

func TestCatalogNoticeRules(t *testing.T) {
	cat, err := ParseCatalog("c.yaml", []byte(noticeCatalog))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := cat.Regulation("ny")
	want := &incidents.NoticeRules{
		Require: []incidents.ContentRule{
			{Item: "data_types"},
			{Item: "agency_contacts", Contacts: []string{"ftc"}, Citation: "GBL 899-aa(7)"},
			{Item: "identity_protection", WhenData: []string{"ssn"}, Months: 12, Citation: "x"},
		},
		Forbid: []incidents.ContentRule{{Item: "nature"}},
	}
	if diff := cmp.Diff(want, r.Notice); diff != "" {
		t.Errorf("notice rules (-want +got):\n%s", diff)
	}
	if r.Terms == nil || r.Terms.SafeHarbor != "Encrypted data, unless the key was also acquired." {
		t.Errorf("terms = %+v", r.Terms)
	}
	ftc := cat.Contacts["ftc"]
	if ftc.Address != "600 Pennsylvania Avenue NW\nWashington, DC 20580" || ftc.TollFree != "1-877-438-4338" {
		t.Errorf("ftc contact = %+v", ftc)
	}
	if got := cat.View().Contacts["ftc"].Name; got != "Federal Trade Commission" {
		t.Errorf("View().Contacts[ftc].Name = %q", got)
	}
}

func TestCatalogNoticeRuleProblems(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"- data_types", "- data_typs", `content item "data_typs" is not known; did you mean "data_types"?`},
		{"contacts: [ftc]", "contacts: [fct]", `contact "fct" is not among the catalog's contacts; did you mean "ftc"?`},
		{"{item: agency_contacts, contacts: [ftc], citation: \"GBL 899-aa(7)\"}", "{item: agency_contacts}", "agency_contacts needs contacts"},
		{"when_data: [ssn]", "when_data: [sn]", `data category "sn" is not known`},
		{"months: 12", "months: twelve", "months must be a whole number"},
		{"    website: https://www.identitytheft.gov\n", "", ""},
	} {
		src := strings.Replace(noticeCatalog, tc.from, tc.to, 1)
		_, err := ParseCatalog("c.yaml", []byte(src))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s -> %s: %v", tc.from, tc.to, err)
			}
			continue
		}
		var ps Problems
		if !errors.As(err, &ps) || !strings.Contains(ps.Error(), tc.want) {
			t.Errorf("%s -> %s: error %v, want it to contain %q", tc.from, tc.to, err, tc.want)
			continue
		}
		if ps[0].Line == 0 {
			t.Errorf("%s -> %s: problem without a line: %+v", tc.from, tc.to, ps[0])
		}
	}
}
