package main

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestFakeAnswersTheRealClient: the slack-go client breachbot uses gets
// answers it accepts from the fake, and -delay makes every call that slow.
func TestFakeAnswersTheRealClient(t *testing.T) {
	srv := httptest.NewServer(New(0))
	defer srv.Close()
	c := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"))
	ctx := context.Background()
	if r, err := c.AuthTestContext(ctx); err != nil || r.UserID != BotUserID {
		t.Fatalf("auth.test: %v %v", r, err)
	}
	ch, err := c.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: "inc-2026-0001", IsPrivate: true})
	if err != nil || ch.ID == "" {
		t.Fatalf("conversations.create: %v %v", ch, err)
	}
	if _, ts, err := c.PostMessageContext(ctx, ch.ID, slack.MsgOptionText("hello", false)); err != nil || ts == "" {
		t.Fatalf("chat.postMessage: %q %v", ts, err)
	}
	if u, err := c.GetUserInfoContext(ctx, "U0LEAD"); err != nil || u.ID != "U0LEAD" {
		t.Fatalf("users.info: %v %v", u, err)
	}
	if _, err := c.InviteUsersToConversationContext(ctx, ch.ID, "U0LEAD"); err != nil {
		t.Fatalf("conversations.invite: %v", err)
	}

	slow := httptest.NewServer(New(200 * time.Millisecond))
	defer slow.Close()
	t0 := time.Now()
	if _, err := slack.New("xoxb-test", slack.OptionAPIURL(slow.URL+"/api/")).AuthTestContext(ctx); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(t0); took < 200*time.Millisecond {
		t.Errorf("a call with -delay 200ms answered after %s", took)
	}
}
