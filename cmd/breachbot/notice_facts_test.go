package main

import (
	"strings"
	"testing"
)

// A notice to people in the EU cannot be submitted while high_risk is
// unknown: whether it must carry GDPR Art. 34(2)'s content depends on it. The
// draft names the fact and what it would add; a recorded yes makes that
// content required, and only a recorded no leaves it out. A draft made
// before a content rule applied cannot be submitted either.
func TestAMissingFactNeverShortensANotice(t *testing.T) {
	e := newNoticeEnv(t, "")
	csv := e.file("customers.csv", customers) // one of them lives in DE
	out := e.console("U_RESP",
		"/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach facts data=email,password_hash encrypted=no",
		"/breach notice import "+csv,
		draftLine,
		"/breach notice submit",
	)
	mustContain(t, out,
		"Cannot be submitted yet: facts to settle first",
		"high_risk: decides whether gdpr-art34 (Regulation (EU) 2016/679 Art. 34) applies to 1 of its people",
		"if it does, the notice must also give: in clear and plain language, the nature of the breach; name and contact details of the DPO or other contact point; likely consequences of the breach",
		"Error: notice N1 cannot be submitted: whether it must carry the content of gdpr-art34 depends on high_risk, which is not recorded",
		"Try: record it (/breach facts high_risk=yes or =no), then /breach notice draft again",
	)
	if strings.Contains(out, "is submitted") {
		t.Fatalf("a notice was submitted while high_risk was unknown:\n%s", out)
	}

	// Yes: GDPR's content is now required; the old draft cannot go.
	out = e.console("U_RESP",
		"/breach facts high_risk=yes --incident INC-2026-0001",
		"/breach notice submit N1",
		draftLine,
		"/breach notice submit",
		draftLine+` --consequences "Someone may try your password elsewhere." --consequences.de "Jemand könnte Ihr Passwort anderswo ausprobieren."`,
		"/breach notice submit",
	)
	mustContain(t, out,
		"Error: notice N1 was drafted before gdpr-art34 applied, so it may lack content that rule requires",
		"Missing before it can be submitted: likely_consequences",
		"Error: notice N2 is missing content: 1 person in DE needs likely_consequences.de",
		"Notice N3 of INC-2026-0001 is submitted",
	)
}
