package playbooks

// This file writes a playbook as an OASIS CACAO Security Playbooks v2.0 JSON
// document, so that SOAR tools can load the same plan. The mapping is
// described in the README ("CACAO export"); keep the two in step.

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// CACAOSpecVersion is the spec_version of the documents CACAO writes.
const CACAOSpecVersion = "cacao-2.0"

// cacaoNamespace seeds every identifier CACAO derives, so that the same
// playbook always exports the same identifiers.
const cacaoNamespace = "breachbot.cacao.v1"

// cacaoExtensionSchema is the JSON Schema of breachbot's CACAO extension,
// inlined in the extension definition's schema property.
const cacaoExtensionSchema = `{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"breachbot playbook extension",` +
	`"description":"Playbook level: the breachbot playbook and its legal obligations (clocks). Step level: the breachbot step id, its gate and whether it involves a third party.",` +
	`"type":"object","properties":{` +
	`"playbook":{"type":"object","properties":{"id":{"type":"string"},"version":{"type":"string"},"sha256":{"type":"string"},"catalog_version":{"type":"string"}}},` +
	`"obligations":{"type":"array","items":{"type":"object","required":["id","regulation","citation","deadline"]}},` +
	`"step":{"type":"string"},"gate":{"type":"string"},"third_party":{"type":"boolean"}}}`

// CACAO returns pb as an indented CACAO 2.0 playbook JSON document. The same
// playbook (same id, version and content) always gives the same bytes: every
// identifier is derived from the playbook's id, and created/modified from its
// version. Steps become action steps with one manual command, run in the
// order their requires allow (parallel steps where several are ready); the
// obligations travel in a playbook extension.
func CACAO(pb *incidents.Playbook) ([]byte, error) {
	if pb == nil || pb.ID == "" {
		return nil, fmt.Errorf("cacao: playbook without an id")
	}
	if len(pb.Steps) == 0 {
		// CACAO requires at least one action between start and end.
		return nil, fmt.Errorf("cacao: playbook %s has no steps; a CACAO playbook needs at least one", pb.ID)
	}
	doc, err := newCACAOBuilder(pb).build()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("cacao: playbook %s: %w", pb.ID, err)
	}
	return buf.Bytes(), nil
}

// cacaoPlaybook is the CACAO playbook object; only the properties breachbot
// fills.
type cacaoPlaybook struct {
	Type                 string                      `json:"type"`
	SpecVersion          string                      `json:"spec_version"`
	ID                   string                      `json:"id"`
	Name                 string                      `json:"name"`
	Description          string                      `json:"description,omitempty"`
	CreatedBy            string                      `json:"created_by"`
	Created              string                      `json:"created"`
	Modified             string                      `json:"modified"`
	Labels               []string                    `json:"labels,omitempty"`
	WorkflowStart        string                      `json:"workflow_start"`
	Workflow             map[string]cacaoStep        `json:"workflow"`
	AgentDefinitions     map[string]cacaoAgent       `json:"agent_definitions,omitempty"`
	ExtensionDefinitions map[string]cacaoExtDef      `json:"extension_definitions"`
	PlaybookExtensions   map[string]cacaoPlaybookExt `json:"playbook_extensions"`
}

// cacaoStep is a CACAO workflow step of any type breachbot writes: start,
// end, action or parallel.
type cacaoStep struct {
	Type           string                  `json:"type"`
	Name           string                  `json:"name,omitempty"`
	Description    string                  `json:"description,omitempty"`
	OnCompletion   string                  `json:"on_completion,omitempty"`
	NextSteps      []string                `json:"next_steps,omitempty"`
	Commands       []cacaoCommand          `json:"commands,omitempty"`
	Agent          string                  `json:"agent,omitempty"`
	StepExtensions map[string]cacaoStepExt `json:"step_extensions,omitempty"`
}

// cacaoCommand is a manual command: work a person does.
type cacaoCommand struct {
	Type        string `json:"type"`
	Command     string `json:"command"`
	Description string `json:"description,omitempty"`
}

// cacaoAgent is a group agent: the role a step's owner names.
type cacaoAgent struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// cacaoExtDef is an extension definition.
type cacaoExtDef struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	CreatedBy   string `json:"created_by"`
	Schema      string `json:"schema"`
	Version     string `json:"version"`
}

// cacaoPlaybookExt is breachbot's extension on the playbook.
type cacaoPlaybookExt struct {
	Playbook    cacaoPlaybookRef  `json:"playbook"`
	Obligations []cacaoObligation `json:"obligations"`
}

// cacaoPlaybookRef names the breachbot playbook the document was made from.
type cacaoPlaybookRef struct {
	ID             string `json:"id"`
	Version        string `json:"version"`
	SHA256         string `json:"sha256"`
	CatalogVersion string `json:"catalog_version,omitempty"`
}

// cacaoObligation is one legal clock of the playbook.
type cacaoObligation struct {
	ID           string               `json:"id"`
	Regulation   string               `json:"regulation"`
	Title        string               `json:"title"`
	Law          string               `json:"law,omitempty"`
	Jurisdiction string               `json:"jurisdiction,omitempty"`
	Notify       string               `json:"notify,omitempty"`
	Citation     string               `json:"citation"`
	Source       string               `json:"source,omitempty"`
	Status       string               `json:"status,omitempty"`
	Deadline     string               `json:"deadline"`
	DeadlineText string               `json:"deadline_text,omitempty"`
	Backstop     string               `json:"backstop,omitempty"`
	AppliesWhen  string               `json:"applies_when"`
	Condition    *incidents.Condition `json:"condition,omitempty"`
}

// cacaoStepExt is breachbot's extension on an action step.
type cacaoStepExt struct {
	Step       string `json:"step"`
	Gate       string `json:"gate,omitempty"`
	ThirdParty bool   `json:"third_party,omitempty"`
}

// cacaoBuilder turns one playbook into a CACAO document.
type cacaoBuilder struct {
	pb       *incidents.Playbook
	extID    string
	identity string
	workflow map[string]cacaoStep
	agents   map[string]cacaoAgent
}

// newCACAOBuilder returns a builder for pb's document.
func newCACAOBuilder(pb *incidents.Playbook) *cacaoBuilder {
	return &cacaoBuilder{
		pb:       pb,
		extID:    cacaoID("extension-definition", "breachbot"),
		identity: cacaoID("identity", "breachbot"),
		workflow: map[string]cacaoStep{},
		agents:   map[string]cacaoAgent{},
	}
}

// build returns the document: the workflow, its agents and the extension.
func (b *cacaoBuilder) build() (*cacaoPlaybook, error) {
	waves, err := stepWaves(b.pb.Steps)
	if err != nil {
		return nil, fmt.Errorf("cacao: playbook %s: %w", b.pb.ID, err)
	}
	start := b.id("start", "start")
	end := b.id("end", "end")
	b.workflow[start] = cacaoStep{Type: "start", Name: "Start: " + b.pb.Title}
	b.workflow[end] = cacaoStep{Type: "end", Name: "End: " + b.pb.Title}
	// Built back to front, so that each wave knows the step after it.
	next := end
	for i := len(waves) - 1; i >= 0; i-- {
		next = b.wave(i, waves[i], next)
	}
	st := b.workflow[start]
	st.OnCompletion = next
	b.workflow[start] = st
	when := cacaoTime(b.pb.Version)
	doc := &cacaoPlaybook{
		Type:          "playbook",
		SpecVersion:   CACAOSpecVersion,
		ID:            b.id("playbook", "playbook"),
		Name:          b.pb.Title,
		Description:   b.pb.Description,
		CreatedBy:     b.identity,
		Created:       when,
		Modified:      when,
		Labels:        []string{"breachbot", "breachbot-playbook:" + b.pb.ID, "breachbot-version:" + b.pb.Version},
		WorkflowStart: start,
		Workflow:      b.workflow,
		ExtensionDefinitions: map[string]cacaoExtDef{b.extID: {
			Type:        "extension-definition",
			Name:        "breachbot",
			Description: "breachbot's playbook facts that CACAO has no property for: the legal obligations (clocks) of the playbook, and each step's gate.",
			CreatedBy:   b.identity,
			Schema:      cacaoExtensionSchema,
			Version:     "1.0.0",
		}},
		PlaybookExtensions: map[string]cacaoPlaybookExt{b.extID: {
			Playbook: cacaoPlaybookRef{
				ID:             b.pb.ID,
				Version:        b.pb.Version,
				SHA256:         b.pb.SHA256,
				CatalogVersion: b.pb.Catalog.Version,
			},
			Obligations: b.obligations(),
		}},
	}
	if len(b.agents) > 0 {
		doc.AgentDefinitions = b.agents
	}
	return doc, nil
}

// wave adds the steps of one wave, all of whose requirements are in earlier
// waves, and returns the id of the workflow step that runs them: the step's
// own action, or a parallel step whose branches (one step each) each end at
// an end step of their own. next is the workflow step to run once the wave is done.
func (b *cacaoBuilder) wave(n int, steps []incidents.StepDef, next string) string {
	if len(steps) == 1 {
		return b.action(steps[0], next)
	}
	par := b.id("parallel", "wave-"+strconv.Itoa(n+1))
	ids := make([]string, len(steps))
	titles := make([]string, len(steps))
	for i, s := range steps {
		// CACAO: each branch of a parallel step ends at an end step of its own.
		branchEnd := b.id("end", "branch:"+s.ID)
		b.workflow[branchEnd] = cacaoStep{Type: "end", Name: "End of branch " + s.ID}
		ids[i] = b.action(s, branchEnd)
		titles[i] = s.ID
	}
	b.workflow[par] = cacaoStep{
		Type:         "parallel",
		Name:         fmt.Sprintf("Group %d: %s", n+1, strings.Join(titles, ", ")),
		Description:  "These steps are ready together (all they require is done); do them in parallel.",
		NextSteps:    ids,
		OnCompletion: next,
	}
	return par
}

// action adds the action step of s and returns its id.
func (b *cacaoBuilder) action(s incidents.StepDef, next string) string {
	id := b.id("action", "step:"+s.ID)
	desc := s.Description
	var notes []string
	if len(s.Requires) > 0 {
		notes = append(notes, "Requires: "+strings.Join(s.Requires, ", ")+".")
	}
	if s.Gate != "" {
		notes = append(notes, fmt.Sprintf("Gate: the incident cannot move to %s until this step is done or waived.", s.Gate))
	}
	if s.ThirdParty {
		notes = append(notes, "Involves a processor, vendor or partner.")
	}
	if len(notes) > 0 {
		if desc != "" {
			desc += "\n\n"
		}
		desc += strings.Join(notes, " ")
	}
	b.workflow[id] = cacaoStep{
		Type:         "action",
		Name:         s.Title,
		Description:  desc,
		OnCompletion: next,
		Commands:     []cacaoCommand{{Type: "manual", Command: s.Title, Description: s.Description}},
		Agent:        b.agent(s.Owner),
		StepExtensions: map[string]cacaoStepExt{b.extID: {
			Step:       s.ID,
			Gate:       string(s.Gate),
			ThirdParty: s.ThirdParty,
		}},
	}
	return id
}

// agent returns the id of the group agent for role, adding it if new.
func (b *cacaoBuilder) agent(role string) string {
	if role == "" {
		role = "responders"
	}
	id := b.id("group", "role:"+role)
	b.agents[id] = cacaoAgent{
		Type:        "group",
		Name:        role,
		Description: "The breachbot role " + role + ": the people expected to do the step.",
	}
	return id
}

// obligations lists the playbook's legal clocks.
func (b *cacaoBuilder) obligations() []cacaoObligation {
	out := make([]cacaoObligation, 0, len(b.pb.Obligations))
	for _, o := range b.pb.Obligations {
		r := o.Regulation
		ob := cacaoObligation{
			ID:           o.ID,
			Regulation:   r.ID,
			Title:        r.Title,
			Law:          r.Law,
			Jurisdiction: r.Jurisdiction,
			Notify:       r.Notify,
			Citation:     r.Citation,
			Source:       r.Source,
			Status:       r.Status,
			Deadline:     r.Deadline.String(),
			DeadlineText: r.Deadline.Text,
			AppliesWhen:  conditionText(o.When),
		}
		if ob.DeadlineText == ob.Deadline {
			ob.DeadlineText = ""
		}
		if r.Backstop != nil {
			ob.Backstop = r.Backstop.String()
		}
		if !o.When.IsZero() {
			c := o.When
			ob.Condition = &c
		}
		out = append(out, ob)
	}
	return out
}

// id derives the identifier of one object of the playbook.
func (b *cacaoBuilder) id(kind, key string) string {
	return cacaoID(kind, b.pb.ID+"\x00"+key)
}

// cacaoID returns "kind--UUID", the UUID a version 5 (SHA-1, name based)
// UUID of key under cacaoNamespace: the same key always gives the same id.
func cacaoID(kind, key string) string {
	sum := sha1.Sum([]byte(cacaoNamespace + "\x00" + kind + "\x00" + key))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%s--%x-%x-%x-%x-%x", kind, u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// versionRE reads a calendar version: YEAR.MONTH, optionally .PATCH.
var versionRE = regexp.MustCompile(`^(\d{4})\.(\d{1,2})(?:\.(\d{1,6}))?$`)

// cacaoFallbackTime is created/modified of a playbook whose version is not a
// calendar version.
var cacaoFallbackTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// cacaoTime returns the created/modified time of a playbook version: the first
// of the version's month, plus the patch number in seconds (so 2026.11.2 is
// later than 2026.11.1), to the millisecond as CACAO requires.
func cacaoTime(version string) string {
	t := cacaoFallbackTime
	if m := versionRE.FindStringSubmatch(version); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo >= 1 && mo <= 12 {
			t = time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC)
			if m[3] != "" {
				p, _ := strconv.Atoi(m[3])
				t = t.Add(time.Duration(p) * time.Second)
			}
		}
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// stepWaves groups steps into waves: a step is in the wave after the latest
// wave of the steps it requires. Within a wave, steps keep their order.
func stepWaves(steps []incidents.StepDef) ([][]incidents.StepDef, error) {
	index := map[string]int{}
	for i, s := range steps {
		index[s.ID] = i
	}
	level := make([]int, len(steps))
	state := make([]int, len(steps)) // 0 new, 1 visiting, 2 done
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("steps %s require each other in a cycle", steps[i].ID)
		case 2:
			return nil
		}
		state[i] = 1
		for _, r := range steps[i].Requires {
			j, ok := index[r]
			if !ok {
				return fmt.Errorf("step %s requires unknown step %s", steps[i].ID, r)
			}
			if err := visit(j); err != nil {
				return err
			}
			level[i] = max(level[i], level[j]+1)
		}
		state[i] = 2
		return nil
	}
	var waves [][]incidents.StepDef
	for i := range steps {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	for i, s := range steps {
		for len(waves) <= level[i] {
			waves = append(waves, nil)
		}
		waves[level[i]] = append(waves[level[i]], s)
	}
	return waves, nil
}

// conditionText writes c for people, e.g. "jurisdictions includes EU and
// affected >= 500"; "always" for the empty condition.
func conditionText(c incidents.Condition) string {
	if c.IsZero() {
		return "always"
	}
	return condText(c, false)
}

// condText writes c, in parentheses if nested and of several parts.
func condText(c incidents.Condition, nested bool) string {
	var parts []string
	join := " and "
	switch {
	case len(c.All) > 0:
		for _, x := range c.All {
			parts = append(parts, condText(x, true))
		}
	case len(c.Any) > 0:
		join = " or "
		for _, x := range c.Any {
			parts = append(parts, condText(x, true))
		}
	case c.Not != nil:
		return "not (" + condText(*c.Not, false) + ")"
	default:
		return leafText(c)
	}
	s := strings.Join(parts, join)
	if nested && len(parts) > 1 {
		s = "(" + s + ")"
	}
	return s
}

// leafText writes a condition on one fact.
func leafText(c incidents.Condition) string {
	switch c.Op {
	case incidents.OpIncludes:
		if len(c.Values) == 1 {
			return c.Fact + " includes " + c.Values[0]
		}
		return c.Fact + " includes any of " + strings.Join(c.Values, ", ")
	case incidents.OpIs:
		if c.Bool {
			return c.Fact + " is yes"
		}
		return c.Fact + " is no"
	}
	sym := map[string]string{incidents.OpGT: ">", incidents.OpGTE: ">=", incidents.OpLT: "<", incidents.OpLTE: "<=", incidents.OpEQ: "="}[c.Op]
	if sym == "" {
		sym = c.Op
	}
	return fmt.Sprintf("%s %s %d", c.Fact, sym, c.Number)
}
