package slack

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// seenFlush is how long newly seen keys wait to be written to disk
// together.
const seenFlush = 20 * time.Millisecond

// seen remembers keys (request signatures, trigger ids) until they expire.
// Memory is the authority, so checking costs no disk sync on the path of an
// acknowledgement; new keys are written to the State within 20 ms (and
// on Close) and loaded back at start, so a restart does not reopen the
// replay window. Only keys taken in the last flush interval before a crash
// (SIGKILL, power loss) can be forgotten. The flusher sleeps while no key
// is new, so an idle bot does not wake for it.
type seen struct {
	st  State
	now func() time.Time
	log *slog.Logger

	mu      sync.Mutex
	keys    map[string]time.Time
	pending map[string]time.Time
	purged  time.Time

	// wake tells the flusher that a key is pending.
	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

func newSeen(st State, now func() time.Time, log *slog.Logger) (*seen, error) {
	keys, err := st.SeenKeys(now())
	if err != nil {
		return nil, fmt.Errorf("load seen slack requests: %w", err)
	}
	s := &seen{st: st, now: now, log: log, keys: keys, pending: map[string]time.Time{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s, nil
}

// claim records each key not seen before and reports, per key, whether it
// was fresh. Keys are claimed in order and a stale key stops the claim: if
// the signature was used before, the trigger id is left alone. Empty keys
// are skipped and count as fresh.
func (s *seen) claim(keys []string, ttls []time.Duration) []bool {
	fresh := make([]bool, len(keys))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range keys {
		if k == "" {
			fresh[i] = true
			continue
		}
		if exp, ok := s.keys[k]; ok && exp.After(now) {
			return fresh
		}
		exp := now.Add(ttls[i])
		s.keys[k], s.pending[k] = exp, exp
		fresh[i] = true
		s.signal()
	}
	return fresh
}

func (s *seen) run() {
	defer close(s.done)
	final := func() {
		if err := s.flush(); err != nil {
			s.log.Error("slack: seen requests not saved", "err", err)
		}
	}
	for {
		select {
		case <-s.stop:
			final()
			return
		case <-s.wake:
		}
		// Let the keys of a burst gather, then write them in one go.
		t := time.NewTimer(seenFlush)
		select {
		case <-s.stop:
			t.Stop()
			final()
			return
		case <-t.C:
		}
		if err := s.flush(); err != nil {
			s.log.Error("slack: seen requests not saved; retrying", "err", err)
			s.signal()
		}
	}
}

// signal wakes the flusher, unless it is already woken.
func (s *seen) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// flush writes the keys claimed since the last flush and, once a minute,
// forgets expired ones.
func (s *seen) flush() error {
	now := s.now()
	s.mu.Lock()
	batch := s.pending
	s.pending = map[string]time.Time{}
	var expired []string
	if now.Sub(s.purged) > time.Minute {
		s.purged = now
		for k, exp := range s.keys {
			if !exp.After(now) {
				expired = append(expired, k)
				delete(s.keys, k)
			}
		}
	}
	s.mu.Unlock()
	if len(batch) == 0 && len(expired) == 0 {
		return nil
	}
	err := s.st.RecordSeen(batch, expired)
	if err != nil {
		s.mu.Lock()
		for k, exp := range batch {
			s.pending[k] = exp
		}
		s.mu.Unlock()
	}
	return err
}

// close writes what is pending and stops the flusher.
func (s *seen) close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
}
