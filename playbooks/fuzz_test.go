package playbooks

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// TestMain shortens the fuzzer's minimization of new inputs, unless
// -test.fuzzminimizetime is given. Playbook inputs are kilobytes of YAML that
// take milliseconds each to parse under coverage instrumentation, so the
// default of 60 s per input spends a 30 s fuzzing run minimizing instead of
// fuzzing.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", "2s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// seeds returns the shipped files, the broken samples of testdata and a few
// hand-written edge cases.
func seeds(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, name := range []string{"personal-data-breach.yaml", "vendor-breach.yaml", "regulations.yaml"} {
		data, err := shipped.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isYAML(path) {
			return err
		}
		data, err := os.ReadFile(path)
		out = append(out, data)
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"", "~", "[]", "{}", "id: x", "a: &a [*a]", "a: &a b\nc: *a\n", "- - - -", "{id: x, steps: [{}]}",
		"steps: [{id: a, requires: [a]}]", "obligations: [{regulation: ca-ag, when: {not: {not: {}}}}]",
		"x: !!binary aGVsbG8=", "? [a]\n: b\n", "<<: {id: x}\n", "id: \"\\u0000\"",
	} {
		out = append(out, []byte(s))
	}
	return out
}

// checkResult checks what every parse must give: a result or problems, never
// both, and problems with positions.
func checkResult(t *testing.T, ok bool, err error) {
	t.Helper()
	if ok == (err != nil) {
		t.Fatalf("result and error disagree: ok %v, err %v", ok, err)
	}
	if err == nil {
		return
	}
	var ps Problems
	if !errors.As(err, &ps) || len(ps) == 0 {
		t.Fatalf("error %v holds no problems", err)
	}
	if incidents.ErrorCode(err) != incidents.EINVALID {
		t.Fatalf("error code %q, want %q", incidents.ErrorCode(err), incidents.EINVALID)
	}
	for _, p := range ps {
		if strings.Contains(p.Message, "internal error") {
			t.Fatalf("the decoder panicked: %s", p.Message)
		}
		if p.File != "fuzz.yaml" || p.Line < 1 || p.Col < 1 || p.Message == "" {
			t.Fatalf("problem without a position or message: %+v", p)
		}
	}
}

func FuzzParsePlaybook(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	cat, err := embeddedCatalog()
	if err != nil {
		f.Fatal(err)
	}
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		pb, err := ParsePlaybook("fuzz.yaml", data, cat)
		checkResult(t, pb != nil, err)
		if pb == nil {
			return
		}
		if !idRE.MatchString(pb.ID) || pb.Version == "" || pb.Title == "" || len(pb.Steps) == 0 {
			t.Fatalf("valid playbook lacks an id, version, title or step: %+v", pb)
		}
		for _, o := range pb.Obligations {
			_ = o.When.Eval(incidents.Facts{}, pb.Groups)
			if _, err := o.Regulation.Deadline.Due(start); err != nil {
				t.Fatalf("obligation %s: Due: %v", o.ID, err)
			}
		}
		for name, value := range pb.Defaults {
			if _, err := pb.ParseFactChange(name + "=" + value); err != nil {
				t.Fatalf("default %s=%s does not parse: %v", name, value, err)
			}
		}
	})
}

func FuzzParseCatalog(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, err := ParseCatalog("fuzz.yaml", data)
		checkResult(t, cat != nil, err)
		if cat == nil {
			return
		}
		if cat.Version == "" || cat.Disclaimer == "" {
			t.Fatalf("valid catalog lacks a version or disclaimer")
		}
		for _, r := range cat.Regulations {
			_ = r.AppliesWhen.Eval(incidents.Facts{}, cat.Groups)
			for _, d := range []*incidents.Deadline{&r.Deadline, r.Backstop} {
				if d == nil {
					continue
				}
				if _, err := d.Due(start); err != nil {
					t.Fatalf("regulation %s: Due: %v", r.ID, err)
				}
			}
		}
	})
}
