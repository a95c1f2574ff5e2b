package main

import (
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

// lawsCustomers are ten people in eight jurisdictions: their notices must
// each carry what their own law asks, and nothing another person's law
// asks. Carl's and Cat's own rows list their SSNs, which the incident's
// data does not (such a person used to be skipped at send time, "not
// rendered").
const lawsCustomers = "email,name,country,region,locale,data_categories\n" +
	"nora@example.com,Nora North,US,NY,en,\n" +
	"nils@example.com,Nils Nord,US,NY,de,\n" +
	"mia@example.com,Mia Mass,US,MA,en,\n" +
	"fred@example.com,Fred Flor,US,FL,en,\n" +
	"ida@example.com,Ida Ill,US,IL,en,\n" +
	"carl@example.com,Carl Conn,US,CT,en,email;ssn\n" +
	"cat@example.com,Cat Cal,US,CA,en,email;ssn\n" +
	"tex@example.com,Tex Tex,US,TX,en,\n" +
	"dora@example.de,Dora Deutsch,DE,,de,\n" +
	"eva@example.es,Eva Espa,ES,,es,\n"

const lawsFacts = "/breach facts data=email,password_hash encrypted=no high_risk=yes"

// lawsDraft fills everything but the Florida breach date and the
// Connecticut identity-protection offer.
const lawsDraft = `/breach notice draft --what-happened "An attacker copied part of our customer database." --what-we-are-doing "We closed the access path." --what-you-can-do "Choose a new password." --consequences "Someone could try your password elsewhere." --data email,password_hash` +
	` --what-happened.de "Ein Angreifer hat Kundendaten kopiert." --what-we-are-doing.de "Wir haben den Zugang geschlossen." --what-you-can-do.de "Wählen Sie ein neues Passwort." --consequences.de "Jemand könnte Ihr Passwort anderswo ausprobieren."` +
	` --what-happened.es "Un atacante copió datos de clientes." --what-we-are-doing.es "Cerramos el acceso." --what-you-can-do.es "Elija una contraseña nueva." --consequences.es "Alguien podría probar su contraseña en otros sitios."`

// A mixed-jurisdiction incident of ten people, sent through a real SMTP
// server: the draft names who lacks what, by count, jurisdiction and
// statute (Florida's date of the breach, Fla. Stat. 501.171(4)(e)1, with
// no "if known"; Connecticut's 24 months of identity protection for the
// one person whose own row lists an SSN, Conn. Gen. Stat.
// 36a-701b(b)(2)(B)); once filled, each decoded message carries its own
// state's content and no one else's: New York's agency contacts (N.Y. Gen.
// Bus. Law 899-aa(7)), in English and in German; Massachusetts' police
// report and free security freeze with no nature of the breach and no
// count (M.G.L. c. 93H s. 3(b)); Illinois' credit bureau and FTC contacts,
// fraud alert and security freeze (815 ILCS 530/10(a)); California's
// headings and notice date (Cal. Civ. Code 1798.82(d)); GDPR Art. 34(2)'s
// consequences in German and Spanish.
func TestEachPersonsNoticeFollowsTheirLaw(t *testing.T) {
	e, srv := newLawsEnv(t, true)
	csv := e.file("customers.csv", lawsCustomers)
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		lawsFacts,
		"/breach notice import "+csv,
		lawsDraft,
		"/breach notice submit",
	)
	mustContain(t, out,
		"1 person in US-FL needs the date of the breach (Fla. Stat. 501.171(4)(e)1): add --breach-start 2026-11-20",
		"1 person in US-CT needs an offer of identity theft protection for at least 24 months (Conn. Gen. Stat. 36a-701b(b)(2)(B)): add --identity-protection",
		// California's offer when an SSN was exposed (Cal. Civ. Code
		// 1798.82(d)(2)(G)), found at draft time from Cat's own row.
		"1 person in US-CA needs an offer of identity theft protection for at least 12 months (Cal. Civ. Code 1798.82(d)(2)(G)): add --identity-protection",
		// The offer's length is checked too, not only its text.
		"1 person in US-CT needs the identity theft protection offered for at least 24 months (the draft gives no length) (Conn. Gen. Stat. 36a-701b(b)(2)(B)): add --identity-protection-months 24",
		// Whether law enforcement delayed the notice: nobody said, so it
		// is asked for, never printed as a "no" (Cal. Civ. Code
		// 1798.82(d)(2)(D)).
		"1 person in US-CA needs a statement whether law enforcement delayed the notice (Cal. Civ. Code 1798.82(d)(2)(D)): add --law-enforcement-delay yes|no",
		"Error: notice N1 is missing content: 1 person in US-CA needs law_enforcement_delay (Cal. Civ. Code 1798.82(d)(2)(D)); "+
			"2 people in US-CA, US-CT need identity_theft_protection, identity_protection_months (Cal. Civ. Code 1798.82(d)(2)(G); Conn. Gen. Stat. 36a-701b(b)(2)(B)); "+
			"1 person in US-FL needs breach_start (Fla. Stat. 501.171(4)(e)1)",
		"LACKS: law_enforcement_delay, identity_theft_protection, identity_protection_months",
	)
	// Most urgent first: what blocks the submission, then the variants,
	// those that lack content before the complete ones.
	if i, j := strings.Index(out, "Missing before it can be submitted"), strings.Index(out, "Variants: 10"); i < 0 || j < i {
		t.Errorf("the draft lists the variants before what it lacks:\n%s", out)
	}
	if i, j := strings.Index(out, "K3 · 1 person · US-CA"), strings.Index(out, "K1 · 1 person · DE"); j < i {
		t.Errorf("the draft lists a complete variant before one that lacks content:\n%s", out)
	}
	if strings.Contains(out, "is submitted") {
		t.Fatalf("a notice lacking Florida's breach date was submitted:\n%s", out)
	}

	out = e.console("U_RESP",
		`/breach notice draft --breach-start 2026-11-20 --identity-protection "We offer you 24 months of free identity protection: code ACME-24." --identity-protection-months 24 --law-enforcement-delay no --incident INC-2026-0001`,
		"/breach notice submit --incident INC-2026-0001")
	mustContain(t, out, "Draft N2", "Variants: ", "leaves out: what happened (the nature of the breach); number of people affected (M.G.L. c. 93H s. 3(b))", "Notice N2 of INC-2026-0001 is submitted")
	// Legal at 3 a.m.: the approval request says first who gets which
	// text, each variant by what it adds to the common text (in words,
	// agencies by name) and what it leaves out (with the section), then
	// the texts to read.
	req := out[strings.Index(out, "Approval requested: notice N2"):]
	mustContain(t, req,
		"adds: contacts of Test Credit Bureau, Test Federal Trade Commission; fraud alert; free security freeze",
		"adds: free security freeze; right to a police report",
		"adds: identity protection offer of at least 24 months",
		"leaves out: what happened (the nature of the breach); number of people affected (M.G.L. c. 93H s. 3(b))",
		"K10 · 1 person · US-TX · en · email, password_hash\n       adds: nothing beyond the common text",
		"every notice carries the common text")
	if strings.Index(req, "Variants: 10") > strings.Index(req, "Preview (en)") {
		t.Errorf("the approval request shows the previews before the list of variants:\n%s", req)
	}
	status := e.console("U_LEGAL1", "/breach notice status --incident INC-2026-0001")
	mustContain(t, status, "N2 · submitted", "adds: contacts of Test New York Attorney General, Test New York Department of State, Test Federal Trade Commission")
	out = e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	mustContain(t, out, "approved")

	// Legal reads what Massachusetts residents get, before anyone does.
	out = e.console("U_LEAD", "/breach notice test --variant US-MA --incident INC-2026-0001")
	mustContain(t, out, "Test message of variant US-MA of notice N2 sent to lead@acme.example")
	if got := len(srv.Messages()); got != 1 {
		t.Fatalf("the variant test sent %d messages, want 1", got)
	}
	_, maText, _ := decoded(t, srv.Messages()[0].Data)
	if !strings.Contains(maText, "Police report") || strings.Contains(maText, "An attacker copied") {
		t.Errorf("the US-MA variant's test message is not Massachusetts':\n%s", maText)
	}

	out = e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice test --confirm --incident INC-2026-0001",
		"/breach notice send --incident INC-2026-0001")
	mustContain(t, out, "are confirmed", "Sending notice N2")
	e.console("U_LEAD", "/breach notice status --incident INC-2026-0001")

	got := map[string]string{}
	for _, m := range srv.Messages() {
		if len(m.To) == 1 && m.To[0] != "lead@acme.example" {
			_, text, html := decoded(t, m.Data)
			got[m.To[0]] = text + "\n" + regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html, " ")
		}
	}
	if len(got) != 10 {
		t.Fatalf("%d of the 10 people got a notice", len(got))
	}
	nyContacts := []string{"Test New York Attorney General", "1-800-555-0101", "Albany, NY 00001", "Test New York Department of State", "1-518-555-0102",
		"Test Federal Trade Commission", "600 Test Avenue NW"}
	ilContacts := []string{"Test Credit Bureau", "P.O. Box 0000, Testville, GA 00003", "Test Federal Trade Commission"}
	// What only some people's law asks for: nobody else gets it.
	only := map[string][]string{
		"New York Attorney General":             {"nora@example.com", "nils@example.com"},
		"Department of State":                   {"nora@example.com", "nils@example.com"},
		"Federal Trade Commission":              {"nora@example.com", "nils@example.com", "ida@example.com"},
		"Test Credit Bureau":                    {"ida@example.com"},
		"Police report":                         {"mia@example.com"},
		"Security freeze":                       {"mia@example.com", "ida@example.com"},
		"Fraud alert":                           {"ida@example.com"},
		"24 months of free identity protection": {"carl@example.com", "cat@example.com"},
		"Social Security number":                {"carl@example.com", "cat@example.com", "mia@example.com", "ida@example.com"}, // the SSN label; the freeze advice names it
	}
	want := map[string][]string{
		"nora@example.com": nyContacts,
		"nils@example.com": append([]string{"Ein Angreifer hat Kundendaten kopiert.", "Gebührenfrei: 1-800-555-0101"}, nyContacts...),
		"mia@example.com":  {"Police report: you have the right to obtain a police report", "Security freeze: you have the right to place a security freeze on your credit report, free of charge"},
		"fred@example.com": {"When it happened: November 20, 2026"},
		"ida@example.com":  append([]string{"Fraud alert:", "Security freeze:"}, ilContacts...),
		"carl@example.com": {"Social Security number", "We offer you 24 months of free identity protection: code ACME-24.", "This offer is free of charge for 24 months."},
		"cat@example.com": {"Notice of Data Breach", "What Happened", "What Information Was Involved", "What We Are Doing", "What You Can Do", "For More Information", "Date: November 28, 2026",
			"Social Security number", "We offer you 24 months of free identity protection: code ACME-24.", "This notice was not delayed by a law enforcement investigation."},
		"tex@example.com": {"An attacker copied part of our customer database."},
		"dora@example.de": {"Ein Angreifer hat Kundendaten kopiert.", "Mögliche Folgen für Sie: Jemand könnte Ihr Passwort anderswo ausprobieren."},
		"eva@example.es":  {"Un atacante copió datos de clientes.", "Qué podría significar para usted: Alguien podría probar su contraseña en otros sitios."},
	}
	for to, body := range got {
		for _, w := range want[to] {
			if !strings.Contains(body, w) {
				t.Errorf("the notice to %s lacks %q", to, w)
			}
		}
		for text, who := range only {
			if strings.Contains(body, text) && !contains(who, to) {
				t.Errorf("the notice to %s carries %q, which its law does not ask for", to, text)
			}
		}
		if t.Failed() {
			t.Logf("notice to %s:\n%s", to, body)
		}
	}
	// Massachusetts: no nature of the breach and no count (M.G.L. c. 93H
	// s. 3(b)); the others tell what happened.
	ma := got["mia@example.com"]
	for _, banned := range []string{"An attacker copied", "What Happened", "When it happened", "10 people", "ten people", "explains what happened"} {
		if strings.Contains(ma, banned) {
			t.Errorf("the Massachusetts notice contains %q (the nature of the breach or a count):\n%s", banned, ma)
		}
	}
	if m, _ := mail.ReadMessage(strings.NewReader(string(srv.Messages()[len(srv.Messages())-1].Data))); m.Header.Get("From") != `"Acme Corp" <privacy@acme.example>` {
		t.Errorf("From = %q, want the company's name", m.Header.Get("From"))
	}
	// The company's number is not toll-free, so no notice says it is.
	for to, body := range got {
		if strings.Contains(body, "toll-free") && strings.Contains(body, "+1 555 0100") && strings.Contains(body, "(toll-free): +1 555 0100") {
			t.Errorf("the notice to %s labels a number toll-free that is not", to)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Legal approves what is really sent: when the incident's playbook is
// upgraded to a catalog in which New York's attorney general has another
// number, the approved notice (which prints the old one) is void, and the
// next draft prints the new number.
func TestApprovalVoidWhenAnAgencyContactChanges(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"regulations.yaml", "personal-data-breach.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "notice-laws", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := newNoticeEnv(t, "playbooks: "+dir+"\n")
	csv := e.file("customers.csv", "email,name,country,region\nnora@example.com,Nora North,US,NY\n")
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach facts data=email,password_hash encrypted=no",
		"/breach notice import "+csv,
		`/breach notice draft --what-happened "An attacker copied part of our customer database." --what-we-are-doing "We closed the access path." --what-you-can-do "Choose a new password."`,
		"/breach notice submit")
	mustContain(t, out, "Notice N1 of INC-2026-0001 is submitted")
	mustContain(t, e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001"), "is approved")

	for f, change := range map[string][2]string{
		"regulations.yaml":          {"toll_free: 1-800-555-0101", "toll_free: 1-800-555-0111"},
		"personal-data-breach.yaml": {`version: "test-1"`, `version: "test-2"`},
	} {
		p := filepath.Join(dir, f)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(data), change[0], change[1], 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out = e.console("U_LEAD", "/breach playbook upgrade --incident INC-2026-0001", "/breach notice send --incident INC-2026-0001")
	mustContain(t, out, "now runs playbook personal-data-breach vtest-2",
		"Error: notice N1 can no longer be used: its approval is void because the contact details of test-ag-ny changed since it was drafted (playbook upgraded)")
	out = e.console("U_RESP", "/breach notice draft --incident INC-2026-0001")
	mustContain(t, out, "Draft N2", "1-800-555-0111")
}

// HIPAA requires a description of what happened (45 CFR 164.404(c)(1)(A))
// and Massachusetts forbids the nature of the breach (M.G.L. c. 93H s.
// 3(b)): for a Massachusetts patient the draft names the clash with both
// citations and cannot be submitted until it is decided. HIPAA's
// toll-free number (164.404(c)(1)(E)): a number that is not toll-free is
// never labelled so, and the draft asks for one.
func TestClashOfLawsIsDecidedByLegal(t *testing.T) {
	e, srv := newLawsEnv(t, true)
	csv := e.file("patients.csv", "email,name,country,region\nmia@example.com,Mia Mass,US,MA\ntex@example.com,Tex Tex,US,TX\n")
	draft := `/breach notice draft --what-happened "An attacker copied part of our patient records." --what-we-are-doing "We closed the access path." --what-you-can-do "Watch your insurance statements." --incident INC-2026-0001`
	out := e.console("U_RESP",
		"/breach declare Patient records exposed --aware 2026-11-27T09:00:00Z",
		"/breach facts entity=covered_entity data=name,health encrypted=no",
		"/breach notice import "+csv,
		draft,
		"/breach notice submit --incident INC-2026-0001")
	mustContain(t, out,
		"CLASH nature: required by 45 CFR 164.404(c)(1)(A), forbidden by M.G.L. c. 93H s. 3(b) (undecided: --clash nature=include or =omit)",
		"1 person in US-MA needs a decision: 45 CFR 164.404(c)(1)(A) requires nature, M.G.L. c. 93H s. 3(b) forbids it: legal decides, add --clash nature=include or --clash nature=omit",
		"2 people in US-MA, US-TX need a toll-free telephone number (45 CFR 164.404(c)(1)(E)): add company: {toll_free_phone: ...} in breachbot.yaml",
		"Error: notice N1 is missing")
	if strings.Contains(out, "is submitted") {
		t.Fatalf("a notice with an undecided clash was submitted:\n%s", out)
	}

	// The company's number becomes a toll-free one; legal's decision is
	// recorded on the draft and shown in the approval request.
	cfg, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.cfg, []byte(strings.Replace(string(cfg), `contact_phone: "+1 555 0100"`, `contact_phone: "1-800-555-0100"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out = e.console("U_LEGAL1", draft+" --clash nature=omit", "/breach notice submit --incident INC-2026-0001")
	mustContain(t, out, "CLASH nature: required by 45 CFR 164.404(c)(1)(A), forbidden by M.G.L. c. 93H s. 3(b) (decided: omit)", "Notice N2 of INC-2026-0001 is submitted")
	mustContain(t, e.console("U_LEGAL2", "/breach notice approve --incident INC-2026-0001"), "is approved")
	out = e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice test --confirm --incident INC-2026-0001", "/breach notice send --incident INC-2026-0001")
	mustContain(t, out, "Sending notice N2")
	e.console("U_LEAD", "/breach notice status --incident INC-2026-0001")
	got := map[string]string{}
	for _, m := range srv.Messages() {
		if len(m.To) == 1 {
			_, text, _ := decoded(t, m.Data)
			got[m.To[0]] = text
		}
	}
	if ma := got["mia@example.com"]; strings.Contains(ma, "patient records") || !strings.Contains(ma, "Phone (toll-free): 1-800-555-0100") {
		t.Errorf("the Massachusetts notice tells the nature of the breach or lacks the toll-free number:\n%s", ma)
	}
	// HIPAA's dates of breach and discovery stay, without the description.
	if ma := got["mia@example.com"]; !strings.Contains(ma, "When we found out: November 27, 2026") {
		t.Errorf("the Massachusetts patient's notice lacks the date of discovery HIPAA asks for:\n%s", ma)
	}
	if tx := got["tex@example.com"]; !strings.Contains(tx, "An attacker copied part of our patient records.") || !strings.Contains(tx, "Phone (toll-free): 1-800-555-0100") {
		t.Errorf("the Texas patient's notice lacks what happened (HIPAA) or the toll-free number:\n%s", tx)
	}
}

// A notice only to Massachusetts residents must not describe the nature of
// the breach (M.G.L. c. 93H s. 3(b)), so it is complete without
// --what-happened; one to anyone else still needs it.
func TestMassachusettsOnlyNoticeNeedsNoDescription(t *testing.T) {
	e, _ := newLawsEnv(t, false)
	ma := e.file("ma.csv", "email,name,country,region\nmia@example.com,Mia Mass,US,MA\n")
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach facts data=email,password_hash encrypted=no",
		"/breach notice import "+ma,
		`/breach notice draft --what-we-are-doing "We closed the access path." --what-you-can-do "Choose a new password."`,
		"/breach notice submit")
	mustContain(t, out, "leaves out: what happened (the nature of the breach); number of people affected (M.G.L. c. 93H s. 3(b))", "Notice N1 of INC-2026-0001 is submitted")

	both := e.file("both.csv", "email,name,country,region\nmia@example.com,Mia Mass,US,MA\ntex@example.com,Tex Tex,US,TX\n")
	out = e.console("U_RESP", "/breach notice import "+both+" --incident INC-2026-0001",
		"/breach notice draft --incident INC-2026-0001", "/breach notice submit --incident INC-2026-0001")
	mustContain(t, out, "Missing before it can be submitted: what_happened", "Error: notice N2 is missing content: 1 person in US-TX needs what_happened")
}

// Rhode Island asks for the number of people affected (R.I. Gen. Laws
// 11-49.3-4(d)(1)), Massachusetts forbids it (M.G.L. c. 93H s. 3(b));
// Connecticut asks for at least 24 months of identity protection when SSNs
// were exposed (Conn. Gen. Stat. 36a-701b(b)(2)(B)). While the number is
// unknown and the offer's length not given, the draft names the people,
// their state, the statute and what to type, and cannot be submitted;
// once given, the Rhode Island resident reads the number, the
// Massachusetts resident does not, and the Connecticut resident reads the
// length of the offer.
func TestNoticeAffectedCountAndProtectionMonths(t *testing.T) {
	e, srv := newLawsEnv(t, true)
	csv := e.file("customers.csv", "email,name,country,region,data_categories\n"+
		"rita@example.com,Rita Rhody,US,RI,\nmia@example.com,Mia Mass,US,MA,\ncarl@example.com,Carl Conn,US,CT,email;ssn\n")
	draft := `/breach notice draft --what-happened "An attacker copied part of our customer database." --what-we-are-doing "We closed the access path." --what-you-can-do "Choose a new password." --data email,password_hash --identity-protection "Enrol at https://acme.example/protect with code ACME-24."`
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach facts data=email,password_hash encrypted=no",
		"/breach notice import "+csv,
		"/breach facts affected=unknown",
		draft,
		"/breach notice submit")
	mustContain(t, out,
		"1 person in US-RI needs the number of people affected (R.I. Gen. Laws 11-49.3-4(d)(1)): record it, /breach facts affected=N",
		"1 person in US-CT needs the identity theft protection offered for at least 24 months (the draft gives no length) (Conn. Gen. Stat. 36a-701b(b)(2)(B)): add --identity-protection-months 24",
		"Error: notice N1 is missing")
	if strings.Contains(out, "Recipients who read affected") {
		t.Errorf("the draft takes the fact it asks for for a text in a language called \"affected\":\n%s", out)
	}
	if strings.Contains(out, "is submitted") {
		t.Fatalf("a notice without Rhode Island's count or Connecticut's 24 months was submitted:\n%s", out)
	}

	out = e.console("U_RESP", "/breach facts affected=1250 --incident INC-2026-0001",
		"/breach notice draft --identity-protection-months 18 --incident INC-2026-0001")
	mustContain(t, out, "1 person in US-CT needs the identity theft protection offered for at least 24 months (the draft gives 18)")
	if strings.Contains(out, "US-RI needs") {
		t.Errorf("the draft still asks for Rhode Island's count once the fact is recorded:\n%s", out)
	}
	out = e.console("U_RESP", "/breach notice draft --identity-protection-months 24 --incident INC-2026-0001", "/breach notice submit --incident INC-2026-0001")
	mustContain(t, out, "Notice N3 of INC-2026-0001 is submitted")
	mustContain(t, e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001"), "approved")
	out = e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice test --confirm --incident INC-2026-0001",
		"/breach notice send --incident INC-2026-0001")
	mustContain(t, out, "Sending notice N3")

	got := map[string]string{}
	for _, m := range srv.Messages() {
		if len(m.To) == 1 && m.To[0] != "lead@acme.example" {
			_, text, html := decoded(t, m.Data)
			got[m.To[0]] = text + "\n" + regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html, " ")
		}
	}
	if len(got) != 3 {
		t.Fatalf("%d of the 3 people got a notice", len(got))
	}
	if !strings.Contains(got["rita@example.com"], "Number of people affected: 1,250") {
		t.Errorf("the Rhode Island notice does not give the number affected:\n%s", got["rita@example.com"])
	}
	for _, to := range []string{"mia@example.com", "carl@example.com"} {
		if strings.Contains(got[to], "1250") || strings.Contains(got[to], "1,250") || strings.Contains(got[to], "people affected") {
			t.Errorf("the notice to %s gives the number affected, which its law does not ask for (or forbids):\n%s", to, got[to])
		}
	}
	if !strings.Contains(got["carl@example.com"], "This offer is free of charge for 24 months.") {
		t.Errorf("the Connecticut notice does not give the length of the offer:\n%s", got["carl@example.com"])
	}
}

// A person's own row may list data the incident's recorded data does not
// (an SSN): that data was exposed, so the laws that turn on it apply. With
// the built-in catalog, Massachusetts' law applies only when SSNs, account
// or card numbers, or license numbers were exposed; before, a Massachusetts
// resident whose row listed an SSN got a notice under no law at all:
// no police report, no free security freeze, no 18 months of credit
// monitoring (M.G.L. c. 93H ss. 3(b), 3A).
func TestRowDataCategoriesDecideWhichLawsApply(t *testing.T) {
	srv := smtptest.Start(t)
	e := newNoticeEnv(t, "")
	e.env["SMTP_ADDR"], e.env["SMTP_TLS"], e.env["SMTP_FROM"] = srv.Addr, "none", "privacy@acme.example"
	csv := e.file("customers.csv", "email,name,country,region,data_categories\n"+
		"mia@example.com,Mia Mass,US,MA,email;ssn\nnora@example.com,Nora North,US,NY,\n")
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach facts data=email,password_hash encrypted=no",
		"/breach notice import "+csv,
		`/breach notice draft --what-happened "An attacker copied part of our customer database." --what-we-are-doing "We closed the access path." --what-you-can-do "Choose a new password." --data email,password_hash --identity-protection "Enrol at https://acme.example/protect with code ACME-18." --identity-protection-months 18`,
		"/breach notice submit")
	mustContain(t, out, "now email,password_hash,ssn from the import", "now applies: ma-residents",
		"US-MA · en · email, ssn\n       adds: contacts of Equifax, Experian, TransUnion; free security freeze; right to a police report; identity protection offer of at least 18 months", "laws: ma-residents · read it", "Notice N1 of INC-2026-0001 is submitted")
	mustContain(t, e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001"), "approved")
	e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice test --confirm --incident INC-2026-0001",
		"/breach notice send --incident INC-2026-0001")
	var ma string
	for _, m := range srv.Messages() {
		if len(m.To) == 1 && m.To[0] == "mia@example.com" {
			_, ma, _ = decoded(t, m.Data)
		}
	}
	for _, w := range []string{"Police report:", "Security freeze:", "Enrol at https://acme.example/protect", "This offer is free of charge for 18 months."} {
		if !strings.Contains(ma, w) {
			t.Errorf("the Massachusetts notice lacks %q:\n%s", w, ma)
		}
	}
	if strings.Contains(ma, "An attacker copied") {
		t.Errorf("the Massachusetts notice tells the nature of the breach:\n%s", ma)
	}
}

// newLawsEnv is a notice environment on the made-up laws and contacts of
// testdata/notice-laws (stable when the real catalog is revised); with
// mail, an SMTP server takes what is sent.
func newLawsEnv(t *testing.T, mail bool) (*noticeEnv, *smtptest.Server) {
	t.Helper()
	dir, err := filepath.Abs("testdata/notice-laws")
	if err != nil {
		t.Fatal(err)
	}
	e := newNoticeEnv(t, "playbooks: "+dir+"\n")
	if !mail {
		return e, nil
	}
	srv := smtptest.Start(t)
	e.env["SMTP_ADDR"], e.env["SMTP_TLS"], e.env["SMTP_FROM"] = srv.Addr, "none", "privacy@acme.example"
	return e, srv
}
