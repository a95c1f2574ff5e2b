package incidents

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// NoticeResult is what a notice use case returns.
type NoticeResult struct {
	Incident *Incident
	Notice   *Notice
	// Notices are all notices of the incident, oldest first (status).
	Notices []*Notice
	// Unchanged is set when a draft was asked for that already exists.
	Unchanged bool
	// Voided lists notices superseded by a new draft.
	Voided []string
	// Missing names required narrative fields that are still empty.
	Missing []string
	// Unsettled lists content rules for the notice's recipients that depend
	// on facts still unknown; a draft with any cannot be submitted.
	Unsettled []UnsettledContent
	// Requeued counts recipients queued again by a retry.
	Requeued int64
	// Where says where a test message or the sending goes.
	Where string
	// Folder is set when they are written into this folder, not sent.
	Folder string
}

// Narrative field names, as typed after --field or in a draft file.
const (
	FieldWhatHappened        = "what_happened"
	FieldWhatWeAreDoing      = "what_we_are_doing"
	FieldWhatYouCanDo        = "what_you_can_do"
	FieldLikelyConsequences  = "likely_consequences"
	FieldIdentityProtection  = "identity_theft_protection"
	FieldMoreInfo            = "more_info"
	FieldBreachStart         = "breach_start"
	FieldBreachEnd           = "breach_end"
	FieldDiscoveredAt        = "discovered_at"
	FieldDataCategories      = "data_categories"
	FieldLawEnforcementDelay = "law_enforcement_delay"
)

// NoticeFields lists the narrative fields a draft takes.
var NoticeFields = []string{FieldWhatHappened, FieldWhatWeAreDoing, FieldWhatYouCanDo, FieldLikelyConsequences,
	FieldIdentityProtection, FieldMoreInfo, FieldBreachStart, FieldBreachEnd, FieldDiscoveredAt, FieldDataCategories, FieldLawEnforcementDelay}

// requiredFields must be filled before a notice is submitted: the headings
// every notice law asks for (California's What Happened, What We Are Doing,
// What You Can Do; GDPR Art. 34(2)).
var requiredFields = []string{FieldWhatHappened, FieldWhatWeAreDoing, FieldWhatYouCanDo}

const maxNarrative = 5000

// SetNoticeField sets one narrative field from text: times as RFC 3339 or
// YYYY-MM-DD, lists comma-separated, yes/no for law_enforcement_delay.
func SetNoticeField(c *NoticeIncident, name, value string) error {
	name = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	value = strings.TrimSpace(value)
	if len(value) > maxNarrative {
		return Errorf(EINVALID, "%s is %d characters long; keep it under %d", name, len(value), maxNarrative)
	}
	parseTime := func() (time.Time, error) {
		if value == "" {
			return time.Time{}, nil
		}
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02"} {
			if t, err := time.Parse(layout, value); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, Errorf(EINVALID, "%s: %q is not a time", name, value).WithHint("use 2026-11-20 or 2026-11-20T14:00Z")
	}
	var err error
	switch name {
	case FieldWhatHappened:
		c.WhatHappened = value
	case FieldWhatWeAreDoing:
		c.WhatWeAreDoing = value
	case FieldWhatYouCanDo:
		c.WhatYouCanDo = value
	case FieldLikelyConsequences, "consequences":
		c.LikelyConsequences = value
	case FieldIdentityProtection, "identity_protection":
		c.IdentityTheftProtection = value
	case FieldMoreInfo:
		c.MoreInfo = value
	case FieldBreachStart:
		c.BreachStart, err = parseTime()
	case FieldBreachEnd:
		c.BreachEnd, err = parseTime()
	case FieldDiscoveredAt, "discovered":
		c.DiscoveredAt, err = parseTime()
	case FieldDataCategories, "data":
		c.DataCategories = nil
		for _, p := range strings.Split(value, ",") {
			if p = strings.ToLower(strings.TrimSpace(p)); p != "" && !slices.Contains(c.DataCategories, p) {
				c.DataCategories = append(c.DataCategories, p)
			}
		}
	case FieldLawEnforcementDelay:
		switch strings.ToLower(value) {
		case "yes", "true", "1", "":
			c.LawEnforcementDelay = true
		case "no", "false", "0":
			c.LawEnforcementDelay = false
		default:
			return Errorf(EINVALID, "law_enforcement_delay: %q is not yes or no", value)
		}
	default:
		return Errorf(EINVALID, "a notice has no field %q", name).WithHint("fields: %s", strings.Join(NoticeFields, ", "))
	}
	return err
}

func missingFields(c NoticeIncident) []string {
	var out []string
	for _, f := range requiredFields {
		var v string
		switch f {
		case FieldWhatHappened:
			v = c.WhatHappened
		case FieldWhatWeAreDoing:
			v = c.WhatWeAreDoing
		case FieldWhatYouCanDo:
			v = c.WhatYouCanDo
		}
		if strings.TrimSpace(v) == "" {
			out = append(out, f)
		}
	}
	return out
}

// noticeMissing is what n still lacks: as recorded when drafted, and the
// required narrative fields (for notices stored before Missing was).
func noticeMissing(n *Notice) []string {
	return appendUnique(slices.Clone(n.Missing), missingFields(n.Data.Incident)...)
}

// MissingHint says what to type to fill in the missing fields: one draft
// command with their flags, and the configuration keys to set.
func MissingHint(missing []string) string {
	var flags, config []string
	for _, m := range missing {
		if strings.HasPrefix(m, "company.") {
			config = append(config, strings.TrimPrefix(m, "company."))
			continue
		}
		flags = append(flags, MissingFix(m))
	}
	var parts []string
	if len(flags) > 0 {
		parts = append(parts, "/breach notice draft "+strings.Join(flags, " "))
	}
	if len(config) > 0 {
		parts = append(parts, "set company: {"+strings.Join(config, ": ..., ")+": ...} in breachbot.yaml and restart, then draft again")
	}
	return strings.Join(parts, "; ")
}

// DraftInput is what /breach notice draft gives.
type DraftInput struct {
	// Template and Locale: empty keeps the latest draft's (or the defaults).
	Template string
	Locale   string
	// Fields are narrative fields to set (see SetNoticeField), applied over
	// the latest draft's.
	Fields map[string]string
}

func (s *Service) needRenderer() error {
	if s.renderer == nil {
		return Errorf(EINTERNAL, "no notice templates are configured")
	}
	return nil
}

// latestNotice returns the newest notice of an incident, or nil.
func latestNotice(t Tx, incident string) (*Notice, error) {
	var last *Notice
	err := t.Notices(incident, func(n *Notice) error { last = n; return nil })
	return last, err
}

// findNotice returns the notice with the given id, or the latest one.
func findNotice(t Tx, inc *Incident, id string) (*Notice, error) {
	if id != "" {
		nid, err := ParseNoticeID(id)
		if err != nil {
			return nil, err
		}
		return t.Notice(inc.ID, nid)
	}
	n, err := latestNotice(t, inc.ID)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, Errorf(ENOTFOUND, "%s has no notice yet", inc.ID).
			WithHint("import the affected people (/breach notice import FILE), then /breach notice draft --what-happened \"...\"")
	}
	return n, nil
}

// DraftNotice renders a new draft: the latest draft's narrative with the
// given changes, the incident's current recipient list, and the template's
// current files. The preview is rendered for a placeholder person. Earlier
// unsent drafts are superseded (their submission or approval is void).
func (s *Service) DraftNotice(ctx context.Context, actor, id string, in DraftInput) (*NoticeResult, error) {
	if err := s.needRenderer(); err != nil {
		return nil, err
	}
	var res NoticeResult
	err := s.do(ctx, actor, ActNotice, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident = inc
		if inc.Recipients == nil {
			return Errorf(ECONFLICT, "%s has no affected people imported yet; a draft is rendered for them", inc.ID).
				WithTry("notice import customers.csv").WithHint("(a CSV with an email column)")
		}
		last, err := latestNotice(t, inc.ID)
		if err != nil {
			return err
		}
		n := &Notice{Incident: inc.ID, Drill: inc.Drill, State: NoticeDraft, DraftedBy: actor, DraftedAt: t.now, Recipients: *inc.Recipients}
		if last != nil {
			n.Template, n.Locale, n.Data.Incident = last.Template, last.Locale, last.Data.Incident
			n.Data.Incident.DataCategories = slices.Clone(last.Data.Incident.DataCategories)
		} else {
			n.Template, n.Locale = s.renderer.Default(), "en"
			n.Data.Incident = NoticeIncident{DiscoveredAt: inc.AwareAt()}
			if f, ok := inc.Facts["data_categories"]; ok {
				n.Data.Incident.DataCategories = slices.Clone(f.Set)
			}
		}
		n.Data.Incident.ID = inc.ID
		if in.Template != "" {
			n.Template = in.Template
		}
		if in.Locale != "" {
			loc, ok := normalizeLocale(in.Locale)
			if !ok {
				return Errorf(EINVALID, "%q is not a locale", in.Locale).WithHint("--locale en or --locale de")
			}
			n.Locale = loc
		}
		for _, name := range sortedKeys(in.Fields) {
			if err := SetNoticeField(&n.Data.Incident, name, in.Fields[name]); err != nil {
				return err
			}
		}
		available, err := s.renderer.Locales(n.Template)
		if err != nil {
			return err
		}
		if !slices.Contains(available, n.Locale) {
			return Errorf(EINVALID, "template %s has no locale %q", n.Template, n.Locale).WithHint("its locales: %s; --locale %s", strings.Join(available, ", "), available[0])
		}
		n.Data.Company = s.company
		n.Data.Notice = NoticeReference{Regimes: noticeRegimes(inc, pb), Drill: inc.Drill}
		n.TemplateHashes = map[string]string{}
		for _, loc := range templateLocales(available, n.Locale, n.Recipients.Locales) {
			h, err := s.renderer.Hash(n.Template, loc)
			if err != nil {
				return err
			}
			n.TemplateHashes[loc] = h
		}
		if last != nil && last.State.Unsent() && last.Template == n.Template && last.Locale == n.Locale &&
			last.Recipients.Hash == n.Recipients.Hash && sameContent(last, n) {
			res.Notice, res.Unchanged, res.Missing = last, true, noticeMissing(last)
			res.Unsettled = unsettledContent(inc, pb, last.Recipients.Counts)
			return nil
		}
		num, err := t.NextNoticeNumber(inc.ID)
		if err != nil {
			return err
		}
		n.ID = "N" + strconv.Itoa(num)
		n.Data.Notice.ID = n.ID
		n.Missing = missingFields(n.Data.Incident)
		for _, loc := range sortedKeys(n.TemplateHashes) {
			m, err := s.renderer.Render(n.Template, loc, n.Data, PlaceholderRecipient(loc, n.Data.Incident.DataCategories))
			var mc *MissingContentError
			if errors.As(err, &mc) {
				// Kept as an incomplete draft: the reply says what to add.
				n.Missing = appendUnique(n.Missing, mc.Fields...)
				continue
			}
			if err != nil {
				return err
			}
			p := NoticePreview{Locale: loc, Subject: m.Subject, Text: m.Text}
			if loc == n.Locale {
				n.Previews = append([]NoticePreview{p}, n.Previews...)
			} else {
				n.Previews = append(n.Previews, p)
			}
		}
		if len(n.Missing) > 0 {
			n.Previews = nil
		}
		n.ContentHash = n.ComputeContentHash()
		if err := n.Validate(); err != nil {
			return err
		}
		err = t.Notices(inc.ID, func(old *Notice) error {
			if !old.State.Unsent() {
				return nil
			}
			res.Voided = append(res.Voided, old.ID)
			return s.voidNotice(t, inc, old, "superseded by "+n.ID)
		})
		if err != nil {
			return err
		}
		if err := t.PutNotice(n); err != nil {
			return err
		}
		res.Notice, res.Missing = n, n.Missing
		res.Unsettled = unsettledContent(inc, pb, n.Recipients.Counts)
		return s.audit(t, actor, "notice.drafted", inc, map[string]string{
			"notice": n.ID, "template": n.Template, "locales": strings.Join(sortedKeys(n.TemplateHashes), ","),
			"content_hash": n.ContentHash, "recipients": n.Recipients.ID, "recipients_hash": n.Recipients.Hash,
			"recipient_count": strconv.FormatInt(n.Recipients.Count, 10),
		})
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// sameContent compares what a re-draft would render, ignoring the notice id.
func sameContent(a, b *Notice) bool {
	ad, bd := a.Data, b.Data
	ad.Notice.ID, bd.Notice.ID = "", ""
	x, y := *a, *b
	x.Data, y.Data = ad, bd
	return x.ComputeContentHash() == y.ComputeContentHash()
}

// noticeRegimes lists the regulations that require telling the people
// affected and apply to the incident (their catalog ids).
func noticeRegimes(inc *Incident, pb *Playbook) []string {
	var out []string
	for _, o := range inc.Obligations {
		if o.Applies != Applies {
			continue
		}
		for _, r := range pb.Obligations {
			if r.ID == o.ID && setsNoticeContent(r.Regulation) && !slices.Contains(out, r.Regulation.ID) {
				out = append(out, r.Regulation.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}

// setsNoticeContent reports whether a regulation tells people affected and
// says what their notice must contain.
func setsNoticeContent(reg Regulation) bool {
	notify := strings.ToLower(reg.Notify)
	return len(reg.Content) > 0 && (strings.Contains(notify, "affected") || strings.Contains(notify, "individual") ||
		strings.Contains(notify, "resident") || strings.Contains(notify, "people") || strings.Contains(notify, "data subject"))
}

// UnsettledContent is a rule that would add content to a notice, for people
// the notice goes to, but whose condition needs facts still unknown (GDPR
// Art. 34(2) while high_risk is unknown). Until the facts are recorded the
// notice cannot be submitted: a missing fact must not silently shorten it,
// and only a recorded "no" removes the content.
type UnsettledContent struct {
	// Regulation is the catalog id, e.g. "gdpr-art34"; Title and Citation
	// name it for people.
	Regulation string
	Title      string
	Citation   string
	// Facts are the facts that would settle whether it applies.
	Facts []string
	// Adds is what the rule's notice must contain, if it applies.
	Adds []string
	// People is how many of the notice's recipients are in its jurisdiction
	// (or of unknown jurisdiction).
	People int64
}

// unsettledContent lists the content rules that need facts and concern
// people in counts (recipients per jurisdiction); recipients of unknown
// jurisdiction may be anywhere, so they concern every rule.
func unsettledContent(inc *Incident, pb *Playbook, counts map[string]int64) []UnsettledContent {
	var out []UnsettledContent
	for _, o := range inc.Obligations {
		if o.Applies != NeedsFacts || o.Status == ObligationWaived {
			continue
		}
		for _, r := range pb.Obligations {
			if r.ID != o.ID || !setsNoticeContent(r.Regulation) {
				continue
			}
			var people int64
			for place, n := range counts {
				if place == JurisdictionUnknown || r.Regulation.Jurisdiction == "" || jurisdictionMatch(place, r.Regulation.Jurisdiction, pb.Groups) {
					people += n
				}
			}
			if people == 0 {
				continue
			}
			u := UnsettledContent{Regulation: r.Regulation.ID, Title: r.Regulation.Title, Citation: r.Regulation.Citation,
				Adds: slices.Clone(r.Regulation.Content), People: people}
			for _, m := range o.Missing {
				if i := strings.IndexAny(m, ". "); i > 0 {
					m = m[:i]
				}
				if !slices.Contains(u.Facts, m) {
					u.Facts = append(u.Facts, m)
				}
			}
			out = append(out, u)
		}
	}
	return out
}

// contentUnsettled returns the refusal of a notice whose content rules are
// not settled: facts still unknown, or rules that came to apply after it was
// drafted. It returns nil when the notice may go ahead.
func contentUnsettled(inc *Incident, pb *Playbook, n *Notice) error {
	if u := unsettledContent(inc, pb, n.Recipients.Counts); len(u) > 0 {
		var facts, rules []string
		for _, c := range u {
			rules = append(rules, c.Regulation)
			for _, f := range c.Facts {
				if !slices.Contains(facts, f) {
					facts = append(facts, f)
				}
			}
		}
		return Errorf(EINVALID, "notice %s cannot be submitted: whether it must carry the content of %s depends on %s, which is not recorded",
			n.ID, strings.Join(rules, ", "), strings.Join(facts, ", ")).
			WithHint("record it (/breach facts %s=yes or =no), then /breach notice draft again; only a recorded no leaves that content out", facts[0])
	}
	for _, id := range noticeRegimes(inc, pb) {
		if !slices.Contains(n.Data.Notice.Regimes, id) {
			return Errorf(EINVALID, "notice %s was drafted before %s applied, so it may lack content that rule requires", n.ID, id).
				WithTry("notice draft").WithHint("again: the new draft is checked against %s", id)
		}
	}
	return nil
}

// bindingBroken says why a notice no longer matches what it was drafted
// for ("" if it still does): the incident's recipient list or a template
// file changed.
func (s *Service) bindingBroken(inc *Incident, n *Notice) string {
	if inc.Recipients == nil || inc.Recipients.ID != n.Recipients.ID || inc.Recipients.Hash != n.Recipients.Hash {
		now := "none"
		if inc.Recipients != nil {
			now = inc.Recipients.ID
		}
		return fmt.Sprintf("the recipient list changed since it was drafted (drafted for %s, now %s)", n.Recipients.ID, now)
	}
	for _, loc := range sortedKeys(n.TemplateHashes) {
		h, err := s.renderer.Hash(n.Template, loc)
		if err != nil {
			return fmt.Sprintf("template %s (%s) can no longer be read: %s", n.Template, loc, ErrorMessage(err))
		}
		if h != n.TemplateHashes[loc] {
			return fmt.Sprintf("template %s (%s) changed since it was drafted", n.Template, loc)
		}
	}
	if n.Approval != nil && (n.Approval.ContentHash != n.ContentHash || n.Approval.RecipientsHash != n.Recipients.Hash) {
		return "the approved content or recipient list is not the notice's"
	}
	return ""
}

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
		inc, _, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		n, err := findNotice(t, inc, noticeID)
		if err != nil {
			return err
		}
		res.Incident, res.Notice = inc, n
		if check && n.State.Unsent() {
			if why := s.bindingBroken(inc, n); why != "" {
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
			return Errorf(EINVALID, "notice %s is missing %s; every notice must say them", n.ID, strings.Join(miss, ", ")).
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
		Counts: n.Recipients.Counts, Previews: n.Previews, DraftedBy: n.DraftedBy, SubmittedBy: n.SubmittedBy}
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

// TestNotice sends the notice, rendered for the placeholder person, to the
// requester's own address. It must be received and confirmed
// (ConfirmTestNotice) before the notice is sent to anyone.
func (s *Service) TestNotice(ctx context.Context, actor, id, noticeID, to string) (*NoticeResult, error) {
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
		n    *Notice
		inc  *Incident
		mail *Mail
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
		data := nn.Data
		data.Notice.Test = true
		content, err := s.renderer.Render(nn.Template, nn.Locale, data, PlaceholderRecipient(nn.Locale, nn.Data.Incident.DataCategories))
		if err != nil {
			return err
		}
		attempt := t.now.UnixNano()
		mail = &Mail{To: addr, Content: content, Incident: i.ID, Date: t.now,
			MessageID: MessageID(i.ID, nn.ID+"-test-"+strconv.FormatInt(attempt, 36), tag, mailDomain(s.company))}
		n, inc = nn, i
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.testMailMu.Lock()
	err = s.mailer.Send(ctx, mail)
	s.testMailMu.Unlock()
	if err != nil {
		var se *SendError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = se.Error()
		}
		s.refused(ctx, actor, ActSend, id, Errorf(EINVALID, "test message not accepted: %s", msg))
		return nil, Errorf(EINVALID, "the test message was not accepted by %s: %s", s.mailer.Describe(), RedactAddresses(msg)).
			WithHint("check the address and the SMTP settings (SMTP_ADDR, SMTP_TLS, SMTP_USERNAME), then try again")
	}
	res, err := s.noticeAction(ctx, actor, ActSend, id, n.ID, false, func(t *txn, inc2 *Incident, nn *Notice, _ []string) error {
		if nn.ContentHash != n.ContentHash {
			return Errorf(ECONFLICT, "notice %s changed while the test was sent", n.ID)
		}
		tag, err := t.AddressTag(addr)
		if err != nil {
			return err
		}
		nn.Test = &TestSend{By: actor, At: t.now, ToTag: tag, MessageID: mail.MessageID, ContentHash: nn.ContentHash, Where: s.mailer.Describe()}
		if err := t.PutNotice(nn); err != nil {
			return err
		}
		return s.audit(t, actor, "notice.test_sent", inc, map[string]string{"notice": nn.ID, "to_tag": tag, "message_id": mail.MessageID, "content_hash": nn.ContentHash})
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

// SendNotice starts sending an approved notice to its recipients; the
// NoticeSender does the sending, durably and resumably. Drills go to the
// sandbox, never to customers.
func (s *Service) SendNotice(ctx context.Context, actor, id, noticeID string) (*NoticeResult, error) {
	res, err := s.noticeAction(ctx, actor, ActSend, id, noticeID, true, func(t *txn, inc *Incident, n *Notice, _ []string) error {
		switch {
		case n.State == NoticeSending || n.State == NoticeSent || n.State == NoticePaused:
			return Errorf(ECONFLICT, "notice %s is already %s", n.ID, n.State).WithHint("/breach notice status %s; /breach notice retry %s re-queues temporary failures", n.ID, n.ID)
		case n.State != NoticeApproved || n.Approval == nil:
			return stateConflict(n, "sent before legal approves it", "/breach notice submit "+n.ID+", then someone in legal: /breach notice approve "+n.ID)
		case n.Test == nil || n.Test.ContentHash != n.ContentHash:
			return Errorf(ECONFLICT, "notice %s has not been test-sent; send it to your own address first and check it", n.ID).
				WithHint("/breach notice test --to you@example.com, then /breach notice test --confirm")
		case n.Test.ConfirmedAt.IsZero():
			return Errorf(ECONFLICT, "the test message of notice %s is not confirmed yet", n.ID).
				WithHint("check that it arrived and looks right, then %s runs /breach notice test --confirm", n.Test.By)
		}
		m, err := s.noticeMailer(inc)
		if err != nil {
			return err
		}
		n.State = NoticeSending
		n.Send = &SendState{RequestedBy: actor, RequestedAt: t.now, Cursor: 1, Total: n.Recipients.Count,
			Transport: m.Describe(), Folder: mailerFolder(m)}
		if inc.Drill {
			n.Send.Sandbox = m.Describe()
		}
		if err := t.PutNotice(n); err != nil {
			return err
		}
		details := map[string]string{"notice": n.ID, "recipients": strconv.FormatInt(n.Recipients.Count, 10), "content_hash": n.ContentHash,
			"recipients_hash": n.Recipients.Hash, "approved_by": n.Approval.By, "transport": m.Describe()}
		if inc.Drill {
			details["sandbox"] = m.Describe()
		}
		return s.audit(t, actor, "notice.send_started", inc, details)
	})
	if err != nil {
		return nil, err
	}
	res.Where, res.Folder = res.Notice.Send.Transport, res.Notice.Send.Folder
	wake(s.noticeWake)
	return res, nil
}

// noticeMailer is where an incident's notices go: the sandbox for drills.
func (s *Service) noticeMailer(inc *Incident) (Mailer, error) {
	if inc.Drill {
		if s.sandbox == nil {
			return nil, Errorf(EINVALID, "%s is a drill, and drill notices go only to a sandbox, which is not configured", inc.ID).
				WithHint("set sandbox_address in breachbot.yaml, or run without SMTP_ADDR to write .eml files")
		}
		return s.sandbox, nil
	}
	if s.mailer == nil {
		return nil, noRelay()
	}
	return s.mailer, nil
}

// noRelay refuses to send notices without a mail relay, saying how to
// configure one.
func noRelay() error {
	return Errorf(ECONFLICT, "breachbot has no mail relay configured, so it sends no notices").
		WithHint("set SMTP_ADDR (host:port of your relay), SMTP_FROM (the sender address) and SMTP_TLS (starttls, tls or none), with SMTP_USERNAME and SMTP_PASSWORD if it needs them, and restart; for an air-gapped hand-off instead, set outbox: FOLDER in breachbot.yaml")
}

// NoticeStatus returns an incident's notices and the chosen (or latest) one.
func (s *Service) NoticeStatus(ctx context.Context, actor, id, noticeID string) (*NoticeResult, error) {
	if _, err := s.authorize(ctx, actor, ActView, id); err != nil {
		return nil, err
	}
	var res NoticeResult
	err := s.store.View(ctx, func(tx Tx) error {
		inc, err := tx.Incident(id)
		if err != nil {
			return err
		}
		res.Incident = inc
		if err := tx.Notices(inc.ID, func(n *Notice) error { res.Notices = append(res.Notices, n); return nil }); err != nil {
			return err
		}
		if len(res.Notices) == 0 && noticeID == "" {
			return nil
		}
		res.Notice, err = findNotice(tx, inc, noticeID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// RetryNotice queues again the recipients whose message failed
// temporarily, and with inDoubt also those in doubt, who may have
// received it already (a person asked for it; same Message-ID).
func (s *Service) RetryNotice(ctx context.Context, actor, id, noticeID string, inDoubt bool) (*NoticeResult, error) {
	res, err := s.noticeAction(ctx, actor, ActSend, id, noticeID, false, func(t *txn, inc *Incident, n *Notice, _ []string) error {
		if n.Send == nil {
			return stateConflict(n, "retried", "a notice is retried after it was sent: /breach notice status")
		}
		states := []DeliveryState{DeliveryTemporary}
		if inDoubt {
			states = append(states, DeliveryInDoubt)
		}
		var requeued int64
		for _, st := range states {
			err := t.Deliveries(inc.ID, n.ID, st, func(seq int64, d Delivery) error {
				d.State = DeliveryQueued
				requeued++
				if st == DeliveryTemporary {
					n.Send.FailedTemporary--
				} else {
					n.Send.InDoubt--
				}
				n.Send.Queued++
				return t.PutDelivery(inc.ID, n.ID, seq, d)
			})
			if err != nil {
				return err
			}
		}
		// A paused notice resumes if some recipients were never tried; one
		// paused only for recipients in doubt needs --in-doubt.
		if requeued == 0 && (n.State != NoticePaused || n.Send.Remaining() == 0) {
			what := "temporary failures"
			if inDoubt {
				what = "temporary failures or recipients in doubt"
			}
			err := Errorf(ECONFLICT, "notice %s has no %s to retry", n.ID, what)
			if n.Send.InDoubt > 0 && !inDoubt {
				return err.WithHint("%d are in doubt (they may have it already): /breach notice retry %s --in-doubt sends them again with the same Message-ID", n.Send.InDoubt, n.ID)
			}
			return err.WithTry("notice status %s", n.ID)
		}
		n.State, n.Send.Paused, n.Send.TransportPaused, n.Send.FinishedAt = NoticeSending, "", false, time.Time{}
		if err := t.PutNotice(n); err != nil {
			return err
		}
		return s.audit(t, actor, "notice.retried", inc, map[string]string{"notice": n.ID, "requeued": strconv.FormatInt(requeued, 10),
			"in_doubt": strconv.FormatBool(inDoubt)})
	})
	if err != nil {
		return nil, err
	}
	wake(s.noticeWake)
	return res, nil
}

// LookupResult says whether one address was notified. It names no one else.
type LookupResult struct {
	Incident string
	// Address is the address asked about, normalised.
	Address string
	// InList says whether it is in the incident's current recipient list.
	InList  bool
	Notices []LookupNotice
}

// LookupAnswer is whether an address was notified.
type LookupAnswer string

// Lookup answers.
const (
	// Notified: a notice to the address was sent (the server said 250).
	Notified LookupAnswer = "yes"
	// NotifiedInDoubt: none was sent, but one is in doubt (handed over,
	// no reply recorded).
	NotifiedInDoubt LookupAnswer = "in_doubt"
	// NotNotified: none was sent or handed over (pending, in flight,
	// failed, or none sent to it at all).
	NotNotified LookupAnswer = "no"
)

// Notified answers whether the address was notified, by any notice.
func (r *LookupResult) Notified() LookupAnswer {
	a := NotNotified
	for _, ln := range r.Notices {
		switch {
		case ln.State == DeliverySent:
			return Notified
		case ln.State == DeliveryInDoubt:
			a = NotifiedInDoubt
		}
	}
	return a
}

// LookupNotice is the state of one notice for the address asked about.
type LookupNotice struct {
	Notice    string
	State     DeliveryState
	Pending   bool
	At        time.Time
	MessageID string
	Code      int
	Reply     string
	// Folder is where the message was written (State DeliveryWritten):
	// not sent to anyone by breachbot; HandedOff when legal handed the
	// rest of the send off there.
	Folder    string
	HandedOff bool
}

// LookupRecipient answers whether and when an address was notified of an
// incident, for answering a customer's question. Legal only; audited with
// the address's keyed hash.
func (s *Service) LookupRecipient(ctx context.Context, actor, id, address string) (*LookupResult, error) {
	addr, err := NormalizeAddress(address)
	if err != nil {
		return nil, Errorf(EINVALID, "%s", ErrorMessage(err)).WithCause(err).WithTry("notice lookup someone@example.com")
	}
	res := &LookupResult{Incident: id, Address: addr}
	err = s.do(ctx, actor, ActLookup, id, func(t *txn, _ []string) error {
		inc, _, err := s.load(t, id, true)
		if err != nil {
			return err
		}
		tag, err := t.AddressTag(addr)
		if err != nil {
			return err
		}
		if inc.Recipients != nil {
			if rs, err := t.RecipientSet(inc.Recipients.ID); err == nil && rs.State == SetPurged {
				return Errorf(ECONFLICT, "the affected people of %s were purged on %s (retention); whether an address was notified can no longer be answered",
					inc.ID, rs.PurgedAt.UTC().Format("2006-01-02")).WithHint("the export (/breach export) keeps the counts and outcomes")
			}
			seq, err := t.RecipientByAddress(inc.Recipients.ID, addr)
			if err != nil {
				return err
			}
			res.InList = seq > 0
		}
		err = t.Notices(inc.ID, func(n *Notice) error {
			if n.Send == nil {
				return nil
			}
			seq, err := t.RecipientByAddress(n.Recipients.ID, addr)
			if err != nil || seq == 0 {
				return err
			}
			d, ok, err := t.Delivery(inc.ID, n.ID, seq)
			if err != nil {
				return err
			}
			ln := LookupNotice{Notice: n.ID, Pending: !ok}
			if ok {
				ln.State, ln.At, ln.MessageID, ln.Code, ln.Reply = d.State, d.At, d.MessageID, d.Code, d.Reply
			}
			if ln.State == DeliveryWritten {
				ln.Folder, ln.HandedOff = n.Send.Folder, n.Send.Handoff != nil
			}
			res.Notices = append(res.Notices, ln)
			return nil
		})
		if err != nil {
			return err
		}
		return s.audit(t, actor, "notice.lookup", inc, map[string]string{"address_tag": tag, "in_list": strconv.FormatBool(res.InList), "notified": string(res.Notified())})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
