package commands_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore/boltstoretest"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/playbooks"
)

// folderBoard is a board whose playbooks come from a folder the test edits,
// as a security lead edits the company's playbooks under a running bot.
func folderBoard(t *testing.T) (*board, string) {
	t.Helper()
	dir := t.TempDir()
	b := &board{t: t, store: boltstoretest.MustOpen(t), clock: clocktest.New(routerNow)}
	roles := map[string][]string{"Uresp": {incidents.RoleResponders}, "Ulead": {incidents.RoleLeads}, "Ulegal": {incidents.RoleLegal}}
	b.svc = incidents.NewService(incidents.Config{
		Store: b.store, Playbooks: playbooks.New(os.DirFS(dir), dir), Clock: b.clock,
		Roles: incidents.RoleResolverFunc(func(_ context.Context, u string) ([]string, error) { return roles[u], nil }),
	})
	b.router = commands.NewRouter(b.svc, commands.RouterOptions{})
	return b, dir
}

// misdirected returns the shipped misdirected-email playbook: v1 as
// shipped, v2 with a new step log-it and step prevent removed.
func misdirected(t *testing.T, v2 bool) []byte {
	t.Helper()
	data, err := os.ReadFile("../../playbooks/misdirected-email.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if v2 {
		s = strings.Replace(s, `version: "2026.11.2"`, `version: "2026.12.1"`, 1)
		i := strings.Index(s, "  - id: prevent\n")
		j := strings.Index(s[i:], "\nobligations:")
		if i < 0 || j < 0 {
			t.Fatal("misdirected-email.yaml no longer has step prevent before obligations")
		}
		s = s[:i] + "  - id: log-it\n    title: Log it in the breach register\n    owner: leads\n" + s[i+j+1:]
	}
	return []byte(s)
}

func TestPlaybookUpgradeCommand(t *testing.T) {
	t.Parallel()
	b, dir := folderBoard(t)
	file := filepath.Join(dir, "misdirected-email.yaml")
	if err := os.WriteFile(file, misdirected(t, false), 0o644); err != nil {
		t.Fatal(err)
	}
	b.must("Uresp", `declare Invoice sent to the wrong customer --playbook misdirected-email --aware 2026-11-20T09:00Z --facts "jurisdictions=DE affected=1"`)
	b.must("Uresp", "step done triage")
	mustContain(t, b.must("Uresp", "playbook diff"), "runs the current version of playbook misdirected-email (v2026.11.2)")

	if err := os.WriteFile(file, misdirected(t, true), 0o644); err != nil {
		t.Fatal(err)
	}
	mustContain(t, b.must("Uresp", "playbook diff"),
		"Playbook misdirected-email: v2026.11.2 → v2026.12.1", "removed: prevent", "added: log-it", "/breach playbook upgrade")

	text, ok := b.run("Uresp", "playbook upgrade")
	if ok || !strings.Contains(text, "leads") {
		t.Fatalf("a responder upgrading was not refused naming the leads:\n%s", text)
	}
	if got := b.stored(); got.Playbook.Version != "2026.11.2" {
		t.Fatalf("after the refusal the incident runs v%s", got.Playbook.Version)
	}
	if !b.auditedRefusal("Uresp", incidents.ActUpgrade) {
		t.Errorf("the refused upgrade is not in the audit log")
	}

	text = b.must("Ulead", "playbook upgrade --incident INC-2026-0001")
	mustContain(t, text, "INC-2026-0001 now runs playbook misdirected-email v2026.12.1 (was v2026.11.2)", "Open steps no longer in the playbook", "prevent")
	got := b.stored()
	if st := step(t, got, "triage"); st.Status != incidents.StepDone {
		t.Errorf("triage is %s after the upgrade, want done", st.Status)
	}
	if st := step(t, got, "log-it"); st.Status != incidents.StepOpen {
		t.Errorf("log-it is %s after the upgrade, want open", st.Status)
	}
	mustContain(t, b.must("Ulead", "playbook upgrade --incident INC-2026-0001"), "already runs the current version")

	f, err := b.router.Export(context.Background(), "Ulead", "INC-2026-0001", "md")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(f.Data), "| Playbook | misdirected-email v2026.12.1",
		"| Playbook until 2026-11-20 10:00 UTC | misdirected-email v2026.11.2", "upgraded to v2026.12.1 by Ulead", "open steps dropped: prevent")
	f, err = b.router.Export(context.Background(), "Ulead", "INC-2026-0001", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Incident struct {
			PinHistory []struct {
				From struct{ Version string } `json:"from"`
			} `json:"pin_history"`
		} `json:"incident"`
	}
	if err := json.Unmarshal(f.Data, &rec); err != nil {
		t.Fatal(err)
	}
	if h := rec.Incident.PinHistory; len(h) != 1 || h[0].From.Version != "2026.11.2" {
		t.Errorf("JSON export pin_history = %+v, want the one upgrade from v2026.11.2", h)
	}
}

// The channel notice of a new version reads as the headline and the
// changes, for the console and Slack alike.
func TestPlaybookUpdateNotificationReply(t *testing.T) {
	t.Parallel()
	n := incidents.Notification{Kind: incidents.NotifyPlaybookUpdate, Incident: "INC-2026-0001", Title: "Invoice",
		Text: "Playbook x v2 is out; INC-2026-0001 runs v1. A lead can move it over: /breach playbook upgrade\nstep added: log-it \"Log it\" (owner leads)"}
	rep := commands.NotificationReply(n, routerNow)
	if !strings.HasPrefix(rep.Title, "Playbook x v2 is out") || strings.Contains(rep.Title, "step added") {
		t.Errorf("title = %q, want the headline only", rep.Title)
	}
	mustContain(t, rep.Text(), "step added: log-it")
}
