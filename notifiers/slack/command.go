package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// slashCommand handles /breach and returns what to acknowledge with (nil:
// an empty 200). A command that finishes within the ack budget is answered
// in the acknowledgement; a slower one, and anything big, is answered
// through response_url. `/breach declare` alone opens the declare form.
func (b *Bot) slashCommand(sc slack.SlashCommand) any {
	text := strings.TrimSpace(sc.Text)
	if w := strings.ToLower(text); w == "declare" || w == "new" {
		b.spawn(func(ctx context.Context) {
			if err := b.svc.Authorize(ctx, sc.UserID, incidents.ActDeclare, ""); err != nil {
				b.metrics.Commands.WithLabelValues("declare", metricsOutcome(err)).Inc()
				b.respond(ctx, sc.ResponseURL, sc.ChannelID, sc.UserID, b.refusal(ctx, sc.UserID, err))
				return
			}
			b.openForm(ctx, sc.TriggerID, "declare", formMeta{Channel: sc.ChannelID, ResponseURL: sc.ResponseURL}, sc.UserID)
		})
		return nil
	}
	if cmd, err := commands.Parse(text); err == nil && cmd.Name == "notice import" && len(cmd.Args) == 0 {
		b.spawn(func(ctx context.Context) { b.openImportForm(ctx, sc) })
		return nil
	}
	req := commands.Request{User: sc.UserID, Text: text, Channel: sc.ChannelID}
	rep, m := b.within(req, func(ctx context.Context, rep *commands.Reply) { b.answer(ctx, sc, rep) })
	if rep == nil {
		return nil // answered later through response_url
	}
	if rep.File != nil {
		b.spawn(func(ctx context.Context) { b.answer(ctx, sc, rep) })
		return newMessage(&commands.Reply{Title: "Preparing " + rep.File.Name + "; it comes to you as a direct message.", Ephemeral: true})
	}
	if len(marshal(m)) > maxAckBytes || len(m.more) > 0 {
		b.spawn(func(ctx context.Context) { b.respond(ctx, sc.ResponseURL, sc.ChannelID, sc.UserID, rep) })
		return nil
	}
	return m
}

// answer delivers a command's reply after the acknowledgement: a file by
// direct message, anything else through response_url.
func (b *Bot) answer(ctx context.Context, sc slack.SlashCommand, rep *commands.Reply) {
	if rep.File == nil {
		b.respond(ctx, sc.ResponseURL, sc.ChannelID, sc.UserID, rep)
		return
	}
	if err := b.sendFile(ctx, sc.UserID, rep); err != nil {
		err = &incidents.Error{Code: incidents.EINTERNAL, Message: "the file could not be sent to you", Err: fmt.Errorf("slack: export not delivered: %w", err),
			Hint: "the file could not be sent to you by direct message; try again in a minute; breachbot export INCIDENT on the server gives the same record"}
		b.respond(ctx, sc.ResponseURL, sc.ChannelID, sc.UserID, b.refusal(ctx, sc.UserID, err))
		return
	}
	// What the reply says beside its file (a draft's unknown items and what
	// fills them) is shown to the person who asked, not dropped; with
	// nothing beside it, a line says where the file went, so the person
	// who typed the command is never left without an answer where they
	// typed it (the acknowledgement may have come before the file was
	// ready, empty).
	shown := &commands.Reply{Title: "Sent " + rep.File.Name + " to you as a direct message from breachbot.", Ephemeral: true}
	if len(rep.Sections) > 0 {
		full := *rep
		full.File, full.Ephemeral = nil, true
		shown = &full
	}
	b.respond(ctx, sc.ResponseURL, sc.ChannelID, sc.UserID, shown)
}

// sendFile uploads a reply's file into a direct message with the user: an
// export is for the person who asked, never for the whole channel.
func (b *Bot) sendFile(ctx context.Context, user string, rep *commands.Reply) error {
	dm, _, _, err := b.client.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
	if err != nil {
		return apiError("conversations.open", err)
	}
	_, err = b.client.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: rep.File.Name, FileSize: len(rep.File.Data), Reader: strings.NewReader(string(rep.File.Data)),
		Title: rep.File.Name, Channel: dm.ID, InitialComment: fmt.Sprintf("%s (%d bytes)", rep.Title, len(rep.File.Data)),
	})
	return apiError("files.upload", err)
}
