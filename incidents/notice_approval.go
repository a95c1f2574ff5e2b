package incidents

import (
	"context"
	"fmt"
	"strings"
)

// noticeAction runs a use case on one notice. If the notice's template or
// recipient list changed, the notice is voided (that is committed and
// audited) and the action refused, saying why.
func (s *Service) noticeAction(ctx context.Context, actor, action, id, noticeID string, check bool, fn func(t *txn, inc *Incident, n *Notice, roles []string) error) (*NoticeResult, error) {
	if err := s.needRenderer(); err != nil {
		return nil, err
	}
	var (
		res     NoticeResult
		refusal error
	)
	err := s.do(ctx, actor, action, id, func(t *txn, roles []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		n, err := findNotice(t, inc, noticeID)
		if err != nil {
			return err
		}
		res.Incident, res.Notice = inc, n
		if check && n.State.Unsent() {
			why := s.bindingBroken(inc, n)
			if why == "" {
				why = lawsChanged(inc, pb, n)
			}
			if why == "" {
				why = contentNowMissing(n)
			}
			if why != "" {
				what := "it"
				if n.State == NoticeApproved {
					what = "its approval"
				}
				refusal = Errorf(ECONFLICT, "notice %s can no longer be used: %s is void because %s", n.ID, what, why).
					WithHint("draft it again (/breach notice draft), then submit it for approval")
				return s.voidNotice(t, inc, n, why)
			}
		}
		return fn(t, inc, n, roles)
	})
	if err != nil {
		return nil, err
	}
	if refusal != nil {
		s.refused(ctx, actor, action, id, refusal)
		return nil, refusal
	}
	return &res, nil
}

func stateConflict(n *Notice, verb, hint string) error {
	e := Errorf(ECONFLICT, "notice %s is %s; it cannot be %s", n.ID, n.State, verb)
	if n.State == NoticeVoid && n.Void != nil {
		e = Errorf(ECONFLICT, "notice %s is void (%s); it cannot be %s", n.ID, n.Void.Reason, verb)
	}
	return e.WithHint("%s", hint)
}

// SubmitNotice asks legal to approve a draft.
func (s *Service) SubmitNotice(ctx context.Context, actor, id, noticeID string) (*NoticeResult, error) {
	return s.noticeAction(ctx, actor, ActNotice, id, noticeID, true, func(t *txn, inc *Incident, n *Notice, _ []string) error {
		if n.State != NoticeDraft {
			return stateConflict(n, "submitted", "/breach notice draft makes a new draft; /breach notice status shows where each notice is")
		}
		if miss := noticeMissing(n); len(miss) > 0 {
			return Errorf(EINVALID, "notice %s is missing content: %s", n.ID, MissingWho(n, miss)).
				WithHint("%s", MissingHint(miss))
		}
		pb, perr := s.pinned(t, inc.Playbook.Key)
		if perr != nil {
			return perr
		}
		if perr = contentUnsettled(inc, pb, n); perr != nil {
			return perr
		}
		if strings.TrimSpace(n.Data.Company.Name) == "" {
			return Errorf(EINVALID, "the company's name is not configured; notices must say who is notifying").
				WithHint("set company: {name: ..., contact_email: ...} in breachbot.yaml, then draft again")
		}
		n.State, n.SubmittedBy, n.SubmittedAt = NoticeSubmitted, actor, t.now
		if err := t.PutNotice(n); err != nil {
			return err
		}
		info := noticeInfo(n)
		err := t.enqueue(Notification{ID: "notice-approval:" + inc.ID + ":" + n.ID, Kind: NotifyNoticeApproval, Audience: AudienceLegal,
			Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Actor: actor, Notice: info,
			Text: fmt.Sprintf("%s asks legal to approve notice %s of %s to %d people (content sha256 %s): /breach notice approve %s --incident %s, or /breach notice reject %s REASON --incident %s",
				actor, n.ID, inc.ID, n.Recipients.Count, short(n.ContentHash), n.ID, inc.ID, n.ID, inc.ID)})
		if err != nil {
			return err
		}
		return s.audit(t, actor, "notice.submitted", inc, map[string]string{"notice": n.ID, "content_hash": n.ContentHash, "recipients_hash": n.Recipients.Hash})
	})
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func noticeInfo(n *Notice) *NoticeInfo {
	return &NoticeInfo{ID: n.ID, State: n.State, Template: n.Template, ContentHash: n.ContentHash, Recipients: n.Recipients.Count,
		Counts: n.Recipients.Counts, Previews: n.Previews, Variants: n.Variants, DraftedBy: n.DraftedBy, SubmittedBy: n.SubmittedBy}
}

// ApproveNotice records legal's approval of a submitted notice, bound to
// its content hash and recipient list. Whoever drafted or submitted it
// cannot approve it.
func (s *Service) ApproveNotice(ctx context.Context, actor, id, noticeID string) (*NoticeResult, error) {
	return s.noticeAction(ctx, actor, ActApprove, id, noticeID, true, func(t *txn, inc *Incident, n *Notice, _ []string) error {
		if n.State != NoticeSubmitted {
			return stateConflict(n, "approved", "only a submitted notice is approved: /breach notice submit "+n.ID)
		}
		if actor == n.DraftedBy || actor == n.SubmittedBy {
			role := "drafted"
			if actor != n.DraftedBy {
				role = "submitted"
			}
			return Errorf(EFORBIDDEN, "you %s notice %s, so you cannot approve it: someone else in legal must (separation of duties)", role, n.ID).
				WithHint("ask another member of legal to run /breach notice approve %s", n.ID)
		}
		n.State = NoticeApproved
		n.Approval = &Approval{By: actor, At: t.now, ContentHash: n.ContentHash, RecipientsHash: n.Recipients.Hash, RecipientSet: n.Recipients.ID}
		n.Rejection = nil
		if err := t.PutNotice(n); err != nil {
			return err
		}
		info := noticeInfo(n)
		info.Decision = "approved"
		err := t.enqueue(Notification{ID: "notice-decision:" + inc.ID + ":" + n.ID + ":approved", Kind: NotifyNoticeDecision, Audience: AudienceIncident,
			Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Actor: actor, Notice: info,
			Text: fmt.Sprintf("%s approved notice %s of %s. Next: a test to your own address (/breach notice test --to you@example.com), then /breach notice send", actor, n.ID, inc.ID)})
		if err != nil {
			return err
		}
		return s.audit(t, actor, "notice.approved", inc, map[string]string{"notice": n.ID, "content_hash": n.ContentHash,
			"recipients": n.Recipients.ID, "recipients_hash": n.Recipients.Hash, "drafted_by": n.DraftedBy, "submitted_by": n.SubmittedBy})
	})
}

// RejectNotice records legal's rejection of a submitted (or approved, not
// yet sent) notice, with the reason.
func (s *Service) RejectNotice(ctx context.Context, actor, id, noticeID, reason string) (*NoticeResult, error) {
	reason, err := checkText("the reason", reason, maxReason, true, "/breach notice reject N1 the consequences paragraph is missing")
	if err != nil {
		return nil, err
	}
	return s.noticeAction(ctx, actor, ActApprove, id, noticeID, false, func(t *txn, inc *Incident, n *Notice, _ []string) error {
		if n.State != NoticeSubmitted && n.State != NoticeApproved {
			return stateConflict(n, "rejected", "only a submitted or approved, unsent notice is rejected")
		}
		n.State = NoticeRejected
		n.Approval = nil
		n.Rejection = &Rejection{By: actor, At: t.now, Reason: reason}
		if err := t.PutNotice(n); err != nil {
			return err
		}
		info := noticeInfo(n)
		info.Decision, info.Reason = "rejected", reason
		err := t.enqueue(Notification{ID: "notice-decision:" + inc.ID + ":" + n.ID + ":rejected", Kind: NotifyNoticeDecision, Audience: AudienceIncident,
			Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Actor: actor, Notice: info,
			Text: fmt.Sprintf("%s rejected notice %s of %s: %s. Change it with /breach notice draft and submit again.", actor, n.ID, inc.ID, reason)})
		if err != nil {
			return err
		}
		return s.audit(t, actor, "notice.rejected", inc, map[string]string{"notice": n.ID, "reason": reason})
	})
}
