package github

import (
	"context"
	"time"

	"github.com/breachbot/breachbot/internal/githubapi"
	"github.com/breachbot/breachbot/playbooks"
)

// PlaybookSource is what the push webhook needs of the GitHub playbook
// source it refreshes (playbooks/github.Source satisfies it): the
// repository and ref it reads, a re-read after a push, and the lint of the
// playbook folder at a pushed commit.
type PlaybookSource interface {
	// Repository returns the repository and ref the playbooks are read
	// from; the webhook acts on pushes to that ref and reports statuses on
	// that repository. Called once, by NewWebhook.
	Repository() (owner, repo, ref string)
	// String returns the source's spec (github:OWNER/REPO@REF[:FOLDER])
	// for the log.
	String() string
	// Invalidate makes the next read resolve the ref again. The webhook
	// calls it on each push to the ref.
	Invalidate()
	// Refresh resolves the ref now and reads its commit if it changed. The
	// status worker calls it before it lints a pushed commit; on an error
	// the last good copy is still served.
	Refresh(ctx context.Context) error
	// LintAt lints the playbook folder at commit sha with playbooks.Lint
	// and returns the problems, files named by their path in the
	// repository, and how many playbook files the folder holds. An error
	// with code incidents.EINVALID is a fault of the commit's content (no
	// such folder, a file too large) that retrying will not change; its
	// message says what is wrong. Any other error is worth retrying.
	LintAt(ctx context.Context, sha string) (probs playbooks.Problems, files int, err error)
}

// repository is the repository and ref of the webhook's PlaybookSource,
// read once by NewWebhook.
type repository struct {
	Owner, Repo, Ref string
	spec             string // the source's String(), for the log
}

// FullName returns "owner/repo".
func (r repository) FullName() string { return r.Owner + "/" + r.Repo }

// String returns the source's spec.
func (r repository) String() string { return r.spec }

// clip shortens a string quoted in a log line or an answer.
func clip(s string) string { return githubapi.Clip(s) }

// isSHA reports whether s is a full commit SHA.
func isSHA(s string) bool { return githubapi.IsSHA(s) }

// retryAt returns when GitHub's rate limits allow the next request after
// err (see githubapi.RetryAt).
func retryAt(err error, now time.Time) time.Time { return githubapi.RetryAt(err, now) }
