package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/breachbot/breachbot/incidents/clocktest"
)

// openPTY opens a pseudo-terminal whose master side is read through Go's
// poller, so that closing it ends a read in progress.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	fd, err := syscall.Dup(int(ptmx.Fd()))
	if err == nil {
		err = syscall.SetNonblock(fd, true)
	}
	if err != nil {
		tty.Close()
		t.Fatal(err)
	}
	master = os.NewFile(uintptr(fd), "ptmx")
	drained := make(chan struct{})
	go func() { // owned by the test: ends when master is closed
		defer close(drained)
		io.Copy(io.Discard, master) // what the terminal echoes between lines
	}()
	t.Cleanup(func() {
		tty.Close()
		master.Close()
		<-drained
	})
	return master, tty
}

// waitShown waits until out has shown want n times.
func waitShown(t *testing.T, out *syncBuffer, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(out.String(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the console did not show %q %d times:\n%q", want, n, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConsoleAtATerminalKeepsHistoryOnlyWhenAsked: typed at a terminal,
// the console prompts, and keeps the lines typed in the --history file,
// mode 0600; without --history nothing typed is written beside the
// database. Ctrl-C on an empty line ends the console with exit 0.
func TestConsoleAtATerminalKeepsHistoryOnlyWhenAsked(t *testing.T) {
	line := "/breach declare Laptop stolen --aware 2026-11-27T09:00:00Z"
	session := func(t *testing.T, db string, args ...string) {
		t.Helper()
		master, tty := openPTY(t)
		m, stdout, stderr := testMain(t, db, clocktest.New(now), tty, nil)
		code := make(chan int, 1)
		go func() { // ends at the Ctrl-C below
			code <- m.Run(context.Background(), append([]string{"console", "--user", "U01RESP"}, args...))
		}()
		waitShown(t, stdout, "breachbot> ", 1)
		io.WriteString(master, line+"\r")
		waitShown(t, stdout, "declared: Laptop stolen", 1)
		waitShown(t, stdout, "breachbot> ", 2)
		io.WriteString(master, "\x03")
		select {
		case c := <-code:
			if c != 0 {
				t.Fatalf("Ctrl-C: exit %d, stderr:\n%s", c, stderr)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("Ctrl-C on an empty line did not end the console:\n%q", stdout.String())
		}
	}

	t.Run("no history file", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "breachbot.db")
		session(t, db)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() == "breachbot.db" {
				continue
			}
			data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			if strings.Contains(string(data), "Laptop stolen") {
				t.Errorf("%s beside the database holds what was typed", e.Name())
			}
		}
	})

	t.Run("--history", func(t *testing.T) {
		dir := t.TempDir()
		hist := filepath.Join(dir, "history")
		session(t, filepath.Join(dir, "breachbot.db"), "--history", hist)
		st, err := os.Stat(hist)
		if err != nil {
			t.Fatalf("no history file: %v", err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("history file mode %v, want 0600", st.Mode().Perm())
		}
		if data, _ := os.ReadFile(hist); string(data) != line+"\n" {
			t.Errorf("history file holds %q, want the line typed", data)
		}
	})
}

// TestConsolePipedIgnoresHistory: piped lines are read as before (no
// prompt, no terminal control codes, every line answered), and --history
// keeps nothing of them.
func TestConsolePipedIgnoresHistory(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	m, stdout, stderr := testMain(t, filepath.Join(dir, "breachbot.db"), clocktest.New(now), strings.NewReader(scenario), nil)
	if code := m.Run(context.Background(), []string{"console", "--user", "U01RESP", "--history", hist}); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	out := stdout.String()
	mustContain(t, out, "INC-2026-0001 declared: Customer DB exposed", "INC-2026-0001 deadlines: Customer DB exposed")
	if strings.Contains(out, "breachbot> ") || strings.Contains(out, "\x1b") {
		t.Errorf("piped input was prompted for, or got terminal control codes:\n%q", out)
	}
	if _, err := os.Stat(hist); !os.IsNotExist(err) {
		t.Errorf("piped lines were kept in %s (stat: %v)", hist, err)
	}
	mustContain(t, stderr.String(), "--history is for typing at a terminal")
}
