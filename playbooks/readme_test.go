package playbooks

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents"
)

// guideFile is one YAML example of README's "Writing playbooks" guide that
// names its file with a first line "# file: NAME".
type guideFile struct {
	name string // e.g. "my-playbooks/regulations.yaml"
	body string
	line int // of the opening fence in README.md
}

// guideFiles returns the YAML examples of the README section titled heading
// that name their file.
func guideFiles(t *testing.T, readme, heading string) []guideFile {
	t.Helper()
	lines := strings.Split(readme, "\n")
	var out []guideFile
	in := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "# ") {
			in = l == heading
			continue
		}
		if !in || strings.TrimSpace(l) != "```yaml" {
			continue
		}
		start := i + 1
		end := start
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		i = end
		if start == end {
			continue
		}
		name, ok := strings.CutPrefix(lines[start], "# file: ")
		if !ok {
			continue
		}
		out = append(out, guideFile{name: strings.TrimSpace(name), body: strings.Join(lines[start:end], "\n") + "\n", line: start})
	}
	return out
}

// TestReadmeWritingPlaybooksLints writes every "# file: NAME" YAML example of
// README's "Writing playbooks" into a temp folder and lints each folder, so
// that the guide cannot teach a playbook the linter refuses. It also loads
// the worked example of extending the catalog, as the bot would.
func TestReadmeWritingPlaybooksLints(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	files := guideFiles(t, string(data), "### Writing playbooks")
	root := t.TempDir()
	var dirs, names []string
	for _, f := range files {
		if filepath.IsAbs(f.name) || strings.Contains(f.name, "..") || filepath.Dir(f.name) == "." {
			t.Fatalf("README.md:%d: # file: %s must be FOLDER/NAME.yaml", f.line, f.name)
		}
		if slices.Contains(names, f.name) {
			t.Fatalf("README.md:%d: # file: %s is given twice", f.line, f.name)
		}
		names = append(names, f.name)
		p := filepath.Join(root, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if d := filepath.Dir(p); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	// The guide must show a playbook, an extension of the catalog and a
	// replacement of it.
	for _, want := range []string{"my-playbooks/lost-laptop.yaml", "my-playbooks/regulations.yaml", "own-catalog/regulations.yaml"} {
		if !slices.Contains(names, want) {
			t.Errorf("README.md \"Writing playbooks\" has no ```yaml block starting with \"# file: %s\" (has %q)", want, names)
		}
	}
	for _, d := range dirs {
		for _, p := range LintFiles(d).Errors() {
			rel, _ := filepath.Rel(root, p.File)
			t.Errorf("README example %s:%d:%d: %s", filepath.ToSlash(rel), p.Line, p.Col, p.Message)
		}
	}
	if t.Failed() {
		return
	}

	// The worked example: the folder's cyber-insurer rule reaches the
	// playbook that lists it, with its 48 hours and its own reminder.
	lib := New(os.DirFS(filepath.Join(root, "my-playbooks")), "my-playbooks")
	pb, err := lib.Playbook(context.Background(), "lost-laptop")
	if err != nil {
		t.Fatalf("loading the guide's lost-laptop playbook: %v", err)
	}
	i := slices.IndexFunc(pb.Obligations, func(r incidents.ObligationRule) bool { return r.ID == "cyber-insurer" })
	if i < 0 {
		t.Fatalf("lost-laptop has no cyber-insurer obligation")
	}
	if got := pb.Obligations[i].Regulation.Deadline.String(); !strings.Contains(got, "48") {
		t.Errorf("cyber-insurer deadline = %q, want 48 hours", got)
	}
}
