package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// refreshBoard updates the incident's pinned checklist and deadlines board
// in place. Before the channel is set up there is nothing to update: setting
// it up posts the current ones.
func (b *Bot) refreshBoard(ctx context.Context, incident string) error {
	defer b.lock(incident)()
	var st channelState
	if err := b.load(channelRecords, incident, &st); err != nil {
		return err
	}
	if st.Channel == "" {
		return nil
	}
	res, err := b.read(ctx, incident)
	if err != nil {
		return err
	}
	now := b.svc.Clock().Now()
	for _, part := range []string{partChecklist, partBoard} {
		rep := pinnedReply(res, part, now)
		key := pinnedKey(incident, part)
		var rec postRecord
		if err := b.load(postRecords, key, &rec); err != nil {
			return err
		}
		if rec.TS == "" {
			continue
		}
		err := b.updateInPlace(ctx, st.Channel, rec.TS, key, postedMessage(rep))
		if code := errorCode(err); code == "message_not_found" || code == "cant_update_message" {
			// Someone deleted it: post it again and pin the new one.
			b.log.Warn("slack: pinned message gone; posting it again", "incident", incident, "part", part)
			if err := b.forget(key); err != nil {
				return err
			}
			ts, _, err := b.postOnce(ctx, st.Channel, key, rep)
			if err != nil {
				return err
			}
			if err := b.client.AddPinContext(ctx, st.Channel, slack.NewRefToMessage(st.Channel, ts)); err != nil && errorCode(err) != "already_pinned" {
				return apiError("pins.add", err)
			}
		} else if err != nil {
			return apiError("chat.update", err)
		}
	}
	return nil
}

// RunBoards refreshes the boards of open incidents every interval until ctx
// is done, so relative times ("due in 5 h 12 m") stay true between changes.
// Failures are logged; the next round tries again.
func (b *Bot) RunBoards(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		began := time.Now()
		open, err := b.incidents.Open(ctx)
		if err != nil {
			b.log.Error("slack: list incidents for board refresh", "err", err)
			continue
		}
		for _, inc := range open {
			if inc.Channel == "" {
				continue
			}
			if err := b.refreshBoard(ctx, inc.ID); err != nil && ctx.Err() == nil {
				b.log.Warn("slack: board refresh failed; next round tries again", "incident", inc.ID, "err", err)
			}
		}
		b.log.Debug("slack: boards refreshed", "open", len(open), "took", time.Since(began))
	}
}

// pinnedReply is one of the incident channel's pinned messages: the
// checklist (the channel's first message) or the deadlines board, with the
// people they name as mentions. The checklist opens with who declared the
// incident and what to do first.
func pinnedReply(res *incidents.Result, part string, now time.Time) *commands.Reply {
	var rep *commands.Reply
	if part == partBoard {
		rep = commands.Board(res, now)
	} else {
		rep = commands.Checklist(res)
		rep.Sections = append([]commands.Section{{Text: opening(res)}}, rep.Sections...)
	}
	rep.People = incidentPeople(res.Incident)
	return rep
}

// opening says who declared an incident and which steps can be done now,
// in the playbook's order (at most three).
func opening(res *incidents.Result) string {
	inc := res.Incident
	s := fmt.Sprintf("Declared by %s, %s. Lead: %s.", inc.DeclaredBy, commands.FormatTime(inc.DeclaredAt), inc.LeadUser())
	if inc.State == incidents.StateClosed {
		return s
	}
	var now []string
	for _, def := range res.Playbook.Steps {
		st, ok := inc.Step(def.ID)
		if !ok || st.Finished() {
			continue
		}
		ready := true
		for _, r := range def.Requires {
			if req, ok := inc.Step(r); ok && !req.Finished() {
				ready = false
			}
		}
		if ready {
			now = append(now, fmt.Sprintf("%s · %s (%s)", def.ID, def.Title, def.Owner))
		}
	}
	switch {
	case len(now) == 0:
		return s + " Every step is done or waived."
	case len(now) > 3:
		return fmt.Sprintf("%s Do first: %s (and %d more below).", s, strings.Join(now[:3], "; "), len(now)-3)
	}
	return s + " Do first: " + strings.Join(now, "; ") + "."
}
