package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	ghplaybooks "github.com/breachbot/breachbot/playbooks/github"
)

// Config is breachbot's configuration: a YAML file (--config, default
// breachbot.yaml if present) with environment overrides. Secrets never come
// from the YAML file itself: only from the environment or from files it names.
type Config struct {
	// Path is the file the config was read from ("" if none).
	Path string `yaml:"-"`

	DB        string `yaml:"db"`
	Playbooks string `yaml:"playbooks"`
	HTTPAddr  string `yaml:"http_addr"`
	Outbox    string `yaml:"outbox"`
	// TimeZone reads times typed without a zone; empty refuses them.
	TimeZone string `yaml:"time_zone"`
	LogLevel string `yaml:"log_level"`

	// MetricsAddr is where `serve` serves GET /metrics, apart from
	// HTTPAddr (which Slack must reach); "off" or empty: not served.
	MetricsAddr string `yaml:"metrics_addr"`
	// AnnounceChannel is a Slack channel id told that a confidential
	// incident was declared, naming nothing of it; empty: none.
	AnnounceChannel string `yaml:"announce_channel"`
	// BoardRefresh is how often serve brings the pinned deadlines boards
	// of open incidents up to date, so relative times stay true ("5m";
	// default 5m).
	BoardRefresh string `yaml:"board_refresh"`

	// Roles lists Slack user or user-group ids per role.
	Roles       map[string][]string `yaml:"roles"`
	Permissions map[string][]string `yaml:"permissions"`
	// Names gives staff display names by user id ({U01RESP: Rita
	// Responder}): the console and exports show them (Slack's own profile
	// names are used in serve when a user is not listed). No secrets.
	Names map[string]string `yaml:"names"`

	// Secret files: each names a file whose content is the secret.
	EncryptionKeyFile string `yaml:"encryption_key_file"`
	SMTPPasswordFile  string `yaml:"smtp_password_file"`

	SMTPAddr     string `yaml:"smtp_addr"`
	SMTPUsername string `yaml:"smtp_username"`
	SMTPFrom     string `yaml:"smtp_from"`
	SMTPTLS      string `yaml:"smtp_tls"`
	// SMTPConnections is how many connections send notices at once;
	// SMTPRate the most messages per second (0: no limit); SMTPTimeout
	// bounds every read and write ("60s").
	SMTPConnections int     `yaml:"smtp_connections"`
	SMTPRate        float64 `yaml:"smtp_rate"`
	SMTPTimeout     string  `yaml:"smtp_timeout"`
	// NoticeWindow fixes how many recipients the sender claims ahead of
	// the connections. At 0 (the default) the window starts at eight per
	// connection and doubles, up to 128 per connection, only when the
	// connections ran out of work while the database committed (a fast
	// local relay); a slow server keeps it small. After a power loss at
	// most the window of recipients are in doubt (after the process was
	// killed, at most one per connection); a smaller window means fewer
	// of them and, with a fast relay, slower sending.
	NoticeWindow int `yaml:"notice_window"`
	// ResendInDoubt (default true): after a restart, recipients whose
	// message was handed to the mail server without a reply recorded are
	// sent it again by themselves, with the same Message-ID (some may get
	// it twice). false leaves them in doubt, shown in notice status, until
	// someone runs /breach notice retry --in-doubt.
	ResendInDoubt bool `yaml:"resend_in_doubt"`
	// SandboxAddress receives every message of a drill's notices; without
	// it they are written as .eml files under the outbox folder.
	SandboxAddress string `yaml:"sandbox_address"`

	// Templates is a folder of notice templates overriding the shipped ones.
	Templates string `yaml:"templates"`
	// Company is the notifying organisation, as notices name it.
	Company CompanyConfig `yaml:"company"`
	// Users maps a user id to their own e-mail address (for test messages).
	Users map[string]string `yaml:"users"`
	// ImportMaxBytes caps an affected-people CSV (default 2 GiB).
	ImportMaxBytes int64 `yaml:"import_max_bytes"`
	// Retention is how long after an incident closes its affected people's
	// data is kept ("90d", "2160h"); empty keeps it until purged by hand
	// (breachbot notice purge INCIDENT).
	Retention string `yaml:"retention"`
	// GitHubTracking is OWNER/REPO, a private repository where each
	// incident is tracked in an issue (id and severity, no personal data);
	// empty tracks nothing. Needs GITHUB_TOKEN.
	GitHubTracking string `yaml:"github_tracking"`

	// Secrets, from the environment (or the files above) only.
	EncryptionKey       string `yaml:"-"`
	SlackBotToken       string `yaml:"-"`
	SlackSigningSecret  string `yaml:"-"`
	SlackAppToken       string `yaml:"-"`
	SlackAPIURL         string `yaml:"-"`
	SMTPPassword        string `yaml:"-"`
	GitHubToken         string `yaml:"-"`
	GitHubAPIURL        string `yaml:"-"`
	GitHubWebhookSecret string `yaml:"-"`

	zone *time.Location
	// lines is where the config file gave each key ("roles.legal": 5).
	lines map[string]int
	// encryptionKey is EncryptionKey decoded (nil if none is set).
	encryptionKey []byte
	smtpTimeout   time.Duration
	// outboxSet says outbox: (or BREACHBOT_OUTBOX) was named: only then
	// does serve write customer notices into that folder without a relay.
	outboxSet bool
	// serving is set by serve: without a relay or outboxSet, customer
	// notices are refused, never written into the default folder.
	serving      bool
	retention    time.Duration
	boardRefresh time.Duration
}

// CompanyConfig is the notifying organisation.
type CompanyConfig struct {
	Name          string `yaml:"name"`
	ContactEmail  string `yaml:"contact_email"`
	ContactPhone  string `yaml:"contact_phone"`
	Website       string `yaml:"website"`
	PostalAddress string `yaml:"postal_address"`
	DPO           string `yaml:"dpo"`
	// TollFreePhone is a number to print as toll-free (HIPAA 164.404(c)(1)(E))
	// when contact_phone is not a NANP toll-free number.
	TollFreePhone string `yaml:"toll_free_phone"`
}

// DefaultConfig returns the configuration used when nothing is set.
func DefaultConfig() Config {
	return Config{
		ResendInDoubt: true,
		DB:            "breachbot.db",
		HTTPAddr:      ":8080",
		Outbox:        "outbox",
		SMTPTLS:       "starttls",
		LogLevel:      "info",

		// Metrics stay on the machine unless the config says otherwise.
		MetricsAddr: "127.0.0.1:9090",
	}
}

// LoadConfig reads the config file (path "" means breachbot.yaml if it
// exists) and applies environment overrides through getenv.
func LoadConfig(path string, getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	cfg.Outbox = "" // set below: is it named explicitly?
	var fileProblems []string
	explicit := path != ""
	if !explicit {
		path = "breachbot.yaml"
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		// No config file: defaults and environment.
	case err != nil:
		return cfg, fmt.Errorf("read config %s: %w", path, err)
	default:
		fileProblems = decodeConfigFile(path, data, &cfg)
		cfg.Path = path
	}
	for env, dst := range map[string]*string{
		"BREACHBOT_DB": &cfg.DB, "BREACHBOT_PLAYBOOKS": &cfg.Playbooks, "BREACHBOT_HTTP_ADDR": &cfg.HTTPAddr,
		"BREACHBOT_OUTBOX": &cfg.Outbox, "BREACHBOT_ENCRYPTION_KEY": &cfg.EncryptionKey,
		"SLACK_BOT_TOKEN": &cfg.SlackBotToken, "SLACK_SIGNING_SECRET": &cfg.SlackSigningSecret,
		"SLACK_APP_TOKEN": &cfg.SlackAppToken, "SLACK_API_URL": &cfg.SlackAPIURL,
		"SMTP_ADDR": &cfg.SMTPAddr, "SMTP_USERNAME": &cfg.SMTPUsername, "SMTP_PASSWORD": &cfg.SMTPPassword,
		"SMTP_FROM": &cfg.SMTPFrom, "SMTP_TLS": &cfg.SMTPTLS, "BREACHBOT_TEMPLATES": &cfg.Templates,
		"GITHUB_TOKEN": &cfg.GitHubToken, "GITHUB_API_URL": &cfg.GitHubAPIURL, "GITHUB_WEBHOOK_SECRET": &cfg.GitHubWebhookSecret,
		"BREACHBOT_METRICS_ADDR": &cfg.MetricsAddr,
	} {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
	if cfg.outboxSet = cfg.Outbox != ""; !cfg.outboxSet {
		cfg.Outbox = DefaultConfig().Outbox
	}
	for file, dst := range map[string]*string{cfg.EncryptionKeyFile: &cfg.EncryptionKey, cfg.SMTPPasswordFile: &cfg.SMTPPassword} {
		if file == "" || *dst != "" {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return cfg, fmt.Errorf("read secret file %s: %w", file, err)
		}
		*dst = strings.TrimSpace(string(b))
	}
	// Before cfg is returned: validating fills in derived fields. The
	// file's problems and the values' are reported together.
	err = cfg.report(append(fileProblems, cfg.problems()...))
	return cfg, err
}

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	return c.report(c.problems())
}

// report turns problems into one error naming the config file, or nil.
func (c *Config) report(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	where := "configuration"
	if c.Path != "" {
		where = c.Path
	}
	return fmt.Errorf("%s has %d problem(s):\n  %s", where, len(problems), strings.Join(problems, "\n  "))
}

// problems lists what is wrong with the values of the configuration and
// fills in the fields derived from them.
func (c *Config) problems() []string {
	var problems []string
	for role, ids := range c.Roles {
		valid := false
		for _, r := range incidents.AllRoles {
			valid = valid || r == role
		}
		if !valid {
			problems = append(problems, c.at("roles."+role)+fmt.Sprintf("roles: unknown role %q (use %s)", role, strings.Join(incidents.AllRoles, ", ")))
		}
		for _, id := range ids {
			if strings.TrimSpace(id) == "" {
				problems = append(problems, c.at("roles."+role)+fmt.Sprintf("roles.%s: an empty user id", role))
			}
		}
	}
	if len(c.Permissions) > 0 {
		if err := incidents.Permissions(c.Permissions).Validate(); err != nil {
			problems = append(problems, incidents.ErrorMessage(err))
		}
	}
	if c.TimeZone != "" {
		z, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			problems = append(problems, c.at("time_zone")+fmt.Sprintf("time_zone: %q is not an IANA time zone (e.g. Europe/Berlin)", c.TimeZone))
		}
		c.zone = z
	}
	switch c.SMTPTLS {
	case "starttls", "tls", "none":
	default:
		problems = append(problems, fmt.Sprintf("SMTP_TLS / smtp_tls: %q is not starttls, tls or none", c.SMTPTLS))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, c.at("log_level")+fmt.Sprintf("log_level: %q is not debug, info, warn or error", c.LogLevel))
	}
	if strings.HasPrefix(c.Playbooks, ghplaybooks.SpecPrefix) {
		if _, err := ghplaybooks.ParseRepoSpec(c.Playbooks); err != nil {
			problems = append(problems, fmt.Sprintf("playbooks / BREACHBOT_PLAYBOOKS: %s; %s", incidents.ErrorMessage(err), incidents.ErrorHint(err)))
		}
	}
	if c.AnnounceChannel != "" && (!strings.ContainsRune("CG", rune(c.AnnounceChannel[0])) || strings.ToUpper(c.AnnounceChannel) != c.AnnounceChannel) {
		problems = append(problems, fmt.Sprintf("announce_channel: %q is not a Slack channel id (C…; in Slack: channel details, at the bottom)", c.AnnounceChannel))
	}
	if c.DB == "" {
		problems = append(problems, "db: empty (set BREACHBOT_DB or db: in the config file)")
	}
	c.encryptionKey = nil
	if c.EncryptionKey != "" {
		key, err := boltstore.ParseKey(c.EncryptionKey)
		if err != nil {
			problems = append(problems, "BREACHBOT_ENCRYPTION_KEY / encryption_key_file: "+err.Error())
		}
		c.encryptionKey = key
	}
	if c.SMTPConnections < 0 || c.SMTPConnections > 64 {
		problems = append(problems, c.at("smtp_connections")+fmt.Sprintf("smtp_connections: %d is not between 1 and 64", c.SMTPConnections))
	}
	if c.NoticeWindow < 0 || c.NoticeWindow > 10000 {
		problems = append(problems, c.at("notice_window")+fmt.Sprintf("notice_window: %d is not between 1 and 10000", c.NoticeWindow))
	}
	if c.SMTPRate < 0 {
		problems = append(problems, c.at("smtp_rate")+fmt.Sprintf("smtp_rate: %v is negative", c.SMTPRate))
	}
	c.smtpTimeout = 0
	if c.SMTPTimeout != "" {
		d, err := time.ParseDuration(c.SMTPTimeout)
		if err != nil || d <= 0 {
			problems = append(problems, c.at("smtp_timeout")+fmt.Sprintf("smtp_timeout: %q is not a duration like 60s", c.SMTPTimeout))
		}
		c.smtpTimeout = d
	}
	c.boardRefresh = 5 * time.Minute
	if c.BoardRefresh != "" {
		d, err := time.ParseDuration(c.BoardRefresh)
		if err != nil || d < time.Second {
			problems = append(problems, c.at("board_refresh")+fmt.Sprintf("board_refresh: %q is not a duration of a second or more, like 5m", c.BoardRefresh))
		}
		c.boardRefresh = d
	}
	c.retention = 0
	if c.Retention != "" {
		d, err := parseRetention(c.Retention)
		if err != nil {
			problems = append(problems, c.at("retention")+fmt.Sprintf("retention: %q is not a duration like 90d or 2160h", c.Retention))
		}
		c.retention = d
	}
	if c.SMTPAddr != "" && c.SMTPFrom == "" {
		problems = append(problems, "SMTP_FROM / smtp_from: notices need a sender address when SMTP_ADDR is set")
	}
	if c.SandboxAddress != "" {
		if _, err := incidents.NormalizeAddress(c.SandboxAddress); err != nil {
			problems = append(problems, c.at("sandbox_address")+"sandbox_address: "+incidents.ErrorMessage(err))
		}
	}
	if c.GitHubTracking != "" {
		owner, repo, ok := strings.Cut(c.GitHubTracking, "/")
		if !ok || owner == "" || repo == "" || strings.ContainsAny(repo, "/ ") || strings.Contains(owner, " ") {
			problems = append(problems, c.at("github_tracking")+fmt.Sprintf("github_tracking: %q is not OWNER/REPO (e.g. acme/breaches)", c.GitHubTracking))
		} else if c.GitHubToken == "" {
			problems = append(problems, c.at("github_tracking")+"github_tracking: set GITHUB_TOKEN, with access to the issues of "+c.GitHubTracking)
		}
	}
	for user, addr := range c.Users {
		if _, err := incidents.NormalizeAddress(addr); err != nil {
			problems = append(problems, c.at("users."+user)+fmt.Sprintf("users.%s: %s", user, incidents.ErrorMessage(err)))
		}
	}
	return problems
}

// metricsOn reports whether `serve` serves metrics (on MetricsAddr).
func (c *Config) metricsOn() bool { return c.MetricsAddr != "" && c.MetricsAddr != "off" }

// roleResolver returns the roles of a user from the config: exactly the
// roles that list the user's id. Without any roles configured, every user
// has every role (the console's first run). The data commands' local
// administrator holds every role by incidents.AsLocalAdministrator, not by
// a name.
func (c *Config) roleResolver() incidents.RoleResolver {
	if len(c.Roles) == 0 {
		return incidents.EveryRole
	}
	return incidents.RoleResolverFunc(func(_ context.Context, user string) ([]string, error) {
		var out []string
		for _, role := range incidents.AllRoles {
			for _, id := range c.Roles[role] {
				if id == user {
					out = append(out, role)
					break
				}
			}
		}
		return out, nil
	})
}

// at is "file:line: " for a key the config file gave, else "" (a value
// from the environment or the defaults).
func (c *Config) at(key string) string {
	if line, ok := c.lines[key]; ok && c.Path != "" {
		return fmt.Sprintf("%s:%d: ", c.Path, line)
	}
	return ""
}

func parseRetention(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != days {
			return 0, fmt.Errorf("bad days")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad duration")
	}
	return d, nil
}
