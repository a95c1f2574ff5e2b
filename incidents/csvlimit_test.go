package incidents_test

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

// patternReader yields n bytes repeating pattern, never holding them.
type patternReader struct {
	pattern string
	n       int64
	off     int
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.pattern[r.off]
		r.off = (r.off + 1) % len(r.pattern)
	}
	r.n -= int64(len(p))
	return len(p), nil
}

// TestALongRowIsRejectedByNumberInBoundedMemory reads a file with a 100 MB
// field, plain and quoted across a million lines: each such row is
// rejected by its number, the rows after it are read with the right row and
// line numbers, and reading costs a few MB, not the field's size.
func TestALongRowIsRejectedByNumberInBoundedMemory(t *testing.T) {
	const field = 100 << 20
	src := io.MultiReader(
		strings.NewReader("email,name\na@example.com,A\nb@example.com,"),
		&patternReader{pattern: "x", n: field},
		strings.NewReader("\nc@example.com,C\nd@example.com,\""),
		&patternReader{pattern: "y\n", n: 2_000_000}, // a quoted field over a million lines
		&patternReader{pattern: "z", n: field},
		strings.NewReader("\"\ne@example.com,E\nnot-an-address,F\n"),
	)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := incidents.NewCSVReader(src, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var people []string
	var rowErrs []incidents.RowError
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *incidents.RowError
		if errors.As(err, &re) {
			rowErrs = append(rowErrs, *re)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, p.Email)
	}
	runtime.ReadMemStats(&after)
	if diff := cmp.Diff([]string{"a@example.com", "c@example.com", "e@example.com"}, people); diff != "" {
		t.Errorf("people read (-want +got):\n%s", diff)
	}
	const tooLong = "the row is longer than 64.0 KiB; it was not read (is a column missing its closing quote?)"
	want := []incidents.RowError{
		{Row: 3, Line: 3, Reason: tooLong},
		{Row: 5, Line: 5, Reason: tooLong},
		{Row: 7, Line: 1_000_007, Reason: "the e-mail address has no @ or nothing before or after it"},
	}
	if diff := cmp.Diff(want, rowErrs); diff != "" {
		t.Errorf("row errors (-want +got):\n%s", diff)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("reading 200 MB of long rows allocated %d MB; want a bound of a few MB", alloc>>20)
	}
}

// TestAFileWithoutAHeaderRowRepeatsNoValue: the first row is a person, not
// column names; the error says so without repeating the address or name.
func TestAFileWithoutAHeaderRowRepeatsNoValue(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"alice.secret@example.com,Alice Secretname,US,CA\nbob@example.com,Bob,US,NY\n",
		"Alice Secretname,US\n",
	} {
		_, err := readAll(t, src, 0)
		if err == nil {
			t.Fatalf("%q: no error", src)
		}
		msg := incidents.ErrorMessage(err) + " " + incidents.ErrorHint(err) + " " + err.Error()
		for _, value := range []string{"alice", "Alice", "Secretname", "example.com", "US,", "CA"} {
			if strings.Contains(msg, value) {
				t.Errorf("the error repeats %q: %s", value, msg)
			}
		}
		if !strings.Contains(msg, "header row naming the columns") {
			t.Errorf("the error does not say a header row is needed: %s", msg)
		}
	}
}
