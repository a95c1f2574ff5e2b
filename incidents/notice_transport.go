package incidents

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A send keeps the transport it started on: the Mailer's Describe is
// recorded in SendState.Transport when it starts, and a process with
// another transport (no relay, another relay or TLS mode, a folder) pauses
// the send instead of resuming it there. It resumes when a process with
// that transport starts, or when legal hands the rest off to a folder.

// okState is the state of a recipient whose message the mailer took.
func (s *SendState) okState() DeliveryState {
	if s.Folder != "" {
		return DeliveryWritten
	}
	return DeliverySent
}

// SendCounts says how many messages went where: "3 of 5 sent", "3 of 5
// written to /srv/outbox, not sent to anyone", or after a hand-off "2 of
// 5 sent over SMTP ...; 3 handed off in /srv/outbox, not sent by us".
func SendCounts(s *SendState) string {
	switch {
	case s.Handoff != nil:
		return fmt.Sprintf("%d of %d sent over %s; %d handed off in %s, not sent by us",
			s.Handoff.SentBefore, s.Total, s.Transport, s.Sent-s.Handoff.SentBefore, s.Handoff.Folder)
	case s.Folder != "":
		return fmt.Sprintf("%d of %d written to %s, not sent to anyone", s.Sent, s.Total, s.Folder)
	}
	return fmt.Sprintf("%d of %d sent", s.Sent, s.Total)
}

// doneWord says what a finished send did.
func (s *SendState) doneWord() string {
	switch {
	case s.Handoff != nil:
		return "done"
	case s.Folder != "":
		return "written"
	}
	return "sent"
}

// mailerFolder is the folder a mailer writes messages into ("" if it sends
// them).
func mailerFolder(m Mailer) string {
	if f, ok := m.(FolderMailer); ok {
		return f.Dir()
	}
	return ""
}

// sendMailer returns the mailer a send (re)starts on. It pauses the send
// instead (paused is true) when this process has not the transport the
// send started on, or cannot read the recipients.
func (ns *NoticeSender) sendMailer(ctx context.Context, inc *Incident, n *Notice) (m Mailer, paused bool, err error) {
	svc := ns.svc
	var merr error
	if n.Send.Handoff != nil {
		if svc.handoff == nil {
			merr = Errorf(EINVALID, "no hand-off folder is configured")
		} else {
			m = svc.handoff
		}
	} else {
		m, merr = svc.noticeMailer(inc)
	}
	if why := transportChange(n, m, merr); why != "" {
		return nil, true, ns.pauseSend(ctx, inc.ID, n.ID, why, true)
	}
	if merr != nil {
		return nil, true, ns.pauseSend(ctx, inc.ID, n.ID, ErrorMessage(merr), false)
	}
	if why := ns.unreadable(ctx, n); why != "" {
		return nil, true, ns.pauseSend(ctx, inc.ID, n.ID, why, false)
	}
	return m, false, nil
}

// transportChange says why a send cannot go on with this process's mailer
// m (or its absence, merr): "" if it is the transport it started on, or if
// that is not known.
func transportChange(n *Notice, m Mailer, merr error) string {
	started := n.Send.Transport
	if h := n.Send.Handoff; h != nil {
		started = h.Transport
	}
	if started == "" {
		return ""
	}
	now := "has no mail relay"
	if merr == nil {
		if m.Describe() == started {
			return ""
		}
		now = "would send to " + m.Describe()
		if f := mailerFolder(m); f != "" {
			now = "would write the messages into " + f + ", not send them"
		}
	}
	return fmt.Sprintf("this send started on %s; this process %s. Restart breachbot with %s, or legal hands the rest off to a folder: /breach notice handoff %s --reason TEXT",
		started, now, transportSetting(started), n.ID)
}

// transportSetting says how to configure a transport described by a
// Mailer's Describe.
func transportSetting(desc string) string {
	if rest, ok := strings.CutPrefix(desc, "SMTP "); ok {
		addr, mode, ok := strings.Cut(rest, " (")
		if mode, ok2 := strings.CutSuffix(mode, ")"); ok && ok2 && !strings.Contains(mode, " ") {
			return "SMTP_ADDR=" + addr + " SMTP_TLS=" + mode
		}
		return "that relay (SMTP_ADDR, SMTP_TLS, sandbox_address)"
	}
	if dir, ok := strings.CutPrefix(desc, "the folder "); ok {
		return "BREACHBOT_OUTBOX=" + dir + " and no SMTP_ADDR"
	}
	return "that transport"
}

// unreadable says why the recipients of n cannot be read ("" if they can):
// a send that cannot read them pauses instead of failing over and over.
func (ns *NoticeSender) unreadable(ctx context.Context, n *Notice) string {
	if n.Recipients.Count == 0 || n.Send.Cursor > n.Send.Total && n.Send.Queued == 0 {
		return ""
	}
	err := ns.svc.store.View(ctx, func(tx Tx) error {
		_, err := tx.Recipient(n.Recipients.ID, 1)
		return err
	})
	if err == nil || ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return ""
	}
	return "breachbot cannot read the affected people's addresses: " + ErrorMessage(err) +
		". Set BREACHBOT_ENCRYPTION_KEY (or encryption_key_file) to the key the data was imported with, restart, then /breach notice retry " + n.ID
}

// pauseSend pauses a send that cannot go on, saying why; transport marks
// a pause for want of the transport it started on (a process that has it
// resumes the send by itself).
func (ns *NoticeSender) pauseSend(ctx context.Context, incidentID, noticeID, why string, transport bool) error {
	return ns.svc.update(ctx, func(t *txn) error {
		cur, err := t.Notice(incidentID, noticeID)
		if err != nil {
			return err
		}
		if cur.State != NoticeSending {
			return nil
		}
		inc, err := t.Incident(incidentID)
		if err != nil {
			return err
		}
		cur.State, cur.Send.Paused, cur.Send.TransportPaused = NoticePaused, why, transport
		if err := ns.progress(t, inc, cur, true); err != nil {
			return err
		}
		if err := t.PutNotice(cur); err != nil {
			return err
		}
		return ns.svc.audit(t, "breachbot", "notice.paused", inc, map[string]string{"notice": cur.ID, "reason": why,
			"sent": strconv.FormatInt(cur.Send.Sent, 10)})
	})
}

// resumeOnTransport resumes the sends paused for want of their transport
// that this process has.
func (ns *NoticeSender) resumeOnTransport(ctx context.Context) error {
	svc := ns.svc
	return svc.update(ctx, func(t *txn) error {
		return t.Notices("", func(n *Notice) error {
			if !ns.resumable(t, n) {
				return nil
			}
			inc, err := t.Incident(n.Incident)
			if err != nil {
				return err
			}
			n.State, n.Send.Paused, n.Send.TransportPaused = NoticeSending, "", false
			if err := t.PutNotice(n); err != nil {
				return err
			}
			return svc.audit(t, "breachbot", "notice.resumed", inc, map[string]string{"notice": n.ID, "transport": n.Send.Transport})
		})
	})
}

// resumable reports whether n is paused for want of a transport that this
// process has.
func (ns *NoticeSender) resumable(tx Tx, n *Notice) bool {
	if n.State != NoticePaused || n.Send == nil || !n.Send.TransportPaused || n.Send.Handoff != nil {
		return false
	}
	inc, err := tx.Incident(n.Incident)
	if err != nil {
		return false
	}
	m, err := ns.svc.noticeMailer(inc)
	return err == nil && m.Describe() == n.Send.Transport
}

// HandoffNotice moves the rest of a paused send to the hand-off folder:
// legal decides, with a reason. The messages not yet sent are written
// there as .eml files, to be delivered by other means; lookup and status
// say they were handed off, never that breachbot sent them.
func (s *Service) HandoffNotice(ctx context.Context, actor, id, noticeID, reason string) (*NoticeResult, error) {
	reason, err := checkText("the reason", reason, maxReason, true, `/breach notice handoff N1 --reason "the relay is gone; IT delivers the rest from the folder"`)
	if err != nil {
		return nil, err
	}
	res, err := s.noticeAction(ctx, actor, ActHandoff, id, noticeID, false, func(t *txn, inc *Incident, n *Notice, _ []string) error {
		switch {
		case s.handoff == nil:
			return Errorf(ECONFLICT, "this breachbot has no hand-off folder").WithHint("set outbox: FOLDER in breachbot.yaml and restart; the rest is written to FOLDER/handoff")
		case inc.Drill:
			return Errorf(ECONFLICT, "%s is a drill: its notices go only to the sandbox", inc.ID).WithTry("notice retry %s", n.ID).WithHint("once the sandbox is reachable")
		case n.Send != nil && n.Send.Handoff != nil:
			return Errorf(ECONFLICT, "the rest of notice %s was already handed off to %s by %s", n.ID, n.Send.Handoff.Folder, n.Send.Handoff.By).
				WithTry("notice status %s", n.ID)
		case n.State != NoticePaused:
			return stateConflict(n, "handed off", "only a paused send is handed off; /breach notice status "+n.ID+" shows it")
		}
		n.Send.Handoff = &Handoff{By: actor, At: t.now, Reason: reason, Folder: s.handoff.Dir(), Transport: s.handoff.Describe(), SentBefore: n.Send.Sent}
		n.Send.Folder = s.handoff.Dir()
		n.State, n.Send.Paused, n.Send.TransportPaused = NoticeSending, "", false
		if err := t.PutNotice(n); err != nil {
			return err
		}
		return s.audit(t, actor, "notice.handed_off", inc, map[string]string{"notice": n.ID, "reason": reason, "folder": n.Send.Handoff.Folder,
			"sent_before": strconv.FormatInt(n.Send.Sent, 10), "transport": n.Send.Transport})
	})
	if err != nil {
		return nil, err
	}
	wake(s.noticeWake)
	return res, nil
}
