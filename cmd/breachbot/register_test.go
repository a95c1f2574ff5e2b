package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata and the README quick start's output from the current output")

// registerSteps are the steps of the personal-data-breach playbook, all of
// which must be done before an incident closes.
var registerSteps = []string{"triage", "assign-roles", "preserve-evidence", "contain", "processor-notice", "scope",
	"processor-report", "law-enforcement", "risk-assessment", "support-prep", "regulator-notices", "customer-notices",
	"partner-notices", "eradicate-recover", "documentation", "lessons-learned"}

// The breach register lists every incident with its Art. 33(5) fields: one
// notified late to the authority and by notice to the people, one closed
// without notification, a drill, marked, and a misdirected email whose
// notify decision is recorded for DE and still open for FR. It is checked against golden
// files in each format, and names none of the people imported.
func TestRegisterListsEveryIncidentInEachFormat(t *testing.T) {
	e := newNoticeEnv(t, "")
	people := e.file("customers.csv", customers)
	e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-20T09:00:00Z",
		factsLine+" entity=none extortion_payment=no",
		"/breach notice import "+people,
		draftLine,
		"/breach notice submit")
	e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice test --confirm", "/breach notice send")
	e.console("U_LEGAL1",
		`/breach met gdpr-art33 --ref DPC-2026-118 --delay-reason "the scope took forensics six days to confirm" --incident INC-2026-0001`,
		`/breach met ca-residents --ref "notice N1"`,
		`/breach waive ny-gbl "one New York resident, told by notice N1; counsel confirms no separate notice"`,
		`/breach met ny-ag --ref "NY AG web form"`)

	closing := []string{
		"/breach declare Laptop lost --aware 2026-11-27T09:00:00Z --severity low",
		"/breach facts jurisdictions=US-TX affected=3 data=email encrypted=yes entity=none extortion_payment=no",
	}
	for _, s := range registerSteps {
		closing = append(closing, "/breach step done "+s)
	}
	e.console("U_LEAD", append(closing, "/breach close")...)
	e.console("U_RESP", `/breach drill Ransomware tabletop --aware 2026-11-28T10:00Z --facts "jurisdictions=EU affected=100"`)
	e.console("U_RESP",
		"/breach declare Payroll sent to the wrong address --playbook misdirected-email --aware 2026-11-28T11:00:00Z",
		"/breach facts jurisdictions=DE,FR affected=1 data=name,bank_account encrypted=no entity=none extortion_payment=no",
		"/breach step done triage", "/breach step done recall-or-wipe", "/breach step done scope")
	e.console("U_LEGAL1", `/breach decide notify-decision no-notify --jurisdiction DE --reason "one known recipient confirmed deletion; low risk" --incident INC-2026-0004`)

	hex := regexp.MustCompile(`[0-9a-f]{64}`)
	for _, format := range []string{"csv", "json", "md"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := e.run("register", "--format", format)
			if code != 0 {
				t.Fatalf("register --format %s: exit %d: %s", format, code, errOut)
			}
			for _, secret := range []string{"alice", "Alice Anders", "bob@", "Bob Berger", "carol@", "Carol Chu", "example.com", "example.de", "broken-address"} {
				if strings.Contains(strings.ToLower(out), strings.ToLower(secret)) {
					t.Errorf("the register names an imported person: %q", secret)
				}
			}
			// The actor is the local user; a playbook hash changes with
			// every edit of the shipped playbooks.
			got := strings.ReplaceAll(out, cliActor(), "cli:USER")
			got = hex.ReplaceAllString(got, "SHA256")
			golden := filepath.Join("testdata", "register."+format)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -run TestRegister -update writes it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("register --format %s differs from %s (-want +got):\n%s", format, golden, diff)
			}
		})
	}

	code, out, _ := e.run("register", "--format", "csv", "--since", "2026-11-27")
	if code != 0 || strings.Contains(out, "INC-2026-0001") || !strings.Contains(out, "INC-2026-0002") || !strings.Contains(out, "INC-2026-0003") || !strings.Contains(out, "INC-2026-0004") {
		t.Errorf("register --since 2026-11-27: exit %d; want INC-2026-0002 to 0004 only (aware from that day):\n%s", code, out)
	}
	code, _, errOut := e.run("register", "--format", "xlsx")
	if code == 0 || !strings.Contains(errOut, `unknown register format "xlsx"`) || !strings.Contains(errOut, "--format csv, --format json or --format md") {
		t.Errorf("register --format xlsx: exit %d, %s", code, errOut)
	}
	code, _, errOut = e.run("register", "--since", "last week")
	if code == 0 || !strings.Contains(errOut, `--since "last week" is not a date`) || !strings.Contains(errOut, "--since 2026-01-01") {
		t.Errorf("register --since \"last week\": exit %d, %s", code, errOut)
	}
}
