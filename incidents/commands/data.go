package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// The data commands are typed at a shell on the machine that holds the
// database (breachbot export INCIDENT, ...), not in Slack: they run with
// the same grammar as /breach, from their own table, as the local
// administrator (incidents.AsLocalAdministrator), who holds every role.

// dataSpecs is the grammar of the data commands.
var dataSpecs = []*spec{
	{name: "export",
		usage:   "breachbot export INCIDENT [--format md|json|html]",
		summary: "the incident record for regulators",
		flags:   []string{"format"}, minArgs: 1, maxArgs: 1, missing: "needs the incident id (INC-2026-0001)"},
	{name: "register",
		usage:   "breachbot register [--format csv|json|md] [--since 2026-01-01]",
		summary: "every incident, with what GDPR Art. 33(5) asks to document (the breach register)",
		flags:   []string{"format", "since"}, maxArgs: 0},
	{name: "audit verify",
		usage:   "breachbot audit verify",
		summary: "check the audit log's hash chain",
		maxArgs: 0},
	{name: "notice import",
		usage:   "breachbot notice import INCIDENT FILE.csv",
		summary: "import the affected people of an incident",
		minArgs: 2, maxArgs: 2, missing: "needs the incident id and the CSV file"},
	{name: "notice lookup",
		usage:   "breachbot notice lookup INCIDENT ADDRESS",
		summary: "was this address notified, and when (exit 0 notified, 3 not notified, 4 in doubt)",
		minArgs: 2, maxArgs: 2, missing: "needs the incident id and the address"},
	{name: "notice purge",
		usage:   "breachbot notice purge INCIDENT",
		summary: "delete a closed incident's affected people (counts stay)",
		minArgs: 1, maxArgs: 1, missing: "needs the incident id"},
}

// Exit codes of the data commands, for scripts.
const (
	exitOK       = 0
	exitFailed   = 1 // refused or failed; the message says why
	exitUsage    = 2 // not a data command as written
	exitNotified = 0
	exitNotSent  = 3 // notice lookup: not notified
	exitInDoubt  = 4 // notice lookup: handed to the relay, no reply recorded
)

// localActorPrefix starts the actor of every data command: the person at
// the shell of the machine holding the database.
const localActorPrefix = "cli"

// LocalActor is the actor a data command records for the login name of
// whoever runs it ("cli:alice"; "cli" when the login is not known).
func LocalActor(login string) string {
	if login == "" {
		return localActorPrefix
	}
	return localActorPrefix + ":" + login
}

// DataUsage lists the data commands, one per line, with what each does.
func DataUsage() string {
	var b strings.Builder
	for _, sp := range dataSpecs {
		fmt.Fprintf(&b, "  %-45s %s\n", sp.usage, sp.summary)
	}
	return b.String()
}

// parseData parses a data command's words (without "breachbot").
func parseData(words []string) (Command, error) {
	if len(words) == 0 {
		return Command{}, incidents.Errorf(incidents.EINVALID, "no data command given").WithHint("one of:\n%s", DataUsage())
	}
	name := strings.ToLower(words[0])
	rest := words[1:]
	if name == "audit" || name == "notice" {
		if len(words) < 2 {
			return Command{}, incidents.Errorf(incidents.EINVALID, "%s needs an action", name).WithHint("one of:\n%s", dataUsageOf(name))
		}
		name += " " + strings.ToLower(words[1])
		rest = words[2:]
	}
	for _, sp := range dataSpecs {
		if sp.name == name {
			return parseArgs(sp, rest)
		}
	}
	if first := strings.ToLower(words[0]); first == "audit" || first == "notice" {
		return Command{}, incidents.Errorf(incidents.EINVALID, "unknown %s action %q", first, words[1]).WithHint("one of:\n%s", dataUsageOf(first))
	}
	return Command{}, incidents.Errorf(incidents.EINVALID, "unknown data command %q", strings.Join(words, " ")).WithHint("one of:\n%s", DataUsage())
}

// dataUsageOf lists the usage of the data commands that start with word.
func dataUsageOf(word string) string {
	var b strings.Builder
	for _, sp := range dataSpecs {
		if strings.HasPrefix(sp.name, word) {
			fmt.Fprintf(&b, "  %s\n", sp.usage)
		}
	}
	return b.String()
}

// RunData runs a data command: args are its words as typed at the shell
// (without "breachbot"), followed by --actor and the actor, which must be
// a LocalActor. It writes what the person reads to stdout (the result) and
// stderr (errors), and returns the process's exit code: 0 done, 1 refused
// or failed, 2 not a data command as written; notice lookup exits 0 for
// notified, 3 for not notified and 4 for in doubt. The same code runs in
// the process that opened the database and, through the admin endpoint,
// in the process that holds it.
func (r *Router) RunData(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	actor, words := takeActor(args)
	if !strings.HasPrefix(actor, localActorPrefix) {
		fmt.Fprintln(stderr, "breachbot: data commands act as the local administrator only")
		return exitUsage
	}
	cmd, err := parseData(words)
	if err != nil {
		WriteError(ctx, r.log, stderr, err)
		return exitUsage
	}
	// Only the local administrator gets here: the database file's reader,
	// in this process or through the loopback admin endpoint's token.
	ctx = incidents.AsLocalAdministrator(ctx)
	d := &dataCall{r: r, actor: actor, cmd: cmd, stdout: stdout}
	code, err := d.run(ctx)
	if err != nil {
		WriteError(ctx, r.log.With("actor", actor, "command", strings.Join(words[:min(2, len(words))], " ")), stderr, err)
		return exitFailed
	}
	return code
}

// takeActor takes "--actor NAME" out of args.
func takeActor(args []string) (actor string, rest []string) {
	for i := 0; i < len(args); i++ {
		if args[i] == "--actor" && i+1 < len(args) {
			actor = args[i+1]
			i++
			continue
		}
		rest = append(rest, args[i])
	}
	return actor, rest
}

// dataCall is one parsed data command on its way to the Service.
type dataCall struct {
	r      *Router
	actor  string
	cmd    Command
	stdout io.Writer
}

func (d *dataCall) run(ctx context.Context) (int, error) {
	svc := d.r.svc
	if d.cmd.Name == "audit verify" {
		n, brk, err := svc.VerifyAudit(ctx)
		if err != nil {
			return 0, err
		}
		if brk != nil {
			fmt.Fprintf(d.stdout, "audit log BROKEN at entry %d: %s\n%d entries before it verified.\n", brk.Seq, brk.Reason, n)
			return exitFailed, nil
		}
		fmt.Fprintf(d.stdout, "audit log OK: %d entries, hash chain intact\n", n)
		return exitOK, nil
	}
	if d.cmd.Name == "register" {
		f, err := d.r.Register(ctx, d.actor, d.cmd.Flags["format"], d.cmd.Flags["since"])
		if err != nil {
			return 0, err
		}
		d.stdout.Write(f.Data)
		return exitOK, nil
	}
	id, err := incidents.ParseIncidentID(d.cmd.Args[0])
	if err != nil {
		return 0, err
	}
	switch d.cmd.Name {
	case "export":
		f, err := d.r.Export(ctx, d.actor, id, d.cmd.Flags["format"])
		if err != nil {
			return 0, err
		}
		d.stdout.Write(f.Data)
		return exitOK, nil
	case "notice purge":
		res, err := svc.PurgePersonalData(ctx, d.actor, id)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(d.stdout, "%s: the data of %d affected people (lists %s) is deleted; counts, hashes and outcomes remain\n", id, res.People, strings.Join(res.Sets, ", "))
		return exitOK, nil
	case "notice import":
		// The file is read by the process holding the database: the
		// same user on the same machine, given an absolute path.
		path := d.cmd.Args[1]
		f, size, err := LocalFiles(ctx, d.actor, path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		rep, err := svc.ImportRecipients(ctx, d.actor, id, f, incidents.ImportInput{Source: filepath.Base(path), Size: size})
		if err != nil {
			return 0, err
		}
		io.WriteString(d.stdout, ImportReply(rep, svc.Clock().Now()).Text())
		return exitOK, nil
	case "notice lookup":
		res, err := svc.LookupRecipient(ctx, d.actor, id, d.cmd.Args[1])
		if err != nil {
			return 0, err
		}
		io.WriteString(d.stdout, LookupReply(res).Text())
		// Scripts can tell: notified (sent: the server said 250), in
		// doubt (handed over, no reply recorded), not notified.
		switch res.Notified() {
		case incidents.Notified:
			return exitNotified, nil
		case incidents.NotifiedInDoubt:
			return exitInDoubt, nil
		}
		return exitNotSent, nil
	}
	return 0, incidents.Errorf(incidents.EINTERNAL, "data command %q has no handler", d.cmd.Name)
}

// LocalFiles is a FileOpener for the console and the data commands: it
// opens a file on this machine, relative to the working directory.
func LocalFiles(_ context.Context, _, path string) (io.ReadCloser, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, incidents.Errorf(incidents.EINVALID, "cannot open %s: %s", path, strings.TrimPrefix(errors.Unwrap(err).Error(), "open ")).
			WithHint("give the path of the file, relative to where breachbot runs or absolute")
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, 0, incidents.Errorf(incidents.EINVALID, "%s is not a file", path)
	}
	return f, st.Size(), nil
}

// WriteError writes what a person at a terminal reads about err, made by
// ErrorReply (an internal error is logged on log, nil: the default
// logger, with the reference that is printed).
func WriteError(ctx context.Context, log *slog.Logger, w io.Writer, err error) {
	rep := ErrorReply(ctx, log, err)
	fmt.Fprintf(w, "breachbot: %s\n", rep.Title)
	for _, s := range rep.Sections {
		text := strings.TrimPrefix(s.Text, "Try: ")
		if strings.HasPrefix(text, "one of:\n") || strings.HasPrefix(text, "usage: ") {
			fmt.Fprintf(w, "  %s\n", strings.TrimRight(text, "\n"))
			continue
		}
		fmt.Fprintf(w, "  try: %s\n", text)
	}
}
