package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter, doc string) {
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found", "documentation_url": doc})
}

// lookup finds the repository of a request, or answers 404.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, doc string) *repo {
	rp := s.repos[strings.ToLower(r.PathValue("owner")+"/"+r.PathValue("repo"))]
	if rp == nil {
		notFound(w, doc)
	}
	return rp
}

// resolve returns the commit a ref names: a branch, tag, full ref or
// (abbreviated) commit SHA.
func (rp *repo) resolve(ref string) *commit {
	if ref == "" {
		ref = rp.defBranch
	}
	for _, full := range []string{ref, "refs/heads/" + ref, "refs/tags/" + ref} {
		if sha, ok := rp.refs[full]; ok {
			return rp.commits[sha]
		}
	}
	if c := rp.commits[strings.ToLower(ref)]; c != nil {
		return c
	}
	if len(ref) >= 7 {
		for sha, c := range rp.commits {
			if strings.HasPrefix(sha, strings.ToLower(ref)) {
				return c
			}
		}
	}
	return nil
}

func (s *Server) getCommit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookup(w, r, docGetCommit)
	if rp == nil {
		return
	}
	c := rp.resolve(r.PathValue("ref"))
	if c == nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{
			"message": "No commit found for SHA: " + r.PathValue("ref"), "documentation_url": docGetCommit})
		return
	}
	etag := `"` + c.sha + `"`
	if strings.Contains(r.Header.Get("Accept"), "application/vnd.github.v3.sha") {
		if r.Header.Get("If-None-Match") == etag {
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.github.v3.sha; charset=utf-8")
		w.Header().Set("ETag", etag)
		io.WriteString(w, c.sha)
		return
	}
	base := s.URL + "/api/v3/repos/" + rp.owner + "/" + rp.name
	writeJSON(w, http.StatusOK, map[string]any{
		"sha": c.sha, "node_id": "C_" + c.sha[:12], "url": base + "/commits/" + c.sha,
		"html_url": "https://github.com/" + rp.owner + "/" + rp.name + "/commit/" + c.sha,
		"commit": map[string]any{
			"message": c.message,
			"author":  map[string]any{"name": "Lead", "email": "lead@example.com", "date": c.at.UTC().Format(time.RFC3339)},
		},
		"parents": []map[string]string{{"sha": c.parent}},
	})
}

func (s *Server) getContents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookup(w, r, docContents)
	if rp == nil {
		return
	}
	c := rp.resolve(r.URL.Query().Get("ref"))
	if c == nil {
		notFound(w, docContents)
		return
	}
	p := strings.Trim(r.PathValue("path"), "/")
	htmlBase := "https://github.com/" + rp.owner + "/" + rp.name
	apiBase := s.URL + "/api/v3/repos/" + rp.owner + "/" + rp.name
	entry := func(name, p, typ, sha string, size int) map[string]any {
		m := map[string]any{
			"type": typ, "size": size, "name": name, "path": p, "sha": sha,
			"url":      apiBase + "/contents/" + p + "?ref=" + c.sha,
			"git_url":  apiBase + "/git/blobs/" + sha,
			"html_url": htmlBase + "/blob/" + c.sha + "/" + p,
			"_links": map[string]string{"self": apiBase + "/contents/" + p + "?ref=" + c.sha,
				"git": apiBase + "/git/blobs/" + sha, "html": htmlBase + "/blob/" + c.sha + "/" + p},
		}
		if typ == "file" {
			m["download_url"] = "https://raw.githubusercontent.com/" + rp.owner + "/" + rp.name + "/" + c.sha + "/" + p
		} else {
			m["download_url"] = nil
			m["git_url"] = apiBase + "/git/trees/" + sha
		}
		return m
	}
	if sha, ok := c.tree[p]; ok {
		data := rp.blobs[sha]
		m := entry(path.Base(p), p, "file", sha, len(data))
		m["encoding"] = "base64"
		m["content"] = wrap76(base64.StdEncoding.EncodeToString(data))
		writeJSON(w, http.StatusOK, m)
		return
	}
	prefix := p + "/"
	if p == "" {
		prefix = ""
	}
	seen := map[string]bool{}
	var list []map[string]any
	for _, fp := range slices.Sorted(maps.Keys(c.tree)) {
		rest, ok := strings.CutPrefix(fp, prefix)
		if !ok {
			continue
		}
		if dir, _, isDir := strings.Cut(rest, "/"); isDir {
			if !seen[dir] {
				seen[dir] = true
				h := sha1.Sum([]byte("tree " + c.sha + prefix + dir))
				list = append(list, entry(dir, prefix+dir, "dir", hex.EncodeToString(h[:]), 0))
			}
			continue
		}
		list = append(list, entry(rest, fp, "file", c.tree[fp], len(rp.blobs[c.tree[fp]])))
	}
	if list == nil {
		notFound(w, docContents)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// wrap76 breaks base64 into lines as GitHub's contents API does.
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 60 {
		b.WriteString(s[:60] + "\n")
		s = s[60:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookup(w, r, docBlob)
	if rp == nil {
		return
	}
	sha := r.PathValue("sha")
	data, ok := rp.blobs[sha]
	if !ok {
		notFound(w, docBlob)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/vnd.github.v3.raw") {
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		w.Write(data)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sha": sha, "node_id": "B_" + sha[:12], "size": len(data), "encoding": "base64",
		"url": s.URL + "/api/v3/repos/" + rp.owner + "/" + rp.name + "/git/blobs/" + sha, "content": wrap76(base64.StdEncoding.EncodeToString(data)),
	})
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookup(w, r, docStatus)
	if rp == nil {
		return
	}
	var in struct {
		State       string `json:"state"`
		TargetURL   string `json:"target_url"`
		Description string `json:"description"`
		Context     string `json:"context"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Problems parsing JSON", "documentation_url": docStatus})
		return
	}
	sha := r.PathValue("sha")
	invalid := func(field, msg string) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed", "documentation_url": docStatus,
			"errors": []map[string]string{{"resource": "Status", "code": "custom", "field": field, "message": msg}},
		})
	}
	switch {
	case rp.commits[sha] == nil:
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "No commit found for SHA: " + sha, "documentation_url": docStatus})
		return
	case !slices.Contains([]string{"error", "failure", "pending", "success"}, in.State):
		invalid("state", "state is not included in the list")
		return
	case len([]rune(in.Description)) > 140:
		invalid("description", "description is too long (maximum is 140 characters)")
		return
	}
	if in.Context == "" {
		in.Context = "default"
	}
	s.statuses = append(s.statuses, Status{Repo: rp.owner + "/" + rp.name, SHA: sha, State: in.State,
		Description: in.Description, Context: in.Context, TargetURL: in.TargetURL})
	close(s.changed)
	s.changed = make(chan struct{})
	now := s.now().UTC().Format(time.RFC3339)
	id := 1000 + len(s.statuses)
	writeJSON(w, http.StatusCreated, map[string]any{
		"url": s.URL + "/api/v3/repos/" + rp.owner + "/" + rp.name + "/statuses/" + sha, "avatar_url": "https://github.com/images/error/hubot_happy.gif",
		"id": id, "node_id": "SC_" + strconv.Itoa(id), "state": in.State, "description": in.Description,
		"target_url": nullable(in.TargetURL), "context": in.Context, "created_at": now, "updated_at": now,
		"creator": map[string]any{"login": "breachbot[bot]", "id": 41898282, "type": "Bot", "site_admin": false},
	})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// BlobSHA returns the git object id of a blob with the given content.
func BlobSHA(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}
