package commands_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// Keys as a terminal sends them.
const (
	keyLeft  = "\x1b[D"
	keyUp    = "\x1b[A"
	keyEnter = "\r"
	keyCtrlC = "\x03"
	keyCtrlD = "\x04"
)

// ttySession is a console session at a pseudo-terminal: the test types at
// the terminal's master side and reads what the console shows there.
type ttySession struct {
	t    *testing.T
	c    *commands.Console
	ptmx *os.File
	mu   sync.Mutex
	seen bytes.Buffer // everything the terminal showed
	done chan error   // the session's result
}

// startTTY runs c.TerminalSession for user Uresp on a new pseudo-terminal.
func startTTY(t *testing.T, b *board, history string) *ttySession {
	t.Helper()
	ptmx, tty, err := openPTY()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	s := &ttySession{t: t, ptmx: ptmx, done: make(chan error, 1)}
	drained := make(chan struct{})
	go func() { // owned by the test: ends when ptmx is closed
		defer close(drained)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			s.mu.Lock()
			s.seen.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		tty.Close()
		ptmx.Close()
		<-drained
	})
	c := commands.NewConsole(tty, b.clock)
	s.c = c
	go func() { // ends with the session, which the test ends by a key
		s.done <- c.TerminalSession(context.Background(), b.router, "Uresp", commands.Terminal{In: tty, HistoryFile: history})
	}()
	return s
}

// openPTY opens a pseudo-terminal whose master side is read through Go's
// poller, so that closing it ends a read in progress (pty.Open's master is
// in blocking mode, where Close waits for the read).
func openPTY() (master, tty *os.File, err error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return nil, nil, err
	}
	defer ptmx.Close()
	fd, err := syscall.Dup(int(ptmx.Fd()))
	if err != nil {
		tty.Close()
		return nil, nil, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		tty.Close()
		return nil, nil, err
	}
	return os.NewFile(uintptr(fd), "ptmx"), tty, nil
}

// shown returns what the terminal has shown so far.
func (s *ttySession) shown() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen.String()
}

// waitFor waits until the terminal has shown want n times in all.
func (s *ttySession) waitFor(want string, n int) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(s.shown(), want) < n {
		if time.Now().After(deadline) {
			s.t.Fatalf("the terminal did not show %q %d times; it shows:\n%q", want, n, s.shown())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// typeAt waits for the n-th prompt, then types keys.
func (s *ttySession) typeAt(n int, keys string) {
	s.t.Helper()
	s.waitFor("breachbot> ", n)
	if _, err := io.WriteString(s.ptmx, keys); err != nil {
		s.t.Fatal(err)
	}
}

// end waits for the session to end and returns its error.
func (s *ttySession) end() error {
	s.t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		s.t.Fatalf("the session did not end; the terminal shows:\n%q", s.shown())
		return nil
	}
}

// titles returns the titles of the incidents declared, in order.
func (b *board) titles() []string {
	b.t.Helper()
	list, err := b.svc.List(context.Background(), "Ulead", true)
	if err != nil {
		b.t.Fatal(err)
	}
	var got []string
	for _, inc := range list {
		got = append(got, inc.Title)
	}
	return got
}

// TestTerminalSessionEditsAndRecallsLines: at a terminal a typo is fixed
// with the left arrow and an insert before Enter, the up arrow brings back
// the line before to run again, and Ctrl-D on an empty line ends the
// session like the end of input.
func TestTerminalSessionEditsAndRecallsLines(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	s := startTTY(t, b, "")
	tail := " --aware 2026-11-20T09:00Z"
	s.typeAt(1, "/breach declare Laptop stoen"+tail+strings.Repeat(keyLeft, len(tail)+2)+"l"+keyEnter)
	s.waitFor("INC-2026-0001 declared: Laptop stolen", 1)
	s.typeAt(2, keyUp+keyEnter)
	s.waitFor("declared: Laptop stolen", 2)
	s.typeAt(3, keyCtrlD)
	if err := s.end(); err != nil {
		t.Fatalf("Ctrl-D ended the session with %v, want nil", err)
	}
	got := b.titles()
	if len(got) != 2 || got[0] != "Laptop stolen" || got[1] != "Laptop stolen" {
		t.Errorf("incidents declared: %q, want the edited line run twice (typed, then recalled)", got)
	}
}

// TestTerminalSessionCtrlC: Ctrl-C on a line being typed clears it, runs
// nothing and prompts again; Ctrl-C on an empty line ends the session.
func TestTerminalSessionCtrlC(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	s := startTTY(t, b, "")
	s.typeAt(1, "/breach declare Never run --aware 2026-11-20T09:00Z"+keyCtrlC)
	s.typeAt(2, keyCtrlC)
	if err := s.end(); !errors.Is(err, commands.ErrInterrupted) {
		t.Fatalf("Ctrl-C on an empty line ended the session with %v, want ErrInterrupted", err)
	}
	if got := b.titles(); len(got) != 0 {
		t.Errorf("a line cleared by Ctrl-C was run: incidents %q", got)
	}
}

// TestTerminalSessionHistoryFile: with a history file the lines typed are
// kept there, readable by the owner only, and the next session recalls
// them with the up arrow.
func TestTerminalSessionHistoryFile(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	path := filepath.Join(t.TempDir(), "history")
	line := "/breach declare Laptop stolen --aware 2026-11-20T09:00Z"
	s := startTTY(t, b, path)
	s.typeAt(1, line+keyEnter)
	s.typeAt(2, keyCtrlD)
	if err := s.end(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no history file: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("history file mode %v, want 0600", st.Mode().Perm())
	}
	if data, _ := os.ReadFile(path); string(data) != line+"\n" {
		t.Errorf("history file holds %q, want the line typed", data)
	}

	s = startTTY(t, b, path)
	s.typeAt(1, keyUp+keyEnter)
	s.waitFor("INC-2026-0002 declared: Laptop stolen", 1)
	s.typeAt(2, "exit"+keyEnter)
	if err := s.end(); err != nil {
		t.Fatal(err)
	}
}

// TestTerminalSessionNotificationWhileTyping: a reminder that arrives while
// a line is half typed is printed above the prompt, the half line is shown
// again after it, and finishing the line runs it whole.
func TestTerminalSessionNotificationWhileTyping(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	s := startTTY(t, b, "")
	s.typeAt(1, "/breach declare Laptop")
	s.waitFor("/breach declare Laptop", 1)
	if err := s.c.Notify(context.Background(), incidents.Notification{Kind: incidents.NotifyEscalation, Audience: incidents.AudienceLeads, Incident: "INC-2026-0001"}); err != nil {
		t.Fatal(err)
	}
	s.waitFor("[to the leads, by direct message in Slack]", 1)
	s.waitFor("breachbot> /breach declare Laptop", 2)
	shown := s.shown()
	if i := strings.LastIndex(shown, "breachbot> /breach declare Laptop"); i < strings.Index(shown, "[to the leads") {
		t.Errorf("the half-typed line was not shown again below the reminder:\n%q", shown)
	}
	s.typeAt(1, " stolen --aware 2026-11-20T09:00Z"+keyEnter)
	s.waitFor("INC-2026-0001 declared: Laptop stolen", 1)
	s.typeAt(2, keyCtrlD)
	if err := s.end(); err != nil {
		t.Fatal(err)
	}
	if got := b.titles(); len(got) != 1 || got[0] != "Laptop stolen" {
		t.Errorf("incidents declared: %q, want the line finished after the reminder", got)
	}
}
