package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Issue is an issue as created and edited through the API, with its
// comments in order.
type Issue struct {
	Repo     string // owner/name
	Number   int
	Title    string
	Body     string
	State    string // open or closed
	Labels   []string
	Comments []string
}

const docIssues = "https://docs.github.com/rest/issues/issues"

const docComments = "https://docs.github.com/rest/issues/comments"

// AddRepo creates an empty repository (for its issues) if there is none.
func (s *Server) AddRepo(fullName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repoLocked(fullName, "main")
}

// Issues returns the issues of every repository, in the order created.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = *is
		out[i].Labels = slices.Clone(is.Labels)
		out[i].Comments = slices.Clone(is.Comments)
	}
	return out
}

// LoseAnswerOnce makes the server carry out the next request with the
// method but answer it 502, as when the answer is lost on the way back.
func (s *Server) LoseAnswerOnce(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose = append(s.lose, method)
}

func (s *Server) issueJSON(is *Issue) map[string]any {
	now := s.now().UTC().Format(time.RFC3339)
	labels := make([]map[string]any, len(is.Labels))
	for i, l := range is.Labels {
		labels[i] = map[string]any{"name": l}
	}
	owner, name, _ := strings.Cut(is.Repo, "/")
	return map[string]any{
		"id": 5000 + is.Number, "number": is.Number, "title": is.Title, "body": nullable(is.Body), "state": is.State,
		"labels": labels, "comments": len(is.Comments), "created_at": now, "updated_at": now,
		"url":      s.URL + "/api/v3/repos/" + owner + "/" + name + "/issues/" + strconv.Itoa(is.Number),
		"html_url": "https://github.com/" + is.Repo + "/issues/" + strconv.Itoa(is.Number),
		"user":     map[string]any{"login": "breachbot[bot]", "id": 41898282, "type": "Bot"},
	}
}

// issueLocked finds the issue of a request, or answers 404.
func (s *Server) issueLocked(w http.ResponseWriter, r *http.Request, doc string) *Issue {
	rp := s.lookup(w, r, doc)
	if rp == nil {
		return nil
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	for _, is := range s.issues {
		if is.Repo == rp.owner+"/"+rp.name && is.Number == n {
			return is
		}
	}
	notFound(w, doc)
	return nil
}

func (s *Server) createIssue(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookup(w, r, docIssues)
	if rp == nil {
		return
	}
	var in struct {
		Title  string   `json:"title"`
		Body   string   `json:"body"`
		Labels []string `json:"labels"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Title == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "documentation_url": docIssues,
			"errors": []map[string]string{{"resource": "Issue", "code": "missing_field", "field": "title"}}})
		return
	}
	is := &Issue{Repo: rp.owner + "/" + rp.name, Number: len(s.issues) + 1, Title: in.Title, Body: in.Body, State: "open", Labels: in.Labels}
	s.issues = append(s.issues, is)
	writeJSON(w, http.StatusCreated, s.issueJSON(is))
}

// listIssues answers GET /repos/{owner}/{repo}/issues with state, labels,
// per_page and page, newest first, with GitHub's Link header.
func (s *Server) listIssues(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookup(w, r, docIssues)
	if rp == nil {
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var labels []string
	if l := q.Get("labels"); l != "" {
		labels = strings.Split(l, ",")
	}
	var match []*Issue
	for _, is := range slices.Backward(s.issues) {
		if is.Repo != rp.owner+"/"+rp.name || (state != "all" && is.State != state) {
			continue
		}
		if slices.ContainsFunc(labels, func(l string) bool { return !slices.Contains(is.Labels, l) }) {
			continue
		}
		match = append(match, is)
	}
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	from, to := min((page-1)*per, len(match)), min(page*per, len(match))
	if to < len(match) {
		u := *r.URL
		q.Set("page", strconv.Itoa(page+1))
		u.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, s.URL, u.String()))
	}
	out := []map[string]any{}
	for _, is := range match[from:to] {
		out = append(out, s.issueJSON(is))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) editIssue(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issueLocked(w, r, docIssues)
	if is == nil {
		return
	}
	var in struct {
		Title *string `json:"title"`
		Body  *string `json:"body"`
		State *string `json:"state"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Problems parsing JSON", "documentation_url": docIssues})
		return
	}
	if in.State != nil && *in.State != "open" && *in.State != "closed" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "documentation_url": docIssues,
			"errors": []map[string]string{{"resource": "Issue", "code": "invalid", "field": "state"}}})
		return
	}
	if in.Title != nil {
		is.Title = *in.Title
	}
	if in.Body != nil {
		is.Body = *in.Body
	}
	if in.State != nil {
		is.State = *in.State
	}
	writeJSON(w, http.StatusOK, s.issueJSON(is))
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issueLocked(w, r, docComments)
	if is == nil {
		return
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "documentation_url": docComments,
			"errors": []map[string]string{{"resource": "IssueComment", "code": "missing_field", "field": "body"}}})
		return
	}
	is.Comments = append(is.Comments, in.Body)
	writeJSON(w, http.StatusCreated, s.commentJSON(is, len(is.Comments)-1))
}

func (s *Server) commentJSON(is *Issue, i int) map[string]any {
	now := s.now().UTC().Format(time.RFC3339)
	id := is.Number*10000 + i + 1
	return map[string]any{"id": id, "body": is.Comments[i], "created_at": now, "updated_at": now,
		"html_url": "https://github.com/" + is.Repo + "/issues/" + strconv.Itoa(is.Number) + "#issuecomment-" + strconv.Itoa(id),
		"user":     map[string]any{"login": "breachbot[bot]", "id": 41898282, "type": "Bot"}}
}

// listComments answers GET .../issues/{number}/comments with per_page and
// page, oldest first.
func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issueLocked(w, r, docComments)
	if is == nil {
		return
	}
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	from, to := min((page-1)*per, len(is.Comments)), min(page*per, len(is.Comments))
	if to < len(is.Comments) {
		u := *r.URL
		q.Set("page", strconv.Itoa(page+1))
		u.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, s.URL, u.String()))
	}
	out := []map[string]any{}
	for i := from; i < to; i++ {
		out = append(out, s.commentJSON(is, i))
	}
	writeJSON(w, http.StatusOK, out)
}
