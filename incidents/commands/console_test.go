package commands_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/commands"
)

// TestReadLinesSkipsALineTooLong: lines come without their line end (\n or
// \r\n), the last one also without any; a line over the limit is marked,
// never held, and the next line is read as usual.
func TestReadLinesSkipsALineTooLong(t *testing.T) {
	t.Parallel()
	in := "/breach list\r\n" + strings.Repeat("x", 100) + "\n\n/breach status"
	var got []commands.Line
	err := commands.ReadLines(strings.NewReader(in), 50, func(l commands.Line) bool {
		got = append(got, l)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []commands.Line{{Text: "/breach list"}, {TooLong: true}, {Text: ""}, {Text: "/breach status"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

// TestConsoleNotifyPrintsWhatTheConsoleUserShouldSee: a reminder to the
// leads is announced as a direct message in Slack, a board refresh prints
// nothing (Slack updates a message in place).
func TestConsoleNotifyPrintsWhatTheConsoleUserShouldSee(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	c := commands.NewConsole(&out, clocktest.New(routerNow))
	ctx := context.Background()
	if err := c.Notify(ctx, incidents.Notification{Kind: incidents.NotifyBoard, Incident: "INC-2026-0001"}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("a board refresh printed %q", out.String())
	}
	if err := c.Notify(ctx, incidents.Notification{Kind: incidents.NotifyEscalation, Audience: incidents.AudienceLeads, Incident: "INC-2026-0001"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "\n>>> [to the leads, by direct message in Slack] ") {
		t.Errorf("escalation to the leads printed %q", out.String())
	}
}

// TestConsoleSessionAnswersEachLine: a piped session answers each /breach
// line in order, skips blank lines and comments, refuses a line too long
// and goes on, and stops at exit without reading further.
func TestConsoleSessionAnswersEachLine(t *testing.T) {
	t.Parallel()
	b := newBoard(t, routerNow)
	var out bytes.Buffer
	c := commands.NewConsole(&out, b.clock)
	in := "# a comment\n\n/breach declare Laptop stolen --aware 2026-11-20T09:00Z\n" +
		strings.Repeat("x", commands.MaxConsoleLine+1) + "\n/breach list\nexit\n/breach declare Never typed\n"
	if err := c.Session(context.Background(), b.router, "Uresp", strings.NewReader(in), false); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	mustContain(t, got, "INC-2026-0001 declared: Laptop stolen", "Error: line too long (max 1 MiB); it was skipped")
	if i, j := strings.Index(got, "line too long"), strings.Index(got, "Laptop stolen"); i < j {
		t.Errorf("replies out of order:\n%s", got)
	}
	if strings.Contains(got, "Never typed") || strings.Contains(got, "breachbot> ") {
		t.Errorf("read past exit, or prompted a pipe:\n%s", got)
	}
	if strings.Count(got, "Laptop stolen") < 2 {
		t.Errorf("/breach list did not answer with the incident:\n%s", got)
	}
}
