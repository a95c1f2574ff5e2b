package playbooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxFileSize caps the size of a playbook or regulations file; real ones are
// tens of kilobytes.
const maxFileSize = 1 << 20

// nodeBudget caps how many YAML nodes one file may make the decoder visit,
// counting every expansion of an alias, so that a file of nested aliases
// ("billion laughs") cannot make the loader run for ever.
const nodeBudget = 200_000

// maxDepth caps the nesting of conditions.
const maxDepth = 32

// errBudget is panicked by decoder.deref when the node budget runs out and
// recovered by decoder.run; it never leaves the package.
var errBudget = errors.New("budget exhausted")

// decoder walks a YAML node tree and collects Problems with positions. It
// never stops at the first problem.
type decoder struct {
	file   string
	probs  Problems
	notes  Problems
	budget int
}

func newDecoder(file string) *decoder { return &decoder{file: file, budget: nodeBudget} }

// run calls fn, turning an exhausted node budget or an unexpected panic into
// a problem, so that no input can crash the caller.
func (d *decoder) run(fn func()) {
	defer func() {
		r := recover()
		switch {
		case r == nil:
		case r == errBudget:
			d.probs = append(d.probs, Problem{File: d.file, Line: 1, Col: 1,
				Message: "the file is too large or expands too many aliases"})
		default:
			d.probs = append(d.probs, Problem{File: d.file, Line: 1, Col: 1,
				Message: fmt.Sprintf("internal error reading the file: %v", r)})
		}
	}()
	fn()
}

// errorf records a problem at n's position (the file's start if n is nil).
func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.probs = append(d.probs, Problem{File: d.file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

// notef records a note (a remark, not a fault) at n's position.
func (d *decoder) notef(n *yaml.Node, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.notes = append(d.notes, Problem{File: d.file, Line: line, Col: col, Message: fmt.Sprintf(format, args...), Note: true})
}

// parse reads data as exactly one YAML document and returns its root node, or
// nil after recording the problems.
func (d *decoder) parse(data []byte) *yaml.Node {
	if len(data) > maxFileSize {
		d.errorf(nil, "the file is %d bytes; the limit is %d", len(data), maxFileSize)
		return nil
	}
	var root *yaml.Node
	var err error
	func() {
		// yaml.v3 reports errors by panicking internally and recovering;
		// guard against any panic that might escape it.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("yaml: %v", r)
			}
		}()
		root, err = decodeOne(data)
	}()
	if err != nil {
		line, col, msg := locateSyntaxError(data, err)
		d.probs = append(d.probs, Problem{File: d.file, Line: line, Col: col, Message: msg})
		return nil
	}
	if root == nil {
		d.errorf(nil, "the file is empty")
		return nil
	}
	return root
}

// errSecondDocument is returned by decodeOne for a stream of several documents.
type errSecondDocument struct{ line, col int }

func (e errSecondDocument) Error() string { return "second document" }

// decodeOne decodes the first document of data and checks that there is no
// second one. It returns a nil node for an empty stream.
func decodeOne(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, err
	default:
		return nil, errSecondDocument{next.Line, next.Column}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

var (
	yamlLineRE      = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)
	unknownAnchorRE = regexp.MustCompile(`unknown anchor '(.*)' referenced`)
)

// locateSyntaxError returns the position and message of a YAML syntax error.
// yaml.v3 reports only a line, and for parser errors the line where the
// enclosing block began, so the position is pinpointed by parsing prefixes of
// data: the first prefix that fails with the same error ends at the problem.
func locateSyntaxError(data []byte, err error) (line, col int, msg string) {
	var second errSecondDocument
	if errors.As(err, &second) {
		return second.line, second.col, "the file holds more than one YAML document; put one playbook in each file"
	}
	full := err.Error()
	m := yamlLineRE.FindStringSubmatch(full)
	msg = full
	line, col = 1, 1
	if m != nil {
		msg = m[2]
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			line = n
		}
	}
	msg = "invalid YAML: " + msg
	lines := strings.SplitAfter(string(data), "\n")
	eof := strings.Contains(msg, "end of stream")
	if eof {
		// An unterminated quote or bracket is reported where the file ends;
		// it is found where it begins.
		line = 1
		msg += " (is a quote or bracket not closed?)"
	}
	sameError := func(prefix string) (same bool) {
		defer func() {
			if recover() != nil {
				same = false
			}
		}()
		_, err := decodeOne([]byte(prefix))
		if err != nil && eof {
			// The line of an end-of-stream error moves with the prefix.
			pm := yamlLineRE.FindStringSubmatch(err.Error())
			return pm != nil && strings.HasPrefix(msg, "invalid YAML: "+pm[2])
		}
		return err != nil && err.Error() == full
	}
	anchor := ""
	if am := unknownAnchorRE.FindStringSubmatch(msg); am != nil {
		anchor = "*" + am[1]
	}
	// Find the first line whose prefix fails with the error, then the first
	// column. Once a prefix fails with the error, longer ones do too (the
	// parser stops at the same place), so binary search finds them.
	lineEnd := make([]int, len(lines)+1) // lineEnd[k]: offset after line k
	for i, l := range lines {
		lineEnd[i+1] = lineEnd[i] + len(l)
	}
	lo := min(max(line, 1), len(lines))
	k := lo + sort.Search(len(lines)-lo+1, func(i int) bool { return sameError(string(data[:lineEnd[lo+i]])) })
	if k > len(lines) {
		return line, col, msg
	}
	text := lines[k-1]
	msg += syntaxHint(msg, text)
	if text == "" {
		return k, 1, msg
	}
	if i := strings.Index(text, anchor); anchor != "" && i >= 0 {
		return k, len([]rune(text[:i])) + 1, msg
	}
	c := 1 + sort.Search(len(text), func(i int) bool { return sameError(string(data[:lineEnd[k-1]+i+1])) })
	c = min(c, len(text))
	// An unclosed flow list or mapping: point at its bracket.
	for open, closer := range map[string]string{"[": "']'", "{": "'}'"} {
		if i := strings.LastIndex(text[:c], open); i >= 0 && strings.Contains(msg, closer) {
			c = i + 1
		}
	}
	return k, len([]rune(text[:c])), msg
}

// syntaxHint adds what usually causes a cryptic YAML error, given the line
// it is on.
func syntaxHint(msg, line string) string {
	switch {
	case strings.Contains(line, "\t") && (strings.Contains(msg, "tab") || strings.Contains(msg, "cannot start any token")):
		return " (indent YAML with spaces, not tabs)"
	case strings.Contains(msg, "did not find expected key") || strings.Contains(msg, "expected '-' indicator") ||
		strings.Contains(msg, "mapping values are not allowed"):
		return " (check the indentation, and quote values that contain \": \")"
	}
	return ""
}

// deref follows aliases and charges the node budget.
func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			panic(errBudget)
		}
		n = n.Alias
	}
	d.budget--
	if d.budget < 0 {
		panic(errBudget)
	}
	return n
}

// isNull reports whether n is an empty value ("key:" or "key: null").
func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName describes what n is, for "must be X, not Y" messages.
func kindName(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "empty"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.DocumentNode:
		return "a document"
	}
	return fmt.Sprintf("%q", n.Value)
}

// fields is a decoded YAML mapping: its values by key, in file order.
type fields struct {
	node *yaml.Node
	what string
	keys []string
	key  map[string]*yaml.Node
	val  map[string]*yaml.Node
}

// mapping decodes n as a mapping describing what (e.g. "a step"). It reports
// duplicate keys, and unknown ones when known is not nil; unknown keys are
// left out of the result. It returns nil if n is not a mapping.
func (d *decoder) mapping(n *yaml.Node, what string, known []string) *fields {
	n = d.deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping of keys to values, not %s", what, kindName(n))
		return nil
	}
	f := &fields{node: n, what: what, key: map[string]*yaml.Node{}, val: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode || isNull(k) {
			d.errorf(k, "keys of %s must be words, not %s", what, kindName(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.errorf(k, "merge keys (<<) are not supported; repeat the keys")
			continue
		}
		name := k.Value
		if first, dup := f.key[name]; dup {
			d.errorf(k, "duplicate key %q (first at line %d)", name, first.Line)
			continue
		}
		if known != nil && !contains(known, name) {
			d.errorf(k, "unknown key %q in %s%s", name, what, didYouMeanOr(name, known, "; known keys: "+strings.Join(known, ", ")))
			continue
		}
		f.keys = append(f.keys, name)
		f.key[name] = k
		f.val[name] = v
	}
	return f
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// has reports whether the mapping has key.
func (f *fields) has(key string) bool {
	if f == nil {
		return false
	}
	_, ok := f.val[key]
	return ok
}

// require reports the keys missing from f.
func (d *decoder) require(f *fields, keys ...string) {
	if f == nil {
		return
	}
	for _, k := range keys {
		if !f.has(k) {
			d.errorf(f.node, "%s is missing required key %q", f.what, k)
		}
	}
}

// str returns the string value of key, "" if absent. It reports a value that
// is not a single word or sentence, and an empty value.
func (d *decoder) str(f *fields, key string) string {
	if f == nil || !f.has(key) {
		return ""
	}
	return d.scalar(f.val[key], key)
}

// scalar returns n as a string, reporting a list, a mapping or an empty value
// (what names the value in messages).
func (d *decoder) scalar(n *yaml.Node, what string) string {
	n = d.deref(n)
	switch {
	case isNull(n):
		d.errorf(n, "%s is empty", what)
		return ""
	case n.Kind != yaml.ScalarNode:
		d.errorf(n, "%s must be a string, not %s", what, kindName(n))
		return ""
	case strings.TrimSpace(n.Value) == "":
		d.errorf(n, "%s is empty", what)
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// list returns the items of the list value of key (nil if absent), reporting
// a value that is not a list.
func (d *decoder) list(f *fields, key string) []*yaml.Node {
	if f == nil || !f.has(key) {
		return nil
	}
	return d.items(f.val[key], key)
}

// items returns the items of list n (what names it in messages).
func (d *decoder) items(n *yaml.Node, what string) []*yaml.Node {
	n = d.deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		if isNull(n) {
			d.errorf(n, "%s is empty; remove it or give a list", what)
		} else {
			d.errorf(n, "%s must be a list, not %s", what, kindName(n))
		}
		return nil
	}
	return n.Content
}

// strList returns the list value of key as strings, with each item's node.
func (d *decoder) strList(f *fields, key string) ([]string, []*yaml.Node) {
	var out []string
	var nodes []*yaml.Node
	for _, it := range d.list(f, key) {
		it = d.deref(it)
		if s := d.scalar(it, "an item of "+key); s != "" {
			out = append(out, s)
			nodes = append(nodes, it)
		}
	}
	return out, nodes
}

// boolean returns the true/false value of key (false if absent).
func (d *decoder) boolean(f *fields, key string) bool {
	if f == nil || !f.has(key) {
		return false
	}
	n := d.deref(f.val[key])
	if n.Kind == yaml.ScalarNode {
		if b, ok := parseBool(n.Value); ok {
			return b
		}
	}
	d.errorf(n, "%s must be true or false, not %s", key, kindName(n))
	return false
}

// parseBool accepts the words YAML 1.1 and 1.2 use for booleans.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}
