package main

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestGenerateRepeatsEveryHundredthAddress checks what the benchmark
// script relies on: the header, the number of rows, and exactly
// duplicates(rows) rows whose address (folded as breachbot folds it)
// an earlier row had.
func TestGenerateRepeatsEveryHundredthAddress(t *testing.T) {
	const rows = 25_000
	var buf bytes.Buffer
	if err := generate(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "email,name,country,region,locale,customer_id" {
		t.Fatalf("header %q", got)
	}
	if len(recs)-1 != rows {
		t.Fatalf("%d rows, want %d", len(recs)-1, rows)
	}
	seen := map[string]bool{}
	dups := 0
	for _, r := range recs[1:] {
		k := strings.ToLower(r[0])
		if seen[k] {
			dups++
		}
		seen[k] = true
	}
	if dups != duplicates(rows) || dups != 250 {
		t.Errorf("%d duplicate addresses, want %d", dups, duplicates(rows))
	}
}
