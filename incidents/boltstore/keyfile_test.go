package boltstore

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyFileIsCreatedOnceReadableByTheOwnerOnly: the console's key file
// is made 0600 beside the database, read back as the key, and never
// replaced (a new key would make the imported people unreadable).
func TestKeyFileIsCreatedOnceReadableByTheOwnerOnly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "breachbot.db")
	if key, err := ReadKeyFile(db); key != nil || err != nil {
		t.Fatalf("no file yet: %v %v, want nothing and no error", key, err)
	}
	created, err := CreateKeyFile(db)
	if err != nil || !created {
		t.Fatalf("CreateKeyFile: %v %v", created, err)
	}
	st, err := os.Stat(KeyFile(db))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want mode 0600", st, err)
	}
	key, err := ReadKeyFile(db)
	if err != nil || len(key) != KeySize {
		t.Fatalf("ReadKeyFile: %d bytes, %v", len(key), err)
	}
	if created, err := CreateKeyFile(db); created || err != nil {
		t.Fatalf("second CreateKeyFile: %v %v, want the file left alone", created, err)
	}
	again, _ := ReadKeyFile(db)
	if !bytes.Equal(key, again) {
		t.Error("the key changed on the second CreateKeyFile")
	}
}

// TestKeyFileErrorsNameTheFileNotTheKey: a damaged key file is refused by
// name, without its content, and no folder means no key file is made.
func TestKeyFileErrorsNameTheFileNotTheKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "breachbot.db")
	os.WriteFile(KeyFile(db), []byte("c2VjcmV0LWJ1dC1zaG9ydA==\n"), 0o600)
	_, err := ReadKeyFile(db)
	if err == nil || !strings.Contains(err.Error(), KeyFile(db)) || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("damaged key file: %v; want the file named and the key not shown", err)
	}
	nowhere := filepath.Join(t.TempDir(), "missing", "breachbot.db")
	if created, err := CreateKeyFile(nowhere); created || err != nil {
		t.Errorf("no folder: %v %v, want nothing created and no error", created, err)
	}
}
