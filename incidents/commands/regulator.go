package commands

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// regulatorVerbs are the /breach regulator subcommands.
var regulatorVerbs = []string{"draft", "approve", "show", "submitted"}

// The /breach regulator commands: drafts of the notification a regulator
// asks for, approved by legal, submitted through the regulator's own portal.
func init() {
	var items []string
	for _, name := range slices.Sorted(maps.Keys(incidents.RegulatorFields)) {
		items = append(items, "--"+name+": "+incidents.RegulatorFields[name])
	}
	flags := slices.Sorted(maps.Keys(incidents.RegulatorFields))
	specs = append(specs,
		&spec{name: "regulator draft", group: "Regulators",
			usage:   "/breach regulator draft OBLIGATION [--nature TEXT] [--measures TEXT] [--ITEM TEXT ...] [--incident ID]",
			summary: "draft what the regulator's form asks (Markdown to paste into its portal), from the facts and company config; lists what is still unknown",
			help: "Renders the content the obligation's rule asks of us, from the incident's facts, the company: settings and the items given here " +
				"(kept for the next draft). Each draft lists which required items are still unknown and what fills them; GDPR lets the rest follow in phases (Art. 33(4)): " +
				"draft again when more is known. Legal approves a draft (never its drafter): /breach regulator approve OBLIGATION. " +
				"Then /breach met OBLIGATION --ref CASE records the approved draft's hash with the regulator's reference.\n" +
				"Items: " + strings.Join(items, "; ") + ".\n" +
				"Example: /breach regulator draft gdpr-art33 --nature \"customer table copied from a misconfigured backup bucket\" --measures \"bucket closed; passwords reset\"",
			flags: append(flags, incidentFlag), minArgs: 1, maxArgs: 1, missing: "needs the obligation id (see /breach deadlines)"},
		&spec{name: "regulator approve", group: "Regulators",
			usage:   "/breach regulator approve OBLIGATION [--draft N] [--incident ID]",
			summary: "legal approves the latest regulator draft of an obligation, bound to its content hash (never its drafter)",
			flags:   []string{"draft", incidentFlag}, minArgs: 1, maxArgs: 1, missing: "needs the obligation id"},
		&spec{name: "regulator show", group: "Regulators",
			usage:   "/breach regulator show OBLIGATION [--draft N] [--incident ID]",
			summary: "show a regulator draft (the latest unless --draft N) and whether legal approved it",
			flags:   []string{"draft", incidentFlag}, minArgs: 1, maxArgs: 1, missing: "needs the obligation id"},
		&spec{name: "regulator submitted", group: "Regulators",
			usage:   "/breach regulator submitted OBLIGATION --ref REFERENCE [--at TIME] [--incident ID]",
			summary: "record that a further approved draft (a later phase, GDPR Art. 33(4)) was submitted; the first is recorded by met",
			flags:   []string{"ref", "at", incidentFlag}, minArgs: 1, maxArgs: 1, missing: "needs the obligation id"},
	)
	incidentCommands["regulator submitted"] = (*call).regulatorSubmitted
	incidentCommands["regulator draft"] = (*call).regulatorDraft
	incidentCommands["regulator approve"] = (*call).regulatorApprove
	incidentCommands["regulator show"] = (*call).regulatorShow
}

func (c *call) regulatorDraft(ctx context.Context) (*Reply, error) {
	in := incidents.RegulatorDraftInput{Obligation: c.cmd.Args[0], Fields: map[string]string{}}
	for name := range incidents.RegulatorFields {
		if v, ok := c.cmd.Flags[name]; ok {
			in.Fields[name] = v
		}
	}
	res, err := c.r.svc.DraftRegulator(ctx, c.req.User, c.id, in)
	if err != nil {
		return nil, err
	}
	return regulatorReply(res, "drafted"), nil
}

func (c *call) draftSeq() (int, error) {
	s, ok := c.cmd.Flags["draft"]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(s, "D"), "d"))
	if err != nil || n < 1 {
		return 0, incidents.Errorf(incidents.EINVALID, "--draft %q is not a draft number", s).WithHint("--draft 2, or leave it out for the latest")
	}
	return n, nil
}

func (c *call) regulatorApprove(ctx context.Context) (*Reply, error) {
	seq, err := c.draftSeq()
	if err != nil {
		return nil, err
	}
	res, err := c.r.svc.ApproveRegulator(ctx, c.req.User, c.id, c.cmd.Args[0], seq)
	if err != nil {
		return nil, err
	}
	return regulatorReply(res, "approved"), nil
}

func (c *call) regulatorShow(ctx context.Context) (*Reply, error) {
	seq, err := c.draftSeq()
	if err != nil {
		return nil, err
	}
	res, err := c.r.svc.RegulatorDraftOf(ctx, c.req.User, c.id, c.cmd.Args[0], seq)
	if err != nil {
		return nil, err
	}
	rep := regulatorReply(res, "")
	rep.Ephemeral = true
	return rep, nil
}

// regulatorReply shows a draft: what is still unknown first (with what
// fills it), where it stands, then the Markdown as a file.
func regulatorReply(res *incidents.RegulatorResult, verb string) *Reply {
	d := res.Draft
	title := fmt.Sprintf("%s: %s draft %d", res.Incident.ID, d.Obligation, d.Seq)
	if verb != "" {
		title = fmt.Sprintf("%s: %s draft %d %s", res.Incident.ID, d.Obligation, d.Seq, verb)
	}
	if n := len(d.Unknown); n > 0 {
		title += fmt.Sprintf(", %d required items still unknown", n)
	} else {
		title += ", nothing unknown"
	}
	rep := &Reply{Title: title, Incident: res.Incident.ID, People: []string{d.DraftedBy}}
	if len(d.Unknown) > 0 {
		var items []Item
		for _, u := range d.Unknown {
			items = append(items, Item{Mark: MarkOpen, Text: u.Item, Detail: u.Fill})
		}
		rep.Sections = append(rep.Sections, Section{Heading: fmt.Sprintf("Still unknown (%d)", len(d.Unknown)), Items: items,
			Note: "Under GDPR Art. 33(4) these may follow in a later submission: draft again when they are known."})
	}
	state := fmt.Sprintf("Drafted by %s; content sha256 %s. Waiting for legal: /breach regulator approve %s (not its drafter).", d.DraftedBy, shortHash(d.ContentHash), d.Obligation)
	if d.Approval != nil {
		state = fmt.Sprintf("Approved by %s (content sha256 %s). Submit it through the regulator's portal, then: /breach met %s --ref CASE-NUMBER",
			d.Approval.By, shortHash(d.ContentHash), d.Obligation)
		rep.People = append(rep.People, d.Approval.By)
	}
	if !d.SubmittedAt.IsZero() {
		state = fmt.Sprintf("Submitted %s by %s, ref %s (content sha256 %s).", d.SubmittedAt.UTC().Format("2006-01-02 15:04 MST"), d.SubmittedBy, d.Reference, shortHash(d.ContentHash))
		rep.People = append(rep.People, d.SubmittedBy)
	} else if o, ok := res.Incident.Obligation(d.Obligation); ok && o.Status == incidents.ObligationMet && d.Approval != nil {
		state = fmt.Sprintf("Approved by %s (content sha256 %s). %s is met; once this draft is submitted: /breach regulator submitted %s --ref CASE-NUMBER",
			d.Approval.By, shortHash(d.ContentHash), d.Obligation, d.Obligation)
	}
	rep.Sections = append(rep.Sections, Section{Text: state})
	rep.File = &File{Name: fmt.Sprintf("%s-%s-draft%d.md", res.Incident.ID, d.Obligation, d.Seq), ContentType: "text/markdown", Data: []byte(d.Markdown)}
	return rep
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func (c *call) regulatorSubmitted(ctx context.Context) (*Reply, error) {
	var at time.Time
	if s := c.cmd.Flags["at"]; s != "" {
		var err error
		if at, err = c.time(s); err != nil {
			return nil, err
		}
	}
	res, err := c.r.svc.RegulatorSubmitted(ctx, c.req.User, c.id, c.cmd.Args[0], c.cmd.Flags["ref"], at)
	if err != nil {
		return nil, err
	}
	return regulatorReply(res, "submitted"), nil
}

// metDraftSections say, after met, which regulator draft the record shows
// as submitted, and warn when a newer draft was not approved or no draft
// was approved at all.
func metDraftSections(inc *incidents.Incident, o *incidents.Obligation) []Section {
	var latest *incidents.RegulatorDraft
	for i := range inc.RegulatorDrafts {
		if d := &inc.RegulatorDrafts[i]; d.Obligation == o.ID {
			latest = d
		}
	}
	switch {
	case latest == nil:
		return nil
	case o.DraftHash == "":
		return []Section{{Text: fmt.Sprintf("No regulator draft of %s was approved, so the record shows no submitted content: only the reference.", o.ID)}}
	case latest.Seq != o.Draft:
		return []Section{{Text: fmt.Sprintf("Recorded as submitted: regulator draft %d (content sha256 %s), the latest approved. Draft %d is newer and not approved.",
			o.Draft, shortHash(o.DraftHash), latest.Seq)}}
	}
	return []Section{{Text: fmt.Sprintf("Recorded as submitted: regulator draft %d (content sha256 %s), approved by legal.", o.Draft, shortHash(o.DraftHash))}}
}
