package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"sync"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/commands"
)

// lockedWriter serialises output from replies and from the dispatcher.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) print(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	io.WriteString(l.w, s)
}

// consoleNotifier prints reminders and escalations as they are delivered
// from the outbox.
type consoleNotifier struct {
	out   *lockedWriter
	clock incidents.Clock
}

func (c *consoleNotifier) Notify(_ context.Context, n incidents.Notification) error {
	switch n.Kind {
	case incidents.NotifyReminder, incidents.NotifyEscalation:
	case incidents.NotifyNoticeApproval:
		rep := commands.NotificationReply(n, c.clock.Now())
		c.out.print("\n>>> [to legal] " + rep.Text())
		return nil
	case incidents.NotifyNoticeDecision, incidents.NotifyNoticeProgress:
		// Slack updates one progress message in place; the console prints each.
		c.out.print("\n>>> " + commands.NotificationReply(n, c.clock.Now()).Title + "\n")
		return nil
	default:
		return nil // board refreshes are for Slack messages updated in place
	}
	rep := commands.NotificationReply(n, c.clock.Now())
	prefix := "\n>>> "
	if n.Audience == incidents.AudienceLeads {
		c.out.print(fmt.Sprintf("\n>>> [to the leads, by direct message in Slack] %s\n", rep.Title))
		return nil
	}
	c.out.print(prefix + rep.Text())
	return nil
}

func defaultConsoleUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "console"
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runConsole reads /breach lines from stdin and prints the replies, with the
// same router, store and scheduler as Slack mode.
func (m *Main) runConsole(ctx context.Context, args []string) error {
	fs := m.flagSet("console")
	var c commonFlags
	c.register(fs)
	userID := fs.String("user", "", "act as this user id (default: your login name)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("console takes no arguments, got %q; pipe /breach lines into it or type them", strings.Join(fs.Args(), " "))
	}
	cfg, err := m.loadConfig(c)
	if err != nil {
		return err
	}
	if *userID == "" {
		*userID = defaultConsoleUser()
	}
	log := m.logger(cfg)
	if cfg.encryptionKey == nil {
		// The console works without setup: personal data is encrypted
		// under a key kept beside the database, created on first use.
		created, err := boltstore.CreateKeyFile(cfg.DB)
		if err != nil {
			return fmt.Errorf("create the local encryption key: %w", err)
		}
		if created {
			fmt.Fprintf(m.Stderr, "Created an encryption key for affected people's data at %s (readable by you only). Keep it with the database: without it the imported people cannot be read. Production: set BREACHBOT_ENCRYPTION_KEY.\n", boltstore.KeyFile(cfg.DB))
		}
	}
	app, err := openApp(cfg, m.Clock, log, frontEnd{roles: cfg.roleResolver(), openFile: commands.LocalFiles})
	if err != nil {
		return err
	}
	defer app.Close()

	out := &lockedWriter{w: m.Stdout}
	admin, err := startAdmin(ctx, app)
	if err != nil {
		return err
	}
	defer admin.Close()

	fmt.Fprintf(m.Stderr, "breachbot console: database %s, acting as %q.\n", cfg.DB, *userID)
	if len(cfg.Roles) == 0 {
		fmt.Fprintf(m.Stderr, "No roles are configured (no breachbot.yaml with roles:), so %q has every role here. Type /breach help.\n", *userID)
	} else if roles, _ := cfg.roleResolver().Roles(ctx, *userID); len(roles) == 0 {
		fmt.Fprintf(m.Stderr, "Warning: %q holds no role in %s; most commands will be refused. Use --user with an id listed under roles:.\n", *userID, cfg.Path)
	}

	notifier := &consoleNotifier{out: out, clock: app.Clock}
	workers := app.workers(notifier)
	workers.PurgeExpired(ctx)
	workers.Start(ctx)
	defer workers.Close()
	if m.started != nil {
		m.started(app)
	}

	interactive := isTerminal(m.Stdin)
	lines := make(chan inputLine)
	readErr := make(chan error, 1)
	go func() {
		defer close(lines)
		readErr <- readLines(m.Stdin, maxConsoleLine, func(l inputLine) bool {
			select {
			case lines <- l:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	for {
		if interactive {
			out.print("breachbot> ")
		}
		var (
			in inputLine
			ok bool
		)
		select {
		case <-ctx.Done():
			return nil
		case in, ok = <-lines:
		}
		if !ok {
			break
		}
		if in.tooLong {
			out.print("Error: line too long (max 1 MiB); it was skipped\n  Try: put long text in a file (notice import reads a CSV file)\n")
			continue
		}
		line := strings.TrimSpace(in.text)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if line == "exit" || line == "quit" {
			break
		}
		rep := app.Router.Handle(ctx, commands.Request{User: *userID, Text: line})
		out.print(rep.Text() + "\n")
	}
	select {
	case err := <-readErr:
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
	default:
	}
	// Finish the notice sends in progress (progress is printed as it goes),
	// then stop the background loops, then fire and deliver what is already
	// due, so a piped session shows the reminders its commands caused.
	if err := app.Notices.Idle(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped by a signal while sending: the send resumes at the next start
		}
		return err
	}
	workers.Close()
	return workers.Flush(ctx)
}

// maxConsoleLine is the longest console line read; a longer one is skipped
// without being held in memory.
const maxConsoleLine = 1 << 20

// inputLine is one line of console input, or the mark of a line that was
// too long to read.
type inputLine struct {
	text    string
	tooLong bool
}

// readLines calls yield with each line of r (without its line end) until r
// ends, yield returns false or reading fails. A line longer than max bytes
// is read past, never held whole, and reported as tooLong.
func readLines(r io.Reader, max int, yield func(inputLine) bool) error {
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
			l := inputLine{text: strings.TrimRight(string(buf), "\r\n"), tooLong: tooLong}
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
