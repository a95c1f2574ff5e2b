package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// problemJSON is one problem of a linter's JSON output.
type problemJSON struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Col      int    `json:"col,omitempty"`
	Severity string `json:"severity"` // "error" or "note"
	Message  string `json:"message"`
}

// WriteJSON writes problems as {"errors": N, "notes": N, "problems":
// [{file, line, col, severity, message}]}, for tools (`--format json`).
func WriteJSON(w io.Writer, probs Problems) error {
	out := struct {
		Errors   int           `json:"errors"`
		Notes    int           `json:"notes"`
		Problems []problemJSON `json:"problems"`
	}{Problems: []problemJSON{}}
	for _, p := range probs {
		sev := "error"
		if p.Note {
			sev = "note"
			out.Notes++
		} else {
			out.Errors++
		}
		col := p.Col
		if p.Line > 0 {
			col = max(col, 1)
		}
		out.Problems = append(out.Problems, problemJSON{File: p.File, Line: p.Line, Col: col, Severity: sev, Message: p.Message})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write lint result: %w", err)
	}
	return nil
}

// WriteGitHub writes each problem as a GitHub Actions workflow command
// (::error file=F,line=L,col=C::message; a note as ::notice), which GitHub
// shows on the pull request's lines.
func WriteGitHub(w io.Writer, probs Problems) {
	for _, p := range probs {
		cmd := "error"
		if p.Note {
			cmd = "notice"
		}
		props := "file=" + ghProperty(p.File)
		if p.Line > 0 {
			props += fmt.Sprintf(",line=%d,col=%d", p.Line, max(p.Col, 1))
		}
		fmt.Fprintf(w, "::%s %s::%s\n", cmd, props, ghData(p.Message))
	}
}

// ghData escapes a workflow command's message as the Actions runner reads it.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
