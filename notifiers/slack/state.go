package slack

import "time"

// State is the Bot's own durable state, kept in breachbot's database
// (boltstore.Store.SlackState implements it). Records are the Bot's JSON;
// the store keeps them as given. Methods return only the store's errors.
type State interface {
	// SeenKeys returns the request keys (signatures, trigger and envelope
	// ids) remembered and not expired at now, with when each expires.
	// New calls it once, to reload the replay window.
	SeenKeys(now time.Time) (map[string]time.Time, error)
	// RecordSeen remembers each key of add until its expiry and forgets
	// the keys of drop, in one transaction. The seen flusher calls it.
	RecordSeen(add map[string]time.Time, drop []string) error

	// ChannelRecord returns the record of an incident's channel (nil if
	// none); PutChannelRecord replaces it.
	ChannelRecord(incident string) ([]byte, error)
	PutChannelRecord(incident string, rec []byte) error

	// PostRecord returns the record of the message posted under a key
	// (nil if none); PutPostRecord replaces it and DeletePostRecord
	// forgets it.
	PostRecord(key string) ([]byte, error)
	PutPostRecord(key string, rec []byte) error
	DeletePostRecord(key string) error
	// PostRecords calls fn with every posted-message record, in key order,
	// until fn returns an error; fn must not keep rec.
	PostRecords(fn func(key string, rec []byte) error) error
}
