package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/breachbot/breachbot/incidents/commands"
)

// The record a DPO hands a regulator carries each approved notice's exact
// text per locale, who approved it and when, the recipients by
// jurisdiction and how sending went, in md, html and json; the person's
// name and address appear only as markers, never a customer's.
func TestExportRecordCarriesApprovedNoticeTexts(t *testing.T) {
	e := newNoticeEnv(t, "")
	csv := e.file("customers.csv", customers)
	e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		factsLine,
		"/breach notice import "+csv,
		draftLine,
		"/breach notice submit",
	)
	e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice test --confirm", "/breach notice send")

	formats := map[string]string{}
	for _, f := range []string{"md", "html", "json"} {
		code, out, errOut := e.run("export", "INC-2026-0001", "--format", f)
		if code != 0 {
			t.Fatalf("export --format %s: exit %d: %s", f, code, errOut)
		}
		formats[f] = out
		for _, secret := range []string{"alice@", "Alice Anders", "bob@", "Bob Berger", "carol@", "Carol Chu", "Jane Doe", "jane.doe@"} {
			if strings.Contains(out, secret) {
				t.Errorf("the %s record holds %q", f, secret)
			}
		}
		if m := regexp.MustCompile(`[a-z]+@example\.(com|de)`).FindString(out); m != "" {
			t.Errorf("the %s record holds an address %q", f, m)
		}
	}
	mustContain(t, formats["md"],
		"### Notice N1",
		"| Approved | 2026-11-28 12:00 UTC by U_LEGAL1, content sha256 `",
		"| Recipients | 3: DE 1 · US-CA 1 · US-NY 1 |",
		"| Sending | 3 written to a folder, not sent to anyone · failed 0 · in doubt 0 · of 3 |",
		"| Sending started | 2026-11-28 12:00 UTC by U_LEAD |",
		"| Sending finished | 2026-11-28 12:00 UTC |",
		"Approved text (en), rendered for a made-up person in US-CA; parts that depend on a recipient's country differ for others:\n\n```\nSubject: Notice of Data Breach from Acme Corp",
		"Dear [recipient's name],",
		"An attacker copied part of our customer database.",
		"Approved text (de), rendered for a made-up person in US-CA",
		"Ein Angreifer hat einen Teil unserer Kundendatenbank kopiert.")
	mustContain(t, formats["html"], "<h3>Notice N1</h3>", "<pre>Subject: Notice of Data Breach from Acme Corp", "Dear [recipient&#39;s name],")
	mustContain(t, formats["json"], `"previews": [`, `"locale": "de"`, `Dear [recipient's name],`)

	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(commands.RecordSchema))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("record.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("record.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(formats["json"]))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("the record with a sent notice is not valid against the schema: %v", err)
	}
}

// An approved notice whose approval became void says so beside its text,
// so the record never suggests that text went out.
func TestExportRecordMarksAVoidNotice(t *testing.T) {
	e := newNoticeEnv(t, "")
	csv := e.file("customers.csv", customers)
	e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		factsLine,
		"/breach notice import "+csv,
		draftLine,
		"/breach notice submit",
	)
	e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	csv2 := e.file("customers2.csv", customers+"dave@example.com,Dave,US,TX,,,C6\n")
	e.console("U_LEAD", "/breach notice import "+csv2+" --incident INC-2026-0001")

	code, out, errOut := e.run("export", "INC-2026-0001")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	mustContain(t, out,
		"### Notice N1",
		"| VOID | 2026-11-28 12:00 UTC: the recipient list changed (import R2 replaced R1); nothing was sent after it |",
		"| Sending | not started |")
}
