package slack_test

import (
	"strings"
	"testing"

	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// missedDM waits for the escalation direct message to user.
func (e *env) missedDM(user string) *workspacetest.Message {
	e.t.Helper()
	var dm *workspacetest.Message
	e.ws.WaitFor("the escalation to "+user, func() bool {
		c, ok := e.ws.DM(user)
		if !ok {
			return false
		}
		for _, m := range c.Messages {
			if strings.Contains(m.Text, "MISSED") {
				dm = m
				return true
			}
		}
		return false
	})
	return dm
}

// The lead named with a Slack mention is on the board, and a missed
// deadline's direct message goes to them before the other leads.
func TestEscalationGoesToTheIncidentLeadFirst(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	e.answer(alice, "C0GENERAL", `declare Customer DB exposed --aware 2026-11-25T09:00Z`)
	ch := e.declaredChannel("INC-2026-0001")
	e.waitOutboxEmpty()
	if got := e.answer(lead, ch.ID, "lead <@"+dpo+"|dana>"); !strings.Contains(got, "now leads INC-2026-0001") {
		t.Fatalf("lead: %s", got)
	}
	e.channelSays(ch.ID, "Lead: <@"+dpo+">")

	// GDPR's 72 hours ran out before the facts made it apply: missed at once.
	e.answer(bob, ch.ID, "facts jurisdictions=EU")
	first, other := e.missedDM(dpo), e.missedDM(lead)
	e.waitOutboxEmpty()
	if first.TS >= other.TS {
		t.Errorf("the other lead got the escalation (ts %s) before the incident's lead (ts %s)", other.TS, first.TS)
	}
	if _, ok := e.ws.DM(alice); ok {
		t.Error("the declarer, no longer the lead, was sent the escalation")
	}
}

// An update typed in the incident's channel is posted there, naming who
// wrote it; the person who typed it is told it was posted.
func TestUpdatePostedInTheIncidentChannel(t *testing.T) {
	e := newEnv(t, envOptions{background: true})
	e.answer(alice, "C0GENERAL", `declare Customer DB exposed`)
	ch := e.declaredChannel("INC-2026-0001")
	if got := e.answer(bob, ch.ID, "update Contained: the bucket is private again"); !strings.Contains(got, "Update posted to INC-2026-0001") {
		t.Fatalf("update: %s", got)
	}
	e.channelSays(ch.ID, "Update on INC-2026-0001 from <@"+bob+">")
	e.channelSays(ch.ID, "Contained: the bucket is private again")
}
