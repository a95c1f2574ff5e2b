package templates

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/template/parse"
	"time"
)

// value is what the analyzer knows about a value in a template: its type
// (nil if unknown), its data path if it is a field of Data ("Company.Name";
// "Incident.DataCategories[]" for an element), and the data paths it was
// computed from.
type value struct {
	typ  reflect.Type
	path string
	deps []string
}

// site is a place in a template file that prints data: an action, or a range
// without else. Render reports the sites that printed nothing.
type site struct {
	file int // index of the file in the variant: fileSubject, fileText, fileHTML
	off  int // byte offset of the first data reference
	deps []string
}

// analyzer walks the parse trees of one file: it checks field names against
// Data, records which data paths the file uses, and (if rewrite is set) makes
// every action that prints data report an empty value through needFunc.
type analyzer struct {
	src     string
	display string
	file    int
	funcs   map[string]reflect.Type // result types of the template functions
	probs   Problems
	uses    map[string]int // data path -> offset of its first use
	sites   *[]site
	rewrite bool
	vars    []variable
	// fast collects what the render cache needs to know (see fast.go);
	// nil when not analyzing a variant's main templates.
	fast *fastUses
}

type variable struct {
	name string
	val  value
}

var (
	dataType = reflect.TypeFor[Data]()
	timeType = reflect.TypeFor[time.Time]()
	strType  = reflect.TypeFor[string]()
	boolType = reflect.TypeFor[bool]()
	intType  = reflect.TypeFor[int]()
)

// builtinResults are the result types of text/template's predefined
// functions; nil means it depends on the arguments.
var builtinResults = map[string]reflect.Type{
	"and": nil, "or": nil, "call": nil, "index": nil, "slice": nil,
	"not": boolType, "eq": boolType, "ne": boolType, "lt": boolType, "le": boolType, "gt": boolType, "ge": boolType,
	"len": intType, "print": strType, "printf": strType, "println": strType,
	"html": strType, "js": strType, "urlquery": strType,
}

// resultTypes returns the result type of each function of fm.
func resultTypes(fm map[string]any) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for name, typ := range builtinResults {
		out[name] = typ
	}
	for name, f := range fm {
		t := reflect.TypeOf(f)
		if t.Kind() == reflect.Func && t.NumOut() > 0 {
			out[name] = t.Out(0)
		} else {
			out[name] = nil
		}
	}
	out[needFunc] = nil
	return out
}

// analyzeTree walks one tree. root is the value of dot and $ at its start:
// the notice's Data for a file's main template, unknown for the templates it
// defines.
func (a *analyzer) analyzeTree(t *parse.Tree, root value) {
	if t == nil || t.Root == nil {
		return
	}
	a.vars = []variable{{"$", root}}
	a.walk(t.Root, root)
}

func (a *analyzer) walk(n parse.Node, dot value) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			a.walk(c, dot)
		}
	case *parse.ActionNode:
		v := a.pipe(n.Pipe, dot)
		if len(n.Pipe.Decl) == 0 {
			a.need(n.Pipe, v)
			a.fast.printed(a.file, n.Pipe, v)
		}
	case *parse.IfNode:
		mark := len(a.vars)
		a.pipe(n.Pipe, dot)
		a.walk(n.List, dot)
		a.walk(n.ElseList, dot)
		a.vars = a.vars[:mark]
	case *parse.WithNode:
		mark := len(a.vars)
		v := a.pipe(n.Pipe, dot)
		a.walk(n.List, v)
		a.walk(n.ElseList, dot)
		a.vars = a.vars[:mark]
	case *parse.RangeNode:
		a.walkRange(n, dot)
	case *parse.TemplateNode:
		if n.Pipe != nil {
			a.fast.disallow(a.pipe(n.Pipe, dot).deps)
		}
	}
}

// walkRange checks a range: over a list, not a number, with an element of
// known type where the list's is known.
func (a *analyzer) walkRange(n *parse.RangeNode, dot value) {
	mark := len(a.vars)
	decl := n.Pipe.Decl
	n.Pipe.Decl = nil // evaluate the list, then declare the range's own variables
	list := a.pipe(n.Pipe, dot)
	n.Pipe.Decl = decl
	var elem, key value
	elem.deps, key.deps = list.deps, list.deps
	if t := list.typ; t != nil {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Slice, reflect.Array:
			elem.typ, key.typ = t.Elem(), intType
		case reflect.Map:
			elem.typ, key.typ = t.Elem(), t.Key()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			a.problem(int(n.Pipe.Position()), "range over a number; a notice template ranges over lists only")
		}
		if list.path != "" {
			elem.path = list.path + "[]"
			elem.deps = []string{elem.path}
		}
	}
	switch len(decl) {
	case 1:
		a.declare(decl[0].Ident[0], elem)
	case 2:
		a.declare(decl[0].Ident[0], key)
		a.declare(decl[1].Ident[0], elem)
	}
	a.fast.disallow(list.deps)
	if n.ElseList == nil {
		a.need(n.Pipe, list)
	}
	a.walk(n.List, elem)
	a.walk(n.ElseList, dot)
	a.vars = a.vars[:mark]
}

// need makes the pipeline report an empty result, if it prints data.
func (a *analyzer) need(p *parse.PipeNode, v value) {
	if !a.rewrite || len(v.deps) == 0 || a.sites == nil {
		return
	}
	if len(p.Cmds) > 0 && isEscaper(p.Cmds[0]) && len(p.Cmds) == 1 {
		return
	}
	off := a.firstRef(p)
	id := len(*a.sites)
	*a.sites = append(*a.sites, site{file: a.file, off: off, deps: slices.Clone(v.deps)})
	pos := p.Position()
	cmd := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: []parse.Node{
		parse.NewIdentifier(needFunc).SetPos(pos),
		&parse.VariableNode{NodeType: parse.NodeVariable, Pos: pos, Ident: []string{"$"}},
		&parse.NumberNode{NodeType: parse.NodeNumber, Pos: pos, IsInt: true, Int64: int64(id), Text: strconv.Itoa(id)},
	}}
	// Check the value before a trailing escaper: html/template refuses the
	// predefined escapers html and urlquery anywhere but at the end.
	at := len(p.Cmds)
	for at > 0 && isEscaper(p.Cmds[at-1]) {
		at--
	}
	if at == 0 {
		return // {{html .X}}: nothing to pipe the value through
	}
	p.Cmds = slices.Insert(p.Cmds, at, cmd)
}

// isEscaper reports whether c calls the predefined escaper html or urlquery.
func isEscaper(c *parse.CommandNode) bool {
	if len(c.Args) == 0 {
		return false
	}
	id, ok := c.Args[0].(*parse.IdentifierNode)
	return ok && (id.Ident == "html" || id.Ident == "urlquery")
}

// firstRef returns the offset of the first data reference of p, or of p.
func (a *analyzer) firstRef(p *parse.PipeNode) int {
	best := -1
	var visit func(n parse.Node)
	visit = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.FieldNode, *parse.VariableNode, *parse.DotNode, *parse.ChainNode:
			if off := a.locate(n); best < 0 || off < best {
				best = off
			}
		case *parse.PipeNode:
			for _, c := range n.Cmds {
				for _, arg := range c.Args {
					visit(arg)
				}
			}
		}
	}
	visit(p)
	if best < 0 {
		return int(p.Position())
	}
	return best
}

func (a *analyzer) declare(name string, v value) {
	a.vars = append(a.vars, variable{name, v})
}

func (a *analyzer) lookupVar(name string) value {
	for i := len(a.vars) - 1; i >= 0; i-- {
		if a.vars[i].name == name {
			return a.vars[i].val
		}
	}
	return value{}
}

// pipe analyzes a pipeline and returns its result; it declares or assigns
// the pipeline's variables.
func (a *analyzer) pipe(p *parse.PipeNode, dot value) value {
	if p == nil {
		return value{}
	}
	var res value
	var deps []string
	for i, c := range p.Cmds {
		if i > 0 {
			a.fast.disallow(res.deps) // piped into a function
		}
		res = a.command(c, dot, i > 0)
		deps = union(deps, res.deps)
	}
	res.deps = deps
	for _, d := range p.Decl {
		if p.IsAssign {
			continue // the variable keeps what the analyzer knew of it
		}
		a.declare(d.Ident[0], res)
	}
	return res
}

// command analyzes one command of a pipeline; piped says whether it gets the
// previous command's result as its last argument.
func (a *analyzer) command(c *parse.CommandNode, dot value, piped bool) value {
	if len(c.Args) == 0 {
		return value{}
	}
	var deps []string
	for _, arg := range c.Args[1:] {
		deps = union(deps, a.operand(arg, dot).deps)
	}
	a.fast.disallow(deps) // an argument of a function or method
	switch first := c.Args[0].(type) {
	case *parse.IdentifierNode:
		res := value{typ: a.funcs[first.Ident], deps: deps}
		switch first.Ident {
		case "slice":
			if len(c.Args) > 1 {
				res.typ = a.operand(c.Args[1], dot).typ
			}
		case "index":
			if len(c.Args) > 1 {
				res.typ = indexType(a.operand(c.Args[1], dot).typ, len(c.Args)-2)
			}
		}
		return res
	default:
		v := a.operand(first, dot)
		if len(c.Args) > 1 || piped {
			a.fast.disallow(v.deps) // a method called on it
		}
		v.deps = union(v.deps, deps)
		if len(c.Args) > 1 || piped {
			v.path = "" // a method called with arguments: its result is not a field
		}
		return v
	}
}

// operand analyzes one argument.
func (a *analyzer) operand(n parse.Node, dot value) value {
	switch n := n.(type) {
	case *parse.DotNode:
		if dot.path == "Recipient" || dot.typ == dataType {
			a.fast.whole()
		}
		return dot
	case *parse.FieldNode:
		return a.resolve(dot, n.Ident, n, 0)
	case *parse.VariableNode:
		base := a.lookupVar(n.Ident[0])
		if len(n.Ident) == 1 && (base.typ == dataType || base.path == "Recipient") {
			a.fast.whole()
		}
		return a.resolve(base, n.Ident[1:], n, len(n.Ident[0]))
	case *parse.ChainNode:
		base := a.operand(n.Node, dot)
		return a.resolve(base, n.Field, n, -1)
	case *parse.PipeNode:
		mark := len(a.vars)
		v := a.pipe(n, dot)
		if len(n.Decl) == 0 {
			a.vars = a.vars[:mark]
		}
		return v
	case *parse.IdentifierNode:
		return value{typ: a.funcs[n.Ident]}
	case *parse.StringNode:
		return value{typ: strType}
	case *parse.BoolNode:
		return value{typ: boolType}
	case *parse.NumberNode:
		if n.IsInt {
			return value{typ: intType}
		}
	}
	return value{}
}

// resolve follows field and method names from base. n is the node that
// names them, and prefix the length of its text before the first name (the
// variable's name), or -1 if the names' positions cannot be told.
func (a *analyzer) resolve(base value, idents []string, n parse.Node, prefix int) value {
	cur := base
	start := a.locate(n)
	off := start + prefix // the dot before the next name
	for _, id := range idents {
		identOff := start
		if prefix >= 0 {
			identOff = off + 1
			off += 1 + len(id)
		}
		t := cur.typ
		if t == nil {
			return value{deps: cur.deps}
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if m, ok := method(t, id); ok {
			next := value{deps: cur.deps}
			if m.Type.NumOut() > 0 {
				next.typ = m.Type.Out(0)
			}
			cur = next
			continue
		}
		switch t.Kind() {
		case reflect.Interface:
			return value{deps: cur.deps}
		case reflect.Map:
			if t.Key().Kind() == reflect.String {
				cur = value{typ: t.Elem(), deps: cur.deps}
				continue
			}
		case reflect.Struct:
			if f, ok := t.FieldByName(id); ok && f.IsExported() {
				next := value{typ: f.Type, deps: cur.deps}
				if cur.path != "" || t == dataType {
					next.path = joinPath(cur.path, id)
					next.deps = []string{next.path}
					a.use(next.path, start)
				}
				cur = next
				continue
			}
			a.problem(identOff, a.unknownField(cur, t, id))
			if s := suggest(id, exportedNames(t)); s != "" && (cur.path != "" || t == dataType) {
				// Count the likely meant field as used: one misspelling is
				// one problem, not also a missing section.
				a.use(joinPath(cur.path, s), start)
			}
			return value{}
		}
		a.problem(identOff, fmt.Sprintf("%s has no field %s: it is %s", describeValue(cur, t), id, typeName(t)))
		return value{}
	}
	if cur.path == "Recipient" {
		a.fast.whole() // the recipient used as a whole
	}
	return cur
}

func joinPath(base, id string) string {
	if base == "" {
		return id
	}
	return base + "." + id
}

// use records that the file uses a data path.
func (a *analyzer) use(path string, off int) {
	path = strings.TrimSuffix(path, "[]")
	if _, ok := a.uses[path]; !ok {
		a.uses[path] = off
	}
}

// locate returns the byte offset where n's text starts in the source. The
// parser gives a chain of fields ".A.B" the position of its second name;
// this finds the first.
func (a *analyzer) locate(n parse.Node) int {
	pos := int(n.Position())
	if pos > len(a.src) {
		return len(a.src)
	}
	text := n.String()
	from := max(0, pos-len(text))
	to := min(len(a.src), pos+len(text))
	if i := strings.LastIndex(a.src[from:to], text); i >= 0 && from+i <= pos {
		return from + i
	}
	return pos
}

func (a *analyzer) problem(off int, msg string) {
	line, col := position(a.src, off)
	a.probs = append(a.probs, Problem{File: a.display, Line: line, Col: col, Message: msg})
}

// position returns the 1-based line and column (in characters) of byte
// offset off of src.
func position(src string, off int) (line, col int) {
	off = max(0, min(off, len(src)))
	before := src[:off]
	line = 1 + strings.Count(before, "\n")
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return line, 1 + len([]rune(before[lineStart:]))
}

// union returns a with the elements of b it lacks.
func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}
