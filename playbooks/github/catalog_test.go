package github_test

import (
	"context"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/playbooks"
)

// A regulations.yaml in the repository's folder extends the built-in
// catalog: its rule is listed beside every built-in one, and an incident
// declared from the folder pins both the built-in catalog and the file.
func TestRepositoryCatalogExtendsTheBuiltinOne(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const regs = "version: acme-1\nregulations:\n" +
		"  - {id: cyber-insurer, title: Notify our cyber insurer, citation: Policy CY-123, status: in_force, deadline: {start: awareness, within: 48 hours}}\n"
	files := tree(shipped(t, "2026.11.1"))
	files["playbooks/regulations.yaml"] = regs
	f.gh.Commit(repoName, "main", files, "Add our insurer's notice")

	builtin, err := playbooks.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := f.svc.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(cat.Rules), len(builtin.Rules)+1; got != want {
		t.Errorf("the repository's catalog has %d regulations, want the %d built-in ones and cyber-insurer", got, want-1)
	}
	if r, ok := cat.Rule("cyber-insurer"); !ok || r.Deadline.String() != "48 hours after awareness" {
		t.Errorf("cyber-insurer = %+v, %v; want 48 hours after awareness", r, ok)
	}

	inc := f.mustDeclare("Laptop stolen")
	if inc.Playbook.CatalogSHA256 != builtin.Ref.SHA256 || inc.Playbook.CatalogExtensionSHA256 != sha256hex(regs) {
		t.Errorf("pin catalog = %s + %s, want the built-in %s + the file's %s",
			inc.Playbook.CatalogSHA256, inc.Playbook.CatalogExtensionSHA256, builtin.Ref.SHA256, sha256hex(regs))
	}
	rec, err := f.svc.Export(ctx, "U01LEAD", inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	md := string(commands.RecordMarkdown(rec))
	want := "| Regulations catalog | " + builtin.Ref.Version + ", sha256 `" + builtin.Ref.SHA256 + "`, extended by the company's regulations.yaml, sha256 `" + sha256hex(regs) + "` |"
	if !strings.Contains(md, want) {
		t.Errorf("the export does not name both catalog files; want %q in:\n%s", want, md)
	}
}
