package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/notifiers/email"
	"github.com/breachbot/breachbot/notifiers/slack"
)

// startupChecks is what `serve` checks before it opens anything: the config
// (serveProblems), then against the live Slack workspace that the bot
// token works and that legal has at least one member (else no notice could
// ever be approved). Every problem is named at once. What cannot be known
// at the moment (Slack unreachable, a user group unreadable) is logged as a
// warning, never taken as a refusal. It fills dir's cache of user groups.
func startupChecks(ctx context.Context, cfg Config, client *slackapi.Client, dir *slack.Directory, log *slog.Logger) error {
	problems := cfg.serveProblems()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	slackOK := false
	if cfg.SlackBotToken != "" {
		problem, err := slack.CheckToken(ctx, client)
		switch {
		case err != nil:
			log.Warn("could not check SLACK_BOT_TOKEN: Slack did not answer auth.test; starting anyway", "err", err)
		case problem != "":
			problems = append(problems, problem)
		default:
			slackOK = true
		}
	}
	if slackOK && len(cfg.Roles) > 0 {
		if p := legalProblem(ctx, cfg, dir, log); p != "" {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("serve cannot start; %d problem(s):\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return nil
}

// legalProblem says why nobody holds the legal role, or "" if someone does
// or if it cannot be known now (a user group Slack did not let us read).
func legalProblem(ctx context.Context, cfg Config, dir *slack.Directory, log *slog.Logger) string {
	ids := cfg.Roles[incidents.RoleLegal]
	if len(ids) == 0 {
		return "roles.legal lists nobody, so no notice could ever be approved; add a Slack user (U…) or user-group (S…) id, e.g. legal: [U02DPO]"
	}
	refreshErr := dir.Refresh(ctx)
	if len(dir.Members(incidents.RoleLegal)) > 0 {
		if refreshErr != nil {
			log.Warn("some Slack user groups could not be read; their members hold no role until they can", "err", refreshErr)
		}
		return ""
	}
	if refreshErr != nil {
		log.Warn("could not read who is in legal's user groups; if nobody is, no notice can be approved", "groups", strings.Join(ids, ", "), "err", refreshErr)
		return ""
	}
	return fmt.Sprintf("roles.legal: the user group(s) %s have no members in Slack, so no notice could ever be approved; add people to the group or list a user id (U…) under legal", strings.Join(slices.Sorted(slices.Values(ids)), ", "))
}

// probeRelay checks the SMTP relay at start-up and says which relay
// notices go to, or that there is none. A relay that does not answer is a
// warning: sends are durable and wait for it.
func probeRelay(ctx context.Context, cfg Config, log *slog.Logger) {
	if cfg.SMTPAddr == "" {
		log.Info("no SMTP relay configured (SMTP_ADDR is not set)")
		return
	}
	err := email.Probe(ctx, email.Config{Addr: cfg.SMTPAddr, TLS: cfg.SMTPTLS, DialTimeout: 5 * time.Second})
	if err != nil {
		log.Warn("the SMTP relay does not answer as configured; notices wait until it does", "relay", cfg.SMTPAddr, "tls", cfg.SMTPTLS, "err", err)
		return
	}
	log.Info("SMTP relay answers", "relay", cfg.SMTPAddr, "tls", cfg.SMTPTLS)
}
