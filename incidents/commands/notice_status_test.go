package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// A notice is shown as sent ([x], "sent") only when every recipient is
// settled. One recorded as sent by an earlier version while some were
// still in doubt is shown as not finished.
func TestNoticeStatusShowsSentOnlyWhenSettled(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	notice := func(id string, s incidents.SendState) *incidents.Notice {
		s.RequestedBy, s.RequestedAt, s.FinishedAt, s.Cursor, s.Total = "U_LEAD", at, at, 4, 3
		return &incidents.Notice{ID: id, State: incidents.NoticeSent, DraftedBy: "U_RESP", Recipients: incidents.RecipientSetRef{Count: 3}, Send: &s}
	}
	old := notice("N1", incidents.SendState{Sent: 2, InDoubt: 1})
	done := notice("N2", incidents.SendState{Sent: 3})
	res := &incidents.NoticeResult{Incident: &incidents.Incident{ID: "INC-2026-0001"}, Notices: []*incidents.Notice{old, done}, Notice: old}
	out := NoticeStatusReply(res, at).Text()
	for _, want := range []string{"[!] N1 · NOT finished: 1 in doubt, 0 not sent yet ·", "[x] N2 · sent ·",
		"sent 2 · failed permanently 0 · failed temporarily 0 · in doubt 1 ·"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "[x] N1") {
		t.Errorf("N1, with a recipient in doubt, is marked done:\n%s", out)
	}
}
