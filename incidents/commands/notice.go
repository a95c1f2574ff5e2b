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
	"identity-protection-months": incidents.FieldIdentityProtectionMonths,
	"breach-start":               incidents.FieldBreachStart, "breach-end": incidents.FieldBreachEnd,
	"discovered": incidents.FieldDiscoveredAt, "data": incidents.FieldDataCategories,
	"clash": incidents.FieldClash,
}

// localizedDraftFlags are the draft's free-text flags, also taken per
// locale (--what-happened.de "..."): a German or Spanish notice says the
// text given for its locale, never the drafter's.
var localizedDraftFlags = []string{"what-happened", "what-we-are-doing", "what-you-can-do", "consequences", "identity-protection", "more-info"}

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
			usage:   "/breach notice draft [--what-happened TEXT] [--what-we-are-doing TEXT] [--what-you-can-do TEXT] [--consequences TEXT] [--identity-protection TEXT --identity-protection-months N] [--what-happened.de TEXT ...] [--breach-start DATE] [--breach-end DATE] [--data a,b] [--law-enforcement-delay yes|no] [--file FIELDS.yaml] [--template NAME] [--locale en] [--incident ID]",
			summary: "render a draft notice from the template for the imported people: a preview and counts; changes start from the latest draft",
			help: "Renders a new draft from the latest one with your changes, for the incident's current list of affected people. The preview uses a made-up person, never a customer. " +
				"--file reads the fields from a YAML or JSON file (what_happened: ..., what_we_are_doing: ..., what_you_can_do: ...). A new draft supersedes unsent ones. " +
				"Each language the recipients get needs its own texts: --what-happened.de \"...\" (likewise every text flag, and what_happened.de: in a file); until then the draft names what is missing and cannot be submitted. " +
				"--breach-start and --breach-end take a date (2026-11-20) or a time. " +
				"--law-enforcement-delay yes or no says whether law enforcement delayed the notice; until it is given nothing is said about it, and people whose law asks (California, Wyoming) leave the draft incomplete. " +
				"--identity-protection-months gives the length of the free offer; it must reach what each person's laws require (Connecticut 24 months, Massachusetts 18 when SSNs were exposed). " +
				"Each person's notice carries what the laws of their state or country require, and leaves out what they forbid; where one law requires what another forbids for the same people, " +
				"the draft names both citations and waits for legal's decision: --clash nature=omit (or =include).",
			flags: draft, answers: []string{"law-enforcement-delay"}, localized: localizedDraftFlags, maxArgs: 0},
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
			usage:   "/breach notice test [N1] [--to YOUR@ADDRESS] [--variant K2|US-MA|de] [--confirm] [--incident ID]",
			summary: "send the notice to your own address to check it; --confirm once it arrived and looks right (needed before sending); --variant sends what one group of recipients gets",
			flags:   []string{"to", "variant", incidentFlag}, bools: []string{"confirm"}, maxArgs: 1},
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
		for flag, v := range cmd.Flags {
			// Per-locale texts: --what-happened.de "..." sets what_happened.de.
			if base, loc, ok := strings.Cut(flag, "."); ok && slices.Contains(localizedDraftFlags, base) {
				in.Fields[draftFlags[base]+"."+loc] = v
			}
		}
		for flag, field := range draftFlags {
			v, ok := cmd.Flags[flag]
			if !ok {
				continue
			}
			if _, err := time.Parse("2006-01-02", strings.TrimSpace(v)); err == nil && (field == incidents.FieldBreachStart || field == incidents.FieldBreachEnd) {
				// A breach's dates are often known only to the day.
				in.Fields[field] = strings.TrimSpace(v)
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
		if v, ok := cmd.Flags["law-enforcement-delay"]; ok {
			in.Fields[incidents.FieldLawEnforcementDelay] = v
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
			msg := fmt.Sprintf("The test message of notice %s is confirmed", res.Notice.ID)
			if t := res.Notice.Test; t != nil && len(t.Locales) > 1 {
				msg = fmt.Sprintf("The test messages of notice %s (%s) are confirmed", res.Notice.ID, strings.Join(t.Locales, ", "))
			}
			rep := noticeReply(res, msg)
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
		res, err := r.svc.TestNoticeVariant(ctx, req.User, id, nid, to, cmd.Flags["variant"])
		if err != nil {
			return nil, err
		}
		if v := cmd.Flags["variant"]; v != "" {
			rep := noticeReply(res, fmt.Sprintf("Test message of variant %s of notice %s sent to %s", v, res.Notice.ID, to))
			if res.Folder != "" {
				rep.Title = fmt.Sprintf("Test message of variant %s of notice %s (for %s) written to %s, not sent to anyone", v, res.Notice.ID, to, res.Folder)
			}
			rep.Sections = append(rep.Sections, Section{Text: "A variant's message is for reading; the notice's own test (/breach notice test, then --confirm) is still needed before sending."})
			return rep, nil
		}
		what := "Test message of notice " + res.Notice.ID
		if t := res.Notice.Test; t != nil && len(t.Locales) > 1 {
			// One per language the customers get, so each is checked.
			what = fmt.Sprintf("%d test messages of notice %s (%s)", len(t.Locales), res.Notice.ID, strings.Join(t.Locales, ", "))
		}
		if res.Folder != "" {
			rep := noticeReply(res, fmt.Sprintf("%s (for %s) written to %s, not sent to anyone", what, to, res.Folder))
			rep.Sections = append(rep.Sections, Section{Text: "Open the .eml file there and check that it reads right, then: /breach notice test --confirm"})
			return rep, nil
		}
		rep := noticeReply(res, fmt.Sprintf("%s sent to %s", what, to))
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
