package playbooks_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/playbooks"
)

func insurer(within string) string {
	return `version: acme-1
regulations:
  - id: cyber-insurer
    title: Notify our cyber insurer
    citation: Policy CY-123, section 7
    status: in_force
    notify: insurer
    deadline: {start: awareness, within: ` + within + `}
`
}

const acmeV1 = `id: acme
version: "1"
title: Acme
steps:
  - {id: triage, title: Triage, owner: responders, gate: investigating}
  - {id: contain, title: Contain, owner: responders, requires: [triage]}
  - {id: vendor, title: Tell vendors, owner: leads}
obligations:
  - regulation: gdpr-art33
  - regulation: cyber-insurer
`

const acmeV2 = `id: acme
version: "2"
title: Acme
steps:
  - {id: triage, title: Triage, owner: responders, gate: investigating}
  - {id: contain, title: Contain the breach, owner: leads, gate: contained}
  - {id: lawyer, title: Call outside counsel, owner: legal}
obligations:
  - regulation: gdpr-art33
    when: {encrypted: {is: no}}
  - regulation: cyber-insurer
  - regulation: gdpr-art34
`

const other = `id: other
version: "1"
title: Other
steps: [{id: triage, title: Triage, owner: responders}]
obligations: [{regulation: gdpr-art33}]
`

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDiffFolders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	oldDir := writeFiles(t, map[string]string{"regulations.yaml": insurer("48 hours"), "acme.yaml": acmeV1, "other.yaml": other,
		"gone.yaml": strings.ReplaceAll(other, "id: other", "id: gone")})
	newDir := writeFiles(t, map[string]string{"regulations.yaml": insurer("24 hours"), "acme.yaml": acmeV2, "other.yaml": other,
		"fresh.yaml": strings.ReplaceAll(other, "id: other", "id: fresh")})
	oldPBs, err := playbooks.ReadPath(ctx, oldDir)
	if err != nil {
		t.Fatal(err)
	}
	newPBs, err := playbooks.ReadPath(ctx, newDir)
	if err != nil {
		t.Fatal(err)
	}
	d := playbooks.Diff(oldPBs, newPBs)
	if d.Same != 1 || len(d.Changed) != 1 {
		t.Fatalf("same %d, changed %d; want other the same and acme changed", d.Same, len(d.Changed))
	}
	if diff := cmp.Diff([]string{"fresh"}, d.Added); diff != "" {
		t.Errorf("added (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"gone"}, d.Removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	acme := d.Changed[0]
	if acme.From.Version != "1" || acme.To.Version != "2" {
		t.Errorf("acme diff from v%s to v%s, want 1 to 2", acme.From.Version, acme.To.Version)
	}
	wantSteps := []incidents.ItemChange{
		{ID: "contain", Kind: incidents.ItemChanged, Fields: []string{"title: Contain → Contain the breach", "owner: responders → leads",
			"requires: triage → none", "gate: none → contained"}},
		{ID: "vendor", Kind: incidents.ItemRemoved, Summary: `"Tell vendors" (owner leads)`},
		{ID: "lawyer", Kind: incidents.ItemAdded, Summary: `"Call outside counsel" (owner legal)`},
	}
	if diff := cmp.Diff(wantSteps, acme.Steps); diff != "" {
		t.Errorf("step changes (-want +got):\n%s", diff)
	}
	got := map[string]incidents.ItemChange{}
	for _, c := range acme.Obligations {
		got[c.ID] = c
	}
	if len(got) != 3 {
		t.Errorf("obligation changes %+v, want gdpr-art33, cyber-insurer and gdpr-art34", acme.Obligations)
	}
	if c := got["cyber-insurer"]; c.Kind != incidents.ItemChanged || !cmp.Equal(c.Fields, []string{"deadline: 48 hours after awareness → 24 hours after awareness"}) {
		t.Errorf("cyber-insurer change = %+v, want its deadline 48 → 24 hours", c)
	}
	if c := got["gdpr-art33"]; c.Kind != incidents.ItemChanged || len(c.Fields) != 1 || !strings.HasPrefix(c.Fields[0], "conditions: ") || !strings.HasSuffix(c.Fields[0], "encrypted is false") {
		t.Errorf("gdpr-art33 change = %+v, want its conditions, now also encrypted is false", c)
	}
	if c := got["gdpr-art34"]; c.Kind != incidents.ItemAdded || !strings.Contains(c.Summary, "without undue delay") {
		t.Errorf("gdpr-art34 change = %+v, want added with its deadline", c)
	}
}

func TestDiffTwoFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{"regulations.yaml": insurer("48 hours"), "acme-v1.yaml": acmeV1,
		"acme-v2.yaml": strings.Replace(acmeV1, `version: "1"`, `version: "2"`, 1), "broken.yaml": "id: acme\nsteps: 3\n"})
	a, err := playbooks.ReadPath(ctx, filepath.Join(dir, "acme-v1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := playbooks.ReadPath(ctx, filepath.Join(dir, "acme-v2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := playbooks.Diff(a, b)
	if len(d.Changed) != 1 || !d.Changed[0].Empty() || d.Changed[0].To.Version != "2" {
		t.Errorf("diff of two files differing in version only = %+v, want one diff with no step or obligation change", d)
	}
	_, err = playbooks.ReadPath(ctx, filepath.Join(dir, "broken.yaml"))
	if incidents.ErrorCode(err) != incidents.EINVALID || !strings.Contains(err.Error(), "broken.yaml:") {
		t.Errorf("reading a broken file: %v, want its problems with file:line", err)
	}
	_, err = playbooks.ReadPath(ctx, filepath.Join(dir, "missing.yaml"))
	if incidents.ErrorCode(err) != incidents.EINVALID || !strings.Contains(incidents.ErrorMessage(err), "missing.yaml") {
		t.Errorf("reading a missing file: %v, want it named", err)
	}
}
