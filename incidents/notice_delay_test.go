package incidents

import (
	"testing"
)

// Whether law enforcement delayed the notice is a decision with three
// states: set by --law-enforcement-delay yes or no (alone: yes), kept by a
// later draft that does not say, cleared by "unknown", and each state is a
// different content hash (legal approves which one was said).
func TestLawEnforcementDelayIsStoredAndHashed(t *testing.T) {
	var c NoticeIncident
	state := func() string {
		switch {
		case c.LawEnforcementDelay == nil:
			return "unknown"
		case *c.LawEnforcementDelay:
			return "yes"
		}
		return "no"
	}
	hashes := map[string]string{}
	hash := func() string {
		n := Notice{Template: "breach-notice", Locale: "en", Data: NoticeData{Incident: c}}
		return n.ComputeContentHash()
	}
	hashes["unknown"] = hash()
	for _, step := range []struct{ value, want string }{
		{"no", "no"}, {"YES", "yes"}, {"", "yes"}, {"false", "no"}, {"unknown", "unknown"},
	} {
		if err := SetNoticeField(&c, FieldLawEnforcementDelay, step.value); err != nil {
			t.Fatalf("--law-enforcement-delay %q: %v", step.value, err)
		}
		if got := state(); got != step.want {
			t.Fatalf("after --law-enforcement-delay %q the delay is %s, want %s", step.value, got, step.want)
		}
		h := hash()
		if prev, ok := hashes[step.want]; ok && prev != h {
			t.Errorf("the same decision (%s) hashes differently", step.want)
		}
		hashes[step.want] = h
	}
	if hashes["unknown"] == hashes["no"] || hashes["no"] == hashes["yes"] || hashes["unknown"] == hashes["yes"] {
		t.Errorf("unknown, yes and no must be three different contents: %v", hashes)
	}
	// Bad input names what to type and leaves the decision as it was.
	if err := SetNoticeField(&c, FieldLawEnforcementDelay, "maybe"); err == nil || state() != "unknown" {
		t.Errorf("--law-enforcement-delay maybe: err = %v, delay %s; want refused, unchanged", err, state())
	} else if hint := ErrorMessage(err); hint == "" {
		t.Error("the refusal says nothing")
	}
}
