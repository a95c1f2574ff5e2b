package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
	"github.com/breachbot/breachbot/templates"
)

// noticeEnv is a working directory with a config (roles, company, users)
// and a database, driven through Main.Run like a person would.
type noticeEnv struct {
	t     *testing.T
	dir   string
	db    string
	cfg   string
	clock *clocktest.Clock
	env   map[string]string
}

const noticeConfig = `roles:
  responders: [U_RESP]
  leads: [U_LEAD]
  legal: [U_LEGAL1, U_LEGAL2]
company: {name: Acme Corp, contact_email: privacy@acme.example, contact_phone: "+1 555 0100"}
users: {U_LEAD: lead@acme.example}
`

func newNoticeEnv(t *testing.T, extra string) *noticeEnv {
	t.Helper()
	dir := t.TempDir()
	e := &noticeEnv{t: t, dir: dir, db: filepath.Join(dir, "breachbot.db"), cfg: filepath.Join(dir, "breachbot.yaml"), clock: clocktest.New(now),
		env: map[string]string{"BREACHBOT_OUTBOX": filepath.Join(dir, "outbox")}}
	if err := os.WriteFile(e.cfg, []byte(noticeConfig+extra), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *noticeEnv) file(name, content string) string {
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// console runs one console session as user with the given lines.
func (e *noticeEnv) console(user string, lines ...string) string {
	e.t.Helper()
	m, out, errOut := testMain(e.t, e.db, e.clock, strings.NewReader(strings.Join(lines, "\n")+"\n"), e.env)
	if code := m.Run(context.Background(), []string{"console", "--user", user, "--config", e.cfg}); code != 0 {
		e.t.Fatalf("console exit %d: %s", code, errOut)
	}
	return out.String()
}

// run runs a breachbot command line and returns its exit code and output.
func (e *noticeEnv) run(args ...string) (int, string, string) {
	e.t.Helper()
	m, out, errOut := testMain(e.t, e.db, e.clock, nil, e.env)
	code := m.Run(context.Background(), append(args, "--config", e.cfg))
	return code, out.String(), errOut.String()
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
		t.FailNow()
	}
}

const customers = "\ufeffEmail,Name,Country,Region,Locale,Data_Categories,Customer ID\n" +
	"alice@example.com,Alice Anders,US,CA,en,email;password_hash,C1\n" +
	"bob@example.de,Bob Berger,DE,,de,email,C2\n" +
	"ALICE@EXAMPLE.COM,Alice again,US,CA,en,email,C3\n" +
	"carol@example.com,Carol Chu,US,NY,,email,C4\n" +
	"broken-address,Nobody,US,,,,C5\n"

// factsLine records the facts that decide which content rules a notice to
// the customers below must meet (a notice cannot be submitted before).
const factsLine = "/breach facts data=email,password_hash encrypted=no high_risk=no"

const draftLine = `/breach notice draft --law-enforcement-delay no --what-happened "An attacker copied part of our customer database." --what-we-are-doing "We closed the access path and reset passwords." --what-you-can-do "Choose a new password." --breach-start 2026-11-20T00:00Z --data email,password_hash` +
	` --what-happened.de "Ein Angreifer hat einen Teil unserer Kundendatenbank kopiert." --what-we-are-doing.de "Wir haben den Zugang geschlossen und die Passwörter zurückgesetzt." --what-you-can-do.de "Wählen Sie ein neues Passwort."`

func TestNoticeEndToEndInTheConsole(t *testing.T) {
	e := newNoticeEnv(t, "")
	csv := e.file("customers.csv", customers)
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		factsLine,
		"/breach notice import "+csv,
		draftLine,
		"/breach notice submit",
		"/breach notice approve",
	)
	mustContain(t, out,
		"INC-2026-0001: imported 3 people for notices (list R1)",
		"5 rows read, 3 people imported, 1 duplicate addresses merged, 1 rows rejected",
		"DE 1 · US-CA 1 · US-NY 1",
		"Columns dropped (not stored)\n  Customer ID",
		"row 6: the e-mail address has no @",
		"residents=DE:1,US-CA:1,US-NY:1",
		"now applies: ca-residents",
		"Draft N1 of INC-2026-0001 (template breach-notice, de, en)",
		"Preview (en), for a made-up person of variant K2\n  Subject: Notice of Data Breach from Acme Corp",
		"Dear Jane Doe,",
		"Notice N1 of INC-2026-0001 is submitted",
		">>> [to legal] Approval requested: notice N1 of INC-2026-0001 to 3 people (by U_RESP)",
		"Error: approving or rejecting a notice needs the legal role; you have the role(s) responders",
	)
	for _, secret := range []string{"alice@", "Alice Anders", "bob@", "Bob Berger", "carol@"} {
		if strings.Contains(out, secret) {
			t.Errorf("the console showed a customer's data %q", secret)
		}
	}

	out = e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	mustContain(t, out, "Notice N1 of INC-2026-0001 is approved by U_LEGAL1")

	out = e.console("U_LEAD",
		"/breach notice send --incident INC-2026-0001",
		"/breach notice test",
		"/breach notice send",
		"/breach notice test --confirm",
		"/breach notice send",
	)
	mustContain(t, out,
		"Error: notice N1 has not been test-sent; send it to your own address first and check it",
		"2 test messages of notice N1 (en, de) (for lead@acme.example) written to "+filepath.Join(e.dir, "outbox")+", not sent to anyone",
		"Error: the test message of notice N1 is not confirmed yet",
		"The test messages of notice N1 (en, de) are confirmed",
		"Writing notice N1 of INC-2026-0001 for 3 people to "+filepath.Join(e.dir, "outbox")+", not sent to anyone",
		"Nobody receives these messages unless you deliver the .eml files yourself",
		">>> Notice N1 of INC-2026-0001 is written: 3 of 3 written to "+filepath.Join(e.dir, "outbox")+", not sent to anyone, 0 failed",
	)
	files, _ := filepath.Glob(filepath.Join(e.dir, "outbox", "INC-2026-0001", "*.eml"))
	if len(files) != 5 { // the test messages (en, de) and three notices
		t.Fatalf("outbox holds %d messages, want 5: %v", len(files), files)
	}
	var all string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all += string(b)
	}
	for _, want := range []string{"To: <alice@example.com>", "To: <bob@example.de>", "To: <carol@example.com>", "To: <lead@acme.example>",
		"Dear Alice Anders,", "Guten Tag Bob Berger,", "Subject: [TEST] Notice of Data Breach", "X-Incident-Id: INC-2026-0001"} {
		if !strings.Contains(all, want) {
			t.Errorf("the .eml files lack %q", want)
		}
	}
	// Decoded, each notice has a text and an HTML part that greet its own
	// recipient and name nobody else.
	names := map[string]string{"alice@example.com": "Alice Anders", "bob@example.de": "Bob Berger", "carol@example.com": "Carol Chu"}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		msg, err := mail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		to := strings.Trim(msg.Header.Get("To"), "<>")
		own, ok := names[to]
		if !ok {
			continue // the test message
		}
		_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		parts := map[string]string{}
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for {
			p, err := mr.NextPart() // undoes the quoted-printable encoding
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", to, err)
			}
			body, _ := io.ReadAll(p)
			kind, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			parts[kind] = string(body)
		}
		for _, kind := range []string{"text/plain", "text/html"} {
			body := parts[kind]
			happened := "An attacker copied part of our customer database."
			if to == "bob@example.de" { // in German, never the drafter's English
				happened = "Ein Angreifer hat einen Teil unserer Kundendatenbank kopiert."
				if strings.Contains(body, "An attacker copied") {
					t.Errorf("the %s part to %s has the English text", kind, to)
				}
			}
			if !strings.Contains(body, own+",") || !strings.Contains(body, happened) {
				t.Errorf("the %s part to %s does not greet %s or lacks what happened:\n%s", kind, to, own, body)
			}
			for addr, other := range names {
				if addr != to && (strings.Contains(body, other) || strings.Contains(body, addr)) {
					t.Errorf("the %s part to %s names %s", kind, to, other)
				}
			}
		}
	}

	out = e.console("U_LEAD", "/breach notice status")
	mustContain(t, out, "[x] N1 · written, not sent · 3 recipients", "written 3 (to "+filepath.Join(e.dir, "outbox")+", not sent to anyone) · failed permanently 0 · failed temporarily 0 · in doubt 0 · in flight 0 · remaining 0 of 3")

	code, out, errOut := e.run("notice", "lookup", "INC-2026-0001", "Alice@Example.com")
	// The console's folder notified nobody: the lookup says where it was written.
	if code != 3 || !strings.Contains(out, "Alice@example.com was not notified of INC-2026-0001 by breachbot: its notice was written to a folder, not sent\n  notice N1: written to "+filepath.Join(e.dir, "outbox")+" at 2026-11-28 12:00 UTC (Message-ID <inc-2026-0001.n1.") {
		t.Errorf("lookup of a notified address: exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out, "bob") || strings.Contains(out, "carol") {
		t.Errorf("lookup names someone else:\n%s", out)
	}
	code, out, _ = e.run("notice", "lookup", "INC-2026-0001", "dave@example.com")
	if code != 3 || !strings.Contains(out, "dave@example.com is not among the affected people of INC-2026-0001") {
		t.Errorf("lookup of an unknown address: exit %d\n%s", code, out)
	}
	out = e.console("U_RESP", "/breach notice lookup alice@example.com --incident INC-2026-0001")
	mustContain(t, out, "Error: looking up whether an address was notified needs the legal role")

	code, out, _ = e.run("audit", "verify")
	if code != 0 || !strings.Contains(out, "hash chain intact") {
		t.Errorf("audit verify: %d %s", code, out)
	}
	code, out, _ = e.run("export", "INC-2026-0001", "--format", "json")
	if code != 0 {
		t.Fatalf("export: %d", code)
	}
	mustContain(t, out, `"action": "recipients.imported"`, `"action": "notice.approved"`, `"action": "notice.sent"`, `"action": "notice.lookup"`, `"address_tag": "`)
	if m := regexp.MustCompile(`[a-z]+@example\.(com|de)`).FindString(out); m != "" {
		t.Errorf("the exported record holds a customer's address %q", m)
	}
}

func TestSeparationOfDutiesAndVoiding(t *testing.T) {
	e := newNoticeEnv(t, "")
	// A template folder that can be edited after approval.
	tdir := filepath.Join(e.dir, "templates")
	copyFS(t, templates.Embedded(), tdir)
	e.env["BREACHBOT_TEMPLATES"] = tdir
	csv := e.file("customers.csv", customers)
	e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach notice import "+csv)
	out := e.console("U_LEGAL1",
		"/breach notice submit --incident INC-2026-0001",
		`/breach notice draft --what-happened "x"`,
		"/breach notice submit",
		factsLine,
		`/breach notice draft --law-enforcement-delay no --what-we-are-doing "y" --what-you-can-do "z" --data email --what-happened.de "x" --what-we-are-doing.de "y" --what-you-can-do.de "z"`,
		"/breach notice submit",
		"/breach notice approve",
		"/breach notice reject",
	)
	mustContain(t, out,
		"Error: INC-2026-0001 has no notice yet",
		// Every row lists its own data categories, so the incident's are
		// not needed.
		"Missing before it can be submitted: what_we_are_doing, what_you_can_do",
		// Bob reads German: his texts are missing too. The refusal says
		// who needs what, not "every notice".
		"Error: notice N1 is missing content: 2 people in US-CA, US-NY need what_we_are_doing, what_you_can_do; 1 person in DE needs what_happened.de, what_we_are_doing.de, what_you_can_do.de",
		"Try: /breach notice draft --what-we-are-doing \"...\" --what-you-can-do \"...\" --what-happened.de",
		"Draft N2 of INC-2026-0001",
		"N1 can no longer be submitted, approved or sent",
		"Error: you drafted notice N2, so you cannot approve it: someone else in legal must (separation of duties)",
		"Error: notice reject needs the reason",
	)
	out = e.console("U_LEGAL2", "/breach notice approve N1 --incident INC-2026-0001", "/breach notice approve N2")
	mustContain(t, out, "Error: notice N1 is void (superseded by N2); it cannot be approved", "Notice N2 of INC-2026-0001 is approved by U_LEGAL2")

	// A new import changes the recipient list: the approval is void, and says so.
	csv2 := e.file("customers2.csv", customers+"dave@example.com,Dave,US,TX,,,C6\n")
	out = e.console("U_LEAD",
		"/breach notice import "+csv2+" --incident INC-2026-0001",
		"/breach notice send N2")
	mustContain(t, out,
		"This list replaces R1.",
		"Notice(s) N2 were bound to the previous list and can no longer be sent; draft again.",
		">>> The approval of notice N2 of INC-2026-0001 is void: the recipient list changed (import R2 replaced R1)",
		"Error: notice N2 is void (the recipient list changed (import R2 replaced R1)); it cannot be sent before legal approves it",
	)

	// Draft, approve, then the template changes: sending is refused, saying why.
	e.console("U_LEGAL1", draftLine+" --incident INC-2026-0001", "/breach notice submit")
	e.console("U_LEGAL2", "/breach notice approve --incident INC-2026-0001")
	filepath.WalkDir(tdir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, filepath.Join("breach-notice", "en")) {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("\n")
			f.Close()
		}
		return nil
	})
	out = e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice status")
	mustContain(t, out,
		"Error: notice N3 can no longer be used: its approval is void because template breach-notice (en) changed since it was drafted",
		"[~] N3 · void · 4 recipients",
	)
	code, out, _ := e.run("export", "INC-2026-0001", "--format", "json")
	if code != 0 {
		t.Fatal(code)
	}
	mustContain(t, out, `"action": "notice.voided"`, `"reason": "template breach-notice (en) changed since it was drafted"`, `"outcome": "refused"`)
}

func TestDrillNoticesGoToTheSandbox(t *testing.T) {
	e := newNoticeEnv(t, "")
	csv := e.file("customers.csv", customers)
	e.console("U_RESP", "/breach declare Tabletop exercise --aware 1h ago --drill", factsLine, "/breach notice import "+csv, draftLine, "/breach notice submit")
	e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	out := e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice test --confirm", "/breach notice send")
	mustContain(t, out, "[DRILL] Sending notice N1 of INC-2026-0001 to the sandbox (3 messages, never to customers)", "Messages go to the folder "+filepath.Join(e.dir, "outbox", "drill"))
	files, _ := filepath.Glob(filepath.Join(e.dir, "outbox", "drill", "INC-2026-0001", "*.eml"))
	if len(files) != 3 {
		t.Errorf("sandbox holds %d messages, want 3", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		msg, err := mail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if !strings.HasPrefix(subject, "[DRILL]") && !strings.HasPrefix(subject, "[ÜBUNG]") {
			t.Errorf("a drill message is not marked as one: %q", subject)
		}
	}
}

func TestImportThroughTheRunningConsoleAndBadFiles(t *testing.T) {
	e := newNoticeEnv(t, "")
	e.console("U_RESP", "/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z")
	csv := e.file("customers.csv", customers)

	_, stop := e.runningConsole("U_RESP")
	// The CLI hands the running process the file's absolute path; it reads it itself.
	wd, _ := os.Getwd()
	os.Chdir(e.dir)
	code, out, errOut := e.run("notice", "import", "INC-2026-0001", "customers.csv")
	os.Chdir(wd)
	if code != 0 || !strings.Contains(out, "INC-2026-0001: imported 3 people for notices (list R1)") {
		t.Errorf("import through the running console: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = e.run("notice", "import", "INC-2026-0001", filepath.Join(e.dir, "missing.csv"))
	if code != 1 || !strings.Contains(errOut, "cannot read") {
		t.Errorf("missing file: exit %d %s", code, errOut)
	}
	// A file over the limit is refused before anything is read.
	big := filepath.Join(e.dir, "big.csv")
	f, _ := os.Create(big)
	f.Truncate(10 << 30) // sparse: 10 GiB of nothing
	f.Close()
	code, _, errOut = e.run("notice", "import", "INC-2026-0001", big)
	if code != 1 || !strings.Contains(errOut, "the file is 10.0 GiB; the most breachbot imports at once is 2.0 GiB") {
		t.Errorf("10 GB file: exit %d %s", code, errOut)
	}
	stop()
	_ = csv

	out = e.console("U_RESP",
		"/breach notice import "+e.file("empty.csv", ""),
		"/breach notice import "+e.file("noemail.csv", "name,country\nA,US\n"),
		"/breach notice import "+e.file("bad.csv", "email\nnot-an-address\n"),
		"/breach notice import "+big,
		"/breach notice import nowhere.csv",
		"/breach notice status",
	)
	mustContain(t, out,
		"Error: the file is empty",
		"Error: the header has no email column (it has: name, country)",
		"Error: none of the 1 rows could be imported; the first problem: row 2: the e-mail address has no @",
		"Error: the file is 10.0 GiB",
		"Error: cannot open nowhere.csv",
		"Affected people imported: 3 (list R1)",
	)
}

func copyFS(t *testing.T, src fs.FS, dst string) {
	t.Helper()
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, p), 0o755)
		}
		b, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

var _ = fmt.Sprint
var _ = time.Second

func TestNoticeSendingOverSMTPWithRefusalsAndRetry(t *testing.T) {
	srv := smtptest.Start(t)
	e := newNoticeEnv(t, "smtp_timeout: 2s\n")
	e.env["SMTP_ADDR"], e.env["SMTP_TLS"], e.env["SMTP_FROM"] = srv.Addr, "none", "privacy@acme.example"
	csv := e.file("customers.csv", customers)
	e.console("U_RESP", "/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z", factsLine, "/breach notice import "+csv, draftLine, "/breach notice submit")
	e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	// Bob's server refuses for good; Carol's says try later.
	refuse := smtptest.Behaviour{RcptErrors: map[string]*smtp.SMTPError{
		"bob@":   {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<bob@example.de>: unknown user"},
		"carol@": {Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "greylisted, try later"},
	}}
	out := e.console("U_LEAD", "/breach notice test --incident INC-2026-0001 --to lead@acme.example", "/breach notice test --confirm")
	mustContain(t, out, "Sent through SMTP "+srv.Addr)
	srv.Set(refuse)
	out = e.console("U_LEAD", "/breach notice send", "/breach notice status")
	mustContain(t, out, ">>> Notice N1 of INC-2026-0001 is sent: 1 of 3 sent, 2 failed")
	out = e.console("U_LEGAL1", "/breach notice lookup bob@example.de", "/breach notice status")
	mustContain(t, out,
		"bob@example.de is among the people of INC-2026-0001 but was not notified yet\n  notice N1: NOT delivered (failed permanently at 2026-11-28 12:00 UTC: 550 5.1.1 bad destination mailbox address)",
		"sent 1 · failed permanently 1 · failed temporarily 1",
		"/breach notice retry N1 sends again to the temporary failures")
	// Carol's server takes mail again: a retry sends to her only.
	srv.Set(smtptest.Behaviour{})
	out = e.console("U_LEAD", "/breach notice retry")
	mustContain(t, out, "Notice N1 of INC-2026-0001: sending again to the recipients queued for a retry",
		">>> Notice N1 of INC-2026-0001 is sent: 2 of 3 sent, 1 failed")
	out = e.console("U_LEAD", "/breach notice status", "/breach notice retry")
	mustContain(t, out, "sent 2 · failed permanently 1 · failed temporarily 0", "Error: notice N1 has no temporary failures to retry")
	got := map[string]int{}
	for _, m := range srv.Messages() {
		got[m.To[0]]++
	}
	if diff := cmp.Diff(map[string]int{"lead@acme.example": 2 /* en, de */, "alice@example.com": 1, "carol@example.com": 1}, got); diff != "" {
		t.Errorf("messages per recipient (-want +got):\n%s", diff)
	}
}

func TestPersonalDataIsPurgedAfterRetention(t *testing.T) {
	e := newNoticeEnv(t, "retention: 30d\n")
	folder := filepath.Join(e.dir, "playbooks")
	os.Mkdir(folder, 0o755)
	os.WriteFile(filepath.Join(folder, "tiny.yaml"), []byte("id: tiny\nversion: \"1\"\ntitle: Tiny\nsteps:\n  - {id: triage, title: Triage, owner: responders}\n"), 0o644)
	e.env["BREACHBOT_PLAYBOOKS"] = folder
	csv := e.file("customers.csv", customers)
	e.console("U_RESP", "/breach declare Lost laptop --playbook tiny --aware 1h ago", "/breach notice import "+csv, draftLine, "/breach notice submit")
	e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice test --confirm", "/breach notice send")
	out := e.console("U_LEAD", "/breach step done triage --incident INC-2026-0001", "/breach close")
	mustContain(t, out, "INC-2026-0001 is now closed")
	if code, out, _ := e.run("notice", "lookup", "INC-2026-0001", "alice@example.com"); code != 3 || !strings.Contains(out, "notice N1: written to ") {
		t.Fatalf("lookup before the purge: %d %s", code, out)
	}
	// 29 days later nothing is purged; after 30 days the console purges at start.
	e.clock.Advance(29 * 24 * time.Hour)
	e.console("U_LEAD", "/breach status --incident INC-2026-0001")
	if code, _, _ := e.run("notice", "lookup", "INC-2026-0001", "alice@example.com"); code != 3 {
		t.Fatalf("purged before the retention period ended")
	}
	e.clock.Advance(2 * 24 * time.Hour)
	e.console("U_LEAD", "/breach status --incident INC-2026-0001")
	code, _, errOut := e.run("notice", "lookup", "INC-2026-0001", "alice@example.com")
	if code != 1 || !strings.Contains(errOut, "the affected people of INC-2026-0001 were purged on 2026-12-29 (retention)") {
		t.Errorf("lookup after the purge: exit %d %s", code, errOut)
	}
	code, out, _ = e.run("export", "INC-2026-0001")
	mustContain(t, out, "Affected people imported: 3 (list R1", "| N1 | sent | 3 (R1) |", "recipients.purged")
	code, _, errOut = e.run("notice", "purge", "INC-2026-0001")
	if code != 1 || !strings.Contains(errOut, "holds no personal data of affected people (already purged") {
		t.Errorf("second purge: %d %s", code, errOut)
	}
	// Nothing of the people is left in the file.
	raw, _ := os.ReadFile(e.db)
	if strings.Contains(string(raw), "Alice Anders") || strings.Contains(string(raw), "alice@example.com") {
		t.Error("the database still holds a purged person in clear")
	}
}

// runningConsole starts a console for user on the env's database, holding it
// open (stdin stays open) until the returned stop is called, which ends the
// session and fails the test unless the console exits 0.
func (e *noticeEnv) runningConsole(user string) (app *App, stop func()) {
	e.t.Helper()
	pr, pw := io.Pipe()
	ready := make(chan *App, 1)
	mc, _, cerr := testMain(e.t, e.db, e.clock, pr, e.env)
	mc.started = func(a *App) { ready <- a }
	done := make(chan int, 1)
	go func() {
		done <- mc.Run(context.Background(), []string{"console", "--user", user, "--config", e.cfg})
	}()
	select {
	case app = <-ready:
	case code := <-done:
		e.t.Fatalf("console exited %d: %s", code, cerr)
	}
	return app, func() {
		e.t.Helper()
		pw.Close()
		if code := <-done; code != 0 {
			e.t.Errorf("console exit %d: %s", code, cerr)
		}
	}
}
