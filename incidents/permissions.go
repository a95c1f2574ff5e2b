package incidents

import (
	"context"
	"fmt"
	"strings"
)

// authorize resolves the actor's roles (outside any transaction) and checks
// the action. A refusal is audited.
func (s *Service) authorize(ctx context.Context, actor, action, incident string) ([]string, error) {
	if strings.TrimSpace(actor) == "" {
		return nil, Errorf(EINVALID, "no acting user given")
	}
	roles, err := rolesOf(ctx, s.roles, actor)
	if err != nil {
		return nil, fmt.Errorf("resolve roles of %s: %w", actor, err)
	}
	if s.perms.allowed(action, roles) {
		return roles, nil
	}
	err = s.forbidden(action, roles)
	s.refused(ctx, actor, action, incident, err)
	return nil, err
}

// Authorize checks that actor may take action (ActWaive, ActMet, ...) on an
// incident, exactly as the use case itself will; a refusal is audited. Chat
// adapters call it before opening a form for an action, so that a person
// without the role is told at once instead of after filling it in.
func (s *Service) Authorize(ctx context.Context, actor, action, incident string) error {
	_, err := s.authorize(ctx, actor, action, incident)
	return err
}

func (s *Service) forbidden(action string, roles []string) *Error {
	need := s.perms[action]
	have := "no breachbot role"
	if len(roles) > 0 {
		have = "the role(s) " + strings.Join(roles, ", ")
	}
	return Errorf(EFORBIDDEN, "%s needs the %s role; you have %s", describeAction(action), strings.Join(need, " or "), have).
		WithHint("ask a lead to add your user id to roles in breachbot.yaml, or ask someone with that role")
}

func describeAction(a string) string {
	switch a {
	case ActView:
		return "seeing incidents"
	case ActDeclare:
		return "declaring an incident"
	case ActFacts:
		return "recording facts"
	case ActClock:
		return "recording a clock event"
	case ActStep:
		return "completing a step"
	case ActMove:
		return "moving an incident"
	case ActMet:
		return "recording an obligation as met"
	case ActWaive:
		return "waiving"
	case ActClose:
		return "closing an incident"
	case ActExport:
		return "exporting an incident"
	case ActImport:
		return "importing affected people"
	case ActNotice:
		return "drafting a notice"
	case ActApprove:
		return "approving or rejecting a notice"
	case ActSend:
		return "sending a notice"
	case ActLookup:
		return "looking up whether an address was notified"
	case ActPurge:
		return "purging personal data"
	case ActUpgrade:
		return "upgrading an incident's playbook"
	case ActLead:
		return "setting an incident's lead"
	case ActUpdate:
		return "posting a status update"
	case ActAwarenessLater:
		return "moving the awareness time later (it pushes back every deadline)"
	}
	return a
}

// refused writes an audit entry for a refused action in its own transaction.
func (s *Service) refused(ctx context.Context, actor, action, incident string, cause error) {
	err := s.update(ctx, func(t *txn) error {
		_, err := t.Audit(AuditEntry{At: t.now, Actor: actor, Action: action, Incident: incident, Outcome: OutcomeRefused,
			Details: map[string]string{"reason": ErrorMessage(cause)}})
		return err
	})
	if err != nil {
		s.log.Error("audit refusal", "action", action, "incident", incident, "err", err)
	}
}
