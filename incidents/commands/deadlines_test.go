package commands_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/boltstore/boltstoretest"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/playbooks"
)

// board is the /breach grammar over a real bbolt file, the shipped playbooks
// and regulations catalog, and a fake clock.
type board struct {
	t      *testing.T
	store  *boltstore.Store
	clock  *clocktest.Clock
	svc    *incidents.Service
	router *commands.Router
}

func newBoard(t *testing.T, now time.Time) *board {
	t.Helper()
	store := boltstoretest.MustOpen(t)
	roles := map[string][]string{
		"Uresp":  {incidents.RoleResponders},
		"Ulead":  {incidents.RoleLeads},
		"Ulegal": {incidents.RoleLegal},
	}
	b := &board{t: t, store: store, clock: clocktest.New(now)}
	b.svc = incidents.NewService(incidents.Config{
		Store: store, Playbooks: playbooks.New(nil, ""), Clock: b.clock,
		Roles: incidents.RoleResolverFunc(func(_ context.Context, u string) ([]string, error) { return roles[u], nil }),
	})
	b.router = commands.NewRouter(b.svc, commands.RouterOptions{})
	return b
}

// run types one /breach line as user and returns the reply's text; ok is
// false when the reply is an error.
func (b *board) run(user, line string) (text string, ok bool) {
	b.t.Helper()
	rep := b.router.Handle(context.Background(), commands.Request{User: user, Text: line})
	return rep.Text(), !rep.Error
}

// must runs a line that must succeed.
func (b *board) must(user, line string) string {
	b.t.Helper()
	text, ok := b.run(user, line)
	if !ok {
		b.t.Fatalf("/breach %s: %s", line, text)
	}
	return text
}

func (b *board) obligation(id, ob string) *incidents.Obligation {
	b.t.Helper()
	res, err := b.svc.Get(context.Background(), "Ulead", id)
	if err != nil {
		b.t.Fatal(err)
	}
	o, ok := res.Incident.Obligation(ob)
	if !ok {
		b.t.Fatalf("%s has no obligation %s", id, ob)
	}
	return o
}

func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("reply lacks %q:\n%s", w, text)
		}
	}
}

// Singapore PDPA s. 26D(1): "no later than 3 calendar days after" the
// assessment. Assessed on Saturday 21 November 2026 at 10:00 SGT, the PDPC
// may be notified until the end of Tuesday 24 November SGT; a notice at
// 12:00 SGT that Tuesday is on time and needs no reasons for a delay.
func TestDaysEndAtTheEndOfTheLastDayInTheLawsZone(t *testing.T) {
	t.Parallel()
	sgt := time.FixedZone("SGT", 8*3600)
	b := newBoard(t, time.Date(2026, 11, 21, 10, 0, 0, 0, sgt))
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00+08:00 --facts "jurisdictions=SG affected=800"`)
	b.must("Uresp", "clock notifiable_assessed --at 2026-11-21T10:00+08:00")
	if o := b.obligation("INC-2026-0001", "sg-pdpc"); !o.Due.Equal(time.Date(2026, 11, 24, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("sg-pdpc due %s, want the end of 24 November in Singapore, 2026-11-24T16:00Z", o.Due.Format(time.RFC3339))
	}
	// Reminders and the escalation follow the end of the day: 24 h before
	// it is 16:00 UTC on 23 November, not 02:00.
	var alarms []string
	for _, a := range b.obligation("INC-2026-0001", "sg-pdpc").Alarms {
		alarms = append(alarms, a.Label+"@"+a.At.UTC().Format("Jan 2 15:04"))
	}
	if diff := cmp.Diff([]string{"50%@Nov 22 21:00", "24h@Nov 23 16:00", "4h@Nov 24 12:00", "1h@Nov 24 15:00", "due@Nov 24 16:00"}, alarms); diff != "" {
		t.Errorf("sg-pdpc alarms (-want +got):\n%s", diff)
	}
	b.clock.Set(time.Date(2026, 11, 24, 12, 0, 0, 0, sgt))
	if _, _, err := b.svc.FireDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	var reminders []string
	d := incidents.NewDispatcher(b.svc, incidents.NotifierFunc(func(_ context.Context, n incidents.Notification) error {
		if n.Kind == incidents.NotifyReminder {
			reminders = append(reminders, commands.NotificationReply(n, b.clock.Now()).Text())
		}
		return nil
	}))
	if _, err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(reminders) != 2 {
		t.Fatalf("%d reminders delivered by 12:00 SGT on the last day, want 2 (50%% and 24h)", len(reminders))
	}
	mustContain(t, reminders[1], "is due in 12 h", "Due 2026-11-24 24:00 Singapore time (2026-11-24 16:00 UTC) (24h reminder)")
	text := b.must("Ulegal", "met sg-pdpc --ref PDPC-2026-77 --incident INC-2026-0001")
	if strings.Contains(text, "LATE") {
		t.Errorf("a notice at 12:00 SGT on the last day was recorded as late:\n%s", text)
	}
	if o := b.obligation("INC-2026-0001", "sg-pdpc"); o.Status != incidents.ObligationMet || o.Late() != 0 {
		t.Errorf("sg-pdpc = %s late by %s, want met on time", o.Status, o.Late())
	}
}

// delivered drains the outbox through a Dispatcher and returns the
// escalations it delivered, by audience.
func (b *board) escalations() []string {
	b.t.Helper()
	var got []string
	d := incidents.NewDispatcher(b.svc, incidents.NotifierFunc(func(_ context.Context, n incidents.Notification) error {
		if n.Kind == incidents.NotifyEscalation {
			got = append(got, n.Audience+":"+n.Obligation)
		}
		return nil
	}))
	if _, err := d.Drain(context.Background()); err != nil {
		b.t.Fatal(err)
	}
	return got
}

// Facts recorded four days after awareness make GDPR Art. 33's 72 hours
// apply when they have already run out: the reply to that command shows the
// obligation as MISSED, and the escalation goes out at once, not when the
// scheduler next wakes.
func TestAnObligationAlreadyPastWhenItAppliesIsMissedAtOnce(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	b.must("Uresp", "declare Laptop stolen --aware 2026-11-23T09:00Z")
	text := b.must("Uresp", "facts jurisdictions=DE --incident INC-2026-0001")
	mustContain(t, text, "MISSED", "gdpr-art33")
	if running := text[strings.Index(text, "gdpr-art33"):]; strings.Contains(running, "ago) ·") {
		t.Errorf("gdpr-art33 is shown as a running clock due in the past:\n%s", text)
	}
	if o := b.obligation("INC-2026-0001", "gdpr-art33"); o.Status != incidents.ObligationMissed ||
		!o.MissedAt.Equal(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("gdpr-art33 = %s missed at %v, want missed at its due time 2026-11-26 09:00 UTC", o.Status, o.MissedAt)
	}
	got := b.escalations()
	for _, want := range []string{incidents.AudienceIncident + ":gdpr-art33", incidents.AudienceLeads + ":gdpr-art33"} {
		if !slices.Contains(got, want) {
			t.Errorf("escalations delivered %v, want %s among them", got, want)
		}
	}
}

// Japan APPI: a leak that may have been committed for an unlawful purpose is
// reportable whatever the number of people (PPC Enforcement Rules Art.
// 7(iii)), with 60 days for the final report (Art. 8(2)). Whether it was is
// a fact that is asked for; unknown is never taken as "no".
func TestJapanUnlawfulPurposeIsAskedForNeverAssumed(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	b.must("Uresp", `declare Forum accounts taken --aware 2026-11-27T09:00Z --facts "jurisdictions=JP affected=40 data=email"`)
	const id = "INC-2026-0001"
	for _, ob := range []string{"jp-appi-preliminary", "jp-appi-final-unlawful", "jp-appi-individuals"} {
		if o := b.obligation(id, ob); o.Applies != incidents.NeedsFacts || !slices.Contains(o.Missing, "unlawful_purpose") {
			t.Errorf("%s = %s missing %v, want needs facts: unlawful_purpose", ob, o.Applies, o.Missing)
		}
	}
	// The board names the fact; --all says which obligations wait for it.
	mustContain(t, b.must("Uresp", "deadlines --incident "+id), "unlawful_purpose")
	all := b.must("Uresp", "deadlines --all --incident "+id)
	mustContain(t, section(all, "jp-appi-preliminary"), "needs facts: unlawful_purpose")

	text := b.must("Uresp", "facts unlawful_purpose=yes --incident "+id)

	mustContain(t, text, "now applies: jp-appi-preliminary", "now applies: jp-appi-final-unlawful")
	// 60 days from 27 Nov in Tokyo end at the end of 26 January 2027 there.
	if o := b.obligation(id, "jp-appi-final-unlawful"); o.Applies != incidents.Applies || !o.Due.Equal(time.Date(2027, 1, 26, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("jp-appi-final-unlawful = %s due %v, want applies, due 2027-01-26 15:00 UTC", o.Applies, o.Due)
	}
	if o := b.obligation(id, "jp-appi-final"); o.Applies != incidents.NotApplicable {
		t.Errorf("jp-appi-final (30 days) = %s, want not applicable once an unlawful purpose is recorded", o.Applies)
	}

	// A recorded "no" with more than 1,000 people gives the 30-day report.
	b.must("Uresp", "facts unlawful_purpose=no affected=2000 --incident "+id)
	if o := b.obligation(id, "jp-appi-final"); o.Applies != incidents.Applies || !o.Due.Equal(time.Date(2026, 12, 27, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("jp-appi-final = %s due %v, want applies, due 2026-12-27 15:00 UTC", o.Applies, o.Due)
	}
	if o := b.obligation(id, "jp-appi-final-unlawful"); o.Applies != incidents.NotApplicable {
		t.Errorf("jp-appi-final-unlawful = %s, want not applicable after unlawful_purpose=no", o.Applies)
	}
}

// section returns the part of a reply's text from the line holding heading
// to the next blank line.
func section(text, heading string) string {
	i := strings.Index(text, heading)
	if i < 0 {
		return ""
	}
	rest := text[i:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// A due time reads in the law's own time zone beside UTC, so a Singapore
// deadline at the end of 24 November reads 24 November, whatever the reader's
// zone; obligations the law wants "immediately" are listed as urgent, apart
// from the calm "without undue delay" ones.
func TestBoardShowsDueTimesInTheLawsZoneAndImmediateOnesAsUrgent(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC))
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-21T02:00Z --facts "jurisdictions=SG,CN,DE affected=800 high_risk=yes"`)
	b.must("Uresp", "clock notifiable_assessed --at 2026-11-21T10:00+08:00 --incident INC-2026-0001")
	text := b.must("Uresp", "deadlines --incident INC-2026-0001")
	mustContain(t, text,
		"due 2026-11-24 24:00 Singapore time (2026-11-24 16:00 UTC)", // PDPA: the end of Tuesday in Singapore
		"due 2026-11-24 02:00 UTC (in 2 d 23 h)",                     // GDPR's 72 hours are counted in UTC
	)
	now := section(text, "Immediately")
	mustContain(t, now, "cn-pipl", "[!] cn-pipl")
	if strings.Contains(now, "gdpr-art34") {
		t.Errorf("gdpr-art34 (without undue delay) is listed as immediate:\n%s", now)
	}
	calm := section(text, "Without a fixed deadline")
	mustContain(t, calm, "gdpr-art34")
	if strings.Contains(calm, "cn-pipl") {
		t.Errorf("cn-pipl (immediately) is listed with the calm ones:\n%s", calm)
	}
}
