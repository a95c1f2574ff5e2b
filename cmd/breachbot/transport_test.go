package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

// approvedOverSMTP makes an incident with people recipients and an approved,
// test-confirmed notice N1, all over the SMTP server srv.
func approvedOverSMTP(t *testing.T, srv *smtptest.Server, people int, extra string) *noticeEnv {
	t.Helper()
	e := newNoticeEnv(t, extra)
	e.env["SMTP_ADDR"], e.env["SMTP_TLS"], e.env["SMTP_FROM"] = srv.Addr, "none", "privacy@acme.example"
	var csv strings.Builder
	csv.WriteString("email,name,country,region\n")
	for i := range people {
		fmt.Fprintf(&csv, "person%05d@example.com,Person %d,US,CA\n", i, i)
	}
	path := e.file("people.csv", csv.String())
	e.console("U_RESP", "/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z", "/breach notice import "+path, draftLine, "/breach notice submit")
	e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	out := e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice test --confirm")
	mustContain(t, out, "The test message of notice N1 is confirmed")
	return e
}

// emlFiles lists the .eml files under dir.
func emlFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".eml") {
			files = append(files, path)
		}
		return nil
	})
	return files
}

// TestResumedSendNeverChangesTransport starts a send over SMTP, stops the
// process mid-way, and restarts it without SMTP_ADDR: the rest is not
// written into the console's folder and reported sent; the send is paused
// saying which relay it needs. Restarted with that relay, it finishes.
func TestResumedSendNeverChangesTransport(t *testing.T) {
	const people = 300
	srv := smtptest.Start(t)
	e := approvedOverSMTP(t, srv, people, "smtp_timeout: 2s\nsmtp_connections: 1\nnotice_window: 2\n")
	outbox := e.env["BREACHBOT_OUTBOX"]

	// First process: starts the send and is stopped part-way (the server
	// stops answering; the process is told to stop).
	pr, pw := io.Pipe()
	defer pw.Close()
	m, out1, errOut1 := testMain(t, e.db, e.clock, pr, e.env)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"console", "--user", "U_LEAD", "--config", e.cfg}) }()
	fmt.Fprintln(pw, "/breach notice send --incident INC-2026-0001")
	deadline := time.Now().Add(30 * time.Second)
	for srv.Count() < 1+10 {
		if time.Now().After(deadline) {
			t.Fatalf("the send did not get going: %d messages\n%s%s", srv.Count(), out1, errOut1)
		}
		time.Sleep(time.Millisecond) // polling a live send, not waiting for a deadline
	}
	srv.Set(smtptest.Behaviour{StallData: true})
	cancel()
	srv.Release()
	if code := <-done; code != 0 {
		t.Fatalf("console exit %d: %s", code, errOut1)
	}
	atStop := srv.Count() - 1
	if atStop >= people {
		t.Fatalf("all %d were sent before the stop; the test proves nothing", atStop)
	}
	srv.Set(smtptest.Behaviour{})

	// Second process: no SMTP relay configured (the console would write
	// .eml files).
	delete(e.env, "SMTP_ADDR")
	why := "PAUSED: this send started on SMTP " + srv.Addr + " (none); this process would write the messages into " + outbox +
		", not send them. Restart breachbot with SMTP_ADDR=" + srv.Addr + " SMTP_TLS=none, or legal hands the rest off to a folder: /breach notice handoff N1 --reason TEXT"
	out := e.console("U_LEAD")
	mustContain(t, out, ">>> Notice N1 of INC-2026-0001: ", why)
	if files := emlFiles(t, outbox); len(files) != 0 {
		t.Errorf("%d notices were written into the folder instead of being sent over SMTP", len(files))
	}
	out = e.console("U_LEAD", "/breach notice status --incident INC-2026-0001")
	mustContain(t, out, "N1 · paused", why)
	if srv.Count()-1 != atStop {
		t.Errorf("messages went out while no relay was configured")
	}
	code, lookup, _ := e.run("notice", "lookup", "INC-2026-0001", fmt.Sprintf("person%05d@example.com", people-1))
	if code != 3 || !strings.Contains(lookup, "was not notified yet") {
		t.Errorf("lookup of a person not reached: exit %d\n%s", code, lookup)
	}

	// Third process: the relay is back; the send resumes by itself and
	// finishes.
	e.env["SMTP_ADDR"] = srv.Addr
	out = e.console("U_LEAD", "/breach notice status --incident INC-2026-0001")
	mustContain(t, out, ">>> Notice N1 of INC-2026-0001 is sent: ")
	got := map[string]int{}
	for _, msg := range srv.Messages() {
		got[msg.To[0]]++
	}
	for i := range people {
		if addr := fmt.Sprintf("person%05d@example.com", i); got[addr] == 0 {
			t.Errorf("%s got no message", addr)
		}
	}
	if files := emlFiles(t, outbox); len(files) != 0 {
		t.Errorf("%d notices were written into the folder", len(files))
	}
}
