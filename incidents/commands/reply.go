package commands

import (
	"fmt"
	"strings"
)

// Reply is the bot's answer to a command, independent of where it is shown.
// The console prints Text(); the Slack adapter renders the same structure as
// Block Kit, with Actions as buttons.
type Reply struct {
	// Title is the headline.
	Title string
	// Sections follow the title in order.
	Sections []Section
	// Error is set when the command was refused or failed; Code is the
	// incidents error code.
	Error bool
	Code  string
	// Ephemeral replies are shown only to the person who typed the command.
	Ephemeral bool
	// Incident is the incident the reply is about, if any.
	Incident string
	// File is an attached document (an export).
	File *File
	// People are the chat user ids of the people the reply names (who
	// declared, did a step, drafted a notice ...). A chat that can mention
	// people (Slack) shows each as a mention; the console ignores it.
	People []string
}

// Section is a block of a reply.
type Section struct {
	Heading string
	// Text is a paragraph.
	Text string
	// Items is a list.
	Items []Item
	// Note is small print under the section.
	Note string
}

// Marks for list items: how a step or obligation stands.
const (
	MarkDone    = "done"
	MarkOpen    = "open"
	MarkWaived  = "waived"
	MarkMissed  = "missed"
	MarkRunning = "running"
	MarkUrgent  = "urgent"
	MarkWait    = "wait"
	MarkInfo    = "info"
	MarkBlocked = "blocked"
)

// Item is one line of a list, with an optional detail line and actions.
type Item struct {
	Mark    string
	Text    string
	Detail  string
	Actions []Action
}

// Action is something the reader can do about an item: a button in Slack,
// the command to type in the console.
type Action struct {
	// ID names the action for the Slack adapter ("step_done", "step_waive", ...).
	ID    string
	Label string
	// Value carries the action's arguments (e.g. "INC-2026-0001 triage").
	Value string
	// Command is the equivalent /breach line.
	Command string
	// Style is "primary", "danger" or "".
	Style string
}

var textMarks = map[string]string{
	MarkDone: "[x]", MarkOpen: "[ ]", MarkWaived: "[~]", MarkMissed: "[!!]", MarkRunning: "[..]",
	MarkUrgent: "[!]", MarkWait: "[--]", MarkInfo: " - ", MarkBlocked: "[?]",
}

// Text renders the reply as plain text for a terminal or a log-free pipe.
func (r *Reply) Text() string {
	var b strings.Builder
	if r.Title != "" {
		if r.Error {
			b.WriteString("Error: ")
		}
		b.WriteString(r.Title)
		b.WriteByte('\n')
	}
	for _, s := range r.Sections {
		if s.Heading != "" {
			fmt.Fprintf(&b, "\n%s\n", s.Heading)
		}
		if s.Text != "" {
			for _, line := range strings.Split(s.Text, "\n") {
				fmt.Fprintf(&b, "  %s\n", line)
			}
		}
		for _, it := range s.Items {
			mark := textMarks[it.Mark]
			if mark == "" {
				mark = " - "
			}
			fmt.Fprintf(&b, "  %s %s\n", mark, it.Text)
			if it.Detail != "" {
				for _, line := range strings.Split(it.Detail, "\n") {
					fmt.Fprintf(&b, "       %s\n", line)
				}
			}
		}
		if s.Note != "" {
			for _, line := range strings.Split(s.Note, "\n") {
				fmt.Fprintf(&b, "  (%s)\n", line)
			}
		}
	}
	if r.File != nil {
		b.WriteString("\n")
		b.Write(r.File.Data)
	}
	return b.String()
}

// errorReply builds the reply for a refused or failed command.
func errorReply(code, message, hint string) *Reply {
	r := &Reply{Title: message, Error: true, Code: code, Ephemeral: true}
	if hint != "" {
		r.Sections = append(r.Sections, Section{Text: "Try: " + hint})
	}
	return r
}
