package incidents

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
)

// An import in four passes over an encrypted working file (scratchFile),
// so that memory does not grow with the number of rows and every page of
// the database is written once, in key order:
//
//  1. read: each good row is encoded (as the store keeps it) onto the rows
//     stream, and the keyed hash of its address (its index tag) with the
//     row's number onto one of 256 partitions, chosen by the tag's first
//     byte;
//  2. dedupe: each partition in turn is sorted by tag, so the rows of one
//     address are side by side; all but the first are marked duplicates
//     (one bit per row), and the first goes, in tag order, onto the index
//     stream;
//  3. index: the index stream, already sorted, is appended to the staging
//     list's address index, each tag with its recipient number (the row's
//     number less the duplicates before it);
//  4. records: the rows stream is read again, duplicates skipped, and the
//     people are sealed, counted, hashed and appended as 1, 2, 3, ...
//
// Each pass writes in transactions of a few megabytes into the staging
// list; only commit makes it the incident's list.
const (
	importPartitions  = 256
	partitionBlock    = 8 << 10
	rowsBlock         = 64 << 10
	tagEntry          = RecipientTagSize + 8 // tag, row number
	importRecordBatch = 4 << 20              // sealed bytes per transaction
	importIndexBatch  = 64 << 10             // index entries per transaction
)

// stream reads every row into the staging list, counting rows, duplicates
// and rejected rows; it refuses a file from which nobody was imported.
func (imp *recipientImport) stream(ctx context.Context) error {
	var codec RecipientCodec
	err := imp.s.store.View(ctx, func(tx Tx) error {
		var err error
		codec, err = tx.RecipientCodec()
		return err
	})
	if err != nil {
		return err
	}
	file, err := newScratchFile(imp.s.importDir)
	if err != nil {
		return err
	}
	defer file.close()
	b := &bulkImport{imp: imp, codec: codec, file: file, rows: newScratchStream(file, rowsBlock),
		jurisdictions: dict{ids: map[string]uint32{}}, localeDict: dict{ids: map[string]uint32{}}}
	for i := range b.parts {
		b.parts[i] = newScratchStream(file, partitionBlock)
	}
	if err := b.read(ctx); err != nil {
		return err
	}
	rep := imp.rep
	if b.n == 0 {
		if rep.Rows == 0 {
			return Errorf(EINVALID, "the file has a header but no rows of people").WithHint("add one row per affected person under the header")
		}
		return Errorf(EINVALID, "none of the %d rows could be imported; the first problem: row %d: %s", rep.Rows, rep.Errors[0].Row, rep.Errors[0].Reason).
			WithHint("fix the file and import it again")
	}
	if err := b.dedupe(ctx); err != nil {
		return err
	}
	if err := b.index(ctx); err != nil {
		return err
	}
	return b.records(ctx)
}

// bulkImport is the state of the passes of one import.
type bulkImport struct {
	imp   *recipientImport
	codec RecipientCodec
	file  *scratchFile
	rows  *scratchStream
	parts [importPartitions]*scratchStream
	byTag *scratchStream // first rows of each address, by tag
	n     int64          // good rows (numbered 0..n-1)
	// dup has a bit set for each good row whose address an earlier row
	// had; dupBefore[w] counts those in dup[:w].
	dup, dupBefore []uint64
	// jurisdictions and locales seen, as small numbers on the rows stream.
	jurisdictions, localeDict dict
}

// dict numbers the distinct strings of a column.
type dict struct {
	ids   map[string]uint32
	names []string
}

func (d *dict) id(key []byte) uint64 {
	if id, ok := d.ids[string(key)]; ok {
		return uint64(id)
	}
	id := uint32(len(d.names))
	d.names = append(d.names, string(key))
	d.ids[string(key)] = id
	return uint64(id)
}

// read is pass 1.
func (b *bulkImport) read(ctx context.Context) error {
	rep := b.imp.rep
	var plain, row, key, entry []byte
	for {
		if b.n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		r, err := b.imp.reader.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var rowErr *RowError
		if errors.As(err, &rowErr) {
			rep.Rows++
			rep.Rejected++
			if len(rep.Errors) < maxReportedRowErrors {
				rep.Errors = append(rep.Errors, *rowErr)
			}
			continue
		} else if err != nil {
			return err
		}
		rep.Rows++
		plain = appendRecipientJSON(plain[:0], &r)
		key = append(key[:0], r.Country...)
		if r.Country == "" {
			key = append(key, JurisdictionUnknown...)
		} else if r.Region != "" {
			key = append(append(key, '-'), r.Region...)
		}
		row = binary.AppendUvarint(row[:0], b.jurisdictions.id(key))
		row = binary.AppendUvarint(row, b.localeDict.id(append(key[:0], r.Locale...)))
		row = binary.AppendUvarint(row, uint64(len(plain)))
		row = append(row, plain...)
		if _, err := b.rows.Write(row); err != nil {
			return err
		}
		entry = b.codec.IndexTag(entry[:0], r.Email)
		entry = binary.BigEndian.AppendUint64(entry, uint64(b.n))
		if _, err := b.parts[entry[0]].Write(entry); err != nil {
			return err
		}
		b.n++
	}
	return b.rows.flush()
}

// tagRow is an index tag (as two big-endian halves, so it sorts as
// numbers) and the row it is of.
type tagRow struct{ hi, lo, row uint64 }

// dedupe is pass 2.
func (b *bulkImport) dedupe(ctx context.Context) error {
	words := (b.n + 63) / 64
	b.dup, b.dupBefore = make([]uint64, words), make([]uint64, words)
	b.byTag = newScratchStream(b.file, rowsBlock)
	var data, buf, out []byte
	var entries []tagRow
	for p, part := range b.parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		if data, buf, err = part.readAll(data[:0], buf); err != nil {
			return err
		}
		b.parts[p] = nil
		entries = entries[:0]
		for e := data; len(e) >= tagEntry; e = e[tagEntry:] {
			entries = append(entries, tagRow{binary.BigEndian.Uint64(e), binary.BigEndian.Uint64(e[8:]), binary.BigEndian.Uint64(e[16:])})
		}
		slices.SortFunc(entries, func(x, y tagRow) int {
			if c := cmp.Compare(x.hi, y.hi); c != 0 {
				return c
			}
			if c := cmp.Compare(x.lo, y.lo); c != 0 {
				return c
			}
			return cmp.Compare(x.row, y.row)
		})
		out = out[:0]
		for i, e := range entries {
			if i > 0 && e.hi == entries[i-1].hi && e.lo == entries[i-1].lo {
				b.dup[e.row/64] |= 1 << (e.row % 64)
				continue
			}
			out = binary.BigEndian.AppendUint64(out, e.hi)
			out = binary.BigEndian.AppendUint64(out, e.lo)
			out = binary.BigEndian.AppendUint64(out, e.row)
		}
		if _, err := b.byTag.Write(out); err != nil {
			return err
		}
	}
	var before uint64
	for w, bits64 := range b.dup {
		b.dupBefore[w] = before
		before += uint64(bits.OnesCount64(bits64))
	}
	b.imp.rep.Duplicates = int64(before)
	return b.byTag.flush()
}

// isDup reports whether good row n repeats an earlier row's address.
func (b *bulkImport) isDup(n uint64) bool { return b.dup[n/64]&(1<<(n%64)) != 0 }

// seq is the recipient number of good row n, which is not a duplicate.
func (b *bulkImport) seq(n uint64) int64 {
	below := b.dup[n/64] & (1<<(n%64) - 1)
	return int64(n-b.dupBefore[n/64]-uint64(bits.OnesCount64(below))) + 1
}

// index is pass 3.
func (b *bulkImport) index(ctx context.Context) error {
	r := bufio.NewReaderSize(b.byTag.reader(), rowsBlock)
	tags := make([]byte, 0, importIndexBatch*RecipientTagSize)
	seqs := make([]int64, 0, importIndexBatch)
	flush := func() error {
		if len(seqs) == 0 {
			return nil
		}
		err := b.imp.s.store.Update(ctx, func(tx Tx) error { return tx.AppendRecipientIndex(b.imp.set.ID, tags, seqs) })
		tags, seqs = tags[:0], seqs[:0]
		return err
	}
	var e [tagEntry]byte
	for {
		if _, err := io.ReadFull(r, e[:]); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("read the import's index: %w", err)
		}
		tags = append(tags, e[:RecipientTagSize]...)
		seqs = append(seqs, b.seq(binary.BigEndian.Uint64(e[RecipientTagSize:])))
		if len(seqs) == cap(seqs) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// records is pass 4.
func (b *bulkImport) records(ctx context.Context) error {
	imp, rep := b.imp, b.imp.rep
	r := bufio.NewReaderSize(b.rows.reader(), rowsBlock)
	jurisdictions := make([]int64, len(b.jurisdictions.names))
	locales := make([]int64, len(b.localeDict.names))
	slab := make([]byte, 0, importRecordBatch+64<<10)
	var sealed [][]byte
	first := int64(1)
	flush := func() error {
		if len(sealed) == 0 {
			return nil
		}
		err := imp.s.store.Update(ctx, func(tx Tx) error { return tx.AppendRecipientRecords(imp.set.ID, first, sealed) })
		first += int64(len(sealed))
		slab, sealed = slab[:0], sealed[:0]
		return err
	}
	var plain []byte
	for n := uint64(0); n < uint64(b.n); n++ {
		jur, err1 := binary.ReadUvarint(r)
		loc, err2 := binary.ReadUvarint(r)
		size, err3 := binary.ReadUvarint(r)
		if err := errors.Join(err1, err2, err3); err != nil {
			return fmt.Errorf("read the import's rows: %w", err)
		}
		if uint64(cap(plain)) < size {
			plain = make([]byte, size)
		}
		plain = plain[:size]
		if _, err := io.ReadFull(r, plain); err != nil {
			return fmt.Errorf("read the import's rows: %w", err)
		}
		if b.isDup(n) {
			continue
		}
		seq := b.seq(n)
		jurisdictions[jur]++
		locales[loc]++
		imp.hash.Write(plain)
		imp.hash.Write([]byte{'\n'})
		if len(slab)+len(plain)+64 > cap(slab) {
			if err := flush(); err != nil {
				return err
			}
		}
		start := len(slab)
		slab = b.codec.Seal(slab, imp.set.ID, seq, plain)
		sealed = append(sealed, slab[start:len(slab):len(slab)])
	}
	if err := flush(); err != nil {
		return err
	}
	rep.Imported = first - 1
	for id, c := range jurisdictions {
		if c > 0 {
			imp.counts[b.jurisdictions.names[id]] = c
		}
	}
	for id, c := range locales {
		if c > 0 {
			imp.locales[b.localeDict.names[id]] = c
		}
	}
	if rep.Imported+rep.Duplicates != b.n {
		return fmt.Errorf("import: %d people and %d duplicates from %d rows", rep.Imported, rep.Duplicates, b.n)
	}
	return nil
}
