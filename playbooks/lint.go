package playbooks

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
)

// Lint checks playbook and catalog files in fsys and returns every problem,
// sorted by file, line and column; none but notes (Problem.Note, such as a
// rule of a regulations.yaml overriding a built-in one; see
// Problems.Errors) means the files are good. Each path
// is a file or a folder (all its *.yaml and *.yml files); no paths means the
// root of fsys. A file named regulations.yaml is checked as a catalog; any
// other as a playbook, against the regulations.yaml beside it (whose problems
// are reported too) or, if there is none, the embedded catalog. Several files
// of one folder that define the same playbook id are a problem.
func Lint(fsys fs.FS, paths ...string) Problems {
	return lint(fsys, paths, func(name string) string { return name })
}

// LintFiles is Lint for paths of the operating system's file system, as
// `breachbot playbooks lint [PATH...]` takes them; no paths means the current
// directory. Problems name the files as the paths were given.
func LintFiles(paths ...string) Problems {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var probs Problems
	var dirs []string
	names := map[string][]string{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			probs = append(probs, Problem{File: p, Message: "cannot read: " + describe(err)})
			continue
		}
		dir, name := p, "."
		if !st.IsDir() {
			dir, name = filepath.Dir(p), filepath.Base(p)
		}
		if _, seen := names[dir]; !seen {
			dirs = append(dirs, dir)
		}
		names[dir] = append(names[dir], name)
	}
	for _, dir := range dirs {
		display := func(name string) string {
			if name == "." {
				return dir
			}
			return filepath.Join(dir, filepath.FromSlash(name))
		}
		probs = append(probs, lint(os.DirFS(dir), names[dir], display)...)
	}
	return probs.Sorted()
}

// describe returns the reason of a file system error without the path, which
// the problem already names.
func describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// lint is Lint with a display name for each path of fsys.
func lint(fsys fs.FS, paths []string, display func(string) string) Problems {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var probs Problems
	var dirs []string
	whole := map[string]bool{}
	files := map[string][]string{}
	for _, p := range paths {
		p = path.Clean(filepath.ToSlash(p))
		st, err := fs.Stat(fsys, p)
		if err != nil {
			probs = append(probs, Problem{File: display(p), Message: "cannot read: " + describe(err)})
			continue
		}
		dir := p
		if !st.IsDir() {
			dir = path.Dir(p)
		}
		if !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
		switch {
		case st.IsDir():
			whole[dir] = true
		case !slices.Contains(files[dir], p):
			files[dir] = append(files[dir], p)
		}
	}
	for _, dir := range dirs {
		var names []string // nil: every playbook file of dir
		if !whole[dir] {
			names = []string{}
			for _, p := range files[dir] {
				if !isCatalog(p) {
					names = append(names, p)
				}
			}
		}
		f, err := readFolder(context.Background(), fsys, dir, names, display)
		if err != nil {
			probs = append(probs, Problem{File: display(dir), Message: fmt.Sprintf("cannot read: %s", describe(err))})
			continue
		}
		probs = append(probs, f.catalogProbs...)
		probs = append(probs, f.catalogNotes...)
		for _, x := range f.files {
			if x.readErr != nil {
				probs = append(probs, Problem{File: x.display, Message: "cannot read: " + describe(x.readErr)})
			}
			probs = append(probs, x.res.probs...)
		}
		if whole[dir] && len(f.files) == 0 && !f.ownCatalog {
			probs = append(probs, Problem{File: display(dir), Message: "no playbook files (*.yaml) here"})
		}
	}
	return probs.Sorted()
}
