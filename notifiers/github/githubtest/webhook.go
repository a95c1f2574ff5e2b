package githubtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sign256 returns the X-Hub-Signature-256 GitHub sends with body: "sha256="
// and the hex HMAC-SHA256 of the raw body keyed with the webhook secret.
func Sign256(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// sign1 returns the legacy X-Hub-Signature (HMAC-SHA1) GitHub also sends.
func sign1(secret, body []byte) string {
	m := hmac.New(sha1.New, secret)
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// HookID is the webhook id the deliveries of this package carry.
const HookID = 471234567

// NewDelivery returns a webhook delivery as GitHub makes it: POST to url
// with the JSON body and GitHub's headers (X-GitHub-Event, X-GitHub-Delivery,
// X-GitHub-Hook-ID, the installation target, User-Agent GitHub-Hookshot/...)
// and, with a non-empty secret, both signatures (X-Hub-Signature-256 and the
// legacy X-Hub-Signature).
func NewDelivery(url string, secret []byte, event, delivery string, body []byte) *http.Request {
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	h := r.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "GitHub-Hookshot/9e3b5b1")
	h.Set("X-GitHub-Event", event)
	h.Set("X-GitHub-Delivery", delivery)
	h.Set("X-GitHub-Hook-ID", strconv.Itoa(HookID))
	h.Set("X-GitHub-Hook-Installation-Target-Type", "repository")
	h.Set("X-GitHub-Hook-Installation-Target-ID", "1296269")
	if len(secret) > 0 {
		h.Set("X-Hub-Signature", sign1(secret, body))
		h.Set("X-Hub-Signature-256", Sign256(secret, body))
	}
	return r
}

// user is the account in payloads.
func user(login string, id int64, typ string) map[string]any {
	return map[string]any{
		"login": login, "id": id, "node_id": "MDQ6VXNlcj" + strconv.FormatInt(id, 10),
		"avatar_url":  "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(id, 10) + "?v=4",
		"gravatar_id": "", "url": "https://api.github.com/users/" + login, "html_url": "https://github.com/" + login,
		"type": typ, "site_admin": false,
	}
}

// repository is the repository object of a push payload (whose created_at
// and pushed_at are Unix seconds, unlike other events').
func (s *Server) repository(fullName string, now time.Time) map[string]any {
	s.mu.Lock()
	rp := s.repos[strings.ToLower(fullName)]
	s.mu.Unlock()
	owner, name, _ := strings.Cut(fullName, "/")
	id, branch := int64(1296269), "main"
	if rp != nil {
		owner, name, id, branch = rp.owner, rp.name, rp.id, rp.defBranch
	}
	html := "https://github.com/" + owner + "/" + name
	o := user(owner, 9919, "Organization")
	o["name"], o["email"] = owner, nil
	return map[string]any{
		"id": id, "node_id": "R_kgDOAbc" + strconv.FormatInt(id, 10), "name": name, "full_name": owner + "/" + name,
		"private": true, "owner": o, "html_url": html, "description": "Breach response playbooks", "fork": false,
		"url": html, "created_at": now.Add(-400 * 24 * time.Hour).Unix(), "updated_at": now.UTC().Format(time.RFC3339),
		"pushed_at": now.Unix(), "git_url": "git://github.com/" + owner + "/" + name + ".git",
		"ssh_url": "git@github.com:" + owner + "/" + name + ".git", "clone_url": html + ".git",
		"size": 12, "stargazers_count": 0, "watchers_count": 0, "language": nil, "has_issues": true,
		"archived": false, "disabled": false, "open_issues_count": 0, "visibility": "private",
		"default_branch": branch, "master_branch": branch, "organization": owner, "stargazers": 0,
	}
}

// PushPayload returns the body of the push webhook GitHub sends for p, in
// the documented shape (ref, before, after, repository, pusher, sender,
// created, deleted, forced, compare, commits, head_commit).
func (s *Server) PushPayload(p Push) []byte {
	now := s.now()
	html := "https://github.com/" + p.Repo
	var commits []map[string]any
	var head any
	deleted := p.After == ZeroSHA
	if !deleted {
		c := map[string]any{
			"id": p.After, "tree_id": strings.Repeat("7", 40), "distinct": true, "message": p.Message,
			"timestamp": now.Format(time.RFC3339), "url": html + "/commit/" + p.After,
			"author":    map[string]any{"name": "Sam Lead", "email": "sam.lead@example.com", "username": "samlead"},
			"committer": map[string]any{"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"},
			"added":     nonNil(p.Added), "removed": nonNil(p.Removed), "modified": nonNil(p.Modified),
		}
		commits, head = []map[string]any{c}, c
	}
	body, err := json.Marshal(map[string]any{
		"ref": p.Ref, "before": p.Before, "after": p.After,
		"repository": s.repository(p.Repo, now),
		"pusher":     map[string]any{"name": "samlead", "email": "sam.lead@example.com"},
		"organization": map[string]any{"login": strings.Split(p.Repo, "/")[0], "id": 9919,
			"url": "https://api.github.com/orgs/" + strings.Split(p.Repo, "/")[0]},
		"sender":  user("samlead", 583231, "User"),
		"created": p.Before == ZeroSHA, "deleted": deleted, "forced": false, "base_ref": nil,
		"compare": html + "/compare/" + p.Before[:12] + "..." + p.After[:12],
		"commits": nonNilCommits(commits), "head_commit": head,
	})
	if err != nil {
		panic(err)
	}
	return body
}

// PingPayload returns the body of the ping GitHub sends when a webhook is
// created for fullName.
func (s *Server) PingPayload(fullName string) []byte {
	now := s.now().UTC()
	hook := map[string]any{
		"type": "Repository", "id": HookID, "name": "web", "active": true, "events": []string{"push"},
		"config":     map[string]any{"content_type": "json", "insecure_ssl": "0", "url": "https://breachbot.example.com/github/webhook"},
		"updated_at": now.Format(time.RFC3339), "created_at": now.Format(time.RFC3339),
		"url":            "https://api.github.com/repos/" + fullName + "/hooks/" + strconv.Itoa(HookID),
		"test_url":       "https://api.github.com/repos/" + fullName + "/hooks/" + strconv.Itoa(HookID) + "/test",
		"ping_url":       "https://api.github.com/repos/" + fullName + "/hooks/" + strconv.Itoa(HookID) + "/pings",
		"deliveries_url": "https://api.github.com/repos/" + fullName + "/hooks/" + strconv.Itoa(HookID) + "/deliveries",
		"last_response":  map[string]any{"code": nil, "status": "unused", "message": nil},
	}
	body, err := json.Marshal(map[string]any{
		"zen": "Design for failure.", "hook_id": HookID, "hook": hook,
		"repository": s.repository(fullName, now), "sender": user("samlead", 583231, "User"),
	})
	if err != nil {
		panic(err)
	}
	return body
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilCommits(c []map[string]any) []map[string]any {
	if c == nil {
		return []map[string]any{}
	}
	return c
}
