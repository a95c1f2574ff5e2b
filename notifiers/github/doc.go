// Package github connects breachbot to GitHub, where security leads keep
// their playbooks: a playbook source that reads a folder of a repository at
// a ref, and the push webhook that refreshes it and reports each pushed
// commit's lint as a commit status.
//
// # Playbooks at a ref
//
// Playbooks (NewPlaybooks) implements incidents.PlaybookSource for a
// RepoSpec, spelled github:OWNER/REPO@REF[:FOLDER] (ParseRepoSpec), the value
// of BREACHBOT_PLAYBOOKS. It resolves REF to a commit, reads the folder's
// *.yaml and *.yml files at that commit (and regulations.yaml as the catalog,
// else the embedded one), and serves them through playbooks.New over an
// in-memory snapshot. Each playbook's Source is
// github:OWNER/REPO@COMMIT:PATH, so the pin of an incident, and its export,
// names the exact commit and file ("git show COMMIT:PATH" shows it).
//
// The snapshot is cached by commit. The ref is resolved again at most every
// RefreshEvery (60 s), with a conditional request that costs no rate limit
// when nothing changed, and at once after a push webhook. If GitHub cannot be
// reached the last good snapshot is served and the log says how old it is;
// with none at all, declaring fails with EINTERNAL whose hint says to declare
// with a built-in playbook instead (--playbook embedded:personal-data-breach):
// ids prefixed with BuiltinPrefix are served from PlaybooksOptions.Builtin.
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
// playbooks.Lint and creates the commit status breachbot/playbooks, success
// or failure with "N problems, first: file:line:col: message", retrying with
// exponential backoff (to 5 min) and as long as GitHub's rate limits ask
// (RateLimitError, AbuseRateLimitError), across restarts, until GitHub takes
// it. A crash after GitHub took a status but before it was marked sent sends
// it again at restart; that is harmless, as a status of the same context
// replaces the previous one.
//
// The token needs contents:read (the playbooks) and statuses:write (the
// statuses) on the repository; a fine-grained token limited to it is best.
package github
