package commands_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// leadIs checks who the stored incident names as its lead.
func leadIs(want string) func(t *testing.T, inc *incidents.Incident) {
	return func(t *testing.T, inc *incidents.Incident) {
		t.Helper()
		if got := inc.LeadUser(); got != want {
			t.Errorf("lead = %q, want %q", got, want)
		}
	}
}

func TestRouterLead(t *testing.T) {
	t.Parallel()
	declaredByLead := []typed{{"Ulead", `declare Shop DB copied --aware 2026-11-20T09:00Z`}}
	runRouterCases(t, []routerCase{
		{name: "the declarer leads until someone is named", setup: routerSetup, typed: typed{"Ulegal", "lead" + inc1}, ok: true,
			want: []string{"INC-2026-0001 is led by Uresp"}},
		{name: "a lead names the lead with a Slack mention", setup: routerSetup, typed: typed{"Ulead", "lead <@Ulegal|dana>" + inc1}, ok: true,
			want: []string{"Ulegal now leads INC-2026-0001", "Missed deadlines go to Ulegal first"}, stored: leadIs("Ulegal")},
		{name: "the current lead hands over, console id", setup: routerSetup, typed: typed{"Uresp", "lead @Ulead" + inc1}, ok: true,
			want: []string{"Ulead now leads INC-2026-0001"}, stored: leadIs("Ulead")},
		{name: "a responder who does not lead is refused", setup: declaredByLead, typed: typed{"Uresp", "lead Uresp" + inc1},
			want:    []string{"setting the lead of INC-2026-0001 needs the leads role or being its lead (Ulead)", "ask a lead, or Ulead"},
			refused: incidents.ActLead},
		{name: "someone without a role cannot lead", setup: routerSetup, typed: typed{"Ulead", "lead Unobody" + inc1},
			want: []string{"Unobody holds no breachbot role that sees incidents", "roles in breachbot.yaml"}},
		{name: "not a person", setup: routerSetup, typed: typed{"Ulead", "lead <#C123|general>" + inc1},
			want: []string{`"<#C123|general>" does not name a person`, "/breach lead @dana"}},
	})
}

// Setting the lead is audited; the board names the lead first (the
// declarer where no lead was set), and status names it too.
func TestLeadIsAuditedAndOnTheBoard(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	b.must(routerSetup[0].user, routerSetup[0].line)
	board := func() string {
		res, err := b.svc.Get(context.Background(), "Ulead", "INC-2026-0001")
		if err != nil {
			t.Fatal(err)
		}
		return commands.Board(res, routerNow).Text()
	}
	mustContain(t, board(), "Lead: Uresp")
	b.must("Ulead", "lead <@Ulegal|dana>"+inc1)
	mustContain(t, board(), "Lead: Ulegal")
	mustContain(t, b.must("Uresp", "status"+inc1), "Lead: Ulegal")
	var got []map[string]string
	for _, e := range b.audit("INC-2026-0001") {
		if e.Action == "incident.lead" {
			got = append(got, map[string]string{"actor": e.Actor, "lead": e.Details["lead"], "previous": e.Details["previous"], "outcome": string(e.Outcome)})
		}
	}
	want := []map[string]string{{"actor": "Ulead", "lead": "Ulegal", "previous": "Uresp", "outcome": string(incidents.OutcomeOK)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit of incident.lead (-want +got):\n%s", diff)
	}
}

// An update goes to the incident's channel through the outbox, and stays
// in the export's timeline; someone without a role is refused and audited.
func TestUpdatePostedAndInTheExport(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	b.must(routerSetup[0].user, routerSetup[0].line)
	b.must("Uresp", "update Contained: the bucket is private again")

	var posted []string
	d := incidents.NewDispatcher(b.svc, incidents.NotifierFunc(func(_ context.Context, n incidents.Notification) error {
		if n.Kind == incidents.NotifyUpdate {
			posted = append(posted, n.Audience+": "+commands.NotificationReply(n, routerNow).Text())
		}
		return nil
	}))
	if _, err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(posted) != 1 || !strings.HasPrefix(posted[0], incidents.AudienceIncident+": ") {
		t.Fatalf("updates delivered: %q, want one to the incident channel", posted)
	}
	mustContain(t, posted[0], "Update on INC-2026-0001 from Uresp", "Contained: the bucket is private again")

	f, err := b.router.Export(context.Background(), "Ulead", "INC-2026-0001", "md")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(f.Data), "| Uresp | incident.update | ok | text=Contained: the bucket is private again |")

	text, ok := b.run("Unobody", "update all fine --incident INC-2026-0001")
	if ok {
		t.Fatalf("update by someone without a role was accepted: %s", text)
	}
	mustContain(t, text, "posting a status update needs the responders or leads or legal role")
	if !b.auditedRefusal("Unobody", incidents.ActUpdate) {
		t.Error("the refused update is not audited")
	}
	if text, ok := b.run("Uresp", "update   "+inc1); ok || !strings.Contains(text, "needs the text of the update") {
		t.Errorf("an empty update: ok=%v %s", ok, text)
	}
}

// In the console, a missed deadline says it goes to the incident's lead
// first.
func TestConsoleEscalationNamesTheLeadFirst(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow.Add(96*time.Hour))
	b.must("Uresp", "declare Shop DB copied --aware 2026-11-20T09:00Z")
	b.must("Ulead", "lead Ulegal"+inc1)
	b.must("Uresp", "facts jurisdictions=EU"+inc1) // GDPR's 72 hours ran out a day ago
	var out bytes.Buffer
	if _, err := incidents.NewDispatcher(b.svc, commands.NewConsole(&out, b.clock)).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustContain(t, out.String(), "[to the lead Ulegal, then the other leads, by direct message in Slack] MISSED")
}
