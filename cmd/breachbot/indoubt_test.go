package main

import (
	"strings"
	"testing"

	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

// The mail server takes every message and drops the connection before it
// answers: each recipient is in doubt. Nobody is reported notified (lookup
// says in doubt, exit 4), the notice is not shown or announced as sent, and
// retry --in-doubt sends them again; then they are notified (exit 0).
func TestInDoubtIsNeverReportedAsNotified(t *testing.T) {
	srv := smtptest.Start(t)
	e := newNoticeEnv(t, "smtp_timeout: 2s\n")
	e.env["SMTP_ADDR"], e.env["SMTP_TLS"], e.env["SMTP_FROM"] = srv.Addr, "none", "privacy@acme.example"
	csv := e.file("customers.csv", customers)
	e.console("U_RESP", "/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z", factsLine, "/breach notice import "+csv, draftLine, "/breach notice submit")
	e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	e.console("U_LEAD", "/breach notice test --incident INC-2026-0001 --to lead@acme.example", "/breach notice test --confirm")
	srv.Set(smtptest.Behaviour{DropAfterData: true})
	out := e.console("U_LEAD", "/breach notice send")
	if strings.Contains(out, "is sent") {
		t.Errorf("announced as sent while every recipient is in doubt:\n%s", out)
	}
	t.Log(out)
	mustContain(t, out, "3 in doubt", "/breach notice retry N1 --in-doubt")

	out = e.console("U_LEAD", "/breach notice status")
	mustContain(t, out, "sent 0 · failed permanently 0 · failed temporarily 0 · in doubt 3 · in flight 0 · remaining 0 of 3")
	if strings.Contains(out, "[x] N1") || strings.Contains(out, "· sent ·") {
		t.Errorf("notice status shows N1 as sent:\n%s", out)
	}

	t.Log(out)
	code, out, errOut := e.run("notice", "lookup", "INC-2026-0001", "alice@example.com")
	t.Log(out)
	if code != 4 || !strings.Contains(out, "alice@example.com may not have been notified of INC-2026-0001: in doubt") ||
		!strings.Contains(out, "notice N1: IN DOUBT: handed to the mail server at 2026-11-28 12:00 UTC, no reply recorded") {
		t.Errorf("lookup of an address in doubt: exit %d (want 4)\n%s%s", code, out, errOut)
	}
	out = e.console("U_LEGAL1", "/breach notice lookup alice@example.com --incident INC-2026-0001")
	if strings.Contains(out, "was notified") || !strings.Contains(out, "in doubt") {
		t.Errorf("console lookup of an address in doubt:\n%s", out)
	}

	srv.Set(smtptest.Behaviour{})
	out = e.console("U_LEAD", "/breach notice retry")
	mustContain(t, out, "Error: notice N1 has no temporary failures to retry", "3 are in doubt (they may have it already): /breach notice retry N1 --in-doubt")
	out = e.console("U_LEAD", "/breach notice retry --in-doubt")
	mustContain(t, out, ">>> Notice N1 of INC-2026-0001 is sent: 3 of 3 sent, 0 failed")
	code, out, _ = e.run("notice", "lookup", "INC-2026-0001", "alice@example.com")
	if code != 0 || !strings.Contains(out, "alice@example.com was notified of INC-2026-0001") {
		t.Errorf("lookup after the resend: exit %d\n%s", code, out)
	}
	code, out, _ = e.run("export", "INC-2026-0001", "--format", "json")
	if code != 0 {
		t.Fatalf("export: %d", code)
	}
	mustContain(t, out, `"action": "notice.finished_in_doubt"`, `"action": "notice.retried"`, `"action": "notice.sent"`)
}
