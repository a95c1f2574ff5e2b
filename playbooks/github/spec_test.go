package github_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/playbooks/github"
)

func TestParseRepoSpec(t *testing.T) {
	t.Parallel()
	sha := "9fceb02d0ae598e95dc970b74767f19372d61af8"
	tests := []struct {
		name string
		in   string
		want github.RepoSpec
	}{
		{"folder with trailing slash", "github:acme/playbooks@main:playbooks/", github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: "main", Dir: "playbooks"}},
		{"root", "github:acme/playbooks@main", github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: "main"}},
		{"empty folder is the root", "github:acme/playbooks@v3:", github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: "v3"}},
		{"slash is the root", "github:acme/playbooks@v3:/", github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: "v3"}},
		{"nested folder, cleaned", "github:acme/sec-docs@main:./ir//playbooks/", github.RepoSpec{Owner: "acme", Repo: "sec-docs", Ref: "main", Dir: "ir/playbooks"}},
		{"branch with slashes", "github:Acme-Corp/security.playbooks@release/2026-q4:pb", github.RepoSpec{Owner: "Acme-Corp", Repo: "security.playbooks", Ref: "release/2026-q4", Dir: "pb"}},
		{"full ref", "github:acme/playbooks@refs/heads/main:pb", github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: "refs/heads/main", Dir: "pb"}},
		{"commit", "github:acme/playbooks@" + sha + ":pb", github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: sha, Dir: "pb"}},
		{"surrounding blanks", "  github:acme/playbooks@main:pb \n", github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: "main", Dir: "pb"}},
		{"a pin's source label", "github:acme/playbooks@" + sha + ":playbooks/personal-data-breach.yaml",
			github.RepoSpec{Owner: "acme", Repo: "playbooks", Ref: sha, Dir: "playbooks/personal-data-breach.yaml"}},
		{"managed user owner", "github:jane_acme/pb@main", github.RepoSpec{Owner: "jane_acme", Repo: "pb", Ref: "main"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := github.ParseRepoSpec(tt.in)
			if err != nil {
				t.Fatalf("ParseRepoSpec(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseRepoSpec(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseRepoSpecErrorsSayWhatToWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, msg string
	}{
		{"acme/playbooks@main", `"acme/playbooks@main" is not a GitHub playbooks location: it must start with github:`},
		{"github:acme/playbooks", `"github:acme/playbooks" names no ref: add @ and the branch, tag or commit to use`},
		{"github:acme/playbooks:pb", `"github:acme/playbooks:pb" names no ref: add @ and the branch, tag or commit to use`},
		{"github:playbooks@main", `"playbooks" names no repository: write OWNER/REPO before the @`},
		{"github:/playbooks@main", `the repository owner "" is empty`},
		{"github:acme/@main", `the repository name "" is empty`},
		{"github:acme/play/books@main", `the repository name "play/books" may hold only letters, digits, -, _ and ., not '/'`},
		{"github:acme/playbooks.git@main", `the repository name "playbooks.git" ends in .git; leave that out`},
		{"github:-acme/playbooks@main", `the repository owner "-acme" must start with a letter or digit`},
		{"github:acme/playbooks@", `the ref "" is empty: name a branch, tag or commit after the @`},
		{"github:acme/playbooks@:pb", `the ref "" is empty: name a branch, tag or commit after the @`},
		{"github:acme/playbooks@main..dev", `the ref "main..dev" is not a valid git ref (no .., @{ or //)`},
		{"github:acme/playbooks@my branch", `the ref "my branch" is not a valid git ref (it may not hold ' ')`},
		{"github:acme/playbooks@main/", `the ref "main/" is not a valid git ref (it may not start or end with / or end with .)`},
		{"github:acme/playbooks@x.lock", `the ref "x.lock" is not a valid git ref (no part may start with . or end with .lock)`},
		{"github:acme/playbooks@main:../secrets", `the folder "../secrets" may not hold ..`},
		{`github:acme/playbooks@main:a\b`, `the folder "a\\b" may not hold '\\'; separate folders with /`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := github.ParseRepoSpec(tt.in)
			if err == nil {
				t.Fatalf("ParseRepoSpec(%q) = %+v, want an error", tt.in, got)
			}
			if incidents.ErrorCode(err) != incidents.EINVALID || incidents.ErrorMessage(err) != tt.msg {
				t.Errorf("ParseRepoSpec(%q) error = %s %q\nwant invalid %q", tt.in, incidents.ErrorCode(err), incidents.ErrorMessage(err), tt.msg)
			}
			if hint := incidents.ErrorHint(err); !strings.Contains(hint, "github:OWNER/REPO@REF[:FOLDER]") {
				t.Errorf("hint %q does not show how to write it", hint)
			}
		})
	}
}

func FuzzParseRepoSpec(f *testing.F) {
	for _, s := range []string{
		"github:acme/playbooks@main:playbooks/", "github:acme/playbooks@main", "github:a/b@refs/tags/v1.2:x/y",
		"github:acme/playbooks@9fceb02d0ae598e95dc970b74767f19372d61af8:playbooks/personal-data-breach.yaml",
		"github:acme/playbooks@main: pb /. /", "github:a/b@c:..", "github:a/b@@{", "github:a/b@main:ü/ß", "github:",
		"acme/playbooks", "github:a_b/c.d@x:\x00", "github:a/b@m:/./../",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := github.ParseRepoSpec(s)
		if err != nil {
			if incidents.ErrorCode(err) != incidents.EINVALID || incidents.ErrorMessage(err) == "" || incidents.ErrorHint(err) == "" {
				t.Fatalf("ParseRepoSpec(%q): error %v is not an EINVALID with a message and a hint", s, err)
			}
			return
		}
		if spec.Owner == "" || spec.Repo == "" || spec.Ref == "" {
			t.Fatalf("ParseRepoSpec(%q) = %+v with an empty part", s, spec)
		}
		if strings.Contains(spec.Dir, "..") || strings.HasPrefix(spec.Dir, "/") || strings.HasSuffix(spec.Dir, "/") || strings.ContainsAny(spec.Ref, ": ") {
			t.Fatalf("ParseRepoSpec(%q) = %+v: folder or ref not clean", s, spec)
		}
		again, err := github.ParseRepoSpec(spec.String())
		if err != nil {
			t.Fatalf("ParseRepoSpec(%q) = %+v, but its String %q does not parse: %v", s, spec, spec.String(), err)
		}
		if again != spec {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v", s, spec, spec.String(), again)
		}
	})
}
