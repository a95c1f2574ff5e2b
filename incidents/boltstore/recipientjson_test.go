package boltstore

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/breachbot/breachbot/incidents"
)

// FuzzDecodeRecipientMatchesEncodingJSON: whatever the bytes, the direct
// decoder either declines or gives exactly what encoding/json gives; and a
// recipient json.Marshal wrote comes back as it was.
func FuzzDecodeRecipientMatchesEncodingJSON(f *testing.F) {
	for _, r := range []incidents.Recipient{
		{Email: "ana@example.com"},
		{Email: "ana@example.com", Name: "Ana Müller", Country: "DE", Locale: "de", DataCategories: []string{"email", "password_hash"}},
		{Email: "x@example.com", Name: `O"Brien <&>`, Region: "CA", DataCategories: []string{""}},
	} {
		data, _ := json.Marshal(r)
		f.Add(data)
	}
	for _, s := range []string{`{}`, `{"e":"a","e":"b"}`, `{"E":"a"}`, `{"e":"a","x":1}`, `{"d":[]}`, `{"d":null}`, `{"d":["a",]}`,
		`{"e":"a",}`, `{"e":"\u0041"}`, "{\"n\":\"\xff\"}", `{"d":["a","b"],"n":"c"}`, `{ "e":"a"}`, `{"e":"a"`, `{"d":["a"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast incidents.Recipient
		if decodeRecipientFast(data, &fast) {
			var want incidents.Recipient
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatalf("%q: direct decoding accepted what encoding/json refuses (%v): %+v", data, err, fast)
			}
			if !reflect.DeepEqual(fast, want) {
				t.Fatalf("%q: direct %+v, encoding/json %+v", data, fast, want)
			}
		}
		var via, want incidents.Recipient
		errVia, errWant := decodeRecipient(data, &via), json.Unmarshal(data, &want)
		if (errVia == nil) != (errWant == nil) || errVia == nil && !reflect.DeepEqual(via, want) {
			t.Fatalf("%q: decodeRecipient %+v, %v; encoding/json %+v, %v", data, via, errVia, want, errWant)
		}
	})
}

func TestDecodeRecipientReadsWhatWasStoredDirectly(t *testing.T) {
	r := incidents.Recipient{Email: "ana@example.com", Name: "Ana Müller", Country: "DE", Region: "BY", Locale: "de", DataCategories: []string{"email", "password_hash"}}
	data, _ := json.Marshal(r)
	var got incidents.Recipient
	if !decodeRecipientFast(data, &got) || !reflect.DeepEqual(got, r) {
		t.Fatalf("the usual record %s was not read directly: %+v", data, got)
	}
}
