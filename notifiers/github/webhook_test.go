package github_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/internal/githubapi"
	"github.com/breachbot/breachbot/notifiers/github"
	"github.com/breachbot/breachbot/notifiers/github/githubtest"
)

func TestPushPinsTheNextDeclarationAndLeavesRunningIncidentsAlone(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "Add the breach playbook")
	first := f.mustDeclare("Customer DB exposed")

	// The lead renames a step and bumps the version, and pushes.
	v2 := strings.Replace(shipped(t, "2026.12.0"), "title: Confirm the breach and record the awareness time",
		"title: Confirm the breach, record the awareness time and open a ticket", 1)
	b := f.gh.Commit(repoName, "main", tree(v2), "Open a ticket during triage")
	f.push(b, "72d3162e-cc78-11e3-81ab-4c9367dc0958")

	// No clock advance: the push alone makes the next declaration use it.
	second := f.mustDeclare("Laptop stolen")
	got := map[string][2]string{
		first.ID:  {first.Playbook.Version, first.Playbook.Source},
		second.ID: {second.Playbook.Version, second.Playbook.Source},
	}
	want := map[string][2]string{
		"INC-2025-0001": {"2026.11.1", source(a.After)},
		"INC-2025-0002": {"2026.12.0", source(b.After)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pins (-want +got):\n%s", diff)
	}

	// The running incident still runs the old steps, and its record names
	// the commit it started from.
	res, err := f.svc.Get(ctx, "U01LEAD", first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Playbook.Steps[0].Title; got != "Confirm the breach and record the awareness time" {
		t.Errorf("running incident's first step is %q, want the title it started with", got)
	}
	if res.Incident.Playbook.SHA256 != sha256hex(shipped(t, "2026.11.1")) {
		t.Errorf("running incident pinned to sha256 %s, want the first version's", res.Incident.Playbook.SHA256)
	}
	rec, err := f.svc.Export(ctx, "U01LEAD", first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Playbook.Source, "@"+a.After+":") {
		t.Errorf("export names %q, want commit %s", rec.Playbook.Source, a.After)
	}

	// The worker reports the pushed commit's lint.
	f.drain()
	wantStatuses := []githubtest.Status{{Repo: repoName, SHA: b.After, State: "success",
		Description: "1 playbook file, no problems", Context: "breachbot/playbooks"}}
	if diff := cmp.Diff(wantStatuses, f.gh.Statuses()); diff != "" {
		t.Errorf("commit statuses (-want +got):\n%s", diff)
	}
}

func TestBrokenPlaybookPushedFailsTheCommitWithFileLineCol(t *testing.T) {
	f := newFixture(t)
	f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
	good := shipped(t, "2026.11.2")
	i := strings.Index(good, "    owner: leads\n")
	broken := good[:i] + "    owner: everyone\n" + good[i+len("    owner: leads\n"):]
	line := strings.Count(good[:i], "\n") + 1
	b := f.gh.Commit(repoName, "main", tree(broken), "Let everyone assign roles")
	f.push(b, "d9a4bd3e-cc78-11e3-9e8b-fc1d9a2bd001")
	f.drain()

	problem := fmt.Sprintf(`%s:%d:12: owner "everyone" is not a role; use one of responders, leads, legal`, pbPath, line)
	want := []githubtest.Status{{Repo: repoName, SHA: b.After, State: "failure",
		Description: "1 problem, first: " + problem, Context: "breachbot/playbooks"}}
	if diff := cmp.Diff(want, f.gh.Statuses()); diff != "" {
		t.Errorf("commit statuses (-want +got):\n%s", diff)
	}
	// A declaration meanwhile says what is wrong, where.
	_, err := f.declare("Customer DB exposed", "")
	if incidents.ErrorCode(err) != incidents.EINVALID || !strings.Contains(incidents.ErrorMessage(err), fmt.Sprintf("@%s:%s:%d:12", b.After, pbPath, line)) {
		t.Errorf("declare from the broken commit: %v, want EINVALID naming the file, line and column", err)
	}
}

func TestGitHubDownStatusRetriedAndDeliveredOnce(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
	f.mustDeclare("Before the outage")

	f.gh.SetDown(true)
	b := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.12.0")), "v2")
	f.push(b, "0b989ba4-242f-11e5-81e1-1f2a2b3c4d5e")

	// Declarations go on from the last good copy.
	inc := f.mustDeclare("During the outage")
	if inc.Playbook.Source != source(a.After) {
		t.Errorf("declared during the outage with %s, want the last good copy %s", inc.Playbook.Source, a.After)
	}

	workerCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.hook.Run(workerCtx) }()
	// First attempt fails at once; then 1 s, then 2 s of backoff.
	for _, wait := range []time.Duration{time.Second, 2 * time.Second} {
		if err := f.clock.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if n := len(f.gh.Statuses()); n != 0 {
			t.Fatalf("%d statuses while GitHub is down", n)
		}
		f.clock.Advance(wait)
	}
	if err := f.clock.BlockUntil(ctx, 1); err != nil { // the third failure set a timer of 4 s
		t.Fatal(err)
	}
	f.gh.SetDown(false)
	f.clock.Advance(4 * time.Second)
	got, err := f.gh.WaitStatuses(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	// Nothing is left to send, and nothing was sent twice.
	f.clock.Advance(time.Hour)
	if next := f.drain(); !next.IsZero() {
		t.Errorf("a status is still pending, due %v", next)
	}
	want := []githubtest.Status{{Repo: repoName, SHA: b.After, State: "success", Description: "1 playbook file, no problems", Context: "breachbot/playbooks"}}
	if diff := cmp.Diff(want, f.gh.Statuses()); diff != "" {
		t.Errorf("commit statuses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first status (-want +got):\n%s", diff)
	}
	if n := f.statusRequests(http.StatusCreated); n != 1 {
		t.Errorf("GitHub took %d statuses, want 1", n)
	}
	// The worker refreshed the playbooks once GitHub was back.
	if inc := f.mustDeclare("After the outage"); inc.Playbook.Source != source(b.After) {
		t.Errorf("declared after the outage with %s, want %s", inc.Playbook.Source, b.After)
	}
}

func TestWebhookRefusesBadSignaturesAndExecutesNothing(t *testing.T) {
	f := newFixture(t)
	b := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
	body := f.gh.PushPayload(b)
	const delivery = "5b4e1a52-cc78-11e3-8a2f-7f6a2f9b4c11"
	tests := []struct {
		name   string
		mangle func(r *http.Request)
	}{
		{"no signature", func(r *http.Request) { r.Header.Del("X-Hub-Signature-256"); r.Header.Del("X-Hub-Signature") }},
		{"only the legacy SHA-1 signature", func(r *http.Request) { r.Header.Del("X-Hub-Signature-256") }},
		{"signed with another secret", func(r *http.Request) {
			r.Header.Set("X-Hub-Signature-256", githubtest.Sign256([]byte("not the secret"), body))
		}},
		{"SHA-1 in the SHA-256 header", func(r *http.Request) {
			r.Header.Set("X-Hub-Signature-256", r.Header.Get("X-Hub-Signature"))
		}},
		{"empty signature", func(r *http.Request) { r.Header.Set("X-Hub-Signature-256", "sha256=") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := githubtest.NewDelivery(f.url, []byte(secret), "push", delivery, body)
			tt.mangle(req)
			if code, text := f.deliver(req); code != http.StatusUnauthorized {
				t.Errorf("got %d %q, want 401", code, text)
			}
		})
	}
	t.Run("body changed after signing", func(t *testing.T) {
		req := githubtest.NewDelivery(f.url, []byte(secret), "push", delivery, body)
		changed := bytes.Replace(body, []byte(`"refs/heads/main"`), []byte(`"refs/heads/mainx"`), 1)
		req2, _ := http.NewRequest(http.MethodPost, f.url, bytes.NewReader(changed))
		req2.Header = req.Header
		if code, text := f.deliver(req2); code != http.StatusUnauthorized {
			t.Errorf("got %d %q, want 401", code, text)
		}
	})

	// Nothing was executed: no pending status, no request to GitHub.
	if next := f.drain(); !next.IsZero() || len(f.gh.Statuses()) != 0 || len(f.gh.Requests()) != 0 {
		t.Fatalf("after refused deliveries: next %v, statuses %v, requests %v; want nothing", next, f.gh.Statuses(), f.gh.Requests())
	}
	// And the refused delivery id was not recorded: GitHub's genuine one
	// goes through.
	f.push(b, delivery)
	f.drain()
	if n := len(f.gh.Statuses()); n != 1 {
		t.Errorf("%d statuses after the genuine delivery, want 1", n)
	}
}

func TestReplayedDeliveryIsProcessedOnce(t *testing.T) {
	f := newFixture(t)
	b := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
	const delivery = "9f5b4a1e-cc78-11e3-8c4a-2a1f7e0d3b21"
	req := func() *http.Request {
		return githubtest.NewDelivery(f.url, []byte(secret), "push", delivery, f.gh.PushPayload(b))
	}
	if code, text := f.deliver(req()); code != http.StatusAccepted {
		t.Fatalf("first delivery: %d %s", code, text)
	}
	if code, text := f.deliver(req()); code != http.StatusOK || !strings.Contains(text, "duplicate delivery") {
		t.Errorf("replayed delivery: %d %q, want 200 duplicate delivery", code, text)
	}
	f.drain()
	f.restart()
	if code, text := f.deliver(req()); code != http.StatusOK || !strings.Contains(text, "duplicate delivery") {
		t.Errorf("replayed delivery after a restart: %d %q, want 200 duplicate delivery", code, text)
	}
	f.drain()
	if n := len(f.gh.Statuses()); n != 1 {
		t.Errorf("%d statuses, want 1", n)
	}
}

func TestStatusPendingAtACrashIsSentAfterRestart(t *testing.T) {
	f := newFixture(t)
	f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
	b := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.12.0")), "v2")
	f.push(b, "c0ffee00-cc78-11e3-8000-000000000001")
	// The process dies before its worker ran.
	f.restart()
	f.drain()
	f.drain()
	want := []githubtest.Status{{Repo: repoName, SHA: b.After, State: "success", Description: "1 playbook file, no problems", Context: "breachbot/playbooks"}}
	if diff := cmp.Diff(want, f.gh.Statuses()); diff != "" {
		t.Errorf("commit statuses after the restart (-want +got):\n%s", diff)
	}
}

func TestStatusWaitsForGitHubsRateLimit(t *testing.T) {
	tests := []struct {
		name  string
		limit func(s *githubtest.Server, reset time.Time)
	}{
		{"primary", func(s *githubtest.Server, reset time.Time) { s.RateLimitOnce("POST", reset) }},
		{"secondary", func(s *githubtest.Server, reset time.Time) { s.SecondaryLimitOnce("POST", reset) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			b := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
			reset := f.clock.Now().Add(10 * time.Minute)
			tt.limit(f.gh, reset)
			f.push(b, "e1f2a3b4-cc78-11e3-8000-00000000000"+tt.name[:1])
			next := f.drain()
			if want := reset.Add(time.Second); !next.Equal(want) {
				t.Errorf("next attempt at %v, want just after GitHub's reset %v", next, want)
			}
			f.clock.Advance(9 * time.Minute)
			f.drain()
			if n := f.statusRequests(http.StatusForbidden) + f.statusRequests(http.StatusCreated); n != 1 {
				t.Errorf("%d status requests before the reset, want only the limited one", n)
			}
			f.clock.Advance(time.Minute + time.Second)
			f.drain()
			if n := len(f.gh.Statuses()); n != 1 {
				t.Errorf("%d statuses after the reset, want 1", n)
			}
		})
	}
}

func TestWebhookAnswers(t *testing.T) {
	f := newFixture(t)
	a := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
	other := f.gh.Commit(repoName, "draft", tree(shipped(t, "0.1")), "a draft")
	elsewhere := f.gh.Commit("acme/website", "main", map[string]string{"index.html": "<h1>Acme</h1>"}, "site")
	big := bytes.Repeat([]byte(" "), github.DefaultMaxBody+1)
	tests := []struct {
		name     string
		event    string
		body     []byte
		wantCode int
		wantText string
	}{
		{"ping", "ping", f.gh.PingPayload(repoName), http.StatusOK, "pong"},
		{"other events", "issues", []byte(`{"action":"opened"}`), http.StatusOK, `ignored: breachbot acts on push events only, not "issues"`},
		{"push to another branch", "push", f.gh.PushPayload(other), http.StatusOK, "ignored: not a push to main"},
		{"push to another repository", "push", f.gh.PushPayload(elsewhere), http.StatusOK, "ignored: not the playbooks repository acme/playbooks"},
		{"branch deleted", "push", f.gh.PushPayload(githubtest.Push{Repo: repoName, Ref: "refs/heads/main", Before: a.After, After: githubtest.ZeroSHA}),
			http.StatusOK, "ref deleted; nothing to check"},
		{"body too large", "push", big, http.StatusRequestEntityTooLarge, "body over 2097152 bytes"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := githubtest.NewDelivery(f.url, []byte(secret), tt.event, fmt.Sprintf("0000000%d-cc78-11e3-8000-000000000000", i), tt.body)
			code, text := f.deliver(req)
			if code != tt.wantCode || text != tt.wantText {
				t.Errorf("got %d %q, want %d %q", code, text, tt.wantCode, tt.wantText)
			}
		})
	}
	if next := f.drain(); !next.IsZero() || len(f.gh.Statuses()) != 0 {
		t.Errorf("statuses %v pending until %v; want none", f.gh.Statuses(), next)
	}
	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(f.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET: %d, want 405", resp.StatusCode)
		}
	})
}

func TestNewWebhookRefusesAnEmptySecret(t *testing.T) {
	f := newFixture(t)
	client, err := githubapi.NewClient(token, f.gh.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = github.NewWebhook(github.WebhookConfig{Log: f.store.GitHubLog(), Playbooks: f.pb, Client: client})
	if incidents.ErrorCode(err) != incidents.EINVALID || !strings.Contains(err.Error(), "GITHUB_WEBHOOK_SECRET") {
		t.Errorf("NewWebhook without a secret: %v, want EINVALID naming GITHUB_WEBHOOK_SECRET", err)
	}
}

func TestWebhookFormEncodedDelivery(t *testing.T) {
	f := newFixture(t)
	b := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
	// A webhook set to application/x-www-form-urlencoded sends the JSON in
	// the payload field and signs the whole form body.
	body := []byte("payload=" + url.QueryEscape(string(f.gh.PushPayload(b))))
	req := githubtest.NewDelivery(f.url, []byte(secret), "push", "f0f0f0f0-cc78-11e3-8000-000000000001", body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, text := f.deliver(req); code != http.StatusAccepted {
		t.Fatalf("form-encoded push: %d %q, want 202", code, text)
	}
	f.drain()
	if n := len(f.gh.Statuses()); n != 1 {
		t.Errorf("%d statuses, want 1", n)
	}
}

// TestPushReplayedUnderANewDeliveryIDReportsNothingAgain sends a captured
// push again, signed as GitHub signed it but with a new X-GitHub-Delivery
// (which GitHub does not sign): before and after the status was reported,
// and after a restart. GitHub gets one commit status.
func TestPushReplayedUnderANewDeliveryIDReportsNothingAgain(t *testing.T) {
	f := newFixture(t)
	b := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.1")), "v1")
	body := f.gh.PushPayload(b) // captured once: the same bytes and signature every time
	replay := func(delivery string) (int, string) {
		return f.deliver(githubtest.NewDelivery(f.url, []byte(secret), "push", delivery, body))
	}
	if code, text := replay("a1b2c3d4-cc78-11e3-8000-000000000001"); code != http.StatusAccepted {
		t.Fatalf("first delivery: %d %s", code, text)
	}
	if code, text := replay("a1b2c3d4-cc78-11e3-8000-000000000002"); code != http.StatusOK || !strings.Contains(text, "already reported or queued") {
		t.Errorf("replay while queued: %d %q, want 200 already reported or queued", code, text)
	}
	f.drain()
	if code, text := replay("a1b2c3d4-cc78-11e3-8000-000000000003"); code != http.StatusOK || !strings.Contains(text, "already reported or queued") {
		t.Errorf("replay after the report: %d %q, want 200 already reported or queued", code, text)
	}
	f.drain()
	f.restart()
	if code, text := replay("a1b2c3d4-cc78-11e3-8000-000000000004"); code != http.StatusOK || !strings.Contains(text, "already reported or queued") {
		t.Errorf("replay after a restart: %d %q, want 200 already reported or queued", code, text)
	}
	f.drain()
	if n := f.statusRequests(http.StatusCreated); n != 1 {
		t.Errorf("GitHub took %d commit statuses, want 1", n)
	}
	// Another commit on the same ref is reported as usual.
	c := f.gh.Commit(repoName, "main", tree(shipped(t, "2026.11.2")), "v2")
	f.push(c, "a1b2c3d4-cc78-11e3-8000-000000000005")
	f.drain()
	if n := f.statusRequests(http.StatusCreated); n != 2 {
		t.Errorf("GitHub took %d commit statuses after a new commit, want 2", n)
	}
}
