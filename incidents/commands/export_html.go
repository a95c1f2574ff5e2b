package commands

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// RecordHTML renders a record as one self-contained HTML page that prints
// well: the Markdown record's sections, and a timeline picture (inline
// SVG) of awareness, clock starts, due times and notifications.
func RecordHTML(rec *incidents.Record) []byte { return recordHTML(rec, plainID) }

// recordHTML renders a record showing each person as who(id).
func recordHTML(rec *incidents.Record, who func(string) string) []byte {
	md := string(recordMarkdown(rec, who))
	var b strings.Builder
	title := rec.Incident.ID + ": " + rec.Incident.Title
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", html.EscapeString(title), recordCSS)
	// The picture goes after the summary table, before the clock events.
	head, rest, _ := strings.Cut(md, "\n## Clock events")
	b.WriteString(markdownHTML(head))
	b.WriteString("<h2>Timeline</h2>\n")
	b.WriteString(timelineSVG(rec))
	if rest != "" {
		b.WriteString(markdownHTML("## Clock events" + rest))
	}
	b.WriteString("</body>\n</html>\n")
	return []byte(b.String())
}

const recordCSS = `body { font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 60em; color: #111; }
h1 { font-size: 1.5em; margin-bottom: .3em; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #999; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border: 1px solid #bbb; padding: .2em .4em; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; }
tr { break-inside: avoid; }
code { font-size: .9em; overflow-wrap: anywhere; }
h3 { font-size: 1em; margin-top: 1.2em; break-after: avoid; }
pre { white-space: pre-wrap; border: 1px solid #bbb; padding: .5em; font-size: .9em; }
ul { padding-left: 1.2em; }
.late { color: #b00; font-weight: bold; }
svg { width: 100%; height: auto; break-inside: avoid; }
svg text { font: 11px system-ui, sans-serif; }
@media print { body { margin: 0; max-width: none; font-size: 9pt; } a { color: inherit; } }
`

var (
	mdCode   = regexp.MustCompile("`([^`]*)`")
	mdStrong = regexp.MustCompile(`\*\*(.+?)\*\*`)
	mdBar    = regexp.MustCompile(`(?:^|[^\\])\|`)
)

// markdownHTML converts the record's Markdown (headings, tables, lists,
// paragraphs; code, bold, a paragraph in italics) to HTML.
func markdownHTML(md string) string {
	var b strings.Builder
	lines := strings.Split(md, "\n")
	inList := false
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if inList && !strings.HasPrefix(line, "- ") {
			b.WriteString("</ul>\n")
			inList = false
		}
		switch {
		case line == "":
		case strings.HasPrefix(line, "```"):
			// A fenced block (a regulator draft's Markdown) is shown as
			// written, up to the same fence.
			fence := line
			b.WriteString("<pre>")
			for i++; i < len(lines) && lines[i] != fence; i++ {
				b.WriteString(html.EscapeString(lines[i]) + "\n")
			}
			b.WriteString("</pre>\n")
		case strings.HasPrefix(line, "### "):
			fmt.Fprintf(&b, "<h3>%s</h3>\n", inlineHTML(line[4:]))
		case strings.HasPrefix(line, "## "):
			fmt.Fprintf(&b, "<h2>%s</h2>\n", inlineHTML(line[3:]))
		case strings.HasPrefix(line, "# "):
			fmt.Fprintf(&b, "<h1>%s</h1>\n", inlineHTML(line[2:]))
		case strings.HasPrefix(line, "- "):
			if !inList {
				b.WriteString("<ul>\n")
				inList = true
			}
			fmt.Fprintf(&b, "<li>%s</li>\n", inlineHTML(line[2:]))
		case strings.HasPrefix(line, "|"):
			var rows [][]string
			for ; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
				rows = append(rows, tableCells(lines[i]))
			}
			i--
			b.WriteString(tableHTML(rows))
		case len(line) > 2 && strings.HasPrefix(line, "_") && strings.HasSuffix(line, "_"):
			fmt.Fprintf(&b, "<p><em>%s</em></p>\n", inlineHTML(line[1:len(line)-1]))
		default:
			fmt.Fprintf(&b, "<p>%s</p>\n", inlineHTML(line))
		}
	}
	if inList {
		b.WriteString("</ul>\n")
	}
	return b.String()
}

// tableCells splits a Markdown table row on its unescaped bars.
func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	row = strings.TrimSuffix(row, "|")
	var cells []string
	start := 0
	for _, m := range mdBar.FindAllStringIndex(row, -1) {
		end := m[1] - 1
		cells = append(cells, row[start:end])
		start = m[1]
	}
	cells = append(cells, row[start:])
	for i, c := range cells {
		cells[i] = strings.TrimSpace(strings.ReplaceAll(c, `\|`, "|"))
	}
	return cells
}

// tableHTML renders a Markdown table's rows: the header, the separator,
// the body.
func tableHTML(rows [][]string) string {
	var b strings.Builder
	b.WriteString("<table>\n")
	for n, cells := range rows {
		if n == 1 && len(cells) > 0 && strings.HasPrefix(cells[0], "---") {
			continue
		}
		tag := "td"
		if n == 0 {
			tag = "th"
		}
		b.WriteString("<tr>")
		for _, c := range cells {
			class := ""
			if strings.Contains(c, "LATE by") || strings.Contains(c, "MISSED") {
				class = ` class="late"`
			}
			fmt.Fprintf(&b, "<%s%s>%s</%s>", tag, class, inlineHTML(c), tag)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
	return b.String()
}

// inlineHTML escapes text and renders `code` and **bold**.
func inlineHTML(s string) string {
	s = html.EscapeString(s)
	s = mdCode.ReplaceAllString(s, "<code>$1</code>")
	return mdStrong.ReplaceAllString(s, "<strong>$1</strong>")
}

// svgRow is one line of the timeline picture: a clock from Start to Due,
// and the time it was met.
type svgRow struct {
	label      string
	start, due time.Time
	met        time.Time
	late       bool
	// status is the row's outcome in words, printed beside it.
	status string
}

// timelineSVG draws awareness and the other clock events on the first row,
// then one row per obligation that applies with a clock: its start, its
// due time and when it was notified (met). Red marks what was late or
// missed.
func timelineSVG(rec *incidents.Record) string {
	inc := rec.Incident
	var rows []svgRow
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if o.Applies == incidents.NotApplicable || (o.Start.IsZero() && o.Due.IsZero() && o.MetAt.IsZero()) {
			continue
		}
		if o.Applies == incidents.NeedsFacts && o.Status != incidents.ObligationMet {
			continue
		}
		late := o.Status == incidents.ObligationMissed || (o.Status == incidents.ObligationMet && o.Late() > 0)
		status := strings.ReplaceAll(string(o.Phase()), "_", " ")
		switch {
		case o.Status == incidents.ObligationMet && o.Late() > 0:
			status = "met, late by " + incidents.HumanDuration(o.Late())
		case o.Status == incidents.ObligationMet && !o.Due.IsZero():
			status = "met on time"
		case o.Status == incidents.ObligationMet:
			status = "met"
		case o.Status == incidents.ObligationWaived:
			status = "waived"
		case o.Status == incidents.ObligationMissed:
			status = "MISSED"
		}
		rows = append(rows, svgRow{label: o.ID, start: o.Start, due: o.Due, met: o.MetAt, late: late, status: status})
	}
	// Notices to affected people: a row from the start of sending to its
	// end.
	for _, n := range rec.Notices {
		if n.Send == nil || n.Send.RequestedAt.IsZero() {
			continue
		}
		status := fmt.Sprintf("%d sent", n.Send.Sent)
		if !n.Send.FinishedAt.IsZero() {
			status += ", finished"
		}
		rows = append(rows, svgRow{label: "notice " + n.ID, start: n.Send.RequestedAt, met: n.Send.FinishedAt, status: status})
	}
	type mark struct {
		name string
		at   time.Time
	}
	var events []mark
	for name, e := range inc.Events {
		events = append(events, mark{name, e.At})
	}
	slices.SortFunc(events, func(a, b mark) int { return a.at.Compare(b.at) })

	lo, hi := inc.AwareAt(), rec.ExportedAt
	widen := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	widen(inc.DeclaredAt)
	for _, e := range events {
		widen(e.at)
	}
	for _, r := range rows {
		widen(r.start)
		widen(r.due)
		widen(r.met)
	}
	if !hi.After(lo) {
		hi = lo.Add(time.Hour)
	}
	const left, width, right, rowH, top = 170.0, 560.0, 170.0, 22.0, 30.0
	x := func(t time.Time) float64 {
		return left + width*float64(t.Sub(lo))/float64(hi.Sub(lo))
	}
	height := top + rowH*float64(len(rows)+1) + 30
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" role="img" aria-label="Timeline from awareness to the due times and notifications">`+"\n", left+width+right, height)
	p(`<title>Timeline: awareness, clock starts, due times and notifications (UTC)</title>` + "\n")
	p(`<text x="%.1f" y="14">%s</text><text x="%.1f" y="14" text-anchor="end">%s</text>`+"\n", left, html.EscapeString(FormatTime(lo)), left+width, html.EscapeString(FormatTime(hi)))
	axisY := height - 24
	p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>`+"\n", left, axisY, left+width, axisY)
	for d := lo.Truncate(24 * time.Hour).Add(24 * time.Hour); d.Before(hi) && hi.Sub(lo) <= 60*24*time.Hour; d = d.Add(24 * time.Hour) {
		p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x(d), top-6, x(d), axisY)
	}
	y := top + rowH/2
	p(`<text x="0" y="%.1f">clock events</text>`+"\n", y+4)
	for _, e := range events {
		p(`<circle cx="%.1f" cy="%.1f" r="5" fill="#06c"><title>%s %s</title></circle>`+"\n", x(e.at), y, html.EscapeString(e.name), html.EscapeString(FormatTime(e.at)))
	}
	p(`<path d="M%.1f %.1fv%.1f" stroke="#06c" stroke-dasharray="3 3"/>`+"\n", x(rec.ExportedAt), top-6, axisY-top+6)
	for _, r := range rows {
		y += rowH
		p(`<text x="0" y="%.1f">%s</text>`+"\n", y+4, html.EscapeString(r.label))
		color := "#333"
		if r.late {
			color = "#b00"
		}
		p(`<text x="%.1f" y="%.1f" fill="%s">%s</text>`+"\n", left+width+12, y+4, color, html.EscapeString(r.status))
		if !r.start.IsZero() && !r.due.IsZero() {
			p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="3"><title>clock runs %s to %s</title></line>`+"\n", x(r.start), y, x(r.due), y, color, html.EscapeString(FormatTime(r.start)), html.EscapeString(FormatTime(r.due)))
		}
		if !r.start.IsZero() {
			p(`<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>clock starts %s</title></circle>`+"\n", x(r.start), y, color, html.EscapeString(FormatTime(r.start)))
		}
		if !r.due.IsZero() {
			p(`<path d="M%.1f %.1fv16" stroke="%s" stroke-width="2"><title>due %s</title></path>`+"\n", x(r.due), y-8, color, html.EscapeString(FormatTime(r.due)))
		}
		if !r.met.IsZero() {
			p(`<path d="M%.1f %.1fl6 6l-6 6l-6 -6z" fill="%s"><title>notified %s</title></path>`+"\n", x(r.met), y-6, color, html.EscapeString(FormatTime(r.met)))
		}
	}
	p(`<text x="%.1f" y="%.1f">&#9679; clock event &#183; | due &#183; &#9670; notified (met) &#183; red: late or missed &#183; dashed: exported</text>`+"\n", left, height-6)
	b.WriteString("</svg>\n")
	return b.String()
}
