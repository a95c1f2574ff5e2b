package incidents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RegulatorDraft is the content of one submission to a regulator for one
// obligation, rendered as Markdown for legal to paste into the regulator's
// own portal or form. An obligation may have a sequence of drafts: GDPR
// Art. 33(4) lets information be given in phases, each adding what is newly
// known. A draft's Markdown never changes once rendered; its approval is
// bound to its ContentHash.
type RegulatorDraft struct {
	Obligation string `json:"obligation"`
	// Seq numbers the drafts of one obligation from 1.
	Seq int `json:"seq"`
	// Fields are the narrative items the drafter gave (nature, consequences,
	// measures, ...), carried over to the obligation's next draft.
	Fields   map[string]string `json:"fields,omitempty"`
	Markdown string            `json:"markdown"`
	// ContentHash is the hex sha256 of Markdown.
	ContentHash string `json:"content_hash"`
	// Unknown lists the required items the draft could not yet say.
	Unknown   []RegulatorUnknown `json:"unknown,omitempty"`
	DraftedBy string             `json:"drafted_by"`
	DraftedAt time.Time          `json:"drafted_at"`
	// Approval is legal's approval of exactly this content (ContentHash).
	Approval *Approval `json:"approval,omitempty"`
	// SubmittedAt, SubmittedBy and Reference record that this draft was
	// submitted to the regulator: by met for the first submission, by
	// regulator submitted for a later phase.
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	SubmittedBy string    `json:"submitted_by,omitempty"`
	Reference   string    `json:"reference,omitempty"`
}

// RegulatorUnknown is a required item of a regulator draft that is not
// known yet, with what fills it.
type RegulatorUnknown struct {
	Item string `json:"item"`
	// Fill says what to type or configure to fill it.
	Fill string `json:"fill"`
}

// RegulatorDraftInput is what /breach regulator draft gives.
type RegulatorDraftInput struct {
	Obligation string
	// Fields set narrative items over the previous draft's (see
	// RegulatorFields); an empty value forgets one.
	Fields map[string]string
}

// RegulatorResult is the outcome of a regulator draft use case.
type RegulatorResult struct {
	Incident *Incident
	Draft    *RegulatorDraft
}

// RegulatorFields are the narrative items a regulator draft takes from its
// drafter, by the name typed as a flag (--nature), with what each is.
var RegulatorFields = map[string]string{
	"nature":                "what happened: the nature of the breach",
	"subjects":              "the categories of people concerned (customers, employees, ...)",
	"records":               "the approximate number of personal data records concerned",
	"consequences":          "the likely consequences of the breach",
	"measures":              "the measures taken or proposed to address the breach and mitigate its effects",
	"delay-reason":          "the reasons for notifying after the deadline",
	"dates":                 "when the breach happened: a date or a range",
	"type":                  "the type of breach (hacking/IT incident, unauthorized access, theft, loss, improper disposal)",
	"location":              "where the breached information was (network server, email, EHR, laptop, paper)",
	"safeguards":            "the safeguards in place before the breach",
	"substitute-notice":     "whether substitute notice to individuals was required (HIPAA)",
	"malicious":             "whether unlawful or malicious acts are suspected (NIS2)",
	"cross-border":          "whether and how the incident has a cross-border impact (NIS2)",
	"severity":              "the assessment of the incident's severity and impact (NIS2)",
	"iocs":                  "the indicators of compromise (NIS2)",
	"root-cause":            "the type of threat or root cause (NIS2 final report)",
	"law-enforcement-delay": "whether notice was delayed for a law enforcement investigation (California AG)",
	"scope":                 "the scope of the incident: systems, data and operations affected (SEC 8-K)",
	"impact":                "the material impact or reasonably likely material impact, incl. on financial condition and results of operations (SEC 8-K)",
}

// regulatorForm renders the draft of one kind of regulator notification.
type regulatorForm struct {
	// title heads the draft; law names the article in its text.
	title, law string
	render     func(f *formInput) (string, []RegulatorUnknown)
}

// regulatorForms are the regulator notifications the bot drafts, by
// obligation id.
var regulatorForms = map[string]regulatorForm{
	"gdpr-art33":         {title: "Personal data breach notification to the supervisory authority", law: "GDPR Art. 33", render: renderGDPR33},
	"uk-gdpr-art33":      {title: "Personal data breach report to the ICO", law: "UK GDPR Art. 33", render: renderGDPR33},
	"nis2-early-warning": {title: "NIS2 early warning to the CSIRT or competent authority", law: "NIS2 Art. 23(4)(a)", render: nis2EarlyWarning.render},
	"nis2-notification":  {title: "NIS2 incident notification", law: "NIS2 Art. 23(4)(b)", render: nis2Notification.render},
	"nis2-final-report":  {title: "NIS2 final report", law: "NIS2 Art. 23(4)(d)", render: nis2FinalReport.render},
	"ca-ag":              {title: "Sample notice submission to the California Attorney General", law: "Cal. Civ. Code 1798.82(f)", render: caAGForm.render},
	"nydfs-incident":     {title: "Notice of a cybersecurity incident to the NY Superintendent of Financial Services (DFS portal)", law: "23 NYCRR 500.17(a)", render: nydfsForm.render},
	"sec-8k":             {title: "Form 8-K Item 1.05 Material Cybersecurity Incidents", law: "SEC Form 8-K Item 1.05", render: sec8KForm.render},
	"hipaa-hhs":          {title: "Breach report to the HHS Secretary (OCR breach portal)", law: "45 CFR 164.408", render: hhsForm.render},
}

// RegulatorForms lists the obligations for which a draft can be made.
func RegulatorForms() []string { return sortedKeys(regulatorForms) }

// formInput is what a form renders from.
type formInput struct {
	form     regulatorForm
	inc      *Incident
	ob       *Obligation
	company  Company
	fields   map[string]string
	seq      int
	now      time.Time
	previous *RegulatorDraft
}

// DraftRegulator renders the next draft of a regulator notification for an
// obligation from the incident's facts, the company configuration and the
// narrative the drafter gives.
func (s *Service) DraftRegulator(ctx context.Context, actor, id string, in RegulatorDraftInput) (*RegulatorResult, error) {
	for name, v := range in.Fields {
		if _, ok := RegulatorFields[name]; !ok {
			return nil, Errorf(EINVALID, "a regulator draft has no item %q", name).
				WithHint("items: --%s", strings.Join(sortedKeys(RegulatorFields), ", --"))
		}
		if _, err := checkText("--"+name, v, maxReason, false, "--"+name+" \"...\""); err != nil {
			return nil, err
		}
		if name == "records" && strings.TrimSpace(v) != "" {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil || n < 0 {
				return nil, Errorf(EINVALID, "--records %q is not a number of records", v).WithHint("--records 48000 (an approximate number is fine)")
			}
		}
	}
	var res RegulatorResult
	err := s.do(ctx, actor, ActNotice, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident = inc
		form, ok := regulatorForms[in.Obligation]
		if !ok {
			if _, known := inc.Obligation(in.Obligation); !known {
				return obligationNotFound(inc, in.Obligation)
			}
			return Errorf(EINVALID, "there is no regulator draft for %s yet", in.Obligation).
				WithHint("drafts exist for: %s", strings.Join(RegulatorForms(), ", "))
		}
		o, ok := inc.Obligation(in.Obligation)
		if !ok {
			return obligationNotFound(inc, in.Obligation)
		}
		if o.Applies == NotApplicable {
			return Errorf(ECONFLICT, "%s does not apply (%s); there is nothing to draft", o.ID, strings.Join(o.Why, "; ")).
				WithHint("if the facts are wrong, correct them with /breach facts")
		}
		var prev *RegulatorDraft
		for i := range inc.RegulatorDrafts {
			if d := &inc.RegulatorDrafts[i]; d.Obligation == o.ID {
				prev = d
			}
		}
		fields := map[string]string{}
		seq := 1
		if prev != nil {
			for k, v := range prev.Fields {
				fields[k] = v
			}
			seq = prev.Seq + 1
		}
		for k, v := range in.Fields {
			if v = strings.TrimSpace(v); v == "" {
				delete(fields, k)
			} else {
				fields[k] = v
			}
		}
		fi := &formInput{form: form, inc: inc, ob: o, company: s.company, fields: fields, seq: seq, now: t.now, previous: prev}
		md, unknown := form.render(fi)
		sum := sha256.Sum256([]byte(md))
		d := RegulatorDraft{Obligation: o.ID, Seq: seq, Fields: fields, Markdown: md, ContentHash: hex.EncodeToString(sum[:]),
			Unknown: unknown, DraftedBy: actor, DraftedAt: t.now}
		inc.RegulatorDrafts = append(inc.RegulatorDrafts, d)
		res.Draft = &inc.RegulatorDrafts[len(inc.RegulatorDrafts)-1]
		if _, err := s.save(t, inc, pb); err != nil {
			return err
		}
		return s.audit(t, actor, "regulator.drafted", inc, map[string]string{"obligation": o.ID, "draft": strconv.Itoa(seq),
			"content_hash": d.ContentHash, "unknown": strconv.Itoa(len(unknown))})
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// ApproveRegulator records legal's approval of a regulator draft (seq 0:
// the obligation's latest), bound to its content hash. Whoever drafted it
// cannot approve it.
func (s *Service) ApproveRegulator(ctx context.Context, actor, id, obligation string, seq int) (*RegulatorResult, error) {
	var res RegulatorResult
	err := s.do(ctx, actor, ActApprove, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident = inc
		d, err := findRegulatorDraft(inc, obligation, seq)
		if err != nil {
			return err
		}
		if latest, _ := findRegulatorDraft(inc, obligation, 0); latest != d {
			return Errorf(ECONFLICT, "draft %d of %s was replaced by draft %d; only the latest is approved", d.Seq, obligation, latest.Seq).
				WithTry("regulator approve %s", obligation)
		}
		if d.Approval != nil {
			return Errorf(ECONFLICT, "draft %d of %s is already approved by %s", d.Seq, obligation, d.Approval.By)
		}
		if actor == d.DraftedBy {
			return Errorf(EFORBIDDEN, "you drafted %s draft %d, so you cannot approve it: someone else in legal must (separation of duties)", obligation, d.Seq).
				WithHint("ask another member of legal to run /breach regulator approve %s", obligation)
		}
		d.Approval = &Approval{By: actor, At: t.now, ContentHash: d.ContentHash}
		res.Draft = d
		if _, err := s.save(t, inc, pb); err != nil {
			return err
		}
		return s.audit(t, actor, "regulator.approved", inc, map[string]string{"obligation": obligation, "draft": strconv.Itoa(d.Seq),
			"content_hash": d.ContentHash, "drafted_by": d.DraftedBy})
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// RegulatorDraftOf returns a regulator draft of an incident (seq 0: the
// obligation's latest).
func (s *Service) RegulatorDraftOf(ctx context.Context, actor, id, obligation string, seq int) (*RegulatorResult, error) {
	res, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	d, err := findRegulatorDraft(res.Incident, obligation, seq)
	if err != nil {
		return nil, err
	}
	return &RegulatorResult{Incident: res.Incident, Draft: d}, nil
}

func findRegulatorDraft(inc *Incident, obligation string, seq int) (*RegulatorDraft, error) {
	var found *RegulatorDraft
	for i := range inc.RegulatorDrafts {
		d := &inc.RegulatorDrafts[i]
		if d.Obligation == obligation && (seq == 0 || d.Seq == seq) {
			found = d
		}
	}
	if found == nil {
		if _, ok := inc.Obligation(obligation); !ok {
			return nil, obligationNotFound(inc, obligation)
		}
		if seq != 0 {
			return nil, Errorf(ENOTFOUND, "%s has no draft %d of %s", inc.ID, seq, obligation).WithHint("/breach regulator show %s shows the latest", obligation)
		}
		return nil, Errorf(ENOTFOUND, "%s has no regulator draft of %s yet", inc.ID, obligation).
			WithTry("regulator draft %s", obligation)
	}
	return found, nil
}

// approvedRegulatorDraft returns the obligation's latest approved draft, or
// nil.
func approvedRegulatorDraft(inc *Incident, obligation string) *RegulatorDraft {
	var found *RegulatorDraft
	for i := range inc.RegulatorDrafts {
		if d := &inc.RegulatorDrafts[i]; d.Obligation == obligation && d.Approval != nil {
			found = d
		}
	}
	return found
}

// field returns a drafter-given item, or records it as unknown.
func (f *formInput) field(name, item string, unknown *[]RegulatorUnknown) string {
	if v := f.fields[name]; v != "" {
		return v
	}
	*unknown = append(*unknown, RegulatorUnknown{Item: item,
		Fill: fmt.Sprintf("/breach regulator draft %s --%s \"...\"", f.ob.ID, name)})
	return ""
}

// fact returns a fact's value as typed, or records it as unknown.
func (f *formInput) fact(name, item, example string, unknown *[]RegulatorUnknown) string {
	if v, ok := f.inc.Facts[name]; ok {
		if len(v.Set) > 0 {
			return strings.Join(v.Set, ", ")
		}
		return v.String()
	}
	*unknown = append(*unknown, RegulatorUnknown{Item: item, Fill: "/breach facts " + example})
	return ""
}

// companySetting returns a company setting, or records it as unknown.
func (f *formInput) companySetting(key, value, item string, unknown *[]RegulatorUnknown) string {
	if strings.TrimSpace(value) != "" {
		return value
	}
	*unknown = append(*unknown, RegulatorUnknown{Item: item, Fill: "company: " + key + ": in breachbot.yaml"})
	return ""
}

const toFollow = "_Not yet known; to follow._"

func orToFollow(s string) string {
	if s == "" {
		return toFollow
	}
	return s
}

// renderGDPR33 renders the content GDPR (and UK GDPR) Art. 33(3) asks of a
// controller's notification, with the reasons for delay (33(1)) when late,
// and what is still to follow (33(4)).
func renderGDPR33(f *formInput) (string, []RegulatorUnknown) {
	var unknown []RegulatorUnknown
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	controller := f.companySetting("name", f.company.Name, "the controller's name", &unknown)
	aware := f.inc.AwareAt().UTC()

	nature := f.field("nature", "the nature of the breach (33(3)(a))", &unknown)
	subjects := f.field("subjects", "the categories of people concerned (33(3)(a))", &unknown)
	people := f.fact("affected", "the approximate number of people concerned (33(3)(a))", "affected=12000", &unknown)
	data := f.fact("data_categories", "the categories of personal data concerned (33(3)(a))", "data=email,password_hash", &unknown)
	records := f.field("records", "the approximate number of records concerned (33(3)(a))", &unknown)
	contact := f.company.DPO
	if contact == "" {
		contact = f.company.ContactEmail
	}
	contact = f.companySetting("dpo", contact, "the DPO or other contact point (33(3)(b))", &unknown)
	consequences := f.field("consequences", "the likely consequences (33(3)(c))", &unknown)
	measures := f.field("measures", "the measures taken or proposed (33(3)(d))", &unknown)
	var delay string
	late := !f.ob.Due.IsZero() && f.now.After(f.ob.Due)
	if late {
		delay = f.field("delay-reason", "the reasons for the delay, as the notification is late (33(1))", &unknown)
	}

	w("# %s (%s)\n\n", f.form.title, f.form.law)
	phase := "initial notification"
	if f.seq > 1 {
		phase = fmt.Sprintf("further information (Art. 33(4)), submission %d", f.seq)
	}
	w("- Controller: %s\n", orToFollow(controller))
	w("- Our reference: %s, %s\n", f.inc.ID, phase)
	w("- Became aware: %s\n", aware.Format("2006-01-02 15:04 MST"))
	if !f.ob.Due.IsZero() {
		w("- Deadline: %s\n", f.ob.Due.UTC().Format("2006-01-02 15:04 MST"))
	}
	if v, ok := f.inc.Facts["vector"]; ok {
		w("- How it happened: %s\n", v.String())
	}
	w("\n## (a) Nature of the breach\n\n%s\n\n", orToFollow(nature))
	w("- Categories of people concerned: %s\n", orToFollow(subjects))
	w("- Approximate number of people concerned: %s\n", orToFollow(people))
	w("- Categories of personal data concerned: %s\n", orToFollow(data))
	w("- Approximate number of records concerned: %s\n", orToFollow(records))
	w("\n## (b) Contact point for more information\n\n%s", orToFollow(contact))
	if f.company.DPO != "" && f.company.ContactEmail != "" {
		w(" (%s)", f.company.ContactEmail)
	}
	w("\n\n## (c) Likely consequences\n\n%s\n", orToFollow(consequences))
	w("\n## (d) Measures taken or proposed\n\n%s\n", orToFollow(measures))
	if late {
		w("\n## Reasons for the delay (Art. 33(1))\n\n%s\n", orToFollow(delay))
	}
	if f.previous != nil {
		var added []string
		for _, u := range f.previous.Unknown {
			if !slices.ContainsFunc(unknown, func(n RegulatorUnknown) bool { return n.Item == u.Item }) {
				added = append(added, u.Item)
			}
		}
		if len(added) > 0 {
			w("\n## New since submission %d\n\n", f.previous.Seq)
			for _, a := range added {
				w("- %s\n", a)
			}
		}
	}
	if len(unknown) > 0 {
		w("\n## To follow (Art. 33(4))\n\n")
		for _, u := range unknown {
			w("- %s\n", u.Item)
		}
	}
	return b.String(), unknown
}

// RegulatorSubmitted records that a further approved draft of an
// obligation already met (a later phase, GDPR Art. 33(4)) was submitted,
// with the regulator's reference.
func (s *Service) RegulatorSubmitted(ctx context.Context, actor, id, obligation, ref string, at time.Time) (*RegulatorResult, error) {
	ref, err := checkText("the reference", ref, maxRef, true,
		fmt.Sprintf("/breach regulator submitted %s --ref CASE-NUMBER (the regulator's case number)", obligation))
	if err != nil {
		return nil, err
	}
	var res RegulatorResult
	err = s.do(ctx, actor, ActMet, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident = inc
		o, ok := inc.Obligation(obligation)
		if !ok {
			return obligationNotFound(inc, obligation)
		}
		if o.Status != ObligationMet {
			return Errorf(ECONFLICT, "%s is not met yet; the first submission is recorded with met", o.ID).
				WithTry("met %s --ref %s", o.ID, quoteIfNeeded(ref))
		}
		d, err := findRegulatorDraft(inc, obligation, 0)
		if err != nil {
			return err
		}
		switch {
		case !d.SubmittedAt.IsZero():
			return Errorf(ECONFLICT, "draft %d of %s was already submitted (ref %s); draft again to add what is newly known", d.Seq, o.ID, d.Reference).
				WithTry("regulator draft %s", o.ID)
		case d.Approval == nil:
			return Errorf(ECONFLICT, "draft %d of %s is not approved; legal approves it before it is submitted", d.Seq, o.ID).
				WithTry("regulator approve %s", o.ID)
		}
		if at.IsZero() {
			at = t.now
		}
		if at.After(t.now.Add(time.Minute)) {
			return Errorf(EINVALID, "the time it was submitted (%s) is in the future", at.UTC().Format(time.RFC3339)).WithHint("leave out --at to mean now")
		}
		d.SubmittedAt, d.SubmittedBy, d.Reference = at.UTC(), actor, ref
		res.Draft = d
		if _, err := s.save(t, inc, pb); err != nil {
			return err
		}
		return s.audit(t, actor, "regulator.submitted", inc, map[string]string{"obligation": o.ID, "draft": strconv.Itoa(d.Seq),
			"content_hash": d.ContentHash, "reference": ref, "at": at.UTC().Format(time.RFC3339)})
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}
