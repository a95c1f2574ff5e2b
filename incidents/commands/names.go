package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/breachbot/breachbot/incidents"
)

// UserNamer returns the display name of a chat user id, if known.
type UserNamer func(ctx context.Context, id string) (string, bool)

// plainID shows a person as their id (no names known).
func plainID(id string) string { return id }

// nameOf returns id's display name, or "" when there is no resolver or the
// name is unknown.
func (r *Router) nameOf(ctx context.Context, id string) string {
	if r.userName == nil || id == "" {
		return ""
	}
	name, ok := r.userName(ctx, id)
	if !ok {
		return ""
	}
	return name
}

// exportPerson shows a person in an export: "Rita Responder (U01RESP)"
// when the name is known, else the id.
func (r *Router) exportPerson(ctx context.Context) func(string) string {
	if r.userName == nil {
		return plainID
	}
	return func(id string) string {
		if name := r.nameOf(ctx, id); name != "" && name != id {
			return name + " (" + id + ")"
		}
		return id
	}
}

// personWord matches a word that may be a user id (console ids may hold
// dots, dashes and underscores; a sentence's final dot is not part of one).
var personWord = regexp.MustCompile(`[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?`)

// nameReply shows people by their display names in a reply for a chat that
// does not mention them (the console): every whole word that is a user id
// with a known name becomes the name. Commands (Action.Command) keep ids,
// so that what the console suggests typing still works.
func (r *Router) nameReply(ctx context.Context, rep *Reply) {
	if r.userName == nil || r.mentions || rep == nil {
		return
	}
	names := map[string]string{}
	sub := func(s string) string {
		if s == "" {
			return s
		}
		return personWord.ReplaceAllStringFunc(s, func(w string) string {
			name, seen := names[w]
			if !seen {
				name = r.nameOf(ctx, w)
				names[w] = name
			}
			if name == "" {
				return w
			}
			return name
		})
	}
	rep.Title = sub(rep.Title)
	for i := range rep.Sections {
		s := &rep.Sections[i]
		s.Heading, s.Text, s.Note = sub(s.Heading), sub(s.Text), sub(s.Note)
		for j := range s.Items {
			it := &s.Items[j]
			it.Text, it.Detail = sub(it.Text), sub(it.Detail)
		}
	}
}

// personKeys are the JSON keys whose values are user ids.
var personKeys = map[string]bool{
	"by": true, "actor": true, "lead": true, "declared_by": true, "exported_by": true,
	"confirmed_by": true, "drafted_by": true, "submitted_by": true, "met_by": true,
	"waived_by": true, "imported_by": true, "generated_by": true, "requested_by": true,
}

// nameJSON adds, beside every person field of an exported JSON document
// whose name is known, the name: "by": "U01RESP" gains "by_name": "Rita
// Responder". Existing keys are kept as they are.
func (r *Router) nameJSON(ctx context.Context, data []byte) ([]byte, error) {
	if r.userName == nil {
		return data, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("add names to export: %w", err)
	}
	changed := false
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			add := map[string]string{}
			for k, x := range v {
				if s, ok := x.(string); ok && personKeys[k] {
					if name := r.nameOf(ctx, s); name != "" {
						if _, taken := v[k+"_name"]; !taken {
							add[k+"_name"] = name
						}
					}
					continue
				}
				walk(x)
			}
			for k, name := range add {
				v[k] = name
				changed = true
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if !changed {
		return data, nil
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("add names to export: %w", err)
	}
	return append(out, '\n'), nil
}

// NameNotifications returns a Notifier that hands next each notification
// with the people it names (who acted, the lead, who drafted and submitted
// a notice) shown by display name where known: for a front end that prints
// notifications as text (the console), not one that mentions ids (Slack).
func NameNotifications(next incidents.Notifier, userName UserNamer) incidents.Notifier {
	return &namedNotifier{next: next, userName: userName}
}

type namedNotifier struct {
	next     incidents.Notifier
	userName UserNamer
}

func (n *namedNotifier) Notify(ctx context.Context, note incidents.Notification) error {
	name := func(id string) string {
		if id == "" {
			return id
		}
		if s, ok := n.userName(ctx, id); ok && s != "" {
			return s
		}
		return id
	}
	note.Actor, note.Lead = name(note.Actor), name(note.Lead)
	if note.Notice != nil {
		info := *note.Notice
		info.DraftedBy, info.SubmittedBy = name(info.DraftedBy), name(info.SubmittedBy)
		note.Notice = &info
	}
	return n.next.Notify(ctx, note)
}
