package commands_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"html"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// exportBoard is an incident four days on: GDPR's 72 hours met late with
// the reasons, one obligation waived, most of the catalog not applying.
func exportBoard(t *testing.T) *board {
	t.Helper()
	b := newBoard(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU affected=800"`)
	b.clock.Set(time.Date(2026, 11, 23, 17, 2, 0, 0, time.UTC))
	b.must("Ulegal", `met gdpr-art33 --ref DPC-2026-118 --at 2026-11-23T17:00Z --delay-reason "scope unknown until forensics" --incident INC-2026-0001`)
	b.must("Ulegal", `waive nis2-early-warning not an essential or important entity --incident INC-2026-0001`)
	return b
}

// The Markdown record leads with the obligations that apply or may apply
// (due in the law's local time and UTC, met on time or late with the
// reasons, waived with the reason), puts the ones that do not apply in a
// compact appendix with the reason for each, and writes durations in
// words.
func TestGoldenExportMarkdown(t *testing.T) {
	t.Parallel()
	b := exportBoard(t)
	md := export(t, b, "md")
	golden(t, "export.md", md)
	mustContain(t, md,
		"met 2026-11-23 17:00 UTC by Ulegal, ref DPC-2026-118; LATE by 8 h; reasons for the delay: scope unknown until forensics",
		"waived 2026-11-23 17:02 UTC by Ulegal: not an essential or important entity",
		"## Appendix: obligations that do not apply (150)",
		"GB (uk-gdpr-art33, uk-gdpr-art34); US-CA (ca-residents, ca-ag);",
		"- hipaa-hhs-annual (45 CFR 164.408(c)): affected is 800, not < 500",
		"late_by=8 h")
	main, _, _ := strings.Cut(md, "## Appendix")
	if strings.Contains(main, "| not applicable |") {
		t.Errorf("a not-applicable obligation is in the main table:\n%s", main)
	}
	if strings.Contains(md, "8h0m0s") {
		t.Errorf("the record shows a Go duration:\n%s", md)
	}
}

// With a law for every state in the catalog, most obligations do not apply
// only because nobody affected lives there. The record names every one of
// them, grouped by place in one paragraph, so the appendix stays a few
// lines long; an obligation that does not apply for another reason keeps
// its own line and reason.
func TestExportGroupsLawsOfPlacesNobodyLivesIn(t *testing.T) {
	t.Parallel()
	b := exportBoard(t)
	md := export(t, b, "md")
	_, appendix, ok := strings.Cut(md, "## Appendix: obligations that do not apply")
	if !ok {
		t.Fatalf("no appendix:\n%s", md)
	}
	appendix, _, _ = strings.Cut(appendix, "\n## ")
	if n := strings.Count(strings.TrimSpace(appendix), "\n") + 1; n > 8 {
		t.Errorf("the appendix takes %d lines; want the laws of absent places grouped:\n%s", n, appendix)
	}
	for _, id := range []string{"uk-gdpr-art34", "ny-gbl", "al-residents", "md-bureaus", "ma-residents", "mo-ag", "cn-cii-report"} {
		if !strings.Contains(appendix, id) {
			t.Errorf("the appendix does not name %s:\n%s", id, appendix)
		}
	}
	mustContain(t, appendix,
		"concern places where no affected person lives (jurisdictions does not include them): GB (uk-gdpr-art33, uk-gdpr-art34);",
		"US-MD (md-residents, md-ag, md-bureaus);",
		"- hipaa-hhs-annual (45 CFR 164.408(c)): affected is 800, not < 500")
}

// Before anyone records where affected people live, nearly every law may
// apply. The record's main table keeps the obligations that wait for other
// facts and names those waiting for jurisdictions in one paragraph, so it
// does not run to a row per state law.
func TestExportGroupsLawsWaitingForJurisdictions(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "affected=800"`)
	md := export(t, b, "md")
	_, table, _ := strings.Cut(md, "## Obligations that apply or may apply")
	table, _, _ = strings.Cut(table, "\n## ")
	if n := strings.Count(table, "\n| "); n > 40 {
		t.Errorf("the table of obligations that may apply has %d rows; want those waiting for jurisdictions grouped:\n%s", n, table)
	}
	mustContain(t, table, "more may apply once jurisdictions (where affected people live) is recorded: gdpr-art33, gdpr-art34,", "md-residents, md-ag, md-bureaus")
	if strings.Contains(table, "| ma-residents:") {
		t.Errorf("ma-residents has its own row while it waits only for where people live:\n%s", table)
	}
}

// export exports the board's incident as Ulead in format.
func export(t *testing.T, b *board, format string) string {
	t.Helper()
	f, err := b.router.Export(context.Background(), "Ulead", "INC-2026-0001", format)
	if err != nil {
		t.Fatal(err)
	}
	return string(f.Data)
}

// Every JSON export carries schema_version and is valid against the
// published JSON Schema, checked by a real validator.
func TestExportJSONValidatesAgainstSchema(t *testing.T) {
	t.Parallel()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(commands.RecordSchema))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("record.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("record.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	validate := func(name, data string) {
		t.Helper()
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s is not valid against the schema: %v", name, err)
		}
	}
	b := exportBoard(t)
	data := export(t, b, "json")
	mustContain(t, data, `"schema_version": 2,`)
	validate("met late and waived", data)

	b.must("Uresp", "step done triage scoped from the logs --incident INC-2026-0001")
	validate("a step done", export(t, b, "json"))

	d := newBoard(t, goldenNow)
	d.must("Uresp", `drill Phishing drill --aware 2026-11-26T09:00Z`)
	validate("drill", export(t, d, "json"))

	n := namedBoard(t, false)
	n.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=EU affected=800"`)
	n.must("Uresp", "step done triage")
	named := export(t, n, "json")
	mustContain(t, named, `"exported_by_name": "Lee Lead"`)
	validate("with staff names", named)

	// The schema is not a formality: a record without its version fails.
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(strings.Replace(data, `"schema_version": 2,`, "", 1)))
	if sch.Validate(inst) == nil {
		t.Error("a record without schema_version passes the schema")
	}
}

// --format html is one self-contained page: the record's sections as
// tables, and a timeline picture drawn by the program (inline SVG) with
// awareness, each clock's start and due time, and when it was notified,
// late in red. Nothing is loaded from elsewhere.
func TestGoldenExportHTML(t *testing.T) {
	t.Parallel()
	b := exportBoard(t)
	page := export(t, b, "html")
	golden(t, "export.html", page)
	mustContain(t, page, "<!DOCTYPE html>", "@media print", "<svg ",
		`<title>clock starts 2026-11-20 09:00 UTC</title>`,
		`<title>due 2026-11-23 09:00 UTC</title>`,
		`fill="#b00"><title>notified 2026-11-23 17:00 UTC</title>`,
		`<title>awareness 2026-11-20 09:00 UTC</title>`,
		`fill="#b00">met, late by 8 h</text>`,
		`<td class="late">met 2026-11-23 17:00 UTC by Ulegal, ref DPC-2026-118; LATE by 8 h; reasons for the delay: scope unknown until forensics</td>`,
		"<h2>Appendix: obligations that do not apply (150)</h2>",
		"<p>149 concern places where no affected person lives (jurisdictions does not include them): GB (uk-gdpr-art33, uk-gdpr-art34);",
		"<li>hipaa-hhs-annual (45 CFR 164.408(c)): affected is 800, not &lt; 500</li>")
	for _, remote := range []string{"src=", "href=", "@import", "url("} {
		if strings.Contains(page, remote) {
			t.Errorf("the page refers to something outside it (%s)", remote)
		}
	}
	// The picture is well-formed SVG, so any browser or printer draws it.
	svg := page[strings.Index(page, "<svg "):]
	svg = svg[:strings.Index(svg, "</svg>")+len("</svg>")]
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("the timeline picture is not well-formed SVG: %v", err)
		}
	}
	if strings.Contains(page, "|---") {
		t.Errorf("Markdown left in the page:\n%s", page)
	}
}

// No format of the record holds an affected person's address or name,
// even once the people are imported; the record gives their count and the
// list's hash.
func TestExportHoldsNoAffectedPersonsData(t *testing.T) {
	t.Parallel()
	b := exportBoard(t)
	if err := b.store.SetEncryptionKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	csv := "email,name,country,region\nzelda.quux@example.com,Zelda Quux,DE,\nomar.vantwest@example.org,Omar Vantwest,FR,\n"
	if _, err := b.svc.ImportRecipients(context.Background(), "Ulead", "INC-2026-0001", strings.NewReader(csv), incidents.ImportInput{Source: "people.csv"}); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"md", "json", "html"} {
		out := strings.ToLower(export(t, b, format))
		for _, personal := range []string{"zelda", "quux", "omar", "vantwest", "@example."} {
			if strings.Contains(out, personal) {
				t.Errorf("the %s export holds %q", format, personal)
			}
		}
		if !strings.Contains(out, "affected people imported: 2") && format != "json" {
			t.Errorf("the %s export does not give the count of people imported", format)
		}
	}
}

// A deadline reckoned in the law's own time zone shows that local time and
// UTC; an obligation met before its due time says so; a row whose statute
// text could not be read (New York's amended 899-aa) carries "(uncertain)".
func TestExportShowsLocalDueTimeAndOnTime(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	b.must("Uresp", `declare Shop DB copied --aware 2026-11-20T09:00Z --facts "jurisdictions=US-NY affected=800 data_categories=ssn encrypted=no"`)
	b.must("Ulegal", `met ny-gbl --ref NY-1 --at 2026-11-20T09:30Z --incident INC-2026-0001`)
	mustContain(t, export(t, b, "md"), "| ny-gbl: New York - notify affected residents | N.Y. Gen. Bus. Law 899-aa(2) (uncertain) | applies | 2026-12-20 24:00 EST (2026-12-21 05:00 UTC) | met 2026-11-20 09:30 UTC by Ulegal, ref NY-1; on time |")
}

// The md and html records show each regulator submission as a regulator
// received it: its exact Markdown, its hash, who approved it and when,
// when it was submitted and the regulator's reference. A draft not yet
// approved or submitted says so.
func TestExportShowsRegulatorSubmissions(t *testing.T) {
	t.Parallel()
	b := newRegulatorBoard(t, fullCompany)
	b.must("Uresp", "declare Customer DB exposed --aware 2026-11-26T09:00Z")
	b.must("Uresp", "facts jurisdictions=EU,DE data=email,password_hash affected=12000 vector=misconfigured_bucket")
	b.must("Uresp", completeGDPRDraft)
	b.must("Ulegal", "regulator approve gdpr-art33 --incident INC-2026-0001")
	b.must("Ulegal", "met gdpr-art33 --ref DPC-2026-4711 --incident INC-2026-0001")
	b.must("Uresp", `regulator draft gdpr-art33 --measures "all sessions revoked"`)
	ds := b.draftOf("gdpr-art33")
	if len(ds) != 2 || ds[0].Approval == nil || ds[0].SubmittedAt.IsZero() {
		t.Fatalf("stored drafts = %+v, want a submitted one and a new one", ds)
	}
	first, second := ds[0], ds[1]

	md := export(t, b, "md")
	mustContain(t, md,
		"## Notifications to regulators",
		"### gdpr-art33 draft 1",
		"| Content sha256 | `"+first.ContentHash+"` |",
		"| Approved | "+commands.FormatTime(first.Approval.At)+" by Ulegal |",
		"| Submitted | "+commands.FormatTime(first.SubmittedAt)+" by Ulegal |",
		"| Reference | DPC-2026-4711 |",
		"```\n"+strings.TrimRight(first.Markdown, "\n")+"\n```",
		"### gdpr-art33 draft 2",
		"| Content sha256 | `"+second.ContentHash+"` |",
		"| Approved | not approved |\n| Submitted | not submitted |")

	page := export(t, b, "html")
	mustContain(t, page,
		"<h3>gdpr-art33 draft 1</h3>",
		"<pre>"+html.EscapeString(first.Markdown)+"</pre>",
		"<code>"+first.ContentHash+"</code>",
		"DPC-2026-4711")
}

// The record says what a regulator asks: who the controller and its
// contact point are, what happened, to whose data and how many, when,
// the likely consequences and the measures, taken from the company
// configuration, the facts and the latest GDPR draft. JSON carries the
// controller too.
func TestExportStatesTheBreachForARegulator(t *testing.T) {
	t.Parallel()
	b := newRegulatorBoard(t, fullCompany)
	b.must("Uresp", "declare Customer DB exposed --aware 2026-11-26T09:00Z")
	b.must("Uresp", "facts jurisdictions=EU,DE data=email,password_hash affected=12000 vector=misconfigured_bucket")
	b.must("Uresp", completeGDPRDraft)

	md := export(t, b, "md")
	mustContain(t, md,
		"## The breach",
		"| Controller | Example Shop GmbH |",
		"| DPO or contact point | Dana Data, dpo@example.com, +49 30 1234567 |",
		"| Contact details | privacy@example.com |",
		"| What happened | a backup of the customer table was readable from a misconfigured storage bucket",
		"| Vector | misconfigured_bucket |",
		"| Data categories | email, password_hash |",
		"| Categories of people | customers of the online shop |",
		"| People affected (approx.) | 12000 |",
		"| Records affected (approx.) | 12000 |",
		"| Breach started | not recorded |",
		"| Breach ended | not recorded |",
		"| Aware | 2026-11-26 09:00 UTC |",
		"| Likely consequences | phishing using the exposed addresses",
		"| Measures taken and proposed | bucket made private on 2026-11-26")
	if !strings.Contains(export(t, b, "html"), "<td>Categories of people</td><td>customers of the online shop</td>") {
		t.Error("the HTML record does not show the categories of people")
	}
	mustContain(t, export(t, b, "json"), `"company": {`, `"dpo": "Dana Data, dpo@example.com, +49 30 1234567"`)
}

// What nobody recorded is shown as "not recorded", never left blank or
// guessed.
func TestExportSaysNotRecordedForUnknownBreachItems(t *testing.T) {
	t.Parallel()
	b := newRegulatorBoard(t, incidents.Company{})
	b.must("Uresp", "declare Customer DB exposed --aware 2026-11-26T09:00Z")
	md := export(t, b, "md")
	for _, item := range []string{"Controller", "DPO or contact point", "Contact details", "What happened", "Vector",
		"Data categories", "Categories of people", "People affected (approx.)", "Records affected (approx.)",
		"Breach started", "Breach ended", "Likely consequences", "Measures taken and proposed"} {
		mustContain(t, md, "| "+item+" | not recorded |")
	}
}

// No cell of the record is left blank: a step not yet done shows "-", a
// jurisdiction nobody decided says no decision is recorded.
func TestExportRecordHasNoBlankCells(t *testing.T) {
	t.Parallel()
	b := decisionBoard(t, "jurisdictions=DE,FR")
	b.must("Ulead", `decide notify-decision notify --jurisdiction FR --reason "bank details"`+inc1)
	md := export(t, b, "md")
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") || line == "| | |" {
			continue
		}
		for _, cell := range strings.Split(strings.Trim(line, "|"), " | ") {
			if strings.TrimSpace(cell) == "" || strings.Contains(cell, "| |") || strings.Contains(line, "|  |") {
				t.Errorf("a blank cell in the record: %q", line)
				break
			}
		}
	}
	mustContain(t, md, "| notify-decision | DE | undecided | no decision recorded | - | - | - |")
}
