package incidents

import (
	"encoding/json"
	"unicode/utf8"
)

// appendRecipientJSON appends r exactly as json.Marshal writes it (the form
// the store keeps and the list's hash is computed over), without
// reflection for the common case: strings that encoding/json copies as
// they are. Anything else goes through json.Marshal.
func appendRecipientJSON(dst []byte, r *Recipient) []byte {
	if !plainJSON(r.Email) || !plainJSON(r.Name) || !plainJSON(r.Country) || !plainJSON(r.Region) || !plainJSON(r.Locale) {
		return appendMarshal(dst, r)
	}
	for _, c := range r.DataCategories {
		if !plainJSON(c) {
			return appendMarshal(dst, r)
		}
	}
	dst = append(dst, `{"e":"`...)
	dst = append(dst, r.Email...)
	dst = append(dst, '"')
	field := func(key, v string) {
		if v != "" {
			dst = append(dst, `,"`...)
			dst = append(dst, key...)
			dst = append(dst, `":"`...)
			dst = append(dst, v...)
			dst = append(dst, '"')
		}
	}
	field("n", r.Name)
	field("c", r.Country)
	field("r", r.Region)
	field("l", r.Locale)
	if len(r.DataCategories) > 0 {
		dst = append(dst, `,"d":[`...)
		for i, c := range r.DataCategories {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '"')
			dst = append(dst, c...)
			dst = append(dst, '"')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

func appendMarshal(dst []byte, r *Recipient) []byte {
	b, _ := json.Marshal(r) // a Recipient always encodes
	return append(dst, b...)
}

// plainJSON reports whether encoding/json writes s between its quotes as
// it is: valid UTF-8 without control characters, quotes, backslashes, the
// HTML characters <, > and &, or U+2028 and U+2029.
func plainJSON(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}
