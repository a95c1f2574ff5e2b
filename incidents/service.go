package incidents

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
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
	// ImportTempDir is where an import keeps its working file (encrypted,
	// unlinked at once; about the size of the CSV file): "" for
	// os.TempDir(). breachbot uses the database's folder.
	ImportTempDir string
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
	// checked is, per playbook id, the pin key last checked against the
	// running incidents (checkPlaybook), so that a declaration or a watch
	// tick reads the incidents only when a playbook changed.
	checked sync.Map

	schedulerWake  chan struct{}
	dispatcherWake chan struct{}

	noticeService // what only the notice use cases need
}

// NewService returns a Service; Clock, Roles, Permissions and Logger default
// to the system clock, every role, DefaultPermissions and slog.Default.
func NewService(c Config) *Service {
	s := &Service{
		store: c.Store, playbooks: c.Playbooks, clock: c.Clock, roles: c.Roles, perms: c.Permissions, log: c.Logger,
		schedulerWake: make(chan struct{}, 1), dispatcherWake: make(chan struct{}, 1),
		noticeService: noticeService{
			renderer: c.Notices, mailer: c.Mailer, sandbox: c.Sandbox, handoff: c.Handoff, company: c.Company, maxImport: c.MaxImportBytes, importDir: c.ImportTempDir,
			noticeWake: make(chan struct{}, 1),
		},
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
