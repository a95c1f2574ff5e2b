package incidents

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
			if n.Locale != loc {
				switchLocale(&n.Data.Incident, n.Locale, loc)
			}
			n.Locale = loc
		}
		for _, name := range sortedKeys(in.Fields) {
			if err := SetNoticeField(&n.Data.Incident, name, in.Fields[name]); err != nil {
				return err
			}
		}
		ownTextsFirst(&n.Data.Incident, n.Locale)
		available, err := s.renderer.Locales(n.Template)
		if err != nil {
			return err
		}
		if !slices.Contains(available, n.Locale) {
			return Errorf(EINVALID, "template %s has no locale %q", n.Template, n.Locale).WithHint("its locales: %s; --locale %s", strings.Join(available, ", "), available[0])
		}
		for _, loc := range sortedKeys(n.Data.Incident.Texts) {
			if !slices.Contains(available, loc) {
				return Errorf(EINVALID, "template %s has no locale %q, so its texts would never be sent", n.Template, loc).
					WithHint("its locales: %s; e.g. --what-happened.%s \"...\"", strings.Join(available, ", "), available[len(available)-1])
			}
		}
		n.Data.Company = s.company
		n.Data.Notice = NoticeReference{Regulations: noticeRegulations(inc, pb), Drill: inc.Drill,
			Date: time.Date(t.now.Year(), t.now.Month(), t.now.Day(), 0, 0, 0, 0, time.UTC)}
		n.Data.Notice.Laws, n.Data.Notice.Contacts = noticeLaws(inc, pb)
		n.Data.Incident.AffectedCount = affectedCount(inc, n.Data.Notice.Laws)
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
		n.Data.Notice.Reference = NoticeRef(s.company.Name, inc.ID, n.ID)
		profiles, err := noticeProfiles(t, n)
		if err != nil {
			return err
		}
		n.Variants = noticeVariants(n, profiles)
		n.Missing = appendUnique(missingFields(n), missingTranslations(n)...)
		if err := s.renderVariants(n); err != nil {
			return err
		}
		// The notice's own fields first, then those of other locales.
		slices.SortStableFunc(n.Missing, func(a, b string) int {
			return cmp.Compare(strings.Count(a, "."), strings.Count(b, "."))
		})
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

// renderVariants renders each variant of n once, for a made-up person of
// it: content a template rule finds missing is added to the variant's (and
// the notice's) Missing, and each template locale gets a preview, of its
// most numerous variant. A notice without variants (no one imported) is
// previewed for a placeholder person in each locale.
func (s *Service) renderVariants(n *Notice) error {
	type job struct {
		v   *NoticeVariant
		loc string
		r   Recipient
	}
	var jobs []job
	for i := range n.Variants {
		v := &n.Variants[i]
		jobs = append(jobs, job{v, v.Locale, v.Recipient()})
	}
	for _, loc := range sortedKeys(n.TemplateHashes) {
		if !slices.ContainsFunc(jobs, func(j job) bool { return j.loc == loc }) {
			jobs = append(jobs, job{nil, loc, PlaceholderRecipient(loc, n.Data.Incident.DataCategories)})
		}
	}
	previewed := map[string]bool{}
	for _, j := range jobs {
		m, err := s.renderer.Render(n.Template, j.loc, n.DataFor(j.loc), j.r)
		var mc *MissingContentError
		if errors.As(err, &mc) {
			// Kept as an incomplete draft: the reply says what to add
			// (a text of another locale by its locale).
			for _, f := range mc.Fields {
				if j.loc != n.Locale && slices.Contains(textFields, f) {
					f += "." + j.loc
				}
				n.Missing = appendUnique(n.Missing, f)
				if j.v != nil && !slices.ContainsFunc(j.v.Missing, func(m MissingItem) bool { return m.Field == f }) {
					j.v.Missing = append(j.v.Missing, MissingItem{Field: f, What: strings.ReplaceAll(strings.TrimSuffix(f, "."+j.loc), "_", " ")})
				}
			}
			continue
		}
		if err != nil {
			return err
		}
		if j.v != nil {
			for _, m := range j.v.Missing {
				n.Missing = appendUnique(n.Missing, m.Field)
			}
		}
		if previewed[j.loc] {
			continue
		}
		previewed[j.loc] = true
		p := NoticePreview{Locale: j.loc, Subject: m.Subject, Text: m.Text}
		if j.v != nil {
			p.Variant = j.v.Key
		}
		if j.loc == n.Locale {
			n.Previews = append([]NoticePreview{p}, n.Previews...)
		} else {
			n.Previews = append(n.Previews, p)
		}
	}
	for _, v := range n.Variants {
		for _, m := range v.Missing {
			n.Missing = appendUnique(n.Missing, m.Field)
		}
	}
	return nil
}

// affectedCount returns the number of people affected for a notice whose
// laws ask for it (R.I. Gen. Laws 11-49.3-4(d)(1)), else nil. The number is
// the incident's "affected" fact, not the notice's recipient count: the
// import records its count there, and a responder who knows of more people
// (some without an address) records the true figure, the one the
// regulators are told too; the recipients are only those we can write to.
// A fact that is not recorded is unknown (nil), never the recipient count.
func affectedCount(inc *Incident, laws []NoticeLaw) *int64 {
	asked := slices.ContainsFunc(laws, func(l NoticeLaw) bool {
		return l.Rules != nil && slices.ContainsFunc(l.Rules.Require, func(r ContentRule) bool { return r.Item == ItemAffectedCount })
	})
	f, ok := inc.Facts["affected"]
	if !asked || !ok || f.Number == nil {
		return nil
	}
	v := *f.Number
	return &v
}

// sameContent compares what a re-draft would render, ignoring the notice id.
func sameContent(a, b *Notice) bool {
	ad, bd := a.Data, b.Data
	ad.Notice.ID, bd.Notice.ID = "", ""
	ad.Notice.Reference, bd.Notice.Reference = "", ""
	// A re-draft on another day says the same: the date alone is no change.
	ad.Notice.Date, bd.Notice.Date = time.Time{}, time.Time{}
	x, y := *a, *b
	x.Data, y.Data = ad, bd
	return x.ComputeContentHash() == y.ComputeContentHash()
}

// refAlphabet has no characters that read or sound alike on the phone: no
// 0/O, 1/I/L, U/V, 5/S, 8/B, 2/Z.
const refAlphabet = "34679ACDEFGHJKMNPQRTWXY"

// NoticeRef returns the reference a person can quote on the phone for a
// notice of an incident: up to four letters of the company's name, four
// characters derived from the incident, and the notice's number
// ("ACME-7KQ4-N1"). The Message-ID is separate and unchanged.
func NoticeRef(company, incident, notice string) string {
	var prefix []byte
	for _, r := range strings.ToUpper(company) {
		if r >= 'A' && r <= 'Z' && len(prefix) < 4 {
			prefix = append(prefix, byte(r))
		}
	}
	if len(prefix) < 2 {
		prefix = []byte("REF")
	}
	sum := sha256.Sum256([]byte(incident))
	code := make([]byte, 4)
	for i := range code {
		code[i] = refAlphabet[int(sum[i])%len(refAlphabet)]
	}
	return string(prefix) + "-" + string(code) + "-" + strings.ToUpper(notice)
}

// ownTextsFirst moves texts given for the notice's own locale
// (--what-happened.en on an English notice) into its fields.
func ownTextsFirst(c *NoticeIncident, locale string) {
	t, ok := c.Texts[locale]
	if !ok {
		return
	}
	for _, f := range textFields {
		if v := t.text(f); v != "" {
			_ = SetNoticeField(c, f, v)
		}
	}
	c.Texts = maps.Clone(c.Texts)
	delete(c.Texts, locale)
	if len(c.Texts) == 0 {
		c.Texts = nil
	}
}

// switchLocale keeps the texts when a notice's own locale changes from old
// to new: the fields become old's texts, and new's texts (if any) the
// fields, so no language's text is lost or sent to the wrong readers.
func switchLocale(c *NoticeIncident, old, new string) {
	texts := maps.Clone(c.Texts)
	if texts == nil {
		texts = map[string]NoticeTexts{}
	}
	if t := c.texts(); t != (NoticeTexts{}) {
		texts[old] = t
	}
	c.setTexts(texts[new])
	delete(texts, new)
	if len(texts) == 0 {
		texts = nil
	}
	c.Texts = texts
}
