package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/breachbot/breachbot/incidents"
)

// TrackerLabel marks the issues the Tracker opens; it finds them by it.
const TrackerLabel = "breachbot"

// IncidentReader reads an incident for the bot itself, without a person's
// authority (incidents.Reader).
type IncidentReader interface {
	Incident(ctx context.Context, id string) (*incidents.Result, error)
}

// TrackerConfig configures a Tracker.
type TrackerConfig struct {
	Client *gh.Client
	// Repo is OWNER/REPO, a private repository (github_tracking:).
	Repo      string
	Incidents IncidentReader
	Clock     incidents.Clock
	Logger    *slog.Logger
}

// Tracker mirrors incidents into issues of a GitHub repository, as an
// incidents.Notifier fed from the outbox: it opens an issue when an
// incident is declared, keeps its body (state, deadlines) current, comments
// on state changes, deadlines met or missed and notices decided or sent,
// and closes the issue when the incident closes. The issue never
// holds the incident's title (it may be confidential) nor anyone affected:
// its title is the incident id and severity, its body the non-personal
// summary with counts only.
//
// Every issue and comment carries the notification's id in a hidden
// marker, and the Tracker looks for it before writing, so a retry (GitHub's
// answer lost, a restart) never opens a second issue nor repeats a comment.
// A failure returns an error, and GitHub's rate limits say when to retry
// (RetryAfter): no request is made before then, and the Dispatcher
// retries later.
type Tracker struct {
	client      *gh.Client
	owner, repo string
	incs        IncidentReader
	clock       incidents.Clock
	log         *slog.Logger

	mu       sync.Mutex
	until    time.Time               // GitHub's rate limit: no request before then
	issues   map[string]int          // incident id -> issue number
	bodies   map[string]string       // incident id -> body last written
	comments map[int]map[string]bool // issue number -> markers of its comments
}

// NewTracker returns a Tracker of the repository cfg.Repo.
func NewTracker(cfg TrackerConfig) (*Tracker, error) {
	owner, repo, ok := strings.Cut(cfg.Repo, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("github_tracking: %q is not OWNER/REPO", cfg.Repo)
	}
	if cfg.Client == nil || cfg.Incidents == nil || cfg.Clock == nil {
		return nil, errors.New("github tracker: a client, an incident reader and a clock are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Tracker{client: cfg.Client, owner: owner, repo: repo, incs: cfg.Incidents, clock: cfg.Clock, log: log,
		issues: map[string]int{}, bodies: map[string]string{}, comments: map[int]map[string]bool{}}, nil
}

// marker is the hidden dedupe key of an issue or comment written for the
// notification id.
func marker(id string) string { return "<!-- breachbot:" + id + " -->" }

// Notify delivers n to the incident's issue (incidents.Notifier). Kinds
// that are not tracked are taken without a request.
func (t *Tracker) Notify(ctx context.Context, n incidents.Notification) error {
	t.mu.Lock()
	until := t.until
	t.mu.Unlock()
	if now := t.clock.Now(); now.Before(until) {
		return &trackerRetry{err: fmt.Errorf("github rate limit: waiting until %s", until.UTC().Format(time.RFC3339)), after: until.Sub(now)}
	}
	var text string
	switch n.Kind {
	case incidents.NotifyDeclared:
		_, err := t.issue(ctx, n)
		return t.retryable(err)
	case incidents.NotifyBoard:
		// The state or deadlines changed: the body shows them as they are.
		num, err := t.issue(ctx, n)
		if err == nil {
			err = t.refresh(ctx, num, n.Incident, false)
		}
		return t.retryable(err)
	case incidents.NotifyMoved:
		text = fmt.Sprintf("**%s** is now **%s**", n.Incident, n.Status)
		if n.Actor != "" {
			text += " (by " + n.Actor + ")"
		}
		if n.Status == string(incidents.StateClosed) {
			text += fmt.Sprintf(".\n\nThe record: `/breach export %s` (audit log, decisions, deadlines met).", n.Incident)
		}
	case incidents.NotifyNoticeDecision:
		if n.Notice == nil {
			return nil
		}
		text = fmt.Sprintf("Notice %s %s for %d recipients", n.Notice.ID, n.Notice.Decision, n.Notice.Recipients)
	case incidents.NotifyNoticeProgress:
		if n.Notice == nil || !n.Notice.Done {
			return nil // only the outcome is worth a comment
		}
		text = fmt.Sprintf("Notice %s sent: %d sent, %d failed, %d in doubt", n.Notice.ID, n.Notice.Sent, n.Notice.Failed, n.Notice.InDoubt)
	case incidents.NotifyMet:
		text = fmt.Sprintf("Deadline met: %s", n.Obligation)
		if n.ObligationTitle != "" {
			text += " (" + n.ObligationTitle + ")"
		}
		if n.Late > 0 {
			text += fmt.Sprintf(", %s after its due time", n.Late.Round(time.Minute))
		} else if !n.Due.IsZero() {
			text += ", before its due time " + n.Due.UTC().Format(time.RFC3339)
		}
		if n.Actor != "" {
			text += " (by " + n.Actor + ")"
		}
	case incidents.NotifyEscalation:
		text = fmt.Sprintf("Deadline passed unmet: %s (%s), due %s", n.Obligation, n.Law, n.Due.UTC().Format(time.RFC3339))
	default:
		return nil
	}
	num, err := t.issue(ctx, n)
	if err == nil {
		err = t.comment(ctx, num, n.ID, text)
	}
	if err == nil && n.Kind == incidents.NotifyMoved && n.Status == string(incidents.StateClosed) {
		err = t.refresh(ctx, num, n.Incident, true)
	}
	return t.retryable(err)
}

// refresh rewrites the issue's body from the incident as it is now, if it
// changed, and closes the issue with close.
func (t *Tracker) refresh(ctx context.Context, num int, incident string, close bool) error {
	res, err := t.incs.Incident(ctx, incident)
	if err != nil {
		return fmt.Errorf("read %s for its github issue: %w", incident, err)
	}
	body := summary(res.Incident) + "\n" + marker("issue:"+incident)
	t.mu.Lock()
	same := t.bodies[incident] == body
	t.mu.Unlock()
	if same && !close {
		return nil
	}
	req := &gh.IssueRequest{Body: gh.String(body)}
	if close {
		req.State = gh.String("closed")
	}
	if _, _, err := t.client.Issues.Edit(ctx, t.owner, t.repo, num, req); err != nil {
		if close {
			return fmt.Errorf("close the github issue of %s: %w", incident, err)
		}
		return fmt.Errorf("update the github issue of %s: %w", incident, err)
	}
	t.mu.Lock()
	t.bodies[incident] = body
	t.mu.Unlock()
	return nil
}

// issue returns the number of the incident's issue, opening it if there
// is none.
func (t *Tracker) issue(ctx context.Context, n incidents.Notification) (int, error) {
	t.mu.Lock()
	num, ok := t.issues[n.Incident]
	t.mu.Unlock()
	if ok {
		return num, nil
	}
	num, err := t.find(ctx, n.Incident)
	if err != nil || num != 0 {
		return num, err
	}
	res, err := t.incs.Incident(ctx, n.Incident)
	if err != nil {
		return 0, fmt.Errorf("read %s for its github issue: %w", n.Incident, err)
	}
	inc := res.Incident
	title := fmt.Sprintf("%s · severity %s", inc.ID, inc.Severity)
	if inc.Drill {
		title += " · drill"
	}
	body := summary(inc) + "\n" + marker("issue:"+inc.ID)
	is, _, err := t.client.Issues.Create(ctx, t.owner, t.repo, &gh.IssueRequest{
		Title: gh.String(title), Body: gh.String(body), Labels: &[]string{TrackerLabel},
	})
	if err != nil {
		return 0, fmt.Errorf("open the github issue of %s: %w", n.Incident, err)
	}
	t.mu.Lock()
	t.bodies[inc.ID] = body
	t.mu.Unlock()
	t.log.Info("github tracking: opened an issue", "incident", inc.ID, "issue", is.GetNumber())
	t.remember(inc.ID, is.GetNumber())
	return is.GetNumber(), nil
}

func (t *Tracker) remember(incident string, num int) {
	t.mu.Lock()
	t.issues[incident] = num
	t.mu.Unlock()
}

// find looks for the incident's issue among the labelled ones (0 if none).
func (t *Tracker) find(ctx context.Context, incident string) (int, error) {
	opt := &gh.IssueListByRepoOptions{State: "all", Labels: []string{TrackerLabel}, ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		list, resp, err := t.client.Issues.ListByRepo(ctx, t.owner, t.repo, opt)
		if err != nil {
			return 0, fmt.Errorf("look for the github issue of %s: %w", incident, err)
		}
		for _, is := range list {
			if strings.Contains(is.GetBody(), marker("issue:"+incident)) {
				t.remember(incident, is.GetNumber())
				return is.GetNumber(), nil
			}
		}
		if resp.NextPage == 0 {
			return 0, nil
		}
		opt.Page = resp.NextPage
	}
}

// comment posts text under the notification id, unless the issue has it.
func (t *Tracker) comment(ctx context.Context, num int, id, text string) error {
	t.mu.Lock()
	seen := t.comments[num]
	t.mu.Unlock()
	if seen == nil {
		seen = map[string]bool{}
		opt := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
		for {
			list, resp, err := t.client.Issues.ListComments(ctx, t.owner, t.repo, num, opt)
			if err != nil {
				return fmt.Errorf("read the comments of github issue #%d: %w", num, err)
			}
			for _, c := range list {
				if _, rest, ok := strings.Cut(c.GetBody(), "<!-- breachbot:"); ok {
					seen[strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "-->"))] = true
				}
			}
			if resp.NextPage == 0 {
				break
			}
			opt.Page = resp.NextPage
		}
	}
	if !seen[id] {
		_, _, err := t.client.Issues.CreateComment(ctx, t.owner, t.repo, num, &gh.IssueComment{Body: gh.String(text + "\n\n" + marker(id))})
		if err != nil {
			// The comment may have been made with its answer lost: read the
			// comments again before the next attempt.
			t.mu.Lock()
			delete(t.comments, num)
			t.mu.Unlock()
			return fmt.Errorf("comment on github issue #%d: %w", num, err)
		}
		seen[id] = true
	}
	t.mu.Lock()
	t.comments[num] = seen
	t.mu.Unlock()
	return nil
}

// summary is the issue body: what a responder needs, without the title
// and without anyone affected (counts only).
func summary(inc *incidents.Incident) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** · severity %s · %s", inc.ID, inc.Severity, inc.State)
	if inc.Drill {
		b.WriteString(" · drill")
	}
	fmt.Fprintf(&b, "\n\nDeclared %s by %s", inc.DeclaredAt.UTC().Format(time.RFC3339), inc.DeclaredBy)
	if inc.Lead != "" && inc.Lead != inc.DeclaredBy {
		fmt.Fprintf(&b, "; lead %s", inc.Lead)
	}
	fmt.Fprintf(&b, ".\nPlaybook: %s v%s.\n", inc.Playbook.ID, inc.Playbook.Version)
	if inc.Channel != "" {
		fmt.Fprintf(&b, "Channel: https://slack.com/app_redirect?channel=%s\n", inc.Channel)
	} else {
		b.WriteString("Channel: in Slack, `/breach status " + inc.ID + "`\n")
	}
	if inc.Recipients != nil {
		fmt.Fprintf(&b, "Affected people on the list: %d\n", inc.Recipients.Count)
	}
	if len(inc.Obligations) > 0 {
		b.WriteString("\nDeadlines:\n")
		for _, o := range inc.Obligations {
			due := "no fixed time yet"
			if !o.Due.IsZero() {
				due = "due " + o.Due.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(&b, "- %s: %s, %s\n", o.ID, o.Status, due)
		}
	}
	b.WriteString("\nThe incident's title and details stay in breachbot; this issue only tracks it.\n")
	return b.String()
}

// trackerRetry is a failed request to GitHub that says when to try again.
type trackerRetry struct {
	err   error
	after time.Duration
}

func (e *trackerRetry) Error() string             { return e.err.Error() }
func (e *trackerRetry) Unwrap() error             { return e.err }
func (e *trackerRetry) RetryAfter() time.Duration { return e.after }

// retryable adds GitHub's rate-limit wait to err, if it has one.
func (t *Tracker) retryable(err error) error {
	if err == nil {
		return nil
	}
	now := t.clock.Now()
	if at := trackerRetryAt(err, now); !at.IsZero() {
		after := min(max(at.Sub(now), time.Second), 2*time.Hour)
		t.mu.Lock()
		t.until = now.Add(after)
		t.mu.Unlock()
		return &trackerRetry{err: err, after: after}
	}
	return err
}

// trackerRetryAt is when GitHub asked to try again after err: its rate
// limits as go-github reports them (403), and a 429 Too Many Requests,
// which go-github leaves a plain error, by its Retry-After (seconds) or
// X-RateLimit-Reset (Unix time), else in a minute. Zero when GitHub did not
// ask to wait.
func trackerRetryAt(err error, now time.Time) time.Time {
	if at := retryAt(err, now); !at.IsZero() {
		return at
	}
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusTooManyRequests {
		return time.Time{}
	}
	h := er.Response.Header
	if secs, err := strconv.ParseInt(h.Get("Retry-After"), 10, 64); err == nil && secs > 0 {
		return now.Add(time.Duration(secs) * time.Second)
	}
	if unix, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil && unix > 0 {
		return time.Unix(unix, 0).Add(time.Second)
	}
	return now.Add(time.Minute)
}
