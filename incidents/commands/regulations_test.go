package commands_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/playbooks"
)

func TestRegulationsCommand(t *testing.T) {
	t.Parallel()
	b := newBoard(t, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	cat, err := playbooks.BuiltinCatalog()
	if err != nil {
		t.Fatal(err)
	}

	text := b.must("Uresp", "regulations list")
	mustContain(t, text, fmt.Sprintf("%d regulations in catalog %s", len(cat.Rules), cat.Ref.Version),
		"gdpr-art33 · EU · 72 hours after awareness", "details: /breach regulations show ID")
	for _, r := range cat.Rules {
		if !strings.Contains(text, r.ID+" · ") {
			t.Errorf("regulations list does not show %s", r.ID)
		}
	}

	text = b.must("Uresp", "regulations list --jurisdiction de")
	mustContain(t, text, "regulations for DE", "gdpr-art33 · EU")
	if strings.Contains(text, "US-CA") {
		t.Errorf("regulations for DE show a Californian rule:\n%s", text)
	}

	text = b.must("Uresp", "regulation show GDPR-ART33")
	mustContain(t, text, "gdpr-art33: GDPR Art. 33", "Deadline: 72 hours after awareness", "Jurisdiction: EU",
		"in a playbook: obligations: [{regulation: gdpr-art33}]")

	text, ok := b.run("Uresp", "regulations show gdpr-art3")
	if ok {
		t.Fatalf("show of an unknown id succeeded:\n%s", text)
	}
	mustContain(t, text, `there is no regulation "gdpr-art3"`, "did you mean gdpr-art33 or gdpr-art34?")

	text, ok = b.run("Uresp", "regulations list --jurisdiction Germany!")
	if ok {
		t.Fatalf("a bad jurisdiction was accepted:\n%s", text)
	}
	mustContain(t, text, `"Germany!" is not a jurisdiction code`, "--jurisdiction DE")

	text, ok = b.run("Uresp", "regulations frobnicate")
	if ok {
		t.Fatalf("an unknown action was accepted:\n%s", text)
	}
	mustContain(t, text, `unknown regulations action "frobnicate"`, "/breach regulations list")
}
