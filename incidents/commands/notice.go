package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/breachbot/breachbot/incidents"
)

// noticeVerbs are the /breach notice subcommands.
var noticeVerbs = []string{"import", "draft", "submit", "approve", "reject", "test", "send", "status", "retry", "lookup", "handoff"}

// draftFlags map --flags of notice draft to narrative fields.
var draftFlags = map[string]string{
	"what-happened": incidents.FieldWhatHappened, "what-we-are-doing": incidents.FieldWhatWeAreDoing,
	"what-you-can-do": incidents.FieldWhatYouCanDo, "consequences": incidents.FieldLikelyConsequences,
	"identity-protection": incidents.FieldIdentityProtection, "more-info": incidents.FieldMoreInfo,
	"breach-start": incidents.FieldBreachStart, "breach-end": incidents.FieldBreachEnd,
	"discovered": incidents.FieldDiscoveredAt, "data": incidents.FieldDataCategories,
}

func init() {
	draft := []string{"template", "locale", "file", incidentFlag}
	for f := range draftFlags {
		draft = append(draft, f)
	}
	slices.Sort(draft)
	notice := []*spec{
		{name: "notice import", group: "Notices",
			usage:   "/breach notice import FILE.csv [--incident ID]",
			summary: "import the affected people (CSV: email required; name, country, region, locale, data_categories optional); their counts become facts",
			help: "Reads a CSV file with a header row. email is required; name, country (ISO code), region (state or province), locale (en, de; without it, the main language of the country) and data_categories are optional; " +
				"other columns are dropped and named, never stored. Addresses are normalised and de-duplicated; rows with problems are listed by row number. " +
				"The people are stored encrypted; their counts per jurisdiction become the residents and affected facts, and obligations are recomputed. " +
				"An import replaces the incident's previous list (and voids unsent drafts bound to it). In Slack this opens a form to upload the file.",
			flags: []string{incidentFlag}, maxArgs: 1},
		{name: "notice draft", group: "Notices",
			usage:   "/breach notice draft [--what-happened TEXT] [--what-we-are-doing TEXT] [--what-you-can-do TEXT] [--consequences TEXT] [--breach-start TIME] [--breach-end TIME] [--data a,b] [--law-enforcement-delay] [--file FIELDS.yaml] [--template NAME] [--locale en] [--incident ID]",
			summary: "render a draft notice from the template for the imported people: a preview and counts; changes start from the latest draft",
			help: "Renders a new draft from the latest one with your changes, for the incident's current list of affected people. The preview uses a made-up person, never a customer. " +
				"--file reads the fields from a YAML or JSON file (what_happened: ..., what_we_are_doing: ..., what_you_can_do: ...). A new draft supersedes unsent ones.",
			flags: draft, bools: []string{"law-enforcement-delay"}, maxArgs: 0},
		{name: "notice submit", group: "Notices",
			usage:   "/breach notice submit [N1] [--incident ID]",
			summary: "ask legal to approve the draft",
			flags:   []string{incidentFlag}, maxArgs: 1},
		{name: "notice approve", group: "Notices",
			usage:   "/breach notice approve [N1] [--incident ID]",
			summary: "approve a submitted notice (legal; not the person who drafted or submitted it)",
			flags:   []string{incidentFlag}, maxArgs: 1},
		{name: "notice reject", group: "Notices",
			usage:   "/breach notice reject [N1] REASON [--incident ID]",
			summary: "reject a submitted notice with the reason (legal)",
			flags:   []string{incidentFlag}, minArgs: 1, maxArgs: -1, missing: "needs the reason"},
		{name: "notice test", group: "Notices",
			usage:   "/breach notice test [N1] [--to YOUR@ADDRESS] [--confirm] [--incident ID]",
			summary: "send the notice to your own address to check it; --confirm once it arrived and looks right (needed before sending)",
			flags:   []string{"to", incidentFlag}, bools: []string{"confirm"}, maxArgs: 1},
		{name: "notice send", group: "Notices",
			usage:   "/breach notice send [N1] [--incident ID]",
			summary: "send the approved, test-checked notice to every affected person (durable; resumes after a restart)",
			flags:   []string{incidentFlag}, maxArgs: 1},
		{name: "notice status", group: "Notices",
			usage:   "/breach notice status [N1] [--incident ID]",
			summary: "the incident's notices: approval, and sent / failed / remaining",
			flags:   []string{incidentFlag}, maxArgs: 1},
		{name: "notice retry", group: "Notices",
			usage:   "/breach notice retry [N1] [--in-doubt] [--incident ID]",
			summary: "send again to recipients whose message failed temporarily (and with --in-doubt to those that may have it already; same Message-ID)",
			flags:   []string{incidentFlag}, bools: []string{"in-doubt", "possibly-duplicated"}, maxArgs: 1},
		{name: "notice handoff", group: "Notices",
			usage:   "/breach notice handoff [N1] --reason TEXT [--incident ID]",
			summary: "write the rest of a paused send into the hand-off folder, to be delivered by other means (legal); nothing more is sent by breachbot",
			help: "For a send that cannot go on where it started (its mail relay is gone, or it keeps failing). The messages not yet sent are written as .eml files into the hand-off folder " +
				"(OUTBOX/handoff); lookup and status then say they were handed off there, not sent by breachbot. Recorded in the audit log with your reason.",
			flags: []string{"reason", incidentFlag}, maxArgs: 1},
		{name: "notice lookup", group: "Notices",
			usage:   "/breach notice lookup ADDRESS [--incident ID]",
			summary: "whether and when one address was notified (legal); names no one else",
			flags:   []string{incidentFlag}, minArgs: 1, maxArgs: 1, missing: "needs the address to look up"},
	}
	i := slices.IndexFunc(specs, func(s *spec) bool { return s.name == "help" })
	specs = slices.Insert(specs, i, notice...)
}

// FileOpener opens a file a command names (an import, a draft's fields).
// Only the console sets one: in Slack, files come as uploads.
type FileOpener func(ctx context.Context, user, path string) (io.ReadCloser, int64, error)

// splitNoticeID takes a leading notice id (N1) off the arguments.
func splitNoticeID(args []string) (string, []string) {
	if len(args) > 0 && incidents.LooksLikeNoticeID(args[0]) {
		return args[0], args[1:]
	}
	return "", args
}

func (r *Router) notice(ctx context.Context, req Request, cmd Command, id string) (*Reply, error) {
	now := r.svc.Clock().Now()
	nid, rest := splitNoticeID(cmd.Args)
	switch cmd.Name {
	case "notice import":
		if r.openFile != nil && len(cmd.Args) == 0 {
			return nil, incidents.Errorf(incidents.EINVALID, "notice import needs the CSV file").WithHint("/breach notice import customers.csv")
		}
		if r.openFile == nil {
			return nil, incidents.Errorf(incidents.EINVALID, "here the affected people are imported by uploading the CSV file").
				WithHint("type /breach notice import without a file name to open the upload form, or use: breachbot notice import %s FILE.csv", id)
		}
		f, size, err := r.openFile(ctx, req.User, cmd.Args[0])
		if err != nil {
			return nil, err
		}
		defer f.Close()
		rep, err := r.svc.ImportRecipients(ctx, req.User, id, f, incidents.ImportInput{Source: baseName(cmd.Args[0]), Size: size})
		if err != nil {
			return nil, err
		}
		return ImportReply(rep, now), nil
	case "notice draft":
		in := incidents.DraftInput{Template: cmd.Flags["template"], Locale: cmd.Flags["locale"], Fields: map[string]string{}}
		if path := cmd.Flags["file"]; path != "" {
			fields, err := r.readFields(ctx, req.User, path)
			if err != nil {
				return nil, err
			}
			maps := fields
			for k, v := range maps {
				in.Fields[k] = v
			}
		}
		for flag, field := range draftFlags {
			v, ok := cmd.Flags[flag]
			if !ok {
				continue
			}
			if field == incidents.FieldBreachStart || field == incidents.FieldBreachEnd || field == incidents.FieldDiscoveredAt {
				t, err := r.time(v)
				if err != nil {
					return nil, err
				}
				v = t.UTC().Format(time.RFC3339)
			}
			in.Fields[field] = v
		}
		if cmd.Bools["law-enforcement-delay"] {
			in.Fields[incidents.FieldLawEnforcementDelay] = "yes"
		}
		res, err := r.svc.DraftNotice(ctx, req.User, id, in)
		if err != nil {
			return nil, err
		}
		return DraftReply(res), nil
	case "notice submit":
		res, err := r.svc.SubmitNotice(ctx, req.User, id, nid)
		if err != nil {
			return nil, err
		}
		rep := noticeReply(res, fmt.Sprintf("Notice %s of %s is submitted: legal is asked to approve it", res.Notice.ID, res.Incident.ID))
		rep.Sections = append(rep.Sections, Section{Heading: "Next", Text: "Someone in legal who did not draft or submit it: /breach notice approve " + res.Notice.ID + " (or reject it with the reason)"})
		return rep, nil
	case "notice approve":
		res, err := r.svc.ApproveNotice(ctx, req.User, id, nid)
		if err != nil {
			return nil, err
		}
		rep := noticeReply(res, fmt.Sprintf("Notice %s of %s is approved by %s", res.Notice.ID, res.Incident.ID, req.User))
		rep.Sections = append(rep.Sections, Section{Heading: "Next", Text: "Send it to your own address and check it: /breach notice test --to you@example.com, then /breach notice test --confirm, then /breach notice send"})
		return rep, nil
	case "notice reject":
		res, err := r.svc.RejectNotice(ctx, req.User, id, nid, strings.Join(rest, " "))
		if err != nil {
			return nil, err
		}
		return noticeReply(res, fmt.Sprintf("Notice %s of %s is rejected: %s", res.Notice.ID, res.Incident.ID, res.Notice.Rejection.Reason)), nil
	case "notice test":
		if cmd.Bools["confirm"] {
			res, err := r.svc.ConfirmTestNotice(ctx, req.User, id, nid)
			if err != nil {
				return nil, err
			}
			rep := noticeReply(res, fmt.Sprintf("The test message of notice %s is confirmed", res.Notice.ID))
			rep.Sections = append(rep.Sections, Section{Heading: "Next", Text: "/breach notice send " + res.Notice.ID})
			return rep, nil
		}
		to := cmd.Flags["to"]
		if to == "" && r.userEmail != nil {
			to, _ = r.userEmail(ctx, req.User)
		}
		if to == "" {
			return nil, incidents.Errorf(incidents.EINVALID, "to which address? breachbot does not know yours").
				WithHint("/breach notice test --to you@example.com (your own address; or set users: {%s: you@example.com} in breachbot.yaml)", req.User)
		}
		res, err := r.svc.TestNotice(ctx, req.User, id, nid, to)
		if err != nil {
			return nil, err
		}
		if res.Folder != "" {
			rep := noticeReply(res, fmt.Sprintf("Test message of notice %s (for %s) written to %s, not sent to anyone", res.Notice.ID, to, res.Folder))
			rep.Sections = append(rep.Sections, Section{Text: "Open the .eml file there and check that it reads right, then: /breach notice test --confirm"})
			return rep, nil
		}
		rep := noticeReply(res, fmt.Sprintf("Test message of notice %s sent to %s", res.Notice.ID, to))
		rep.Sections = append(rep.Sections, Section{Text: "Sent through " + res.Where + ". Check that it arrived and reads right, then: /breach notice test --confirm"})
		return rep, nil
	case "notice send":
		res, err := r.svc.SendNotice(ctx, req.User, id, nid)
		if err != nil {
			return nil, err
		}
		title := fmt.Sprintf("Sending notice %s of %s to %d people", res.Notice.ID, res.Incident.ID, res.Notice.Recipients.Count)
		if res.Incident.Drill {
			title = fmt.Sprintf("[DRILL] Sending notice %s of %s to the sandbox (%d messages, never to customers)", res.Notice.ID, res.Incident.ID, res.Notice.Recipients.Count)
		}
		where := "Messages go to " + res.Where
		if res.Folder != "" && !res.Incident.Drill {
			title = fmt.Sprintf("Writing notice %s of %s for %d people to %s, not sent to anyone", res.Notice.ID, res.Incident.ID, res.Notice.Recipients.Count, res.Folder)
			where = "Nobody receives these messages unless you deliver the .eml files yourself"
		}
		rep := noticeReply(res, title)
		rep.Sections = append(rep.Sections, Section{Text: where + ". Progress is posted as it goes; /breach notice status shows it."})
		return rep, nil
	case "notice status":
		res, err := r.svc.NoticeStatus(ctx, req.User, id, nid)
		if err != nil {
			return nil, err
		}
		return NoticeStatusReply(res, now), nil
	case "notice retry":
		res, err := r.svc.RetryNotice(ctx, req.User, id, nid, cmd.Bools["in-doubt"] || cmd.Bools["possibly-duplicated"])
		if err != nil {
			return nil, err
		}
		return noticeReply(res, fmt.Sprintf("Notice %s of %s: sending again to the recipients queued for a retry", res.Notice.ID, res.Incident.ID)), nil
	case "notice handoff":
		res, err := r.svc.HandoffNotice(ctx, req.User, id, nid, cmd.Flags["reason"])
		if err != nil {
			return nil, err
		}
		h := res.Notice.Send.Handoff
		rep := noticeReply(res, fmt.Sprintf("Notice %s of %s: the rest (%d messages) is written to %s, NOT sent by breachbot", res.Notice.ID, res.Incident.ID, res.Notice.Send.Remaining(), h.Folder))
		rep.Sections = append(rep.Sections, Section{Text: "Deliver those .eml files by other means. " + incidents.SendCounts(res.Notice.Send) + " so far; /breach notice status shows the rest."})
		return rep, nil
	case "notice lookup":
		res, err := r.svc.LookupRecipient(ctx, req.User, id, cmd.Args[0])
		if err != nil {
			return nil, err
		}
		rep := LookupReply(res)
		rep.Ephemeral = true
		return rep, nil
	}
	return nil, fmt.Errorf("notice command %q has no handler", cmd.Name)
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// readFields reads a draft's narrative fields from a YAML or JSON file.
func (r *Router) readFields(ctx context.Context, user, path string) (map[string]string, error) {
	if r.openFile == nil {
		return nil, incidents.Errorf(incidents.EINVALID, "--file works in the console only").WithHint("give the fields as options: --what-happened \"...\"")
	}
	f, _, err := r.openFile(ctx, user, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, incidents.Errorf(incidents.EINVALID, "cannot read %s: %w", path, err)
	}
	raw := map[string]any{}
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		err = json.Unmarshal(data, &raw)
	} else {
		err = yaml.Unmarshal(data, &raw)
	}
	if err != nil {
		return nil, incidents.Errorf(incidents.EINVALID, "%s is not a YAML or JSON map of fields: %s", path, strings.TrimPrefix(err.Error(), "yaml: ")).
			WithHint("write one field a line: what_happened: ..., what_we_are_doing: ..., what_you_can_do: ...")
	}
	out := map[string]string{}
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			out[k] = x
		case bool:
			out[k] = map[bool]string{true: "yes", false: "no"}[x]
		case []any:
			var parts []string
			for _, p := range x {
				parts = append(parts, fmt.Sprint(p))
			}
			out[k] = strings.Join(parts, ",")
		case time.Time:
			out[k] = x.UTC().Format(time.RFC3339)
		case nil:
			out[k] = ""
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out, nil
}

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
	if sec, ok := changesSection(rep.Result); ok {
		out.Sections = append(out.Sections, sec)
	}
	if len(rep.Voided) > 0 {
		out.Sections = append(out.Sections, Section{Heading: "Voided", Text: fmt.Sprintf("Notice(s) %s were bound to the previous list and can no longer be sent; draft again.", strings.Join(rep.Voided, ", "))})
	}
	out.Sections = append(out.Sections, Section{Heading: "Next", Text: "/breach notice draft --what-happened \"...\" --what-we-are-doing \"...\" --what-you-can-do \"...\""})
	return out
}

func previewSection(p incidents.NoticePreview) Section {
	return Section{Heading: fmt.Sprintf("Preview (%s), for a made-up person", p.Locale), Text: "Subject: " + p.Subject + "\n\n" + strings.TrimRight(p.Text, "\n")}
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
	if len(res.Missing) > 0 {
		rep.Sections = append(rep.Sections, Section{Heading: "Missing before it can be submitted: " + strings.Join(res.Missing, ", "), Text: incidents.MissingHint(res.Missing)})
	} else if len(res.Unsettled) == 0 {
		rep.Sections = append(rep.Sections, Section{Heading: "Next", Text: "/breach notice submit " + n.ID + " asks legal to approve it"})
	}
	return rep
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
