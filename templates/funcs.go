package templates

import (
	"errors"
	"reflect"
	"strings"
	"time"
)

// needFunc is the name of the function the loader inserts into every action
// that prints data, so that an empty value is reported with its place in the
// file instead of silently printing nothing. Templates do not call it.
const needFunc = "_breachbot_need"

// funcs returns the functions templates of a locale can call:
//
//	date T                      a date in the locale's long form ("November 27, 2026"); "" for an unknown (zero) date
//	dateRange START END         one date, or "START – END"; "" if START is unknown
//	involved RECIPIENT INCIDENT labels of the involved data categories: the recipient's, or else the incident's
//	label CATEGORY              the label of one data category ("password_hash" -> "password, in scrambled (hashed) form")
//	exposesIDNumbers R I        whether the involved categories include an SSN or government ID number
//	isCountry CODE VALUE        whether VALUE ("US", "us", "US-CA") is in country CODE
//	paragraphs TEXT             TEXT split at blank lines, for <p> elements
//	number N                    a whole number with the locale's digit grouping ("12,000"; German "12.000")
func funcs(w *words) map[string]any {
	return map[string]any{
		"date":      w.formatDate,
		"dateRange": w.formatRange,
		"involved": func(recipient, incident []string) []string {
			cats := involvedCategories(recipient, incident)
			out := make([]string, len(cats))
			for i, c := range cats {
				out[i] = w.label(c)
			}
			return out
		},
		"label":            w.label,
		"exposesIDNumbers": idNumbersExposed,
		"isCountry": func(code, value string) bool {
			country, _, _ := strings.Cut(strings.TrimSpace(value), "-")
			return country != "" && strings.EqualFold(country, code)
		},
		"paragraphs": paragraphs,
		"number":     w.formatNumber,
		needFunc:     need,
	}
}

// paragraphs splits text at blank lines and returns the non-empty
// paragraphs, trimmed.
func paragraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// execData is what templates execute on: the fields of Data, and the places
// that printed an empty value. (It does not embed Data: text/template finds
// promoted fields by a slow search.)
type execData struct {
	Company   Company
	Incident  Incident
	Recipient Recipient
	Notice    Notice
	Content   Content
	missing   []int
}

// errNeed is returned by need when it cannot record an empty value: the
// action runs in a template called with other data than the notice's.
var errNeed = errors.New("the value to print is empty")

// need passes v through, recording site id in root (the $ of the execution)
// if v is empty.
func need(root any, id int, v any) (any, error) {
	if !isEmpty(v) {
		return v, nil
	}
	if r, ok := root.(*execData); ok {
		r.missing = append(r.missing, id)
		return v, nil
	}
	return v, errNeed
}

// isEmpty reports whether printing v would show nothing: nil, blank
// strings, the zero time, and empty lists and maps.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case time.Time:
		return x.IsZero()
	case []string:
		return len(x) == 0
	case bool, int:
		return false
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.String:
		return strings.TrimSpace(r.String()) == ""
	case reflect.Slice, reflect.Map, reflect.Array:
		return r.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return r.IsNil()
	}
	return false
}
