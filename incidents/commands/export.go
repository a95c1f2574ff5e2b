package commands

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// File is a document attached to a reply: the console prints it, Slack
// uploads it.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// RecordJSON renders a record as indented JSON, valid against RecordSchema.
func RecordJSON(rec *incidents.Record) ([]byte, error) {
	b, err := json.MarshalIndent(recordDoc{SchemaVersion: RecordSchemaVersion, Record: rec}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return append(b, '\n'), nil
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

// auditText states an audit chain's verification in one line.
func auditText(a incidents.AuditVerification) string {
	head := "none recorded"
	if a.HeadHash != "" {
		head = "`" + a.HeadHash + "`"
	}
	if a.Break != nil {
		return fmt.Sprintf("BROKEN at entry %d (%d entries before it verified); recorded head hash %s", a.Break.Seq, a.Verified, head)
	}
	return fmt.Sprintf("intact: all %d entries verified at export; head hash %s", a.Verified, head)
}

// RecordMarkdown renders a record as Markdown for regulators and counsel.
func RecordMarkdown(rec *incidents.Record) []byte { return recordMarkdown(rec, plainID) }

// recordMarkdown renders a record showing each person as who(id).
func recordMarkdown(rec *incidents.Record, who func(string) string) []byte {
	who = mdPerson(who)
	inc := rec.Incident
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# %s: %s\n\n", inc.ID, mdEscape(inc.Title))
	if inc.Drill {
		p("**DRILL: a practice run, not a real incident.**\n\n")
	}
	if a := rec.Audit; a.Break != nil {
		p("**AUDIT LOG BROKEN at entry %d: %s.** %d entries before it verified; this record's timeline cannot be relied on.\n\n", a.Break.Seq, mdEscape(a.Break.Reason), a.Verified)
	}
	p("| | |\n|---|---|\n")
	p("| State | %s |\n| Severity | %s |\n", inc.State, inc.Severity)
	p("| Aware | %s |\n| Declared | %s by %s |\n", FormatTime(inc.AwareAt()), FormatTime(inc.DeclaredAt), who(inc.DeclaredBy))
	if !inc.ClosedAt.IsZero() {
		p("| Closed | %s |\n", FormatTime(inc.ClosedAt))
	}
	p("| Playbook | %s v%s, sha256 `%s` (%s) |\n", rec.Playbook.ID, rec.Playbook.Version, rec.Playbook.SHA256, mdEscape(rec.Playbook.Source))
	for _, row := range pinHistoryRows(rec.Incident, who) {
		p("%s\n", row)
	}
	if ext := rec.Playbook.CatalogExtensionSHA256; ext != "" {
		p("| Regulations catalog | %s, sha256 `%s`, extended by the company's regulations.yaml, sha256 `%s` |\n", rec.Playbook.CatalogVersion, rec.Playbook.CatalogSHA256, ext)
	} else {
		p("| Regulations catalog | %s, sha256 `%s` |\n", rec.Playbook.CatalogVersion, rec.Playbook.CatalogSHA256)
	}
	p("| Exported | %s by %s |\n", FormatTime(rec.ExportedAt), who(rec.ExportedBy))
	p("| Audit log | %s |\n\n", auditText(rec.Audit))

	b.WriteString(breachMarkdown(rec))

	p("## Clock events\n\n| Event | Time | Recorded by |\n|---|---|---|\n")
	for _, name := range slices.Sorted(maps.Keys(inc.Events)) {
		e := inc.Events[name]
		p("| %s | %s | %s |\n", name, FormatTime(e.At), who(e.By))
	}
	p("\n## Facts\n\n")
	if len(inc.Facts) == 0 {
		p("None recorded.\n")
	} else {
		p("| Fact | Value | Recorded |\n|---|---|---|\n")
		for _, name := range slices.Sorted(maps.Keys(inc.Facts)) {
			f := inc.Facts[name]
			p("| %s | %s | %s by %s |\n", name, mdEscape(f.String()), FormatTime(f.At), who(f.By))
		}
	}

	titles := map[string]incidents.RuleTitle{}
	for _, t := range rec.Titles {
		titles[t.ID] = t
	}
	var notApplicable, mayApply []*incidents.Obligation
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if o.Applies == incidents.NotApplicable {
			notApplicable = append(notApplicable, o)
		} else {
			mayApply = append(mayApply, o)
		}
	}
	waiting, rows := splitWaitingForPlaces(len(mayApply), func(i int) bool {
		o := mayApply[i]
		return waitsForPlaces(o.Applies, o.Status, o.Missing)
	})
	p("\n## Obligations that apply or may apply\n\n| Obligation | Law | Applies | Due (law's local time and UTC) | Outcome |\n|---|---|---|---|---|\n")
	for _, i := range rows {
		o := mayApply[i]
		t := titles[o.ID]
		p("| %s: %s | %s | %s | %s | %s |\n", o.ID, mdEscape(t.Title), mdEscape(lawText(t)), mdEscape(appliesText(o)), mdEscape(dueText(o, t)), mdEscape(outcomeText(o, who)))
	}
	if len(waiting) > 0 {
		ids := make([]string, len(waiting))
		for j, i := range waiting {
			ids[j] = mayApply[i].ID
		}
		p("\n%s\n", mdEscape(waitingForPlacesText(ids)))
	}
	if len(notApplicable) > 0 {
		p("\n## Appendix: obligations that do not apply (%d)\n\n", len(notApplicable))
		ids, whys := make([]string, len(notApplicable)), make([][]string, len(notApplicable))
		for i, o := range notApplicable {
			ids[i], whys[i] = o.ID, o.Why
		}
		groups, rest := groupAbsentPlaces(ids, whys)
		if len(groups) > 0 {
			p("%s\n\n", mdEscape(absentPlacesText(groups)))
		}
		for _, i := range rest {
			o := notApplicable[i]
			t := titles[o.ID]
			p("- %s (%s): %s\n", o.ID, mdEscape(lawText(t)), mdEscape(whyText(o)))
		}
	}

	p("\n## Steps\n\n| Step | Status | When | By | Note |\n|---|---|---|---|---|\n")
	for _, s := range inc.Steps {
		when := "-"
		if !s.At.IsZero() {
			when = FormatTime(s.At)
		}
		p("| %s | %s | %s | %s | %s |\n", s.ID, stepStatusText(s), when, orDash(who(s.By)), orDash(mdEscape(s.Note)))
	}
	b.WriteString(decisionsMarkdown(inc, who))

	if len(rec.Notices) > 0 || inc.Recipients != nil {
		p("\n## Notices to affected people\n\n")
		if r := inc.Recipients; r != nil {
			p("Affected people imported: %d (list %s, sha256 `%s`): %s\n\n", r.Count, r.ID, r.Hash, mdEscape(countsText(r.Counts)))
		}
		if len(rec.Notices) > 0 {
			p("| Notice | State | Recipients | Content sha256 | Approval | Sent | Failed | In doubt |\n|---|---|---|---|---|---|---|---|\n")
		}
		for _, n := range rec.Notices {
			approval := "-"
			switch {
			case n.Approval != nil:
				approval = fmt.Sprintf("approved %s by %s (drafted by %s, submitted by %s)", FormatTime(n.Approval.At), who(n.Approval.By), who(n.DraftedBy), who(n.SubmittedBy))
			case n.Rejection != nil:
				approval = fmt.Sprintf("rejected %s by %s: %s", FormatTime(n.Rejection.At), who(n.Rejection.By), n.Rejection.Reason)
			}
			if n.Void != nil {
				approval += "; void: " + n.Void.Reason
			}
			var sent, failed, dup int64
			if s := n.Send; s != nil {
				sent, failed, dup = s.Sent, s.FailedPermanent+s.FailedTemporary, s.InDoubt
			}
			p("| %s | %s | %d (%s) | `%s` | %s | %d | %d | %d |\n", n.ID, n.State, n.Recipients.Count, n.Recipients.ID, short(n.ContentHash), mdEscape(approval), sent, failed, dup)
		}
	}

	b.WriteString(noticeTextsMarkdown(rec, who))
	b.WriteString(regulatorDraftsMarkdown(inc, who))

	p("\n## Timeline (audit log)\n\n| # | Time | Actor | Action | Outcome | Details |\n|---|---|---|---|---|---|\n")
	for _, e := range rec.Timeline {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(e.Details)) {
			parts = append(parts, k+"="+detailText(e.Details[k]))
		}
		p("| %d | %s | %s | %s | %s | %s |\n", e.Seq, FormatTime(e.At), who(e.Actor), e.Action, e.Outcome, orDash(mdEscape(strings.Join(parts, "; "))))
	}
	if n := len(rec.Timeline); n > 0 {
		p("\nAudit chain head for this incident: entry %d, hash `%s`. `breachbot audit verify` checks the whole chain.\n", rec.Timeline[n-1].Seq, rec.Timeline[n-1].Hash)
	}
	if rec.Disclaimer != "" {
		p("\n_%s_\n", mdEscape(rec.Disclaimer))
	}
	return []byte(b.String())
}

// mdPerson makes who's output safe in a Markdown table cell, even when
// the cell is escaped again (a name never holds a "|" or a line break).
func mdPerson(who func(string) string) func(string) string {
	clean := strings.NewReplacer("|", "/", "\n", " ", "\r", " ")
	return func(id string) string {
		if id == "" {
			return ""
		}
		return clean.Replace(who(id))
	}
}

// lawText names the law behind an obligation, with its status when it is
// not simply in force.
func lawText(t incidents.RuleTitle) string {
	law := t.Citation
	if t.Status != "" && t.Status != incidents.StatusInForce {
		law += " (" + t.Status + ")"
	}
	return law
}

// appliesText says whether an obligation applies, naming the facts still
// missing when that is unknown.
func appliesText(o *incidents.Obligation) string {
	applies := strings.ReplaceAll(o.Applies, "_", " ")
	if o.Applies == incidents.NeedsFacts {
		applies = "unknown: needs " + strings.Join(o.Missing, ", ")
	}
	return applies
}

// dueText is an obligation's due time in the law's local time and UTC.
func dueText(o *incidents.Obligation, t incidents.RuleTitle) string {
	switch {
	case !o.Due.IsZero():
		return FormatDue(o.Due, t.DueZone)
	case o.Applies == incidents.Applies && o.Start.IsZero():
		return "not started"
	case o.Applies == incidents.Applies:
		return t.Deadline
	}
	return "-"
}

// outcomeText says what became of an obligation: met on time or late with
// the recorded reasons, waived with the reason, missed, or its phase.
func outcomeText(o *incidents.Obligation, who func(string) string) string {
	switch o.Status {
	case incidents.ObligationMet:
		out := fmt.Sprintf("met %s by %s, ref %s", FormatTime(o.MetAt), who(o.MetBy), o.Reference)
		if late := o.Late(); late > 0 {
			reasons := o.DelayReason
			if reasons == "" {
				reasons = "none recorded"
			}
			return out + fmt.Sprintf("; LATE by %s; reasons for the delay: %s", incidents.HumanDuration(late), reasons)
		}
		if !o.Due.IsZero() {
			return out + "; on time"
		}
		return out
	case incidents.ObligationWaived:
		return fmt.Sprintf("waived %s by %s: %s", FormatTime(o.WaivedAt), who(o.WaivedBy), o.WaiveReason)
	case incidents.ObligationMissed:
		return "MISSED (due " + FormatTime(o.MissedAt) + ")"
	}
	return strings.ReplaceAll(string(o.Phase()), "_", " ")
}

// whyText is the reason an obligation does not apply.
func whyText(o *incidents.Obligation) string {
	if len(o.Why) == 0 {
		return "its condition is false on the recorded facts"
	}
	return strings.Join(o.Why, "; ")
}

// detailText renders an audit detail for people: a Go duration such as
// "8h1m51.4s" becomes "8 h 2 m".
func detailText(v string) string {
	if d, err := time.ParseDuration(v); err == nil && strings.ContainsAny(v, "hms") {
		return incidents.HumanDuration(d)
	}
	return v
}

// regulatorDraftsMarkdown lists each regulator draft with its hash,
// approval and submission, then its exact Markdown in a fenced block;
// what is not recorded is said so.
func regulatorDraftsMarkdown(inc *incidents.Incident, who func(string) string) string {
	if len(inc.RegulatorDrafts) == 0 {
		return ""
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("\n## Notifications to regulators\n")
	for _, d := range inc.RegulatorDrafts {
		approval := "not approved"
		if a := d.Approval; a != nil {
			approval = fmt.Sprintf("%s by %s", FormatTime(a.At), who(a.By))
		}
		submitted, ref := "not submitted", "-"
		if !d.SubmittedAt.IsZero() {
			submitted = fmt.Sprintf("%s by %s", FormatTime(d.SubmittedAt), orNotRecorded(who(d.SubmittedBy)))
			ref = orNotRecorded(d.Reference)
		}
		p("\n### %s draft %d\n\n| | |\n|---|---|\n", d.Obligation, d.Seq)
		p("| Content sha256 | `%s` |\n| Drafted | %s by %s |\n| Approved | %s |\n| Submitted | %s |\n| Reference | %s |\n",
			d.ContentHash, FormatTime(d.DraftedAt), orNotRecorded(who(d.DraftedBy)), approval, submitted, mdEscape(ref))
		fence := "```"
		for strings.Contains(d.Markdown, fence) {
			fence += "`"
		}
		p("\n%s\n%s\n%s\n", fence, strings.TrimRight(d.Markdown, "\n"), fence)
	}
	return b.String()
}

// orNotRecorded is s, or "not recorded" when s is empty.
func orNotRecorded(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}

// breachMarkdown is the breach as a regulator asks about it: who the
// controller is, what happened, when, its likely consequences and the
// measures taken. Each item comes from the latest GDPR regulator draft, the
// facts, or the latest approved notice; "not recorded" when none says it.
func breachMarkdown(rec *incidents.Record) string {
	inc, c := rec.Incident, rec.Company
	field := draftFields(inc)
	var story incidents.NoticeIncident
	for _, n := range rec.Notices {
		if n.Approval != nil && n.Void == nil {
			story = n.Data.Incident
		}
	}
	fact := func(name string) string {
		f, ok := inc.Facts[name]
		switch {
		case ok && f.Set != nil:
			return strings.Join(f.Set, ", ")
		case ok:
			return f.String()
		}
		return ""
	}
	first := func(vs ...string) string {
		for _, v := range vs {
			if strings.TrimSpace(v) != "" {
				return v
			}
		}
		return "not recorded"
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return FormatTime(t)
	}
	var contacts []string
	for _, v := range []string{c.ContactEmail, c.ContactPhone, c.PostalAddress, c.Website} {
		if v != "" {
			contacts = append(contacts, v)
		}
	}
	rows := [][2]string{
		{"Controller", first(c.Name)},
		{"DPO or contact point", first(c.DPO)},
		{"Contact details", first(strings.Join(contacts, "; "))},
		{"What happened", first(field["nature"], story.WhatHappened)},
		{"Vector", first(fact("vector"))},
		{"Data categories", first(fact("data_categories"), strings.Join(story.DataCategories, ", "))},
		{"Categories of people", first(field["subjects"])},
		{"People affected (approx.)", first(fact("affected"))},
		{"Records affected (approx.)", first(field["records"])},
		{"Breach started", first(at(story.BreachStart), field["dates"])},
		{"Breach ended", first(at(story.BreachEnd))},
		{"Aware", first(at(inc.AwareAt()))},
		{"Likely consequences", first(field["consequences"], story.LikelyConsequences)},
		{"Measures taken and proposed", first(field["measures"], story.WhatWeAreDoing)},
	}
	var b strings.Builder
	b.WriteString("## The breach\n\n| | |\n|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], mdEscape(r[1]))
	}
	b.WriteString("\n")
	return b.String()
}

// draftFields are the narrative items of the incident's latest GDPR
// regulator draft (a draft carries over its predecessor's items), or of
// its latest regulator draft of any law when there is no GDPR one.
func draftFields(inc *incidents.Incident) map[string]string {
	var latest map[string]string
	for _, d := range inc.RegulatorDrafts {
		if strings.Contains(d.Obligation, "gdpr") {
			latest = d.Fields
		}
	}
	if latest == nil && len(inc.RegulatorDrafts) > 0 {
		latest = inc.RegulatorDrafts[len(inc.RegulatorDrafts)-1].Fields
	}
	return latest
}

// noticeTextsMarkdown states, for each approved notice, who approved it and
// when, how many people it went to by jurisdiction, how sending went and
// when, and its exact approved text per locale (with markers for the
// person's name and address).
func noticeTextsMarkdown(rec *incidents.Record, who func(string) string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	for _, n := range rec.Notices {
		if n.Approval == nil {
			continue
		}
		p("\n### Notice %s\n\n| | |\n|---|---|\n", n.ID)
		p("| Approved | %s by %s, content sha256 `%s` |\n", FormatTime(n.Approval.At), who(n.Approval.By), n.ContentHash)
		if v := n.Void; v != nil {
			p("| VOID | %s: %s; nothing was sent after it |\n", FormatTime(v.At), mdEscape(v.Reason))
		}
		byPlace := "not recorded"
		if len(n.Recipients.Counts) > 0 {
			byPlace = countsText(n.Recipients.Counts)
		}
		p("| Recipients | %d: %s |\n", n.Recipients.Count, mdEscape(byPlace))
		s := n.Send
		if s == nil {
			p("| Sending | not started |\n")
		} else {
			verb := "sent"
			if s.Folder != "" {
				verb = "written to a folder, not sent to anyone"
			}
			p("| Sending | %d %s · failed %d · in doubt %d · of %d |\n", s.Sent, verb, s.FailedPermanent+s.FailedTemporary, s.InDoubt, s.Total)
			p("| Sending started | %s by %s |\n", FormatTime(s.RequestedAt), who(s.RequestedBy))
			switch {
			case !s.FinishedAt.IsZero():
				p("| Sending finished | %s |\n", FormatTime(s.FinishedAt))
			case !s.LastProgressAt.IsZero():
				p("| Sending finished | not finished; last progress %s |\n", FormatTime(s.LastProgressAt))
			default:
				p("| Sending finished | not finished |\n")
			}
		}
		if len(n.Previews) == 0 {
			p("\nApproved text: not recorded.\n")
		}
		for _, t := range n.Previews {
			text := "Subject: " + t.Subject + "\n\n" + strings.TrimRight(t.Text, "\n")
			fence := "```"
			for strings.Contains(text, fence) {
				fence += "`"
			}
			ph := incidents.PlaceholderRecipient(t.Locale, nil)
			p("\nApproved text (%s), rendered for a made-up person in %s-%s; parts that depend on a recipient's country differ for others:\n\n%s\n%s\n%s\n",
				t.Locale, ph.Country, ph.Region, fence, text, fence)
		}
	}
	return b.String()
}

// orDash is s, or "-" for a cell with nothing to say (a step not done
// has no time nor person): a record never shows a blank cell.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
