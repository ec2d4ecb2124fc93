package sim

import (
	"time"

	"github.com/choreo-dev/choreo/report"
)

// Run outcomes, worst last (report's outcome codes).
const (
	outOK           = uint8(report.RunOK)
	outHandled      = uint8(report.RunHandled)
	outFailed       = uint8(report.RunFailed)
	outInconsistent = uint8(report.RunInconsistent)
)

// collector feeds one worker's runs to a report.Aggregate, which merges
// by addition: a merged result does not depend on which worker ran which
// run. Messages and exchanges are the plan's indices.
type collector struct {
	agg   report.Aggregate // by value: one load less on the hot path
	chain []int            // scratch for a cascade's chain
}

func newCollector(pl *plan) *collector {
	msgs := make([]report.MessageStats, len(pl.msgs))
	for i := range pl.msgs {
		msgs[i] = report.MessageStats{N: i + 1, Selector: pl.msgs[i].m.Selector()}
	}
	exs := make([]report.ExchangeStats, len(pl.exchanges))
	for i, ex := range pl.exchanges {
		var replies []int
		for _, r := range ex.replies {
			replies = append(replies, r+1)
		}
		exs[i] = report.ExchangeStats{Request: ex.req + 1, Reply: ex.reply + 1, Replies: replies}
	}
	return &collector{agg: *report.NewAggregate(msgs, exs), chain: make([]int, 0, maxChain)}
}

func (c *collector) message(mi int, lat time.Duration, fk uint8) {
	c.agg.Message(mi, lat)
	c.agg.Fault(mi, report.FaultKind(fk))
}

// timedOut counts a timeout that latency caused (the caller's limit passed
// before the reply); injected faults were counted when sent (fk).
func (c *collector) timedOut(mi int, fk uint8) {
	if fk != fkTimeout {
		c.agg.Fault(mi, report.TimeoutFault)
	}
}

func (c *collector) exchange(ex int, d time.Duration, failed bool) {
	if failed {
		c.agg.ExchangeFailed(ex)
		return
	}
	c.agg.Exchange(ex, d)
}

func (c *collector) run(x *runner, e2e time.Duration, outcome uint8) {
	c.agg.Run(report.Outcome(outcome), e2e, x.completion, max(e2e-x.human, 0))
	for k, v := range x.cp {
		c.agg.CriticalPath(k, v)
	}
	// a run has one root cause: the main timeline's failure, which the
	// initiator saw, else the earliest failure inside a fork
	if x.failed || x.forkFailed {
		f := &x.firstFail
		if !x.failed {
			f = &x.forkFail
		}
		c.chain = c.chain[:0]
		for _, n := range f.chain[:f.nchain] {
			c.chain = append(c.chain, int(n))
		}
		c.agg.Cascade(report.Failure{Root: f.root + 1, Fault: report.FaultKind(f.fault), Chain: c.chain, Fork: f.fork},
			report.Outcome(outcome), x.compRan && x.compOK, f.at, "")
	}
}

func (c *collector) merge(o *collector) { c.agg.Merge(&o.agg) }
