package commands

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/chzyer/readline"

	"github.com/breachbot/breachbot/incidents"
)

// Console renders for a terminal: the replies to the lines typed, and the
// reminders, escalations and notice messages that the outbox delivers
// meanwhile (it is the console's incidents.Notifier). Its writes are
// serialised, so a reminder never cuts into a reply.
type Console struct {
	mu    sync.Mutex
	w     io.Writer
	clock incidents.Clock
}

var _ incidents.Notifier = (*Console)(nil)

// NewConsole returns a Console writing to w; clock dates what it renders.
func NewConsole(w io.Writer, clock incidents.Clock) *Console {
	return &Console{w: w, clock: clock}
}

// setWriter makes the console write to w from now on and returns the
// writer it wrote to before.
func (c *Console) setWriter(w io.Writer) io.Writer {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.w
	c.w = w
	return old
}

// Print writes s whole, never interleaved with another write.
func (c *Console) Print(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.w, s)
}

// Notify prints a notification as the outbox delivers it: reminders and
// escalations to the incident, the notices' approval requests, decisions
// and progress (each on its own: Slack updates one message in place), and
// a line saying what went to the leads by direct message. Board refreshes
// are for Slack messages updated in place and print nothing.
func (c *Console) Notify(_ context.Context, n incidents.Notification) error {
	switch n.Kind {
	case incidents.NotifyReminder, incidents.NotifyEscalation, incidents.NotifyPlaybookUpdate, incidents.NotifyUpdate:
	case incidents.NotifyNoticeApproval:
		c.Print("\n>>> [to legal] " + NotificationReply(n, c.clock.Now()).Text())
		return nil
	case incidents.NotifyNoticeDecision, incidents.NotifyNoticeProgress:
		c.Print("\n>>> " + NotificationReply(n, c.clock.Now()).Title + "\n")
		return nil
	default:
		return nil
	}
	rep := NotificationReply(n, c.clock.Now())
	if n.Audience == incidents.AudienceLeads {
		to := "the leads"
		if n.Lead != "" {
			to = "the lead " + n.Lead + ", then the other leads"
		}
		c.Print(fmt.Sprintf("\n>>> [to %s, by direct message in Slack] %s\n", to, rep.Title))
		return nil
	}
	c.Print("\n>>> " + rep.Text())
	return nil
}

// Session reads /breach lines from in and prints the replies to them, run
// by r as user, until in ends or a line says exit or quit; with prompt (a
// terminal) it prompts for each line. Blank lines and # comments are
// skipped; a line too long is refused and the session goes on. It returns
// ctx's error as soon as ctx is done, and a read error once the lines
// before it are answered. The reading goroutine ends with in: a read that
// cannot be interrupted (a terminal) ends when the process does.
func (c *Console) Session(ctx context.Context, r *Router, user string, in io.Reader, prompt bool) error {
	lines := make(chan Line)
	readErr := make(chan error, 1)
	go func() {
		defer close(lines)
		readErr <- ReadLines(in, MaxConsoleLine, func(l Line) bool {
			select {
			case lines <- l:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	for {
		if prompt {
			c.Print("breachbot> ")
		}
		var (
			l  Line
			ok bool
		)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case l, ok = <-lines:
		}
		if !ok {
			break
		}
		if l.TooLong {
			c.Print("Error: line too long (max 1 MiB); it was skipped\n  Try: put long text in a file (notice import reads a CSV file)\n")
			continue
		}
		line := strings.TrimSpace(l.Text)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if line == "exit" || line == "quit" {
			break
		}
		c.run(ctx, r, user, line)
	}
	select {
	case err := <-readErr:
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
	default:
	}
	return nil
}

// run answers one typed line: blank lines and # comments are skipped.
func (c *Console) run(ctx context.Context, r *Router, user, line string) {
	if line == "" || strings.HasPrefix(line, "#") {
		return
	}
	rep := r.Handle(ctx, Request{User: user, Text: line})
	c.Print(rep.Text() + "\n")
}

// ErrInterrupted is returned by TerminalSession when Ctrl-C was pressed on
// an empty line: the person asked to stop, as with a signal.
var ErrInterrupted = errors.New("interrupted by Ctrl-C")

// Terminal is the interactive side of a console: the terminal typed at,
// read with line editing and history.
type Terminal struct {
	// In is the terminal the lines are typed at (stdin, a tty).
	In *os.File
	// HistoryFile, when not "", keeps the lines typed across sessions in
	// that file, readable and writable by its owner only (0600). When ""
	// the history is kept in memory for this session only: what people
	// type (facts, reasons) is not written to disk unless they ask.
	HistoryFile string
}

// historyLimit is how many lines the history keeps.
const historyLimit = 500

// TerminalSession is Session for a person at a terminal: it prompts for
// each line, which can be edited (arrows, Ctrl-A/E/K/W, ...) and recalled
// with the up arrow. It ends at exit or quit, and at Ctrl-D on an empty
// line as at the end of input (returning nil); Ctrl-C clears a line being
// typed and, on an empty line, ends the session with ErrInterrupted. It
// returns ctx's error as soon as ctx is done. The terminal is put back as
// it was when it returns.
func (c *Console) TerminalSession(ctx context.Context, r *Router, user string, t Terminal) error {
	var hist *os.File
	var past []string
	if t.HistoryFile != "" {
		var err error
		if past, err = readHistory(t.HistoryFile); err != nil {
			return err
		}
		hist, err = os.OpenFile(t.HistoryFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("open the history file: %w", err)
		}
		defer hist.Close()
		// An existing file may have been readable by others: history
		// holds what people typed.
		if err := hist.Chmod(0o600); err != nil {
			return fmt.Errorf("make the history file private: %w", err)
		}
	}

	fd := int(t.In.Fd())
	var (
		rawMu sync.Mutex // raw is set and restored by readline's goroutines and ours
		raw   *readline.State
	)
	done := make(chan struct{})
	defer close(done)
	resized := make(chan os.Signal, 1)
	signal.Notify(resized, syscall.SIGWINCH)
	defer signal.Stop(resized)
	stdin := readline.NewCancelableStdin(t.In)
	c.mu.Lock()
	plain := c.w
	c.mu.Unlock()
	rl, err := readline.NewEx(&readline.Config{
		Prompt:              "breachbot> ",
		Stdin:               stdin,
		Stdout:              plain,
		Stderr:              plain,
		HistoryLimit:        historyLimit,
		ForceUseInteractive: true,
		FuncIsTerminal:      func() bool { return true },
		FuncMakeRaw: func() (err error) {
			rawMu.Lock()
			defer rawMu.Unlock()
			raw, err = readline.MakeRaw(fd)
			return err
		},
		FuncExitRaw: func() error {
			rawMu.Lock()
			defer rawMu.Unlock()
			if raw == nil {
				return nil
			}
			st := raw
			raw = nil
			return readline.Restore(fd, st)
		},
		FuncGetWidth: func() int {
			if w, _, err := readline.GetSize(fd); err == nil && w > 0 {
				return w
			}
			return 80
		},
		// The width is read again on SIGWINCH by a goroutine that ends
		// with this session (readline's own would outlive it).
		FuncOnWidthChanged: func(f func()) {
			go func() {
				for {
					select {
					case <-resized:
						f()
					case <-done:
						return
					}
				}
			}()
		},
	})
	if err != nil {
		stdin.Close()
		return fmt.Errorf("set up the terminal: %w", err)
	}
	closeTerm := func() {
		stdin.Close() // readline does not close the reader it was given
		rl.Close()
	}
	defer closeTerm()
	stop := context.AfterFunc(ctx, closeTerm)
	defer stop()
	for _, l := range past {
		rl.SaveHistory(l)
	}

	for {
		c.setWriter(rl.Stdout()) // what arrives while typing is printed above the prompt
		text, err := rl.Readline()
		c.setWriter(plain)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			if text != "" {
				continue // the line is cleared
			}
			return ErrInterrupted
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return fmt.Errorf("read input: %w", err)
		}
		if len(text) > MaxConsoleLine {
			c.Print("Error: line too long (max 1 MiB); it was skipped\n  Try: put long text in a file (notice import reads a CSV file)\n")
			continue
		}
		line := strings.TrimSpace(text)
		if hist != nil && line != "" {
			if _, err := io.WriteString(hist, line+"\n"); err != nil {
				return fmt.Errorf("write the history file: %w", err)
			}
		}
		if line == "exit" || line == "quit" {
			return nil
		}
		c.run(ctx, r, user, line)
	}
}

// readHistory returns the last lines of the history file at path, none
// when it does not exist yet.
func readHistory(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the history file: %w", err)
	}
	defer f.Close()
	var lines []string
	err = ReadLines(f, MaxConsoleLine, func(l Line) bool {
		if !l.TooLong && strings.TrimSpace(l.Text) != "" {
			lines = append(lines, l.Text)
			if len(lines) > historyLimit {
				lines = lines[1:]
			}
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("read the history file: %w", err)
	}
	return lines, nil
}

// MaxConsoleLine is the longest console line read; a longer one is
// skipped without being held in memory.
const MaxConsoleLine = 1 << 20

// Line is one line of console input, or the mark of a line that was too
// long to read.
type Line struct {
	// Text is the line without its line end ("" when TooLong).
	Text string
	// TooLong marks a line longer than the limit, which was skipped.
	TooLong bool
}

// ReadLines calls yield with each line of r (without its line end) until r
// ends, yield returns false or reading fails. A line longer than max bytes
// is read past, never held whole, and reported as TooLong.
func ReadLines(r io.Reader, max int, yield func(Line) bool) error {
	br := bufio.NewReaderSize(r, 64*1024)
	var buf []byte
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			body := chunk
			if err == nil {
				body = body[:len(body)-1] // the \n ends the line
			}
			if len(buf)+len(body) > max {
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // the line goes on
		}
		if err != nil && err != io.EOF {
			return err
		}
		if err == nil || len(buf) > 0 || tooLong {
			l := Line{Text: strings.TrimRight(string(buf), "\r\n"), TooLong: tooLong}
			if !yield(l) {
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		buf, tooLong = buf[:0], false
	}
}
