// Package github reports to GitHub, where security leads keep their
// playbooks: the push webhook that makes the playbook source re-read the
// repository, and the commit status that reports each pushed commit's lint.
// The playbook source itself is playbooks/github; this package reaches it
// through the small PlaybookSource interface.
//
// # Webhook and commit statuses
//
// Webhook (NewWebhook) is the http.Handler for POST /github/webhook. It
// verifies X-Hub-Signature-256 against GITHUB_WEBHOOK_SECRET with
// github.ValidatePayload (401 and nothing done otherwise), caps the body,
// answers ping, and for a push to the configured ref records the delivery id
// and a pending commit status in one transaction of the incidents database
// (through DeliveryLog, which boltstore implements), then
// answers 202. A delivery id seen before gets 200 and changes nothing.
// Delivery ids are kept 7 days (GitHub redelivers up to 3 days back) and
// pruned as new pushes arrive, so the log stays small.
//
// Webhook.Run is the worker: it lints the pushed commit's folder with
// playbooks.Lint (PlaybookSource.LintAt) and creates the commit status
// breachbot/playbooks, success or failure with "N problems, first:
// file:line:col: message", retrying with exponential backoff (to 5 min) and
// as long as GitHub's rate limits ask (RateLimitError, AbuseRateLimitError),
// across restarts, until GitHub takes it. A crash after GitHub took a status
// but before it was marked sent sends it again at restart; that is harmless,
// as a status of the same context replaces the previous one.
//
// The token needs contents:read (the playbooks) and statuses:write (the
// statuses) on the repository; a fine-grained token limited to it is best.
package github
