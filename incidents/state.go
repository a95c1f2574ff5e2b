package incidents

import (
	"slices"
	"strings"
)

// State is where an incident is in its lifecycle. Incidents only move forward:
// declared -> investigating -> contained -> notifying -> closed.
type State string

// The lifecycle states, in order.
const (
	StateDeclared      State = "declared"
	StateInvestigating State = "investigating"
	StateContained     State = "contained"
	StateNotifying     State = "notifying"
	StateClosed        State = "closed"
)

// States lists the lifecycle in order.
var States = []State{StateDeclared, StateInvestigating, StateContained, StateNotifying, StateClosed}

// Index returns the position of s in the lifecycle, or -1 if s is not a state.
func (s State) Index() int { return slices.Index(States, s) }

// Valid reports whether s is a lifecycle state.
func (s State) Valid() bool { return s.Index() >= 0 }

// ParseState parses a state name case-insensitively.
func ParseState(s string) (State, error) {
	st := State(strings.ToLower(strings.TrimSpace(s)))
	if !st.Valid() {
		names := make([]string, len(States))
		for i, x := range States {
			names[i] = string(x)
		}
		return "", Errorf(EINVALID, "%q is not a state", s).WithHint("states, in order: %s", strings.Join(names, " -> "))
	}
	return st, nil
}
