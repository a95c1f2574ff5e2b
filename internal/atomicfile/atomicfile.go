// Package atomicfile writes small files that must be either wholly there
// or not at all: the encryption key beside the database, the admin
// endpoint's address file.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteOwnerOnly writes data to path readable and writable by the owner
// only (0600), atomically: it writes a temporary file in the same folder,
// syncs it, renames it over path and syncs the folder, so that after a
// crash or a power loss path holds either its old content or data, never
// a part. prefix names the temporary file (".breachbot-key-").
func WriteOwnerOnly(path string, data []byte, prefix string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}
