package incidents

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// The fast encoder writes each recipient byte for byte as json.Marshal
// does: the stored records and the list's hash stay what they were.
func TestAppendRecipientJSONIsJSONMarshal(t *testing.T) {
	texts := []string{"", "Anna", "Doe, Jane", "Müller", "O'Brien", `say "hi"`, `back\slash`, "<b>&amp;</b>", "tab\there",
		"line\u2028sep", "para\u2029", "bad\xffutf8", "emoji 🙂", "\x7f", "日本語"}
	for _, name := range texts {
		for _, cats := range [][]string{nil, {"email"}, {"email", name}, {}} {
			r := Recipient{Email: "a.b+c@example.com", Name: name, Country: "US", Region: "CA", Locale: "en-US", DataCategories: cats}
			want, _ := json.Marshal(r)
			if got := appendRecipientJSON([]byte("prefix"), &r); string(got) != "prefix"+string(want) {
				t.Errorf("%q: got %s, want %s", name, got[6:], want)
			}
			r = Recipient{Email: "x@y.z", Locale: name}
			want, _ = json.Marshal(r)
			if got := appendRecipientJSON(nil, &r); string(got) != string(want) {
				t.Errorf("locale %q: got %s, want %s", name, got, want)
			}
		}
	}
}

// The import's working file holds the rows only encrypted, and is gone
// from its folder from the start; the streams read back what was written.
func TestScratchFileIsEncryptedAndUnlinked(t *testing.T) {
	dir := t.TempDir()
	sf, err := newScratchFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.close()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the working file has a name in %s", dir)
	}
	a, b := newScratchStream(sf, 100), newScratchStream(sf, 64)
	var wantA, wantB bytes.Buffer
	for i := range 500 {
		row := []byte(strings.Repeat("alice@example.com,Alice ", i%5+1))
		a.Write(row)
		wantA.Write(row)
		b.Write(row[:i%7])
		wantB.Write(row[:i%7])
	}
	gotA, err := io.ReadAll(func() io.Reader { a.flush(); return a.reader() }())
	if err != nil || !bytes.Equal(gotA, wantA.Bytes()) {
		t.Fatalf("stream a read back %d bytes (%v), want %d", len(gotA), err, wantA.Len())
	}
	b.flush()
	gotB, err := io.ReadAll(b.reader())
	if err != nil || !bytes.Equal(gotB, wantB.Bytes()) {
		t.Fatalf("stream b read back %d bytes (%v), want %d", len(gotB), err, wantB.Len())
	}
	raw := make([]byte, sf.size)
	if _, err := sf.f.ReadAt(raw, 0); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("alice")) || bytes.Contains(raw, []byte("example")) {
		t.Error("the working file holds the rows in clear")
	}
	// A changed block is refused, not read as other rows.
	off := a.blocks[0].off
	raw[off+10] ^= 1
	sf.f.WriteAt(raw[off:off+11], off)
	if _, err := io.ReadAll(a.reader()); err == nil {
		t.Error("a changed working file was read")
	}
}

// A row's recipient number is its number among the good rows less the
// duplicates before it, for any pattern of duplicates.
func TestRecipientNumbersSkipDuplicates(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int64{1, 63, 64, 65, 511, 512, 513, 5000} {
		for _, rate := range []int{0, 1, 2, 30, 100} {
			b := &bulkImport{n: n}
			b.dup = make([]uint64, (n+63)/64)
			isDup := make([]bool, n)
			for i := int64(1); i < n; i++ {
				if r.IntN(100) < rate {
					isDup[i] = true
					b.dup[i/64] |= 1 << (i % 64)
				}
			}
			dups := b.countDups()
			seq := int64(0)
			for i := range n {
				if b.isDup(uint64(i)) != isDup[i] {
					t.Fatalf("n %d: row %d duplicate %v", n, i, !isDup[i])
				}
				if isDup[i] {
					continue
				}
				seq++
				if got := b.seq(uint64(i)); got != seq {
					t.Fatalf("n %d, %d%% duplicates: row %d is recipient %d, want %d", n, rate, i, got, seq)
				}
			}
			if seq+dups != n {
				t.Errorf("n %d: %d recipients and %d duplicates", n, seq, dups)
			}
		}
	}
}
