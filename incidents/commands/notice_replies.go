package commands

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

func countsText(counts map[string]int64) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if counts[a] != counts[b] {
			return int(counts[b] - counts[a])
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, counts[k])
	}
	return strings.Join(parts, " · ")
}

// ImportReply renders the outcome of an import: counts only.
func ImportReply(rep *incidents.ImportReport, now time.Time) *Reply {
	inc := rep.Result.Incident
	out := &Reply{Title: fmt.Sprintf("%s: imported %d people for notices (list %s)", inc.ID, rep.Imported, rep.Set.ID), Incident: inc.ID}
	lines := []string{fmt.Sprintf("%d rows read, %d people imported, %d duplicate addresses merged, %d rows rejected", rep.Rows, rep.Imported, rep.Duplicates, rep.Rejected)}
	if rep.Previous != "" {
		lines = append(lines, "This list replaces "+rep.Previous+".")
	}
	lines = append(lines, "Stored encrypted; only counts are shown.")
	out.Sections = append(out.Sections, Section{Text: strings.Join(lines, "\n")})
	out.Sections = append(out.Sections, Section{Heading: "By jurisdiction", Text: countsText(rep.Set.Counts)})
	if rep.Unknown > 0 {
		out.Sections[len(out.Sections)-1].Note = fmt.Sprintf("%d people have no country, so the residents counts are not complete: thresholds per state stay open until the facts say", rep.Unknown)
	}
	if len(rep.Dropped) > 0 {
		out.Sections = append(out.Sections, Section{Heading: "Columns dropped (not stored)", Text: strings.Join(rep.Dropped, ", ")})
	}
	if rep.Rejected > 0 {
		sec := Section{Heading: fmt.Sprintf("Rows rejected (%d)", rep.Rejected)}
		for i, e := range rep.Errors {
			if i == 20 {
				break
			}
			sec.Items = append(sec.Items, Item{Mark: MarkMissed, Text: fmt.Sprintf("row %d: %s", e.Row, e.Reason)})
		}
		if rep.Rejected > int64(min(len(rep.Errors), 20)) {
			sec.Note = fmt.Sprintf("and %d more; fix the file and import it again (an import replaces the list)", rep.Rejected-int64(min(len(rep.Errors), 20)))
		} else {
			sec.Note = "these people are not in the list: fix the rows and import the whole file again (an import replaces the list)"
		}
		out.Sections = append(out.Sections, sec)
	}
	if len(rep.Result.FactsChanged) > 0 {
		var parts []string
		for _, f := range rep.Result.FactsChanged {
			now := inc.Facts[f].String()
			old, replaced := rep.Replaced[f]
			if !replaced {
				parts = append(parts, f+"="+now)
				continue
			}
			// A recorded fact overwritten by the import: say what it was.
			how := "set by " + old.By
			if old.Source == "import" {
				how = "from an import by " + old.By
			}
			parts = append(parts, fmt.Sprintf("%s was %s (%s at %s), now %s from the import", f, old.String(), how, FormatTime(old.At), now))
		}
		out.Sections = append(out.Sections, Section{Heading: "Facts recorded from the import", Text: strings.Join(parts, "\n")})
	}
	if sec, ok := changesSection(rep.Result, now); ok {
		out.Sections = append(out.Sections, sec)
	}
	if len(rep.Voided) > 0 {
		out.Sections = append(out.Sections, Section{Heading: "Voided", Text: fmt.Sprintf("Notice(s) %s were bound to the previous list and can no longer be sent; draft again.", strings.Join(rep.Voided, ", "))})
	}
	out.Sections = append(out.Sections, Section{Heading: "Next", Text: "/breach notice draft --what-happened \"...\" --what-we-are-doing \"...\" --what-you-can-do \"...\""})
	return out
}

func previewSection(p incidents.NoticePreview) Section {
	heading := fmt.Sprintf("Preview (%s), for a made-up person", p.Locale)
	if p.Variant != "" {
		heading += " of variant " + p.Variant
	}
	return Section{Heading: heading, Text: "Subject: " + p.Subject + "\n\n" + strings.TrimRight(p.Text, "\n")}
}

// DraftReply renders a draft: its preview, counts and content hash.
func DraftReply(res *incidents.NoticeResult) *Reply {
	n := res.Notice
	title := fmt.Sprintf("Draft %s of %s (template %s, %s)", n.ID, res.Incident.ID, n.Template, strings.Join(sortedLocales(n), ", "))
	if res.Unchanged {
		title = fmt.Sprintf("Draft %s of %s is unchanged (template %s)", n.ID, res.Incident.ID, n.Template)
	}
	rep := &Reply{Title: title, Incident: res.Incident.ID}
	for _, p := range n.Previews {
		rep.Sections = append(rep.Sections, previewSection(p))
	}
	rep.Sections = append(rep.Sections, Section{Heading: fmt.Sprintf("Recipients: %d (list %s)", n.Recipients.Count, n.Recipients.ID), Text: countsText(n.Recipients.Counts),
		Note: "content sha256 " + n.ContentHash + " · recipients sha256 " + short(n.Recipients.Hash)})
	if len(res.Voided) > 0 {
		rep.Sections = append(rep.Sections, Section{Heading: "Superseded", Text: fmt.Sprintf("%s can no longer be submitted, approved or sent (any approval of them is void).", strings.Join(res.Voided, ", "))})
	}
	if len(res.Unsettled) > 0 {
		rep.Sections = append(rep.Sections, unsettledSection(res.Unsettled))
	}
	// What blocks the submission first, then who gets which text.
	variants := len(n.Variants) > 1 || slices.ContainsFunc(n.Variants, func(v incidents.NoticeVariant) bool { return len(v.Shows)+len(v.Omits)+len(v.Clashes) > 0 })
	if len(res.Missing) > 0 {
		sec := Section{Heading: "Missing before it can be submitted: " + strings.Join(res.Missing, ", "), Text: incidents.MissingHint(res.Missing)}
		if lines := incidents.MissingLines(n.Variants); len(lines) > 0 && !res.Unchanged {
			sec.Text = strings.Join(lines, "\n") + "\n" + sec.Text
		}
		if locs := missingLocales(res.Missing); len(locs) > 0 {
			sec.Note = "Recipients who read " + strings.Join(locs, ", ") + " get these texts in their language, never yours: give each with the flag and .LOCALE"
		}
		rep.Sections = append(rep.Sections, sec)
	}
	if variants {
		rep.Sections = append(rep.Sections, variantsSection(n.Variants))
	}
	if len(res.Missing) == 0 && len(res.Unsettled) == 0 {
		rep.Sections = append(rep.Sections, Section{Heading: "Next", Text: "/breach notice submit " + n.ID + " asks legal to approve it"})
	}
	return rep
}

// blockWords say in words what a variant's notice adds or leaves out.
var blockWords = map[string]string{
	incidents.ItemFraudAlert:          "fraud alert",
	incidents.ItemSecurityFreeze:      "free security freeze",
	incidents.ItemPoliceReport:        "right to a police report",
	incidents.ItemReviewStatements:    "review statements and credit reports",
	incidents.ItemReportIdentityTheft: "report identity theft",
	incidents.ItemIdentityProtection:  "identity protection offer",
	incidents.ItemAffectedCount:       "number of people affected",
	incidents.ItemNature:              "what happened (the nature of the breach)",
}

// variantAdds says what a variant's notice carries beyond the common
// text: its blocks, in words, with the agencies by name and the offer's
// minimum length.
func variantAdds(v incidents.NoticeVariant) string {
	var adds []string
	for _, item := range incidents.BlockItems {
		if !slices.Contains(v.Shows, item) {
			continue
		}
		switch {
		case item == incidents.ItemAgencyContacts && len(v.Agencies) > 0:
			adds = append(adds, "contacts of "+strings.Join(v.Agencies, ", "))
		case item == incidents.ItemAgencyContacts:
			adds = append(adds, "agency contacts")
		case item == incidents.ItemIdentityProtection && v.ProtectionMonths > 0:
			adds = append(adds, fmt.Sprintf("identity protection offer of at least %d months", v.ProtectionMonths))
		default:
			adds = append(adds, blockWords[item])
		}
	}
	if len(adds) == 0 {
		return "adds: nothing beyond the common text"
	}
	return "adds: " + strings.Join(adds, "; ")
}

// variantsSection lists the groups of recipients whose notices differ:
// how many, where, which language and data, under which laws, and what
// their notice adds to the text every notice carries or leaves out of it,
// with each clash of laws. Variants that still lack content come first.
func variantsSection(vs []incidents.NoticeVariant) Section {
	sec := Section{Heading: fmt.Sprintf("Variants: %d (each group of people gets its own text)", len(vs))}
	vs = slices.Clone(vs)
	slices.SortStableFunc(vs, func(a, b incidents.NoticeVariant) int {
		return cmpBool(len(a.Missing)+len(a.Clashes) == 0, len(b.Missing)+len(b.Clashes) == 0)
	})
	for i, v := range vs {
		if i == 30 {
			sec.Note = fmt.Sprintf("and %d more variants", len(vs)-30)
			break
		}
		laws := "no law with content rules"
		if len(v.Regulations) > 0 {
			laws = strings.Join(v.Regulations, ", ")
		}
		cats := "the incident's data"
		if len(v.Categories) > 0 {
			cats = strings.Join(v.Categories, ", ")
		}
		var detail []string
		if len(v.Missing) > 0 {
			var what []string
			for _, m := range v.Missing {
				what = append(what, m.Field)
			}
			detail = append(detail, "LACKS: "+strings.Join(what, ", "))
		}
		for _, c := range v.Clashes {
			d := "undecided: --clash " + c.Item + "=include or =omit"
			if c.Decision != "" {
				d = "decided: " + c.Decision
			}
			detail = append(detail, fmt.Sprintf("CLASH %s: required by %s, forbidden by %s (%s)", c.Item, c.Require.Citation, c.Forbid.Citation, d))
		}
		detail = append(detail, variantAdds(v))
		if len(v.Omits) > 0 {
			var out []string
			for _, o := range v.Omits {
				if w, ok := blockWords[o]; ok {
					out = append(out, w)
				} else {
					out = append(out, o)
				}
			}
			line := "leaves out: " + strings.Join(out, "; ")
			if len(v.OmitCitations) > 0 {
				line += " (" + strings.Join(v.OmitCitations, "; ") + ")"
			}
			detail = append(detail, line+"; check that what we are doing, the consequences and more info say neither")
		}
		detail = append(detail, "laws: "+laws+" · read it: /breach notice test --variant "+v.Key)
		mark := MarkDone
		if len(v.Missing) > 0 {
			mark = MarkMissed
		}
		people := fmt.Sprintf("%d people", v.People)
		if v.People == 1 {
			people = "1 person"
		}
		sec.Items = append(sec.Items, Item{Mark: mark, Text: fmt.Sprintf("%s · %s · %s · %s · %s", v.Key, people, v.Where(), v.Locale, cats),
			Detail: strings.Join(detail, "\n")})
	}
	if sec.Note == "" {
		sec.Note = "every notice carries the common text: what happened, the information involved, what we are doing, what you can do, how to reach us; each variant says what it adds or leaves out"
	}
	return sec
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// unsettledSection names, for a draft, each fact to settle before it can be
// submitted and the content its rule would add.
func unsettledSection(us []incidents.UnsettledContent) Section {
	sec := Section{Heading: "Cannot be submitted yet: facts to settle first"}
	for _, u := range us {
		facts := strings.Join(u.Facts, ", ")
		sec.Items = append(sec.Items, Item{Mark: MarkBlocked,
			Text: fmt.Sprintf("%s: decides whether %s (%s) applies to %d of its people", facts, u.Regulation, u.Citation, u.People),
			Detail: "if it does, the notice must also give: " + strings.Join(u.Adds, "; ") +
				"\n/breach facts " + u.Facts[0] + "=yes (or =no), then /breach notice draft again"})
	}
	sec.Note = "A missing fact never shortens a notice: only a recorded no leaves that content out."
	return sec
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func sortedLocales(n *incidents.Notice) []string {
	out := make([]string, 0, len(n.TemplateHashes))
	for k := range n.TemplateHashes {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func noticeReply(res *incidents.NoticeResult, title string) *Reply {
	n := res.Notice
	rep := &Reply{Title: title, Incident: res.Incident.ID}
	rep.Sections = append(rep.Sections, Section{Text: noticeLine(n), Note: "content sha256 " + short(n.ContentHash) + " · recipients " + n.Recipients.ID + " sha256 " + short(n.Recipients.Hash)})
	return rep
}

func noticeLine(n *incidents.Notice) string {
	state := string(n.State)
	if n.State == incidents.NoticeSent && n.Send != nil && n.Send.Unsettled() > 0 {
		// Recorded as sent by an earlier version with recipients in doubt.
		state = fmt.Sprintf("NOT finished: %d in doubt, %d not sent yet", n.Send.InDoubt, n.Send.Remaining())
	} else if n.State == incidents.NoticeSent && n.Send != nil && n.Send.Handoff != nil {
		state = "done, the rest handed off"
	} else if n.State == incidents.NoticeSent && n.Send != nil && n.Send.Folder != "" {
		state = "written, not sent"
	}
	s := fmt.Sprintf("%s · %s · %d recipients · drafted by %s", n.ID, state, n.Recipients.Count, n.DraftedBy)
	if n.SubmittedBy != "" {
		s += ", submitted by " + n.SubmittedBy
	}
	if n.Approval != nil {
		s += ", approved by " + n.Approval.By + " at " + FormatTime(n.Approval.At)
	}
	if n.Rejection != nil {
		s += ", rejected by " + n.Rejection.By + ": " + n.Rejection.Reason
	}
	if n.Void != nil {
		s += " · void: " + n.Void.Reason
	}
	if n.Test != nil {
		s += " · test sent by " + n.Test.By
		if !n.Test.ConfirmedAt.IsZero() {
			s += " (confirmed)"
		}
	}
	return s
}

// NoticeStatusReply lists an incident's notices with the chosen one's totals.
func NoticeStatusReply(res *incidents.NoticeResult, now time.Time) *Reply {
	rep := &Reply{Title: "Notices of " + res.Incident.ID, Incident: res.Incident.ID, Ephemeral: true}
	if res.Incident.Recipients != nil {
		rep.Sections = append(rep.Sections, Section{Text: fmt.Sprintf("Affected people imported: %d (list %s): %s", res.Incident.Recipients.Count, res.Incident.Recipients.ID, countsText(res.Incident.Recipients.Counts))})
	} else {
		rep.Sections = append(rep.Sections, Section{Text: "No affected people imported yet: /breach notice import FILE.csv"})
	}
	if len(res.Notices) == 0 {
		rep.Sections = append(rep.Sections, Section{Text: "No notice drafted yet: /breach notice draft --what-happened \"...\""})
		return rep
	}
	sec := Section{Heading: "Notices"}
	for _, n := range res.Notices {
		sec.Items = append(sec.Items, Item{Mark: noticeMark(n), Text: noticeLine(n)})
	}
	rep.Sections = append(rep.Sections, sec)
	if n := res.Notice; n != nil && n.State.Unsent() && len(n.Variants) > 0 {
		rep.Sections = append(rep.Sections, variantsSection(n.Variants))
	}
	if n := res.Notice; n != nil && n.Send != nil {
		info := incidents.ProgressInfo(n, now)
		s := n.Send
		sent := fmt.Sprintf("sent %d", s.Sent)
		switch {
		case s.Handoff != nil:
			sent = fmt.Sprintf("sent %d · handed off %d (in %s, not sent by us)", s.Handoff.SentBefore, s.Sent-s.Handoff.SentBefore, s.Handoff.Folder)
		case s.Folder != "":
			sent = fmt.Sprintf("written %d (to %s, not sent to anyone)", s.Sent, s.Folder)
		}
		lines := []string{
			fmt.Sprintf("%s · failed permanently %d · failed temporarily %d · in doubt %d · in flight %d · remaining %d of %d",
				sent, s.FailedPermanent, s.FailedTemporary, s.InDoubt, s.InFlight, s.Remaining(), s.Total),
			fmt.Sprintf("started by %s at %s", s.RequestedBy, FormatTime(s.RequestedAt)),
		}
		if !s.FinishedAt.IsZero() {
			lines = append(lines, "finished at "+FormatTime(s.FinishedAt))
		} else if info.Rate > 0 {
			lines = append(lines, fmt.Sprintf("%.0f messages/s, about %s left", info.Rate, incidents.HumanDuration(info.ETA)))
		}
		if s.Paused != "" {
			line := "PAUSED: " + s.Paused
			if s.Remaining() > 0 && !s.TransportPaused { // a transport pause resumes on its relay, not by a retry
				line += " — /breach notice retry " + n.ID + " resumes"
			}
			lines = append([]string{line}, lines...) // most urgent first
		}
		if s.Handoff != nil {
			lines = append(lines, fmt.Sprintf("handed off by %s at %s: %s", s.Handoff.By, FormatTime(s.Handoff.At), s.Handoff.Reason))
		}
		if s.Sandbox != "" {
			lines = append(lines, "DRILL: messages went to the sandbox ("+s.Sandbox+"), not to customers")
		}
		if s.Recovered > 0 || s.ResentEarlierInDoubt > 0 {
			lines = append(lines, recoveredLine(s, n.ID))
		}
		if s.FailedTemporary > 0 {
			lines = append(lines, "/breach notice retry "+n.ID+" sends again to the temporary failures")
		}
		rep.Sections = append(rep.Sections, Section{Heading: "Sending " + n.ID, Text: strings.Join(lines, "\n")})
	}
	return rep
}

// recoveredLine says what a restart found in flight and what became of it.
func recoveredLine(s *incidents.SendState, id string) string {
	doubt := s.RecoveredInDoubt()
	line := fmt.Sprintf("after a restart: %d were being sent; %d had been accepted by the mail server; %d had not reached it (queued again, no doubt)",
		s.Recovered, s.RecoveredSent, s.RecoveredPending)
	switch {
	case doubt == 0:
	case s.ResentInDoubt == doubt:
		line += fmt.Sprintf("; %d in doubt were sent again with the same Message-ID (resend_in_doubt), so they may have it twice", doubt)
	case s.ResentInDoubt == 0:
		line += fmt.Sprintf("; %d in doubt were not sent again (resend_in_doubt: false): /breach notice retry %s --in-doubt sends them", doubt, id)
	default:
		line += fmt.Sprintf("; %d in doubt, %d of them sent again with the same Message-ID (resend_in_doubt)", doubt, s.ResentInDoubt)
	}
	if s.ResentEarlierInDoubt > 0 {
		line += fmt.Sprintf("; %d left in doubt before (a connection broke after handing the message over) were sent again with the same Message-ID", s.ResentEarlierInDoubt)
	}
	return line
}

// noticeMark marks a notice's line: done only when every recipient is sent
// or failed, none pending, in flight or in doubt.
func noticeMark(n *incidents.Notice) string {
	switch n.State {
	case incidents.NoticeSent:
		if n.Send != nil && n.Send.Unsettled() > 0 {
			return MarkUrgent
		}
		return MarkDone
	case incidents.NoticeSending:
		return MarkRunning
	case incidents.NoticeVoid, incidents.NoticeRejected:
		return MarkWaived
	case incidents.NoticePaused:
		return MarkUrgent
	case incidents.NoticeSubmitted:
		return MarkWait
	}
	return MarkOpen
}

// LookupReply answers about the one address asked for.
func LookupReply(res *incidents.LookupResult) *Reply {
	rep := &Reply{Incident: res.Incident}
	written := false
	var lines []string
	for _, n := range res.Notices {
		written = written || n.State == incidents.DeliveryWritten
		switch {
		case n.Pending || n.State == incidents.DeliveryQueued:
			lines = append(lines, fmt.Sprintf("notice %s: not sent yet (pending)", n.Notice))
		case n.State == incidents.DeliveryWritten && n.HandedOff:
			lines = append(lines, fmt.Sprintf("notice %s: handed off in %s at %s (the .eml file of Message-ID <%s>), not sent by us", n.Notice, n.Folder, FormatTime(n.At), n.MessageID))
		case n.State == incidents.DeliveryWritten:
			lines = append(lines, fmt.Sprintf("notice %s: written to %s at %s (Message-ID <%s>), not sent to anyone", n.Notice, n.Folder, FormatTime(n.At), n.MessageID))
		case n.State == incidents.DeliverySent:
			lines = append(lines, fmt.Sprintf("notice %s: sent %s (Message-ID <%s>)", n.Notice, FormatTime(n.At), n.MessageID))
		case n.State == incidents.DeliveryInDoubt:
			lines = append(lines, fmt.Sprintf("notice %s: IN DOUBT: handed to the mail server at %s, no reply recorded; it may not have arrived (/breach notice retry %s --in-doubt sends it again, same Message-ID)",
				n.Notice, FormatTime(n.At), n.Notice))
		case n.State == incidents.DeliveryInFlight:
			lines = append(lines, fmt.Sprintf("notice %s: being sent since %s, no reply yet", n.Notice, FormatTime(n.At)))
		case n.State == incidents.DeliveryPermanent || n.State == incidents.DeliveryTemporary:
			how := map[incidents.DeliveryState]string{incidents.DeliveryPermanent: "failed permanently", incidents.DeliveryTemporary: "failed temporarily"}[n.State]
			lines = append(lines, fmt.Sprintf("notice %s: NOT delivered (%s at %s: %d %s)", n.Notice, how, FormatTime(n.At), n.Code, n.Reply))
		default:
			lines = append(lines, fmt.Sprintf("notice %s: %s since %s", n.Notice, strings.ReplaceAll(string(n.State), "_", " "), FormatTime(n.At)))
		}
	}
	switch res.Notified() {
	case incidents.Notified:
		rep.Title = fmt.Sprintf("%s was notified of %s", res.Address, res.Incident)
	case incidents.NotifiedInDoubt:
		rep.Title = fmt.Sprintf("%s may not have been notified of %s: in doubt", res.Address, res.Incident)
	}
	switch {
	case rep.Title != "":
	case written:
		rep.Title = fmt.Sprintf("%s was not notified of %s by breachbot: its notice was written to a folder, not sent", res.Address, res.Incident)
	case len(res.Notices) > 0:
		rep.Title = fmt.Sprintf("%s is among the people of %s but was not notified yet", res.Address, res.Incident)
	case res.InList:
		rep.Title = fmt.Sprintf("%s is in the affected people of %s; no notice was sent yet", res.Address, res.Incident)
	default:
		rep.Title = fmt.Sprintf("%s is not among the affected people of %s", res.Address, res.Incident)
	}
	if len(lines) > 0 {
		rep.Sections = append(rep.Sections, Section{Text: strings.Join(lines, "\n")})
	}
	rep.Sections = append(rep.Sections, Section{Note: "this lookup is recorded in the audit log (with a keyed hash of the address, not the address)"})
	return rep
}

// noticeNotificationReply renders notice approval requests, decisions and
// progress from the outbox.
func noticeNotificationReply(n incidents.Notification, rep *Reply, drill string) {
	info := n.Notice
	if info == nil {
		rep.Title = drill + n.Text
		return
	}
	switch n.Kind {
	case incidents.NotifyNoticeApproval:
		rep.Title = fmt.Sprintf("%sApproval requested: notice %s of %s to %d people (by %s)", drill, info.ID, n.Incident, info.Recipients, n.Actor)
		// Who gets which text first (short), then the texts to read.
		if len(info.Variants) > 1 || slices.ContainsFunc(info.Variants, func(v incidents.NoticeVariant) bool { return len(v.Shows)+len(v.Omits)+len(v.Clashes) > 0 }) {
			rep.Sections = append(rep.Sections, variantsSection(info.Variants))
		}
		for _, p := range info.Previews {
			rep.Sections = append(rep.Sections, previewSection(p))
		}
		value := n.Incident + " " + info.ID
		rep.Sections = append(rep.Sections, Section{Heading: "Recipients by jurisdiction", Text: countsText(info.Counts), Note: "content sha256 " + info.ContentHash,
			Items: []Item{{Mark: MarkWait, Text: "Legal decides (not " + strings.Join(uniq(info.DraftedBy, info.SubmittedBy), " or ") + ")",
				Detail: fmt.Sprintf("approve: /breach notice approve %s --incident %s\nreject:  /breach notice reject %s REASON --incident %s", info.ID, n.Incident, info.ID, n.Incident),
				Actions: []Action{
					{ID: "notice_approve", Label: "Approve", Value: value, Command: fmt.Sprintf("/breach notice approve %s --incident %s", info.ID, n.Incident), Style: "primary"},
					{ID: "notice_reject", Label: "Reject", Value: value, Command: fmt.Sprintf("/breach notice reject %s REASON --incident %s", info.ID, n.Incident), Style: "danger"},
				}}}})
	case incidents.NotifyNoticeProgress:
		rep.Title = drill + n.Text
	default:
		rep.Title = drill + n.Text
	}
}

func uniq(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// missingLocales lists the locales of missing per-locale texts
// ("what_happened.de" gives "de"), in order of first mention.
func missingLocales(missing []string) []string {
	var out []string
	for _, m := range missing {
		if _, loc, ok := strings.Cut(m, "."); ok && !strings.HasPrefix(m, "company.") && !strings.HasPrefix(m, incidents.FieldClash+".") && !strings.HasPrefix(m, incidents.FieldCatalogContact+".") && !strings.HasPrefix(m, incidents.FieldFact+".") && !slices.Contains(out, loc) {
			out = append(out, loc)
		}
	}
	return out
}
