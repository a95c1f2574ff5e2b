package incidents_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayoutBoundaries holds the two rules of the house (README "Layout"):
// the domain imports nothing else of breachbot, and only incidents/boltstore
// imports bbolt (test files included, so no test reaches around the store).
func TestLayoutBoundaries(t *testing.T) {
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		dir := filepath.ToSlash(filepath.Dir(rel))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "go.etcd.io/bbolt" && dir != "incidents/boltstore" {
				t.Errorf("%s imports bbolt: only incidents/boltstore may (it implements what adapters need)", rel)
			}
			if dir == "incidents" && !strings.HasSuffix(rel, "_test.go") && strings.HasPrefix(p, "github.com/breachbot/breachbot/") {
				t.Errorf("%s imports %s: the domain imports nothing else of breachbot", rel, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
