package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// The file ends up with the data, readable by the owner only, replacing
// what was there, and no temporary file is left beside it.
func TestWriteOwnerOnlyReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "breachbot.db.key")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteOwnerOnly(path, []byte("new\n"), ".breachbot-key-"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new\n" {
		t.Fatalf("content = %q, %v; want new", got, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode = %o, want 600", perm)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the file: %v", len(entries), entries)
	}
}

// A folder that cannot be written leaves no file and says why.
func TestWriteOwnerOnlyFailsWithoutAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "key")
	if err := WriteOwnerOnly(path, []byte("k"), ".x-"); err == nil {
		t.Fatal("want an error for a folder that does not exist")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("stat after failure: %v, want not exist", err)
	}
}
