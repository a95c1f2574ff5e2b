package incidents

import (
	"fmt"
	"time"
)

// progress enqueues a progress notification, at most every ProgressEvery
// unless final.
func (ns *NoticeSender) progress(t *txn, inc *Incident, n *Notice, final bool) error {
	s := n.Send
	if !final && !s.LastProgressAt.IsZero() && t.now.Sub(s.LastProgressAt) < ns.opt.ProgressEvery {
		return nil
	}
	s.LastProgressAt = t.now
	s.ProgressSeq++
	info := ProgressInfo(n, t.now)
	text := fmt.Sprintf("Notice %s of %s: %s, %d failed, %d remaining", n.ID, inc.ID, SendCounts(s), info.Failed, info.Remaining)
	switch {
	case info.Done:
		text = fmt.Sprintf("Notice %s of %s is %s: %s, %d failed", n.ID, inc.ID, s.doneWord(), SendCounts(s), info.Failed)
	case info.Paused != "" && info.Remaining == 0:
		// Nothing left to try, and some in doubt: a person decides.
		text = fmt.Sprintf("Notice %s of %s is NOT finished: %s; %s, %d failed", n.ID, inc.ID, info.Paused, SendCounts(s), info.Failed)
	case info.Paused != "":
		text += "; PAUSED: " + info.Paused
		if !s.TransportPaused { // that one resumes on its relay, not by a retry
			text += " (/breach notice retry " + n.ID + " resumes)"
		}
	case info.Rate > 0:
		text += fmt.Sprintf(" (%.0f/s, about %s left)", info.Rate, HumanDuration(info.ETA))
	}
	if info.InDoubt > 0 && info.Paused == "" {
		text += fmt.Sprintf("; %d in doubt", info.InDoubt)
	}
	return t.enqueue(Notification{
		ID: fmt.Sprintf("notice-progress:%s:%s:%d", inc.ID, n.ID, s.ProgressSeq), UpdateKey: "notice-progress:" + inc.ID + ":" + n.ID,
		Kind: NotifyNoticeProgress, Audience: AudienceIncident, Incident: inc.ID, Title: inc.Title, Drill: inc.Drill,
		Text: text, Notice: info,
	})
}

// ProgressInfo summarises a notice's sending for a progress message.
func ProgressInfo(n *Notice, now time.Time) *NoticeInfo {
	info := &NoticeInfo{ID: n.ID, State: n.State, Recipients: n.Recipients.Count, ContentHash: n.ContentHash}
	s := n.Send
	if s == nil {
		return info
	}
	info.Sent, info.Failed, info.InDoubt = s.Sent, s.FailedPermanent+s.FailedTemporary, s.InDoubt
	info.Remaining, info.Paused, info.Sandbox = s.Remaining(), s.Paused, s.Sandbox
	info.Done = n.State == NoticeSent && s.Unsettled() == 0
	if el := now.Sub(s.StartedAt); !s.StartedAt.IsZero() && el > 0 && s.Sent > s.StartedSent {
		info.Rate = float64(s.Sent-s.StartedSent) / el.Seconds()
		info.ETA = time.Duration(float64(info.Remaining) / info.Rate * float64(time.Second)).Round(time.Second)
	}
	return info
}
