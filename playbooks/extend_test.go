package playbooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

// insurerCatalog is a company's regulations.yaml that adds one obligation,
// using an event and a fact of the built-in catalog.
const insurerCatalog = `version: acme-1
regulations:
  - id: cyber-insurer
    title: Notify our cyber insurer
    citation: Policy CY-123, section 7
    status: in_force
    notify: insurer
    deadline: {start: awareness, within: 48 hours}
    applies_when: {encrypted: {is: no}}
`

const insurerPlaybook = `id: acme
version: "1"
title: Acme
steps: [{id: triage, title: Triage, owner: responders}]
obligations:
  - regulation: gdpr-art33
  - regulation: cyber-insurer
`

func TestCatalogExtendsBuiltin(t *testing.T) {
	t.Parallel()
	builtin := mustEmbeddedCatalog(t)
	dir := t.TempDir()
	writeFile(t, dir, "regulations.yaml", insurerCatalog)
	writeFile(t, dir, "acme.yaml", insurerPlaybook)

	if probs := LintFiles(dir); len(probs) != 0 {
		t.Fatalf("lint of a folder that adds one regulation:\n%v\nwant no problems", probs)
	}
	f, err := readFolder(context.Background(), os.DirFS(dir), ".", nil, func(n string) string { return n })
	if err != nil {
		t.Fatal(err)
	}
	cat := f.catalog
	if got, want := len(cat.Regulations), len(builtin.Regulations)+1; got != want {
		t.Errorf("the extended catalog has %d regulations, want the %d built-in ones and cyber-insurer", got, want-1)
	}
	for _, b := range builtin.Regulations {
		if r, ok := cat.Regulation(b.ID); !ok || r.Title != b.Title {
			t.Errorf("built-in regulation %s is missing from the extended catalog", b.ID)
		}
	}
	r, ok := cat.Regulation("cyber-insurer")
	if !ok {
		t.Fatal("cyber-insurer is not in the extended catalog")
	}
	if r.Deadline.Amount != 48 || r.Deadline.Unit != incidents.UnitHours || r.Deadline.Start != incidents.EventAwareness {
		t.Errorf("cyber-insurer deadline = %+v, want 48 hours from awareness", r.Deadline)
	}

	pb, err := New(os.DirFS(dir), dir).Playbook(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(pb.Obligations) != 2 || pb.Obligations[1].Regulation.ID != "cyber-insurer" {
		t.Errorf("obligations = %+v, want gdpr-art33 and cyber-insurer", pb.Obligations)
	}
	// The pin names both the built-in catalog and the company's file.
	sum := sha256.Sum256([]byte(insurerCatalog))
	wantRef := incidents.CatalogRef{Version: builtin.Version, SHA256: builtin.SHA256, Disclaimer: builtin.Disclaimer,
		Extension: &incidents.CatalogFileRef{Source: filepath.Join(dir, "regulations.yaml"), Version: "acme-1", SHA256: hex.EncodeToString(sum[:])}}
	if diff := cmp.Diff(wantRef, pb.Catalog); diff != "" {
		t.Errorf("pb.Catalog mismatch (-want +got):\n%s", diff)
	}
	if key := incidents.PinKey(pb); !strings.HasSuffix(key, "+"+builtin.SHA256+"+"+hex.EncodeToString(sum[:])) {
		t.Errorf("PinKey = %s, want it to hold the built-in catalog's and the company file's hashes", key)
	}
}

func TestCatalogPinWithoutExtensionReadable(t *testing.T) {
	t.Parallel()
	// A pin stored before catalogs could be extended.
	var pb incidents.Playbook
	if err := json.Unmarshal([]byte(`{"id":"x","sha256":"aa","catalog":{"version":"2026.11","sha256":"bb"}}`), &pb); err != nil {
		t.Fatal(err)
	}
	if pb.Catalog.Extension != nil || incidents.PinKey(&pb) != "aa+bb" {
		t.Errorf("old pin read as %+v, key %s; want no extension and key aa+bb", pb.Catalog, incidents.PinKey(&pb))
	}
}

func TestCatalogOverrideIsNote(t *testing.T) {
	t.Parallel()
	builtin := mustEmbeddedCatalog(t)
	dir := t.TempDir()
	writeFile(t, dir, "regulations.yaml", `regulations:
  - id: gdpr-art33
    title: GDPR supervisory authority, our counsel's reading
    citation: GDPR Art. 33
    status: in_force
    deadline: {start: awareness, within: 48h}
`)
	writeFile(t, dir, "acme.yaml", insurerPlaybook[:strings.Index(insurerPlaybook, "  - regulation: cyber")])
	probs := LintFiles(dir)
	want := []string{filepath.Join(dir, "regulations.yaml") + ":2:9: note: regulation gdpr-art33 overrides the built-in one (see: breachbot regulations show gdpr-art33)"}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lint mismatch (-want +got):\n%s", diff)
	}
	if len(probs.Errors()) != 0 {
		t.Errorf("an override is a note, not an error: %v", probs.Errors())
	}
	pb, err := New(os.DirFS(dir), dir).Playbook(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got := pb.Obligations[0].Regulation; got.Deadline.Amount != 48 || !strings.Contains(got.Title, "counsel") {
		t.Errorf("gdpr-art33 = %+v, want the company's 48h version", got)
	}
	f, err := readFolder(context.Background(), os.DirFS(dir), ".", nil, func(n string) string { return n })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(f.catalog.Regulations), len(builtin.Regulations); got != want {
		t.Errorf("%d regulations after an override, want the built-in %d", got, want)
	}
}

func TestCatalogReplace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "regulations.yaml", "replace: true\n"+testCatalog)
	writeFile(t, dir, "t.yaml", "id: t\nversion: \"1\"\ntitle: T\nsteps: [{id: a, title: A, owner: leads}]\nobligations: [{regulation: gdpr-art33}]\n")
	var got []string
	for _, p := range LintFiles(dir) {
		got = append(got, p.String())
	}
	want := []string{filepath.Join(dir, "t.yaml") + `:5:28: unknown regulation "gdpr-art33"; see: breachbot regulations list`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("with replace: true the built-in rules are gone; lint mismatch (-want +got):\n%s", diff)
	}
	writeFile(t, dir, "t.yaml", "id: t\nversion: \"1\"\ntitle: T\nsteps: [{id: a, title: A, owner: leads}]\nobligations: [{regulation: plain}]\n")
	pb, err := New(os.DirFS(dir), dir).Playbook(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("replace: true\n" + testCatalog))
	if pb.Catalog.Version != "t1" || pb.Catalog.SHA256 != hex.EncodeToString(sum[:]) || pb.Catalog.Extension != nil {
		t.Errorf("Catalog = %+v, want the company's catalog t1 alone", pb.Catalog)
	}
}

// TestCatalogExtensionMessages: a partial file gets the built-in facts and
// events, and a name the built-in catalog has is not an error.
func TestCatalogExtensionMessages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "regulations.yaml", `facts:
  - {name: insured, type: bool, description: We hold a cyber policy}
  - {name: data, type: bool}
regulations:
  - id: x
    title: X
    citation: c
    status: in_force
    deadline: {start: ransom_paid, within: 24 hours}
    applies_when: {insured: {is: yes}, jurisdictions: {includes: EU}}
`)
	var got []string
	for _, p := range LintFiles(dir) {
		got = append(got, p.String())
	}
	want := []string{filepath.Join(dir, "regulations.yaml") + `:3:5: fact name "data" is already used by the built-in fact data_categories; pick another (see: breachbot facts list)`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lint mismatch (-want +got):\n%s", diff)
	}
}

// TestReminderDurationGrammar: a playbook's reminders take the words its
// catalog's deadlines take; lengths that vary are refused with what to write.
func TestReminderDurationGrammar(t *testing.T) {
	t.Parallel()
	src := "id: x\nversion: \"1\"\ntitle: X\nreminders: [24 hours, 2 days, 50%]\nsteps: [{id: a, title: A, owner: leads}]\n" +
		"obligations:\n  - {regulation: gdpr-art33, reminders: [12 hours, 2 business days]}\n"
	var got []string
	for _, p := range Lint(fstestFS(map[string]string{"x.yaml": src})) {
		got = append(got, p.String())
	}
	want := []string{`x.yaml:7:52: bad reminder "2 business days": a reminder is a fixed time before the due time, and business days vary in length; use hours or days (72h, 3 days) or a share (50%)`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lint mismatch (-want +got):\n%s", diff)
	}
	pb, err := ParsePlaybook("x.yaml", []byte(strings.Replace(src, ", 2 business days", "", 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantRem := []incidents.ReminderSpec{{Before: 24 * time.Hour}, {Before: 48 * time.Hour}, {Fraction: 0.5}}
	if diff := cmp.Diff(wantRem, pb.Reminders); diff != "" {
		t.Errorf("playbook reminders mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]incidents.ReminderSpec{{Before: 12 * time.Hour}}, pb.Obligations[0].Reminders); diff != "" {
		t.Errorf("obligation reminders mismatch (-want +got):\n%s", diff)
	}
}

func fstestFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

// TestLintPointsToLookups: messages about an unknown name say which command
// lists the names.
func TestLintPointsToLookups(t *testing.T) {
	t.Parallel()
	fsys := fstestFS(map[string]string{
		"regulations.yaml": "regulations:\n  - {id: x, title: X, citation: c, status: in_force, deadline: {start: insurer_called, within: 1h}}\n",
		"p.yaml":           "id: p\nversion: \"1\"\ntitle: P\ndefaults: {sector: bank}\nsteps: [{id: a, title: A, owner: leads}]\nobligations: [{regulation: nope, when: {customers: {gt: 1}}}]\n",
	})
	var got []string
	for _, p := range Lint(fsys) {
		got = append(got, p.Message)
	}
	for _, want := range []string{"see: breachbot events list", "see: breachbot facts list", "unknown regulation \"nope\"; see: breachbot regulations list"} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("lint messages do not point to %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	for _, m := range got {
		if strings.Contains(m, "embedded:") {
			t.Errorf("a lint message names the embedded file: %s", m)
		}
	}
}

// TestBrokenExtensionKeepsBuiltinIDs: a regulations.yaml too broken to read
// is reported, and the playbooks beside it are not buried under unknown ids.
func TestBrokenExtensionKeepsBuiltinIDs(t *testing.T) {
	t.Parallel()
	for name, regs := range map[string]string{
		"empty":    "# nothing yet\n",
		"not YAML": "regulations: [\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fsys := fstestFS(map[string]string{
				"regulations.yaml": regs,
				"x.yaml":           "id: x\nversion: \"1\"\ntitle: X\nsteps: [{id: a, title: A, owner: leads}]\nobligations: [{regulation: gdpr-art33}]\n",
			})
			for _, p := range Lint(fsys) {
				if p.File != "regulations.yaml" {
					t.Errorf("a problem of the playbook beside a broken regulations.yaml: %s", p)
				}
			}
		})
	}
}
