package incidents_test

import (
	"regexp"
	"testing"

	"github.com/breachbot/breachbot/incidents"
)

// The reference a customer quotes on the phone is short, names the company
// and the notice, stays the same for the same notice, and has no
// characters that read alike (0/O, 1/I/L, 5/S, 8/B, 2/Z, U/V).
func TestNoticeRefIsShortStableAndUnambiguous(t *testing.T) {
	a := incidents.NoticeRef("Acme Corp", "INC-2026-0001", "N1")
	if a != incidents.NoticeRef("Acme Corp", "INC-2026-0001", "N1") {
		t.Fatal("the reference of one notice changed between calls")
	}
	if !regexp.MustCompile(`^ACME-[34679ACDEFGHJKMNPQRTWXY]{4}-N1$`).MatchString(a) {
		t.Errorf("reference %q is not like ACME-7KQ4-N1", a)
	}
	if b := incidents.NoticeRef("Acme Corp", "INC-2026-0002", "N1"); b == a {
		t.Errorf("two incidents share the reference %q", a)
	}
	if c := incidents.NoticeRef("42 Ö", "INC-2026-0001", "N2"); !regexp.MustCompile(`^REF-.{4}-N2$`).MatchString(c) {
		t.Errorf("a company name without enough letters gives %q, want REF-....-N2", c)
	}
}
