package incidents_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/noticetest"
)

// importService is a service on a real database with an encryption key,
// an open incident, and dir as the imports' working folder.
func importService(t *testing.T, dir string, maxBytes int64) (*incidents.Service, *boltstore.Store, string) {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "breachbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.SetEncryptionKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	pb := &incidents.Playbook{ID: "p", Version: "1", Title: "P", SHA256: "s", Catalog: incidents.CatalogRef{SHA256: "c"},
		Facts:  []incidents.FactDef{{Name: "affected", Type: incidents.FactNumber}, {Name: "residents", Type: incidents.FactCounts}},
		Events: []incidents.EventDef{{Name: "awareness"}}}
	svc := incidents.NewService(incidents.Config{Store: store, Playbooks: onePlaybook{pb}, Clock: clocktest.New(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)),
		Notices: noticetest.Renderer{}, Company: incidents.Company{Name: "Acme", ContactEmail: "privacy@acme.example"},
		ImportTempDir: dir, MaxImportBytes: maxBytes})
	res, err := svc.Declare(context.Background(), "U1", incidents.DeclareInput{Title: "Leak"})
	if err != nil {
		t.Fatal(err)
	}
	return svc, store, res.Incident.ID
}

// peopleCSV is a file of n people, person0..person<n-1>@example.com, with
// the rows named in extra (row number as a spreadsheet shows it, the
// header being row 1) replaced by the given lines.
func peopleCSV(n int, extra map[int]string) string {
	var b strings.Builder
	b.WriteString("email,name,country,region,locale,customer_id\n")
	states := []string{"CA", "NY", "TX"}
	for i := range n {
		if line, ok := extra[i+2]; ok {
			b.WriteString(line + "\n")
			continue
		}
		if i%2 == 0 {
			fmt.Fprintf(&b, "person%d@example.com,\"Doe, P%d\",US,%s,,C%d\n", i, i, states[i%3], i)
		} else {
			fmt.Fprintf(&b, "person%d@example.com,P%d <p>,DE,,de,C%d\n", i, i, i)
		}
	}
	return b.String()
}

// An address that comes back tens of thousands of rows later, in another
// case, is one person: the first row wins, the later ones are counted as
// duplicates, the people are numbered 1..N without gaps in the order of
// the file, every address finds its number, and the list's hash is the
// SHA-256 of the people as stored, in order.
func TestImportDeduplicatesExactlyAcrossTheWholeFile(t *testing.T) {
	// More than one transaction of records and of index entries, and more
	// than one working-file block per partition of the de-duplication.
	const n = 100_000
	svc, store, id := importService(t, t.TempDir(), 0)
	csv := peopleCSV(n, map[int]string{
		2:     "alice@example.com,Alice First,US,CA,en,A1",
		3:     "bob@example.com,Bob,DE,,de,B1",
		35002: "BOB@Example.COM,Bob Again,US,NY,en,B2",
		n:     "Alice@EXAMPLE.com,Alice Last,DE,,de,A2",
		n + 1: "alice@example.com.,Alice Trailing Dot,FR,,fr,A3",
	})
	rep, err := svc.ImportRecipients(context.Background(), "U1", id, strings.NewReader(csv), incidents.ImportInput{Source: "people.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != n || rep.Duplicates != 3 || rep.Imported != n-3 || rep.Rejected != 0 {
		t.Fatalf("rows %d, imported %d, duplicates %d, rejected %d; want %d, %d, 3, 0", rep.Rows, rep.Imported, rep.Duplicates, rep.Rejected, n, n-3)
	}
	// Counts of people, not rows: the duplicates' places are not counted.
	if got := rep.Set.Counts["FR"]; got != 0 {
		t.Errorf("FR counted %d people, though its only row repeats an address", got)
	}
	var sum int64
	for _, c := range rep.Set.Counts {
		sum += c
	}
	if sum != rep.Imported {
		t.Errorf("counts add up to %d, want %d", sum, rep.Imported)
	}
	h := sha256.New()
	err = store.View(context.Background(), func(tx incidents.Tx) error {
		for seq := int64(1); seq <= rep.Imported; seq++ {
			r, err := tx.Recipient(rep.Set.ID, seq)
			if err != nil {
				return err
			}
			b, _ := json.Marshal(r)
			h.Write(append(b, '\n'))
			if seq%997 == 0 || seq <= 3 || seq == rep.Imported {
				got, err := tx.RecipientByAddress(rep.Set.ID, strings.ToUpper(r.Email[:1])+r.Email[1:])
				if err != nil {
					return err
				}
				if got != seq {
					return fmt.Errorf("recipient %d is found as %d by address", seq, got)
				}
			}
		}
		if _, err := tx.Recipient(rep.Set.ID, rep.Imported+1); err == nil {
			return fmt.Errorf("a recipient %d after the last", rep.Imported+1)
		}
		first, _ := tx.Recipient(rep.Set.ID, 1)
		if first.Name != "Alice First" || first.Country != "US" {
			return fmt.Errorf("recipient 1 is %q from %s, want the first row's Alice", first.Name, first.Country)
		}
		second, _ := tx.Recipient(rep.Set.ID, 2)
		if second.Name != "Bob" {
			return fmt.Errorf("recipient 2 is %q, want the first row's Bob", second.Name)
		}
		// The row after Bob's duplicate is numbered on without a gap.
		before, _ := tx.Recipient(rep.Set.ID, 35000)
		next, _ := tx.Recipient(rep.Set.ID, 35001)
		if before.Email != "person34999@example.com" || next.Email != "person35001@example.com" {
			return fmt.Errorf("recipients 35000 and 35001 are not the people of the rows before and after row 35002")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != rep.Set.Hash {
		t.Errorf("list hash %s, want the SHA-256 of the people as stored %s", rep.Set.Hash, got)
	}
}

// slowEnd is a file of unknown size that fails at its end.
type slowEnd struct {
	r   io.Reader
	err error
}

func (s *slowEnd) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		return n, s.err
	}
	return n, err
}

// A bad row just before the end of a long file is reported with its row
// number and without its content; a file that fails only at its end (here
// it turns out larger than allowed) is refused with the previous list
// left in place, and leaves nothing behind in the working folder.
func TestImportProblemsAtTheEndOfALongFile(t *testing.T) {
	const n = 50_000
	work := t.TempDir()
	svc, store, id := importService(t, work, 4<<20)
	ctx := context.Background()
	first, err := svc.ImportRecipients(ctx, "U1", id, strings.NewReader(peopleCSV(3, nil)), incidents.ImportInput{})
	if err != nil {
		t.Fatal(err)
	}

	csv := peopleCSV(n, map[int]string{n: "secret-person@,Secret,US,CA,,X"})
	rep, err := svc.ImportRecipients(ctx, "U1", id, strings.NewReader(csv), incidents.ImportInput{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rejected != 1 || len(rep.Errors) != 1 || rep.Errors[0].Row != n || rep.Imported != n-1 {
		t.Fatalf("rejected %d %+v, imported %d; want row %d rejected and %d imported", rep.Rejected, rep.Errors, rep.Imported, n, n-1)
	}
	if strings.Contains(rep.Errors[0].Reason, "secret") {
		t.Errorf("the row error repeats the address: %s", rep.Errors[0].Reason)
	}
	second := rep.Set.ID

	big := strings.Repeat("x", 4<<20)
	_, err = svc.ImportRecipients(ctx, "U1", id, &slowEnd{r: strings.NewReader(peopleCSV(n, nil) + "last@example.com,Last,US,CA,," + big + "\n")}, incidents.ImportInput{})
	if err == nil || !strings.Contains(err.Error(), "larger than 4.0 MiB") {
		t.Fatalf("a file over the limit: %v", err)
	}
	res, err := svc.Get(ctx, "U1", id)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Incident.Recipients; r == nil || r.ID != second || r.Count != n-1 {
		t.Errorf("after the refused import the incident's list is %+v, want %s with %d people", r, second, n-1)
	}
	if first.Set.ID == second {
		t.Fatal("the second import did not replace the first list")
	}
	err = store.View(ctx, func(tx incidents.Tx) error {
		return tx.RecipientSets(func(rs *incidents.RecipientSet) error {
			if rs.State == incidents.SetStaging {
				return fmt.Errorf("staging list %s left behind", rs.ID)
			}
			return nil
		})
	})
	if err != nil {
		t.Error(err)
	}
	if left, _ := os.ReadDir(work); len(left) != 0 {
		t.Errorf("the working folder holds %d files after the imports", len(left))
	}
}

// Each imported person is counted under what decides their notice's content
// (jurisdiction, locale, own data categories), once, whatever the order of
// their categories; a duplicate row is not counted again.
func TestImportCountsPeopleByNoticeProfile(t *testing.T) {
	svc, _, id := importService(t, t.TempDir(), 0)
	csv := "email,name,country,region,locale,data_categories\n" +
		"a@example.com,A,US,MA,en,\"ssn,email\"\n" +
		"b@example.com,B,US,MA,en,\"email,ssn\"\n" +
		"c@example.com,C,US,MA,en,\n" +
		"d@example.com,D,DE,,de,\n" +
		"A@example.com,A again,US,NY,en,email\n"
	rep, err := svc.ImportRecipients(context.Background(), "U1", id, strings.NewReader(csv), incidents.ImportInput{Source: "people.csv"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"US-MA|en|email,ssn": 2, "US-MA|en|": 1, "DE|de|": 1}
	if !maps.Equal(rep.Set.Profiles, want) {
		t.Errorf("profiles = %v, want %v", rep.Set.Profiles, want)
	}
}
