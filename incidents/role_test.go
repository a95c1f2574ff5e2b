package incidents_test

import (
	"context"
	"testing"

	"github.com/breachbot/breachbot/incidents"
)

// TestTheLocalAdministratorHoldsEveryRole: a request marked as the local
// administrator's (the shell data commands) may do what every role may,
// whatever the resolver says of its name; the same name unmarked (a chat
// or console user called "cli:root") holds only its own roles.
func TestTheLocalAdministratorHoldsEveryRole(t *testing.T) {
	e := newEnv(t)
	inc := e.declare(t0)
	ctx := context.Background()
	if _, err := e.svc.Get(ctx, "cli:root", inc.ID); incidents.ErrorCode(err) != incidents.EFORBIDDEN {
		t.Fatalf("a user named cli:root with no role: %v, want forbidden", err)
	}
	if !incidents.IsLocalAdministrator(incidents.AsLocalAdministrator(ctx)) || incidents.IsLocalAdministrator(ctx) {
		t.Fatal("the mark does not stick to the context it was put on only")
	}
	admin := incidents.AsLocalAdministrator(ctx)
	for _, action := range []string{incidents.ActView, incidents.ActExport, incidents.ActLookup, incidents.ActPurge, incidents.ActApprove, incidents.ActWaive} {
		if err := e.svc.Authorize(admin, "cli:root", action, inc.ID); err != nil {
			t.Errorf("local administrator, %s: %v", action, err)
		}
	}
}
