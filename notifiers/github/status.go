package github

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/playbooks"
)

// maxDescription is GitHub's limit on a commit status description.
const maxDescription = 140

// sendTimeout bounds one attempt to create a commit status.
const sendTimeout = 30 * time.Second

// pendingStatus is a commit status on its way to GitHub. It is written with
// the delivery id of the push that asked for it, before the push is
// acknowledged, and deleted once GitHub has taken it.
type pendingStatus struct {
	Key      uint64 `json:"key"`
	Delivery string `json:"delivery"`
	// Repo is the repository (owner/name); empty in statuses recorded
	// before it was kept, which are of the configured repository.
	Repo     string    `json:"repo,omitempty"`
	SHA      string    `json:"sha"`
	Ref      string    `json:"ref"`
	Received time.Time `json:"received"`
	// State and Description are empty until the commit has been linted;
	// a commit never changes, so neither does its lint.
	State       string    `json:"state,omitempty"`
	Description string    `json:"description,omitempty"`
	Attempts    int       `json:"attempts,omitempty"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
}

// repo returns the status's repository, or def if it was not recorded.
func (s pendingStatus) repo(def string) string {
	if s.Repo == "" {
		return def
	}
	return s.Repo
}

// Run delivers pending commit statuses until ctx is done, waking when a
// push is recorded and when a postponed status is due. Run it once, in a
// goroutine owned by the caller (serve), with the app's context; it returns
// nil when ctx ends.
func (w *Webhook) Run(ctx context.Context) error {
	for {
		next, err := w.Drain(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.log.Error("github statuses", "err", err)
			next = w.clock.Now().Add(time.Second)
		}
		var (
			timer incidents.Timer
			c     <-chan time.Time
		)
		if !next.IsZero() {
			timer = w.clock.NewTimer(next.Sub(w.clock.Now()))
			c = timer.C()
		}
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-c:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// Drain attempts every pending status that is due and returns when the
// earliest postponed one is due again (zero if none is left).
func (w *Webhook) Drain(ctx context.Context) (time.Time, error) {
	var all []pendingStatus
	err := w.dlog.PendingStatuses(func(seq uint64, v []byte) error {
		var s pendingStatus
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("decode pending status %x: %w", binary.BigEndian.AppendUint64(nil, seq), err)
		}
		all = append(all, s)
		return nil
	})
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for _, s := range all {
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
		if s.NextAttempt.After(w.clock.Now()) {
			next = earliest(next, s.NextAttempt)
			continue
		}
		at, err := w.attempt(ctx, s)
		if err != nil {
			return time.Time{}, err
		}
		next = earliest(next, at)
	}
	return next, nil
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// attempt lints the status's commit if that is still to do and sends the
// status. It returns when to try again (zero when done); errors are the
// database's only.
func (w *Webhook) attempt(ctx context.Context, s pendingStatus) (time.Time, error) {
	spec := w.repo
	if s.State == "" {
		if err := w.p.Refresh(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("github statuses: refresh the playbooks", "err", err) // serving continues from the last snapshot
		}
		probs, files, err := w.p.LintAt(ctx, s.SHA)
		switch {
		case ctx.Err() != nil:
			return time.Time{}, ctx.Err()
		case incidents.ErrorCode(err) == incidents.EINVALID:
			s.State, s.Description = "failure", incidents.ErrorMessage(err)
		case err != nil:
			return w.postpone(s, err)
		default:
			s.State, s.Description = summarize(probs, files)
		}
		s.Description = truncate(s.Description, maxDescription)
		if err := w.save(s); err != nil {
			return time.Time{}, err
		}
	}
	// A request under way is finished even if ctx ends (shutdown), so that
	// a status GitHub took is marked sent and not sent again at restart.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	_, _, err := w.client.Repositories.CreateStatus(sendCtx, spec.Owner, spec.Repo, s.SHA, &gh.RepoStatus{
		State: gh.String(s.State), Description: gh.String(s.Description), Context: gh.String(StatusContext),
	})
	if err != nil {
		return w.postpone(s, err)
	}
	w.log.Info("github statuses: reported", "commit", s.SHA, "state", s.State, "attempts", s.Attempts+1)
	// Taken by GitHub: off the queue and marked reported, in one
	// transaction, so a push of the same commit never reports it again.
	return time.Time{}, w.dlog.StatusReported(s.Key, s.repo(spec.FullName()), s.Ref, s.SHA, w.clock.Now())
}

// postpone records a failed attempt and when to try again: exponential
// backoff up to MaxBackoff, or as long as GitHub's rate limit asks. A status
// older than Expire is dropped.
func (w *Webhook) postpone(s pendingStatus, cause error) (time.Time, error) {
	now := w.clock.Now()
	if now.Sub(s.Received) > w.expire {
		w.log.Error("github statuses: giving up on a commit status", "commit", s.SHA, "attempts", s.Attempts,
			"since", s.Received, "err", cause)
		return time.Time{}, w.dlog.DropStatus(s.Key)
	}
	s.Attempts++
	delay := min(time.Second<<min(s.Attempts-1, 20), w.maxBackoff)
	if at := retryAt(cause, now); !at.IsZero() {
		delay = max(at.Sub(now), time.Second)
		delay = min(delay, 2*time.Hour) // a skewed clock must not park it for days
	}
	s.NextAttempt, s.LastError = now.Add(delay), cause.Error()
	w.log.Warn("github statuses: will retry", "commit", s.SHA, "attempt", s.Attempts, "in", delay.String(), "err", cause)
	return s.NextAttempt, w.save(s)
}

// save records a status's progress, unless it was delivered or dropped
// meanwhile.
func (w *Webhook) save(s pendingStatus) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return w.dlog.UpdateStatus(s.Key, data)
}

// summarize turns lint problems into a status state and description:
// success, or failure with "N problems, first: file:line:col: message",
// files named by their path in the repository (as PlaybookSource.LintAt
// names them).
func summarize(probs playbooks.Problems, files int) (string, string) {
	if len(probs) == 0 {
		noun := "files"
		if files == 1 {
			noun = "file"
		}
		return "success", fmt.Sprintf("%d playbook %s, no problems", files, noun)
	}
	first := probs[0]
	noun := "problems"
	if len(probs) == 1 {
		noun = "problem"
	}
	return "failure", fmt.Sprintf("%d %s, first: %s", len(probs), noun, first)
}

// truncate shortens s to at most n characters, ending in "…" if cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
