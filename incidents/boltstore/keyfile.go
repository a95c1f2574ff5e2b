package boltstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/breachbot/breachbot/internal/atomicfile"
)

// KeyFile is the path of the key file kept beside the database db: where
// the console keeps the encryption key it generated when none was set.
func KeyFile(db string) string { return db + ".key" }

// ReadKeyFile returns the key in KeyFile(db), or nil and no error when
// there is no such file (importing personal data is then refused). Its
// errors name the file, never the key.
func ReadKeyFile(db string) ([]byte, error) {
	path := KeyFile(db)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read key file: %w", err)
	}
	key, err := ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return key, nil
}

// CreateKeyFile generates a key into KeyFile(db), readable by its owner
// only (0600), when there is no key file yet and db's folder exists. It
// says whether it created the file; an existing key file is left alone.
func CreateKeyFile(db string) (created bool, err error) {
	path := KeyFile(db)
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return false, nil // no folder: opening the database says so
	}
	if err := atomicfile.WriteOwnerOnly(path, []byte(GenerateKey()+"\n"), ".breachbot-key-"); err != nil {
		return false, err
	}
	return true, nil
}
