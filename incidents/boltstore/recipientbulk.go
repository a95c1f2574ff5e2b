package boltstore

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"strconv"

	"github.com/breachbot/breachbot/incidents"
)

// Bulk import: the importer de-duplicates and numbers the people itself,
// seals them with a recipientCodec outside the transaction, and appends
// records and index in key order into the fresh buckets of a staging set,
// so that every page is written once, full, and nothing is read back.

// RecipientCodec returns a codec for one importer (see incidents.RecipientCodec).
func (t *Tx) RecipientCodec() (incidents.RecipientCodec, error) {
	keys, err := t.keyring()
	if err != nil {
		return nil, err
	}
	return &recipientCodec{keys: keys, mac: hmac.New(sha256.New, keys.tagKey)}, nil
}

// recipientCodec seals and tags exactly as keyring.seal and
// keyring.indexTag do, reusing its buffers and reading nonces in bulk.
type recipientCodec struct {
	keys        *keyring
	mac         hash.Hash
	key, sum    []byte
	aad, nonces []byte
}

func (c *recipientCodec) IndexTag(dst []byte, address string) []byte {
	c.key = appendDedupeKey(c.key[:0], address)
	c.mac.Reset()
	c.mac.Write(c.key)
	c.sum = c.mac.Sum(c.sum[:0])
	return append(dst, c.sum[:incidents.RecipientTagSize]...)
}

// appendDedupeKey appends incidents.DedupeKey(address), without a string
// for the common all-ASCII address.
func appendDedupeKey(dst []byte, address string) []byte {
	for i := 0; i < len(address); i++ {
		if address[i] >= 0x80 {
			return append(dst, incidents.DedupeKey(address)...)
		}
	}
	for i := 0; i < len(address); i++ {
		b := address[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	return dst
}

func (c *recipientCodec) Seal(dst []byte, set string, seq int64, plain []byte) []byte {
	ns := c.keys.aead.NonceSize()
	if len(c.nonces) < ns {
		// Random nonces, as keyring.seal uses, read 4096 at a time.
		if cap(c.nonces) == 0 {
			c.nonces = make([]byte, 4096*ns)
		}
		c.nonces = c.nonces[:cap(c.nonces)]
		_, _ = rand.Read(c.nonces) // crypto/rand never fails on supported platforms
	}
	c.aad = append(append(append(c.aad[:0], "recipients/"...), set...), '/')
	c.aad = strconv.AppendInt(c.aad, seq, 10)
	start := len(dst)
	dst = append(dst, c.nonces[:ns]...)
	c.nonces = c.nonces[ns:]
	return c.keys.aead.Seal(dst, dst[start:start+ns], plain, c.aad)
}

// AppendRecipientRecords stores sealed recipients first, first+1, ...
func (t *Tx) AppendRecipientRecords(set string, first int64, sealed [][]byte) error {
	rec, _, err := t.setBuckets(set)
	if err != nil {
		return err
	}
	if k, _ := rec.Cursor().Last(); k != nil && int64(binary.BigEndian.Uint64(k)) >= first {
		return fmt.Errorf("recipient list %s: recipient %d is not after the last one stored", set, first)
	}
	rec.FillPercent = 1 // appended in key order: full pages
	var k [8]byte
	for i, v := range sealed {
		binary.BigEndian.PutUint64(k[:], uint64(first)+uint64(i))
		if err := rec.Put(k[:], v); err != nil {
			return err
		}
	}
	if n := uint64(first) + uint64(len(sealed)) - 1; len(sealed) > 0 && n > rec.Sequence() {
		return rec.SetSequence(n) // AddRecipients numbers on from here
	}
	return nil
}

// AppendRecipientIndex adds tags (in increasing order) for recipients seqs.
func (t *Tx) AppendRecipientIndex(set string, tags []byte, seqs []int64) error {
	const n = incidents.RecipientTagSize
	if len(tags) != n*len(seqs) {
		return fmt.Errorf("recipient list %s: %d bytes of tags for %d recipients", set, len(tags), len(seqs))
	}
	_, idx, err := t.setBuckets(set)
	if err != nil {
		return err
	}
	prev, _ := idx.Cursor().Last()
	idx.FillPercent = 1
	// bbolt keeps the values until the commit: one slab for all of them.
	vals := make([]byte, 8*len(seqs))
	for i, seq := range seqs {
		tag, v := tags[i*n:(i+1)*n], vals[i*8:(i+1)*8]
		if prev != nil && bytes.Compare(prev, tag) >= 0 {
			return fmt.Errorf("recipient list %s: index tags out of order", set)
		}
		binary.BigEndian.PutUint64(v, uint64(seq))
		if err := idx.Put(tag, v); err != nil {
			return err
		}
		prev = tag
	}
	return nil
}
