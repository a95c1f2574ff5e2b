package boltstore

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/breachbot/breachbot/incidents"
)

// decodeRecipient decodes a stored recipient. Records are what json.Marshal
// wrote for an incidents.Recipient; the common case (no escapes in any
// string) is read directly, the sender reads one per message, and anything
// else by encoding/json, with the same result.
func decodeRecipient(data []byte, r *incidents.Recipient) error {
	if decodeRecipientFast(data, r) {
		return nil
	}
	*r = incidents.Recipient{}
	return json.Unmarshal(data, r)
}

// decodeRecipientFast reads {"e":"...","n":"...",...,"d":["...",...]}
// with one-letter keys, no whitespace and no backslashes, as json.Marshal
// writes it. It reports false, leaving r in any state, for anything else.
func decodeRecipientFast(b []byte, r *incidents.Recipient) bool {
	if bytes.IndexByte(b, '\\') >= 0 || len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	*r = incidents.Recipient{}
	b = b[1 : len(b)-1]
	seen := 0
	for len(b) > 0 {
		if len(b) < 4 || b[0] != '"' || b[2] != '"' || b[3] != ':' {
			return false
		}
		key := b[1]
		b = b[4:]
		bit := 0
		var dst *string
		switch key {
		case 'e':
			bit, dst = 1, &r.Email
		case 'n':
			bit, dst = 2, &r.Name
		case 'c':
			bit, dst = 4, &r.Country
		case 'r':
			bit, dst = 8, &r.Region
		case 'l':
			bit, dst = 16, &r.Locale
		case 'd':
			bit = 32
		default:
			return false
		}
		if seen&bit != 0 {
			return false // a repeated key: leave it to encoding/json
		}
		seen |= bit
		var ok bool
		if dst != nil {
			if *dst, b, ok = jsonString(b); !ok {
				return false
			}
		} else {
			if len(b) == 0 || b[0] != '[' {
				return false
			}
			b = b[1:]
			list := []string{}
			for len(b) > 0 && b[0] != ']' {
				var s string
				if s, b, ok = jsonString(b); !ok {
					return false
				}
				list = append(list, s)
				if len(b) > 0 && b[0] == ',' && len(b) > 1 && b[1] != ']' {
					b = b[1:]
				} else if len(b) == 0 || b[0] != ']' {
					return false
				}
			}
			if len(b) == 0 {
				return false
			}
			b = b[1:]
			r.DataCategories = list
		}
		if len(b) > 0 {
			if b[0] != ',' || len(b) == 1 {
				return false
			}
			b = b[1:]
		}
	}
	return true
}

// jsonString reads a string without escapes and control characters from
// the start of b and returns the rest.
func jsonString(b []byte) (string, []byte, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", nil, false
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 {
		return "", nil, false
	}
	s := b[1 : 1+end]
	for _, c := range s {
		if c < 0x20 {
			return "", nil, false
		}
	}
	if !utf8.Valid(s) {
		return "", nil, false
	}
	return string(s), b[2+end:], true
}
