package templates

import (
	"fmt"
	"reflect"
	"strings"
)

// indexType returns the type of index on a value of type t with n indexes.
func indexType(t reflect.Type, n int) reflect.Type {
	for ; n > 0 && t != nil; n-- {
		switch t.Kind() {
		case reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return nil
		}
	}
	return t
}

// method returns the exported method id of t or *t.
func method(t reflect.Type, id string) (reflect.Method, bool) {
	if m, ok := t.MethodByName(id); ok && m.IsExported() {
		return m, true
	}
	if t.Kind() != reflect.Interface {
		if m, ok := reflect.PointerTo(t).MethodByName(id); ok && m.IsExported() {
			return m, true
		}
	}
	return reflect.Method{}, false
}

// unknownField describes a field that t lacks, with a likely fix.
func (a *analyzer) unknownField(cur value, t reflect.Type, id string) string {
	names := exportedNames(t)
	what := id
	switch {
	case cur.path != "":
		what = cur.path + "." + id
	case t != dataType:
		what = fmt.Sprintf("%s of %s", id, typeName(t))
	}
	if s := suggest(id, names); s != "" {
		return fmt.Sprintf("unknown field %s, did you mean %s?", what, s)
	}
	return fmt.Sprintf("unknown field %s; %s has %s", what, describeValue(cur, t), strings.Join(names, ", "))
}

// exportedNames returns the exported fields and methods of t.
func exportedNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			names = append(names, f.Name)
		}
	}
	for i := range t.NumMethod() {
		names = append(names, t.Method(i).Name)
	}
	return names
}

// describeValue names a value in messages: its data path, or its type.
func describeValue(v value, t reflect.Type) string {
	switch {
	case strings.HasSuffix(v.path, "[]"):
		return "an entry of " + strings.TrimSuffix(v.path, "[]")
	case v.path != "":
		return v.path
	case t == dataType:
		return "the notice data"
	}
	return typeName(t)
}

// typeName names a type for people: "a text", "a date", "a list".
func typeName(t reflect.Type) string {
	switch {
	case t == timeType:
		return "a date"
	case t == dataType:
		return "the notice data"
	}
	switch t.Kind() {
	case reflect.String:
		return "a text"
	case reflect.Bool:
		return "a yes/no value"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct:
		return "a " + t.Name()
	case reflect.Int, reflect.Int64:
		return "a number"
	}
	return t.String()
}
