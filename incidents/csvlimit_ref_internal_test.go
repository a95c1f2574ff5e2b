package incidents

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// The limiter passes on runs of plain bytes in bulk; what it passes on and
// which records it cuts are what the byte-by-byte version (refLimiter,
// below) did, for any input, limit and buffer size.
func TestRecordLimiterMatchesByteByByte(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20_000 {
		in := make([]byte, r.IntN(200))
		for i := range in {
			in[i] = "ab,\"\n\r x"[r.IntN(8)]
		}
		max, size := 1+r.IntN(40), 16+r.IntN(40)
		l := newRecordLimiter(bufio.NewReaderSize(bytes.NewReader(in), size), max)
		ref := newRefLimiter(bufio.NewReaderSize(bytes.NewReader(in), size), max)
		got, _ := io.ReadAll(l)
		want, _ := io.ReadAll(ref)
		if !bytes.Equal(got, want) || len(l.cut) != len(ref.cut) {
			t.Fatalf("max %d, buffer %d, %q: got %q (cuts %v), want %q (cuts %v)", max, size, in, got, l.cut, want, ref.cut)
		}
		for i := range l.cut {
			if l.cut[i] != ref.cut[i] {
				t.Fatalf("%q: cuts %v, want %v", in, l.cut, ref.cut)
			}
		}
	}
}

type refLimiter struct {
	r   *bufio.Reader
	max int
	err error // from r, returned once the bytes before it are passed on

	line     int64 // line of the input the next byte is on (from 1)
	recStart int64 // line the current record started on
	recLen   int
	inQuotes bool
	skipping bool
	pending  []byte  // bytes to pass on before reading more
	cut      []int64 // start lines of cut records not yet claimed
}

func newRefLimiter(r *bufio.Reader, max int) *refLimiter {
	return &refLimiter{r: r, max: max, line: 1}
}

// Read implements io.Reader.
func (l *refLimiter) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.pending) > 0 {
			p[n] = l.pending[0]
			l.pending = l.pending[1:]
			n++
			continue
		}
		if l.err != nil {
			break
		}
		if n > 0 && l.r.Buffered() == 0 {
			break // pass on what there is rather than wait for more
		}
		b, err := l.r.ReadByte()
		if err != nil {
			l.err = err
			break
		}
		if l.skipping {
			switch b {
			case '"':
				l.inQuotes = !l.inQuotes
			case '\n':
				l.line++
				if !l.inQuotes {
					// The end of the cut record: its newline was passed on
					// when it was cut.
					l.skipping, l.recLen = false, 0
					continue
				}
				p[n] = '\n'
				n++
			}
			continue
		}
		if b == '\n' && !l.inQuotes {
			l.line++
			l.recLen = 0
			p[n] = b
			n++
			continue
		}
		if l.recLen == 0 {
			l.recStart = l.line
		}
		if l.recLen >= l.max {
			l.cut = append(l.cut, l.recStart)
			l.skipping = true
			if l.inQuotes {
				l.pending = append(l.pending, '"')
			}
			l.pending = append(l.pending, '\n')
			// b itself is skipped, with the state it changes.
			switch b {
			case '"':
				l.inQuotes = !l.inQuotes
			case '\n':
				l.line++
				l.pending = append(l.pending, '\n')
			}
			continue
		}
		l.recLen++
		switch b {
		case '"':
			l.inQuotes = !l.inQuotes
		case '\n':
			l.line++
		}
		p[n] = b
		n++
	}
	if n > 0 {
		return n, nil
	}
	return 0, l.err
}
