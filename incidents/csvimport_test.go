package incidents_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

type readResult struct {
	People  []incidents.Recipient
	Errors  []string
	Dropped []string
}

func readAll(t *testing.T, src string, max int64) (readResult, error) {
	t.Helper()
	r, err := incidents.NewCSVReader(strings.NewReader(src), max, []string{"email", "password_hash", "ssn"})
	if err != nil {
		return readResult{}, err
	}
	res := readResult{Dropped: r.Dropped()}
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		var re *incidents.RowError
		if errors.As(err, &re) {
			res.Errors = append(res.Errors, re.Error())
			continue
		}
		if err != nil {
			return res, err
		}
		res.People = append(res.People, p)
	}
}

func TestCSVReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     string
		want    readResult
		wantErr string
	}{
		{name: "header case, BOM, extra columns dropped, normalisation",
			src: "\ufeffE-Mail, Name ,COUNTRY,Region,Locale,Data Categories,SSN,Notes\r\n" +
				" Alice@Example.COM ,Alice,us,ca,en_us,Email;password_hash,123-45-6789,vip\r\n" +
				"bob@example.de,\"Bob, Jr.\",DE,,,,,\r\n" +
				"chloe@example.ch,Chloe,CH,,,,,\r\n",
			want: readResult{
				People: []incidents.Recipient{
					{Email: "Alice@example.com", Name: "Alice", Country: "US", Region: "CA", Locale: "en-US", DataCategories: []string{"email", "password_hash"}},
					// No locale: the language of the country, where it has one.
					{Email: "bob@example.de", Name: "Bob, Jr.", Country: "DE", Locale: "de"},
					{Email: "chloe@example.ch", Name: "Chloe", Country: "CH"},
				},
				Dropped: []string{"SSN", "Notes"},
			}},
		{name: "region with the country prefix; quotes with doubled quotes and newlines",
			src:  "email,name,region\nc@example.com,\"Carol \"\"CJ\"\"\nSmith\",US-NY\n",
			want: readResult{People: []incidents.Recipient{{Email: "c@example.com", Name: "Carol \"CJ\"Smith", Country: "US", Region: "NY", Locale: "en"}}}},
		{name: "internationalised domain becomes punycode",
			src:  "email\nmax@bücher.example\n",
			want: readResult{People: []incidents.Recipient{{Email: "max@xn--bcher-kva.example"}}}},
		{name: "ragged rows, bad encodings, bad values are row errors; reading goes on",
			src: "email,name,country\n" +
				"a@example.com,A\n" +
				"b@example.com,B,US,extra\n" +
				"c@example.com,\xff\xfe,US\n" +
				"not-an-address,D,US\n" +
				"e@example.com,E,Germany\n" +
				"f@example.com,F,US\n" +
				"\n" +
				"g@exa mple.com,G,US\n",
			want: readResult{
				People: []incidents.Recipient{{Email: "f@example.com", Name: "F", Country: "US", Locale: "en"}},
				Errors: []string{
					"row 2: the row has 2 fields; the header has 3",
					"row 3: the row has 4 fields; the header has 3",
					"row 4: the name column is not valid UTF-8 (save the file as UTF-8 CSV)",
					"row 5: the e-mail address has no @ or nothing before or after it",
					"row 6: the country column is not a two-letter ISO code (DE, US, ...)",
					"row 8: the domain of the e-mail address is not a valid domain name",
				},
			}},
		{name: "a bare quote is a row error, the next row still reads",
			src: "email,name\na@example.com,Al \"the\" Pal\nb@example.com,B\n",
			want: readResult{
				People: []incidents.Recipient{{Email: "b@example.com", Name: "B"}},
				Errors: []string{"row 2: a quote inside a field that is not quoted (line 2, column 18); quote the whole field and double inner quotes"},
			}},
		{name: "unknown data category",
			src:  "email,data_categories\na@example.com,email;shoe_size\n",
			want: readResult{Errors: []string{"row 2: the data_categories column names an unknown category (known: email, password_hash, ssn)"}}},
		{name: "empty file", src: "", wantErr: "the file is empty"},
		{name: "no email column", src: "name,country\nA,US\n", wantErr: "the header has no email column (it has: name, country)"},
		{name: "semicolons", src: "email;name\na@example.com;A\n", wantErr: "the file seems to use semicolons or tabs"},
		{name: "UTF-16", src: "\xff\xfee\x00m\x00", wantErr: "the file is UTF-16"},
		{name: "email twice", src: "email,E-mail\n", wantErr: "the header names the email column twice"},
		{name: "too big while reading", src: "email\n" + strings.Repeat("a@example.com\n", 100), wantErr: "the file is larger than 1.0 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(t, tt.src, 1024)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if incidents.ErrorCode(err) != incidents.EINVALID || incidents.ErrorHint(err) == "" {
					t.Errorf("error %v: code %s, hint %q; want invalid with a hint", err, incidents.ErrorCode(err), incidents.ErrorHint(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("read (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHugeFileIsRefusedBeforeReading(t *testing.T) {
	t.Parallel()
	err := incidents.CheckImportSize(10<<30, 0)
	if err == nil || !strings.Contains(err.Error(), "the file is 10.0 GiB; the most breachbot imports at once is 2.0 GiB") {
		t.Fatalf("10 GB file: %v", err)
	}
	if err := incidents.CheckImportSize(1<<20, 0); err != nil {
		t.Errorf("1 MiB refused: %v", err)
	}
}

func TestRowErrorsNeverRepeatAddresses(t *testing.T) {
	t.Parallel()
	src := "email,name\nsecret.person@example\n" + "\"secret2@example.com,x\n"
	got, _ := readAll(t, src, 0)
	for _, e := range got.Errors {
		if strings.Contains(e, "secret") {
			t.Errorf("row error repeats the address: %s", e)
		}
	}
}

func FuzzCSVReader(f *testing.F) {
	for _, seed := range []string{
		"email\na@example.com\n",
		"\ufeffEmail,Name,Country,Region,Locale,Data_Categories\nA@B.example,\"x,y\",us,ca,en,email\n",
		"email,name\n\"a@example.com\",\"unterminated\n",
		"email,name\na@example.com,a\"b\n",
		"email\n\xff\n",
		"name\nfoo\n",
		"",
		"email;name\n",
		"email,region\na@example.com,US-CA\n",
		"email\nmax@bücher.example\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		r, err := incidents.NewCSVReader(strings.NewReader(src), 1<<20, nil)
		if err != nil {
			if incidents.ErrorCode(err) != incidents.EINVALID {
				t.Fatalf("header error with code %s: %v", incidents.ErrorCode(err), err)
			}
			return
		}
		for i := 0; i < 10000; i++ {
			p, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var re *incidents.RowError
			if errors.As(err, &re) {
				if re.Row < 2 || !utf8.ValidString(re.Reason) {
					t.Fatalf("bad row error %+v", re)
				}
				continue
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("recipient read from CSV does not validate: %v (%+v)", err, p)
			}
			if again, err := incidents.NormalizeAddress(p.Email); err != nil || again != p.Email {
				t.Fatalf("address not normalised: %q -> %q, %v", p.Email, again, err)
			}
		}
		t.Fatal("reader did not end")
	})
}
