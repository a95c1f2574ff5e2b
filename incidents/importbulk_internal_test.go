package incidents

import (
	"bytes"
	"encoding/json"
	"io"
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
	gotB, _, err := b.readAll(nil, nil)
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
