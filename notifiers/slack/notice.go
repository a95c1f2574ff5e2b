package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// Customer notices in Slack: legal is asked to approve by direct message
// (Approve / Reject buttons, a reason form for Reject), the decision is
// posted in the incident channel and replaces the buttons of every request,
// sending shows one progress message updated in place, and /breach notice
// import opens a form to upload the CSV, which the bot downloads with its
// own token and imports without the file's content passing anywhere else.

// importTimeout bounds one import of an uploaded file (a 1,000,000-row file
// takes about 40 s on a small machine).
const importTimeout = 15 * time.Minute

// noticeButtons are the buttons of an approval request.
func noticeButtons() map[string]button {
	return map[string]button{
		"notice_approve": {name: "notice approve", permission: incidents.ActApprove, command: func(inc, target string) string {
			return "notice approve " + target + " --incident " + inc
		}},
		"notice_reject": {name: "notice reject", permission: incidents.ActApprove, form: "notice_reject"},
	}
}

// noticeForms are the notice forms.
func noticeForms() map[string]*form {
	return map[string]*form{
		"notice_reject": {
			title: "Reject a notice", submit: "Reject",
			intro: func(m formMeta) string {
				return fmt.Sprintf("Reject notice *%s* of %s. The people who drafted and submitted it see your reason; they draft again.", escape(m.Target), escape(m.Incident))
			},
			fields: []field{reasonField("the heading 'What Information Was Involved' is missing the card numbers")},
			command: func(v map[string]string, m formMeta) string {
				return "notice reject " + quote(m.Target) + " " + quote(v["reason"]) + " --incident " + m.Incident
			},
			blame: []blameRule{{"reason", nil}},
		},
		"notice_import": {
			title: "Import affected people", submit: "Import",
			intro: func(m formMeta) string {
				return fmt.Sprintf("Upload the CSV of the people affected by %s. A header row is required, with an *email* column; "+
					"name, country, region, locale and data_categories are optional, and other columns are dropped (never stored). "+
					"The people are stored encrypted and replace any earlier list; Slack is only ever shown counts.", escape(m.Incident))
			},
			fields: []field{{id: "file", label: "CSV file", kind: fieldFile,
				hint: "After the import, delete the upload from Slack (it keeps files until someone deletes them)."}},
			run: (*Bot).importUpload,
		},
	}
}

// openImportForm answers /breach notice import without a file: it opens
// the upload form, for the incident of the channel or of --incident.
func (b *Bot) openImportForm(ctx context.Context, sc slack.SlashCommand) {
	req := commands.Request{User: sc.UserID, Text: sc.Text, Channel: sc.ChannelID}
	id, err := b.router.Incident(ctx, req)
	if err == nil {
		err = b.svc.Authorize(ctx, sc.UserID, incidents.ActImport, id)
	}
	if err != nil {
		b.metrics.Commands.WithLabelValues("notice import", metricsOutcome(err)).Inc()
		b.respond(ctx, sc.ResponseURL, sc.ChannelID, sc.UserID, b.refusal(ctx, sc.UserID, err))
		return
	}
	b.openForm(ctx, sc.TriggerID, "notice_import", formMeta{Incident: id, Channel: sc.ChannelID, ResponseURL: sc.ResponseURL}, sc.UserID)
}

// importUpload downloads the uploaded file with the bot's token and streams
// it into the import, then answers with the counts.
func (b *Bot) importUpload(ctx context.Context, user string, v map[string]string, m formMeta) *commands.Reply {
	fileID := v["file"]
	info, _, _, err := b.client.GetFileInfoContext(ctx, fileID, 0, 0)
	if err != nil {
		return b.refusal(ctx, user, &incidents.Error{Code: incidents.EINTERNAL, Message: "the uploaded file could not be read from Slack",
			Hint: "the uploaded file could not be read from Slack (" + errorCodeOr(err, "unreachable") + "), so nothing was imported; upload it again in a minute; or, on the server: breachbot notice import " + m.Incident + " FILE.csv",
			Err:  fmt.Errorf("slack: uploaded file %s not readable: %w", fileID, err)})
	}
	pr, pw := io.Pipe()
	done := make(chan struct{})
	var downloadErr error
	go func() {
		defer close(done)
		// slack-go sends the bot token only to https Slack hosts and the
		// API URL; any other url_private_download is refused unfetched.
		downloadErr = b.client.GetFileContext(ctx, info.URLPrivateDownload, pw)
		pw.CloseWithError(downloadErr)
	}()
	rep, err := b.svc.ImportRecipients(ctx, user, m.Incident, pr, incidents.ImportInput{Source: info.Name, Size: int64(info.Size)})
	pr.CloseWithError(io.ErrClosedPipe) // stops the download if the import ended early
	<-done
	b.metrics.Commands.WithLabelValues("notice import", metricsOutcome(err)).Inc()
	if err != nil && downloadErr != nil && !errors.Is(downloadErr, io.ErrClosedPipe) {
		return b.refusal(ctx, user, &incidents.Error{Code: incidents.EINTERNAL, Message: "the uploaded file could not be downloaded from Slack",
			Hint: "the uploaded file could not be downloaded from Slack, so nothing was imported; upload it again; or, on the server: breachbot notice import " + m.Incident + " FILE.csv",
			Err:  fmt.Errorf("slack: uploaded file %s not downloaded: %w", fileID, downloadErr)})
	}
	if err != nil {
		return b.refusal(ctx, user, err)
	}
	out := commands.ImportReply(rep, b.svc.Clock().Now())
	out.Sections = append(out.Sections, commands.Section{Note: "The uploaded file " + info.Name + " is still stored in Slack: delete it now (open the file, then Delete file). breachbot keeps its own encrypted copy of what it needs."})
	return out
}

// errorCodeOr returns Slack's error code of err, or def.
func errorCodeOr(err error, def string) string {
	if c := errorCode(err); c != "" {
		return c
	}
	return def
}

// approvalKey is the post key of the approval request of a notice sent to
// one member of legal.
func approvalKey(incident, notice, user string) string {
	return "notice-approval:" + incident + ":" + notice + ":" + user
}

// askLegal sends the approval request to every member of legal who may
// approve it (not its drafter or submitter), by direct message.
func (b *Bot) askLegal(ctx context.Context, n incidents.Notification) error {
	if n.Notice == nil {
		return nil
	}
	var asked int
	rep := commands.NotificationReply(n, b.svc.Clock().Now())
	rep.People = notificationPeople(n)
	for _, user := range b.dir.Members(incidents.RoleLegal) {
		if user == n.Notice.DraftedBy || user == n.Notice.SubmittedBy {
			continue // separation of duties: they cannot approve it
		}
		dm, err := b.openDM(ctx, user)
		if err != nil {
			return err
		}
		if dm == "" {
			continue
		}
		if _, _, err := b.postOnce(ctx, dm, approvalKey(n.Incident, n.Notice.ID, user), rep); err != nil {
			return err
		}
		asked++
	}
	if asked == 0 {
		b.log.Warn("slack: nobody in legal can approve this notice; add Slack ids under roles: legal", "notification", n.ID)
	}
	return nil
}

// openDM opens a direct message with user; "" if the user cannot be
// written to (deactivated, ...).
func (b *Bot) openDM(ctx context.Context, user string) (string, error) {
	dm, _, _, err := b.client.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
	switch code := errorCode(err); {
	case err == nil:
		return dm.ID, nil
	case code == "user_not_found", code == "user_disabled", code == "cannot_dm_bot", code == "user_not_visible":
		b.log.Warn("slack: user cannot be sent a direct message", "user", user, "reason", code)
		return "", nil
	default:
		return "", apiError("conversations.open", err)
	}
}

// noticeDecided posts a decision (approved, rejected, voided) in the
// incident channel and replaces the buttons of every approval request of
// the notice with it, so nobody presses Approve on a decided notice.
func (b *Bot) noticeDecided(ctx context.Context, n incidents.Notification) error {
	if err := b.postToChannel(ctx, n); err != nil {
		return err
	}
	if n.Notice == nil {
		return nil
	}
	rep := decidedRequest(n, b.dir.Members(incidents.RoleLeads), b.svc.Clock().Now())
	for _, user := range b.dir.Members(incidents.RoleLegal) {
		var rec postRecord
		if err := b.load(postRecords, approvalKey(n.Incident, n.Notice.ID, user), &rec); err != nil {
			return err
		}
		if rec.TS == "" {
			continue
		}
		err := b.updateInPlace(ctx, rec.Channel, rec.TS, approvalKey(n.Incident, n.Notice.ID, user), postedMessage(rep))
		if code := errorCode(err); err != nil && code != "message_not_found" && code != "cant_update_message" {
			return apiError("chat.update", err)
		}
	}
	return nil
}

// noticeProgress shows a send's progress as one message in the incident
// channel, updated in place (the notifications of one send share their
// UpdateKey). An older progress delivered after a newer one changes nothing.
func (b *Bot) noticeProgress(ctx context.Context, n incidents.Notification) error {
	key := n.UpdateKey
	if key == "" {
		key = n.ID
	}
	defer b.lock(key)()
	var st channelState
	if err := b.load(channelRecords, n.Incident, &st); err != nil {
		return err
	}
	if st.Channel == "" {
		return fmt.Errorf("%s has no Slack channel yet; the %s waits for it", n.Incident, n.Kind)
	}
	seq := progressSeq(n.ID)
	rep := commands.NotificationReply(n, b.svc.Clock().Now())
	rep.People = notificationPeople(n)
	var rec postRecord
	if err := b.load(postRecords, key, &rec); err != nil {
		return err
	}
	if rec.TS == "" || rec.Channel != st.Channel {
		ts, _, err := b.postOnce(ctx, st.Channel, key, rep)
		if err != nil {
			return err
		}
		return b.save(postRecords, key, postRecord{Channel: st.Channel, TS: ts, Seq: seq})
	}
	if seq <= rec.Seq {
		return nil
	}
	err := b.updateInPlace(ctx, rec.Channel, rec.TS, key, postedMessage(rep))
	if code := errorCode(err); code == "message_not_found" || code == "cant_update_message" {
		// Someone deleted it: the next progress posts a new one.
		return b.forget(key)
	} else if err != nil {
		return apiError("chat.update", err)
	}
	rec.Seq = seq
	return b.save(postRecords, key, rec)
}

// progressSeq is the sequence number ending a progress notification's id
// (notice-progress:INC:N1:7); 0 if it has none.
func progressSeq(id string) int64 {
	i := strings.LastIndexByte(id, ':')
	n, err := strconv.ParseInt(id[i+1:], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// UserEmail returns a user's address from their Slack profile (users.info;
// the users:read.email scope), for test-sends to the person who asks.
func (b *Bot) UserEmail(ctx context.Context, user string) (string, bool) {
	u, err := b.client.GetUserInfoContext(ctx, user)
	if err != nil || u.Profile.Email == "" {
		if err != nil {
			b.log.Warn("slack: no e-mail address for user", "user", user, "reason", errorCodeOr(err, "unreachable"))
		}
		return "", false
	}
	return u.Profile.Email, true
}
