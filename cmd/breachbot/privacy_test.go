package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// privacyPeople are the imported people, with names and addresses nothing
// else in the product says. A duplicate (other case) and a rejected row are
// among them: neither may be echoed either.
const privacyPeople = "email,name,country,region,locale,customer_id\n" +
	"zq-7731@example.org,Zebulon Quixote,US,CA,en,K-1\n" +
	"ottilie.wunderlich-4482@beispiel.de,Ottilie Wunderlich,DE,,de,K-2\n" +
	"ZQ-7731@Example.org,Zebulon Q. Quixote,US,CA,en,K-3\n" +
	"xanthe.vorwerk-9120@example.net,Xanthe Vorwerk,US,NY,,K-4\n" +
	"\"Wilhelmina Ysolde <wy-6060@example.org>\",Wilhelmina Ysolde,US,CA,en,K-6\n" +
	"yorick-brannigan-3131@example.org,Yorick Brannigan,US,CA,en,K-7,extra\n" +
	"xerxes-valdivia-5150,Xerxes Valdivia,US,,,K-5\n"

// privacyNeedles are what must appear nowhere but in the customers' own
// messages: each name, each word of it, each address and its local part.
var privacyNeedles = []string{
	"Zebulon Quixote", "Zebulon", "Quixote", "Ottilie Wunderlich", "Ottilie", "Wunderlich",
	"Xanthe Vorwerk", "Xanthe", "Vorwerk", "Xerxes Valdivia", "Xerxes", "Valdivia",
	"Wilhelmina Ysolde", "Wilhelmina", "Ysolde", "wy-6060@example.org", "wy-6060",
	"Yorick Brannigan", "Yorick", "Brannigan", "yorick-brannigan-3131@example.org", "yorick-brannigan-3131",
	"zq-7731@example.org", "zq-7731", "ottilie.wunderlich-4482@beispiel.de", "ottilie.wunderlich-4482",
	"xanthe.vorwerk-9120@example.net", "xanthe.vorwerk-9120", "xerxes-valdivia-5150",
}

// privacyPlaybook raises one obligation (GDPR Art. 33, as a person in
// Germany is affected), so the incident can be met and closed in a test.
const privacyPlaybook = `id: tiny
version: "1"
title: Tiny
steps:
  - {id: triage, title: Triage, owner: responders}
obligations:
  - regulation: gdpr-art33
`

// leaks returns each needle found in text, case-insensitively.
func leaks(text string) []string {
	low := strings.ToLower(text)
	var found []string
	for _, n := range privacyNeedles {
		if strings.Contains(low, strings.ToLower(n)) {
			found = append(found, n)
		}
	}
	return found
}

// TestPrivacyNoImportedPersonLeaks runs a full incident in serve (signed
// slash commands against the fake Slack workspace, an SMTP relay, an
// encryption key, the data commands from a shell beside it) and then looks
// for the imported people everywhere a responder, a regulator or an
// operator could see them: every Slack message, ephemeral message, response,
// modal, App Home and file; every log line; every export and register; the
// outbox folder; the raw database file. Only the customers' own messages on
// the SMTP server may name them.
func TestPrivacyNoImportedPersonLeaks(t *testing.T) {
	srv := smtptest.Start(t)
	ws := workspacetest.New(t)
	e := newNoticeEnv(t, "smtp_timeout: 2s\nlog_level: debug\n") // every log line there is
	folder := filepath.Join(e.dir, "playbooks")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	e.file(filepath.Join("playbooks", "tiny.yaml"), privacyPlaybook)
	e.env["BREACHBOT_PLAYBOOKS"] = folder
	e.env["SMTP_ADDR"], e.env["SMTP_TLS"], e.env["SMTP_FROM"] = srv.Addr, "none", "privacy@acme.example"
	e.env["BREACHBOT_ENCRYPTION_KEY"] = boltstore.GenerateKey()
	csv := e.file("people.csv", privacyPeople)

	s, code, errOut := e.serveIn(t, ws)
	if s == nil {
		t.Fatalf("serve did not start: exit %d\n%s", code, errOut)
	}
	type seen struct{ where, text string }
	var outputs []seen
	add := func(where, text string) { outputs = append(outputs, seen{where, text}) }
	slash := func(user, text, want string) {
		t.Helper()
		add("Slack answer to /breach "+text, s.slash(user, text, want))
	}
	// run runs a data command from a shell while serve runs.
	run := func(wantCode int, args ...string) string {
		t.Helper()
		code, out, errOut := e.run(args...)
		if code != wantCode {
			t.Fatalf("breachbot %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, wantCode, out, errOut)
		}
		add("breachbot "+strings.Join(args, " ")+" (stdout)", out)
		add("breachbot "+strings.Join(args, " ")+" (stderr)", errOut)
		return out
	}

	slash("U_RESP", "declare Shop DB copied --playbook tiny --aware 2026-11-27T09:00:00Z", "INC-2026-0001 declared")
	slash("U_RESP", "facts data=email,password_hash encrypted=no high_risk=no --incident INC-2026-0001", "facts recorded")
	out := run(0, "notice", "import", "INC-2026-0001", csv)
	mustContain(t, out, "3 people imported", "1 duplicate addresses merged", "3 rows rejected")
	// The same people again through Slack's upload form: the bot
	// downloads the file and answers through response_url.
	trigger := "import-trigger"
	cmd := workspacetest.Command{User: "U_RESP", Channel: "C0GENERAL", Text: "notice import --incident INC-2026-0001", TriggerID: trigger, ResponseURL: ws.ResponseURL(trigger)}
	resp, err := http.DefaultClient.Do(workspacetest.Request(s.base+"/slack/commands", serveSigning, time.Now(), cmd.Form().Encode()))
	if err != nil {
		t.Fatal(err)
	}
	ack, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	add("Slack acknowledgement of /breach notice import", string(ack))
	ws.WaitFor("the import form", func() bool { return len(ws.Views()) == 1 })
	file := ws.UserUpload("U_RESP", "people.csv", []byte(privacyPeople))
	form := workspacetest.InteractionForm(workspacetest.Submission{User: "U_RESP", TriggerID: "import-submit", View: ws.Views()[0], Values: map[string]any{"file": file}}.Payload())
	resp, err = http.DefaultClient.Do(workspacetest.Request(s.base+"/slack/interactions", serveSigning, time.Now(), form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	add("Slack answer to the import form", string(body))
	ws.WaitFor("the import's answer", func() bool { return len(ws.Responses(trigger)) > 0 })
	for _, r := range ws.Responses(trigger) {
		add("Slack answer to /breach notice import", r.Text+"\n"+r.BlocksText()+"\n"+string(r.Blocks))
		mustContain(t, r.Text+r.BlocksText(), "imported 3 people for notices (list R2)", "3 rows rejected")
	}
	slash("U_RESP", "facts --incident INC-2026-0001", "residents")
	slash("U_RESP", strings.TrimPrefix(draftLine, "/breach ")+" --incident INC-2026-0001", "Draft N1 of INC-2026-0001")
	slash("U_RESP", "notice submit --incident INC-2026-0001", "is submitted")
	slash("U_LEGAL1", "notice approve --incident INC-2026-0001", "is approved by")
	slash("U_LEAD", "notice test --incident INC-2026-0001", "test message")
	slash("U_LEAD", "notice test --confirm --incident INC-2026-0001", "are confirmed")
	// Ottilie's mail server refuses, and its reply names her: that text
	// is never kept or shown.
	// Ottilie's mail server refuses for good and Xanthe's says try later,
	// each reply naming her: that text is never kept or shown.
	refuseOttilie := map[string]*smtp.SMTPError{
		"ottilie.": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<ottilie.wunderlich-4482@beispiel.de>: no mailbox for Ottilie Wunderlich"},
	}
	srv.Set(smtptest.Behaviour{RcptErrors: map[string]*smtp.SMTPError{
		"ottilie.": refuseOttilie["ottilie."],
		"xanthe.":  {Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "<xanthe.vorwerk-9120@example.net>: Xanthe Vorwerk's mailbox is busy"},
	}})
	slash("U_LEAD", "notice send --incident INC-2026-0001", "N1")
	ws.WaitFor("the channel told the first send ended", func() bool {
		for _, c := range ws.Channels() {
			for _, m := range c.Messages {
				if strings.Contains(m.Text+m.BlocksText(), "is sent: 1 of 3 sent, 2 failed") {
					return true
				}
			}
		}
		return false
	})
	slash("U_LEAD", "notice status --incident INC-2026-0001", "failed temporarily 1")
	srv.Set(smtptest.Behaviour{RcptErrors: refuseOttilie})
	slash("U_LEAD", "notice retry --incident INC-2026-0001", "N1")
	ws.WaitFor("the channel told the notice is sent", func() bool {
		for _, c := range ws.Channels() {
			for _, m := range c.Messages {
				if strings.Contains(m.Text+m.BlocksText(), "is sent: 2 of 3 sent, 1 failed") {
					return true
				}
			}
		}
		return false
	})
	// The people are in the database now, and only encrypted.
	raw, err := os.ReadFile(e.db)
	if err != nil {
		t.Fatal(err)
	}
	add("the raw database file while it holds the people", string(raw))
	slash("U_LEAD", "notice status --incident INC-2026-0001", "sent 2 · failed permanently 1")
	lookup := s.slash("U_LEGAL1", "notice lookup ottilie.wunderlich-4482@beispiel.de --incident INC-2026-0001", "550 5.1.1 bad destination mailbox address")
	onlyAsked(t, lookup, "ottilie.wunderlich-4482@beispiel.de")
	// legal looks one address up from a shell: the answer names the
	// address asked about, to the person who typed it, and nobody else.
	code, out, errOut = e.run("notice", "lookup", "INC-2026-0001", "zq-7731@example.org")
	if code != 0 {
		t.Fatalf("lookup of a notified address: exit %d\n%s%s", code, out, errOut)
	}
	onlyAsked(t, out+errOut, "zq-7731@example.org")
	// Legal asks in Slack: the answer, to legal alone, names the address
	// asked about. A responder is refused, and the refusal (audited) names
	// nobody.
	lookup = s.slash("U_LEGAL1", "notice lookup xanthe.vorwerk-9120@example.net --incident INC-2026-0001", "xanthe.vorwerk-9120@example.net")
	onlyAsked(t, lookup, "xanthe.vorwerk-9120@example.net")
	slash("U_RESP", "notice lookup zq-7731@example.org --incident INC-2026-0001", "needs the legal role")
	slash("U_LEAD", "met gdpr-art33 --ref BfDI-2026-0042 --incident INC-2026-0001", "gdpr-art33")
	slash("U_LEAD", "step done triage --incident INC-2026-0001", "triage")
	slash("U_LEAD", "close --incident INC-2026-0001", "is now closed")
	slash("U_LEAD", "export --incident INC-2026-0001", "INC-2026-0001")
	slash("U_LEGAL1", "export --format json --incident INC-2026-0001", "INC-2026-0001")

	mustContain(t, run(0, "export", "INC-2026-0001"), "Affected people imported: 3")
	mustContain(t, run(0, "export", "INC-2026-0001", "--format", "json"), `"address_tag"`)
	for _, f := range []string{"csv", "json", "md"} {
		mustContain(t, run(0, "register", "--format", f), "INC-2026-0001")
	}
	mustContain(t, run(0, "audit", "verify"), "hash chain intact")
	run(0, "notice", "purge", "INC-2026-0001")
	mustContain(t, run(0, "export", "INC-2026-0001", "--format", "json"), `"action": "recipients.purged"`)
	s.stop()
	add("serve's log (stderr)", s.stderr.String())

	// Slack: every message (as last updated), ephemeral message, modal,
	// App Home and file the bot made.
	users := map[string]bool{"U_RESP": true, "U_LEAD": true, "U_LEGAL1": true, "U_LEGAL2": true}
	for _, c := range ws.Channels() {
		for _, m := range append(c.Messages, c.Ephemeral...) {
			add("Slack message in "+c.Name+c.ID, m.Text+"\n"+m.BlocksText()+"\n"+string(m.Blocks))
		}
		for _, u := range c.Members {
			users[u] = true
		}
	}
	for u := range users {
		for _, h := range ws.Homes(u) {
			add("App Home of "+u, string(h))
		}
	}
	for _, v := range ws.Views() {
		add("Slack modal "+v.CallbackID, string(v.View))
	}
	for _, f := range ws.Files() {
		if f.User != "" {
			continue // the responder's own upload of the list
		}
		add("Slack file "+f.Name, f.Name+"\n"+f.Title+"\n"+string(f.Content))
	}
	// The mail server: the customers' own notices name them; every other
	// message (the test messages to the lead) names nobody.
	customers := 0
	for _, m := range srv.Messages() {
		if len(leaks(strings.Join(m.To, " "))) > 0 {
			customers++
			continue
		}
		add("SMTP message to "+strings.Join(m.To, ","), string(m.Data))
	}
	if customers != 2 {
		t.Errorf("%d notices reached the customers, want 2", customers)
	}
	// The outbox folder, if anything was written there.
	filepath.WalkDir(e.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == csv || path == e.db {
			return nil
		}
		b, _ := os.ReadFile(path)
		add("file "+path, string(b))
		return nil
	})
	if raw, err = os.ReadFile(e.db); err != nil {
		t.Fatal(err)
	}
	add("the raw database file after the purge", string(raw))

	for _, o := range outputs {
		if l := leaks(o.text); len(l) > 0 {
			t.Errorf("%s names an imported person %v:\n%q", o.where, l, excerpt(o.text, l[0]))
		}
	}
	var sawJSON bool
	for _, o := range outputs {
		sawJSON = sawJSON || json.Valid([]byte(o.text))
	}
	if !sawJSON {
		t.Error("no JSON export or register was searched")
	}
}

// onlyAsked checks that a lookup's answer names the address asked about
// (its job, for legal who typed it) and no other person, nor a name.
func onlyAsked(t *testing.T, answer, addr string) {
	t.Helper()
	mustContain(t, strings.ToLower(answer), addr)
	if l := leaks(strings.ReplaceAll(strings.ToLower(answer), addr, "")); len(l) > 0 {
		t.Errorf("the lookup of %s names %v:\n%s", addr, l, answer)
	}
}

// excerpt returns the text around the first occurrence of needle.
func excerpt(text, needle string) string {
	i := strings.Index(strings.ToLower(text), strings.ToLower(needle))
	if i < 0 {
		return ""
	}
	from, to := max(0, i-200), min(len(text), i+len(needle)+200)
	return "..." + text[from:to] + "..."
}
