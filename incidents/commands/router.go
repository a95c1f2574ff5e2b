package commands

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
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
}

// Router runs /breach commands against the Service. Inside an incident's
// chat channel (Request.Channel), commands apply to its incident.
type Router struct {
	svc       *incidents.Service
	zone      *time.Location
	log       *slog.Logger
	openFile  FileOpener
	userEmail func(ctx context.Context, user string) (string, bool)
}

// NewRouter returns a Router for svc configured by o.
func NewRouter(svc *incidents.Service, o RouterOptions) *Router {
	r := &Router{svc: svc, zone: o.Zone, log: o.Log, openFile: o.OpenFile, userEmail: o.UserEmail}
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

func (r *Router) run(ctx context.Context, req Request, cmd Command) (*Reply, error) {
	now := r.svc.Clock().Now()
	switch cmd.Name {
	case "help":
		return helpReply(cmd.Args), nil
	case "declare", "drill":
		in := incidents.DeclareInput{Title: strings.Join(cmd.Args, " "), Playbook: cmd.Flags["playbook"], Drill: cmd.Bools["drill"] || cmd.Name == "drill"}
		if cmd.Name == "drill" {
			in.Speed = 60
			if s := cmd.Flags["speed"]; s != "" {
				n, err := strconv.Atoi(s)
				if err != nil {
					return nil, incidents.Errorf(incidents.EINVALID, "--speed %q is not a whole number", s).WithHint("--speed 60 turns hours into minutes; --speed 1 is real time")
				}
				in.Speed = n
			}
		}
		if s := cmd.Flags["severity"]; s != "" {
			sev, err := incidents.ParseSeverity(s)
			if err != nil {
				return nil, err
			}
			in.Severity = sev
		}
		if s := cmd.Flags["aware"]; s != "" {
			t, err := r.time(s)
			if err != nil {
				return nil, err
			}
			in.AwareAt = t
		}
		if s := cmd.Flags["facts"]; s != "" {
			words, err := tokenize(s)
			if err != nil {
				return nil, err
			}
			in.Facts = words
		}
		res, err := r.svc.Declare(ctx, req.User, in)
		if err != nil {
			return nil, err
		}
		return declaredReply(res, now), nil
	case "list":
		incs, err := r.svc.List(ctx, req.User, cmd.Bools["all"])
		if err != nil {
			return nil, err
		}
		return listReply(incs, cmd.Bools["all"]), nil
	}

	// Everything else acts on one incident.
	if cmd.Name == "status" && cmd.Flags[incidentFlag] == "" {
		if _, err := r.incident(ctx, req, cmd); incidents.ErrorCode(err) == incidents.EINVALID {
			incs, err := r.svc.List(ctx, req.User, false)
			if err != nil {
				return nil, err
			}
			return listReply(incs, false), nil
		}
	}
	id, err := r.incident(ctx, req, cmd)
	if err != nil {
		return nil, err
	}
	notice := strings.HasPrefix(cmd.Name, "notice ")
	if cmd.Flags[incidentFlag] != "" && (readOnly(cmd) || notice) {
		// Naming an incident makes it the one later commands mean; commands
		// that change the incident itself do this in their own transaction.
		if err := r.svc.MakeCurrent(ctx, req.User, id); err != nil {
			return nil, err
		}
	}
	if notice {
		return r.notice(ctx, req, cmd, id)
	}
	switch cmd.Name {
	case "status":
		res, err := r.svc.Get(ctx, req.User, id)
		if err != nil {
			return nil, err
		}
		return statusReply(res, now), nil
	case "deadlines":
		res, err := r.svc.Get(ctx, req.User, id)
		if err != nil {
			return nil, err
		}
		return deadlinesReply(res, now, cmd.Bools["all"]), nil
	case "steps":
		res, err := r.svc.Get(ctx, req.User, id)
		if err != nil {
			return nil, err
		}
		return stepsReply(res), nil
	case "facts":
		if len(cmd.Args) == 0 {
			res, err := r.svc.Get(ctx, req.User, id)
			if err != nil {
				return nil, err
			}
			return factsReply(res, now, false), nil
		}
		res, err := r.svc.RecordFacts(ctx, req.User, id, cmd.Args)
		if err != nil {
			return nil, err
		}
		return factsReply(res, now, true), nil
	case "clock":
		if len(cmd.Args) == 0 {
			res, err := r.svc.Get(ctx, req.User, id)
			if err != nil {
				return nil, err
			}
			return clockReply(res, now, ""), nil
		}
		var at time.Time
		if s := cmd.Flags["at"]; s != "" {
			if at, err = r.time(s); err != nil {
				return nil, err
			}
		}
		res, err := r.svc.RecordEvent(ctx, req.User, id, cmd.Args[0], at, cmd.Flags["reason"])
		if err != nil {
			return nil, err
		}
		return clockReply(res, now, cmd.Args[0]), nil
	case "step done", "step waive":
		text := strings.Join(cmd.Args[1:], " ")
		var res *incidents.Result
		if cmd.Name == "step done" {
			res, err = r.svc.CompleteStep(ctx, req.User, id, cmd.Args[0], text)
		} else {
			res, err = r.svc.WaiveStep(ctx, req.User, id, cmd.Args[0], text)
		}
		if err != nil {
			return nil, err
		}
		return stepChangedReply(res, cmd.Args[0]), nil
	case "met":
		in := incidents.MetInput{Obligation: cmd.Args[0], Reference: cmd.Flags["ref"], DelayReason: cmd.Flags["delay-reason"]}
		if s := cmd.Flags["at"]; s != "" {
			if in.At, err = r.time(s); err != nil {
				return nil, err
			}
		}
		res, err := r.svc.Met(ctx, req.User, id, in)
		if err != nil {
			return nil, err
		}
		return obligationChangedReply(res, now, cmd.Args[0], "met"), nil
	case "waive":
		res, err := r.svc.Waive(ctx, req.User, id, cmd.Args[0], strings.Join(cmd.Args[1:], " "))
		if err != nil {
			return nil, err
		}
		return obligationChangedReply(res, now, cmd.Args[0], "waived"), nil
	case "move", "close":
		to := incidents.StateClosed
		if cmd.Name == "move" {
			if to, err = incidents.ParseState(cmd.Args[0]); err != nil {
				return nil, err
			}
		}
		res, err := r.svc.Move(ctx, req.User, id, to)
		if err != nil {
			return nil, err
		}
		return movedReply(res, now), nil
	case "export":
		return r.export(ctx, req.User, id, cmd.Flags["format"])
	}
	return nil, fmt.Errorf("command %q has no handler", cmd.Name)
}

// readOnly reports whether a command only reads its incident.
func readOnly(cmd Command) bool {
	switch cmd.Name {
	case "status", "deadlines", "steps":
		return true
	case "facts", "clock":
		return len(cmd.Args) == 0
	}
	return false
}

// Export renders an incident's record as Markdown ("md", the default) or JSON.
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
	case "json":
	default:
		return nil, incidents.Errorf(incidents.EINVALID, "unknown export format %q", format).WithHint("--format md or --format json")
	}
	rec, err := r.svc.Export(ctx, user, id)
	if err != nil {
		return nil, err
	}
	f := &File{Name: rec.Incident.ID + ".md", ContentType: "text/markdown", Data: RecordMarkdown(rec)}
	if format == "json" {
		data, err := RecordJSON(rec)
		if err != nil {
			return nil, err
		}
		f = &File{Name: rec.Incident.ID + ".json", ContentType: "application/json", Data: data}
	}
	return &Reply{Title: fmt.Sprintf("%s record (%s)", rec.Incident.ID, f.Name), Incident: rec.Incident.ID, File: f}, nil
}
