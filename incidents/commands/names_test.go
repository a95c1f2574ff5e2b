package commands_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents/commands"
)

var staffNames = map[string]string{"Uresp": "Rita Responder", "Ulead": "Lee Lead"}

func namedBoard(t *testing.T, mentions bool) *board {
	b := newBoard(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	b.router = commands.NewRouter(b.svc, commands.RouterOptions{Mentions: mentions,
		UserName: func(_ context.Context, id string) (string, bool) { n, ok := staffNames[id]; return n, ok }})
	return b
}

// Exports show each person by name with the id beside it: the Markdown
// as "Name (id)", the JSON as a "…_name" field beside each person field
// whose existing keys stay as they were. Unknown people stay ids.
func TestExportShowsNamesBesideIDs(t *testing.T) {
	t.Parallel()
	b := namedBoard(t, true)
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU affected=800"`)
	b.must("Uresp", "step done triage")
	b.must("Ulegal", "facts encrypted=no --incident INC-2026-0001")
	ctx := context.Background()

	f, err := b.router.Export(ctx, "Ulead", "INC-2026-0001", "md")
	if err != nil {
		t.Fatal(err)
	}
	md := string(f.Data)
	mustContain(t, md, "by Rita Responder (Uresp) |", "| triage | done |", "Exported | ", "by Lee Lead (Ulead) |", "| Rita Responder (Uresp) | incident.declared |")
	if !strings.Contains(md, "by Ulegal |") {
		t.Errorf("a person without a known name should stay an id:\n%s", md)
	}

	f, err = b.router.Export(ctx, "Ulead", "INC-2026-0001", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Incident struct {
			DeclaredBy     string `json:"declared_by"`
			DeclaredByName string `json:"declared_by_name"`
			Steps          []struct {
				ID     string `json:"id"`
				By     string `json:"by"`
				ByName string `json:"by_name"`
			} `json:"steps"`
		} `json:"incident"`
		ExportedBy     string           `json:"exported_by"`
		ExportedByName string           `json:"exported_by_name"`
		Timeline       []map[string]any `json:"timeline"`
	}
	if err := json.Unmarshal(f.Data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Incident.DeclaredBy != "Uresp" || rec.Incident.DeclaredByName != "Rita Responder" {
		t.Errorf("declared_by %q, declared_by_name %q; want Uresp, Rita Responder", rec.Incident.DeclaredBy, rec.Incident.DeclaredByName)
	}
	if rec.ExportedBy != "Ulead" || rec.ExportedByName != "Lee Lead" {
		t.Errorf("exported_by %q, exported_by_name %q; want Ulead, Lee Lead", rec.ExportedBy, rec.ExportedByName)
	}
	found := false
	for _, s := range rec.Incident.Steps {
		if s.ID == "triage" {
			found = true
			if s.By != "Uresp" || s.ByName != "Rita Responder" {
				t.Errorf("step triage by %q, by_name %q; want Uresp, Rita Responder", s.By, s.ByName)
			}
		}
	}
	if !found {
		t.Fatal("no step triage in the JSON export")
	}
	for _, e := range rec.Timeline {
		if e["actor"] == "Ulegal" {
			if _, ok := e["actor_name"]; ok {
				t.Errorf("an unknown person got a name: %v", e)
			}
		}
		if e["actor"] == "Uresp" && e["actor_name"] != "Rita Responder" {
			t.Errorf("timeline entry by Uresp has actor_name %v", e["actor_name"])
		}
	}
}

// The console (no mentions) shows people by name in replies; a chat that
// mentions people (Slack) keeps the ids, which it turns into mentions.
func TestRepliesShowNamesUnlessTheChatMentions(t *testing.T) {
	t.Parallel()
	b := namedBoard(t, false)
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU affected=800"`)
	b.must("Uresp", "step done triage")
	out := b.must("Uresp", "steps")
	mustContain(t, out, "by Rita Responder")
	if strings.Contains(out, "by Uresp") {
		t.Errorf("console reply shows the id:\n%s", out)
	}

	s := namedBoard(t, true)
	s.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU affected=800"`)
	s.must("Uresp", "step done triage")
	out = s.must("Uresp", "steps")
	mustContain(t, out, "by Uresp")
	if strings.Contains(out, "Rita") {
		t.Errorf("a reply for Slack shows a name instead of the id to mention:\n%s", out)
	}
}

// The breach register shows who generated it and who decided by name
// beside the id, in Markdown and JSON.
func TestRegisterShowsNamesBesideIDs(t *testing.T) {
	t.Parallel()
	b := namedBoard(t, true)
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU affected=800"`)
	ctx := context.Background()
	f, err := b.router.Register(ctx, "Ulead", "md", "")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(f.Data), "Generated 2026-11-20 10:00 UTC by Lee Lead (Ulead).")
	f, err = b.router.Register(ctx, "Ulead", "json", "")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(f.Data), `"generated_by": "Ulead"`, `"generated_by_name": "Lee Lead"`)
}
