package incidents

import (
	"context"
	"slices"
	"sort"
	"strings"
)

// Roles a user can hold. A user may hold several.
const (
	RoleResponders = "responders"
	RoleLeads      = "leads"
	RoleLegal      = "legal"
)

// AllRoles lists every role.
var AllRoles = []string{RoleResponders, RoleLeads, RoleLegal}

// Actions that permissions are configured for.
const (
	ActView    = "view"
	ActDeclare = "declare"
	ActFacts   = "facts"
	ActClock   = "clock"
	ActStep    = "step"
	ActMove    = "move"
	ActMet     = "met"
	ActWaive   = "waive"
	ActClose   = "close"
	ActExport  = "export"
	// ActImport imports affected people for notices.
	ActImport = "import"
	// ActNotice drafts and submits notices and shows their status.
	ActNotice = "notice"
	// ActApprove approves or rejects notices: legal only.
	ActApprove = "approve"
	// ActSend test-sends, sends and retries approved notices.
	ActSend = "send"
	// ActLookup answers whether an address was notified: legal only.
	ActLookup = "lookup"
	// ActPurge deletes the affected people of a closed incident.
	ActPurge = "purge"
	// ActAwarenessLater moves an incident's awareness time later, which
	// pushes back every deadline that runs from it: leads and legal only,
	// with a reason. Moving it earlier needs only ActClock.
	ActAwarenessLater = "awareness_later"
	// ActHandoff moves the rest of a paused send to a folder, to be
	// delivered by other means: legal only.
	ActHandoff = "handoff"
	// ActUpgrade moves a running incident to the current version of its
	// playbook: leads only.
	ActUpgrade = "upgrade"
)

// RoleResolver tells which roles a user holds. The Service calls it before
// every use case, outside any transaction (resolving may call Slack).
type RoleResolver interface {
	Roles(ctx context.Context, user string) ([]string, error)
}

// RoleResolverFunc adapts a function to RoleResolver.
type RoleResolverFunc func(ctx context.Context, user string) ([]string, error)

// Roles calls f.
func (f RoleResolverFunc) Roles(ctx context.Context, user string) ([]string, error) {
	return f(ctx, user)
}

// EveryRole is a RoleResolver that gives every user every role: the console
// without a config file.
var EveryRole = RoleResolverFunc(func(context.Context, string) ([]string, error) { return AllRoles, nil })

// localAdministratorKey marks a context as carrying a request of the local
// administrator (see AsLocalAdministrator).
type localAdministratorKey struct{}

// AsLocalAdministrator returns ctx marked as a request of the local
// administrator: the person who runs a data command (export, audit verify,
// notice import|lookup|purge) on the machine that holds the database,
// either against the file or through the running bot's loopback admin
// endpoint. Whoever can do that can read the database file itself, so the
// local administrator holds every role whatever roles are configured, and
// the audit log records the actor name the command gives. Only the data
// commands mark a context so: no user name, in Slack or on the console,
// makes anyone the local administrator.
func AsLocalAdministrator(ctx context.Context) context.Context {
	return context.WithValue(ctx, localAdministratorKey{}, true)
}

// IsLocalAdministrator reports whether ctx was marked by AsLocalAdministrator.
func IsLocalAdministrator(ctx context.Context) bool {
	v, _ := ctx.Value(localAdministratorKey{}).(bool)
	return v
}

// rolesOf returns the roles actor holds: every role for the local
// administrator, else what r says.
func rolesOf(ctx context.Context, r RoleResolver, actor string) ([]string, error) {
	if IsLocalAdministrator(ctx) {
		return AllRoles, nil
	}
	return r.Roles(ctx, actor)
}

// Permissions maps an action to the roles allowed to take it.
type Permissions map[string][]string

// DefaultPermissions returns the permissions used when the config file names
// none. Waiving stays with leads and legal whatever the config says.
func DefaultPermissions() Permissions {
	return Permissions{
		ActView:    {RoleResponders, RoleLeads, RoleLegal},
		ActDeclare: {RoleResponders, RoleLeads},
		ActFacts:   {RoleResponders, RoleLeads, RoleLegal},
		ActClock:   {RoleResponders, RoleLeads, RoleLegal},
		ActStep:    {RoleResponders, RoleLeads, RoleLegal},
		ActMove:    {RoleResponders, RoleLeads},
		ActMet:     {RoleLeads, RoleLegal},
		ActWaive:   {RoleLeads, RoleLegal},
		ActClose:   {RoleLeads},
		ActExport:  {RoleLeads, RoleLegal},
		ActImport:  {RoleResponders, RoleLeads, RoleLegal},
		ActNotice:  {RoleResponders, RoleLeads, RoleLegal},
		ActApprove: {RoleLegal},
		ActSend:    {RoleLeads, RoleLegal},
		ActLookup:  {RoleLegal},
		ActPurge:   {RoleLeads, RoleLegal},

		ActAwarenessLater: {RoleLeads, RoleLegal},
		ActHandoff:        {RoleLegal},
		ActUpgrade:        {RoleLeads},
		ActLead:           {RoleLeads},
		ActUpdate:         {RoleResponders, RoleLeads, RoleLegal},
	}
}

// restricted lists actions whose roles the config may narrow but not widen.
var restricted = map[string][]string{
	ActWaive:   {RoleLeads, RoleLegal},
	ActApprove: {RoleLegal},
	ActLookup:  {RoleLegal},

	ActAwarenessLater: {RoleLeads, RoleLegal},
	ActHandoff:        {RoleLegal},
}

// Validate checks that every action and role is known and that restricted
// actions are not widened; it reports every problem at once.
func (p Permissions) Validate() error {
	var problems []string
	def := DefaultPermissions()
	actions := make([]string, 0, len(p))
	for a := range p {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	for _, a := range actions {
		if _, ok := def[a]; !ok {
			problems = append(problems, "unknown action "+a)
			continue
		}
		for _, r := range p[a] {
			if !slices.Contains(AllRoles, r) {
				problems = append(problems, "action "+a+": unknown role "+r)
			} else if lim, ok := restricted[a]; ok && !slices.Contains(lim, r) {
				problems = append(problems, "action "+a+" is for "+strings.Join(lim, " or ")+" only; "+r+" may not be given it")
			}
		}
	}
	if len(problems) > 0 {
		return Errorf(EINVALID, "permissions: %s", strings.Join(problems, "; "))
	}
	return nil
}

func (p Permissions) allowed(action string, roles []string) bool {
	for _, r := range p[action] {
		if slices.Contains(roles, r) {
			return true
		}
	}
	return false
}
