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
// Passes 3 and 4 write into the staging list in transactions of a few
// megabytes, committed by a goroutine of their own (batchWriter) while the
// next batch is prepared; pass 1 parses in a goroutine of its own. Only
// commit makes the staging list the incident's.
const (
	importPartitions  = 256
	partitionBlock    = 340 * tagEntry // whole entries: a block is decoded on its own
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
		jurisdictions: dict{ids: map[string]uint32{}}, localeDict: dict{ids: map[string]uint32{}}, profiles: dict{ids: map[string]uint32{}}}
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
	w := newBatchWriter(ctx, imp.s.store, imp.set.ID)
	defer w.close()
	if err := b.index(w); err != nil {
		return err
	}
	if err := b.records(w); err != nil {
		return err
	}
	return w.close()
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
	// had; dupBefore[g] counts those in dup[:g*dupGroup].
	dup, dupBefore []uint64
	// jurisdictions and locales seen, as small numbers on the rows stream.
	jurisdictions, localeDict dict
	// profiles are the ProfileKeys seen (what decides a notice's content).
	profiles dict
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

// parsedRow is a row as the reader returned it.
type parsedRow struct {
	r   Recipient
	err error
}

// parseRows reads the file in its own goroutine, so that parsing and the
// rest of pass 1 use both cores: it sends the rows in batches, in order,
// until the end or a file-level error (the last row of the last batch),
// and stops early when stop is closed. It closes rows when it ends.
func (b *bulkImport) parseRows(rows chan<- []parsedRow, free <-chan []parsedRow, stop <-chan struct{}) {
	defer close(rows)
	batch := make([]parsedRow, 0, 512)
	for {
		r, err := b.imp.reader.Next()
		end := errors.Is(err, io.EOF)
		if !end {
			batch = append(batch, parsedRow{r, err})
		}
		var rowErr *RowError
		fileErr := err != nil && !end && !errors.As(err, &rowErr)
		if end || fileErr || len(batch) == cap(batch) {
			select {
			case rows <- batch:
			case <-stop:
				return
			}
			if end || fileErr {
				return
			}
			select {
			case batch = <-free:
				batch = batch[:0]
			default:
				batch = make([]parsedRow, 0, 512)
			}
		}
	}
}

// read is pass 1.
func (b *bulkImport) read(ctx context.Context) error {
	rows, free, stop := make(chan []parsedRow, 4), make(chan []parsedRow, 8), make(chan struct{})
	go b.parseRows(rows, free, stop)
	defer func() {
		close(stop)
		for range rows { // until the parser has ended
		}
	}()
	rep := b.imp.rep
	var plain, row, key, entry []byte
	for batch := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range batch {
			r, err := &batch[i].r, batch[i].err
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
			plain = appendRecipientJSON(plain[:0], r)
			key = append(key[:0], r.Country...)
			if r.Country == "" {
				key = append(key, JurisdictionUnknown...)
			} else if r.Region != "" {
				key = append(append(key, '-'), r.Region...)
			}
			row = binary.AppendUvarint(row[:0], b.jurisdictions.id(key))
			if len(r.DataCategories) == 0 {
				key = append(append(append(key, '|'), r.Locale...), '|')
				row = binary.AppendUvarint(row, b.profiles.id(key))
			} else {
				row = binary.AppendUvarint(row, b.profiles.id([]byte(ProfileKey(*r))))
			}
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
		clear(batch) // the people's data is not kept for the next batch
		select {
		case free <- batch:
		default:
		}
	}
	return b.rows.flush()
}

// tagRow is an index tag (as two big-endian halves, so it sorts as
// numbers) and the row it is of.
type tagRow struct{ hi, lo, row uint64 }

// dedupe is pass 2.
func (b *bulkImport) dedupe(ctx context.Context) error {
	b.dup = make([]uint64, (b.n+63)/64)
	b.byTag = newScratchStream(b.file, rowsBlock)
	var buf []byte
	var entries []tagRow
	for p, part := range b.parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := part.flush(); err != nil {
			return err
		}
		entries = entries[:0]
		for _, ref := range part.blocks {
			plain, err := b.file.open(ref, buf)
			if err != nil {
				return err
			}
			for e := plain; len(e) >= tagEntry; e = e[tagEntry:] {
				entries = append(entries, tagRow{binary.BigEndian.Uint64(e), binary.BigEndian.Uint64(e[8:]), binary.BigEndian.Uint64(e[16:])})
			}
			buf = plain[:0]
		}
		b.parts[p] = nil
		slices.SortFunc(entries, func(x, y tagRow) int {
			if c := cmp.Compare(x.hi, y.hi); c != 0 {
				return c
			}
			if c := cmp.Compare(x.lo, y.lo); c != 0 {
				return c
			}
			return cmp.Compare(x.row, y.row)
		})
		var out [tagEntry]byte
		for i, e := range entries {
			if i > 0 && e.hi == entries[i-1].hi && e.lo == entries[i-1].lo {
				b.dup[e.row/64] |= 1 << (e.row % 64)
				continue
			}
			binary.BigEndian.PutUint64(out[:], e.hi)
			binary.BigEndian.PutUint64(out[8:], e.lo)
			binary.BigEndian.PutUint64(out[16:], e.row)
			if _, err := b.byTag.Write(out[:]); err != nil {
				return err
			}
		}
	}
	b.imp.rep.Duplicates = b.countDups()
	return b.byTag.flush()
}

// countDups fills dupBefore from dup and returns the number of duplicates.
func (b *bulkImport) countDups() int64 {
	b.dupBefore = make([]uint64, (len(b.dup)+dupGroup-1)/dupGroup)
	var before uint64
	for w, bits64 := range b.dup {
		if w%dupGroup == 0 {
			b.dupBefore[w/dupGroup] = before
		}
		before += uint64(bits.OnesCount64(bits64))
	}
	return int64(before)
}

// dupGroup is how many words of dup one count of dupBefore covers.
const dupGroup = 8

// isDup reports whether good row n repeats an earlier row's address.
func (b *bulkImport) isDup(n uint64) bool { return b.dup[n/64]&(1<<(n%64)) != 0 }

// seq is the recipient number of good row n, which is not a duplicate.
func (b *bulkImport) seq(n uint64) int64 {
	w := n / 64
	dups := b.dupBefore[w/dupGroup] + uint64(bits.OnesCount64(b.dup[w]&(1<<(n%64)-1)))
	for g := w - w%dupGroup; g < w; g++ {
		dups += uint64(bits.OnesCount64(b.dup[g]))
	}
	return int64(n-dups) + 1
}

// index is pass 3.
func (b *bulkImport) index(w *batchWriter) error {
	r := bufio.NewReaderSize(b.byTag.reader(), rowsBlock)
	wb, err := w.get()
	if err != nil {
		return err
	}
	var e [tagEntry]byte
	for {
		if _, err := io.ReadFull(r, e[:]); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("read the import's index: %w", err)
		}
		if cap(wb.seqs) == 0 {
			wb.tags, wb.seqs = make([]byte, 0, importIndexBatch*RecipientTagSize), make([]int64, 0, importIndexBatch)
		}
		wb.tags = append(wb.tags, e[:RecipientTagSize]...)
		wb.seqs = append(wb.seqs, b.seq(binary.BigEndian.Uint64(e[RecipientTagSize:])))
		if len(wb.seqs) == importIndexBatch {
			if err := w.put(wb); err != nil {
				return err
			}
			if wb, err = w.get(); err != nil {
				return err
			}
		}
	}
	return w.put(wb)
}

// records is pass 4.
func (b *bulkImport) records(w *batchWriter) error {
	imp, rep := b.imp, b.imp.rep
	r := bufio.NewReaderSize(b.rows.reader(), rowsBlock)
	jurisdictions := make([]int64, len(b.jurisdictions.names))
	locales := make([]int64, len(b.localeDict.names))
	profiles := make([]int64, len(b.profiles.names))
	wb, err := w.get()
	if err != nil {
		return err
	}
	var plain []byte
	for n := uint64(0); n < uint64(b.n); n++ {
		jur, err1 := binary.ReadUvarint(r)
		prof, err4 := binary.ReadUvarint(r)
		loc, err2 := binary.ReadUvarint(r)
		size, err3 := binary.ReadUvarint(r)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
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
		profiles[prof]++
		locales[loc]++
		rep.Imported++
		imp.hash.Write(plain)
		imp.hash.Write([]byte{'\n'})
		if cap(wb.slab) == 0 {
			wb.slab = make([]byte, 0, importRecordBatch+64<<10)
		}
		if len(wb.sealed) > 0 && len(wb.slab)+len(plain)+64 > cap(wb.slab) {
			if err := w.put(wb); err != nil {
				return err
			}
			if wb, err = w.get(); err != nil {
				return err
			}
		}
		if len(wb.sealed) == 0 {
			wb.first = seq
		}
		start := len(wb.slab)
		wb.slab = b.codec.Seal(wb.slab, imp.set.ID, seq, plain)
		wb.sealed = append(wb.sealed, wb.slab[start:len(wb.slab):len(wb.slab)])
	}
	if err := w.put(wb); err != nil {
		return err
	}
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
	for id, c := range profiles {
		if c > 0 {
			if imp.profiles == nil {
				imp.profiles = map[string]int64{}
			}
			imp.profiles[b.profiles.names[id]] = c
		}
	}
	if rep.Imported+rep.Duplicates != b.n {
		return fmt.Errorf("import: %d people and %d duplicates from %d rows", rep.Imported, rep.Duplicates, b.n)
	}
	return nil
}

// writeBatch is what one transaction appends to the staging list: index
// entries (tags and their recipients' numbers) or sealed records (numbered
// from first).
type writeBatch struct {
	tags   []byte
	seqs   []int64
	slab   []byte   // holds the sealed records
	sealed [][]byte // in slab
	first  int64
}

// batchWriter commits an import's batches in order, each in its own
// transaction, in a goroutine of its own, so that the next batch is read
// and sealed while one commits. There are two batches: get one, fill it,
// give it to put, and it comes back to get once committed. The import
// that starts it ends it with close, which waits for the last commit.
type batchWriter struct {
	ctx    context.Context
	store  Store
	set    string
	jobs   chan *writeBatch
	free   chan *writeBatch
	done   chan struct{}
	err    error // set before done is closed
	closed bool
}

func newBatchWriter(ctx context.Context, store Store, set string) *batchWriter {
	w := &batchWriter{ctx: ctx, store: store, set: set, jobs: make(chan *writeBatch), free: make(chan *writeBatch, 2), done: make(chan struct{})}
	w.free <- &writeBatch{}
	w.free <- &writeBatch{}
	go w.run()
	return w
}

func (w *batchWriter) run() {
	defer close(w.done)
	for wb := range w.jobs {
		err := w.store.Update(w.ctx, func(tx Tx) error {
			if len(wb.seqs) > 0 {
				if err := tx.AppendRecipientIndex(w.set, wb.tags, wb.seqs); err != nil {
					return err
				}
			}
			if len(wb.sealed) > 0 {
				return tx.AppendRecipientRecords(w.set, wb.first, wb.sealed)
			}
			return nil
		})
		if err != nil {
			w.err = err
			return
		}
		clear(wb.sealed)
		wb.tags, wb.seqs, wb.slab, wb.sealed = wb.tags[:0], wb.seqs[:0], wb.slab[:0], wb.sealed[:0]
		w.free <- wb
	}
}

// stopped is the error once the writer stopped.
func (w *batchWriter) stopped() error {
	if w.err != nil {
		return w.err
	}
	return errors.New("import: the batch writer is closed")
}

func (w *batchWriter) get() (*writeBatch, error) {
	select {
	case wb := <-w.free:
		return wb, nil
	case <-w.done:
		return nil, w.stopped()
	}
}

func (w *batchWriter) put(wb *writeBatch) error {
	if len(wb.seqs) == 0 && len(wb.sealed) == 0 {
		w.free <- wb
		return nil
	}
	select {
	case w.jobs <- wb:
		return nil
	case <-w.done:
		return w.stopped()
	}
}

// close waits for the batches put so far to be committed.
func (w *batchWriter) close() error {
	if !w.closed {
		w.closed = true
		close(w.jobs)
	}
	<-w.done
	return w.err
}
