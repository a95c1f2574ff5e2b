package incidents

import (
	"slices"
	"time"
)

// OpenIncident is what the store keeps of each open incident apart from
// the incident itself, so that work done on a timer (the playbook watch, a
// chat adapter's board refresh) finds the incidents it concerns without
// reading every incident. The store rewrites it whenever the incident is
// written and drops it when the incident closes.
type OpenIncident struct {
	ID string `json:"id"`
	// Playbook and Pin are the playbook id and the pin key (PinKey) the
	// incident runs.
	Playbook string `json:"playbook"`
	Pin      string `json:"pin"`
	// Channel is the incident's chat channel, if any.
	Channel string `json:"channel,omitempty"`
	// Clocks are the instants a deadlines board shows relative to the
	// time of showing, in order: when the company became aware, then the
	// due time of every running or missed obligation. What changes the
	// board otherwise comes with a change of the incident.
	Clocks []time.Time `json:"clocks,omitempty"`
}

// Summarize returns what the store keeps of inc while it is open; false
// if it is closed.
func Summarize(inc *Incident) (OpenIncident, bool) {
	if inc.State == StateClosed {
		return OpenIncident{}, false
	}
	s := OpenIncident{ID: inc.ID, Playbook: inc.Playbook.ID, Pin: inc.Playbook.Key, Channel: inc.Channel}
	if aware := inc.AwareAt(); !aware.IsZero() {
		s.Clocks = append(s.Clocks, aware.UTC())
	}
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if p := o.Phase(); (p == PhaseRunning || p == PhaseMissed) && !o.Due.IsZero() {
			s.Clocks = append(s.Clocks, o.Due.UTC())
		}
	}
	return s, true
}

// ClocksShown is what the instants of Clocks read as at now, at the
// precision a person is shown them (HumanDuration, with "ago" for the
// past, and "!" within the last day before it, when a board marks a clock
// urgent): a board shown at one time needs showing again at another only
// if this differs.
func (s OpenIncident) ClocksShown(now time.Time) []string {
	out := make([]string, 0, len(s.Clocks))
	for _, c := range s.Clocks {
		rel := "in " + HumanDuration(c.Sub(now))
		if !c.After(now) {
			rel = HumanDuration(now.Sub(c)) + " ago"
		}
		if c.Sub(now) < 24*time.Hour {
			rel += "!"
		}
		out = append(out, rel)
	}
	return out
}

// ShownAlike reports whether a board shown at then reads the same at now.
func (s OpenIncident) ShownAlike(then, now time.Time) bool {
	return slices.Equal(s.ClocksShown(then), s.ClocksShown(now))
}
