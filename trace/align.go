package trace

import "github.com/choreo-dev/choreo/flow"

// Deviation kinds of an alignment.
const (
	Missing    = "missing"      // a model move: the diagram's message is not in the trace
	Unexpected = "unexpected"   // a log move: the trace's exchange is not where the diagram allows it
	OutOfOrder = "out-of-order" // the message is there, but in another order than the diagram allows
)

// Divergence is one difference between a trace and the diagram.
type Divergence struct {
	Kind string
	// Message is the diagram message concerned (nil for an unexpected
	// exchange that maps to no message).
	Message *flow.Message
	// Exchange is the observed exchange concerned (nil for a missing
	// message).
	Exchange *ObservedExchange
}

// Alignment is the least-cost alignment of one trace's observed exchanges
// with the orders the diagram allows.
type Alignment struct {
	// Fitness is 1 − cost / worst cost, in [0, 1]: 1 for a trace the
	// diagram allows as it is.
	Fitness    float64
	Deviations []Divergence
}

// Conforms reports whether the trace follows the diagram exactly.
func (a *Alignment) Conforms() bool { return len(a.Deviations) == 0 }

// Aligner aligns observed traces with one diagram. Build it once per
// diagram (it compiles the diagram), then call Align per trace; it is safe
// for concurrent use.
type Aligner interface {
	Align(obs *Observed) *Alignment
}
