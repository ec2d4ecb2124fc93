package sim

import (
	"maps"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

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

// HandlerBranch returns the key of a branch of d ("else card declined")
// that a `when` naming the failure of message n of kind fault (or
// "fails") would bind to, as the simulator binds whens: a branch of an
// alt or critical that follows the message, has no when yet, and is not
// the block's first; "" when there is none (the diagram needs a branch
// drawn for it).
func HandlerBranch(d *flow.Diagram, p *Profile, n int, fault string) string {
	for _, b := range d.Blocks() {
		if b.Kind != flow.Alt && b.Kind != flow.Critical {
			continue
		}
		bs := p.Blocks[b]
		for i := 1; i < len(b.Branches); i++ {
			if bs != nil && i < len(bs.When) && bs.When[i] != nil {
				continue
			}
			q := *p
			q.Blocks = maps.Clone(p.Blocks)
			nb := BlockSettings{}
			if bs != nil {
				nb = *bs
			}
			nb.When = make([]*When, len(b.Branches))
			if bs != nil {
				copy(nb.When, bs.When)
			}
			nb.When[i] = &When{N: n, Fault: fault}
			q.Blocks[b] = &nb
			k := fault
			if k == "fails" {
				k = report.FaultError
			}
			if h := NewHandlers(d, &q); h.Handles(n, k) && h.Bound(b, i) {
				return b.Key(i)
			}
		}
	}
	return ""
}
