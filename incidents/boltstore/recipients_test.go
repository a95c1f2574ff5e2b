package boltstore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/breachbot/breachbot/incidents"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestParseKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, wantErr string }{
		{in: GenerateKey()},
		{in: strings.Repeat("ab", 32)},
		{in: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}, // raw base64
		{in: "c2hvcnQ=", wantErr: "decodes to 5 bytes; it must be 32"},
		{in: "not a key!", wantErr: "neither base64 nor hex"},
		{in: "", wantErr: "empty"},
	} {
		_, err := ParseKey(tc.in)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("ParseKey(%q) = %v, want %q", tc.in, err, tc.wantErr)
		}
		if err != nil && tc.in != "" && strings.Contains(err.Error(), tc.in) {
			t.Errorf("the error repeats the key: %v", err)
		}
	}
}

func TestRecipientsAreEncryptedAtRestAndBoundToTheirPlace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "breachbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Without a key nothing personal is stored.
	err = s.Update(ctx, func(tx incidents.Tx) error {
		_, err := tx.NewRecipientSet("INC-2026-0001", time.Now(), "u")
		return err
	})
	if incidents.ErrorCode(err) != incidents.EINVALID || !strings.Contains(incidents.ErrorHint(err), "BREACHBOT_ENCRYPTION_KEY") {
		t.Fatalf("import without a key: %v", err)
	}
	if err := s.SetEncryptionKey(testKey); err != nil {
		t.Fatal(err)
	}
	people := []incidents.Recipient{
		{Email: "alice.secret@example.com", Name: "Alice Secretname", Country: "US", Region: "CA"},
		{Email: "bob.hidden@example.com", Name: "Bob Hiddenname"},
		{Email: "ALICE.secret@example.com", Name: "dupe"},
	}
	var set *incidents.RecipientSet
	var added []bool
	err = s.Update(ctx, func(tx incidents.Tx) error {
		var err error
		if set, err = tx.NewRecipientSet("INC-2026-0001", time.Now(), "u"); err != nil {
			return err
		}
		added, err = tx.AddRecipients(set.ID, people)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, true, false}; !bytes.Equal(boolBytes(added), boolBytes(want)) {
		t.Errorf("added = %v, want %v (the address differing in case is a duplicate)", added, want)
	}
	s.View(ctx, func(tx incidents.Tx) error {
		r, err := tx.Recipient(set.ID, 2)
		if err != nil || r.Email != "bob.hidden@example.com" {
			t.Errorf("recipient 2 = %+v, %v", r, err)
		}
		seq, err := tx.RecipientByAddress(set.ID, "Alice.Secret@example.com")
		if err != nil || seq != 1 {
			t.Errorf("lookup = %d, %v; want 1", seq, err)
		}
		return nil
	})
	// Swap the two sealed records: each is bound to its place and no longer opens.
	s.db.Update(func(btx *bolt.Tx) error {
		b := btx.Bucket(bucketRecipients).Bucket([]byte(set.ID)).Bucket(subRecords)
		one, two := bytes.Clone(b.Get(seqKey(1))), bytes.Clone(b.Get(seqKey(2)))
		b.Put(seqKey(1), two)
		return b.Put(seqKey(2), one)
	})
	s.View(ctx, func(tx incidents.Tx) error {
		if _, err := tx.Recipient(set.ID, 1); err == nil || !strings.Contains(err.Error(), "tampered") {
			t.Errorf("a moved record decrypted: %v", err)
		}
		return nil
	})
	s.Close()
	raw, _ := readFile(path)
	for _, secret := range []string{"alice.secret", "Secretname", "bob.hidden", "Hiddenname"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the database file holds %q in clear", secret)
		}
	}
	// Another key is refused: the data could not be read with it.
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.SetEncryptionKey([]byte("ffffffffffffffffffffffffffffffff"))
	if err == nil || !strings.Contains(err.Error(), "not the one the personal data") {
		t.Errorf("a different key: %v", err)
	}
	if err := s.SetEncryptionKey(testKey); err != nil {
		t.Errorf("the right key: %v", err)
	}
}

func boolBytes(b []bool) []byte {
	out := make([]byte, len(b))
	for i, x := range b {
		if x {
			out[i] = 1
		}
	}
	return out
}

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }
