package playbooks

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/breachbot/breachbot/incidents"
)

//go:embed *.yaml
var shipped embed.FS

// Embedded returns the shipped playbooks and regulations catalog.
func Embedded() fs.FS { return shipped }

// embeddedCatalog parses the shipped catalog once.
var embeddedCatalog = sync.OnceValues(func() (*Catalog, error) {
	data, err := shipped.ReadFile(CatalogFile)
	if err != nil {
		return nil, fmt.Errorf("read embedded catalog: %w", err)
	}
	return ParseCatalog("embedded:"+CatalogFile, data)
})

// DefaultPlaybook is the id of the playbook Default prefers.
const DefaultPlaybook = "personal-data-breach"

// Library is a source of playbooks: the YAML files in the root of a file
// system. It reads the files again on every call, so that a security lead
// who edits a playbook sees the change at the next new incident without a
// restart; running incidents are pinned to the playbook they started with.
// A broken file does not keep the others from loading. A Library is safe
// for concurrent use.
type Library struct {
	fsys   fs.FS
	source string
}

var (
	_ incidents.PlaybookSource = (*Library)(nil)
	_ incidents.CatalogSource  = (*Library)(nil)
)

// Catalog returns the regulations catalog of the library's folder: the
// built-in one, extended (or, with replace: true, replaced) by the folder's
// regulations.yaml. It returns EINVALID (a *FileError) if that file has
// problems.
func (l *Library) Catalog(ctx context.Context) (*incidents.RegulationsCatalog, error) {
	f, err := readFolder(ctx, l.fsys, ".", []string{}, l.display)
	if err != nil {
		return nil, fmt.Errorf("playbooks in %s: %w", l.source, err)
	}
	if err := f.catalogError(); err != nil {
		return nil, err
	}
	return f.catalog.View(), nil
}

// BuiltinCatalog returns the regulations catalog built into breachbot.
func BuiltinCatalog() (*incidents.RegulationsCatalog, error) {
	cat, err := embeddedCatalog()
	if err != nil {
		return nil, err
	}
	return cat.View(), nil
}

// New returns a Library of the playbooks in the root of fsys. source labels
// the files in messages and in each Playbook's Source: "embedded" gives
// "embedded:x.yaml", a label ending in ":" is followed by the file name
// ("github:acme/playbooks@v3:"), as is one that holds ":" and ends in "/"
// ("github:acme/playbooks@v3:playbooks/"), and anything else is taken as the
// folder path. A nil fsys means the embedded playbooks.
func New(fsys fs.FS, source string) *Library {
	if fsys == nil {
		fsys, source = shipped, "embedded"
	}
	return &Library{fsys: fsys, source: source}
}

// display returns the name a file of the library is shown by.
func (l *Library) display(name string) string {
	switch {
	case l.source == "":
		return name
	case l.source == "embedded":
		return "embedded:" + name
	case strings.HasSuffix(l.source, ":"), strings.Contains(l.source, ":") && strings.HasSuffix(l.source, "/"):
		return l.source + name
	}
	return filepath.Join(l.source, filepath.FromSlash(name))
}

// Playbook returns the current version of the playbook with the given id. It
// returns ENOTFOUND naming the known playbooks if there is none, and EINVALID
// (a *FileError with every problem) if the playbook's file, or the catalog
// it uses, has problems. Other errors are internal (the folder cannot be read).
func (l *Library) Playbook(ctx context.Context, id string) (*incidents.Playbook, error) {
	f, err := readFolder(ctx, l.fsys, ".", nil, l.display)
	if err != nil {
		return nil, fmt.Errorf("playbooks in %s: %w", l.source, err)
	}
	return l.pick(f, strings.ToLower(strings.TrimSpace(id)))
}

func (l *Library) pick(f *folder, id string) (*incidents.Playbook, error) {
	i := slices.IndexFunc(f.files, func(x *file) bool { return x.id() == id })
	if i < 0 {
		return nil, l.notFound(f, fmt.Sprintf("no playbook %q in %s", id, l.source))
	}
	if err := f.catalogError(); err != nil {
		return nil, err
	}
	return f.files[i].playbook()
}

func (l *Library) notFound(f *folder, msg string) error {
	var valid, broken []string
	for _, x := range f.files {
		if x.valid() {
			valid = append(valid, x.id())
		} else {
			broken = append(broken, x.display)
		}
	}
	var hint string
	if len(valid) > 0 {
		hint = "known playbooks: " + strings.Join(valid, ", ")
	} else {
		hint = "there are no valid playbooks"
	}
	if len(broken) > 0 {
		hint += "; files with problems: " + strings.Join(broken, ", ") + " (check them with: breachbot playbooks lint)"
	}
	return incidents.Errorf(incidents.ENOTFOUND, "%s", msg).WithHint("%s", hint)
}

// Playbooks returns every valid playbook, sorted by id; files with problems
// are left out (Lint reports them). It returns EINVALID if the catalog has
// problems, as then no playbook is valid.
func (l *Library) Playbooks(ctx context.Context) ([]*incidents.Playbook, error) {
	f, err := readFolder(ctx, l.fsys, ".", nil, l.display)
	if err != nil {
		return nil, fmt.Errorf("playbooks in %s: %w", l.source, err)
	}
	if err := f.catalogError(); err != nil {
		return nil, err
	}
	var out []*incidents.Playbook
	for _, x := range f.files {
		if x.valid() {
			out = append(out, x.res.pb)
		}
	}
	slices.SortFunc(out, func(a, b *incidents.Playbook) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Default returns the playbook to use when none is named: personal-data-breach
// if the library has it, else the only playbook there is. Errors are as for
// Playbook; several playbooks and none of them personal-data-breach is
// EINVALID, asking the user to name one.
func (l *Library) Default(ctx context.Context) (*incidents.Playbook, error) {
	f, err := readFolder(ctx, l.fsys, ".", nil, l.display)
	if err != nil {
		return nil, fmt.Errorf("playbooks in %s: %w", l.source, err)
	}
	var ids []string
	for _, x := range f.files {
		if !slices.Contains(ids, x.id()) {
			ids = append(ids, x.id())
		}
	}
	switch {
	case slices.Contains(ids, DefaultPlaybook):
		return l.pick(f, DefaultPlaybook)
	case len(ids) == 1:
		return l.pick(f, ids[0])
	case len(ids) == 0:
		return nil, incidents.Errorf(incidents.ENOTFOUND, "there are no playbooks in %s", l.source).
			WithHint("add a playbook YAML file there (breachbot ships personal-data-breach.yaml as an example), or unset BREACHBOT_PLAYBOOKS to use the shipped playbooks")
	}
	slices.Sort(ids)
	return nil, incidents.Errorf(incidents.EINVALID, "there are several playbooks and none is %s, so name one", DefaultPlaybook).
		WithHint("add --playbook ID; playbooks: %s", strings.Join(ids, ", "))
}

// folder is one read of a playbooks folder: its catalog and playbook files.
type folder struct {
	catalog *Catalog
	// ownCatalog says whether the folder has a catalog file; if not,
	// catalog is the embedded one.
	ownCatalog     bool
	catalogDisplay string
	catalogProbs   Problems
	// catalogNotes are remarks on the folder's catalog that are not
	// faults (a rule overriding a built-in one).
	catalogNotes Problems
	files        []*file
}

// catalogError returns the catalog's problems as a *FileError, or nil.
func (f *folder) catalogError() error {
	if len(f.catalogProbs) == 0 {
		return nil
	}
	return newFileError("regulations catalog", f.catalogDisplay, f.catalogProbs)
}

// file is one playbook file of a folder.
type file struct {
	name    string // path in the file system
	display string
	res     parsed
	readErr error
}

// id is the playbook's id, or for a file too broken to tell, its name
// without extension.
func (x *file) id() string {
	if x.res.pb != nil && x.res.pb.ID != "" {
		return x.res.pb.ID
	}
	base := path.Base(x.name)
	return strings.TrimSuffix(base, path.Ext(base))
}

func (x *file) valid() bool { return x.readErr == nil && len(x.res.probs) == 0 }

func (x *file) playbook() (*incidents.Playbook, error) {
	switch {
	case x.readErr != nil:
		return nil, fmt.Errorf("read playbook %s: %w", x.display, x.readErr)
	case len(x.res.probs) > 0:
		return nil, newFileError("playbook", x.display, x.res.probs)
	}
	return x.res.pb, nil
}

// isYAML reports whether name is a YAML file, other than a hidden one.
func isYAML(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(path.Base(name), ".")
}

// isCatalog reports whether name is the catalog file of its folder.
func isCatalog(name string) bool {
	base := path.Base(name)
	return base == CatalogFile || base == "regulations.yml"
}

// readFolder reads the catalog of dir in fsys (or uses the embedded one) and
// parses the playbook files names, or every playbook file of dir if names is
// nil. Problems are kept per file; only a folder or catalog that cannot be
// read is an error.
func readFolder(ctx context.Context, fsys fs.FS, dir string, names []string, display func(string) string) (*folder, error) {
	if names == nil {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if name := path.Join(dir, e.Name()); !e.IsDir() && isYAML(name) && !isCatalog(name) {
				names = append(names, name)
			}
		}
	}
	f := &folder{}
	for _, c := range []string{CatalogFile, "regulations.yml"} {
		p := path.Join(dir, c)
		data, err := fs.ReadFile(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", display(p), err)
		}
		f.catalogDisplay, f.ownCatalog = display(p), true
		builtin, err := embeddedCatalog()
		if err != nil {
			return nil, err
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) == builtin.SHA256 {
			// The built-in catalog itself (a copy, or the embedded folder).
			f.catalog = builtin
			break
		}
		f.catalog, f.catalogProbs, f.catalogNotes = parseCatalog(f.catalogDisplay, data, builtin)
		break
	}
	if f.catalog == nil {
		cat, err := embeddedCatalog()
		if err != nil {
			return nil, err
		}
		f.catalog, f.catalogDisplay = cat, cat.Source
	}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x := &file{name: name, display: display(name)}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			x.readErr = err
		} else {
			x.res = parsePlaybook(x.display, data, f.catalog)
		}
		f.files = append(f.files, x)
	}
	f.checkDuplicates()
	return f, nil
}

// checkDuplicates reports playbook ids used by more than one file: the
// library could not tell which is meant, and two versions of one playbook
// side by side are usually a copy left behind.
func (f *folder) checkDuplicates() {
	for i, x := range f.files {
		if x.res.pb == nil || x.res.pb.ID == "" {
			continue
		}
		for j, y := range f.files {
			if i == j || y.res.pb == nil || y.res.pb.ID != x.res.pb.ID {
				continue
			}
			line, col := 1, 1
			if n := x.res.idNode; n != nil {
				line, col = n.Line, n.Column
			}
			msg := fmt.Sprintf("playbook %s is also defined in %s; keep one file per playbook", x.res.pb.ID, y.display)
			if x.res.pb.Version != y.res.pb.Version {
				msg = fmt.Sprintf("playbook %s has version %s here and version %s in %s; keep only the current version in the folder (git keeps the old ones)",
					x.res.pb.ID, versionLabel(x.res.pb.Version), versionLabel(y.res.pb.Version), y.display)
			}
			x.res.probs = append(x.res.probs, Problem{File: x.display, Line: line, Col: col, Message: msg})
		}
	}
}
