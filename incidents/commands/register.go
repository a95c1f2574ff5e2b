package commands

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// RegisterColumns are the columns of the breach register's CSV, in their
// stable order (documented in README.md; add new ones at the end only).
var RegisterColumns = []string{
	"id", "title", "drill", "severity", "state", "aware_at", "declared_at", "closed_at", "playbook",
	"facts", "effects", "remedial_action", "notification_decision", "decision_reasons",
	"notifications", "late_reasons", "waivers", "notices_to_people", "notification_decisions",
}

// Register renders the breach register of incidents the company became
// aware of at or after since ("" for all; a date 2026-01-01 is midnight
// UTC) as "csv", "json" or "md" (the default).
func (r *Router) Register(ctx context.Context, user, format, since string) (*File, error) {
	format = strings.ToLower(format)
	switch format {
	case "", "md", "markdown":
		format = "md"
	case "csv", "json":
	default:
		return nil, incidents.Errorf(incidents.EINVALID, "unknown register format %q", format).WithHint("--format csv, --format json or --format md")
	}
	var from time.Time
	if since != "" {
		var err error
		if from, err = time.Parse(time.DateOnly, since); err != nil {
			if from, err = r.time(since); err != nil {
				return nil, incidents.Errorf(incidents.EINVALID, "--since %q is not a date", since).WithHint("--since 2026-01-01 (midnight UTC) or --since 2026-01-01T09:00Z")
			}
		}
	}
	reg, err := r.svc.Register(ctx, user, from)
	if err != nil {
		return nil, err
	}
	name := "breach-register-" + reg.GeneratedAt.UTC().Format("2006-01-02")
	switch format {
	case "csv":
		data, err := registerCSV(reg, r.exportPerson(ctx))
		if err != nil {
			return nil, err
		}
		return &File{Name: name + ".csv", ContentType: "text/csv", Data: data}, nil
	case "json":
		data, err := RegisterJSON(reg)
		if err == nil {
			data, err = r.nameJSON(ctx, data)
		}
		if err != nil {
			return nil, err
		}
		return &File{Name: name + ".json", ContentType: "application/json", Data: data}, nil
	}
	return &File{Name: name + ".md", ContentType: "text/markdown", Data: registerMarkdown(reg, r.exportPerson(ctx))}, nil
}

// RegisterJSON renders the breach register as indented JSON.
func RegisterJSON(reg *incidents.Register) ([]byte, error) {
	b, err := json.MarshalIndent(reg, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode register: %w", err)
	}
	return append(b, '\n'), nil
}

// RegisterCSV renders the breach register as RFC 4180 CSV: a header of
// RegisterColumns, then one row per incident. A cell holding several items
// puts one per line. A cell that a spreadsheet would run as a formula is
// prefixed with an apostrophe.
func RegisterCSV(reg *incidents.Register) ([]byte, error) { return registerCSV(reg, plainID) }

func registerCSV(reg *incidents.Register, who func(string) string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true // RFC 4180
	if err := w.Write(RegisterColumns); err != nil {
		return nil, fmt.Errorf("write register: %w", err)
	}
	for i := range reg.Entries {
		row := registerRow(&reg.Entries[i], who)
		for j, c := range row {
			row[j] = csvSafe(c)
		}
		if err := w.Write(row); err != nil {
			return nil, fmt.Errorf("write register: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write register: %w", err)
	}
	return buf.Bytes(), nil
}

// csvSafe keeps a spreadsheet from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// registerRow is an entry's cells in RegisterColumns order; none is blank.
func registerRow(e *incidents.RegisterEntry, who func(string) string) []string {
	closed := "not closed"
	if !e.ClosedAt.IsZero() {
		closed = FormatTime(e.ClosedAt)
	}
	return []string{
		e.ID, e.Title, yesNo(e.Drill), string(e.Severity), string(e.State),
		FormatTime(e.AwareAt), FormatTime(e.DeclaredAt), closed, playbookText(e.Playbook),
		lines(e.Facts, "none recorded"), e.Effects, e.RemedialAction, e.Decision,
		lines(decisionReasons(e), "no obligation in the playbook"),
		lines(notifications(e, who), "none"), lines(lateReasons(e), "none"), lines(waivers(e, who), "none"),
		lines(noticeLines(e), "none"), decisionsCell(e, who),
	}
}

// decisionsCell is the notification_decisions cell: each decision of a
// decision step as "DE: no-notify by WHO at TIME: reason", joined with " | ".
func decisionsCell(e *incidents.RegisterEntry, who func(string) string) string {
	if len(e.Decisions) == 0 {
		return "none recorded"
	}
	steps := map[string]bool{}
	for _, d := range e.Decisions {
		steps[d.Step] = true
	}
	items := make([]string, len(e.Decisions))
	for i, d := range e.Decisions {
		s := d.Jurisdiction + ": " + d.Outcome
		if d.Outcome != incidents.DecisionUndecided {
			s += " by " + who(d.By) + " at " + FormatTime(d.At)
			if !d.ReplacedAt.IsZero() {
				s += ", replaced " + FormatTime(d.ReplacedAt)
			}
			s += ": " + d.Reason
		}
		if len(steps) > 1 {
			s = d.Step + " " + s
		}
		items[i] = s
	}
	return strings.Join(items, " | ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func lines(items []string, none string) string {
	if len(items) == 0 {
		return none
	}
	return strings.Join(items, "\n")
}

func playbookText(p incidents.PlaybookPin) string {
	return fmt.Sprintf("%s v%s (sha256 %s; catalog %s)", p.ID, p.Version, p.SHA256, p.CatalogVersion)
}

// decisionReasons says, per obligation, whether it applies and why, and
// what was done: those that apply first, then the undecided, then those
// that do not apply, each group in the playbook's order.
func decisionReasons(e *incidents.RegisterEntry) []string {
	var out []string
	for _, o := range byApplicability(e.Obligations) {
		out = append(out, fmt.Sprintf("%s (%s): %s", o.ID, lawOf(o), obligationReason(o)))
	}
	return out
}

func byApplicability(obs []incidents.RegisterObligation) []incidents.RegisterObligation {
	rank := map[string]int{incidents.Applies: 0, incidents.NeedsFacts: 1, incidents.NotApplicable: 2}
	out := slices.Clone(obs)
	slices.SortStableFunc(out, func(a, b incidents.RegisterObligation) int { return rank[a.Applies] - rank[b.Applies] })
	return out
}

func lawOf(o incidents.RegisterObligation) string {
	if o.Citation != "" {
		return o.Citation
	}
	return o.Title
}

// obligationReason says whether an obligation applies, why, and what was
// done about it.
func obligationReason(o incidents.RegisterObligation) string {
	why := strings.Join(o.Why, "; ")
	var s string
	switch o.Applies {
	case incidents.Applies:
		s = "applies (notify " + o.Notify + ")"
		if why != "" {
			s += ": " + why
		}
	case incidents.NotApplicable:
		s = "does not apply"
		if why != "" {
			s += ": " + why
		}
	default:
		s = "undecided, facts missing: " + strings.Join(o.Missing, ", ")
		if why != "" {
			s += " (known so far: " + why + ")"
		}
	}
	switch o.Status {
	case incidents.ObligationMet:
		s += "; met"
	case incidents.ObligationWaived:
		s += "; waived"
	case incidents.ObligationMissed:
		s += "; MISSED, not met"
	case incidents.ObligationOpen:
		if o.Applies == incidents.Applies {
			s += "; not met yet"
		}
	}
	return s
}

// notifications says when each obligation was recorded as met, against
// its due time.
func notifications(e *incidents.RegisterEntry, who func(string) string) []string {
	var out []string
	for _, o := range e.Obligations {
		if o.Status != incidents.ObligationMet {
			continue
		}
		timing := "no fixed deadline"
		switch {
		case o.LateBy != "":
			timing = "LATE by " + o.LateBy + " (due " + FormatTime(o.Due) + ")"
		case !o.Due.IsZero():
			timing = "on time (due " + FormatTime(o.Due) + ")"
		}
		out = append(out, fmt.Sprintf("%s (to %s): met %s, recorded by %s, ref %s, %s", o.ID, o.Notify, FormatTime(o.MetAt), who(o.MetBy), o.Reference, timing))
	}
	return out
}

func lateReasons(e *incidents.RegisterEntry) []string {
	var out []string
	for _, o := range e.Obligations {
		if o.LateBy != "" {
			out = append(out, fmt.Sprintf("%s: %s", o.ID, o.LateReasons))
		}
	}
	return out
}

func waivers(e *incidents.RegisterEntry, who func(string) string) []string {
	var out []string
	for _, o := range e.Obligations {
		if o.Status == incidents.ObligationWaived {
			out = append(out, fmt.Sprintf("%s: waived %s by %s: %s", o.ID, FormatTime(o.WaivedAt), who(o.WaivedBy), o.WaiveReason))
		}
	}
	return out
}

func noticeLines(e *incidents.RegisterEntry) []string {
	var out []string
	for _, n := range e.Notices {
		state := string(n.State)
		switch {
		case n.State != incidents.NoticeSent:
		case n.InDoubt > 0 || n.Remaining > 0:
			state = "NOT finished"
		case n.HandedOff > 0:
			state = "done, the rest handed off"
		case n.Written > 0 && n.Sent == 0:
			state = "written to a folder, not sent"
		}
		s := fmt.Sprintf("%s %s: %d recipients", n.ID, state, n.Recipients)
		if !n.ApprovedAt.IsZero() {
			s += "; approved " + FormatTime(n.ApprovedAt)
		}
		if !n.SendStarted.IsZero() {
			s += fmt.Sprintf("; sending started %s", FormatTime(n.SendStarted))
			if !n.SendFinished.IsZero() {
				s += fmt.Sprintf(", finished %s", FormatTime(n.SendFinished))
			}
			s += fmt.Sprintf("; sent %d", n.Sent)
			if n.Written > 0 {
				s += fmt.Sprintf(", written to a folder (not sent to anyone) %d", n.Written)
			}
			if n.HandedOff > 0 {
				s += fmt.Sprintf(", handed off to a folder (not sent by breachbot) %d", n.HandedOff)
			}
			s += fmt.Sprintf(", failed %d, in doubt %d, not sent yet %d", n.Failed, n.InDoubt, n.Remaining)
			if n.Sandbox {
				s += "; DRILL: to the sandbox, not to customers"
			}
		}
		out = append(out, s)
	}
	return out
}

// RegisterMarkdown renders the breach register as Markdown: a summary
// table, then each incident's Art. 33(5) fields.
func RegisterMarkdown(reg *incidents.Register) []byte { return registerMarkdown(reg, plainID) }

// registerMarkdown renders the register showing each person as who(id).
func registerMarkdown(reg *incidents.Register, who func(string) string) []byte {
	who = mdPerson(who)
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Breach register\n\n")
	p("Generated %s by %s. ", FormatTime(reg.GeneratedAt), who(reg.GeneratedBy))
	if reg.Since.IsZero() {
		p("All incidents, drills included (marked DRILL).\n\n")
	} else {
		p("Incidents the company became aware of from %s, drills included (marked DRILL).\n\n", FormatTime(reg.Since))
	}
	if len(reg.Entries) == 0 {
		p("No incidents.\n")
		return []byte(b.String())
	}
	p("| Incident | Title | Aware | State | Notification |\n|---|---|---|---|---|\n")
	for _, e := range reg.Entries {
		title := mdEscape(e.Title)
		if e.Drill {
			title = "DRILL: " + title
		}
		p("| %s | %s | %s | %s | %s |\n", e.ID, title, FormatTime(e.AwareAt), e.State, e.Decision)
	}
	for i := range reg.Entries {
		e := &reg.Entries[i]
		row := registerRow(e, who)
		p("\n## %s: %s\n\n", e.ID, mdEscape(e.Title))
		if e.Drill {
			p("**DRILL: a practice run, not a real incident.**\n\n")
		}
		p("| | |\n|---|---|\n")
		for j, col := range RegisterColumns {
			if j < 2 || col == "decision_reasons" || col == "notification_decisions" {
				continue // id and title are the heading; the reasons and decisions follow
			}
			p("| %s | %s |\n", strings.ReplaceAll(col, "_", " "), mdCell(row[j]))
		}
		p("\nDecision reasons, per obligation:\n\n| Obligation | Law | Decision |\n|---|---|---|\n")
		obs := byApplicability(e.Obligations)
		var ids []string
		var whys [][]string
		var naFrom int
		for i, o := range obs {
			if o.Applies != incidents.NotApplicable {
				naFrom = i + 1
				continue
			}
			ids, whys = append(ids, o.ID), append(whys, o.Why)
		}
		groups, rest := groupAbsentPlaces(ids, whys)
		waiting, rows := splitWaitingForPlaces(naFrom, func(i int) bool {
			return waitsForPlaces(obs[i].Applies, obs[i].Status, obs[i].Missing)
		})
		for _, i := range rows {
			o := obs[i]
			p("| %s | %s | %s |\n", o.ID, mdCell(lawOf(o)), mdCell(obligationReason(o)))
		}
		for _, i := range rest {
			o := obs[naFrom+i]
			p("| %s | %s | %s |\n", o.ID, mdCell(lawOf(o)), mdCell(obligationReason(o)))
		}
		if len(waiting) > 0 {
			ids := make([]string, len(waiting))
			for j, i := range waiting {
				ids[j] = obs[i].ID
			}
			p("\nMay apply: %s\n", mdEscape(waitingForPlacesText(ids)))
		}
		if len(groups) > 0 {
			p("\nDoes not apply: %s\n", mdEscape(absentPlacesText(groups)))
		}
		if len(e.Decisions) > 0 {
			p("\nNotification decisions:\n\n| Step | Jurisdiction | Decision | By | When | Reason | Holds |\n|---|---|---|---|---|---|---|\n")
			for _, d := range e.Decisions {
				by, at, holds := who(d.By), "", "yes"
				if !d.At.IsZero() {
					at = FormatTime(d.At)
				}
				switch {
				case d.Outcome == incidents.DecisionUndecided:
					holds = ""
				case !d.ReplacedAt.IsZero():
					holds = "no: replaced " + FormatTime(d.ReplacedAt)
				}
				p("| %s | %s | %s | %s | %s | %s | %s |\n", d.Step, d.Jurisdiction, d.Outcome, by, at, mdCell(d.Reason), holds)
			}
		}
	}
	return []byte(b.String())
}

// mdCell escapes a table cell, keeping its lines apart.
func mdCell(s string) string {
	return strings.ReplaceAll(strings.NewReplacer("|", "\\|").Replace(s), "\n", "<br>")
}
