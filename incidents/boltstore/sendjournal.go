package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// The send journal is a file beside the database (DB + ".sendjournal"),
// and the one before it (DB + ".sendjournal.prev", see Rotate):
// a header, then fixed-size records: one when a message is about to be
// handed over (DATA), one when the server accepted it (250). Records are
// written with one write(2) each, never synced: after the process is
// killed the kernel still has them, so a restart knows which claimed
// recipients reached DATA and which of those the server accepted. After the machine itself
// restarted, unsynced writes may be lost; the header names the boot it was
// written in, and notes from another boot are not trusted (every recipient
// in flight is then in doubt).
//
//	header: "BBSENDJ1" + boot id (36 bytes) + 4 zero bytes  (48 bytes)
//	record: outbox hash (8) + recipient number (8) + attempt (4) +
//	        kind ('D' data started, 'A' accepted) + "BJ" + time (unix ns, 8)  (32 bytes)
const (
	journalMagic  = "BBSENDJ1"
	journalHeader = 48
	journalRecord = 32
	recordMagic   = "BJ"
	kindData      = 'D'
	kindAccepted  = 'A'
)

// bootID names the running boot of the machine ("" if unknown: the
// journal is then never trusted after a restart). A variable for tests.
var bootID = func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// SendJournal is the send journal of a database; it implements
// incidents.SendJournal. Close it when done.
type SendJournal struct {
	path string
	mu   sync.Mutex
	f    *os.File
	rec  [journalRecord]byte
}

var _ incidents.SendJournal = (*SendJournal)(nil)

// SendJournal returns the send journal beside the database. Only the
// process holding the database uses it.
func (s *Store) SendJournal() *SendJournal {
	return &SendJournal{path: s.path + ".sendjournal"}
}

// Path returns the journal file's path.
func (j *SendJournal) Path() string { return j.path }

func outboxHash(incident, notice string) uint64 {
	// FNV-1a, without allocating.
	h := uint64(14695981039346656037)
	for i := 0; i < len(incident); i++ {
		h = (h ^ uint64(incident[i])) * 1099511628211
	}
	h = (h ^ 0) * 1099511628211
	for i := 0; i < len(notice); i++ {
		h = (h ^ uint64(notice[i])) * 1099511628211
	}
	return h
}

func header() []byte {
	h := make([]byte, journalHeader)
	copy(h, journalMagic)
	copy(h[8:44], bootID())
	return h
}

// open opens the file for appending. A new file is made whole before it
// takes the journal's name: written with its header under a temporary
// name, then renamed (atomic), so a kill can never leave a journal without
// its header, which a restart would have to distrust.
func (j *SendJournal) open() error {
	if j.f != nil {
		return nil
	}
	st, err := os.Stat(j.path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && st.Size() == 0 {
		err = j.replace(false)
	}
	if err != nil {
		return fmt.Errorf("send journal %s: %w", j.path, err)
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open send journal: %w", err)
	}
	j.f = f
	return nil
}

// replace puts a journal holding only a header (this boot's) at the
// journal's path, atomically; with sync it is on disk before it returns.
func (j *SendJournal) replace(sync bool) error {
	tmp := j.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(header())
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, j.path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// DataStarted appends a record: one write, no sync.
func (j *SendJournal) DataStarted(incident, notice string, seq int64, attempt int) error {
	return j.append(kindData, incident, notice, seq, attempt, time.Time{})
}

// Accepted appends a record: one write, no sync.
func (j *SendJournal) Accepted(incident, notice string, seq int64, attempt int, at time.Time) error {
	return j.append(kindAccepted, incident, notice, seq, attempt, at)
}

func (j *SendJournal) append(kind byte, incident, notice string, seq int64, attempt int, at time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.open(); err != nil {
		return err
	}
	var ns int64
	if !at.IsZero() {
		ns = at.UnixNano()
	}
	binary.BigEndian.PutUint64(j.rec[0:8], outboxHash(incident, notice))
	binary.BigEndian.PutUint64(j.rec[8:16], uint64(seq))
	binary.BigEndian.PutUint32(j.rec[16:20], uint32(attempt))
	j.rec[20] = kind
	copy(j.rec[21:23], recordMagic)
	j.rec[23] = 0
	binary.BigEndian.PutUint64(j.rec[24:32], uint64(ns))
	if _, err := j.f.Write(j.rec[:]); err != nil {
		return fmt.Errorf("write send journal: %w", err)
	}
	return nil
}

func (j *SendJournal) prevPath() string { return j.path + ".prev" }

// Rotate starts a new file: the current one becomes the previous one,
// replacing the one before, whose notes are dropped. The sender rotates
// once every recipient noted in the dropped file is recorded in the store,
// so the journal stays small during a long send.
func (j *SendJournal) Rotate() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil {
		if err := j.f.Close(); err != nil {
			return fmt.Errorf("rotate send journal: %w", err)
		}
		j.f = nil
	}
	if err := os.Rename(j.path, j.prevPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotate send journal: %w", err)
	}
	return j.open()
}

// Reset empties the journal (a fresh header for this boot), synced. The
// previous file goes first, so a kill in between leaves notes of the state
// before the reset, never stale ones beside new ones.
func (j *SendJournal) Reset() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := os.Remove(j.prevPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reset send journal: %w", err)
	}
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
	if err := j.replace(true); err != nil {
		return fmt.Errorf("reset send journal: %w", err)
	}
	return j.open()
}

// Close closes the file.
func (j *SendJournal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

type journalKey struct {
	outbox  uint64
	seq     int64
	attempt uint32
}

// journalNotes implements incidents.JournalNotes.
type journalNotes struct {
	complete bool
	started  map[journalKey]struct{}
	accepted map[journalKey]time.Time
}

func (n *journalNotes) Complete() bool { return n.complete }

func (n *journalNotes) DataStarted(incident, notice string, seq int64, attempt int) bool {
	_, ok := n.started[journalKey{outboxHash(incident, notice), seq, uint32(attempt)}]
	return ok
}

func (n *journalNotes) Accepted(incident, notice string, seq int64, attempt int) (time.Time, bool) {
	at, ok := n.accepted[journalKey{outboxHash(incident, notice), seq, uint32(attempt)}]
	return at, ok
}

// Notes reads the journal (both files). A missing journal, or one
// written in another boot of the machine (or when the boot is unknown), is
// not complete.
func (j *SendJournal) Notes() (incidents.JournalNotes, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	notes := &journalNotes{complete: true, started: map[journalKey]struct{}{}, accepted: map[journalKey]time.Time{}}
	found := false
	for _, path := range []string{j.prevPath(), j.path} {
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read send journal: %w", err)
		}
		found = true
		notes.read(data)
	}
	notes.complete = notes.complete && found
	return notes, nil
}

// read adds the notes of one file.
func (n *journalNotes) read(data []byte) {
	if len(data) < journalHeader || string(data[:8]) != journalMagic {
		n.complete = false
		return
	}
	if boot := string(bytes.TrimRight(data[8:44], "\x00")); boot == "" || boot != bootID() {
		n.complete = false
	}
	// A torn last record (it cannot happen with one small write, but a
	// full disk might) is ignored: its message was not handed over.
	for rec := data[journalHeader:]; len(rec) >= journalRecord; rec = rec[journalRecord:] {
		if string(rec[21:23]) != recordMagic {
			n.complete = false
			continue
		}
		k := journalKey{binary.BigEndian.Uint64(rec[0:8]), int64(binary.BigEndian.Uint64(rec[8:16])), binary.BigEndian.Uint32(rec[16:20])}
		switch rec[20] {
		case kindData:
			n.started[k] = struct{}{}
		case kindAccepted:
			var at time.Time
			if ns := int64(binary.BigEndian.Uint64(rec[24:32])); ns != 0 {
				at = time.Unix(0, ns).UTC()
			}
			n.accepted[k] = at
		default:
			n.complete = false
		}
	}
}
