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
	// OpenIncidents calls fn with the summary of every open incident, in id
	// order, until fn returns an error; it reads no incident, so what runs
	// on a timer uses it to find the few incidents it must read.
	OpenIncidents(fn func(OpenIncident) error) error

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
	// AuditLog calls fn for the audit entries of one incident ("" for all),
	// in order. An entry that cannot be decoded is an *AuditDecodeError.
	AuditLog(incident string, fn func(AuditEntry) error) error
	// AuditHead returns the hash of the last entry, as recorded.
	AuditHead() string

	// Recipient sets hold personal data: the store encrypts each recipient
	// at rest and indexes addresses by a keyed hash only. Without an
	// encryption key these methods return EINVALID saying how to set one.

	// NewRecipientSet creates an empty set in state staging and returns it.
	NewRecipientSet(incident string, at time.Time, by string) (*RecipientSet, error)
	// AddRecipients appends recipients to a staging set, skipping any whose
	// address (by DedupeKey) the set already holds; it returns which were
	// added. Recipients are numbered 1, 2, ... in the order added.
	AddRecipients(set string, rs []Recipient) ([]bool, error)
	// RecipientSet returns a set's description.
	RecipientSet(id string) (*RecipientSet, error)
	// PutRecipientSet stores a set's description.
	PutRecipientSet(s *RecipientSet) error
	// RecipientSets calls fn for every set's description.
	RecipientSets(fn func(*RecipientSet) error) error
	// DeleteRecipientSet removes a set and its recipients.
	DeleteRecipientSet(id string) error
	// Recipient returns recipient number seq of a set.
	Recipient(set string, seq int64) (Recipient, error)
	// RecipientByAddress finds a normalised address in a set (0 if absent).
	RecipientByAddress(set, address string) (int64, error)
	// RecipientCodec returns what encrypts recipients and tags addresses
	// for a bulk import (ImportRecipients). It outlives the transaction.
	RecipientCodec() (RecipientCodec, error)
	// AppendRecipientRecords stores recipients first, first+1, ... of a
	// staging set, each sealed by the set's RecipientCodec; first must
	// follow the set's last recipient. The records are not indexed.
	AppendRecipientRecords(set string, first int64, sealed [][]byte) error
	// AppendRecipientIndex indexes recipients of a staging set by address:
	// tags holds RecipientTagSize-byte tags (RecipientCodec.IndexTag), in
	// increasing order and after every tag the set holds, seqs their
	// recipient numbers.
	AppendRecipientIndex(set string, tags []byte, seqs []int64) error
	// AddressTag is a keyed hash (HMAC-SHA256) of an address's DedupeKey:
	// it identifies an address in audit entries without revealing it.
	AddressTag(address string) (string, error)

	// Notice returns a notice of an incident.
	Notice(incident, id string) (*Notice, error)
	// PutNotice stores a notice.
	PutNotice(n *Notice) error
	// Notices calls fn for the notices of an incident ("" for all) in order.
	Notices(incident string, fn func(*Notice) error) error
	// NoticeSend returns the send state of a notice (nil if never sent);
	// PutNoticeSend stores it. They are the cheap path of the sender's
	// frequent transactions; Notice and PutNotice include the send state.
	NoticeSend(incident, id string) (*SendState, error)
	PutNoticeSend(incident, id string, s *SendState) error
	// NextNoticeNumber returns the next notice number of an incident.
	NextNoticeNumber(incident string) (int, error)
	// Delivery returns a recipient's state in a notice's outbox (ok false:
	// pending, never claimed).
	Delivery(incident, notice string, seq int64) (Delivery, bool, error)
	// PutDelivery stores a recipient's state in a notice's outbox.
	PutDelivery(incident, notice string, seq int64, d Delivery) error
	// Deliveries calls fn for the recipients of a notice's outbox in a
	// state ("" for every state), by recipient number.
	Deliveries(incident, notice string, state DeliveryState, fn func(seq int64, d Delivery) error) error
}

// RecipientTagSize is the size of an address's index tag.
const RecipientTagSize = 16

// RecipientCodec seals recipients and tags addresses the way a Store keeps
// them, outside any transaction, so that a bulk import does its CPU work
// before it takes the write lock. It is for one goroutine at a time.
type RecipientCodec interface {
	// IndexTag appends to dst the RecipientTagSize-byte index tag of a
	// normalised address: a keyed hash of its DedupeKey, the same for
	// every spelling of the address that DedupeKey folds together.
	IndexTag(dst []byte, address string) []byte
	// Seal appends to dst recipient seq of a set, encrypted and bound to
	// its place; plain is the recipient as json.Marshal writes it.
	Seal(dst []byte, set string, seq int64, plain []byte) []byte
}
