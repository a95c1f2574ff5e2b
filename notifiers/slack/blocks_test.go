package slack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/notifiers/slack"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestBlocksKeepSlackLimits renders replies too big for one Slack message:
// at most 50 blocks, no text over 3,000 characters, a header of at most 150,
// buttons with the action's id and value, and a visible note when cut.
func TestBlocksKeepSlackLimits(t *testing.T) {
	many := func(n int) commands.Section {
		var sec commands.Section
		for i := range n {
			sec.Items = append(sec.Items, commands.Item{Mark: commands.MarkOpen, Text: fmt.Sprintf("step-%d · Do thing %d (responders)", i, i),
				Actions: []commands.Action{{ID: "step_done", Label: "Done", Value: fmt.Sprintf("INC-2026-0001 step-%d", i), Style: "primary",
					Command: fmt.Sprintf("/breach step done step-%d", i)}}})
		}
		return sec
	}
	for _, tc := range []struct {
		name        string
		rep         *commands.Reply
		wantButtons int
		wantCut     bool
	}{
		{"small", &commands.Reply{Title: "INC-2026-0001 checklist", Sections: []commands.Section{many(3)}}, 3, false},
		{"too many buttons", &commands.Reply{Title: "INC-2026-0001 checklist", Sections: []commands.Section{many(40)}}, 24, false},
		{"long text", &commands.Reply{Title: strings.Repeat("T", 400), Sections: []commands.Section{{Heading: "Facts", Text: strings.Repeat("data_categories=email\n", 800)}}}, 0, false},
		{"too many sections", &commands.Reply{Title: "x", Sections: slices.Repeat([]commands.Section{{Text: strings.Repeat("a", 2999)}, {Note: "n"}}, 40)}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := json.Marshal(slack.Blocks(tc.rep))
			if err != nil {
				t.Fatal(err)
			}
			var blocks []map[string]any
			json.Unmarshal(data, &blocks)
			if len(blocks) > 50 {
				t.Errorf("%d blocks", len(blocks))
			}
			if h := blocks[0]["text"].(map[string]any)["text"].(string); utf8.RuneCountInString(h) > 150 {
				t.Errorf("header of %d characters", utf8.RuneCountInString(h))
			}
			for _, b := range blocks {
				texts := []any{b["text"]}
				if els, ok := b["elements"].([]any); ok {
					texts = append(texts, els...)
				}
				for _, x := range texts {
					if txt, ok := x.(map[string]any); ok {
						if s, ok := txt["text"].(string); ok && utf8.RuneCountInString(s) > 3000 {
							t.Errorf("a %s block with a text of %d characters", b["type"], utf8.RuneCountInString(s))
						}
					}
				}
			}
			buttons := workspacetest.Buttons(data)["step_done"]
			if len(buttons) != tc.wantButtons {
				t.Errorf("%d Done buttons, want %d", len(buttons), tc.wantButtons)
			}
			for i, v := range buttons {
				if want := fmt.Sprintf("INC-2026-0001 step-%d", i); v != want {
					t.Errorf("button %d value %q, want %q", i, v, want)
				}
			}
			if tc.name == "too many buttons" && !strings.Contains(string(data), "/breach step done step-39") {
				t.Errorf("items without their button lost the command to type instead")
			}
			if cut := strings.Contains(string(data), "shortened to fit"); cut != tc.wantCut {
				t.Errorf("cut note shown: %v, want %v", cut, tc.wantCut)
			}
		})
	}
}

// TestManifestDeclaresWhatTheBotUses reads slack-app-manifest.yaml.
func TestManifestDeclaresWhatTheBotUses(t *testing.T) {
	data, err := os.ReadFile("../../slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct{ Command, URL string } `yaml:"slash_commands"`
			AppHome       struct {
				HomeTab bool `yaml:"home_tab_enabled"`
			} `yaml:"app_home"`
		}
		OAuth struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				Enabled    bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			}
			SocketMode bool `yaml:"socket_mode_enabled"`
			Events     struct {
				RequestURL string   `yaml:"request_url"`
				BotEvents  []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
		}
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/breach" || !strings.HasSuffix(m.Features.SlashCommands[0].URL, "/slack/commands") {
		t.Errorf("slash commands %+v", m.Features.SlashCommands)
	}
	if !m.Settings.Interactivity.Enabled || !strings.HasSuffix(m.Settings.Interactivity.RequestURL, "/slack/interactions") || !m.Settings.SocketMode {
		t.Errorf("settings %+v", m.Settings)
	}
	if ev := m.Settings.Events; !m.Features.AppHome.HomeTab || !slices.Contains(ev.BotEvents, "app_home_opened") || !strings.HasSuffix(ev.RequestURL, "/slack/events") {
		t.Errorf("the App Home is not declared: home tab %v, events %+v", m.Features.AppHome.HomeTab, ev)
	}
	want := []string{"chat:write", "commands", "files:read", "files:write", "groups:history", "groups:read", "groups:write", "im:history", "im:write",
		"pins:write", "usergroups:read", "users:read", "users:read.email"}
	got := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bot scopes (-want +got):\n%s", diff)
	}
}
