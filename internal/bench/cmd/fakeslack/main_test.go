package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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

// TestFakeListsPostsWithTheirMetadataKey: a benchmark reads from
// /bench/posts which message left breachbot, where, when.
func TestFakeListsPostsWithTheirMetadataKey(t *testing.T) {
	srv := httptest.NewServer(New(0))
	defer srv.Close()
	c := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"))
	meta := slack.SlackMetadata{EventType: "breachbot", EventPayload: map[string]any{"key": "remind:INC-1:gdpr-art33:1"}}
	before := time.Now()
	if _, _, err := c.PostMessageContext(context.Background(), "C1", slack.MsgOptionText("due soon", false), slack.MsgOptionMetadata(meta)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/bench/posts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	f := strings.Fields(string(body))
	if len(f) != 3 || f[1] != "C1" || f[2] != "remind:INC-1:gdpr-art33:1" {
		t.Fatalf("/bench/posts = %q, want one line: time, C1, the key", body)
	}
	if ns, _ := strconv.ParseInt(f[0], 10, 64); ns < before.UnixNano() {
		t.Errorf("post time %d is before the post was sent (%d)", ns, before.UnixNano())
	}
}
