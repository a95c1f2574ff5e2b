package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore/boltstoretest"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/playbooks"
)

// newRegulatorBoard is a board whose service knows the company, with two
// members of legal (one drafts, the other approves).
func newRegulatorBoard(t *testing.T, company incidents.Company) *board {
	t.Helper()
	store := boltstoretest.MustOpen(t)
	roles := map[string][]string{
		"Uresp":   {incidents.RoleResponders},
		"Ulead":   {incidents.RoleLeads},
		"Ulegal":  {incidents.RoleLegal},
		"Ulegal2": {incidents.RoleLegal},
	}
	b := &board{t: t, store: store, clock: clocktest.New(goldenNow)}
	b.svc = incidents.NewService(incidents.Config{
		Store: store, Playbooks: playbooks.New(nil, ""), Clock: b.clock, Company: company,
		Roles: incidents.RoleResolverFunc(func(_ context.Context, u string) ([]string, error) { return roles[u], nil }),
	})
	b.router = commands.NewRouter(b.svc, commands.RouterOptions{})
	return b
}

var fullCompany = incidents.Company{Name: "Example Shop GmbH", ContactEmail: "privacy@example.com", DPO: "Dana Data, dpo@example.com, +49 30 1234567"}

// regulatorReply runs a regulator command and returns its reply.
func (b *board) reply(user, line string) *commands.Reply {
	b.t.Helper()
	return b.router.Handle(context.Background(), commands.Request{User: user, Text: line})
}

func (b *board) draftOf(ob string) []incidents.RegulatorDraft {
	var out []incidents.RegulatorDraft
	for _, d := range b.stored().RegulatorDrafts {
		if d.Obligation == ob {
			out = append(out, d)
		}
	}
	return out
}

const completeGDPRDraft = "regulator draft gdpr-art33" +
	` --nature "a backup of the customer table was readable from a misconfigured storage bucket for 9 days and was downloaded once from an unknown address"` +
	` --subjects "customers of the online shop"` +
	` --records 12000` +
	` --consequences "phishing using the exposed addresses; password hashes (bcrypt) may be cracked for weak passwords"` +
	` --measures "bucket made private on 2026-11-26; all passwords reset; customers told to expect phishing"`

// A GDPR Art. 33 draft for an incident whose facts are all known says
// every item of Art. 33(3) (a)-(d) and lists nothing as unknown.
func TestRegulatorDraftGDPRArt33Complete(t *testing.T) {
	t.Parallel()
	b := newRegulatorBoard(t, fullCompany)
	b.must("Uresp", "declare Customer DB exposed --aware 2026-11-26T09:00Z")
	b.must("Uresp", "facts jurisdictions=EU,DE data=email,password_hash affected=12000 vector=misconfigured_bucket")
	rep := b.reply("Uresp", completeGDPRDraft)
	if rep.Error {
		t.Fatalf("regulator draft refused: %s", rep.Text())
	}
	if rep.File == nil {
		t.Fatalf("the draft reply has no Markdown file:\n%s", rep.Text())
	}
	golden(t, "regulator-gdpr-art33", string(rep.File.Data))
	if strings.Contains(rep.Text(), "Still unknown") || strings.Contains(string(rep.File.Data), "to follow") {
		t.Errorf("a complete draft still shows unknowns:\n%s", rep.Text())
	}
	ds := b.draftOf("gdpr-art33")
	if len(ds) != 1 || len(ds[0].Unknown) != 0 || ds[0].Markdown != string(rep.File.Data) || ds[0].DraftedBy != "Uresp" {
		t.Fatalf("stored drafts = %+v, want one complete draft by Uresp with the shown Markdown", ds)
	}
}

// A draft made before the facts are known lists each missing item with
// the fact or company setting that fills it; the next draft, once they
// are known, says what is new since the first submission (Art. 33(4)).
func TestRegulatorDraftListsUnknownsAndWhatFillsThem(t *testing.T) {
	t.Parallel()
	b := newRegulatorBoard(t, incidents.Company{Name: "Example Shop GmbH"})
	b.must("Uresp", "declare Customer DB exposed --aware 2026-11-26T09:00Z")
	b.must("Uresp", "facts jurisdictions=EU")
	text := b.must("Uresp", `regulator draft gdpr-art33 --nature "customer table exposed"`)
	for _, want := range []string{
		"the approximate number of people concerned (33(3)(a))", "/breach facts affected=",
		"the categories of personal data concerned (33(3)(a))", "/breach facts data=",
		"the DPO or other contact point (33(3)(b))", "company: dpo: in breachbot.yaml",
		"the likely consequences (33(3)(c))", "/breach regulator draft gdpr-art33 --consequences",
		"the measures taken or proposed (33(3)(d))", "--measures",
		"_Not yet known; to follow._",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the draft reply does not say %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "nature of the breach (33(3)(a))") {
		t.Errorf("the nature was given but is listed as unknown:\n%s", text)
	}
	first := b.draftOf("gdpr-art33")[0]
	if len(first.Unknown) != 7 {
		t.Errorf("draft 1 has %d unknowns, want 7 (subjects, people, data, records, contact, consequences, measures): %+v", len(first.Unknown), first.Unknown)
	}

	b.must("Uresp", "facts affected=12000 data=email")
	text = b.must("Uresp", `regulator draft gdpr-art33 --consequences "phishing"`)
	ds := b.draftOf("gdpr-art33")
	if len(ds) != 2 || ds[1].Seq != 2 {
		t.Fatalf("drafts = %+v, want a second draft", ds)
	}
	if ds[1].Fields["nature"] != "customer table exposed" {
		t.Errorf("draft 2 lost the nature given to draft 1: %v", ds[1].Fields)
	}
	for _, want := range []string{"submission 2", "## New since submission 1", "- the approximate number of people concerned (33(3)(a))", "- the likely consequences (33(3)(c))"} {
		if !strings.Contains(text, want) {
			t.Errorf("draft 2 does not say %q:\n%s", want, text)
		}
	}
	if len(ds[1].Unknown) != 4 {
		t.Errorf("draft 2 has %d unknowns, want 4: %+v", len(ds[1].Unknown), ds[1].Unknown)
	}
}

// Legal approves a regulator draft, never its drafter nor a responder; a
// refusal is audited and changes nothing. met then records the approved
// draft's content hash beside the regulator's reference.
func TestRegulatorDraftApprovalAndMet(t *testing.T) {
	t.Parallel()
	b := newRegulatorBoard(t, fullCompany)
	b.must("Uresp", "declare Customer DB exposed --aware 2026-11-26T09:00Z")
	b.must("Uresp", "facts jurisdictions=EU data=email,password_hash affected=12000")
	b.must("Ulegal", completeGDPRDraft+inc1)

	text, ok := b.run("Ulegal", "regulator approve gdpr-art33"+inc1)
	if ok || !strings.Contains(text, "you drafted gdpr-art33 draft 1, so you cannot approve it") {
		t.Errorf("the drafter approving: ok=%v\n%s", ok, text)
	}
	if !b.auditedRefusal("Ulegal", incidents.ActApprove) {
		t.Error("the drafter's refused approval is not in the audit log")
	}
	if text, ok := b.run("Uresp", "regulator approve gdpr-art33"+inc1); ok || !strings.Contains(text, "legal") {
		t.Errorf("a responder approving: ok=%v\n%s", ok, text)
	}
	if d := b.draftOf("gdpr-art33")[0]; d.Approval != nil {
		t.Fatalf("a refused approval was stored: %+v", d.Approval)
	}

	text = b.must("Ulegal2", "regulator approve gdpr-art33"+inc1)
	d := b.draftOf("gdpr-art33")[0]
	if d.Approval == nil || d.Approval.By != "Ulegal2" || d.Approval.ContentHash != d.ContentHash {
		t.Fatalf("approval = %+v, want Ulegal2's bound to %s", d.Approval, d.ContentHash)
	}
	if !strings.Contains(text, "/breach met gdpr-art33 --ref") {
		t.Errorf("the approval reply does not say what to do next:\n%s", text)
	}
	if text, ok := b.run("Ulegal2", "regulator approve gdpr-art33"+inc1); ok || !strings.Contains(text, "already approved") {
		t.Errorf("approving twice: ok=%v\n%s", ok, text)
	}

	b.clock.Set(goldenNow.Add(time.Hour))
	if text := b.must("Ulead", "met gdpr-art33 --ref CNIL-2026-1234"+inc1); !strings.Contains(text, "Recorded as submitted: regulator draft 1 (content sha256 "+d.ContentHash[:12]) {
		t.Errorf("the met reply does not say which draft was recorded:\n%s", text)
	}
	o := b.obligation("INC-2026-0001", "gdpr-art33")
	if o.Reference != "CNIL-2026-1234" || o.Draft != 1 || o.DraftHash != d.ContentHash {
		t.Errorf("met recorded ref %q draft %d hash %q, want CNIL-2026-1234, 1, %s", o.Reference, o.Draft, o.DraftHash, d.ContentHash)
	}
	if d := b.draftOf("gdpr-art33")[0]; !d.SubmittedAt.Equal(goldenNow.Add(time.Hour)) || d.Reference != "CNIL-2026-1234" || d.SubmittedBy != "Ulead" {
		t.Errorf("draft 1 submission = %v %q %q, want it submitted by met", d.SubmittedAt, d.Reference, d.SubmittedBy)
	}
	if text := b.must("Ulead", "regulator show gdpr-art33"+inc1); !strings.Contains(text, "Submitted 2026-11-27 10:00 UTC by Ulead, ref CNIL-2026-1234") {
		t.Errorf("show after met does not say it was submitted:\n%s", text)
	}

	// A later phase (Art. 33(4)): drafted, approved, then recorded as submitted.
	b.must("Uresp", `regulator draft gdpr-art33 --measures "bucket closed; passwords reset; attacker's address blocked"`+inc1)
	if text, ok := b.run("Ulead", "regulator submitted gdpr-art33 --ref CNIL-2026-1234-2"+inc1); ok || !strings.Contains(text, "draft 2 of gdpr-art33 is not approved") {
		t.Errorf("submitting an unapproved draft: ok=%v\n%s", ok, text)
	}
	b.must("Ulegal2", "regulator approve gdpr-art33"+inc1)
	b.must("Ulead", "regulator submitted gdpr-art33 --ref CNIL-2026-1234-2"+inc1)
	ds := b.draftOf("gdpr-art33")
	if len(ds) != 2 || ds[1].Reference != "CNIL-2026-1234-2" || ds[1].SubmittedAt.IsZero() || ds[0].Reference != "CNIL-2026-1234" {
		t.Errorf("drafts after the second submission = %+v", ds)
	}
	if text, ok := b.run("Ulead", "regulator submitted gdpr-art33 --ref again"+inc1); ok || !strings.Contains(text, "already submitted") {
		t.Errorf("submitting twice: ok=%v\n%s", ok, text)
	}
}

// A draft for an obligation without a regulator form, or for none of the
// incident's obligations, is refused with what to type.
func TestRegulatorDraftRefusals(t *testing.T) {
	t.Parallel()
	b := newRegulatorBoard(t, fullCompany)
	b.must("Uresp", "declare Customer DB exposed --aware 2026-11-26T09:00Z")
	b.must("Uresp", "facts jurisdictions=EU")
	for _, tc := range []struct{ line, want string }{
		{"regulator draft gdpr-art99", "has no obligation"},
		{"regulator draft gdpr-art33 --records many", "--records 48000"},
		{"regulator approve gdpr-art33", "no regulator draft of gdpr-art33 yet"},
		{"regulator frobnicate", "regulator needs draft, approve, show"},
		{"regulator draft gdpr-art33 --dpo x", "has no option --dpo"},
	} {
		text, ok := b.run("Ulegal", tc.line+" --incident INC-2026-0001")
		if ok || !strings.Contains(text, tc.want) {
			t.Errorf("/breach %s: ok=%v, want a refusal saying %q:\n%s", tc.line, ok, tc.want, text)
		}
	}
	if ds := b.draftOf("gdpr-art33"); len(ds) != 0 {
		t.Errorf("refused commands stored drafts: %+v", ds)
	}
}

// regimeCase is a fixture incident whose facts are all known for one
// regulator form.
type regimeCase struct {
	name string
	// lines prepare the incident (facts, clocks, obligations met).
	lines []string
	draft string
}

// Each regulator form drafts completely for a fixture incident whose facts
// are all known (golden), and nothing is left unknown.
func TestRegulatorDraftGoldenPerRegime(t *testing.T) {
	t.Parallel()
	cases := []regimeCase{
		{name: "hipaa-hhs",
			lines: []string{"facts jurisdictions=US entity=covered_entity data=health,name,dob affected=1200 encrypted=no",
				"met hipaa-individuals --ref letters-mailed"},
			draft: `regulator draft hipaa-hhs --dates "2026-11-20 to 2026-11-25" --type "Hacking/IT incident" --location "Network server"` +
				` --nature "an attacker used a stolen VPN password to copy the appointments database"` +
				` --safeguards "firewall, encryption of laptops, annual risk analysis"` +
				` --measures "VPN passwords reset and MFA enforced; forensic firm engaged; patients notified by letter"`},
		{name: "nis2-early-warning",
			lines: []string{"facts jurisdictions=EU,DE entity=essential_entity significant=yes"},
			draft: `regulator draft nis2-early-warning --malicious "yes: ransomware" --cross-border "possibly: customers in AT and FR depend on the service"`},
		{name: "nis2-notification",
			lines: []string{"facts jurisdictions=EU,DE entity=essential_entity significant=yes"},
			draft: `regulator draft nis2-notification --malicious "yes: ransomware (LockBit variant)" --cross-border "yes: customers in AT and FR"` +
				` --severity "high: billing down for 30 hours, no data loss confirmed"` +
				` --iocs "185.0.2.10 (C2); SHA-256 of the encryptor 3f5a...; ransom note README_RESTORE.txt"`},
		{name: "nis2-final-report",
			lines: []string{"facts jurisdictions=EU,DE entity=essential_entity significant=yes"},
			draft: `regulator draft nis2-final-report --nature "ransomware encrypted the billing servers after a phishing email"` +
				` --severity "billing unavailable for 30 hours; 2,000 invoices delayed"` +
				` --root-cause "phishing: a stolen admin password without MFA"` +
				` --measures "MFA enforced for all admins; EDR rolled out; backups tested weekly (ongoing)"` +
				` --cross-border "customers in AT and FR had invoices delayed"`},
		{name: "sec-8k",
			lines: []string{"facts jurisdictions=US entity=public_company", "clock materiality_determined --at 2026-11-26T15:00Z"},
			draft: `regulator draft sec-8k --nature "a ransomware attack encrypted order-processing systems"` +
				` --scope "order processing in North America; no evidence that customer payment data was taken"` +
				` --dates "detected 2026-11-24; contained 2026-11-26"` +
				` --impact "order fulfilment paused for three days; the company does not yet know whether revenue for the quarter will be materially affected"`},
		{name: "ca-ag",
			lines: []string{"facts jurisdictions=US-CA residents=US-CA:600 data=email,ssn",
				"met ca-residents --ref notice-N1"},
			draft: `regulator draft ca-ag --dates "2026-11-20 to 2026-11-25" --law-enforcement-delay no`},
		{name: "nydfs-incident",
			lines: []string{"facts jurisdictions=US-NY entity=nydfs_covered residents=US-NY:120 data=email,ssn extortion_payment=no",
				"clock breach_determined --at 2026-11-26T12:00Z"},
			draft: `regulator draft nydfs-incident --dates "2026-11-24 to 2026-11-26"` +
				` --nature "an attacker used a phished employee password to read the loan-application share"` +
				` --measures "password reset, MFA enforced on the share, forensic review under way"`},
		{name: "uk-gdpr-art33",
			lines: []string{"facts jurisdictions=GB data=email affected=300"},
			draft: `regulator draft uk-gdpr-art33 --nature "a spreadsheet of customer emails was sent to the wrong supplier" --subjects customers --records 300` +
				` --consequences "unwanted email; low risk" --measures "the supplier confirmed deletion in writing"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newRegulatorBoard(t, incidents.Company{Name: "Example Clinic Inc.", ContactEmail: "privacy@example.com",
				ContactPhone: "+1 555 0100", DPO: "Pat Privacy (privacy officer)", PostalAddress: "1 Main St, Springfield"})
			b.must("Uresp", "declare Records exposed --aware 2026-11-26T09:00Z")
			for _, l := range tc.lines {
				b.must("Ulead", l+inc1)
			}
			rep := b.reply("Uresp", tc.draft)
			if rep.Error || rep.File == nil {
				t.Fatalf("/breach %s: %s", tc.draft, rep.Text())
			}
			golden(t, "regulator-"+tc.name, string(rep.File.Data))
			ob := strings.Fields(tc.draft)[2]
			if ds := b.draftOf(ob); len(ds) != 1 || len(ds[0].Unknown) != 0 {
				t.Errorf("the draft still has unknowns: %+v\n%s", ds, rep.Text())
			}
		})
	}
}

// A form drafted before anything is known lists, for each item, the fact,
// clock, obligation or company setting that fills it; an unknown yes/no
// fact is never shown as "no".
func TestRegulatorDraftUnknownsPerRegime(t *testing.T) {
	t.Parallel()
	b := newRegulatorBoard(t, incidents.Company{Name: "Example Clinic Inc."})
	b.must("Uresp", "declare Records exposed --aware 2026-11-26T09:00Z")
	for _, tc := range []struct {
		draft string
		want  []string
	}{
		{"regulator draft hipaa-hhs", []string{
			"the date individuals were notified", "/breach met hipaa-individuals --ref",
			"the covered entity's address", "company: postal_address: in breachbot.yaml",
			"the approximate number of individuals affected", "/breach facts affected=",
			"the type of breach", "--type",
		}},
		{"regulator draft nydfs-incident", []string{
			"when it was determined that a cybersecurity incident occurred", "/breach clock breach_determined --at TIME",
			"whether a ransom or extortion payment was made", "/breach facts extortion_payment=no",
			"Extortion payment made: _Not yet known; to follow._",
		}},
		{"regulator draft sec-8k", []string{"/breach clock materiality_determined", "amend it (Form 8-K/A)"}},
		{"regulator draft ca-ag", []string{"/breach met ca-residents", "/breach facts residents=US-CA:600"}},
	} {
		text := b.must("Uresp", tc.draft)
		for _, want := range tc.want {
			if !strings.Contains(text, want) {
				t.Errorf("/breach %s does not say %q:\n%s", tc.draft, want, text)
			}
		}
	}
}

// A GDPR draft made after the 72 hours asks for the reasons for the delay
// (Art. 33(1)) until they are given.
func TestRegulatorDraftLateGDPRAsksForTheReasons(t *testing.T) {
	t.Parallel()
	b := newRegulatorBoard(t, fullCompany)
	b.must("Uresp", "declare Customer DB exposed --aware 2026-11-20T09:00Z")
	b.must("Uresp", "facts jurisdictions=EU data=email affected=10")
	text := b.must("Uresp", completeGDPRDraft)
	if !strings.Contains(text, "the reasons for the delay, as the notification is late (33(1))") || !strings.Contains(text, "--delay-reason") {
		t.Errorf("a late draft does not ask for the reasons for the delay:\n%s", text)
	}
	text = b.must("Uresp", `regulator draft gdpr-art33 --delay-reason "the processor told us on day 5"`)
	if !strings.Contains(text, "## Reasons for the delay (Art. 33(1))\n\nthe processor told us on day 5") || !strings.Contains(text, "nothing unknown") {
		t.Errorf("the reasons given are not in the draft, or something is still unknown:\n%s", text)
	}
}

// met says honestly which content the record shows as submitted: none
// when no draft was approved, and the approved one when a newer draft is
// still waiting for legal.
func TestRegulatorMetSaysWhichDraftWasRecorded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		lines []string
		want  string
		draft int
	}{
		{"none approved", []string{completeGDPRDraft}, "No regulator draft of gdpr-art33 was approved, so the record shows no submitted content", 0},
		{"newer unapproved", []string{completeGDPRDraft, "regulator approve gdpr-art33", `regulator draft gdpr-art33 --measures "more"`},
			"Recorded as submitted: regulator draft 1 (content sha256 ", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newRegulatorBoard(t, fullCompany)
			b.must("Uresp", "declare Customer DB exposed --aware 2026-11-26T09:00Z")
			b.must("Uresp", "facts jurisdictions=EU")
			for _, l := range tc.lines {
				user := "Uresp"
				if strings.HasPrefix(l, "regulator approve") {
					user = "Ulegal"
				}
				b.must(user, l+inc1)
			}
			text := b.must("Ulead", "met gdpr-art33 --ref DPC-1"+inc1)
			if !strings.Contains(text, tc.want) {
				t.Errorf("met reply does not say %q:\n%s", tc.want, text)
			}
			if tc.draft == 1 && !strings.Contains(text, "Draft 2 is newer and not approved") {
				t.Errorf("met reply does not warn about the newer draft:\n%s", text)
			}
			if o := b.obligation("INC-2026-0001", "gdpr-art33"); o.Draft != tc.draft {
				t.Errorf("met recorded draft %d, want %d", o.Draft, tc.draft)
			}
		})
	}
}
