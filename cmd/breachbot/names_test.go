package main

import (
	"context"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// With names: in breachbot.yaml the console shows staff by display name
// (steps done, notice lines, the approval prompt to legal), while the
// commands it suggests still take ids; the export shows name and id.
func TestConsoleShowsConfiguredNames(t *testing.T) {
	e := newNoticeEnv(t, "names: {U_RESP: Rita Responder, U_LEAD: Lee Lead}\n")
	csv := e.file("customers.csv", customers)
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach step done triage",
		"/breach steps",
		factsLine,
		"/breach notice import "+csv,
		draftLine,
		"/breach notice submit",
		"/breach notice status",
	)
	mustContain(t, out,
		"by Rita Responder",
		">>> [to legal] Approval requested: notice N1 of INC-2026-0001 to 3 people (by Rita Responder)",
		"Legal decides (not Rita Responder)",
		"drafted by Rita Responder, submitted by Rita Responder",
	)
	for _, id := range []string{"by U_RESP", "not U_RESP"} {
		if strings.Contains(out, id) {
			t.Errorf("the console shows %q where a name is configured:\n%s", id, out)
		}
	}

	out = e.console("U_LEAD", "/breach export --incident INC-2026-0001")
	mustContain(t, out, "by Rita Responder (U_RESP)", "Exported | ", "by Lee Lead (U_LEAD) |")
}

// In serve, names come from Slack's profiles (users.info, display name
// else real name), read once per person and cached: an export naming the
// lead several times asks Slack once. Replies keep the id for Slack to
// mention.
func TestServeExportNamesPeopleFromSlackProfiles(t *testing.T) {
	ws := workspacetest.New(t)
	ws.SetName("U0LEAD", "", "Lee Lead")
	ws.SetName("U0DPO", "Dana DPO", "Dana Dee")
	s := startServe(t, ws, serveConfig, nil)
	ctx := context.Background()

	rep := s.app.Router.Handle(ctx, commands.Request{User: "U0LEAD", Text: "declare Shop DB copied --aware 2026-11-27T09:00Z"})
	if rep.Error {
		t.Fatalf("declare: %s", rep.Text())
	}
	rep = s.app.Router.Handle(ctx, commands.Request{User: "U0LEAD", Text: "step done triage"})
	if rep.Error {
		t.Fatalf("step done: %s", rep.Text())
	}
	rep = s.app.Router.Handle(ctx, commands.Request{User: "U0LEAD", Text: "steps"})
	mustContain(t, rep.Text(), "by U0LEAD")
	if strings.Contains(rep.Text(), "Lee Lead") {
		t.Errorf("a Slack reply shows the name instead of the id Slack mentions:\n%s", rep.Text())
	}

	before := ws.Calls("users.info")
	f, err := s.app.Router.Export(ctx, "U0LEAD", "INC-2026-0001", "md")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(f.Data), "by Lee Lead (U0LEAD) |", "| triage | done |")
	f, err = s.app.Router.Export(ctx, "U0DPO", "INC-2026-0001", "json")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(f.Data), `"declared_by": "U0LEAD"`, `"declared_by_name": "Lee Lead"`, `"exported_by_name": "Dana DPO"`)
	if got := ws.Calls("users.info") - before; got != 2 {
		t.Errorf("users.info was called %d times for two people named many times; want 2 (cached)", got)
	}
	if strings.Contains(s.stderr.String(), "Lee Lead") || strings.Contains(s.stderr.String(), "Dana") {
		t.Errorf("a name was logged: %s", s.stderr)
	}
}
