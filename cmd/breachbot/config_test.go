package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConfigErrorsInPlainWords: every problem of a config file is named at
// once, with the file and line, in words a person reads, never Go's type
// names.
func TestConfigErrorsInPlainWords(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"misspelt key", "db: x.db\nlog_level: info\nrole:\n  legal: [U01]\n",
			[]string{`breachbot.yaml:3: unknown key "role"; did you mean "roles"?`}},
		{"a role given one id, not a list; a number that is a word; a nested misspelling",
			"roles:\n  leads: [U01LEAD]\n\n  legal:\n    dpo: U02\nsmtp_connections: four\ncompany:\n  nmae: Acme\n",
			[]string{
				"breachbot.yaml:5: roles.legal must be a list of Slack ids, like [U01ABC, S02DEF]",
				"breachbot.yaml:6: smtp_connections must be a whole number, like 4",
				`breachbot.yaml:8: unknown key "company.nmae"; did you mean "company.name"?`,
			}},
		{"roles as a list", "roles: [U01, U02]\n",
			[]string{"breachbot.yaml:1: roles must be keys with values, like roles: {responders: [S01ONCALL], leads: [U01LEAD], legal: [U02DPO]}"}},
		{"a secret in the file", "slack_bot_token: xoxb-1234\n",
			[]string{"breachbot.yaml:1: slack_bot_token is a secret, and secrets never come from the config file: set SLACK_BOT_TOKEN in the environment"}},
		{"text given a list; a key twice", "db: [a, b]\ndb: c\n",
			[]string{"breachbot.yaml:1: db must be a single value (text), not a list or keys", "breachbot.yaml:2: db is given twice; keep one"}},
		{"bad YAML", "roles:\n  legal: [U01\nleads: x\n",
			[]string{"breachbot.yaml:"}},
		{"a board refresh that is not a duration, or too often", "roles:\n  leads: [U01]\nboard_refresh: often\n",
			[]string{`breachbot.yaml:3: board_refresh: "often" is not a duration of a second or more, like 5m`}},
		{"file problems and value problems together", "roles:\n  legall: [U01]\nretention: soon\nsmtp_rate: fast\n",
			[]string{`breachbot.yaml:2: roles: unknown role "legall"`, `breachbot.yaml:3: retention: "soon" is not a duration`, "breachbot.yaml:4: smtp_rate must be a number of messages per second, like 50"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			wd, _ := os.Getwd()
			os.Chdir(dir)
			defer os.Chdir(wd)
			os.WriteFile(filepath.Join(dir, "breachbot.yaml"), []byte(tt.yaml), 0o600)
			_, err := LoadConfig("", func(string) string { return "" })
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if n := strings.Count(msg, "\n  "); n != len(tt.want) {
				t.Errorf("%d problems named, want %d:\n%s", n, len(tt.want), msg)
			}
			for _, goWords := range []string{"!!", "unmarshal", "map[", "[]string", "int64", "float64", "yaml: line"} {
				if strings.Contains(msg, goWords) {
					t.Errorf("error speaks Go (%q):\n%s", goWords, msg)
				}
			}
		})
	}
}

// TestConfigFileIsReadAsBefore reads a config using every kind of key.
func TestConfigFileIsReadAsBefore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "breachbot.yaml")
	os.WriteFile(path, []byte(`# breachbot.yaml
db: /var/lib/breachbot/breachbot.db
time_zone: Europe/Berlin
roles:
  responders: [S01ONCALL]
  leads: [U01LEAD]
  legal: [U02DPO, S02LEGAL]
permissions:
  export: [legal]
company:
  name: Acme Corp
  contact_phone: "+1 800 555 0100"
users: {U01LEAD: lead@acme.example}
smtp_connections: 4
smtp_rate: 50.5
import_max_bytes: 2147483648
retention: 90d
log_level:
`), 0o600)
	cfg, err := LoadConfig(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	got := []any{cfg.DB, cfg.TimeZone, cfg.Roles, cfg.Permissions, cfg.Company.Name, cfg.Company.ContactPhone, cfg.Users, cfg.SMTPConnections, cfg.SMTPRate, cfg.ImportMaxBytes, cfg.Retention, cfg.LogLevel}
	want := []any{"/var/lib/breachbot/breachbot.db", "Europe/Berlin",
		map[string][]string{"responders": {"S01ONCALL"}, "leads": {"U01LEAD"}, "legal": {"U02DPO", "S02LEGAL"}},
		map[string][]string{"export": {"legal"}}, "Acme Corp", "+1 800 555 0100", map[string]string{"U01LEAD": "lead@acme.example"},
		4, 50.5, int64(2147483648), "90d", "info"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
}
