package github_test

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/playbooktest"
	"github.com/breachbot/breachbot/internal/githubapi"
	"github.com/breachbot/breachbot/notifiers/github"
	"github.com/breachbot/breachbot/notifiers/github/githubtest"
)

const trackRepo = "acme/breaches"

// trackFixture is the outbox of a real Service on a bbolt file, delivered
// by the real Dispatcher to chat (a recorder) and the GitHub tracker.
type trackFixture struct {
	t       *testing.T
	gh      *githubtest.Server
	clock   *clocktest.Clock
	svc     *incidents.Service
	disp    *incidents.Dispatcher
	tracker *github.Tracker
	chat    []string
}

func newTrackFixture(t *testing.T) *trackFixture {
	t.Helper()
	f := &trackFixture{t: t, clock: clocktest.New(t0)}
	f.gh = githubtest.NewServer(t, githubtest.Options{Token: token, Now: f.clock.Now})
	f.gh.AddRepo(trackRepo)
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "breachbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	pb := &incidents.Playbook{ID: "mini", Version: "1", Title: "Mini", SHA256: "aaaa", Source: "test",
		Catalog: incidents.CatalogRef{Version: "t", SHA256: "bbbb"},
		Events:  []incidents.EventDef{{Name: "awareness"}},
		Obligations: []incidents.ObligationRule{{ID: "sa72", Regulation: incidents.Regulation{ID: "sa72", Title: "Tell the supervisory authority",
			Notify: "SA", Status: incidents.StatusInForce, Deadline: incidents.Deadline{Start: "awareness", Amount: 72, Unit: incidents.UnitHours}}}}}
	f.svc = incidents.NewService(incidents.Config{Store: store, Playbooks: playbooktest.Static{pb}, Clock: f.clock,
		Logger: slog.New(slog.DiscardHandler)})
	client, err := githubapi.NewClient(token, f.gh.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := github.NewTracker(github.TrackerConfig{Client: client, Repo: trackRepo, Incidents: f.svc.Reader(), Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	// Chat goes first and, as Slack does, records the incident's channel.
	chat := incidents.NotifierFunc(func(ctx context.Context, n incidents.Notification) error {
		f.chat = append(f.chat, n.ID)
		if n.Kind == incidents.NotifyDeclared {
			return f.svc.SetChannel(ctx, "breachbot", n.Incident, "C0INCIDENT")
		}
		return nil
	})
	f.tracker = tr
	f.disp = incidents.NewDispatcher(f.svc, incidents.FanOut(chat, tr))
	return f
}

// drain delivers what is due and returns when the next attempt is.
func (f *trackFixture) drain() time.Time {
	f.t.Helper()
	next, err := f.disp.Drain(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return next
}

func (f *trackFixture) declare() *incidents.Incident {
	f.t.Helper()
	res, err := f.svc.Declare(context.Background(), "U01LEAD", incidents.DeclareInput{Title: "Payroll export leaked to Jane Roe", Severity: "high"})
	if err != nil {
		f.t.Fatal(err)
	}
	return res.Incident
}

func (f *trackFixture) move(id string, to incidents.State) {
	f.t.Helper()
	if _, err := f.svc.Move(context.Background(), "U01LEAD", id, to); err != nil {
		f.t.Fatalf("move %s to %s: %v", id, to, err)
	}
}

func (f *trackFixture) oneIssue() githubtest.Issue {
	f.t.Helper()
	issues := f.gh.Issues()
	if len(issues) != 1 {
		f.t.Fatalf("%d issues, want 1: %+v", len(issues), issues)
	}
	return issues[0]
}

func TestTrackerFollowsTheIncidentInOneIssue(t *testing.T) {
	f := newTrackFixture(t)
	inc := f.declare()
	f.gh.LoseAnswerOnce(http.MethodPost) // GitHub opens the issue but the answer is lost
	f.drain()
	f.clock.Advance(time.Hour)
	f.drain()
	is := f.oneIssue()
	if !strings.HasPrefix(is.Title, inc.ID) || !strings.Contains(is.Title, "high") || is.State != "open" {
		t.Errorf("issue %q %s, want the incident id and severity, open", is.Title, is.State)
	}
	if strings.Contains(is.Title+is.Body, "Payroll") || strings.Contains(is.Title+is.Body, "Jane") {
		t.Errorf("the confidential title is in the issue: %q\n%s", is.Title, is.Body)
	}
	if !strings.Contains(is.Body, inc.ID) || !strings.Contains(is.Body, "https://slack.com/app_redirect?channel=C0INCIDENT") {
		t.Errorf("body without the summary and channel:\n%s", is.Body)
	}

	f.move(inc.ID, incidents.StateInvestigating)
	f.drain()
	if is = f.oneIssue(); len(is.Comments) != 1 || !strings.Contains(is.Comments[0], "investigating") {
		t.Errorf("comments after a state change: %q", is.Comments)
	}
	if !strings.Contains(is.Body, "severity high · investigating") {
		t.Errorf("the body does not show the state now:\n%s", is.Body)
	}

	if _, err := f.svc.Met(context.Background(), "U01LEAD", inc.ID, incidents.MetInput{Obligation: "sa72", Reference: "CNIL-7"}); err != nil {
		t.Fatal(err)
	}
	f.drain()
	if is = f.oneIssue(); len(is.Comments) != 2 || !strings.Contains(is.Comments[1], "Deadline met: sa72 (Tell the supervisory authority)") {
		t.Errorf("comments after an obligation was met: %q", is.Comments)
	}

	f.move(inc.ID, incidents.StateClosed)
	f.gh.LoseAnswerOnce(http.MethodPost) // the comment is made, its answer lost
	f.drain()
	f.clock.Advance(time.Hour)
	f.drain()
	is = f.oneIssue()
	if is.State != "closed" || len(is.Comments) != 3 || !strings.Contains(is.Comments[2], "closed") ||
		!strings.Contains(is.Comments[2], "/breach export "+inc.ID) {
		t.Errorf("after closing: %s, comments %q; want closed, one comment saying so with the export", is.State, is.Comments)
	}
	if !strings.Contains(is.Body, "· closed") || !strings.Contains(is.Body, "sa72: met") {
		t.Errorf("the closed issue's body does not show the final state and deadlines:\n%s", is.Body)
	}
	assertOnce(t, f.chat)
}

func TestTrackerDeliversAfterAnOutageAndHonoursRateLimits(t *testing.T) {
	f := newTrackFixture(t)
	inc := f.declare()
	f.gh.SetDown(true)
	next := f.drain()
	if len(f.gh.Issues()) != 0 || next.IsZero() {
		t.Fatalf("GitHub down: issues %v, next attempt %v", f.gh.Issues(), next)
	}
	f.move(inc.ID, incidents.StateInvestigating)
	f.drain()
	f.gh.SetDown(false)
	reset := f.clock.Now().Add(20 * time.Minute)
	f.gh.RateLimitOnce(http.MethodGet, reset)
	f.clock.Advance(10 * time.Minute) // past the backoff
	next = f.drain()
	if len(f.gh.Issues()) != 0 {
		t.Fatalf("issue opened while rate limited: %v", f.gh.Issues())
	}
	if next.Before(reset) {
		t.Errorf("next attempt %v, before the rate limit resets at %v", next, reset)
	}
	before := len(f.gh.Requests())
	f.clock.Advance(reset.Sub(f.clock.Now()) - time.Second)
	f.drain()
	if n := len(f.gh.Requests()); n != before {
		t.Errorf("%d requests before the reset", n-before)
	}
	f.clock.Advance(time.Hour)
	f.drain()
	is := f.oneIssue()
	if len(is.Comments) != 1 || !strings.Contains(is.Comments[0], "investigating") {
		t.Errorf("comments: %q, want the state change once", is.Comments)
	}
	assertOnce(t, f.chat)
}

// assertOnce fails unless chat got each notification exactly once, among
// them the declaration and the first move.
func assertOnce(t *testing.T, chat []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range chat {
		if seen[id] {
			t.Errorf("chat got %s twice: a GitHub failure made the other target repeat", id)
		}
		seen[id] = true
	}
	if !seen["declared:INC-2025-0001"] || !seen["moved:INC-2025-0001:investigating"] {
		t.Errorf("chat got %q", chat)
	}
}

func TestTrackerHonoursRetryAfterOn429(t *testing.T) {
	f := newTrackFixture(t)
	f.declare()
	f.gh.TooManyRequestsOnce(http.MethodGet, 600)
	next := f.drain()
	if want := f.clock.Now().Add(10 * time.Minute); next.Before(want) {
		t.Errorf("next attempt %v, want not before %v (Retry-After: 600)", next, want)
	}
	before := len(f.gh.Requests())
	f.clock.Advance(9 * time.Minute)
	f.drain()
	if n := len(f.gh.Requests()) - before; n != 0 || len(f.gh.Issues()) != 0 {
		t.Errorf("%d requests within Retry-After", n)
	}
	f.clock.Advance(2 * time.Minute)
	f.drain()
	f.oneIssue()
}

// A notice's outcome is commented with its counts only; its progress is not.
func TestTrackerCommentsOnNoticesSentWithCountsOnly(t *testing.T) {
	f := newTrackFixture(t)
	inc := f.declare()
	f.drain()
	ctx := context.Background()
	progress := incidents.Notification{ID: "notice-progress:" + inc.ID + ":N1:1", Kind: incidents.NotifyNoticeProgress, Incident: inc.ID,
		Title: inc.Title, Notice: &incidents.NoticeInfo{ID: "N1", Recipients: 3, Sent: 1, Remaining: 2,
			Previews: []incidents.NoticePreview{{Subject: "Dear Jane Roe"}}}}
	done := progress
	done.ID = "notice-progress:" + inc.ID + ":N1:2"
	done.Notice = &incidents.NoticeInfo{ID: "N1", Recipients: 3, Sent: 2, Failed: 1, Done: true,
		Previews: []incidents.NoticePreview{{Subject: "Dear Jane Roe"}}}
	for _, n := range []incidents.Notification{progress, done, done} {
		if err := f.tracker.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	is := f.oneIssue()
	if len(is.Comments) != 1 || !strings.Contains(is.Comments[0], "Notice N1 sent: 2 sent, 1 failed, 0 in doubt") {
		t.Errorf("comments: %q, want the outcome once", is.Comments)
	}
	if strings.Contains(strings.Join(is.Comments, "")+is.Body, "Jane") {
		t.Errorf("personal data in the issue: %q", is.Comments)
	}
}

// After a restart the outbox may deliver again what GitHub already took
// (the unmarked window): a fresh Tracker finds the issue and the comment by
// their markers and writes neither twice.
func TestTrackerAfterARestartWritesNothingTwice(t *testing.T) {
	f := newTrackFixture(t)
	inc := f.declare()
	f.move(inc.ID, incidents.StateInvestigating)
	f.drain()
	client, err := githubapi.NewClient(token, f.gh.URL)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := github.NewTracker(github.TrackerConfig{Client: client, Repo: trackRepo, Incidents: f.svc.Reader(), Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, n := range []incidents.Notification{
		{ID: "declared:" + inc.ID, Kind: incidents.NotifyDeclared, Incident: inc.ID},
		{ID: "moved:" + inc.ID + ":investigating", Kind: incidents.NotifyMoved, Incident: inc.ID, Status: "investigating"},
	} {
		if err := fresh.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if is := f.oneIssue(); len(is.Comments) != 1 {
		t.Errorf("comments after a restart: %q, want the state change once", is.Comments)
	}
}
