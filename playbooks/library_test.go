package playbooks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const goodPlaybook = `id: %s
version: "%s"
title: A playbook
steps:
  - {id: triage, title: Triage, owner: responders, gate: investigating}
obligations:
  - regulation: gdpr-art33
`

func playbookYAML(id, version string) string {
	return fmt.Sprintf(goodPlaybook, id, version)
}

func TestLibraryRereadsFolder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", playbookYAML("a", "1"))
	lib := New(os.DirFS(dir), dir)

	v1, err := lib.Playbook(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != "1" || v1.Source != filepath.Join(dir, "a.yaml") {
		t.Errorf("got version %q from %q, want version 1 from %s", v1.Version, v1.Source, filepath.Join(dir, "a.yaml"))
	}

	// A security lead edits the file: the next call sees the new version.
	writeFile(t, dir, "a.yaml", playbookYAML("a", "2"))
	v2, err := lib.Playbook(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != "2" || v2.SHA256 == v1.SHA256 {
		t.Errorf("after the edit: version %q, sha256 %s; want version 2 and a new sha256 (was %s)", v2.Version, v2.SHA256, v1.SHA256)
	}
	if v1.Version != "1" {
		t.Errorf("the playbook returned before the edit changed to version %q", v1.Version)
	}

	// Another file breaks: a still loads, b reports its problems.
	writeFile(t, dir, "b.yaml", "id: b\nversion: \"1\"\ntitle: B\nsteps:\n  - {id: x, title: X, owner: nobody}\n")
	if _, err := lib.Playbook(ctx, "a"); err != nil {
		t.Errorf("Playbook(a) with b broken: %v", err)
	}
	_, err = lib.Playbook(ctx, "b")
	var ps Problems
	if !errors.As(err, &ps) || incidents.ErrorCode(err) != incidents.EINVALID {
		t.Fatalf("Playbook(b) = %v, want EINVALID with problems", err)
	}
	want := Problems{{File: filepath.Join(dir, "b.yaml"), Line: 5, Col: 30, Message: `owner "nobody" is not a role; use one of responders, leads, legal`}}
	if diff := cmp.Diff(want, ps); diff != "" {
		t.Errorf("problems of b mismatch (-want +got):\n%s", diff)
	}
	all, err := lib.Playbooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].ID != "a" {
		t.Errorf("Playbooks() = %v, want only a", ids(all))
	}

	// A file too broken to read its id is known by its name.
	writeFile(t, dir, "c.yaml", "id: [c\n")
	if _, err := lib.Playbook(ctx, "c"); incidents.ErrorCode(err) != incidents.EINVALID {
		t.Errorf("Playbook(c) = %v, want EINVALID", err)
	}
}

func ids(pbs []*incidents.Playbook) []string {
	var out []string
	for _, p := range pbs {
		out = append(out, p.ID)
	}
	return out
}

func TestLibraryNotFound(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", playbookYAML("a", "1"))
	writeFile(t, dir, "broken.yaml", "id: broken\n")
	_, err := New(os.DirFS(dir), dir).Playbook(context.Background(), "nope")
	if incidents.ErrorCode(err) != incidents.ENOTFOUND {
		t.Fatalf("Playbook(nope) = %v, want ENOTFOUND", err)
	}
	wantHint := "known playbooks: a; files with problems: " + filepath.Join(dir, "broken.yaml") + " (check them with: breachbot playbooks lint)"
	if got := incidents.ErrorHint(err); got != wantHint {
		t.Errorf("hint = %q, want %q", got, wantHint)
	}
}

func TestLibraryDefault(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		files   map[string]string
		wantID  string
		wantErr string
	}{
		{"the only playbook", map[string]string{"x.yaml": playbookYAML("x", "1")}, "x", ""},
		{"personal-data-breach among others", map[string]string{"x.yaml": playbookYAML("x", "1"), "pdb.yml": playbookYAML("personal-data-breach", "7")}, "personal-data-breach", ""},
		{"several, none the default", map[string]string{"x.yaml": playbookYAML("x", "1"), "y.yaml": playbookYAML("y", "1")}, "", incidents.EINVALID},
		{"none", map[string]string{"notes.txt": "hello"}, "", incidents.ENOTFOUND},
		{"the default is broken", map[string]string{"x.yaml": playbookYAML("x", "1"), "pdb.yaml": "id: personal-data-breach\n"}, "", incidents.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, dir, name, content)
			}
			pb, err := New(os.DirFS(dir), dir).Default(ctx)
			if code := incidents.ErrorCode(err); code != tt.wantErr {
				t.Fatalf("Default() error = %v (code %q), want code %q", err, code, tt.wantErr)
			}
			if err == nil && pb.ID != tt.wantID {
				t.Errorf("Default() = %s, want %s", pb.ID, tt.wantID)
			}
		})
	}
}

func TestLibraryFolderCatalog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, dir, "regulations.yaml", "replace: true\n"+testCatalog)
	writeFile(t, dir, "t.yaml", "id: t\nversion: \"1\"\ntitle: T\nsteps: [{id: a, title: A, owner: leads}]\nobligations: [{regulation: plain}]\n")
	lib := New(os.DirFS(dir), dir)
	pb, err := lib.Playbook(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if pb.Catalog.Version != "t1" {
		t.Errorf("Catalog.Version = %q, want the folder's catalog t1", pb.Catalog.Version)
	}

	// A broken catalog makes every playbook of the folder invalid.
	writeFile(t, dir, "regulations.yaml", "replace: true\nversion: 2\n")
	for _, call := range []func() error{
		func() error { _, err := lib.Playbook(ctx, "t"); return err },
		func() error { _, err := lib.Playbooks(ctx); return err },
	} {
		err := call()
		var fe *FileError
		if !errors.As(err, &fe) || fe.File != filepath.Join(dir, "regulations.yaml") || incidents.ErrorCode(err) != incidents.EINVALID {
			t.Errorf("with a broken catalog: %v, want EINVALID about regulations.yaml", err)
		}
	}
}

func TestLibraryDuplicateIDs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", playbookYAML("same", "1"))
	writeFile(t, dir, "b.yaml", playbookYAML("same", "2"))
	_, err := New(os.DirFS(dir), dir).Playbook(context.Background(), "same")
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 {
		t.Fatalf("Playbook(same) = %v, want one problem", err)
	}
	want := `playbook same has version "1" here and version "2" in ` + filepath.Join(dir, "b.yaml") + `; keep only the current version in the folder (git keeps the old ones)`
	if ps[0].Message != want {
		t.Errorf("problem = %q, want %q", ps[0].Message, want)
	}
}

func TestLibraryEmbedded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, lib := range []*Library{New(nil, ""), New(Embedded(), "embedded")} {
		pb, err := lib.Default(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pb.ID != DefaultPlaybook || pb.Source != "embedded:personal-data-breach.yaml" {
			t.Errorf("Default() = %s from %s", pb.ID, pb.Source)
		}
		all, err := lib.Playbooks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"credential-exposure", "health-data-breach", "misdirected-email", "payment-card-compromise", "personal-data-breach", "ransomware-extortion", "vendor-breach"}, ids(all)); diff != "" {
			t.Errorf("Playbooks() mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestLibraryErrors(t *testing.T) {
	t.Parallel()
	lib := New(os.DirFS(filepath.Join(t.TempDir(), "gone")), "gone")
	if _, err := lib.Playbooks(context.Background()); err == nil || incidents.ErrorCode(err) != incidents.EINTERNAL {
		t.Errorf("Playbooks() of a missing folder = %v, want an internal error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(nil, "").Playbook(ctx, DefaultPlaybook); !errors.Is(err, context.Canceled) {
		t.Errorf("Playbook() with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestLibraryDisplay(t *testing.T) {
	tests := []struct{ source, want string }{
		{"embedded", "embedded:x.yaml"},
		{"github:acme/playbooks@v3:", "github:acme/playbooks@v3:x.yaml"},
		{"/etc/breachbot/playbooks", filepath.Join("/etc/breachbot/playbooks", "x.yaml")},
		{"", "x.yaml"},
	}
	for _, tt := range tests {
		if got := New(Embedded(), tt.source).display("x.yaml"); got != tt.want {
			t.Errorf("display with source %q = %q, want %q", tt.source, got, tt.want)
		}
	}
}
