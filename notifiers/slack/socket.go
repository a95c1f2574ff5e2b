package slack

import (
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode serves commands and interactions over Socket Mode (no public
// URL needed) until ctx is done. slack-go's client reconnects by itself when
// the connection drops or Slack asks it to; RunSocketMode returns early only
// if Slack refuses the app token. Each request is handled by the same code
// as over HTTP and acknowledged with the same payload.
func (b *Bot) RunSocketMode(ctx context.Context, sm *socketmode.Client) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- sm.RunContext(ctx) }()
	defer b.socketUp.Store(false)
	for {
		select {
		case <-ctx.Done():
			<-runErr
			return nil
		case err := <-runErr:
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		case evt := <-sm.Events:
			b.socketEvent(sm, evt)
		}
	}
}

func (b *Bot) socketEvent(sm *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		b.socketUp.Store(true)
		b.log.Info("slack: socket mode connected")
	case socketmode.EventTypeConnecting:
		b.socketUp.Store(false)
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		b.socketUp.Store(false)
		b.log.Warn("slack: socket mode connection trouble; reconnecting", "event", string(evt.Type))
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("slack: SLACK_APP_TOKEN was refused")
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
		if evt.Request == nil {
			return
		}
		req := *evt.Request
		var (
			trigger string
			run     func() any
		)
		switch data := evt.Data.(type) {
		case slack.SlashCommand:
			trigger, run = data.TriggerID, func() any { return b.acknowledge(data) }
		case slack.InteractionCallback:
			trigger, run = data.TriggerID, func() any { return b.interaction(data) }
		default:
			_ = sm.Ack(req)
			return
		}
		b.spawn(func(context.Context) {
			keys := []string{"envelope:" + req.EnvelopeID, ""}
			if trigger != "" {
				keys[1] = "trigger:" + trigger
			}
			fresh := b.seen.claim(keys, []time.Duration{triggerTTL, triggerTTL})
			if !fresh[0] || !fresh[1] {
				b.log.Info("slack retry of a request already handled; not run again", "retry", req.RetryAttempt)
				_ = sm.Ack(req)
				return
			}
			ack := run()
			if ack == nil || isNilPointer(ack) {
				ack = nil
			}
			if err := sm.Ack(req, ack); err != nil {
				b.log.Error("slack: acknowledgement not sent", "err", err)
			}
		})
	case socketmode.EventTypeEventsAPI:
		if evt.Request != nil {
			_ = sm.Ack(*evt.Request)
		}
		if data, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			b.event(data)
		}
	}
}

// event handles an Events API event (app_home_opened; others are ignored).
func (b *Bot) event(e slackevents.EventsAPIEvent) {
	switch ev := e.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		b.appHomeOpened(ev)
	case slackevents.AppHomeOpenedEvent:
		b.appHomeOpened(&ev)
	}
}
