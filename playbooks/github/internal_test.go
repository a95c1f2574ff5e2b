package github

import (
	"io/fs"
	"testing"
	"testing/fstest"
	"time"
)

func TestMemFSIsAFileSystem(t *testing.T) {
	t.Parallel()
	m := newMemFS(map[string][]byte{"a.yaml": []byte("id: a\n"), "regulations.yaml": []byte("version: 1\n"), "b.yml": nil}, time.Time{})
	if err := fstest.TestFS(m, "a.yaml", "b.yml", "regulations.yaml"); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.ReadFile(m, "playbooks/a.yaml"); err == nil {
		t.Error("a path with a folder read, want not found: the snapshot is flat")
	}
}
