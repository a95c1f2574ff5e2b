// Package github owns reading playbooks from a GitHub repository at a ref:
// Source (New) implements incidents.PlaybookSource for a RepoSpec, spelled
// github:OWNER/REPO@REF[:FOLDER] (ParseRepoSpec), the value of
// BREACHBOT_PLAYBOOKS. It resolves REF to a commit, reads the folder's
// *.yaml and *.yml files at that commit (and regulations.yaml as the catalog,
// else the embedded one), and serves them through playbooks.New over an
// in-memory snapshot. Each playbook's Source is
// github:OWNER/REPO@COMMIT:PATH, so the pin of an incident, and its export,
// names the exact commit and file ("git show COMMIT:PATH" shows it).
//
// The snapshot is cached by commit. The ref is resolved again at most every
// RefreshEvery (60 s), with a conditional request that costs no rate limit
// when nothing changed, and at once after Invalidate (a push webhook, see
// notifiers/github). If GitHub cannot be reached the last good snapshot is
// served and the log says how old it is; with none at all, declaring fails
// with EINTERNAL whose hint says to declare with a built-in playbook instead
// (--playbook embedded:personal-data-breach): ids prefixed with
// BuiltinPrefix are served from Options.Builtin.
//
// Source also satisfies notifiers/github.PlaybookSource: the push webhook
// refreshes it and lints a pushed commit's folder through it (LintAt).
//
// The token needs contents:read on the repository.
package github
