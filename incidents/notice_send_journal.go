package incidents

// journalRotateEvery is how many messages are handed over between journal
// rotations (at 64 bytes of notes each, about 128 KiB a file).
const journalRotateEvery = 2048

// journalGens counts, per journal generation, the recipients handed to the
// workers whose outcome is not yet committed, to know when the previous
// journal file holds only settled notes and may be dropped (Rotate).
type journalGens struct {
	gen            int // current generation
	current, older int // unsettled jobs of the current generation, of older ones
	handed         int // jobs handed in the current generation
}

// settled counts committed outcomes.
func (g *journalGens) settled(results []sendResult) {
	for _, r := range results {
		if r.gen == g.gen {
			g.current--
		} else {
			g.older--
		}
	}
}

// rotate reports whether the journal should rotate now: enough notes, and
// none unsettled in the file Rotate drops. It then moves to the next
// generation.
func (g *journalGens) rotate() bool {
	if g.handed < journalRotateEvery || g.older != 0 {
		return false
	}
	g.gen, g.older, g.current, g.handed = g.gen+1, g.current, 0, 0
	return true
}

// resetJournal empties the journal once nothing is in flight: its notes
// are needed only for recipients in flight. (Recipients left in flight by
// a send that stopped on an error keep theirs for the next restart: the
// journal is then not reset, nor rotated, until Recover.)
func (ns *NoticeSender) resetJournal(owned bool, inFlight int64) error {
	if ns.opt.Journal == nil || !owned || inFlight != 0 {
		return nil
	}
	if err := ns.opt.Journal.Reset(); err != nil {
		return err
	}
	ns.journalClean = true
	return nil
}
