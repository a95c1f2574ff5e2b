package github

import (
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// memFS is a read-only, flat in-memory file system: the playbook files of
// one folder at one commit. It holds only files, in its root.
type memFS struct {
	files   map[string][]byte
	names   []string // sorted
	modTime time.Time
}

var (
	_ fs.ReadDirFS  = (*memFS)(nil)
	_ fs.ReadFileFS = (*memFS)(nil)
	_ fs.StatFS     = (*memFS)(nil)
)

// newMemFS returns a file system of the given files (names without
// slashes), which it keeps; modTime is every file's modification time.
func newMemFS(files map[string][]byte, modTime time.Time) *memFS {
	m := &memFS{files: files, modTime: modTime}
	for name := range files {
		m.names = append(m.names, name)
	}
	slices.Sort(m.names)
	return m
}

// Open opens the root (".") or one of its files.
func (m *memFS) Open(name string) (fs.File, error) {
	if name == "." {
		return &memDir{fs: m}, nil
	}
	data, ok := m.lookup(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{info: m.info(name, len(data)), r: strings.NewReader(string(data))}, nil
}

// ReadFile returns a copy of a file's content.
func (m *memFS) ReadFile(name string) ([]byte, error) {
	data, ok := m.lookup(name)
	if !ok {
		if name == "." {
			return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
		}
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(data), nil
}

// ReadDir lists the root; there are no other folders.
func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		if _, ok := m.lookup(name); ok {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
		}
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, len(m.names))
	for i, n := range m.names {
		out[i] = fs.FileInfoToDirEntry(m.info(n, len(m.files[n])))
	}
	return out, nil
}

// Stat describes the root or a file.
func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	if name == "." {
		return memInfo{name: ".", dir: true, mod: m.modTime}, nil
	}
	data, ok := m.lookup(name)
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return m.info(name, len(data)), nil
}

func (m *memFS) lookup(name string) ([]byte, bool) {
	if !fs.ValidPath(name) {
		return nil, false
	}
	data, ok := m.files[name]
	return data, ok
}

func (m *memFS) info(name string, size int) memInfo {
	return memInfo{name: name, size: int64(size), mod: m.modTime}
}

// memInfo is the fs.FileInfo of a memFS entry.
type memInfo struct {
	name string
	size int64
	dir  bool
	mod  time.Time
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) ModTime() time.Time { return i.mod }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}

// memFile is an open file of a memFS.
type memFile struct {
	info memInfo
	r    *strings.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *memFile) Close() error               { return nil }

// Seek and ReadAt make a memFile as capable as an os.File for readers.
func (f *memFile) Seek(offset int64, whence int) (int64, error) { return f.r.Seek(offset, whence) }
func (f *memFile) ReadAt(b []byte, off int64) (int, error)      { return f.r.ReadAt(b, off) }

// memDir is the open root of a memFS.
type memDir struct {
	fs  *memFS
	pos int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.fs.Stat(".") }
func (d *memDir) Close() error               { return nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: ".", Err: fs.ErrInvalid}
}

// ReadDir returns the next n entries (all remaining ones if n <= 0), as
// fs.ReadDirFile specifies.
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	all, _ := d.fs.ReadDir(".")
	rest := all[d.pos:]
	if n <= 0 {
		d.pos = len(all)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	rest = rest[:min(n, len(rest))]
	d.pos += len(rest)
	return rest, nil
}
