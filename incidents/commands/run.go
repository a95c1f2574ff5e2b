package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// call is one parsed command on its way to the Service: run finds its
// handler, resolves the incident it means, and the handler turns the
// Service's answer into a reply.
type call struct {
	r   *Router
	req Request
	cmd Command
	now time.Time
	// id is the incident the command acts on, once resolved.
	id string
}

// handler runs one command: a method expression of call, such as
// (*call).status.
type handler func(c *call, ctx context.Context) (*Reply, error)

// globalCommands act on no incident in particular.
var globalCommands = map[string]handler{
	"help":    func(c *call, _ context.Context) (*Reply, error) { return helpReply(c.cmd.Args), nil },
	"declare": (*call).declare,
	"drill":   (*call).declare,
	"list":    (*call).list,
}

// incidentCommands act on one incident (the notice commands have their
// own dispatch, Router.notice).
var incidentCommands = map[string]handler{
	"status":     (*call).status,
	"deadlines":  (*call).deadlines,
	"steps":      (*call).steps,
	"facts":      (*call).facts,
	"clock":      (*call).clock,
	"step done":  (*call).step,
	"step waive": (*call).step,
	"decide":     (*call).decide,
	"met":        (*call).met,
	"waive":      (*call).waive,
	"move":       (*call).move,
	"close":      (*call).move,
	"export": func(c *call, ctx context.Context) (*Reply, error) {
		return c.r.export(ctx, c.req.User, c.id, c.cmd.Flags["format"])
	},
}

// run runs a parsed command: a global one directly; any other after
// resolving the incident it means.
func (r *Router) run(ctx context.Context, req Request, cmd Command) (*Reply, error) {
	c := &call{r: r, req: req, cmd: cmd, now: r.svc.Clock().Now()}
	if h, ok := globalCommands[cmd.Name]; ok {
		return h(c, ctx)
	}
	if rep, err := c.resolve(ctx); rep != nil || err != nil {
		return rep, err
	}
	if strings.HasPrefix(cmd.Name, "notice ") {
		return r.notice(ctx, req, cmd, c.id)
	}
	if h, ok := incidentCommands[cmd.Name]; ok {
		return h(c, ctx)
	}
	return nil, fmt.Errorf("command %q has no handler", cmd.Name)
}

// resolve finds the incident the command means and, when the command named
// it with --incident and only reads it or is a notice command, makes it the
// user's current one (commands that change the incident itself do this in
// their own transaction). A bare status that means no incident is answered
// here with the list of open incidents.
func (c *call) resolve(ctx context.Context) (*Reply, error) {
	id, err := c.r.incident(ctx, c.req, c.cmd)
	if c.cmd.Name == "status" && c.cmd.Flags[incidentFlag] == "" && incidents.ErrorCode(err) == incidents.EINVALID {
		return c.list(ctx)
	}
	if err != nil {
		return nil, err
	}
	c.id = id
	if c.cmd.Flags[incidentFlag] != "" && (readOnly(c.cmd) || strings.HasPrefix(c.cmd.Name, "notice ")) {
		if err := c.r.svc.MakeCurrent(ctx, c.req.User, id); err != nil {
			return nil, err
		}
	}
	return nil, nil
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

// time reads a time typed in the command.
func (c *call) time(s string) (time.Time, error) { return c.r.time(s) }

// declare runs declare and drill.
func (c *call) declare(ctx context.Context) (*Reply, error) {
	cmd := c.cmd
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
		t, err := c.time(s)
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
	res, err := c.r.svc.Declare(ctx, c.req.User, in)
	if err != nil {
		return nil, err
	}
	return declaredReply(res, c.now), nil
}

// list lists open incidents (all with --all; a bare status lists the open
// ones too).
func (c *call) list(ctx context.Context) (*Reply, error) {
	all := c.cmd.Name == "list" && c.cmd.Bools["all"]
	incs, err := c.r.svc.List(ctx, c.req.User, all)
	if err != nil {
		return nil, err
	}
	return listReply(incs, all), nil
}

// get reads the incident.
func (c *call) get(ctx context.Context) (*incidents.Result, error) {
	return c.r.svc.Get(ctx, c.req.User, c.id)
}

func (c *call) status(ctx context.Context) (*Reply, error) {
	res, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	return statusReply(res, c.now), nil
}

func (c *call) deadlines(ctx context.Context) (*Reply, error) {
	res, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	return deadlinesReply(res, c.now, c.cmd.Bools["all"]), nil
}

func (c *call) steps(ctx context.Context) (*Reply, error) {
	res, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	return stepsReply(res), nil
}

// facts shows the facts, or records those given.
func (c *call) facts(ctx context.Context) (*Reply, error) {
	if len(c.cmd.Args) == 0 {
		res, err := c.get(ctx)
		if err != nil {
			return nil, err
		}
		return factsReply(res, c.now, false), nil
	}
	res, err := c.r.svc.RecordFacts(ctx, c.req.User, c.id, c.cmd.Args)
	if err != nil {
		return nil, err
	}
	return factsReply(res, c.now, true), nil
}

// clock shows the clocks, or records the event given.
func (c *call) clock(ctx context.Context) (*Reply, error) {
	if len(c.cmd.Args) == 0 {
		res, err := c.get(ctx)
		if err != nil {
			return nil, err
		}
		return clockReply(res, c.now, ""), nil
	}
	var (
		at  time.Time
		err error
	)
	if s := c.cmd.Flags["at"]; s != "" {
		if at, err = c.time(s); err != nil {
			return nil, err
		}
	}
	res, err := c.r.svc.RecordEvent(ctx, c.req.User, c.id, c.cmd.Args[0], at, c.cmd.Flags["reason"])
	if err != nil {
		return nil, err
	}
	return clockReply(res, c.now, c.cmd.Args[0]), nil
}

// step runs step done and step waive.
func (c *call) step(ctx context.Context) (*Reply, error) {
	text := strings.Join(c.cmd.Args[1:], " ")
	var (
		res *incidents.Result
		err error
	)
	if c.cmd.Name == "step done" {
		res, err = c.r.svc.CompleteStep(ctx, c.req.User, c.id, c.cmd.Args[0], text)
	} else {
		res, err = c.r.svc.WaiveStep(ctx, c.req.User, c.id, c.cmd.Args[0], text)
	}
	if err != nil {
		return nil, err
	}
	return stepChangedReply(res, c.cmd.Args[0]), nil
}

func (c *call) met(ctx context.Context) (*Reply, error) {
	cmd := c.cmd
	in := incidents.MetInput{Obligation: cmd.Args[0], Reference: cmd.Flags["ref"], DelayReason: cmd.Flags["delay-reason"]}
	if s := cmd.Flags["at"]; s != "" {
		var err error
		if in.At, err = c.time(s); err != nil {
			return nil, err
		}
	}
	res, err := c.r.svc.Met(ctx, c.req.User, c.id, in)
	if err != nil {
		return nil, err
	}
	rep := obligationChangedReply(res, c.now, cmd.Args[0], "met")
	if o, ok := res.Incident.Obligation(cmd.Args[0]); ok {
		rep.Sections = append(rep.Sections, metDraftSections(res.Incident, o)...)
	}
	return rep, nil
}

func (c *call) waive(ctx context.Context) (*Reply, error) {
	res, err := c.r.svc.Waive(ctx, c.req.User, c.id, c.cmd.Args[0], strings.Join(c.cmd.Args[1:], " "))
	if err != nil {
		return nil, err
	}
	return obligationChangedReply(res, c.now, c.cmd.Args[0], "waived"), nil
}

// move runs move and close.
func (c *call) move(ctx context.Context) (*Reply, error) {
	to := incidents.StateClosed
	if c.cmd.Name == "move" {
		var err error
		if to, err = incidents.ParseState(c.cmd.Args[0]); err != nil {
			return nil, err
		}
	}
	res, err := c.r.svc.Move(ctx, c.req.User, c.id, to)
	if err != nil {
		return nil, err
	}
	rep := movedReply(res, c.now)
	rep.Sections = append(rep.Sections, drillScore(res)...)
	return rep, nil
}
