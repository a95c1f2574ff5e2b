package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// Interactions are routed by two tables. A button (block_actions) is found
// by its action_id in buttons; a modal submission (view_submission) by its
// callback_id in forms. Adding a button is one entry in defaultButtons (and,
// if it asks for more, one in defaultForms): the rest — role check and
// audit, opening the modal, running the /breach line as the person who
// clicked, field-level errors, answering — is shared.

// button is what pressing a button with a given action_id does. Its value is
// "INC-2026-0001 TARGET" (commands.Action.Value).
type button struct {
	// name labels the metrics (the /breach command it stands for).
	name string
	// permission, if set, is checked (a refusal audited by the Service)
	// before anything else happens.
	permission string
	// form, if set, opens that form for what the command needs.
	form string
	// command, if form is empty, is the /breach line run at once.
	command func(incident, target string) string
}

func defaultButtons() map[string]button {
	return map[string]button{
		"step_done": {name: "step done", command: func(inc, target string) string {
			return "step done " + target + " --incident " + inc
		}},
		"step_waive":       {name: "step waive", permission: incidents.ActWaive, form: "step_waive"},
		"obligation_waive": {name: "waive", permission: incidents.ActWaive, form: "obligation_waive"},
		"obligation_met":   {name: "met", permission: incidents.ActMet, form: "obligation_met"},
		"facts_form":       {name: "facts", permission: incidents.ActFacts, form: "facts"},
	}
}

type fieldKind int

const (
	fieldText fieldKind = iota
	fieldLong
	fieldSelect
	fieldTime
	// fieldFile is a file upload (one file); its value is the file id.
	fieldFile
)

// field is one input of a form; its id is both the block id and action id.
type field struct {
	id, label, placeholder, hint string
	kind                         fieldKind
	optional                     bool
	// options fills a select; the second result is the initial choice.
	options func(ctx context.Context, b *Bot) ([]*slack.OptionBlockObject, *slack.OptionBlockObject, error)
	// initialNow starts a time field at the current time.
	initialNow bool
	// initial is a text field's initial value.
	initial string
}

// formMeta travels in the modal's private_metadata: what the form is about
// and where to answer.
type formMeta struct {
	Incident    string `json:"i,omitempty"`
	Target      string `json:"t,omitempty"`
	Channel     string `json:"c,omitempty"`
	ResponseURL string `json:"r,omitempty"`
}

// form is a modal that collects what a /breach command needs.
type form struct {
	title, submit string
	intro         func(m formMeta) string
	fields        []field
	// command builds the /breach line from the submitted values (by field
	// id; times as RFC 3339, "" when not given).
	command func(v map[string]string, m formMeta) string
	// run, instead of command, does the work of a form that is no /breach
	// line (an upload): the modal closes at once and run's reply is sent
	// when it is done.
	run func(b *Bot, ctx context.Context, user string, v map[string]string, m formMeta) *commands.Reply
	// blame names the field a refusal is about: the first whose keywords
	// occur in the message, else the last rule's field.
	blame []blameRule
	// fieldsFor, if set, makes the fields when the form opens and when it
	// is submitted (they depend on the incident); a refusal is then shown
	// on the first field whose id the message names, else the last field.
	fieldsFor func(ctx context.Context, b *Bot, m formMeta) ([]field, error)
	// commandWith, instead of command, builds the line knowing the fields
	// (and their initial values); "" submits nothing.
	commandWith func(v map[string]string, m formMeta, fields []field) string
}

// fieldsOf returns the form's fields for m.
func (f *form) fieldsOf(ctx context.Context, b *Bot, m formMeta) ([]field, error) {
	if f.fieldsFor != nil {
		return f.fieldsFor(ctx, b, m)
	}
	return f.fields, nil
}

type blameRule struct {
	field    string
	keywords []string
}

func (f *form) blamed(msg string, fields []field) string {
	low := strings.ToLower(msg)
	if f.fieldsFor != nil {
		for _, fd := range fields {
			if strings.Contains(low, strings.ToLower(fd.id)) {
				return fd.id
			}
		}
		return fields[len(fields)-1].id
	}
	for _, r := range f.blame {
		for _, k := range r.keywords {
			if strings.Contains(low, k) {
				return r.field
			}
		}
	}
	return f.blame[len(f.blame)-1].field
}

var severities = []string{"critical", "high", "medium", "low"}

func severityOptions(context.Context, *Bot) ([]*slack.OptionBlockObject, *slack.OptionBlockObject, error) {
	var opts []*slack.OptionBlockObject
	for _, s := range severities {
		opts = append(opts, slack.NewOptionBlockObject(s, plain(s), nil))
	}
	return opts, opts[1], nil
}

func playbookOptions(ctx context.Context, b *Bot) ([]*slack.OptionBlockObject, *slack.OptionBlockObject, error) {
	src := b.svc.Playbooks()
	pbs, err := src.Playbooks(ctx)
	if err != nil {
		return nil, nil, err
	}
	def, _ := src.Default(ctx)
	var (
		opts    []*slack.OptionBlockObject
		initial *slack.OptionBlockObject
	)
	for _, pb := range pbs {
		if len(opts) == 100 { // Slack's limit for a static select
			break
		}
		o := slack.NewOptionBlockObject(pb.ID, plain(truncate(pb.Title+" (v"+pb.Version+")", 75)), nil)
		opts = append(opts, o)
		if def != nil && pb.ID == def.ID {
			initial = o
		}
	}
	if len(opts) == 0 {
		return nil, nil, incidents.Errorf(incidents.EINVALID, "there is no valid playbook to declare from").
			WithHint("breachbot playbooks lint shows what is wrong with the playbooks")
	}
	return opts, initial, nil
}

func reasonField(placeholder string) field {
	return field{id: "reason", label: "Reason", kind: fieldLong, placeholder: placeholder,
		hint: "Recorded in the audit log and the incident record. No personal data of customers, please."}
}

func defaultForms() map[string]*form {
	return map[string]*form{
		"declare": {
			title: "Declare an incident", submit: "Declare",
			fields: []field{
				{id: "title", label: "Title", kind: fieldText, placeholder: "Customer DB exposed",
					hint: "Short; it names the incident channel. No customer names."},
				{id: "severity", label: "Severity", kind: fieldSelect, options: severityOptions},
				{id: "playbook", label: "Playbook", kind: fieldSelect, options: playbookOptions},
				{id: "aware", label: "Became aware at", kind: fieldTime, initialNow: true, optional: true,
					hint: "When the company became aware of the breach: it starts GDPR's 72 hours and most other clocks."},
				{id: "facts", label: "Initial facts", kind: fieldLong, optional: true,
					placeholder: "jurisdictions=EU,US-CA data=email,password_hash affected=12000",
					hint:        "name=value pairs; /breach help facts lists them. Counts only, never names or addresses."},
			},
			command: func(v map[string]string, _ formMeta) string {
				line := "declare " + quote(v["title"])
				if v["severity"] != "" {
					line += " --severity " + quote(v["severity"])
				}
				if v["playbook"] != "" {
					line += " --playbook " + quote(v["playbook"])
				}
				if v["aware"] != "" {
					line += " --aware " + v["aware"]
				}
				if f := strings.Join(strings.Fields(v["facts"]), " "); f != "" {
					line += " --facts " + quote(f)
				}
				return line
			},
			blame: []blameRule{
				{"title", []string{"title"}},
				{"aware", []string{"awareness", "aware", "time"}},
				{"severity", []string{"severity"}},
				{"playbook", []string{"playbook"}},
				{"facts", nil},
			},
		},
		"step_waive": {
			title: "Waive a step", submit: "Waive",
			intro: func(m formMeta) string {
				return fmt.Sprintf("Waive step *%s* of %s: it will count as finished, with your reason.", escape(m.Target), escape(m.Incident))
			},
			fields: []field{reasonField("not needed: no processors involved")},
			command: func(v map[string]string, m formMeta) string {
				return "step waive " + quote(m.Target) + " " + quote(v["reason"]) + " --incident " + m.Incident
			},
			blame: []blameRule{{"reason", nil}},
		},
		"obligation_waive": {
			title: "Waive an obligation", submit: "Waive",
			intro: func(m formMeta) string {
				return fmt.Sprintf("Waive *%s* of %s: its deadline will no longer be tracked. Say why it does not need to be met.", escape(m.Target), escape(m.Incident))
			},
			fields: []field{reasonField("unlikely to result in a risk: the data was encrypted")},
			command: func(v map[string]string, m formMeta) string {
				return "waive " + quote(m.Target) + " " + quote(v["reason"]) + " --incident " + m.Incident
			},
			blame: []blameRule{{"reason", nil}},
		},
		"obligation_met": {
			title: "Record as met", submit: "Record",
			intro: func(m formMeta) string {
				return fmt.Sprintf("Record that *%s* of %s was met (the regulator or the people concerned were notified).", escape(m.Target), escape(m.Incident))
			},
			fields: []field{
				{id: "ref", label: "Reference", kind: fieldText, placeholder: "CNIL-2026-1234",
					hint: "The regulator's case number, or how and where it was sent."},
				{id: "at", label: "Met at", kind: fieldTime, optional: true, hint: "Leave empty for now."},
				{id: "delay_reason", label: "Reasons for the delay", kind: fieldLong, optional: true,
					hint: "Required when it is met after its due time (GDPR Art. 33(1))."},
			},
			command: func(v map[string]string, m formMeta) string {
				line := "met " + quote(m.Target) + " --ref " + quote(v["ref"])
				if v["at"] != "" {
					line += " --at " + v["at"]
				}
				if r := strings.TrimSpace(v["delay_reason"]); r != "" {
					line += " --delay-reason " + quote(r)
				}
				return line + " --incident " + m.Incident
			},
			blame: []blameRule{
				{"delay_reason", []string{"delay"}},
				{"at", []string{"time it was met", "future"}},
				{"ref", nil},
			},
		},
	}
}

// view builds the modal of a form.
func (b *Bot) view(ctx context.Context, id string, f *form, m formMeta) (slack.ModalViewRequest, error) {
	meta, _ := json.Marshal(m)
	v := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: id, PrivateMetadata: string(meta),
		Title: plain(truncate(f.title, 24)), Submit: plain(f.submit), Close: plain("Cancel"),
	}
	if f.intro != nil {
		v.Blocks.BlockSet = append(v.Blocks.BlockSet, slack.NewSectionBlock(mrkdwn(f.intro(m)), nil, nil))
	}
	fields, err := f.fieldsOf(ctx, b, m)
	if err != nil {
		return v, err
	}
	for _, fd := range fields {
		var el slack.BlockElement
		switch fd.kind {
		case fieldText, fieldLong:
			in := slack.NewPlainTextInputBlockElement(nil, fd.id)
			if fd.placeholder != "" {
				in.Placeholder = plain(fd.placeholder)
			}
			in.Multiline = fd.kind == fieldLong
			in.MaxLength = 1000
			in.InitialValue = fd.initial
			el = in
		case fieldSelect:
			opts, initial, err := fd.options(ctx, b)
			if err != nil {
				return v, err
			}
			sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose"), fd.id, opts...)
			sel.InitialOption = initial
			el = sel
		case fieldFile:
			fi := slack.NewFileInputBlockElement(fd.id)
			fi.FileTypes, fi.MaxFiles = []string{"csv", "txt"}, 1
			el = fi
		case fieldTime:
			dt := slack.NewDateTimePickerBlockElement(fd.id)
			if fd.initialNow {
				dt.InitialDateTime = b.svc.Clock().Now().Unix()
			}
			el = dt
		}
		var hint *slack.TextBlockObject
		if fd.hint != "" {
			hint = plain(fd.hint)
		}
		in := slack.NewInputBlock(fd.id, plain(fd.label), hint, el)
		in.Optional = fd.optional
		v.Blocks.BlockSet = append(v.Blocks.BlockSet, in)
	}
	return v, nil
}

// openForm opens a form's modal for the person who clicked or typed.
func (b *Bot) openForm(ctx context.Context, triggerID, id string, m formMeta, user string) {
	f := b.forms[id]
	v, err := b.view(ctx, id, f, m)
	if err == nil {
		_, err = b.client.OpenViewContext(ctx, triggerID, v)
		err = apiError("views.open", err)
	}
	if err != nil {
		err = fmt.Errorf("slack: could not open the form %s: %w", id, err)
		if incidents.ErrorHint(err) == "" {
			err = &incidents.Error{Code: incidents.ErrorCode(err), Message: incidents.ErrorMessage(err), Hint: "type the command instead; /breach help lists them", Err: err}
		}
		b.respond(ctx, m.ResponseURL, m.Channel, user, b.refusal(ctx, user, err))
	}
}

// values reads a submitted view's inputs by field id.
func (f *form) values(v slack.View, fields []field) map[string]string {
	out := map[string]string{}
	if v.State == nil {
		return out
	}
	for _, fd := range fields {
		a, ok := v.State.Values[fd.id][fd.id]
		if !ok {
			continue
		}
		switch fd.kind {
		case fieldSelect:
			out[fd.id] = a.SelectedOption.Value
		case fieldFile:
			if len(a.Files) > 0 {
				out[fd.id] = a.Files[0].ID
			}
		case fieldTime:
			if a.SelectedDateTime != 0 {
				out[fd.id] = time.Unix(a.SelectedDateTime, 0).UTC().Format(time.RFC3339)
			}
		default:
			out[fd.id] = strings.TrimSpace(a.Value)
		}
	}
	return out
}

// interaction handles a block_actions or view_submission payload and returns
// what to acknowledge with (nil: an empty 200).
func (b *Bot) interaction(cb slack.InteractionCallback) any {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		for _, act := range cb.ActionCallback.BlockActions {
			if act == nil {
				continue
			}
			a := *act
			b.spawn(func(ctx context.Context) { b.pressed(ctx, cb, a) })
		}
		return nil
	case slack.InteractionTypeViewSubmission:
		return b.submitted(cb)
	}
	return nil
}

// pressed carries out a button press as the person who pressed it.
func (b *Bot) pressed(ctx context.Context, cb slack.InteractionCallback, act slack.BlockAction) {
	user, channel := cb.User.ID, cb.Channel.ID
	btn, ok := b.buttons[act.ActionID]
	if !ok {
		b.log.Debug("slack: button without a handler", "action_id", act.ActionID)
		return
	}
	inc, target, ok := strings.Cut(strings.TrimSpace(act.Value), " ")
	if !ok || inc == "" || target == "" {
		b.respond(ctx, cb.ResponseURL, channel, user, errorReply("this button carries no incident", "type the command instead; /breach help lists them"))
		return
	}
	if err := b.buttonRefusal(ctx, cb, inc); err != nil {
		if incidents.ErrorCode(err) == incidents.EFORBIDDEN {
			b.svc.Refuse(ctx, user, btn.name, inc, err)
		}
		b.metrics.Commands.WithLabelValues(btn.name, metricsOutcome(err)).Inc()
		b.respond(ctx, cb.ResponseURL, channel, user, b.refusal(ctx, user, err))
		return
	}
	if btn.permission != "" {
		if err := b.svc.Authorize(ctx, user, btn.permission, inc); err != nil {
			b.metrics.Commands.WithLabelValues(btn.name, metricsOutcome(err)).Inc()
			b.respond(ctx, cb.ResponseURL, channel, user, b.refusal(ctx, user, err))
			return
		}
	}
	if btn.form != "" {
		b.openForm(ctx, cb.TriggerID, btn.form, formMeta{Incident: inc, Target: target, Channel: channel, ResponseURL: cb.ResponseURL}, user)
		return
	}
	rep := b.handle(ctx, commands.Request{User: user, Text: btn.command(inc, target), Channel: channel})
	b.respond(ctx, cb.ResponseURL, channel, user, rep)
}

// submitted runs a form's command; a refusal is shown on the field it is
// about and the modal stays open.
func (b *Bot) submitted(cb slack.InteractionCallback) any {
	f, ok := b.forms[cb.View.CallbackID]
	if !ok {
		return nil
	}
	var m formMeta
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &m)
	ctx, cancel := context.WithTimeout(b.ctx, 2500*time.Millisecond)
	defer cancel()
	fields, err := f.fieldsOf(ctx, b, m)
	if err != nil {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{"more": truncate(b.refusal(ctx, cb.User.ID, err).Title, 500)})
	}
	v := f.values(cb.View, fields)
	for _, fd := range fields {
		if !fd.optional && v[fd.id] == "" {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{fd.id: fd.label + " is required."})
		}
	}
	user := cb.User.ID
	if f.run != nil {
		b.spawnFor(importTimeout, func(ctx context.Context) { b.respond(ctx, m.ResponseURL, m.Channel, user, f.run(b, ctx, user, v, m)) })
		return nil
	}
	var line string
	if f.commandWith != nil {
		line = f.commandWith(v, m, fields)
	} else {
		line = f.command(v, m)
	}
	if line == "" {
		return nil // nothing to do (a form left as it was)
	}
	req := commands.Request{User: user, Text: line, Channel: m.Channel}
	rep := b.handle(ctx, req)
	if rep.Error {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{f.blamed(rep.Title, fields): truncate(rep.Title, 500)})
	}
	b.spawn(func(ctx context.Context) {
		b.declared(ctx, req, rep)
		b.respond(ctx, m.ResponseURL, m.Channel, user, rep)
	})
	return nil
}
