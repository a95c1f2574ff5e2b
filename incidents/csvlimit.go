package incidents

import (
	"bufio"
	"bytes"
	"io"
)

// MaxImportRecord is the longest row of an import CSV, in bytes. A longer
// row is rejected by its number and never held in memory.
const MaxImportRecord = 64 << 10

// recordLimiter sits between the input and encoding/csv, which would
// otherwise hold a whole record however long it is. It tracks records as
// CSV frames them (a newline outside double quotes ends one) and cuts any
// record longer than max: it ends what csv has seen of it (closing an open
// quote) and skips the rest of the input record without keeping it,
// passing on only the newlines inside it, so csv's line numbers stay those
// of the file. The start lines of the cut records are kept until the
// reader claims them (wasCut), so the truncated record csv returns is
// reported as too long, never imported.
type recordLimiter struct {
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

func newRecordLimiter(r *bufio.Reader, max int) *recordLimiter {
	return &recordLimiter{r: r, max: max, line: 1}
}

// Read implements io.Reader.
func (l *recordLimiter) Read(p []byte) (int, error) {
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
		if !l.skipping && l.recLen < l.max && l.r.Buffered() > 0 {
			// A run of bytes that are neither quotes nor newlines changes
			// nothing but the record's length: pass it on at once.
			buf, _ := l.r.Peek(min(l.r.Buffered(), len(p)-n, l.max-l.recLen))
			if i := bytes.IndexByte(buf, '\n'); i >= 0 {
				buf = buf[:i]
			}
			if i := bytes.IndexByte(buf, '"'); i >= 0 {
				buf = buf[:i]
			}
			if len(buf) > 0 {
				if l.recLen == 0 {
					l.recStart = l.line
				}
				n += copy(p[n:], buf)
				l.recLen += len(buf)
				l.r.Discard(len(buf))
				continue
			}
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

// wasCut reports whether the record starting on line was cut, forgetting
// every cut record before it.
func (l *recordLimiter) wasCut(line int64) bool {
	for len(l.cut) > 0 && l.cut[0] < line {
		l.cut = l.cut[1:]
	}
	if len(l.cut) > 0 && l.cut[0] == line {
		l.cut = l.cut[1:]
		return true
	}
	return false
}

var _ io.Reader = (*recordLimiter)(nil)
