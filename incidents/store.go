package incidents

import (
	"context"
	"time"
)

// Store is durable state. Every use case of the Service runs in exactly one
// Update transaction, so a change, its schedule entries, its outgoing
// notifications and its audit entry commit together or not at all. The
// bbolt implementation is package boltstore.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction, committed if fn returns nil.
	Update(ctx context.Context, fn func(Tx) error) error
}

// Tx is a transaction of the Store. Methods return *Error with ENOTFOUND for
// missing records; other errors are internal.
type Tx interface {
	// Incident returns the incident with the given id.
	Incident(id string) (*Incident, error)
	// PutIncident stores inc.
	PutIncident(inc *Incident) error
	// NextIncidentNumber returns the next number of the year's incidents (1, 2, ...).
	NextIncidentNumber(year int) (int, error)
	// IncidentByChannel returns the id of the incident of a chat channel ("" if none).
	IncidentByChannel(channel string) (string, error)
	// Incidents calls fn for every incident in id order until fn returns an error.
	Incidents(fn func(*Incident) error) error

	// Playbook returns the resolved playbook stored under a pin key.
	Playbook(key string) (*Playbook, error)
	// PutPlaybook stores a resolved playbook under its pin key, once.
	PutPlaybook(key string, p *Playbook) error

	// Current returns the incident a user last declared or named ("" if none).
	Current(user string) (string, error)
	// SetCurrent records the incident a user last declared or named.
	SetCurrent(user, incident string) error

	// Schedule adds an alarm to the time-ordered schedule.
	Schedule(a Alarm) error
	// Unschedule removes an alarm; removing an absent alarm is not an error.
	Unschedule(a Alarm) error
	// DueAlarms returns up to limit alarms due at or before now, earliest first.
	DueAlarms(now time.Time, limit int) ([]Alarm, error)
	// NextAlarm returns the earliest alarm, if any.
	NextAlarm() (Alarm, bool, error)

	// Enqueue adds a notification to the outbox unless one with its ID was
	// already enqueued or delivered; it reports whether it was added.
	Enqueue(n Notification) (bool, error)
	// Pending returns up to limit undelivered notifications whose next
	// attempt is due at now, in enqueue order, and the earliest next attempt
	// of those postponed past now (zero if none).
	Pending(now time.Time, limit int) ([]Notification, time.Time, error)
	// Retry stores a failed delivery attempt of a pending notification.
	Retry(n Notification) error
	// Delivered removes a notification from the outbox and remembers its ID.
	Delivered(id string, at time.Time) error

	// Audit appends an entry, setting its Seq, Prev and Hash.
	Audit(e AuditEntry) (AuditEntry, error)
	// AuditLog calls fn for the audit entries of one incident ("" for all), in order.
	AuditLog(incident string, fn func(AuditEntry) error) error
	// AuditHead returns the hash of the last entry, as recorded.
	AuditHead() string
}
