package commands

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

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
		rep := r.Handle(ctx, Request{User: user, Text: line})
		c.Print(rep.Text() + "\n")
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
