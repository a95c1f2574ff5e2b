package incidents

import (
	"context"
	"regexp"
)

// ActLead sets an incident's lead: leads, and the incident's current lead.
const ActLead = "lead"

// LeadUser returns the user who leads the incident's response: the one a
// lead named, else the declarer.
func (inc *Incident) LeadUser() string {
	if inc.Lead != "" {
		return inc.Lead
	}
	return inc.DeclaredBy
}

// userIDRE is the form of a user id: a Slack id (U0123ABCD) or a console
// name (alice, bob.smith).
var userIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// SetLead makes user the lead of an incident: the one shown on its board
// and sent its escalations first. Leads may set it, and so may the
// incident's current lead (to hand over); the new lead must hold a
// breachbot role that sees incidents. A refusal is audited.
func (s *Service) SetLead(ctx context.Context, actor, id, user string) (*Result, error) {
	if !userIDRE.MatchString(user) {
		return nil, Errorf(EINVALID, "%q is not a user", user).
			WithHint("name one person: /breach lead @someone (in the console, their user id: /breach lead alice)")
	}
	roles, err := rolesOf(ctx, s.roles, actor)
	if err != nil {
		return nil, err
	}
	theirs, err := s.roles.Roles(ctx, user)
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.update(ctx, func(t *txn) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		prev := inc.LeadUser()
		if !s.perms.allowed(ActLead, roles) && actor != prev {
			return Errorf(EFORBIDDEN, "setting the lead of %s needs the leads role or being its lead (%s)", inc.ID, prev).
				WithHint("ask a lead, or %s, to type /breach lead @someone", prev)
		}
		if !s.perms.allowed(ActView, theirs) {
			return Errorf(EINVALID, "%s holds no breachbot role that sees incidents, so they could not lead %s", user, inc.ID).
				WithHint("name someone listed under roles in breachbot.yaml, or ask an admin to add %s there", user)
		}
		res.Incident, res.Playbook = inc, pb
		if prev == user {
			res.Unchanged = true
			return nil
		}
		inc.Lead = user
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		if err := t.makeCurrent(actor, inc.ID); err != nil {
			return err
		}
		return s.audit(t, actor, "incident.lead", inc, map[string]string{"lead": user, "previous": prev})
	})
	if c := ErrorCode(err); c == EFORBIDDEN || c == ECONFLICT {
		s.refused(ctx, actor, ActLead, id, err)
	}
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// makeCurrent makes id the actor's current incident, if it is not already.
func (t *txn) makeCurrent(actor, id string) error {
	cur, err := t.Current(actor)
	if err != nil || cur == id {
		return err
	}
	return t.SetCurrent(actor, id)
}
