package incidents

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzRecordLimiter: records within the limit pass unchanged; with cuts,
// the output keeps the input's lines (one more at most, when the input
// ends inside a cut record) and holds no record longer than the limit plus
// the closing quote and newline.
func FuzzRecordLimiter(f *testing.F) {
	for _, seed := range []string{"a,b\nc,d\n", "a,\"b\nc\"\n0123456789abcdef\n", "\"\"\"x\"\"\"\n", "x\"y\nz\n", strings.Repeat("q", 40)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		const max = 8
		l := newRecordLimiter(bufio.NewReaderSize(strings.NewReader(in), 16), max)
		out, err := io.ReadAll(l)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.cut) == 0 {
			if string(out) != in {
				t.Fatalf("no cut, but %q became %q", in, out)
			}
			return
		}
		inLines, outLines := strings.Count(in, "\n"), bytes.Count(out, []byte("\n"))
		if outLines != inLines && outLines != inLines+1 {
			t.Fatalf("%d lines became %d: %q -> %q", inLines, outLines, in, out)
		}
		// Records as the limiter frames them: none is longer than allowed.
		quoted, n := false, 0
		for _, b := range out {
			if b == '\n' && !quoted {
				n = 0
				continue
			}
			if b == '"' {
				quoted = !quoted
			}
			if n++; n > max+1 {
				t.Fatalf("a record of more than %d bytes passed: %q -> %q", max, in, out)
			}
		}
	})
}
