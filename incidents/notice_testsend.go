package incidents

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// TestNotice sends the notice, rendered for the placeholder person, to the
// requester's own address: one message per locale the recipients get (the
// notice's own first), so that each language is checked before customers
// get it. They must be received and confirmed (ConfirmTestNotice, which
// confirms them all) before the notice is sent to anyone.
//
// Each locale's message is rendered for a made-up person of the locale's
// most numerous variant (NoticeVariant), so it says what most recipients
// of that language get.
func (s *Service) TestNotice(ctx context.Context, actor, id, noticeID, to string) (*NoticeResult, error) {
	return s.TestNoticeVariant(ctx, actor, id, noticeID, to, "")
}

// TestNoticeVariant is TestNotice; with variant set (K2, a jurisdiction
// such as US-MA, a locale, or US-MA/de) it sends only that variant's
// message, rendered for a made-up person of it, so legal can read what
// those people get. A variant's message alone does not complete the test:
// it is audited, not recorded as the notice's test-send.
func (s *Service) TestNoticeVariant(ctx context.Context, actor, id, noticeID, to, variant string) (*NoticeResult, error) {
	addr, err := NormalizeAddress(to)
	if err != nil {
		return nil, Errorf(EINVALID, "the test address: %s", ErrorMessage(err)).WithCause(err).WithTry("notice test --to you@example.com").WithHint("(your own address)")
	}
	if s.mailer == nil {
		err := noRelay()
		s.refused(ctx, actor, ActSend, id, err)
		return nil, err
	}
	// Check and render first; send outside any transaction; then record.
	var (
		n     *Notice
		inc   *Incident
		mails []*Mail
		locs  []string
	)
	_, err = s.noticeAction(ctx, actor, ActSend, id, noticeID, true, func(t *txn, i *Incident, nn *Notice, _ []string) error {
		if nn.State != NoticeDraft && nn.State != NoticeSubmitted && nn.State != NoticeApproved {
			return stateConflict(nn, "test-sent", "draft a new notice: /breach notice draft")
		}
		if miss := noticeMissing(nn); len(miss) > 0 {
			return Errorf(EINVALID, "notice %s is missing %s, so there is nothing to test-send yet", nn.ID, strings.Join(miss, ", ")).
				WithHint("%s", MissingHint(miss))
		}
		tag, err := t.AddressTag(addr)
		if err != nil {
			return err
		}
		attempt := strconv.FormatInt(t.now.UnixNano(), 36)
		locs = testLocales(nn)
		people := map[string]Recipient{}
		for _, loc := range locs {
			people[loc] = PlaceholderRecipient(loc, nn.Data.Incident.DataCategories)
			for _, v := range nn.Variants { // most numerous first
				if v.Locale == loc {
					people[loc] = v.Recipient()
					break
				}
			}
		}
		var key string
		if variant != "" {
			v, err := nn.FindVariant(variant)
			if err != nil {
				return err
			}
			key, locs = v.Key, []string{v.Locale}
			people[v.Locale] = v.Recipient()
		}
		for _, loc := range locs {
			data := nn.DataFor(loc)
			data.Notice.Test = true
			content, err := s.renderer.Render(nn.Template, loc, data, people[loc])
			if err != nil {
				return err
			}
			suffix := "-test-" + attempt
			if key != "" {
				suffix += "-" + strings.ToLower(key)
			}
			if loc != nn.Locale {
				suffix += "-" + strings.ToLower(loc)
			}
			mails = append(mails, &Mail{To: addr, Content: content, Incident: i.ID, Date: t.now, FromName: nn.Data.Company.Name,
				MessageID: MessageID(i.ID, nn.ID+suffix, tag, mailDomain(s.company))})
		}
		n, inc = nn, i
		return nil
	})
	if err != nil {
		return nil, err
	}
	var sent []string
	s.testMailMu.Lock()
	for i, mail := range mails {
		if err = s.mailer.Send(ctx, mail); err != nil {
			break
		}
		sent = append(sent, locs[i])
	}
	s.testMailMu.Unlock()
	if err != nil {
		failed := locs[len(sent)]
		var se *SendError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = se.Error()
		}
		s.refused(ctx, actor, ActSend, id, Errorf(EINVALID, "test message not accepted: %s", msg))
		e := Errorf(EINVALID, "the test message was not accepted by %s: %s", s.mailer.Describe(), RedactAddresses(msg))
		if len(locs) > 1 {
			e = Errorf(EINVALID, "the test message (%s) was not accepted by %s: %s", failed, s.mailer.Describe(), RedactAddresses(msg))
		}
		if len(sent) > 0 {
			// Honest about the half done: those went, the rest did not,
			// and nothing is recorded as test-sent.
			e = Errorf(EINVALID, "the test message (%s) was not accepted by %s: %s; the one(s) in %s went out, but the test is not complete",
				failed, s.mailer.Describe(), RedactAddresses(msg), strings.Join(sent, ", "))
		}
		return nil, e.WithHint("check the address and the SMTP settings (SMTP_ADDR, SMTP_TLS, SMTP_USERNAME), then try again")
	}
	if variant != "" {
		res, err := s.noticeAction(ctx, actor, ActSend, id, n.ID, false, func(t *txn, inc2 *Incident, nn *Notice, _ []string) error {
			tag, err := t.AddressTag(addr)
			if err != nil {
				return err
			}
			return s.audit(t, actor, "notice.test_variant_sent", inc, map[string]string{"notice": nn.ID, "to_tag": tag,
				"message_id": mails[0].MessageID, "variant": variant, "locales": strings.Join(locs, ","), "content_hash": nn.ContentHash})
		})
		if err != nil {
			return nil, err
		}
		res.Where, res.Folder = s.mailer.Describe(), mailerFolder(s.mailer)
		return res, nil
	}
	res, err := s.noticeAction(ctx, actor, ActSend, id, n.ID, false, func(t *txn, inc2 *Incident, nn *Notice, _ []string) error {
		if nn.ContentHash != n.ContentHash {
			return Errorf(ECONFLICT, "notice %s changed while the test was sent", n.ID)
		}
		tag, err := t.AddressTag(addr)
		if err != nil {
			return err
		}
		ids := make([]string, len(mails))
		for i, m := range mails {
			ids[i] = m.MessageID
		}
		nn.Test = &TestSend{By: actor, At: t.now, ToTag: tag, MessageID: ids[0], Locales: locs, ContentHash: nn.ContentHash, Where: s.mailer.Describe()}
		if err := t.PutNotice(nn); err != nil {
			return err
		}
		return s.audit(t, actor, "notice.test_sent", inc, map[string]string{"notice": nn.ID, "to_tag": tag, "message_id": strings.Join(ids, ","),
			"locales": strings.Join(locs, ","), "content_hash": nn.ContentHash})
	})
	if err != nil {
		return nil, err
	}
	res.Where, res.Folder = s.mailer.Describe(), mailerFolder(s.mailer)
	return res, nil
}

func mailDomain(c Company) string {
	if _, d, ok := strings.Cut(c.ContactEmail, "@"); ok && d != "" {
		return strings.ToLower(d)
	}
	return ""
}

// ConfirmTestNotice records that the requester received the test message
// and it looked right.
func (s *Service) ConfirmTestNotice(ctx context.Context, actor, id, noticeID string) (*NoticeResult, error) {
	return s.noticeAction(ctx, actor, ActSend, id, noticeID, true, func(t *txn, inc *Incident, n *Notice, _ []string) error {
		switch {
		case n.Test == nil || n.Test.ContentHash != n.ContentHash:
			return Errorf(ECONFLICT, "no test message of notice %s was sent yet", n.ID).WithTry("notice test --to you@example.com")
		case n.Test.By != actor:
			return Errorf(ECONFLICT, "the test message of notice %s went to %s; they confirm it arrived", n.ID, n.Test.By).
				WithHint("ask %s to run /breach notice test --confirm, or send your own: /breach notice test --to you@example.com", n.Test.By)
		case !n.Test.ConfirmedAt.IsZero():
			return Errorf(ECONFLICT, "the test message of notice %s was already confirmed by %s", n.ID, n.Test.ConfirmedBy).WithTry("notice send %s", n.ID)
		}
		n.Test.ConfirmedBy, n.Test.ConfirmedAt = actor, t.now
		if err := t.PutNotice(n); err != nil {
			return err
		}
		return s.audit(t, actor, "notice.test_confirmed", inc, map[string]string{"notice": n.ID, "message_id": n.Test.MessageID})
	})
}

// testLocales returns the locales a test-send covers: the notice's own,
// then every other locale its recipients get.
func testLocales(n *Notice) []string {
	out := []string{n.Locale}
	for _, loc := range sortedKeys(n.TemplateHashes) {
		if loc != n.Locale {
			out = append(out, loc)
		}
	}
	return out
}
