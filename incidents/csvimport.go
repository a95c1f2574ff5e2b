package incidents

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Import columns. Any other column is dropped and reported by name.
const (
	ColEmail          = "email"
	ColName           = "name"
	ColCountry        = "country"
	ColRegion         = "region"
	ColLocale         = "locale"
	ColDataCategories = "data_categories"
)

var importColumns = []string{ColEmail, ColName, ColCountry, ColRegion, ColLocale, ColDataCategories}

// headerAliases maps spellings seen in exports to the column they mean.
var headerAliases = map[string]string{
	"e_mail": ColEmail, "email_address": ColEmail, "mail": ColEmail,
	"full_name": ColName, "state": ColRegion, "province": ColRegion, "language": ColLocale,
	"data_category": ColDataCategories, "categories": ColDataCategories,
}

// DefaultMaxImportBytes caps an import file; bigger files are refused
// before anything is read.
const DefaultMaxImportBytes = 2 << 30

// RowError is one rejected row of an import. Reason never holds the row's
// personal data (no addresses, no names).
type RowError struct {
	// Row is the record number, counting the header as row 1 (as a
	// spreadsheet shows it); Line is the line of the file it starts on.
	Row    int64  `json:"row"`
	Line   int64  `json:"line"`
	Reason string `json:"reason"`
}

// CSVReader reads affected people from a CSV file with a header row, one
// record at a time in constant memory. Use NewCSVReader, then Next until
// io.EOF; rows that are wrong are reported by Next as *RowError and
// skipped, so reading goes on.
type CSVReader struct {
	src     *countingReader
	lim     *recordLimiter
	r       *csv.Reader
	col     map[string]int // column -> index
	fields  int
	dropped []string
	row     int64
	// categories, if set, is the allowed data categories (canonical spelling).
	categories []string
}

// countingReader fails once more than max bytes were read.
type countingReader struct {
	r   io.Reader
	n   int64
	max int64
}

var errTooBig = errors.New("too big")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n > c.max {
		return 0, errTooBig
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, errTooBig
	}
	return n, err
}

// NewCSVReader reads and checks the header. maxBytes caps the input (0:
// DefaultMaxImportBytes); categories, if not nil, are the data categories a
// row may name. Errors say what is wrong with the file as a whole.
func NewCSVReader(src io.Reader, maxBytes int64, categories []string) (*CSVReader, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxImportBytes
	}
	cr := &countingReader{r: src, max: maxBytes}
	br := bufio.NewReaderSize(cr, 64<<10)
	// A byte-order mark, as spreadsheet programs write, is not part of the
	// first column's name.
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	} else if b, err := br.Peek(2); err == nil && (bytes.Equal(b, []byte{0xFF, 0xFE}) || bytes.Equal(b, []byte{0xFE, 0xFF})) {
		return nil, Errorf(EINVALID, "the file is UTF-16; breachbot reads UTF-8 CSV").
			WithHint("save it as \"CSV UTF-8 (comma delimited)\" and import it again")
	}
	lim := newRecordLimiter(br, MaxImportRecord)
	r := csv.NewReader(lim)
	r.FieldsPerRecord = -1 // checked per row, so a ragged row is one row's error
	r.LazyQuotes = false
	r.ReuseRecord = true
	c := &CSVReader{src: cr, lim: lim, r: r, col: map[string]int{}, categories: categories}
	header, err := r.Read()
	c.row = 1
	switch {
	case c.cutRecord(err):
		return nil, Errorf(EINVALID, "the header row is longer than %s", humanBytes(MaxImportRecord)).
			WithHint("the first row must name the columns, e.g. email,name,country,region")
	case errors.Is(err, errTooBig):
		return nil, tooBig(maxBytes)
	case errors.Is(err, io.EOF):
		return nil, Errorf(EINVALID, "the file is empty").
			WithHint("export the affected people as CSV with a header row: email,name,country,region,locale,data_categories")
	case err != nil:
		return nil, Errorf(EINVALID, "the header row cannot be read: %s", csvReason(err)).WithCause(err).
			WithHint("the first row must name the columns, e.g. email,name,country,region")
	}
	c.fields = len(header)
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, Errorf(EINVALID, "the header row is not valid UTF-8").WithHint("save the file as UTF-8 CSV")
		}
		name := canonicalColumn(h)
		if alias, ok := headerAliases[name]; ok {
			name = alias
		}
		if !slices.Contains(importColumns, name) {
			if label := strings.TrimSpace(h); label != "" {
				c.dropped = append(c.dropped, truncate(label, 40))
			}
			continue
		}
		if _, dup := c.col[name]; dup {
			return nil, Errorf(EINVALID, "the header names the %s column twice", name).WithHint("keep one %s column", name)
		}
		c.col[name] = i
	}
	if _, ok := c.col[ColEmail]; !ok {
		if len(header) == 1 && strings.ContainsAny(header[0], ";\t") {
			return nil, Errorf(EINVALID, "the header has no email column: the file seems to use semicolons or tabs between columns").
				WithHint("save it as comma-separated CSV (\"CSV UTF-8 (comma delimited)\")")
		}
		// The first row may be a person (a file without a header row):
		// only the columns breachbot knows are named, never the cells.
		var known []string
		for _, name := range importColumns {
			if _, ok := c.col[name]; ok {
				known = append(known, name)
			}
		}
		has := fmt.Sprintf("none of its %d columns is one breachbot reads", len(header))
		if len(known) > 0 {
			has = "it has: " + strings.Join(known, ", ")
			if len(c.dropped) > 0 {
				has += fmt.Sprintf(" and %d other columns", len(c.dropped))
			}
		}
		return nil, Errorf(EINVALID, "the header has no email column (%s)", has).
			WithHint("the first row must be a header row naming the columns: email (the addresses), and optionally name, country, region, locale, data_categories")
	}
	return c, nil
}

func tooBig(max int64) error {
	return Errorf(EINVALID, "the file is larger than %s, the most breachbot imports at once", humanBytes(max)).
		WithHint("split it, or keep only the columns email,name,country,region,locale,data_categories")
}

// CheckImportSize refuses a file that is bigger than max (0:
// DefaultMaxImportBytes) before it is read.
func CheckImportSize(size, max int64) error {
	if max <= 0 {
		max = DefaultMaxImportBytes
	}
	if size > max {
		return Errorf(EINVALID, "the file is %s; the most breachbot imports at once is %s", humanBytes(size), humanBytes(max)).
			WithHint("split it, or keep only the columns email,name,country,region,locale,data_categories")
	}
	return nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func canonicalColumn(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(h)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// Dropped names the columns that are not imported (never stored).
func (c *CSVReader) Dropped() []string { return c.dropped }

// BytesRead is how much of the input has been consumed.
func (c *CSVReader) BytesRead() int64 { return c.src.n }

// Next returns the next recipient. A wrong row gives a *RowError (reading
// may go on); the end gives io.EOF; a file-level problem (too big, unreadable)
// gives an *Error with EINVALID, after which reading must stop.
func (c *CSVReader) Next() (Recipient, error) {
	rec, err := c.r.Read()
	if err != nil && !errors.Is(err, io.EOF) {
		c.row++
	}
	switch {
	case errors.Is(err, io.EOF):
		return Recipient{}, io.EOF
	case err != nil && c.cutRecord(err):
		// Checked before anything else: the cut record is a fragment.
		line := c.recordLine(err)
		return Recipient{}, &RowError{Row: c.row, Line: line, Reason: fmt.Sprintf("the row is longer than %s; it was not read (is a column missing its closing quote?)", humanBytes(MaxImportRecord))}
	case errors.Is(err, errTooBig):
		return Recipient{}, tooBig(c.src.max)
	case err != nil:
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Recipient{}, &RowError{Row: c.row, Line: int64(pe.StartLine), Reason: csvReason(err)}
		}
		return Recipient{}, Errorf(EINVALID, "reading the file failed at row %d: %w", c.row, err)
	}
	c.row++
	if c.cutRecord(nil) {
		return Recipient{}, &RowError{Row: c.row, Line: c.recordLine(nil), Reason: fmt.Sprintf("the row is longer than %s; it was not read (is a column missing its closing quote?)", humanBytes(MaxImportRecord))}
	}
	line, _ := c.r.FieldPos(0)
	bad := func(format string, args ...any) (Recipient, error) {
		return Recipient{}, &RowError{Row: c.row, Line: int64(line), Reason: fmt.Sprintf(format, args...)}
	}
	if len(rec) != c.fields {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			return bad("empty row")
		}
		return bad("the row has %d fields; the header has %d", len(rec), c.fields)
	}
	get := func(col string) (string, bool) {
		i, ok := c.col[col]
		if !ok {
			return "", true
		}
		v := rec[i]
		if !utf8.ValidString(v) {
			return "", false
		}
		return strings.TrimSpace(v), true
	}
	var r Recipient
	for _, col := range importColumns {
		v, ok := get(col)
		if !ok {
			return bad("the %s column is not valid UTF-8 (save the file as UTF-8 CSV)", col)
		}
		switch col {
		case ColEmail:
			addr, err := NormalizeAddress(v)
			if err != nil {
				return bad("%s", ErrorMessage(err))
			}
			r.Email = addr
		case ColName:
			if len(v) > maxRecipientName {
				return bad("the name is longer than %d characters", maxRecipientName)
			}
			r.Name = strings.Map(dropControl, v)
		case ColCountry:
			if v == "" {
				continue
			}
			u := strings.ToUpper(v)
			if !isCountryCode(u) {
				return bad("the country column is not a two-letter ISO code (DE, US, ...)")
			}
			r.Country = u
		case ColRegion:
			if v == "" {
				continue
			}
			u := strings.ToUpper(v)
			if cc, sub, ok := strings.Cut(u, "-"); ok {
				if r.Country != "" && cc != r.Country {
					return bad("the region column names a region of another country than the country column")
				}
				if r.Country == "" && isCountryCode(cc) {
					r.Country = cc
				}
				u = sub
			}
			if !isRegionCode(u) {
				return bad("the region column is not a subdivision code (CA, NY, BY, ...)")
			}
			if r.Country == "" {
				return bad("the region column is given without a country")
			}
			r.Region = u
		case ColLocale:
			if v == "" {
				continue
			}
			loc, ok := normalizeLocale(v)
			if !ok {
				return bad("the locale column is not a language tag (en, de-AT, ...)")
			}
			r.Locale = loc
		case ColDataCategories:
			for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == '|' }) {
				cat := strings.ToLower(strings.TrimSpace(part))
				if cat == "" {
					continue
				}
				if c.categories != nil {
					i := slices.IndexFunc(c.categories, func(s string) bool { return strings.EqualFold(s, cat) })
					if i < 0 {
						return bad("the data_categories column names an unknown category (known: %s)", strings.Join(c.categories, ", "))
					}
					cat = c.categories[i]
				}
				if !slices.Contains(r.DataCategories, cat) {
					r.DataCategories = append(r.DataCategories, cat)
				}
			}
		}
	}
	if r.Locale == "" {
		// Without a locale, a person is written to in the main language of
		// their country, where it has one (the default template locale
		// otherwise, and wherever the template lacks that language).
		r.Locale = countryLanguage[r.Country]
	}
	return r, nil
}

// countryLanguage is the language of countries with one main official
// language among those breachbot ships or is likely to be given templates
// for. Countries with several (CH, BE, CA, ...) are left out on purpose.
var countryLanguage = map[string]string{
	"DE": "de", "AT": "de", "LI": "de",
	"ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es", "PE": "es", "VE": "es", "EC": "es", "GT": "es",
	"CU": "es", "BO": "es", "DO": "es", "HN": "es", "PY": "es", "SV": "es", "NI": "es", "CR": "es", "PA": "es", "UY": "es",
	"FR": "fr", "MC": "fr", "IT": "it", "SM": "it", "NL": "nl", "PT": "pt", "BR": "pt", "PL": "pl", "SE": "sv",
	"DK": "da", "NO": "nb", "FI": "fi", "CZ": "cs", "SK": "sk", "HU": "hu", "RO": "ro", "GR": "el", "JP": "ja", "KR": "ko",
	"GB": "en", "US": "en", "AU": "en", "NZ": "en", "IE": "en",
}

func dropControl(r rune) rune {
	if r < ' ' || r == 0x7f {
		return -1
	}
	return r
}

func normalizeLocale(v string) (string, bool) {
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 {
		return "", false
	}
	parts[0] = strings.ToLower(parts[0])
	for i := 1; i < len(parts); i++ {
		if len(parts[i]) == 2 {
			parts[i] = strings.ToUpper(parts[i])
		}
	}
	loc := strings.Join(parts, "-")
	return loc, isLocaleTag(loc)
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			return fmt.Sprintf("a quote inside a field that is not quoted (line %d, column %d); quote the whole field and double inner quotes", pe.Line, pe.Column)
		case errors.Is(pe.Err, csv.ErrQuote):
			if pe.Line > pe.StartLine {
				return fmt.Sprintf("a quoted field opened on line %d is not closed properly (by line %d)", pe.StartLine, pe.Line)
			}
			return fmt.Sprintf("a quoted field is not closed properly (line %d, column %d)", pe.Line, pe.Column)
		}
		return fmt.Sprintf("line %d: %v", pe.Line, pe.Err)
	}
	return err.Error()
}

// Error implements error.
func (e *RowError) Error() string { return fmt.Sprintf("row %d: %s", e.Row, e.Reason) }

// recordLine is the line the record just read (or failed to parse) starts on.
func (c *CSVReader) recordLine(err error) int64 {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return int64(pe.StartLine)
	}
	line, _ := c.r.FieldPos(0)
	return int64(line)
}

// cutRecord reports whether the record just read (err: what Read returned)
// was cut for being longer than MaxImportRecord.
func (c *CSVReader) cutRecord(err error) bool {
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return false
		}
	}
	return c.lim.wasCut(c.recordLine(err))
}
