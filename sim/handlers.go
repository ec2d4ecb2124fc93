package sim

import "github.com/choreo-dev/choreo/flow"

// Handlers tells which failures the profile's bound branches (`when`)
// handle, as the simulator binds them: a branch handles a failure of the
// message its when names only when its block follows that message in a
// list that encloses it (the failure travels forward to it). choreo lint
// and drill explanations read it; the simulator keeps its own plan.
type Handlers struct {
	pl *plan
}

// NewHandlers binds the whens of p to the messages of d.
func NewHandlers(d *flow.Diagram, p *Profile) *Handlers {
	return &Handlers{pl: compile(d, p)}
}

// Handles reports whether a failure of kind fault (error, timeout, drop,
// delay) of message n has a bound branch of its own.
func (h *Handlers) Handles(n int, fault string) bool {
	if n < 1 || n > h.pl.nDiagram {
		return false
	}
	fk := faultKind(fault)
	return fk < numFaults && h.pl.msgs[n-1].handler[fk] != nil
}

// Bound reports whether the when of branch i of block b handles some
// failure: false when its block does not follow the message it names, so
// that the failure never reaches it.
func (h *Handlers) Bound(b *flow.Block, i int) bool {
	for k := range h.pl.msgs {
		for _, hr := range h.pl.msgs[k].handler {
			if hr != nil && hr.block.b == b && hr.branch == i {
				return true
			}
		}
	}
	return false
}
