package boltstore

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// mappedKB is how many KiB of the file at path the process has resident
// through its mappings (/proc/self/smaps).
func mappedKB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	defer f.Close()
	total, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) >= 5 && strings.Contains(fields[0], "-") {
			in = len(fields) >= 6 && fields[5] == path
			continue
		}
		if in && strings.HasPrefix(line, "Rss:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			total += kb
		}
	}
	return total
}

// A walk that read many records leaves their pages resident in the process
// until ReleaseMappedPages gives them back; the data reads the same after.
func TestReleaseMappedPagesShrinksWhatTheProcessHolds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "breachbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := s.SlackState()
	rec := []byte(strings.Repeat("x", 2000))
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSlackPosts)
		for i := range 4000 {
			if err := b.Put(fmt.Appendf(nil, "k%05d", i), rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	if err := st.PostRecords(func(_ string, v []byte) error {
		for _, c := range v {
			sum += int(c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	before := mappedKB(t, path)
	if before < 4000 {
		t.Fatalf("after reading 8 MB of records, only %d KiB of the file are resident: the test cannot tell", before)
	}
	if err := st.ReleaseMappedPages(); err != nil {
		t.Fatal(err)
	}
	after := mappedKB(t, path)
	if after > before/4 {
		t.Errorf("resident pages of the database: %d KiB before, %d KiB after release; want most given back", before, after)
	}
	got, err := st.PostRecord("k03999")
	if err != nil || string(got) != string(rec) {
		t.Errorf("record after release = %d bytes, %v; want the record as written", len(got), err)
	}
}
