package boltstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/breachbot/breachbot/incidents"
)

// KeySize is the size of BREACHBOT_ENCRYPTION_KEY: 32 bytes (AES-256).
const KeySize = 32

// ParseKey decodes an encryption key given as base64 (standard or URL
// alphabet, padded or not) or hex. It refuses anything but 32 bytes, and
// its errors never repeat the key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("the encryption key is empty")
	}
	var decoded [][]byte
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) == KeySize {
				return b, nil
			}
			decoded = append(decoded, b)
		}
	}
	if len(decoded) > 0 {
		return nil, fmt.Errorf("the encryption key decodes to %d bytes; it must be %d (AES-256): generate one with `openssl rand -base64 32`", len(decoded[0]), KeySize)
	}
	return nil, fmt.Errorf("the encryption key is neither base64 nor hex (%d characters); it must encode %d bytes: generate one with `openssl rand -base64 32`", len(s), KeySize)
}

// GenerateKey returns a new random key, base64-encoded.
func GenerateKey() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.StdEncoding.EncodeToString(b)
}

// keyring holds the keys derived from the encryption key: one for AES-GCM,
// one for the address tags, one to recognise the key.
type keyring struct {
	aead   cipher.AEAD
	tagKey []byte
	check  string
	macs   sync.Pool
}

func newKeyring(master []byte) (*keyring, error) {
	derive := func(label string) []byte {
		k, err := hkdf.Key(sha256.New, master, nil, "breachbot "+label, KeySize)
		if err != nil {
			panic(err) // only for lengths hkdf cannot produce
		}
		return k
	}
	block, err := aes.NewCipher(derive("aes-256-gcm recipients"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	kr := &keyring{aead: aead, tagKey: derive("address tags")}
	kr.macs.New = func() any { return hmac.New(sha256.New, kr.tagKey) }
	kr.check = hex.EncodeToString(derive("key check")[:16])
	return kr, nil
}

// tag returns the keyed hash of an address's dedupe key (raw bytes).
func (k *keyring) tag(address string) []byte {
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(incidents.DedupeKey(address)))
	sum := m.Sum(nil)
	k.macs.Put(m)
	return sum
}

// indexTag is the tag as an index key: its first 16 bytes (128 bits make
// a collision among even billions of addresses negligible) keep the
// index, whose keys are random and so spread over all its pages, small.
func (k *keyring) indexTag(address string) []byte { return k.tag(address)[:incidents.RecipientTagSize] }

// seal encrypts plaintext with a random nonce; aad binds it to its place.
func (k *keyring) seal(plaintext, aad []byte) []byte {
	out := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	_, _ = rand.Read(out)
	return k.aead.Seal(out, out, plaintext, aad)
}

func (k *keyring) open(data, aad []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	if len(data) < ns+k.aead.Overhead() {
		return nil, errors.New("record too short")
	}
	return k.aead.Open(nil, data[:ns], data[ns:], aad)
}

var keyKeyCheck = []byte("encryption_key_check")

// SetEncryptionKey sets the key that personal data is encrypted with. The
// first key used is recorded (as a check value, not the key); a different
// key later is refused, because the data already stored could not be read.
func (s *Store) SetEncryptionKey(key []byte) error {
	if len(key) != KeySize {
		return fmt.Errorf("the encryption key is %d bytes; it must be %d", len(key), KeySize)
	}
	kr, err := newKeyring(key)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		switch got := string(meta.Get(keyKeyCheck)); got {
		case "":
			return meta.Put(keyKeyCheck, []byte(kr.check))
		case kr.check:
			return nil
		}
		return fmt.Errorf("the encryption key is not the one the personal data in %s was encrypted with; set BREACHBOT_ENCRYPTION_KEY (or encryption_key_file) to that key", s.path)
	})
	if err != nil {
		return err
	}
	s.keys = kr
	return nil
}

func (t *Tx) keyring() (*keyring, error) {
	if t.keys == nil {
		return nil, incidents.Errorf(incidents.EINVALID, "no encryption key is set, so breachbot cannot store or read affected people's data").
			WithHint("set BREACHBOT_ENCRYPTION_KEY to 32 random bytes in base64 (openssl rand -base64 32), or encryption_key_file in breachbot.yaml")
	}
	return t.keys, nil
}

// CheckEncryptionKey reports whether the affected people stored in the
// database can be read: if it holds any, a key must be set and must open
// them. It changes nothing. serve calls it before it starts, so that a
// missing key is a refusal to start, not a send that cannot go on.
func (s *Store) CheckEncryptionKey() error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecipients).Cursor()
		for set, v := c.First(); set != nil; set, v = c.Next() {
			if v != nil {
				continue
			}
			rec := tx.Bucket(bucketRecipients).Bucket(set).Bucket(subRecords)
			if rec == nil {
				continue
			}
			k, data := rec.Cursor().First()
			if k == nil {
				continue
			}
			if s.keys == nil {
				return fmt.Errorf("%s holds affected people's data, encrypted, and no encryption key is configured: set BREACHBOT_ENCRYPTION_KEY, or encryption_key_file in breachbot.yaml, to the key it was imported with", s.path)
			}
			seq := int64(binary.BigEndian.Uint64(k))
			if _, err := s.keys.open(data, recipientAAD(string(set), seq)); err != nil {
				return fmt.Errorf("the encryption key does not open the affected people's data in %s: set BREACHBOT_ENCRYPTION_KEY (or encryption_key_file) to the key it was imported with", s.path)
			}
			return nil
		}
		return nil
	})
}
