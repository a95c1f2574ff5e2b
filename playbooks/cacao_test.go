package playbooks

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/breachbot/breachbot/incidents"
)

// cacaoSchemaBase is the URL the official schemas' $id values start with.
const cacaoSchemaBase = "https://raw.githubusercontent.com/oasis-open/cacao-json-schemas/main/schemas/"

// cacaoSchemas compiles the official CACAO 2.0 schemas in
// testdata/cacao/schemas, as published, and returns the playbook schema and
// the manual command schema.
func cacaoSchemas(t *testing.T) (playbook, manual *jsonschema.Schema) {
	t.Helper()
	c := jsonschema.NewCompiler()
	root := filepath.Join("testdata", "cacao", "schemas")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		n++
		return c.AddResource(cacaoSchemaBase+filepath.ToSlash(rel), doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("only %d schema files in %s", n, root)
	}
	if playbook, err = c.Compile(cacaoSchemaBase + "playbook.json"); err != nil {
		t.Fatal(err)
	}
	if manual, err = c.Compile(cacaoSchemaBase + "commands/manual.json"); err != nil {
		t.Fatal(err)
	}
	return playbook, manual
}

// cacaoDoc is the part of an exported document the tests read.
type cacaoDoc struct {
	ID            string `json:"id"`
	Created       string `json:"created"`
	Modified      string `json:"modified"`
	WorkflowStart string `json:"workflow_start"`
	Workflow      map[string]struct {
		Type         string            `json:"type"`
		Name         string            `json:"name"`
		Description  string            `json:"description"`
		OnCompletion string            `json:"on_completion"`
		NextSteps    []string          `json:"next_steps"`
		Agent        string            `json:"agent"`
		Commands     []json.RawMessage `json:"commands"`
		Ext          map[string]struct {
			Step string `json:"step"`
			Gate string `json:"gate"`
		} `json:"step_extensions"`
	} `json:"workflow"`
	Agents map[string]struct {
		Name string `json:"name"`
	} `json:"agent_definitions"`
	ExtDefs            map[string]json.RawMessage `json:"extension_definitions"`
	PlaybookExtensions map[string]struct {
		Playbook struct {
			ID      string `json:"id"`
			Version string `json:"version"`
		} `json:"playbook"`
		Obligations []struct {
			ID          string `json:"id"`
			Regulation  string `json:"regulation"`
			Citation    string `json:"citation"`
			Deadline    string `json:"deadline"`
			AppliesWhen string `json:"applies_when"`
		} `json:"obligations"`
	} `json:"playbook_extensions"`
}

// runOrder walks the workflow from its start as a CACAO engine would (after
// a parallel step, on to its on_completion once every branch has reached its
// end) and returns, for each breachbot step, the round in which it runs (the
// steps of a parallel step share a round), failing on a dangling reference, a
// step run twice, or two branches sharing an end step (CACAO: each branch
// MUST reference a unique end step).
func runOrder(t *testing.T, doc *cacaoDoc) map[string]int {
	t.Helper()
	order := map[string]int{}
	ends := map[string]bool{}
	round := 0
	var run func(id string, inBranch bool) // runs from id until an end
	run = func(id string, inBranch bool) {
		for steps := 0; ; steps++ {
			if steps > 1000 {
				t.Fatalf("workflow loops at %s", id)
			}
			st, ok := doc.Workflow[id]
			if !ok {
				t.Fatalf("workflow refers to %q, which it does not define", id)
			}
			switch st.Type {
			case "start":
			case "end":
				if ends[id] {
					t.Errorf("end step %s ends two branches", id)
				}
				ends[id] = true
				return
			case "action":
				if _, ok := doc.Agents[st.Agent]; !ok {
					t.Errorf("step %s: agent %q is not in agent_definitions", st.Name, st.Agent)
				}
				for _, e := range st.Ext {
					if _, dup := order[e.Step]; dup {
						t.Fatalf("step %s runs twice", e.Step)
					}
					order[e.Step] = round
				}
				if !inBranch {
					round++
				}
			case "parallel":
				for _, n := range st.NextSteps {
					run(n, true)
				}
				round++
			default:
				t.Fatalf("unexpected workflow step type %q", st.Type)
			}
			id = st.OnCompletion
		}
	}
	if doc.Workflow[doc.WorkflowStart].Type != "start" {
		t.Fatalf("workflow_start %q is not a start step", doc.WorkflowStart)
	}
	run(doc.WorkflowStart, false)
	return order
}

// TestCACAOShippedPlaybooks exports every shipped playbook and checks the
// document against the official CACAO 2.0 schemas, and that a CACAO engine
// walking it would run every step once, never before a step it requires,
// with the playbook's obligations carried along.
func TestCACAOShippedPlaybooks(t *testing.T) {
	t.Parallel()
	playbookSchema, manualSchema := cacaoSchemas(t)
	pbs, err := New(Embedded(), "embedded").Playbooks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	shipped, _ := fs.Glob(Embedded(), "*.yaml")
	if want := len(shipped) - 1; len(pbs) != want || want < 7 { // all but regulations.yaml
		t.Fatalf("%d playbooks loaded, want %d (%v)", len(pbs), want, shipped)
	}
	for _, pb := range pbs {
		t.Run(pb.ID, func(t *testing.T) {
			out, err := CACAO(pb)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := playbookSchema.Validate(inst); err != nil {
				t.Fatalf("not a valid CACAO 2.0 playbook: %v", err)
			}
			var doc cacaoDoc
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			commands := 0
			for _, st := range doc.Workflow {
				for _, c := range st.Commands {
					v, err := jsonschema.UnmarshalJSON(bytes.NewReader(c))
					if err != nil {
						t.Fatal(err)
					}
					if err := manualSchema.Validate(v); err != nil {
						t.Errorf("step %s: not a valid manual command: %v", st.Name, err)
					}
					commands++
				}
			}
			if commands != len(pb.Steps) {
				t.Errorf("%d commands, want one per step (%d)", commands, len(pb.Steps))
			}

			order := runOrder(t, &doc)
			for _, s := range pb.Steps {
				r, ok := order[s.ID]
				if !ok {
					t.Errorf("step %s is never run", s.ID)
					continue
				}
				for _, req := range s.Requires {
					if order[req] >= r {
						t.Errorf("step %s runs in round %d, not after %s (round %d) which it requires", s.ID, r, req, order[req])
					}
				}
			}
			if len(order) != len(pb.Steps) {
				t.Errorf("%d steps run, want %d", len(order), len(pb.Steps))
			}

			if len(doc.PlaybookExtensions) != 1 {
				t.Fatalf("%d playbook extensions, want 1", len(doc.PlaybookExtensions))
			}
			for extID, ext := range doc.PlaybookExtensions {
				if _, ok := doc.ExtDefs[extID]; !ok {
					t.Errorf("extension %s is not defined in extension_definitions", extID)
				}
				var got, want []string
				for _, o := range ext.Obligations {
					got = append(got, o.ID+" "+o.Citation+" "+o.Deadline)
				}
				for _, o := range pb.Obligations {
					want = append(want, o.ID+" "+o.Regulation.Citation+" "+o.Regulation.Deadline.String())
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("obligations (-want +got):\n%s", diff)
				}
				if ext.Playbook.ID != pb.ID || ext.Playbook.Version != pb.Version {
					t.Errorf("extension names playbook %s %s, want %s %s", ext.Playbook.ID, ext.Playbook.Version, pb.ID, pb.Version)
				}
			}

			again, err := CACAO(pb)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, again) {
				t.Error("two exports of the same playbook differ")
			}
		})
	}
}

// TestCACAOGolden (-update rewrites expected.json, with the -update flag of
// lint_test.go) pins the whole document of a small playbook: identifiers,
// times, the workflow, the agents and the obligations extension.
func TestCACAOGolden(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "cacao", "golden")
	in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := ParsePlaybook("input.yaml", in, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := CACAO(pb)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(dir, "expected.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("CACAO export of %s (-want +got):\n%s", path.Join(dir, "input.yaml"), diff)
	}
}

// TestCACAOIdentity checks the identifiers and times a SOAR tool keys on:
// a new version of a playbook keeps its CACAO id and gets a later modified
// time; another playbook gets another id.
func TestCACAOIdentity(t *testing.T) {
	t.Parallel()
	export := func(id, version string) cacaoDoc {
		t.Helper()
		pb, err := ParsePlaybook(id+".yaml", []byte(strings.NewReplacer("%s", id, "%v", version).Replace(`id: %s
version: "%v"
title: A playbook
steps:
  - {id: triage, title: Triage, owner: responders, gate: investigating}
obligations:
  - regulation: gdpr-art33
    when: {affected: {gte: 500}}
`)), nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := CACAO(pb)
		if err != nil {
			t.Fatal(err)
		}
		var doc cacaoDoc
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	v1, v2, other, notDate := export("acme", "2026.11.1"), export("acme", "2026.11.2"), export("other", "2026.11.1"), export("acme", "v3")
	if v1.ID != v2.ID {
		t.Errorf("versions of one playbook have CACAO ids %s and %s, want the same", v1.ID, v2.ID)
	}
	if v1.ID == other.ID {
		t.Errorf("two playbooks share CACAO id %s", v1.ID)
	}
	for _, c := range []struct{ name, got, want string }{
		{"2026.11.1 modified", v1.Modified, "2026-11-01T00:00:01.000Z"},
		{"2026.11.2 modified", v2.Modified, "2026-11-01T00:00:02.000Z"},
		{"v3 modified", notDate.Modified, "2000-01-01T00:00:00.000Z"},
		{"2026.11.1 created", v1.Created, v1.Modified},
	} {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	for _, ext := range v1.PlaybookExtensions {
		if len(ext.Obligations) != 1 || ext.Obligations[0].AppliesWhen != "jurisdictions includes any of EU, EEA and affected >= 500" {
			t.Errorf("obligations = %+v, want gdpr-art33 applying to EU or EEA residents and 500 or more people", ext.Obligations)
		}
	}
}

func TestCACAORefusesStepless(t *testing.T) {
	t.Parallel()
	_, err := CACAO(&incidents.Playbook{ID: "empty", Version: "1"})
	if err == nil || !strings.Contains(err.Error(), "playbook empty has no steps") {
		t.Errorf("CACAO of a playbook without steps: %v, want an error saying it has no steps", err)
	}
}

func TestCACAOConditionText(t *testing.T) {
	t.Parallel()
	eu := incidents.Condition{Fact: "jurisdictions", Op: incidents.OpIncludes, Values: []string{"EU"}}
	big := incidents.Condition{Fact: "affected", Op: incidents.OpGTE, Number: 500}
	enc := incidents.Condition{Fact: "encrypted", Op: incidents.OpIs, Bool: false}
	for _, c := range []struct {
		name string
		c    incidents.Condition
		want string
	}{
		{"empty", incidents.Condition{}, "always"},
		{"leaf", eu, "jurisdictions includes EU"},
		{"any of", incidents.Condition{Fact: "jurisdictions", Op: incidents.OpIncludes, Values: []string{"US-CA", "US-TX"}}, "jurisdictions includes any of US-CA, US-TX"},
		{"all", incidents.Condition{All: []incidents.Condition{eu, big}}, "jurisdictions includes EU and affected >= 500"},
		{"nested", incidents.Condition{All: []incidents.Condition{eu, {Any: []incidents.Condition{big, enc}}}}, "jurisdictions includes EU and (affected >= 500 or encrypted is no)"},
		{"not", incidents.Condition{Not: &enc}, "not (encrypted is no)"},
	} {
		if got := conditionText(c.c); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// schemaProps returns the properties a CACAO schema file defines: its own and
// those of the schemas its allOf refers to. The published schemas declare
// draft-07, which ignores their unevaluatedProperties: false, so the tests
// check against this list that the export uses no property CACAO lacks.
func schemaProps(t *testing.T, file string) map[string]bool {
	t.Helper()
	root := filepath.Join("testdata", "cacao", "schemas")
	b, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
		AllOf      []struct {
			Ref        string                     `json:"$ref"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"allOf"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for k := range s.Properties {
		out[k] = true
	}
	for _, a := range s.AllOf {
		for k := range a.Properties {
			out[k] = true
		}
		if a.Ref != "" {
			for k := range schemaProps(t, path.Join(path.Dir(file), a.Ref)) {
				out[k] = true
			}
		}
	}
	return out
}

// checkProps fails for each key of obj that the schema file does not define.
func checkProps(t *testing.T, where string, obj json.RawMessage, file string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	known := schemaProps(t, file)
	for k := range m {
		if !known[k] {
			t.Errorf("%s: property %q is not in CACAO's %s", where, k, file)
		}
	}
}

// TestCACAOOnlyKnownProperties checks every object of every shipped
// playbook's export against the properties its CACAO schema defines.
func TestCACAOOnlyKnownProperties(t *testing.T) {
	t.Parallel()
	pbs, err := New(Embedded(), "embedded").Playbooks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, pb := range pbs {
		out, err := CACAO(pb)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Workflow map[string]json.RawMessage `json:"workflow"`
			Agents   map[string]json.RawMessage `json:"agent_definitions"`
			ExtDefs  map[string]json.RawMessage `json:"extension_definitions"`
		}
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		checkProps(t, pb.ID, out, "playbook.json")
		for id, st := range doc.Workflow {
			kind, _, _ := strings.Cut(id, "--")
			checkProps(t, pb.ID+" "+id, st, "workflows/"+kind+".json")
			var a struct {
				Commands []json.RawMessage `json:"commands"`
			}
			if err := json.Unmarshal(st, &a); err != nil {
				t.Fatal(err)
			}
			for _, c := range a.Commands {
				checkProps(t, pb.ID+" "+id+" command", c, "commands/manual.json")
			}
		}
		for id, a := range doc.Agents {
			checkProps(t, pb.ID+" "+id, a, "agent-target/group.json")
		}
		for id, e := range doc.ExtDefs {
			checkProps(t, pb.ID+" "+id, e, "extension-definition/extension-definition.json")
		}
	}
}

// TestCACAOSchemaRejects makes sure the schema check is not vacuous: the
// golden document, broken in ways a SOAR tool would refuse, fails it.
func TestCACAOSchemaRejects(t *testing.T) {
	t.Parallel()
	playbookSchema, _ := cacaoSchemas(t)
	good, err := os.ReadFile(filepath.Join("testdata", "cacao", "golden", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, old, new string }{
		{"no workflow_start", `"workflow_start"`, `"workflow_begin"`},
		{"wrong spec version", `"cacao-2.0"`, `"cacao-1.0"`},
		{"created without milliseconds' Z", `"2026-11-01T00:00:03.000Z"`, `"2026-11-01 00:00:03"`},
		{"action without agent", `"agent": "group--a02859ac`, `"agents": "group--a02859ac`},
		{"bad step reference", `"on_completion": "action--85a6a78f-3fb1-51a4`, `"on_completion": "action--85a6a78f-3fb1-01a4`},
	} {
		broken := strings.Replace(string(good), c.old, c.new, 1)
		if broken == string(good) {
			t.Fatalf("%s: %q is not in the golden document", c.name, c.old)
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(broken))
		if err != nil {
			t.Fatal(err)
		}
		if err := playbookSchema.Validate(inst); err == nil {
			t.Errorf("%s: the schema accepts it", c.name)
		}
	}
}
