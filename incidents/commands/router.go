package commands

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// Request is one /breach command from a person.
type Request struct {
	// User is the acting user's id (a Slack user id, or the console's --user).
	User string
	// Text is what was typed after /breach.
	Text string
	// Channel is the chat channel it was typed in, if any.
	Channel string
}

// RouterOptions configures a Router. The zero value is usable: times
// typed without a zone are refused, commands cannot open files, and a test
// message needs --to.
type RouterOptions struct {
	// Zone reads times typed without a zone; nil refuses them.
	Zone *time.Location
	// Log receives internal errors with the reference the reply shows
	// (default slog.Default()).
	Log *slog.Logger
	// OpenFile opens files that commands name (notice import FILE, notice
	// draft --file); nil outside the console, where files are uploads.
	OpenFile FileOpener
	// UserEmail returns a user's own address (for test messages), if known.
	UserEmail func(ctx context.Context, user string) (string, bool)
	// UserName returns the display name of a chat user id, if known; nil
	// shows ids. Exports show "Name (id)" (JSON: a "…_name" beside each
	// person field); replies show the name unless Mentions is set.
	UserName func(ctx context.Context, id string) (string, bool)
	// Mentions is set for a chat that mentions people by their ids
	// (Slack): replies keep the ids for it to turn into mentions, and only
	// exports show names.
	Mentions bool
}

// Router runs /breach commands against the Service. Inside an incident's
// chat channel (Request.Channel), commands apply to its incident.
type Router struct {
	svc       *incidents.Service
	zone      *time.Location
	log       *slog.Logger
	openFile  FileOpener
	userEmail func(ctx context.Context, user string) (string, bool)
	userName  UserNamer
	mentions  bool
}

// NewRouter returns a Router for svc configured by o.
func NewRouter(svc *incidents.Service, o RouterOptions) *Router {
	r := &Router{svc: svc, zone: o.Zone, log: o.Log, openFile: o.OpenFile, userEmail: o.UserEmail,
		userName: o.UserName, mentions: o.Mentions}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r
}

// Handle parses and runs one command and always returns a reply: a refusal
// or error is a reply that says what was wrong and what to type instead.
// Internal errors are logged once with a reference that the reply shows.
func (r *Router) Handle(ctx context.Context, req Request) *Reply {
	cmd, err := Parse(req.Text)
	if err != nil {
		return r.fail(ctx, err, req)
	}
	rep, err := r.run(ctx, req, cmd)
	if err != nil {
		return r.fail(ctx, err, req)
	}
	r.nameReply(ctx, rep)
	return rep
}

// fail turns a command's error into its reply through ErrorReply; an
// internal one is logged with who ran which command.
func (r *Router) fail(ctx context.Context, err error, req Request) *Reply {
	return ErrorReply(ctx, r.log.With("user", req.User, "command", firstWord(req.Text)), err)
}

// firstWord is logged instead of the whole command: free text may hold
// things that do not belong in logs.
func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) > 0 && f[0] == "/breach" {
		f = f[1:]
	}
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// incident resolves which incident a command means: --incident, else the
// channel's incident, else the user's current one.
// Incident returns the incident a request's command means: its --incident,
// else the incident of its channel, else the user's current incident.
func (r *Router) Incident(ctx context.Context, req Request) (string, error) {
	cmd, err := Parse(req.Text)
	if err != nil {
		return "", err
	}
	return r.incident(ctx, req, cmd)
}

func (r *Router) incident(ctx context.Context, req Request, cmd Command) (string, error) {
	if id := cmd.Flags[incidentFlag]; id != "" {
		return r.svc.Resolve(ctx, req.User, id)
	}
	if req.Channel != "" {
		id, ok, err := r.svc.IncidentByChannel(ctx, req.Channel)
		if err != nil {
			r.log.Error("incident of channel", "channel", req.Channel, "err", err)
		}
		if ok {
			return id, nil
		}
	}
	return r.svc.Resolve(ctx, req.User, "")
}

func (r *Router) time(s string) (time.Time, error) {
	return ParseTime(s, r.svc.Clock().Now(), r.zone)
}

// Export renders an incident's record as Markdown ("md", the default), JSON
// or a self-contained HTML page ("html").
func (r *Router) Export(ctx context.Context, user, id, format string) (*File, error) {
	rep, err := r.export(ctx, user, id, format)
	if err != nil {
		return nil, err
	}
	return rep.File, nil
}

func (r *Router) export(ctx context.Context, user, id, format string) (*Reply, error) {
	switch strings.ToLower(format) {
	case "", "md", "markdown":
		format = "md"
	case "json", "html":
	default:
		return nil, incidents.Errorf(incidents.EINVALID, "unknown export format %q", format).WithHint("--format md, --format json or --format html")
	}
	rec, err := r.svc.Export(ctx, user, id)
	if err != nil {
		return nil, err
	}
	f := &File{Name: rec.Incident.ID + ".md", ContentType: "text/markdown", Data: recordMarkdown(rec, r.exportPerson(ctx))}
	if format == "html" {
		f = &File{Name: rec.Incident.ID + ".html", ContentType: "text/html", Data: recordHTML(rec, r.exportPerson(ctx))}
	}
	if format == "json" {
		data, err := RecordJSON(rec)
		if err == nil {
			data, err = r.nameJSON(ctx, data)
		}
		if err != nil {
			return nil, err
		}
		f = &File{Name: rec.Incident.ID + ".json", ContentType: "application/json", Data: data}
	}
	return &Reply{Title: fmt.Sprintf("%s record (%s)", rec.Incident.ID, f.Name), Incident: rec.Incident.ID, File: f}, nil
}
