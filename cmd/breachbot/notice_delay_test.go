package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/templates"
)

// A notice approved before the law-enforcement delay was a decision says
// nothing about it (it used to print "not delayed" for anyone whose
// drafter said nothing). California asks for the statement (Cal. Civ. Code
// 1798.82(d)(2)(D)), so such a notice is void when someone tries to send
// it, saying whom it concerns and what to add; nobody is left "not
// rendered" at send time, and nothing is sent.
func TestApprovedNoticeWithoutTheDelayDecisionIsVoid(t *testing.T) {
	e := newNoticeEnv(t, "")
	// The company's own template, unchanged by the upgrade, so the
	// approval is not voided for a changed template.
	tdir := filepath.Join(e.dir, "templates")
	copyFS(t, templates.Embedded(), tdir)
	e.env["BREACHBOT_TEMPLATES"] = tdir
	csv := e.file("customers.csv", "email,name,country,region\ncat@example.com,Cat Cal,US,CA\ntex@example.com,Tex Tex,US,TX\n")
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach facts data=email,password_hash encrypted=no",
		"/breach notice import "+csv,
		`/breach notice draft --law-enforcement-delay no --what-happened "An attacker copied part of our customer database." --what-we-are-doing "We closed the access path." --what-you-can-do "Choose a new password."`,
		"/breach notice submit")
	mustContain(t, out, "Notice N1 of INC-2026-0001 is submitted")
	mustContain(t, e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001"), "is approved")

	// As a notice stored before the decision existed reads: no answer.
	store, err := boltstore.Open(e.db)
	if err != nil {
		t.Fatal(err)
	}
	err = store.Update(context.Background(), func(tx incidents.Tx) error {
		n, err := tx.Notice("INC-2026-0001", "N1")
		if err != nil {
			return err
		}
		n.Data.Incident.LawEnforcementDelay = nil
		return tx.PutNotice(n)
	})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}

	out = e.console("U_LEAD", "/breach notice send --incident INC-2026-0001")
	mustContain(t, out,
		"Error: notice N1 can no longer be used: its approval is void because 1 person in US-CA would get a notice without a statement whether law enforcement delayed the notice (Cal. Civ. Code 1798.82(d)(2)(D)), which it must carry: add --law-enforcement-delay yes|no")
	if strings.Contains(out, "Sending notice") {
		t.Fatalf("a notice lacking California's content was sent:\n%s", out)
	}
	out = e.console("U_RESP", "/breach notice draft --law-enforcement-delay no --incident INC-2026-0001", "/breach notice submit --incident INC-2026-0001")
	mustContain(t, out, "Draft N2", "Notice N2 of INC-2026-0001 is submitted")
}
