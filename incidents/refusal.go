package incidents

import "context"

// Refuse audits that a chat adapter refused what a person asked for before
// any use case ran (e.g. an incident's button pressed outside its channel),
// in its own transaction, like a refusal by role. cause is what the person
// was told. Failing to audit is logged, never shown to the person.
func (s *Service) Refuse(ctx context.Context, actor, action, incident string, cause error) {
	s.refused(ctx, actor, action, incident, cause)
}
