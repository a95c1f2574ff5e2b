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
	return b.refreshPinned(ctx, incident, []string{partChecklist, partBoard}, false)
}

// refreshPinned updates the given parts of the incident's pinned messages
// in place; with recordShown, a board updated records the time it shows
// (RunBoards compares it with the time now).
func (b *Bot) refreshPinned(ctx context.Context, incident string, parts []string, recordShown bool) error {
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
	for _, part := range parts {
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
		} else if recordShown && part == partBoard {
			rec.Shown = now
			if err := b.save(postRecords, key, rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// RunBoards keeps the relative times of open incidents' deadlines boards
// ("due in 5 h 12 m") true between changes (a change refreshes a board
// by itself): every interval (5 minutes if not positive) it updates the
// boards that read differently now than when they were last shown, until
// ctx is done. It walks the store's summaries of open incidents and reads
// only the incidents whose board it updates, so a round costs little
// however many incidents are open. Failures are logged; the next round
// tries again.
func (b *Bot) RunBoards(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 5 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		b.refreshBoards(ctx)
	}
}

// refreshBoards is one round of RunBoards.
func (b *Bot) refreshBoards(ctx context.Context) {
	began := time.Now()
	open, err := b.incidents.OpenIncidents(ctx)
	if err != nil {
		b.log.Error("slack: list incidents for board refresh", "err", err)
		return
	}
	now := b.svc.Clock().Now()
	updated := 0
	for _, o := range open {
		if o.Channel == "" || ctx.Err() != nil {
			continue
		}
		var rec postRecord
		if err := b.load(postRecords, pinnedKey(o.ID, partBoard), &rec); err != nil {
			b.log.Warn("slack: board refresh failed; next round tries again", "incident", o.ID, "err", err)
			continue
		}
		if rec.TS == "" || !rec.Shown.IsZero() && o.ShownAlike(rec.Shown, now) {
			continue
		}
		if err := b.refreshPinned(ctx, o.ID, []string{partBoard}, true); err != nil && ctx.Err() == nil {
			b.log.Warn("slack: board refresh failed; next round tries again", "incident", o.ID, "err", err)
			continue
		}
		updated++
	}
	if r, ok := b.state.(interface{ ReleaseMappedPages() error }); ok && updated > 0 {
		// The incidents read for the boards are not needed until the next
		// round: leave their pages to the page cache, not in this process.
		if err := r.ReleaseMappedPages(); err != nil {
			b.log.Debug("slack: release mapped database pages", "err", err)
		}
	}
	b.log.Debug("slack: boards refreshed", "open", len(open), "updated", updated, "took", time.Since(began))
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
