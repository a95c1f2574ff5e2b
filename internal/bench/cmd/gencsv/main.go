// Command gencsv writes a CSV file of made-up affected people for the
// import benchmark (scripts/bench/imp.sh): the columns email, name,
// country, region, locale and customer_id (which breachbot drops), one
// row per person, in constant memory.
//
// Every 100th row (rows 100, 200, ... counting from 1) repeats the address
// of an earlier row, chosen far back, in upper case, so an import of N rows
// must report N/100 duplicates and N - N/100 people:
//
//	go run ./internal/bench/cmd/gencsv -rows 1000000 -out people.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "data rows to write")
	out := flag.String("out", "", "file to write (default: standard output)")
	flag.Parse()
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gencsv:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	if err := generate(w, *rows); err != nil {
		fmt.Fprintln(os.Stderr, "gencsv:", err)
		os.Exit(1)
	}
}

// places are the countries, regions and locales the rows cycle through;
// the last has no country (its jurisdiction is unknown).
var places = [][3]string{
	{"US", "CA", "en"}, {"US", "NY", ""}, {"US", "TX", "en-US"}, {"US", "FL", "es"}, {"US", "WA", "en"},
	{"DE", "BY", "de"}, {"DE", "", ""}, {"FR", "", "fr"}, {"GB", "", "en-GB"}, {"", "", ""},
}

// duplicates returns how many of rows repeat an earlier address.
func duplicates(rows int) int { return rows / 100 }

// generate writes the header and rows data rows to w.
func generate(w io.Writer, rows int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("email,name,country,region,locale,customer_id\n")
	var line []byte
	unique := 0 // distinct addresses written so far
	for i := range rows {
		line = line[:0]
		if i%100 == 99 {
			// Repeat an earlier person, spread over the whole file.
			k := int(uint64(i) * 2654435761 % uint64(unique))
			line = append(line, "PERSON."...)
			line = strconv.AppendInt(line, int64(k), 10)
			line = append(line, "@EXAMPLE.COM"...)
		} else {
			line = append(line, "person."...)
			line = strconv.AppendInt(line, int64(unique), 10)
			line = append(line, "@example.com"...)
			unique++
		}
		p := places[i%len(places)]
		if i%4 == 0 {
			line = append(line, `,"Doe, Person `...)
			line = strconv.AppendInt(line, int64(i), 10)
			line = append(line, '"')
		} else {
			line = append(line, ",Person "...)
			line = strconv.AppendInt(line, int64(i), 10)
		}
		line = append(append(line, ','), p[0]...)
		line = append(append(line, ','), p[1]...)
		line = append(append(line, ','), p[2]...)
		line = append(line, ",C-"...)
		line = strconv.AppendInt(line, int64(i)*7, 10)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}
