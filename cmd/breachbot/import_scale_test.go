package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestImportMemoryDoesNotGrowWithTheRows imports 100,000 and then 400,000
// people, each with a real `breachbot notice import` process into a fresh
// database, and compares the processes' peak resident memory: four times
// the rows may not take noticeably more memory (an import of ten million
// people has to fit in the same budget as one of a hundred thousand).
func TestImportMemoryDoesNotGrowWithTheRows(t *testing.T) {
	if testing.Short() {
		t.Skip("imports half a million rows in separate processes")
	}
	peak := func(rows int) int64 {
		e := newNoticeEnv(t, "")
		e.console("U_RESP", "/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z")
		f, err := os.Create(e.dir + "/people.csv")
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		w.WriteString("email,name,country,region,locale,customer_id\n")
		for i := range rows {
			fmt.Fprintf(w, "person%07d@example.com,Person %d,US,TX,en,C%d\n", i, i, i)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		env := map[string]string{"BREACHBOT_DB": e.db}
		for k, v := range e.env {
			env[k] = v
		}
		cmd, out := breachbotProcess(t, env, nil, "notice", "import", "INC-2026-0001", f.Name(), "--config", e.cfg)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("import of %d rows: %v\n%s", rows, err, out)
		}
		if want := fmt.Sprintf("imported %d people", rows); !strings.Contains(out.String(), want) {
			t.Fatalf("import of %d rows: output lacks %q:\n%s", rows, want, out)
		}
		return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss >> 10 // KiB -> MiB
	}
	small, large := peak(100_000), peak(400_000)
	t.Logf("peak RSS: %d MiB for 100,000 rows, %d MiB for 400,000", small, large)
	if large > small+16 {
		t.Errorf("peak RSS grew from %d MiB (100,000 rows) to %d MiB (400,000 rows); an import's memory must not depend on the number of rows", small, large)
	}
}
