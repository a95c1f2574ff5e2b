// Package boltstoretest opens real bbolt stores for tests, in files under
// the test's temporary folder: tests use the real store, never a mock.
// (boltstore's own tests, in package boltstore, cannot import it and keep
// their own helper.)
package boltstoretest

import (
	"path/filepath"
	"testing"

	"github.com/breachbot/breachbot/incidents/boltstore"
)

// MustOpen opens a store in a new file under t.TempDir() and closes it when
// the test ends; it fails the test if the store cannot be opened.
func MustOpen(t testing.TB) *boltstore.Store {
	t.Helper()
	return MustOpenAt(t, filepath.Join(t.TempDir(), "breachbot.db"))
}

// MustOpenAt opens the store in the file at path and closes it when the
// test ends; it fails the test if the store cannot be opened. A test of a
// restart closes the store itself and opens the same path again; closing a
// closed store is harmless.
func MustOpenAt(t testing.TB, path string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatalf("open the store %s: %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
