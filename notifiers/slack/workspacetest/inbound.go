package workspacetest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sign returns the X-Slack-Signature of a body sent at ts, exactly as Slack
// computes it: "v0=" + hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body)).
func Sign(secret string, ts time.Time, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", ts.Unix(), body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Request builds a POST of a form body signed with secret at ts, as Slack
// sends slash commands and interactions.
func Request(target, secret string, ts time.Time, body string) *http.Request {
	r, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	r.Header.Set("X-Slack-Signature", Sign(secret, ts, body))
	return r
}

// Command is a slash command invocation.
type Command struct {
	User, Channel, Text, ResponseURL, TriggerID string
}

// Form returns the command as Slack posts it (the documented fields of a
// slash command request).
func (c Command) Form() url.Values {
	return url.Values{
		"token": {"gIkuvaNzQIHg97ATvDxqgjtO"}, "team_id": {"T0TEST"}, "team_domain": {"example"},
		"enterprise_id": {""}, "enterprise_name": {""}, "channel_id": {c.Channel}, "channel_name": {"privategroup"},
		"user_id": {c.User}, "user_name": {strings.ToLower(c.User)}, "command": {"/breach"}, "text": {c.Text},
		"api_app_id": {"A0BREACH"}, "is_enterprise_install": {"false"},
		"response_url": {c.ResponseURL}, "trigger_id": {c.TriggerID},
	}
}

// Payload returns the command as a Socket Mode slash_commands payload.
func (c Command) Payload() map[string]string {
	out := map[string]string{}
	for k, v := range c.Form() {
		out[k] = v[0]
	}
	return out
}

// Click is a button press (block_actions) on a message.
type Click struct {
	User, Channel, MessageTS, ResponseURL, TriggerID string
	ActionID, Value, Label                           string
}

// Payload returns the block_actions payload as Slack sends it.
func (c Click) Payload() map[string]any {
	return map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": c.User, "username": strings.ToLower(c.User), "name": strings.ToLower(c.User), "team_id": "T0TEST"},
		"api_app_id": "A0BREACH", "token": "gIkuvaNzQIHg97ATvDxqgjtO",
		"container":  map[string]any{"type": "message", "message_ts": c.MessageTS, "channel_id": c.Channel, "is_ephemeral": false},
		"trigger_id": c.TriggerID, "team": map[string]any{"id": "T0TEST", "domain": "example"},
		"enterprise": nil, "is_enterprise_install": false,
		"channel":      map[string]any{"id": c.Channel, "name": "privategroup"},
		"message":      map[string]any{"type": "message", "ts": c.MessageTS, "user": BotUserID, "text": "breachbot"},
		"state":        map[string]any{"values": map[string]any{}},
		"response_url": c.ResponseURL,
		"actions": []any{map[string]any{
			"action_id": c.ActionID, "block_id": "actions-1", "type": "button", "value": c.Value,
			"text":      map[string]any{"type": "plain_text", "text": c.Label, "emoji": true},
			"action_ts": "1764000000.123456",
		}},
	}
}

// Submission is a modal submitted (view_submission).
type Submission struct {
	User, TriggerID string
	View            View
	// Values by block id (= action id): strings for text inputs and
	// selects, time.Time for date-time pickers, space-separated file ids
	// for file inputs.
	Values map[string]any
}

// Payload returns the view_submission payload as Slack sends it, with the
// state values shaped by the input type of each block of the view.
func (s Submission) Payload() map[string]any {
	var view struct {
		Blocks []struct {
			BlockID string `json:"block_id"`
			Element struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
			} `json:"element"`
		} `json:"blocks"`
	}
	_ = json.Unmarshal(s.View.View, &view)
	values := map[string]any{}
	for _, b := range view.Blocks {
		v, ok := s.Values[b.BlockID]
		if !ok || b.Element.ActionID == "" {
			continue
		}
		var state map[string]any
		switch b.Element.Type {
		case "static_select":
			state = map[string]any{"type": "static_select", "selected_option": map[string]any{
				"text": map[string]any{"type": "plain_text", "text": v, "emoji": true}, "value": v}}
		case "datetimepicker":
			state = map[string]any{"type": "datetimepicker", "selected_date_time": v.(time.Time).Unix()}
		case "file_input":
			// The ids of uploaded files (Workspace.UserUpload), as Slack
			// gives them: file objects without their content.
			var files []any
			for _, id := range strings.Fields(v.(string)) {
				files = append(files, map[string]any{"id": id, "mode": "hosted", "filetype": "csv"})
			}
			state = map[string]any{"type": "file_input", "files": files}
		default:
			state = map[string]any{"type": b.Element.Type, "value": v}
		}
		values[b.BlockID] = map[string]any{b.Element.ActionID: state}
	}
	var raw map[string]any
	_ = json.Unmarshal(s.View.View, &raw)
	raw["id"], raw["team_id"], raw["hash"] = s.View.ID, "T0TEST", "1764000000.abcdef"
	raw["state"] = map[string]any{"values": values}
	return map[string]any{
		"type": "view_submission", "team": map[string]any{"id": "T0TEST", "domain": "example"},
		"user":       map[string]any{"id": s.User, "username": strings.ToLower(s.User), "name": strings.ToLower(s.User), "team_id": "T0TEST"},
		"api_app_id": "A0BREACH", "token": "gIkuvaNzQIHg97ATvDxqgjtO", "trigger_id": s.TriggerID,
		"view": raw, "response_urls": []any{}, "is_enterprise_install": false, "enterprise": nil,
	}
}

// InteractionForm wraps an interaction payload as Slack posts it: the JSON
// in the "payload" form field.
func InteractionForm(payload map[string]any) url.Values {
	data, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	return url.Values{"payload": {string(data)}}
}
