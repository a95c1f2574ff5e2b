package main

import (
	"strings"
	"testing"
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
