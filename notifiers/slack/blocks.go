package slack

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents/commands"
)

// Slack's limits on Block Kit messages.
const (
	maxBlocks      = 50
	maxText        = 3000 // a section's text
	maxContext     = 2000 // a context element's text
	maxHeader      = 150
	maxButtonLabel = 75
	maxButtonValue = 2000
	maxFallback    = 3000 // the notification text we send beside blocks
)

// markEmoji shows how a step or obligation stands.
var markEmoji = map[string]string{
	commands.MarkDone:    ":white_check_mark:",
	commands.MarkOpen:    ":white_large_square:",
	commands.MarkWaived:  ":heavy_minus_sign:",
	commands.MarkMissed:  ":rotating_light:",
	commands.MarkRunning: ":hourglass_flowing_sand:",
	commands.MarkUrgent:  ":warning:",
	commands.MarkWait:    ":double_vertical_bar:",
	commands.MarkInfo:    ":small_blue_diamond:",
	commands.MarkBlocked: ":grey_question:",
}

// escape makes text safe for mrkdwn: Slack reads <...> as links and
// mentions (<!channel>), so a title typed by a person cannot ping anyone.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return mrkdwnEscaper.Replace(s)
}

// mrkdwnEscaper is built once: a strings.Replacer is safe for concurrent
// use, and building one per text was a tenth of a reply's rendering.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// truncate cuts s to at most n characters, ending in "…" if it was cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// chunks splits s into pieces of at most n characters, at line breaks where
// it can.
func chunks(s string, n int) []string {
	var out []string
	for {
		end := runeOffset(s, n)
		if end < 0 {
			break
		}
		cut := end
		if i := strings.LastIndex(s[:end], "\n"); i > 0 {
			cut = i
		}
		out = append(out, strings.TrimRight(s[:cut], "\n"))
		s = strings.TrimLeft(s[cut:], "\n")
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// runeOffset returns the byte offset at which the n+1st character of s
// starts, or -1 if s has at most n characters. (chunks converted the rest
// of a long reply to runes for every piece it cut: a sixth of rendering.)
func runeOffset(s string, n int) int {
	if len(s) <= n {
		return -1
	}
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return -1
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}
func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

// itemText renders a list item as mrkdwn: its mark, its text and detail,
// the people it names as mentions.
func itemText(it commands.Item, withCommands bool, m mentioner) string {
	emoji := markEmoji[it.Mark]
	if emoji == "" {
		emoji = "•"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", emoji, m.apply(escape(it.Text)))
	if it.Detail != "" {
		b.WriteString("\n" + m.apply(escape(it.Detail)))
	}
	if withCommands {
		for _, a := range it.Actions {
			if a.Command != "" {
				fmt.Fprintf(&b, "\n`%s`", escape(a.Command))
			}
		}
	}
	return b.String()
}

// piece is one part of a rendered reply before it becomes blocks: text
// that may merge with its neighbours, an item with buttons, or small print.
type piece struct {
	text    string
	item    *commands.Item
	people  mentioner
	context bool
}

// actionable returns the actions of an item that can act now. A step that
// waits for others (MarkWait) cannot be done yet: it shows what it waits
// for and no Done or Waive button.
func actionable(it commands.Item) []commands.Action {
	if it.Mark != commands.MarkWait {
		return it.Actions
	}
	return slices.DeleteFunc(slices.Clone(it.Actions), func(a commands.Action) bool {
		return a.ID == "step_done" || a.ID == "step_waive"
	})
}

func pieces(rep *commands.Reply) []piece {
	var out []piece
	m := newMentioner(rep.People)
	for _, s := range rep.Sections {
		var lines []string
		if s.Heading != "" {
			lines = append(lines, "*"+m.apply(escape(s.Heading))+"*")
		}
		if s.Text != "" {
			lines = append(lines, m.apply(escape(s.Text)))
		}
		flush := func() {
			if len(lines) > 0 {
				out = append(out, piece{text: strings.Join(lines, "\n")})
				lines = nil
			}
		}
		for i := range s.Items {
			it := s.Items[i]
			it.Actions = actionable(it)
			if len(it.Actions) > 0 {
				flush()
				out = append(out, piece{item: &it, people: m})
				continue
			}
			lines = append(lines, itemText(it, false, m))
		}
		flush()
		if s.Note != "" {
			out = append(out, piece{text: m.apply(escape(s.Note)), context: true})
		}
	}
	return out
}

// Blocks renders a Reply as Block Kit within Slack's limits: a header, the
// sections as mrkdwn, items' marks as emoji, item actions as buttons (action
// id = Action.ID, value = Action.Value) and notes as context. When a reply
// would need more than 50 blocks, the last items lose their buttons (their
// command is shown instead); if that is still too many, the message is cut
// with a note saying so. Text over 3,000 characters is split across blocks.
// What the bot posts and answers goes through Pages instead, which never
// cuts: it continues in more messages.
func Blocks(rep *commands.Reply) []slack.Block { return blocks(rep, true, maxBlocks) }

// blocks renders a reply in at most limit blocks, with buttons or, without,
// each item's command shown instead.
func blocks(rep *commands.Reply, buttons bool, limit int) []slack.Block {
	ps := pieces(rep)
	actionable := 0
	for _, p := range ps {
		if p.item != nil && buttons {
			actionable++
		}
	}
	for keep := actionable; ; keep-- {
		blocks := render(rep, ps, keep)
		if len(blocks) <= limit {
			return blocks
		}
		if keep == 0 {
			blocks = blocks[:limit-1]
			return append(blocks, slack.NewContextBlock("cut", mrkdwn("_This message was shortened to fit Slack's limits; the console or a narrower command shows the rest._")))
		}
	}
}

// render turns pieces into blocks, keeping buttons on the first keep
// actionable items only.
func render(rep *commands.Reply, ps []piece, keep int) []slack.Block {
	var blocks []slack.Block
	if rep.Title != "" {
		title := rep.Title
		if rep.Error {
			title = ":warning: " + title
		}
		if m := newMentioner(rep.People); m.names(escape(title)) {
			// A header is plain text, where a mention cannot be: a title
			// naming a person is bold mrkdwn instead.
			for _, c := range chunks("*"+m.apply(escape(title))+"*", maxText) {
				blocks = append(blocks, slack.NewSectionBlock(mrkdwn(c), nil, nil))
			}
		} else {
			blocks = append(blocks, slack.NewHeaderBlock(plain(truncate(title, maxHeader))))
			if utf8.RuneCountInString(title) > maxHeader {
				// The header is cut: the whole title follows it.
				for _, c := range chunks(escape(title), maxText) {
					blocks = append(blocks, slack.NewSectionBlock(mrkdwn(c), nil, nil))
				}
			}
		}
	}
	var text []string
	flushText := func() {
		if len(text) == 0 {
			return
		}
		for _, c := range chunks(strings.Join(text, "\n"), maxText) {
			blocks = append(blocks, slack.NewSectionBlock(mrkdwn(c), nil, nil))
		}
		text = nil
	}
	n := 0
	for _, p := range ps {
		switch {
		case p.context:
			flushText()
			for _, c := range chunks(p.text, maxContext) {
				blocks = append(blocks, slack.NewContextBlock("", mrkdwn(c)))
			}
		case p.item != nil && n < keep:
			n++
			flushText()
			for _, c := range chunks(itemText(*p.item, false, p.people), maxText) {
				blocks = append(blocks, slack.NewSectionBlock(mrkdwn(c), nil, nil))
			}
			var buttons []slack.BlockElement
			for _, a := range p.item.Actions {
				btn := slack.NewButtonBlockElement(a.ID, truncate(a.Value, maxButtonValue), plain(truncate(a.Label, maxButtonLabel)))
				if a.Style == "primary" || a.Style == "danger" {
					btn = btn.WithStyle(slack.Style(a.Style))
				}
				buttons = append(buttons, btn)
			}
			blocks = append(blocks, slack.NewActionBlock(fmt.Sprintf("actions-%d", n), buttons...))
		case p.item != nil:
			text = append(text, itemText(*p.item, true, p.people))
		default:
			text = append(text, p.text)
		}
	}
	flushText()
	return blocks
}

// Notes ending the first message of a reply too big for one.
const (
	continuedInThread = "_Continued in the thread of this message._"
	continuedBelow    = "_Continued in the next message._"
)

// Pages renders a reply for posting: all of it, every item with its
// buttons, in as many messages as Slack's limits need. The first is the
// message itself (ending with a note that it continues), the others its
// thread. An item's text and its buttons stay in one message.
func Pages(rep *commands.Reply) [][]slack.Block { return pages(rep, true, 0, continuedInThread) }

// pages renders a reply in as many messages as it needs, with buttons or,
// without, each item's command shown instead; the first message leaves
// reserve blocks free and ends with note when more follow.
func pages(rep *commands.Reply, buttons bool, reserve int, note string) [][]slack.Block {
	ps := pieces(rep)
	all := 0
	for _, p := range ps {
		if p.item != nil && buttons {
			all++
		}
	}
	full := render(rep, ps, all)
	if len(full) <= maxBlocks-reserve {
		return [][]slack.Block{full}
	}
	var pages [][]slack.Block
	limit := maxBlocks - reserve - 1 // the first page ends with the note
	var page []slack.Block
	for i, b := range full {
		if len(page) == limit {
			var carry []slack.Block
			if b.BlockType() == slack.MBTAction && i > 0 && full[i-1].BlockType() == slack.MBTSection {
				// Keep an item's text with its buttons.
				carry, page = page[len(page)-1:], page[:len(page)-1]
			}
			pages = append(pages, page)
			page, limit = carry, maxBlocks
		}
		page = append(page, b)
	}
	pages = append(pages, page)
	pages[0] = append(pages[0], slack.NewContextBlock("continued", mrkdwn(note)))
	return pages
}

// fallback is the plain text Slack shows in notifications and where
// blocks cannot be shown.
func fallback(rep *commands.Reply) string {
	if rep.Title == "" {
		return "breachbot"
	}
	// Slack reads <...> in the notification text as it does in mrkdwn: a
	// title typed by a person is escaped, the people it names mentioned.
	return newMentioner(rep.People).apply(escape(truncate(rep.Title, maxFallback)))
}

// message is a reply as Slack takes it in a slash command's answer, through
// a response_url or as a Socket Mode acknowledgement.
type message struct {
	ResponseType    string        `json:"response_type,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	// more are the rest of a posted reply too big for one message, each
	// posted as a reply in its thread (postedMessage).
	more [][]slack.Block
}

// newMessage renders a reply; errors and help are shown only to the person
// who asked, everything else to the channel.
func newMessage(rep *commands.Reply) *message {
	m := &message{ResponseType: slack.ResponseTypeInChannel, Text: fallback(rep), Blocks: Blocks(rep)}
	if rep.Ephemeral || rep.Error {
		m.ResponseType = slack.ResponseTypeEphemeral
	}
	return m
}

// postedMessage renders a reply the bot posts (or updates) in a channel or
// direct message: what does not fit in one message continues in its
// thread, nothing is cut.
func postedMessage(rep *commands.Reply) *message {
	m := newMessage(rep)
	pages := Pages(rep)
	m.Blocks, m.more = pages[0], pages[1:]
	return m
}
