package commands_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/internal/logtest"
)

// logRecords parses the JSON log lines written to buf.
func logRecords(t *testing.T, buf *logtest.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		rec := map[string]any{}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// refPattern finds the reference an internal error's reply shows.
var refPattern = regexp.MustCompile(`\(ref ([0-9a-zA-Z]+)\)`)

// ErrorReply is the one way from an error to what a person reads: a coded
// error says what was wrong and what to type, however deeply it is wrapped;
// anything else is logged once with a reference that the reply shows, and
// nothing of its cause reaches the person.
func TestErrorReply(t *testing.T) {
	notFound := incidents.Errorf(incidents.ENOTFOUND, "there is no incident INC-2026-0009").WithHint("/breach status lists open incidents")
	coded := &commands.Reply{Title: "there is no incident INC-2026-0009", Error: true, Code: incidents.ENOTFOUND, Ephemeral: true,
		Sections: []commands.Section{{Text: "Try: /breach status lists open incidents"}}}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"coded error", notFound},
		{"wrapped coded error", fmt.Errorf("load incident: %w", fmt.Errorf("store: %w", notFound))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf logtest.Buffer
			got := commands.ErrorReply(context.Background(), slog.New(slog.NewJSONHandler(&buf, nil)), tc.err)
			if diff := cmp.Diff(coded, got); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if buf.String() != "" {
				t.Errorf("a refusal was logged as a failure: %s", buf.String())
			}
		})
	}

	t.Run("structured hint", func(t *testing.T) {
		err := incidents.Errorf(incidents.ECONFLICT, "INC-2026-0001 is a drill: its notices go only to the sandbox").
			WithTry("notice retry %s", "N1").WithHint("once the sandbox is reachable")
		got := commands.ErrorReply(context.Background(), nil, fmt.Errorf("send: %w", err))
		want := &commands.Reply{Title: "INC-2026-0001 is a drill: its notices go only to the sandbox", Error: true, Code: incidents.ECONFLICT, Ephemeral: true,
			Sections: []commands.Section{{Text: "Try: /breach notice retry N1 once the sandbox is reachable"}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("reply (-want +got):\n%s", diff)
		}
		if strings.Contains(err.Error(), "/breach") {
			t.Errorf("the domain's error spells the front end's syntax: %q", err.Error())
		}
	})

	for _, tc := range []struct {
		name     string
		err      error
		wantHint string
	}{
		{"plain error", fmt.Errorf("put incident: %w", errors.New("database not open: /var/lib/breachbot/breachbot.db")), ""},
		{"internal incidents.Error with a hint", incidents.Errorf(incidents.EINTERNAL, "github: %w", errors.New("database not open: /var/lib/breachbot/breachbot.db")).
			WithHint("declare with --playbook breach-gdpr while GitHub is down"), "Try: declare with --playbook breach-gdpr while GitHub is down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf logtest.Buffer
			got := commands.ErrorReply(context.Background(), slog.New(slog.NewJSONHandler(&buf, nil)).With("user", "U1"), tc.err)
			text := got.Text()
			if !got.Error || got.Code != incidents.EINTERNAL {
				t.Errorf("reply Error=%v Code=%q, want an internal error", got.Error, got.Code)
			}
			for _, secret := range []string{"database not open", "put incident", "github"} {
				if strings.Contains(text, secret) {
					t.Errorf("the person is shown the cause (%q):\n%s", secret, text)
				}
			}
			m := refPattern.FindStringSubmatch(got.Title)
			if m == nil || !strings.Contains(got.Title, "nothing was changed") {
				t.Fatalf("reply %q shows no reference or does not say nothing was changed", got.Title)
			}
			if tc.wantHint != "" && !strings.Contains(text, tc.wantHint) {
				t.Errorf("the error's hint %q is not shown:\n%s", tc.wantHint, text)
			}
			recs := logRecords(t, &buf)
			if len(recs) != 1 {
				t.Fatalf("logged %d times, want once:\n%s", len(recs), buf.String())
			}
			rec := recs[0]
			if rec["ref"] != m[1] || rec["level"] != "ERROR" || rec["user"] != "U1" {
				t.Errorf("log record %v: want level ERROR, ref %q (the reply's), user U1", rec, m[1])
			}
			if s, _ := rec["err"].(string); !strings.Contains(s, "database not open") {
				t.Errorf("the log does not keep the cause: %v", rec["err"])
			}
		})
	}
}
