package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

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
