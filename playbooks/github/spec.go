package github

import (
	"fmt"
	"path"
	"strings"
	"unicode"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/internal/githubapi"
)

// SpecPrefix starts every GitHub playbooks spec and every Source label of a
// playbook served from GitHub.
const SpecPrefix = "github:"

// specHint is the hint of every ParseRepoSpec error.
const specHint = "write github:OWNER/REPO@REF[:FOLDER], e.g. github:acme/playbooks@main:playbooks/ (REF is a branch, tag or commit)"

// RepoSpec names a folder of playbooks in a GitHub repository at a ref. Its
// spelling is github:OWNER/REPO@REF[:FOLDER], the value BREACHBOT_PLAYBOOKS
// takes for playbooks kept on GitHub.
//
// The Source label of every playbook served from GitHub uses the same
// spelling with the commit SHA as REF and the file's path as FOLDER:
// github:acme/playbooks@0123...cdef:playbooks/personal-data-breach.yaml.
// Everything after the "@" is a revision:path that `git show` takes.
type RepoSpec struct {
	// Owner is the user or organisation that owns the repository.
	Owner string
	// Repo is the repository's name.
	Repo string
	// Ref is a branch, tag or commit SHA (a full ref such as refs/heads/main
	// works too).
	Ref string
	// Dir is the folder in the repository, slash-separated, without leading
	// or trailing slash; "" is the repository's root.
	Dir string
}

// String returns the spec's canonical spelling, which ParseRepoSpec parses
// back to the same RepoSpec.
func (s RepoSpec) String() string {
	out := SpecPrefix + s.Owner + "/" + s.Repo + "@" + s.Ref
	if s.Dir != "" {
		out += ":" + s.Dir
	}
	return out
}

// FullName returns "owner/repo".
func (s RepoSpec) FullName() string { return s.Owner + "/" + s.Repo }

// label returns the Source label of the playbooks of the spec's folder at a
// commit; the Library appends each file's name.
func (s RepoSpec) label(sha string) string {
	l := SpecPrefix + s.Owner + "/" + s.Repo + "@" + sha + ":"
	if s.Dir != "" {
		l += s.Dir + "/"
	}
	return l
}

// filePath returns the path in the repository of a file of the spec's
// folder ("." is the folder itself).
func (s RepoSpec) filePath(name string) string {
	switch {
	case name == "." && s.Dir == "":
		return "/"
	case name == ".":
		return s.Dir + "/"
	case s.Dir == "":
		return name
	}
	return s.Dir + "/" + name
}

// ParseRepoSpec parses github:OWNER/REPO@REF[:FOLDER], for example
// github:acme/playbooks@main:playbooks/. REF is required (a branch, tag or
// commit SHA); FOLDER defaults to the repository's root. A Source label of a
// playbook served from GitHub parses too, with the file's path as Dir.
// Errors are EINVALID and say what was wrong and how to write it.
func ParseRepoSpec(s string) (RepoSpec, error) {
	bad := func(format string, args ...any) (RepoSpec, error) {
		return RepoSpec{}, incidents.Errorf(incidents.EINVALID, format, args...).WithHint(specHint)
	}
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, SpecPrefix)
	if !ok {
		return bad("%q is not a GitHub playbooks location: it must start with %s", githubapi.Clip(s), SpecPrefix)
	}
	name, after, ok := strings.Cut(rest, "@")
	if !ok {
		return bad("%q names no ref: add @ and the branch, tag or commit to use", githubapi.Clip(s))
	}
	owner, repo, ok := strings.Cut(name, "/")
	if !ok {
		return bad("%q names no repository: write OWNER/REPO before the @", githubapi.Clip(name))
	}
	if err := checkOwner(owner); err != "" {
		return bad("the repository owner %q %s", githubapi.Clip(owner), err)
	}
	if err := checkRepo(repo); err != "" {
		return bad("the repository name %q %s", githubapi.Clip(repo), err)
	}
	ref, dir, _ := strings.Cut(after, ":")
	if err := checkRef(ref); err != "" {
		return bad("the ref %q %s", githubapi.Clip(ref), err)
	}
	dir, err := cleanDir(dir)
	if err != "" {
		return bad("the folder %q %s", githubapi.Clip(dir), err)
	}
	return RepoSpec{Owner: owner, Repo: repo, Ref: ref, Dir: dir}, nil
}

func isAlnum(c rune) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// checkOwner returns what is wrong with a GitHub user or organisation name
// ("" if nothing). GitHub allows letters, digits and hyphens; GitHub
// Enterprise managed users add an underscore.
func checkOwner(s string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > 100:
		return "is too long"
	case !isAlnum(rune(s[0])):
		return "must start with a letter or digit"
	}
	for _, c := range s {
		if !isAlnum(c) && c != '-' && c != '_' {
			return fmt.Sprintf("may hold only letters, digits, - and _, not %q", c)
		}
	}
	return ""
}

// checkRepo returns what is wrong with a repository name ("" if nothing).
func checkRepo(s string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > 100:
		return "is too long"
	case s == "." || s == "..":
		return "is not a repository name"
	case strings.HasSuffix(strings.ToLower(s), ".git"):
		return "ends in .git; leave that out"
	}
	for _, c := range s {
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return fmt.Sprintf("may hold only letters, digits, -, _ and ., not %q", c)
		}
	}
	return ""
}

// checkRef returns what is wrong with a git ref name ("" if nothing), by
// the rules of git check-ref-format.
func checkRef(s string) string {
	switch {
	case s == "":
		return "is empty: name a branch, tag or commit after the @"
	case len(s) > 255:
		return "is too long"
	case s == "@":
		return "is not a ref"
	case strings.Contains(s, ".."), strings.Contains(s, "@{"), strings.Contains(s, "//"):
		return "is not a valid git ref (no .., @{ or //)"
	case strings.HasPrefix(s, "/"), strings.HasSuffix(s, "/"), strings.HasSuffix(s, "."):
		return "is not a valid git ref (it may not start or end with / or end with .)"
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || strings.ContainsRune(" ~^:?*[\\", c) {
			return fmt.Sprintf("is not a valid git ref (it may not hold %q)", c)
		}
	}
	for _, part := range strings.Split(s, "/") {
		if strings.HasPrefix(part, ".") || strings.HasSuffix(part, ".lock") {
			return "is not a valid git ref (no part may start with . or end with .lock)"
		}
	}
	return ""
}

// cleanDir returns a folder path without leading, trailing or repeated
// slashes, or what is wrong with it.
func cleanDir(s string) (string, string) {
	if len(s) > 1000 {
		return s, "is too long"
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return s, fmt.Sprintf("may not hold %q; separate folders with /", c)
		}
	}
	if strings.Contains(s, "..") {
		// GitHub's contents API refuses any path holding "..".
		return s, "may not hold .."
	}
	// Clean, and drop trailing blanks (the whole spec is trimmed, so a
	// folder ending in a blank could not be written back), until stable.
	d := s
	for {
		t := strings.TrimRightFunc(strings.Trim(path.Clean("/"+d), "/"), unicode.IsSpace)
		if t == d {
			return d, ""
		}
		d = t
	}
}
