package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
)

// TestImportSurvivesSIGKILL kills a real `breachbot notice import` process
// part-way through a large file: the incident keeps its previous list of
// affected people (same count, same list id, its notices not voided), the
// half-written staging list is not used, and the next import works and
// replaces the list as usual.
func TestImportSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("imports a large file in a separate process")
	}
	e := newNoticeEnv(t, "")
	first := e.file("first.csv", "email,name,country,region\nalice@example.com,Alice,US,CA\nbob@example.de,Bob,DE,\ncarol@example.com,Carol,US,NY\n")
	e.console("U_RESP", "/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z", "/breach notice import "+first, draftLine)

	// A file large enough that the import is still running when it is killed.
	big, err := os.Create(e.dir + "/big.csv")
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(big)
	w.WriteString("email,name,country,region\n")
	const rows = 400000
	for i := range rows {
		fmt.Fprintf(w, "person%06d@example.com,Person %d,US,TX\n", i, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	big.Close()
	before, err := os.Stat(e.db)
	if err != nil {
		t.Fatal(err)
	}

	env := map[string]string{"BREACHBOT_DB": e.db}
	for k, v := range e.env {
		env[k] = v
	}
	empty, _ := os.Open(os.DevNull)
	defer empty.Close()
	cmd, out := breachbotProcess(t, env, empty, "notice", "import", "INC-2026-0001", big.Name(), "--config", e.cfg)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Kill it once staged rows have reached the file (several committed
	// batches), long before the last of the 400,000.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := os.Stat(e.db)
		if err == nil && st.Size() > before.Size()+2<<20 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the import ended before it could be killed (%v):\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the import wrote nothing for 2 minutes:\n%s", out)
		}
		time.Sleep(2 * time.Millisecond) // polling a live process, not waiting for a deadline
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	<-exited
	if strings.Contains(out.String(), "imported") {
		t.Fatalf("the import finished before the kill; the test proves nothing:\n%s", out)
	}

	// The killed process had staged part of the file.
	if n := stagingLists(t, e.db); n != 1 {
		t.Fatalf("%d staging lists after the kill, want the 1 the killed import was writing", n)
	}

	// The incident still has the first list, and its draft is still valid.
	got := e.console("U_RESP", "/breach notice status")
	mustContain(t, got, "Affected people imported: 3 (list R1)")
	if strings.Contains(got, "void") {
		t.Errorf("the interrupted import voided the draft:\n%s", got)
	}
	code, stdout, stderr := e.run("audit", "verify")
	if code != 0 || !strings.Contains(stdout, "audit log OK") {
		t.Errorf("audit verify after the kill: exit %d %s %s", code, stdout, stderr)
	}

	// Importing again works and replaces the list.
	second := e.file("second.csv", "email,name,country,region\ndave@example.com,Dave,US,CA\n")
	got = e.console("U_RESP", "/breach notice import "+second, "/breach notice status")
	mustContain(t, got, "imported 1 people", "Affected people imported: 1")
	if n := stagingLists(t, e.db); n != 0 {
		t.Errorf("%d staging lists left after the next import, want the killed one removed", n)
	}
}

// stagingLists counts the recipient lists an import is still writing (or
// left behind).
func stagingLists(t *testing.T, db string) int {
	t.Helper()
	store, err := boltstore.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	n := 0
	err = store.View(context.Background(), func(tx incidents.Tx) error {
		return tx.RecipientSets(func(rs *incidents.RecipientSet) error {
			if rs.State == incidents.SetStaging {
				n++
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
