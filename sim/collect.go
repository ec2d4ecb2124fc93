package sim

import (
	"slices"
	"time"

	"github.com/choreo-dev/choreo/report"
)

// Run outcomes, worst last.
const (
	outOK uint8 = iota
	outHandled
	outFailed
	outInconsistent
)

var outcomeNames = [...]string{report.OK, report.Handled, report.Failed, report.Inconsistent}

// collector accumulates what runs produce: histograms and counters that
// merge by addition, so a merged result does not depend on which worker
// ran which run. Integer nanosecond sums keep even the critical-path
// shares exact.
type collector struct {
	runs                 int64
	outcomes             report.Outcomes
	e2e, completion, sys *report.Histogram
	msg                  []*report.Histogram
	faults               []report.Faults
	exDur                []*report.Histogram
	exFailed             []int64
	exCP                 []int64
	sumE2E               int64
	cascades             map[cascadeKey]*cascadeAgg
}

type cascadeKey struct {
	root  int16
	fault uint8
	n     uint8
	chain [maxChain]int16
	fork  int16 // the async message whose fork failed (0: the main timeline)
}

type cascadeAgg struct {
	runs, compensated, inconsistent int64
	outcome                         [4]int64
	ttf                             *report.Histogram
}

func newCollector(pl *plan) *collector {
	c := &collector{
		e2e: report.NewHistogram(), completion: report.NewHistogram(), sys: report.NewHistogram(),
		faults: make([]report.Faults, len(pl.msgs)), exFailed: make([]int64, len(pl.exchanges)),
		exCP: make([]int64, len(pl.exchanges)), cascades: map[cascadeKey]*cascadeAgg{},
	}
	for range pl.msgs {
		c.msg = append(c.msg, report.NewHistogram())
	}
	for range pl.exchanges {
		c.exDur = append(c.exDur, report.NewHistogram())
	}
	return c
}

func (c *collector) message(mi int, lat time.Duration, fk uint8) {
	c.msg[mi].Record(lat)
	switch fk {
	case fkError:
		c.faults[mi].Error++
	case fkTimeout:
		c.faults[mi].Timeout++
	case fkDrop:
		c.faults[mi].Drop++
	case fkDelay:
		c.faults[mi].Delay++
	}
}

// timedOut counts a timeout that latency caused (the caller's limit passed
// before the reply); injected faults were counted when sent (fk).
func (c *collector) timedOut(mi int, fk uint8) {
	if fk != fkTimeout {
		c.faults[mi].Timeout++
	}
}

func (c *collector) exchange(ex int, d time.Duration, failed bool) {
	if failed {
		c.exFailed[ex]++
		return
	}
	c.exDur[ex].Record(d)
}

func (c *collector) run(x *runner, e2e time.Duration, outcome uint8) {
	c.runs++
	switch outcome {
	case outOK:
		c.outcomes.OK++
	case outHandled:
		c.outcomes.Handled++
	case outFailed:
		c.outcomes.Failed++
	case outInconsistent:
		c.outcomes.Inconsistent++
	}
	c.e2e.Record(e2e)
	c.completion.Record(x.completion)
	sys := e2e - x.human
	if sys < 0 {
		sys = 0
	}
	c.sys.Record(sys)
	c.sumE2E += int64(e2e)
	for k, v := range x.cp {
		c.exCP[k] += v
	}
	// a run has one root cause: the main timeline's failure, which the
	// initiator saw, else the earliest failure inside a fork
	if x.failed || x.forkFailed {
		f := &x.firstFail
		if !x.failed {
			f = &x.forkFail
		}
		key := cascadeKey{root: int16(f.root), fault: f.fault, n: uint8(f.nchain), chain: f.chain, fork: int16(f.fork)}
		a := c.cascades[key]
		if a == nil {
			a = &cascadeAgg{ttf: report.NewHistogram()}
			c.cascades[key] = a
		}
		a.runs++
		a.outcome[outcome]++
		if x.compRan && x.compOK {
			a.compensated++
		}
		if outcome == outInconsistent {
			a.inconsistent++
		}
		a.ttf.Record(f.at)
	}
}

func (c *collector) merge(o *collector) {
	c.runs += o.runs
	c.outcomes.OK += o.outcomes.OK
	c.outcomes.Handled += o.outcomes.Handled
	c.outcomes.Failed += o.outcomes.Failed
	c.outcomes.Inconsistent += o.outcomes.Inconsistent
	c.e2e.Merge(o.e2e)
	c.completion.Merge(o.completion)
	c.sys.Merge(o.sys)
	c.sumE2E += o.sumE2E
	for i := range c.msg {
		c.msg[i].Merge(o.msg[i])
		c.faults[i].Error += o.faults[i].Error
		c.faults[i].Timeout += o.faults[i].Timeout
		c.faults[i].Drop += o.faults[i].Drop
		c.faults[i].Delay += o.faults[i].Delay
	}
	for i := range c.exDur {
		c.exDur[i].Merge(o.exDur[i])
		c.exFailed[i] += o.exFailed[i]
		c.exCP[i] += o.exCP[i]
	}
	for k, a := range o.cascades {
		b := c.cascades[k]
		if b == nil {
			b = &cascadeAgg{ttf: report.NewHistogram()}
			c.cascades[k] = b
		}
		b.runs += a.runs
		b.compensated += a.compensated
		b.inconsistent += a.inconsistent
		for i := range b.outcome {
			b.outcome[i] += a.outcome[i]
		}
		b.ttf.Merge(a.ttf)
	}
}

// fill writes what the collector holds into a result.
func (c *collector) fill(pl *plan, res *report.Result) {
	res.Runs = c.runs
	res.EndToEndNS = c.sumE2E
	res.Outcomes = c.outcomes
	hs := &report.Histograms{EndToEnd: c.e2e, Completion: c.completion, SystemTime: c.sys,
		Messages: c.msg, Exchanges: c.exDur}
	res.EndToEnd = c.e2e.Stats()
	res.Completion = c.completion.Stats()
	res.SystemTime = c.sys.Stats()
	res.Messages = res.Messages[:0]
	for i := range pl.msgs {
		res.Messages = append(res.Messages, report.MessageStats{
			N: i + 1, Selector: pl.msgs[i].m.Selector(), Latency: c.msg[i].Stats(), Faults: c.faults[i],
		})
	}
	res.Exchanges = res.Exchanges[:0]
	for i, ex := range pl.exchanges {
		share := 0.0
		if c.sumE2E > 0 {
			share = float64(c.exCP[i]) / float64(c.sumE2E)
		}
		var replies []int
		for _, r := range ex.replies {
			replies = append(replies, r+1)
		}
		res.Exchanges = append(res.Exchanges, report.ExchangeStats{
			Request: ex.req + 1, Reply: ex.reply + 1, Replies: replies, Duration: c.exDur[i].Stats(),
			Failed: c.exFailed[i], CriticalPathShare: share, CriticalPathNS: c.exCP[i],
		})
	}
	// build the cascades, then order them with the rule report.Merge
	// uses too, so that merged shards list them as the whole run does
	type entry struct {
		c   report.Cascade
		ttf *report.Histogram
	}
	var es []entry
	for k, a := range c.cascades {
		chain := make([]int, 0, k.n)
		for i := 0; i < int(k.n); i++ {
			chain = append(chain, int(k.chain[i]))
		}
		worst := outFailed
		if a.outcome[outInconsistent] > 0 {
			worst = outInconsistent
		}
		share := 0.0
		if c.runs > 0 {
			share = float64(a.runs) / float64(c.runs)
		}
		es = append(es, entry{report.Cascade{
			Root: report.Root{N: int(k.root) + 1, Fault: faultNames[k.fault]}, Runs: a.runs, Share: share,
			Chain: chain, Outcome: outcomeNames[worst], Compensated: a.compensated,
			Inconsistent: a.inconsistent, Fork: int(k.fork), TimeToFailure: a.ttf.Stats(),
		}, a.ttf})
	}
	slices.SortFunc(es, func(x, y entry) int { return report.CompareCascades(&x.c, &y.c) })
	res.Cascades = res.Cascades[:0]
	for _, e := range es {
		res.Cascades = append(res.Cascades, e.c)
		hs.Cascades = append(hs.Cascades, e.ttf)
	}
	res.Histograms = hs
}
