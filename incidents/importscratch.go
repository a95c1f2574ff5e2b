package incidents

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// scratchFile is an import's working file, for what would not fit in
// memory. It holds personal data, so it is encrypted (AES-256-GCM) under a
// key that exists only in this process's memory, and unlinked as soon as
// it is created: nothing readable is left behind, even by a crash.
// Streams (scratchStream) append sealed blocks to it, each under its own
// nonce (the block's number), so a block read back is the one written.
type scratchFile struct {
	f      *os.File
	name   string // set while the file is still linked
	aead   cipher.AEAD
	size   int64
	blocks uint64
	nonce  [12]byte
	sealed []byte // scratch space of seal: streams are used by one goroutine
}

func newScratchFile(dir string) (*scratchFile, error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand never fails on supported platforms
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, ".breachbot-import-*")
	if err != nil {
		return nil, fmt.Errorf("create the import's working file in %s: %w", dir, err)
	}
	sf := &scratchFile{f: f, aead: aead}
	if err := os.Remove(f.Name()); err != nil {
		sf.name = f.Name() // systems that cannot unlink an open file: removed by close
	}
	return sf, nil
}

func (sf *scratchFile) close() {
	sf.f.Close()
	if sf.name != "" {
		os.Remove(sf.name)
	}
}

// blockRef is where a sealed block is.
type blockRef struct {
	off    int64
	size   int // sealed
	number uint64
}

func (sf *scratchFile) nonceOf(number uint64) []byte {
	binary.BigEndian.PutUint64(sf.nonce[4:], number)
	return sf.nonce[:]
}

// seal writes plain as the next block.
func (sf *scratchFile) seal(plain []byte) (blockRef, error) {
	ref := blockRef{off: sf.size, number: sf.blocks}
	sf.sealed = sf.aead.Seal(sf.sealed[:0], sf.nonceOf(ref.number), plain, nil)
	if _, err := sf.f.WriteAt(sf.sealed, ref.off); err != nil {
		return ref, fmt.Errorf("write the import's working file: %w", err)
	}
	ref.size = len(sf.sealed)
	sf.size += int64(len(sf.sealed))
	sf.blocks++
	return ref, nil
}

// open reads block ref back into buf, returning the plaintext.
func (sf *scratchFile) open(ref blockRef, buf []byte) ([]byte, error) {
	if cap(buf) < ref.size {
		buf = make([]byte, ref.size)
	}
	buf = buf[:ref.size]
	if _, err := sf.f.ReadAt(buf, ref.off); err != nil {
		return nil, fmt.Errorf("read the import's working file: %w", err)
	}
	plain, err := sf.aead.Open(buf[:0], sf.nonceOf(ref.number), buf, nil)
	if err != nil {
		return nil, errors.New("the import's working file was changed while the import ran")
	}
	return plain, nil
}

// scratchStream is an append-only byte stream kept in a scratchFile, in
// blocks of its own, so several can grow side by side.
type scratchStream struct {
	file   *scratchFile
	buf    []byte // not yet sealed; its capacity is the block size
	blocks []blockRef
}

func newScratchStream(file *scratchFile, blockSize int) *scratchStream {
	return &scratchStream{file: file, buf: make([]byte, 0, blockSize)}
}

// Write implements io.Writer.
func (s *scratchStream) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(s.buf) == cap(s.buf) {
			if err := s.flush(); err != nil {
				return n - len(p), err
			}
		}
		k := min(len(p), cap(s.buf)-len(s.buf))
		s.buf = append(s.buf, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

func (s *scratchStream) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	ref, err := s.file.seal(s.buf)
	if err != nil {
		return err
	}
	s.blocks = append(s.blocks, ref)
	s.buf = s.buf[:0]
	return nil
}

// reader returns the stream from its start (flush first).
func (s *scratchStream) reader() *scratchReader { return &scratchReader{s: s} }

// scratchReader reads a scratchStream block by block.
type scratchReader struct {
	s     *scratchStream
	next  int
	buf   []byte
	plain []byte
}

// Read implements io.Reader.
func (r *scratchReader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.next == len(r.s.blocks) {
			return 0, io.EOF
		}
		plain, err := r.s.file.open(r.s.blocks[r.next], r.buf)
		if err != nil {
			return 0, err
		}
		r.next++
		r.buf, r.plain = plain[:0], plain
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}
