package playbooks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/breachbot/breachbot/incidents"
)

// SetDiff compares two sets of playbooks (two folders, two refs of a
// repository): by id, which were added, removed, and what changed in each
// playbook of both.
type SetDiff struct {
	// Added and Removed are playbook ids, sorted.
	Added, Removed []string
	// Changed holds the diff of each playbook whose content differs, by id.
	Changed []incidents.PlaybookDiff
	// Same counts the playbooks of both with the same content (the same
	// file whose steps and obligations read the same).
	Same int
}

// Diff compares two sets of playbooks by id. A single playbook on each side
// is compared whatever its id, so that two files can be compared.
func Diff(old, cur []*incidents.Playbook) SetDiff {
	var d SetDiff
	if len(old) == 1 && len(cur) == 1 {
		if incidents.PinKey(old[0]) == incidents.PinKey(cur[0]) {
			d.Same = 1
		} else {
			d.Changed = append(d.Changed, incidents.DiffPlaybooks(old[0], cur[0]))
		}
		return d
	}
	byID := func(list []*incidents.Playbook, id string) *incidents.Playbook {
		i := slices.IndexFunc(list, func(p *incidents.Playbook) bool { return p.ID == id })
		if i < 0 {
			return nil
		}
		return list[i]
	}
	for _, o := range old {
		n := byID(cur, o.ID)
		switch {
		case n == nil:
			d.Removed = append(d.Removed, o.ID)
		case incidents.PinKey(n) == incidents.PinKey(o):
			d.Same++
		default:
			pd := incidents.DiffPlaybooks(o, n)
			if pd.Empty() && n.SHA256 == o.SHA256 {
				// Same file; the catalog beside it changed rules it does not use.
				d.Same++
				continue
			}
			d.Changed = append(d.Changed, pd)
		}
	}
	for _, n := range cur {
		if byID(old, n.ID) == nil {
			d.Added = append(d.Added, n.ID)
		}
	}
	slices.Sort(d.Added)
	slices.Sort(d.Removed)
	return d
}

// ReadPath reads the playbooks of a file or a folder of the operating
// system's file system, as `breachbot playbooks diff` takes them. A file's
// obligations are resolved against the catalog of its folder (the built-in
// one, extended by a regulations.yaml beside it). A broken file is an
// EINVALID error naming every problem: a diff of a file that does not
// load would be a guess.
func ReadPath(ctx context.Context, p string) ([]*incidents.Playbook, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, incidents.Errorf(incidents.EINVALID, "cannot read %s: %s", p, describe(err)).
			WithHint("give a playbook file, a folder of playbooks, or github:OWNER/REPO@REF")
	}
	dir, names := p, []string(nil)
	if !st.IsDir() {
		dir, names = filepath.Dir(p), []string{filepath.Base(p)}
	}
	display := func(name string) string { return filepath.Join(dir, filepath.FromSlash(name)) }
	f, err := readFolder(ctx, os.DirFS(dir), ".", names, display)
	if err != nil {
		return nil, fmt.Errorf("playbooks in %s: %w", p, err)
	}
	if err := f.catalogError(); err != nil {
		return nil, err
	}
	var out []*incidents.Playbook
	for _, x := range f.files {
		pb, err := x.playbook()
		if err != nil {
			return nil, err
		}
		out = append(out, pb)
	}
	if len(out) == 0 {
		return nil, incidents.Errorf(incidents.EINVALID, "%s holds no playbook", p).
			WithHint("give a playbook file or a folder of playbook .yaml files")
	}
	return out, nil
}
