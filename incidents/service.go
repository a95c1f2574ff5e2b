package incidents

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// PlaybookSource provides the playbooks new incidents can start from. Package
// playbooks implements it over embedded files, a folder or a GitHub repo.
type PlaybookSource interface {
	// Playbook returns the current version of a playbook: ENOTFOUND naming
	// the known ids, or EINVALID with file:line:col if its file is broken.
	Playbook(ctx context.Context, id string) (*Playbook, error)
	// Default returns the playbook used when none is named.
	Default(ctx context.Context) (*Playbook, error)
	// Playbooks returns every valid playbook, sorted by id.
	Playbooks(ctx context.Context) ([]*Playbook, error)
}

// Config wires a Service.
type Config struct {
	Store       Store
	Playbooks   PlaybookSource
	Clock       Clock
	Roles       RoleResolver
	Permissions Permissions
	Logger      *slog.Logger

	// Notices renders customer notices; Mailer sends them; Sandbox receives
	// a drill's notices instead of customers (an .eml folder or a sandbox
	// address). Company is the notifying organisation.
	Notices NoticeRenderer
	Mailer  Mailer
	Sandbox Mailer
	// Handoff is the folder the rest of a paused send goes to when legal
	// hands it off (HandoffNotice); nil refuses hand-offs.
	Handoff FolderMailer
	Company Company
	// MaxImportBytes caps an affected-people import (0: DefaultMaxImportBytes).
	MaxImportBytes int64
}

// Service carries out the use cases of breachbot. Every method that changes
// anything does so in one Store transaction, together with its schedule
// entries, outgoing notifications and audit entry; a refusal is audited.
type Service struct {
	store     Store
	playbooks PlaybookSource
	clock     Clock
	roles     RoleResolver
	perms     Permissions
	log       *slog.Logger

	pins sync.Map // pin key -> *Playbook (immutable once stored)

	schedulerWake  chan struct{}
	dispatcherWake chan struct{}

	renderer   NoticeRenderer
	mailer     Mailer
	sandbox    Mailer
	handoff    FolderMailer
	company    Company
	maxImport  int64
	imports    sync.Map // staging recipient set id -> struct{}: imports running in this process
	noticeWake chan struct{}
	testMailMu sync.Mutex
}

// NewService returns a Service; Clock, Roles, Permissions and Logger default
// to the system clock, every role, DefaultPermissions and slog.Default.
func NewService(c Config) *Service {
	s := &Service{
		store: c.Store, playbooks: c.Playbooks, clock: c.Clock, roles: c.Roles, perms: c.Permissions, log: c.Logger,
		schedulerWake: make(chan struct{}, 1), dispatcherWake: make(chan struct{}, 1),
		renderer: c.Notices, mailer: c.Mailer, sandbox: c.Sandbox, handoff: c.Handoff, company: c.Company, maxImport: c.MaxImportBytes,
		noticeWake: make(chan struct{}, 1),
	}
	if s.clock == nil {
		s.clock = SystemClock{}
	}
	if s.roles == nil {
		s.roles = EveryRole
	}
	if s.perms == nil {
		s.perms = DefaultPermissions()
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Clock returns the Service's clock.
func (s *Service) Clock() Clock { return s.clock }

// Playbooks returns the Service's playbook source.
func (s *Service) Playbooks() PlaybookSource { return s.playbooks }

// Result is what a use case returns: the incident as it now is, its pinned
// playbook, and what changed.
type Result struct {
	Incident *Incident
	Playbook *Playbook
	// Changes lists obligations whose applicability or due time changed.
	Changes []ObligationChange
	// FactsChanged names the facts that changed.
	FactsChanged []string
	// Unchanged is set when the command asked for what was already so.
	Unchanged bool
}

// txn is a transaction of a use case: the store's Tx plus what the Service
// must do after commit.
type txn struct {
	Tx
	now       time.Time
	scheduled bool
	enqueued  bool
}

func (t *txn) schedule(r recomputation) error {
	for _, a := range r.Unschedule {
		if err := t.Unschedule(a); err != nil {
			return err
		}
	}
	for _, a := range r.Schedule {
		if err := t.Schedule(a); err != nil {
			return err
		}
	}
	if len(r.Schedule) > 0 {
		t.scheduled = true
	}
	return nil
}

// clearAlarms removes an obligation's pending alarms from the schedule.
func (t *txn) clearAlarms(o *Obligation) error {
	for _, a := range o.Alarms {
		if err := t.Unschedule(a); err != nil {
			return err
		}
	}
	o.Alarms = nil
	return nil
}

func (t *txn) enqueue(n Notification) error {
	n.Created = t.now
	added, err := t.Enqueue(n)
	t.enqueued = t.enqueued || added
	return err
}

func (s *Service) update(ctx context.Context, fn func(t *txn) error) error {
	var t *txn
	err := s.store.Update(ctx, func(tx Tx) error {
		t = &txn{Tx: tx, now: s.clock.Now()}
		return fn(t)
	})
	if err != nil {
		return err
	}
	if t.scheduled {
		wake(s.schedulerWake)
	}
	if t.enqueued {
		wake(s.dispatcherWake)
	}
	return nil
}

func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// authorize resolves the actor's roles (outside any transaction) and checks
// the action. A refusal is audited.
func (s *Service) authorize(ctx context.Context, actor, action, incident string) ([]string, error) {
	if strings.TrimSpace(actor) == "" {
		return nil, Errorf(EINVALID, "no acting user given")
	}
	roles, err := rolesOf(ctx, s.roles, actor)
	if err != nil {
		return nil, fmt.Errorf("resolve roles of %s: %w", actor, err)
	}
	if s.perms.allowed(action, roles) {
		return roles, nil
	}
	err = s.forbidden(action, roles)
	s.refused(ctx, actor, action, incident, err)
	return nil, err
}

// Authorize checks that actor may take action (ActWaive, ActMet, ...) on an
// incident, exactly as the use case itself will; a refusal is audited. Chat
// adapters call it before opening a form for an action, so that a person
// without the role is told at once instead of after filling it in.
func (s *Service) Authorize(ctx context.Context, actor, action, incident string) error {
	_, err := s.authorize(ctx, actor, action, incident)
	return err
}

func (s *Service) forbidden(action string, roles []string) *Error {
	need := s.perms[action]
	have := "no breachbot role"
	if len(roles) > 0 {
		have = "the role(s) " + strings.Join(roles, ", ")
	}
	return Errorf(EFORBIDDEN, "%s needs the %s role; you have %s", describeAction(action), strings.Join(need, " or "), have).
		WithHint("ask a lead to add your user id to roles in breachbot.yaml, or ask someone with that role")
}

func describeAction(a string) string {
	switch a {
	case ActView:
		return "seeing incidents"
	case ActDeclare:
		return "declaring an incident"
	case ActFacts:
		return "recording facts"
	case ActClock:
		return "recording a clock event"
	case ActStep:
		return "completing a step"
	case ActMove:
		return "moving an incident"
	case ActMet:
		return "recording an obligation as met"
	case ActWaive:
		return "waiving"
	case ActClose:
		return "closing an incident"
	case ActExport:
		return "exporting an incident"
	case ActImport:
		return "importing affected people"
	case ActNotice:
		return "drafting a notice"
	case ActApprove:
		return "approving or rejecting a notice"
	case ActSend:
		return "sending a notice"
	case ActLookup:
		return "looking up whether an address was notified"
	case ActPurge:
		return "purging personal data"
	case ActAwarenessLater:
		return "moving the awareness time later (it pushes back every deadline)"
	}
	return a
}

// refused writes an audit entry for a refused action in its own transaction.
func (s *Service) refused(ctx context.Context, actor, action, incident string, cause error) {
	err := s.update(ctx, func(t *txn) error {
		_, err := t.Audit(AuditEntry{At: t.now, Actor: actor, Action: action, Incident: incident, Outcome: OutcomeRefused,
			Details: map[string]string{"reason": ErrorMessage(cause)}})
		return err
	})
	if err != nil {
		s.log.Error("audit refusal", "action", action, "incident", incident, "err", err)
	}
}

// do runs a use case that changes an incident: authorize, then one
// transaction; a refusal by state (ECONFLICT) is audited like one by role.
func (s *Service) do(ctx context.Context, actor, action, incident string, fn func(t *txn, roles []string) error) error {
	roles, err := s.authorize(ctx, actor, action, incident)
	if err != nil {
		return err
	}
	err = s.update(ctx, func(t *txn) error {
		if err := fn(t, roles); err != nil {
			return err
		}
		if cur, err := t.Current(actor); err != nil || cur == incident {
			return err
		}
		return t.SetCurrent(actor, incident)
	})
	if ErrorCode(err) == ECONFLICT || ErrorCode(err) == EFORBIDDEN {
		s.refused(ctx, actor, action, incident, err)
	}
	return err
}

func (s *Service) audit(t *txn, actor, action string, inc *Incident, details map[string]string) error {
	_, err := t.Audit(AuditEntry{At: t.now, Actor: actor, Action: action, Incident: inc.ID, Outcome: OutcomeOK, Details: details})
	return err
}

// pinned returns the resolved playbook an incident is pinned to.
func (s *Service) pinned(tx Tx, key string) (*Playbook, error) {
	if p, ok := s.pins.Load(key); ok {
		return p.(*Playbook), nil
	}
	p, err := tx.Playbook(key)
	if err != nil {
		return nil, fmt.Errorf("pinned playbook %s: %w", key, err)
	}
	s.pins.Store(key, p)
	return p, nil
}

// load reads an incident and its playbook for change; closed incidents are
// refused unless allowClosed.
func (s *Service) load(t *txn, id string, allowClosed bool) (*Incident, *Playbook, error) {
	inc, err := t.Incident(id)
	if err != nil {
		return nil, nil, err
	}
	if inc.State == StateClosed && !allowClosed {
		return nil, nil, Errorf(ECONFLICT, "%s is closed; its record can no longer change", inc.ID).
			WithTry("export --incident %s", inc.ID).WithHint("shows its record")
	}
	pb, err := s.pinned(t, inc.Playbook.Key)
	if err != nil {
		return nil, nil, err
	}
	return inc, pb, nil
}

// save recomputes obligations, updates the schedule, bumps the revision,
// stores the incident and queues a board refresh.
func (s *Service) save(t *txn, inc *Incident, pb *Playbook) ([]ObligationChange, error) {
	r, err := recompute(inc, pb, t.now)
	if err != nil {
		return nil, err
	}
	if err := t.schedule(r); err != nil {
		return nil, err
	}
	if err := s.escalatePassed(t, inc); err != nil {
		return nil, err
	}
	inc.Rev++
	if err := t.PutIncident(inc); err != nil {
		return nil, err
	}
	err = t.enqueue(Notification{
		ID: fmt.Sprintf("board:%s:%d", inc.ID, inc.Rev), Kind: NotifyBoard, Audience: AudienceIncident,
		Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Text: "deadlines of " + inc.ID + " changed",
	})
	return r.Changes, err
}

// escalatePassed fires, in the same transaction, the escalation of every
// open obligation whose due time had already passed when it started to apply
// (facts or a clock event recorded late): it is missed now, and the reply to
// the command that made it apply must say so, not show a running clock.
func (s *Service) escalatePassed(t *txn, inc *Incident) error {
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if o.Status != ObligationOpen || o.Applies != Applies || o.Due.IsZero() || o.Due.After(t.now) {
			continue
		}
		for _, a := range slices.Clone(o.Alarms) {
			if a.Kind != AlarmEscalate {
				continue
			}
			if err := t.Unschedule(a); err != nil {
				return err
			}
			if err := s.fire(t, inc, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// Limits on times typed by people, so that a typo cannot move a legal clock
// by years. They are product decisions. Awareness has no limit of its own
// before the declaration (a company may declare long after it became
// aware); the chat layer refuses times before 2000 as typos.
const (
	// MetBeforeAwarenessMargin is how much earlier than awareness an
	// obligation may be recorded as met: a day, for an awareness time
	// recorded a little late. Anything earlier is a typo.
	MetBeforeAwarenessMargin = 24 * time.Hour
)

// Limits on free text, so a pasted log does not end up in the record.
const (
	maxTitle  = 200
	maxReason = 1000
	maxRef    = 200
)

func checkText(what, s string, max int, required bool, hint string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		return "", Errorf(EINVALID, "%s is missing", what).WithHint("%s", hint)
	case len(s) > max:
		return "", Errorf(EINVALID, "%s is %d characters long; keep it under %d", what, len(s), max).WithHint("%s", hint)
	}
	return s, nil
}

// DeclareInput is what /breach declare gives.
type DeclareInput struct {
	Title    string
	Severity Severity
	// Playbook is a playbook id; empty means the default playbook.
	Playbook string
	// AwareAt is when the company became aware; zero means now.
	AwareAt time.Time
	// Facts are initial "name=value" assignments.
	Facts []string
	// Drill declares a practice run; Speed (drills only) accelerates its clocks.
	Drill bool
	Speed int
}

// MaxDrillSpeed bounds how much a drill's clocks may be accelerated.
const MaxDrillSpeed = 10000

// Declare starts an incident pinned to the current version of a playbook.
func (s *Service) Declare(ctx context.Context, actor string, in DeclareInput) (*Result, error) {
	if _, err := s.authorize(ctx, actor, ActDeclare, ""); err != nil {
		return nil, err
	}
	title, err := checkText("the title", in.Title, maxTitle, true, "give a short title: /breach declare Customer DB exposed --aware 2026-11-27T09:00Z")
	if err != nil {
		return nil, err
	}
	if in.Speed != 0 && !in.Drill {
		return nil, Errorf(EINVALID, "only drills run on an accelerated clock").WithTry("drill TITLE --speed 60")
	}
	if in.Speed < 0 || in.Speed > MaxDrillSpeed {
		return nil, Errorf(EINVALID, "drill speed %d is out of range", in.Speed).WithHint("use --speed between 1 (real time) and %d; 60 turns hours into minutes", MaxDrillSpeed)
	}
	sev := in.Severity
	if sev == "" {
		sev = SeverityHigh
	}
	now := s.clock.Now()
	aware := in.AwareAt
	if aware.IsZero() {
		aware = now
	}
	if aware.After(now.Add(time.Minute)) {
		return nil, Errorf(EINVALID, "the awareness time %s is in the future", aware.UTC().Format(time.RFC3339)).
			WithHint("give when the company became aware, e.g. --aware 2h ago or --aware 2026-11-27T09:00Z")
	}
	var pb *Playbook
	if in.Playbook == "" {
		pb, err = s.playbooks.Default(ctx)
	} else {
		pb, err = s.playbooks.Playbook(ctx, in.Playbook)
	}
	if err != nil {
		return nil, err
	}
	changes, err := parseFacts(pb, append(defaultFacts(pb), in.Facts...))
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.update(ctx, func(t *txn) error {
		year := t.now.UTC().Year()
		n, err := t.NextIncidentNumber(year)
		if err != nil {
			return err
		}
		key := PinKey(pb)
		if err := t.PutPlaybook(key, pb); err != nil {
			return err
		}
		inc := &Incident{
			ID: FormatIncidentID(year, n), Title: title, Severity: sev, State: StateDeclared, Drill: in.Drill, Speed: in.Speed,
			Playbook: PlaybookPin{Key: key, ID: pb.ID, Version: pb.Version, Title: pb.Title, SHA256: pb.SHA256, Source: pb.Source,
				CatalogVersion: pb.Catalog.Version, CatalogSHA256: pb.Catalog.SHA256},
			DeclaredAt: t.now, DeclaredBy: actor,
			Events: map[string]EventRecord{EventAwareness: {At: aware.UTC(), RecordedAt: t.now, By: actor}},
			Facts:  Facts{},
		}
		for _, st := range pb.Steps {
			inc.Steps = append(inc.Steps, Step{ID: st.ID, Status: StepOpen})
		}
		for _, ch := range changes {
			inc.Facts, _ = inc.Facts.Apply(ch, t.now, actor)
		}
		if err := inc.Validate(); err != nil {
			return err
		}
		// Chat adapters create the incident's channel from this, through the
		// outbox, so a crash right after declaring loses nothing. It goes
		// first: the board, and the escalation of a deadline already past,
		// are posted in that channel.
		err = t.enqueue(Notification{ID: "declared:" + inc.ID, Kind: NotifyDeclared, Audience: AudienceIncident,
			Incident: inc.ID, Title: inc.Title, Drill: inc.Drill, Text: inc.ID + " declared: " + inc.Title, Actor: actor})
		if err != nil {
			return err
		}
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		if err := t.SetCurrent(actor, inc.ID); err != nil {
			return err
		}
		details := map[string]string{
			"title": title, "severity": string(sev), "aware": aware.UTC().Format(time.RFC3339),
			"playbook": pb.ID, "version": pb.Version, "sha256": pb.SHA256, "catalog_sha256": pb.Catalog.SHA256,
		}
		if len(inc.Facts) > 0 {
			details["facts"] = describeFacts(inc.Facts)
		}
		if in.Drill {
			details["drill"] = "true"
			details["speed"] = fmt.Sprint(max(in.Speed, 1))
		}
		res.Incident, res.Playbook = inc, pb
		res.FactsChanged = slices.Sorted(maps.Keys(inc.Facts))
		return s.audit(t, actor, "incident.declared", inc, details)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

func defaultFacts(pb *Playbook) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(pb.Defaults)) {
		out = append(out, k+"="+pb.Defaults[k])
	}
	return out
}

func parseFacts(pb *Playbook, assignments []string) ([]FactChange, error) {
	var out []FactChange
	for _, a := range assignments {
		ch, err := pb.ParseFactChange(a)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

func describeFacts(f Facts) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(f)) {
		parts = append(parts, k+"="+f[k].String())
	}
	return strings.Join(parts, " ")
}

// Get returns an incident with its pinned playbook.
func (s *Service) Get(ctx context.Context, actor, id string) (*Result, error) {
	if _, err := s.authorize(ctx, actor, ActView, id); err != nil {
		return nil, err
	}
	var res Result
	err := s.store.View(ctx, func(tx Tx) error {
		inc, err := tx.Incident(id)
		if err != nil {
			return err
		}
		pb, err := s.pinned(tx, inc.Playbook.Key)
		res.Incident, res.Playbook = inc, pb
		return err
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// List returns incidents, open ones only unless all is set, newest first.
func (s *Service) List(ctx context.Context, actor string, all bool) ([]*Incident, error) {
	if _, err := s.authorize(ctx, actor, ActView, ""); err != nil {
		return nil, err
	}
	var out []*Incident
	err := s.store.View(ctx, func(tx Tx) error {
		return tx.Incidents(func(inc *Incident) error {
			if all || inc.State != StateClosed {
				out = append(out, inc)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, err
}

// Resolve returns the incident a command means: the id given, else the one
// the user last declared or named. It changes nothing: a command that
// changes the incident makes it the user's current one in its own
// transaction; a command that only reads calls MakeCurrent.
func (s *Service) Resolve(ctx context.Context, actor, given string) (string, error) {
	if given != "" {
		id, err := ParseIncidentID(given)
		if err != nil {
			return "", err
		}
		err = s.store.View(ctx, func(tx Tx) error {
			_, err := tx.Incident(id)
			return err
		})
		return id, err
	}
	var id string
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		id, err = tx.Current(actor)
		return err
	})
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", Errorf(EINVALID, "which incident? You have not declared or named one yet").
			WithHint("add --incident INC-YYYY-NNNN; /breach status lists open incidents")
	}
	return id, nil
}

// MakeCurrent makes an incident the one a user's later commands mean.
func (s *Service) MakeCurrent(ctx context.Context, actor, id string) error {
	var cur string
	if err := s.store.View(ctx, func(tx Tx) error { var err error; cur, err = tx.Current(actor); return err }); err != nil || cur == id {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error { return tx.SetCurrent(actor, id) })
}

// RecordFacts applies "name=value" assignments and recomputes obligations.
func (s *Service) RecordFacts(ctx context.Context, actor, id string, assignments []string) (*Result, error) {
	if len(assignments) == 0 {
		return nil, Errorf(EINVALID, "no facts given").WithHint("for example: /breach facts jurisdictions=EU,US-CA data=email,password_hash affected=12000")
	}
	var res Result
	err := s.do(ctx, actor, ActFacts, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		changes, err := parseFacts(pb, assignments)
		if err != nil {
			return err
		}
		var changed []string
		for _, ch := range changes {
			var did bool
			inc.Facts, did = inc.Facts.Apply(ch, t.now, actor)
			if did && !slices.Contains(changed, ch.Name) {
				changed = append(changed, ch.Name)
			}
		}
		res.Incident, res.Playbook = inc, pb
		if len(changed) == 0 {
			res.Unchanged = true
			return nil
		}
		sort.Strings(changed)
		res.FactsChanged = changed
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		details := map[string]string{"changed": strings.Join(changed, ",")}
		for _, name := range changed {
			if f, ok := inc.Facts[name]; ok {
				details["fact."+name] = f.String()
			} else {
				details["fact."+name] = "unknown"
			}
		}
		return s.audit(t, actor, "facts.recorded", inc, details)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// RecordEvent records when a clock-start event happened (a breach was
// determined, a ransom was paid, ...), or corrects the awareness time. A zero
// at means now. Moving awareness later pushes back every deadline that runs
// from it, so it needs ActAwarenessLater (leads and legal) and a reason;
// moving it earlier needs only ActClock. Either is audited with the previous
// time. Other events may not be before awareness.
func (s *Service) RecordEvent(ctx context.Context, actor, id, event string, at time.Time, reason string) (*Result, error) {
	reason, err := checkText("the reason", reason, maxReason, false, `--reason "why awareness was later"`)
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.do(ctx, actor, ActClock, id, func(t *txn, roles []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		var def *EventDef
		for i := range pb.Events {
			if strings.EqualFold(pb.Events[i].Name, event) {
				def = &pb.Events[i]
			}
		}
		if def == nil {
			names := make([]string, len(pb.Events))
			for i, e := range pb.Events {
				names[i] = e.Name
			}
			return Errorf(EINVALID, "unknown clock event %q", event).WithHint("events: %s", strings.Join(names, ", "))
		}
		if at.IsZero() {
			at = t.now
		}
		if at.After(t.now.Add(time.Minute)) {
			return Errorf(EINVALID, "%s cannot be in the future (%s)", def.Name, at.UTC().Format(time.RFC3339)).
				WithHint("give the time it happened, e.g. --at 2026-11-27T14:00Z or --at 3h ago")
		}
		if def.Name != EventAwareness && at.Before(inc.AwareAt()) {
			return Errorf(EINVALID, "%s (%s) cannot be before awareness (%s)", def.Name, at.UTC().Format(time.RFC3339), inc.AwareAt().Format(time.RFC3339)).
				WithHint("if awareness was earlier, correct it first: /breach clock awareness --at TIME")
		}
		prev, had := inc.Events[def.Name]
		res.Incident, res.Playbook = inc, pb
		if had && prev.At.Equal(at.UTC()) {
			res.Unchanged = true
			return nil
		}
		if def.Name == EventAwareness && had && at.After(prev.At) {
			if !s.perms.allowed(ActAwarenessLater, roles) {
				return s.forbidden(ActAwarenessLater, roles).
					WithHint("ask a lead or legal to run it with --reason; moving awareness earlier is open to you")
			}
			if reason == "" {
				return Errorf(EINVALID, "moving awareness later (from %s to %s) pushes back every deadline, so it needs the reason",
					prev.At.Format(time.RFC3339), at.UTC().Format(time.RFC3339)).
					WithTry(`clock awareness --at %s --reason "why the company became aware later than recorded"`, at.UTC().Format("2006-01-02T15:04Z"))
			}
		}
		inc.Events[def.Name] = EventRecord{At: at.UTC(), RecordedAt: t.now, By: actor}
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		details := map[string]string{"event": def.Name, "at": at.UTC().Format(time.RFC3339)}
		if had {
			details["previous"] = prev.At.Format(time.RFC3339)
		}
		if reason != "" {
			details["reason"] = reason
		}
		return s.audit(t, actor, "clock.recorded", inc, details)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

func (s *Service) stepDef(pb *Playbook, inc *Incident, stepID string) (*StepDef, *Step, error) {
	st, ok := inc.Step(stepID)
	if !ok {
		ids := make([]string, len(inc.Steps))
		for i, st := range inc.Steps {
			ids[i] = st.ID
		}
		return nil, nil, Errorf(ENOTFOUND, "%s has no step %q", inc.ID, stepID).WithHint("steps: %s; /breach steps shows them", strings.Join(ids, ", "))
	}
	for i := range pb.Steps {
		if pb.Steps[i].ID == st.ID {
			return &pb.Steps[i], st, nil
		}
	}
	return nil, nil, fmt.Errorf("step %s of %s is not in its pinned playbook", st.ID, inc.ID)
}

// CompleteStep marks a step done. Its prerequisites must be finished, and
// the actor must hold the step's owner role or be a lead.
func (s *Service) CompleteStep(ctx context.Context, actor, id, stepID, note string) (*Result, error) {
	return s.finishStep(ctx, actor, id, stepID, note, StepDone)
}

// WaiveStep marks a step waived with a reason; leads and legal only.
func (s *Service) WaiveStep(ctx context.Context, actor, id, stepID, reason string) (*Result, error) {
	return s.finishStep(ctx, actor, id, stepID, reason, StepWaived)
}

func (s *Service) finishStep(ctx context.Context, actor, id, stepID, note string, status StepStatus) (*Result, error) {
	action := ActStep
	if status == StepWaived {
		action = ActWaive
	}
	note, err := checkText("the reason", note, maxReason, status == StepWaived,
		fmt.Sprintf("/breach step waive %s not needed: no processors involved", stepID))
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.do(ctx, actor, action, id, func(t *txn, roles []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		def, st, err := s.stepDef(pb, inc, stepID)
		if err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		if st.Finished() {
			return Errorf(ECONFLICT, "step %s is already %s (by %s at %s)", st.ID, st.Status, st.By, st.At.UTC().Format(time.RFC3339))
		}
		if status == StepDone && !slices.Contains(roles, def.Owner) && !slices.Contains(roles, RoleLeads) {
			return Errorf(EFORBIDDEN, "step %s belongs to %s; you are not one of them, nor a lead", st.ID, def.Owner).
				WithHint("ask someone in %s to complete it", def.Owner)
		}
		if status == StepDone {
			var open []string
			for _, r := range def.Requires {
				if req, ok := inc.Step(r); ok && !req.Finished() {
					open = append(open, r)
				}
			}
			if len(open) > 0 {
				return Errorf(ECONFLICT, "step %s needs %s done first", st.ID, strings.Join(open, ", ")).
					WithHint("/breach step done %s (or a lead waives it: /breach step waive %s REASON)", open[0], open[0])
			}
		}
		st.Status, st.At, st.By, st.Note = status, t.now, actor, note
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		details := map[string]string{"step": st.ID}
		if note != "" {
			details["note"] = note
		}
		return s.audit(t, actor, "step."+string(status), inc, details)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// Move moves an incident forward to a later state. The playbook's gates up
// to that state must be finished; closing also needs every obligation met,
// waived or not applicable.
func (s *Service) Move(ctx context.Context, actor, id string, to State) (*Result, error) {
	action := ActMove
	if to == StateClosed {
		action = ActClose
	}
	var res Result
	err := s.do(ctx, actor, action, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		if to.Index() <= inc.State.Index() {
			return Errorf(ECONFLICT, "%s is already %s; incidents only move forward (%s)", inc.ID, inc.State, lifecycle()).
				WithTry("move %s", nextState(inc.State))
		}
		var blocking []string
		for _, def := range pb.Steps {
			if def.Gate == "" || def.Gate.Index() > to.Index() {
				continue
			}
			if st, ok := inc.Step(def.ID); ok && !st.Finished() {
				blocking = append(blocking, fmt.Sprintf("%s (gates %s)", def.ID, def.Gate))
			}
		}
		if len(blocking) > 0 {
			return Errorf(ECONFLICT, "%s cannot move to %s: the playbook needs these steps done or waived first: %s",
				inc.ID, to, strings.Join(blocking, ", ")).
				WithHint("/breach step done STEP, or a lead: /breach step waive STEP REASON")
		}
		if to == StateClosed {
			var open []string
			for i := range inc.Obligations {
				o := &inc.Obligations[i]
				if !o.Resolved() {
					open = append(open, fmt.Sprintf("%s (%s)", o.ID, strings.ReplaceAll(string(o.Phase()), "_", " ")))
				}
			}
			if len(open) > 0 {
				return Errorf(ECONFLICT, "%s cannot close: %d obligation(s) are not met or waived: %s", inc.ID, len(open), strings.Join(open, ", ")).
					WithHint("/breach met OBLIGATION --ref REFERENCE, /breach waive OBLIGATION REASON, or record the missing facts")
			}
		}
		inc.Transitions = append(inc.Transitions, Transition{From: inc.State, To: to, At: t.now, By: actor})
		from := inc.State
		inc.State = to
		if to == StateClosed {
			inc.ClosedAt = t.now
			for i := range inc.Obligations {
				if err := t.clearAlarms(&inc.Obligations[i]); err != nil {
					return err
				}
			}
			inc.Rev++
			if err := t.PutIncident(inc); err != nil {
				return err
			}
		} else if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		return s.audit(t, actor, "incident.moved", inc, map[string]string{"from": string(from), "to": string(to)})
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

func lifecycle() string {
	names := make([]string, len(States))
	for i, s := range States {
		names[i] = string(s)
	}
	return strings.Join(names, " -> ")
}

func nextState(s State) State {
	if i := s.Index(); i >= 0 && i+1 < len(States) {
		return States[i+1]
	}
	return s
}

// MetInput is what /breach met gives.
type MetInput struct {
	Obligation string
	// Reference is the regulator's case number, the notice id, ...
	Reference string
	// At is when it was met; zero means now.
	At time.Time
	// DelayReason is required when met after the due time.
	DelayReason string
}

func obligationNotFound(inc *Incident, id string) error {
	var ids []string
	for _, o := range inc.Obligations {
		if o.Applies != NotApplicable {
			ids = append(ids, o.ID)
		}
	}
	return Errorf(ENOTFOUND, "%s has no obligation %q", inc.ID, id).
		WithHint("obligations that apply or need facts: %s; /breach deadlines shows them", strings.Join(ids, ", "))
}

// Met records that an obligation was met, with a reference. Met after its
// due time, it needs the reasons for the delay (GDPR Art. 33(1) asks for them).
func (s *Service) Met(ctx context.Context, actor, id string, in MetInput) (*Result, error) {
	ref, err := checkText("the reference", in.Reference, maxRef, true,
		fmt.Sprintf("/breach met %s --ref CASE-NUMBER (the regulator's case number, or how it was sent)", in.Obligation))
	if err != nil {
		return nil, err
	}
	delay, err := checkText("the delay reason", in.DelayReason, maxReason, false, "--delay-reason \"...\"")
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.do(ctx, actor, ActMet, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		o, ok := inc.Obligation(in.Obligation)
		if !ok {
			return obligationNotFound(inc, in.Obligation)
		}
		switch {
		case o.Status == ObligationMet:
			return Errorf(ECONFLICT, "%s was already met at %s (ref %s)", o.ID, o.MetAt.UTC().Format(time.RFC3339), o.Reference)
		case o.Status == ObligationWaived:
			return Errorf(ECONFLICT, "%s was waived by %s: %s", o.ID, o.WaivedBy, o.WaiveReason)
		case o.Applies == NotApplicable:
			return Errorf(ECONFLICT, "%s does not apply (%s); there is nothing to meet", o.ID, strings.Join(o.Why, "; ")).
				WithHint("if the facts are wrong, correct them with /breach facts")
		}
		at := in.At
		if at.IsZero() {
			at = t.now
		}
		if at.After(t.now.Add(time.Minute)) {
			return Errorf(EINVALID, "the time it was met (%s) is in the future", at.UTC().Format(time.RFC3339)).WithHint("leave out --at to mean now")
		}
		if aware := inc.AwareAt(); at.Before(aware.Add(-MetBeforeAwarenessMargin)) {
			return Errorf(EINVALID, "the time it was met (%s) is more than a day before awareness (%s)", at.UTC().Format(time.RFC3339), aware.Format(time.RFC3339)).
				WithHint("check the date: --at %s, or leave out --at to mean now", t.now.UTC().Format("2006-01-02T15:04Z"))
		}
		if !o.Due.IsZero() && at.After(o.Due) && delay == "" {
			return Errorf(EINVALID, "%s is being met %s after its due time (%s); the reasons for the delay must be recorded",
				o.ID, HumanDuration(at.Sub(o.Due)), o.Due.Format(time.RFC3339)).
				WithTry("met %s --ref %s --delay-reason \"why it was late\"", o.ID, quoteIfNeeded(ref))
		}
		if err := t.clearAlarms(o); err != nil {
			return err
		}
		o.Status, o.MetAt, o.MetBy, o.Reference, o.DelayReason = ObligationMet, at.UTC(), actor, ref, delay
		details := map[string]string{"obligation": o.ID, "reference": ref, "at": at.UTC().Format(time.RFC3339)}
		if late := o.Late(); late > 0 {
			details["late_by"] = late.String()
			details["delay_reason"] = delay
		}
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		return s.audit(t, actor, "obligation.met", inc, details)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

func quoteIfNeeded(s string) string {
	if strings.ContainsAny(s, " \t\"'") {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// Waive records that an obligation does not need to be met, with a reason;
// leads and legal only.
func (s *Service) Waive(ctx context.Context, actor, id, obligation, reason string) (*Result, error) {
	reason, err := checkText("the reason", reason, maxReason, true,
		fmt.Sprintf("/breach waive %s unlikely to result in a risk: data was encrypted", obligation))
	if err != nil {
		return nil, err
	}
	var res Result
	err = s.do(ctx, actor, ActWaive, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		o, ok := inc.Obligation(obligation)
		if !ok {
			return obligationNotFound(inc, obligation)
		}
		if o.Status == ObligationMet || o.Status == ObligationWaived {
			return Errorf(ECONFLICT, "%s is already %s", o.ID, o.Status)
		}
		if err := t.clearAlarms(o); err != nil {
			return err
		}
		o.Status, o.WaivedAt, o.WaivedBy, o.WaiveReason = ObligationWaived, t.now, actor, reason
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		return s.audit(t, actor, "obligation.waived", inc, map[string]string{"obligation": o.ID, "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// IncidentByChannel returns the incident whose chat channel this is.
func (s *Service) IncidentByChannel(ctx context.Context, channel string) (string, bool, error) {
	var id string
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		id, err = tx.IncidentByChannel(channel)
		return err
	})
	return id, id != "", err
}

// SetChannel records the chat channel of an incident (done by the Slack
// adapter after creating it).
func (s *Service) SetChannel(ctx context.Context, actor, id, channel string) error {
	return s.update(ctx, func(t *txn) error {
		inc, err := t.Incident(id)
		if err != nil {
			return err
		}
		if inc.Channel == channel {
			return nil
		}
		inc.Channel = channel
		inc.Rev++
		if err := t.PutIncident(inc); err != nil {
			return err
		}
		return s.audit(t, actor, "incident.channel", inc, map[string]string{"channel": channel})
	})
}
