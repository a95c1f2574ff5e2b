package main

import "testing"

// A regulator draft made in the console is approved by another member of
// legal, never its drafter; met records its hash, and the export (what a
// regulator or auditor reads) holds the draft that was submitted, its hash
// and the regulator's reference.
func TestRegulatorDraftInTheConsole(t *testing.T) {
	e := newNoticeEnv(t, "")
	e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach facts jurisdictions=EU data=email,password_hash affected=1200")
	out := e.console("U_LEGAL1",
		`/breach regulator draft gdpr-art33 --incident INC-2026-0001 --nature "customer table copied" --subjects customers --records 1200 --consequences phishing --measures "passwords reset"`,
		"/breach regulator approve gdpr-art33")
	mustContain(t, out,
		"gdpr-art33 draft 1 drafted, nothing unknown",
		"# Personal data breach notification to the supervisory authority (GDPR Art. 33)",
		"- Controller: Acme Corp",
		"Error: you drafted gdpr-art33 draft 1, so you cannot approve it")
	out = e.console("U_LEGAL2", "/breach regulator approve gdpr-art33 --incident INC-2026-0001")
	mustContain(t, out, "gdpr-art33 draft 1 approved", "Approved by U_LEGAL2")
	out = e.console("U_LEAD", "/breach met gdpr-art33 --ref DPC-2026-77 --incident INC-2026-0001")
	mustContain(t, out, "Recorded as submitted: regulator draft 1 (content sha256 ")
	code, exp, _ := e.run("export", "INC-2026-0001", "--format", "json")
	if code != 0 {
		t.Fatalf("export exit %d", code)
	}
	mustContain(t, exp, `"draft_hash": "`, `"reference": "DPC-2026-77"`, `"markdown": "# Personal data breach notification`)
}
