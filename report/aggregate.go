package report

import (
	"slices"
	"time"
)

// Outcome is a run's outcome as a small number, worst last, for
// Aggregate.Run; its String is the name (OK, Handled, Failed,
// Inconsistent).
type Outcome uint8

// The outcomes, worst last.
const (
	RunOK Outcome = iota
	RunHandled
	RunFailed
	RunInconsistent
)

var outcomeNames = [...]string{OK, Handled, Failed, Inconsistent}

// String returns the outcome's name.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return ""
}

// Aggregate collects what runs show (simulated runs, or checked traces)
// and produces the measured part of a Result: runs by outcome, the run
// times, each message's latency and faults, each exchange's duration,
// failures and critical-path time, and the cascades. It keeps histograms
// and counters only, which merge by addition: aggregates of disjoint runs
// merged in any order give the bytes of one aggregate of all the runs, so
// that workers, shards (Merge) and the trace checker share one rule.
//
// Messages and exchanges are addressed by index in the order given to
// NewAggregate; no method allocates except Cascade for a cascade not seen
// before. An Aggregate is not safe for concurrent use: give each worker
// its own and merge them.
type Aggregate struct {
	msgs []MessageStats  // N and Selector of each message
	exs  []ExchangeStats // Request, Reply and Replies of each exchange

	runs                 int64
	outcomes             Outcomes
	sumE2E               int64
	e2e, completion, sys *Histogram
	msgH                 []*Histogram
	faults               []Faults
	exDur                []*Histogram
	exFailed, exCP       []int64
	exServer, exGap      []*Histogram // nil unless WithServerTimes

	cascades map[string]*cascadeAgg
	key      []byte // scratch for cascade keys
}

// NewAggregate returns an empty aggregate of the messages (N, Selector)
// and exchanges (Request, Reply, Replies) given, which Result lists in
// this order.
func NewAggregate(messages []MessageStats, exchanges []ExchangeStats) *Aggregate {
	a := &Aggregate{e2e: NewHistogram(), completion: NewHistogram(), sys: NewHistogram(),
		faults: make([]Faults, len(messages)), exFailed: make([]int64, len(exchanges)),
		exCP: make([]int64, len(exchanges)), cascades: map[string]*cascadeAgg{}}
	for _, m := range messages {
		a.msgs = append(a.msgs, MessageStats{N: m.N, Selector: m.Selector})
		a.msgH = append(a.msgH, NewHistogram())
	}
	for _, e := range exchanges {
		a.exs = append(a.exs, ExchangeStats{Request: e.Request, Reply: e.Reply, Replies: slices.Clone(e.Replies)})
		a.exDur = append(a.exDur, NewHistogram())
	}
	return a
}

// WithServerTimes makes a keep each exchange's server and gap times
// (ExchangeServer; trace checks), which Result then reports. It returns a.
func (a *Aggregate) WithServerTimes() *Aggregate {
	a.exServer, a.exGap = nil, nil
	for range a.exs {
		a.exServer = append(a.exServer, NewHistogram())
		a.exGap = append(a.exGap, NewHistogram())
	}
	return a
}

// Run counts a run with its outcome and times: end_to_end, completion and
// system_time.
func (a *Aggregate) Run(o Outcome, endToEnd, completion, system time.Duration) {
	a.runs++
	switch o {
	case RunOK:
		a.outcomes.OK++
	case RunHandled:
		a.outcomes.Handled++
	case RunFailed:
		a.outcomes.Failed++
	case RunInconsistent:
		a.outcomes.Inconsistent++
	}
	a.e2e.Record(endToEnd)
	a.completion.Record(completion)
	a.sys.Record(system)
	a.sumE2E += max(int64(endToEnd), 0)
}

// Message records a latency of message i.
func (a *Aggregate) Message(i int, latency time.Duration) { a.msgH[i].Record(latency) }

// Fault counts a fault of kind k on message i (NoFault counts nothing).
func (a *Aggregate) Fault(i int, k FaultKind) {
	if k != NoFault {
		a.faults[i].add(k)
	}
}

// Exchange records the duration of a run of exchange i that succeeded.
func (a *Aggregate) Exchange(i int, d time.Duration) { a.exDur[i].Record(d) }

// ExchangeFailed counts a run of exchange i that failed after its retries.
func (a *Aggregate) ExchangeFailed(i int) { a.exFailed[i]++ }

// ExchangeServer records, for a succeeded run of exchange i with both a
// client and a server span, the server span's duration and the gap
// (client less server; below 0 counts as 0). It needs WithServerTimes.
func (a *Aggregate) ExchangeServer(i int, server, gap time.Duration) {
	a.exServer[i].Record(server)
	a.exGap[i].Record(max(gap, 0))
}

// CriticalPath adds ns nanoseconds that exchange i spent on a run's
// critical path.
func (a *Aggregate) CriticalPath(i int, ns int64) { a.exCP[i] += ns }

// Cascade counts a run that failed with root cause f: its outcome (an
// inconsistent one counts as such), whether every compensation ran and
// succeeded, its time to failure, and an example trace id ("": none; the
// first MaxExamples are kept). The run itself is counted by Run.
func (a *Aggregate) Cascade(f Failure, o Outcome, compensated bool, timeToFailure time.Duration, example string) {
	c := a.cascade(f)
	c.runs++
	if compensated {
		c.compensated++
	}
	if o == RunInconsistent {
		c.inconsistent++
	}
	c.ttf.Record(timeToFailure)
	if example != "" && len(c.examples) < MaxExamples {
		c.examples = append(c.examples, example)
	}
}

// cascade returns a's counts of the cascade with root cause f, new and
// empty (f's chain copied) the first time f is seen.
func (a *Aggregate) cascade(f Failure) *cascadeAgg {
	a.key = f.appendKey(a.key[:0])
	c := a.cascades[string(a.key)]
	if c == nil {
		c = &cascadeAgg{root: f.Root, fault: f.Fault, chain: slices.Clone(f.Chain), fork: f.Fork, ttf: NewHistogram()}
		a.cascades[string(a.key)] = c
	}
	return c
}

// Merge adds what o counted (an aggregate of the same messages and
// exchanges) to a.
func (a *Aggregate) Merge(o *Aggregate) {
	a.runs += o.runs
	a.outcomes.OK += o.outcomes.OK
	a.outcomes.Handled += o.outcomes.Handled
	a.outcomes.Failed += o.outcomes.Failed
	a.outcomes.Inconsistent += o.outcomes.Inconsistent
	a.sumE2E += o.sumE2E
	a.e2e.Merge(o.e2e)
	a.completion.Merge(o.completion)
	a.sys.Merge(o.sys)
	for i := range a.msgH {
		a.msgH[i].Merge(o.msgH[i])
		a.faults[i].merge(o.faults[i])
	}
	for i := range a.exDur {
		a.exDur[i].Merge(o.exDur[i])
		a.exFailed[i] += o.exFailed[i]
		a.exCP[i] += o.exCP[i]
		if a.exServer != nil && o.exServer != nil {
			a.exServer[i].Merge(o.exServer[i])
			a.exGap[i].Merge(o.exGap[i])
		}
	}
	for _, oc := range o.cascades {
		a.cascade(Failure{Root: oc.root, Fault: oc.fault, Chain: oc.chain, Fork: oc.fork}).merge(oc)
	}
}

// addResult adds what a result counted (of the same messages and
// exchanges, with histograms) to a: a merge of shards.
func (a *Aggregate) addResult(r *Result) {
	a.runs += r.Runs
	a.outcomes.OK += r.Outcomes.OK
	a.outcomes.Handled += r.Outcomes.Handled
	a.outcomes.Failed += r.Outcomes.Failed
	a.outcomes.Inconsistent += r.Outcomes.Inconsistent
	a.sumE2E += r.EndToEndNS
	h := r.Histograms
	a.e2e.Merge(h.EndToEnd)
	a.completion.Merge(h.Completion)
	a.sys.Merge(h.SystemTime)
	for i, m := range r.Messages {
		a.faults[i].merge(m.Faults)
		if i < len(h.Messages) {
			a.msgH[i].Merge(h.Messages[i])
		}
	}
	for i, e := range r.Exchanges {
		a.exFailed[i] += e.Failed
		a.exCP[i] += e.CriticalPathNS
		if i < len(h.Exchanges) {
			a.exDur[i].Merge(h.Exchanges[i])
		}
	}
	for i, c := range r.Cascades {
		oc := &cascadeAgg{root: c.Root.N, fault: ParseFault(c.Root.Fault), chain: c.Chain, fork: c.Fork,
			runs: c.Runs, compensated: c.Compensated, inconsistent: c.Inconsistent, examples: c.Examples, ttf: NewHistogram()}
		if i < len(h.Cascades) {
			oc.ttf = h.Cascades[i]
		}
		a.cascade(Failure{Root: oc.root, Fault: oc.fault, Chain: oc.chain, Fork: oc.fork}).merge(oc)
	}
}

// Result returns a result (Version set) with what a counted: runs,
// outcomes, the run times, messages, exchanges (with server and gap after
// WithServerTimes), cascades in CompareCascades order, and the histograms
// behind them. The caller fills the rest (Source, Diagram, Seed, SLO…).
// The result shares a's histograms: add no more runs to a.
func (a *Aggregate) Result() *Result {
	res := &Result{Version: Version, Runs: a.runs, EndToEndNS: a.sumE2E, Outcomes: a.outcomes,
		EndToEnd: a.e2e.Stats(), Completion: a.completion.Stats(), SystemTime: a.sys.Stats()}
	hs := &Histograms{EndToEnd: a.e2e, Completion: a.completion, SystemTime: a.sys,
		Messages: a.msgH, Exchanges: a.exDur, ExchangesServer: a.exServer, ExchangesGap: a.exGap}
	for i, m := range a.msgs {
		m.Latency, m.Faults = a.msgH[i].Stats(), a.faults[i]
		res.Messages = append(res.Messages, m)
	}
	for i, e := range a.exs {
		e.Replies = slices.Clone(e.Replies)
		e.Duration, e.Failed, e.CriticalPathNS = a.exDur[i].Stats(), a.exFailed[i], a.exCP[i]
		if a.sumE2E > 0 {
			e.CriticalPathShare = float64(a.exCP[i]) / float64(a.sumE2E)
		}
		if a.exServer != nil {
			e.Server, e.Gap = new(a.exServer[i].Stats()), new(a.exGap[i].Stats())
		}
		res.Exchanges = append(res.Exchanges, e)
	}
	type entry struct {
		c   Cascade
		ttf *Histogram
	}
	es := make([]entry, 0, len(a.cascades))
	for _, c := range a.cascades {
		es = append(es, entry{c.cascade(a.runs), c.ttf})
	}
	slices.SortFunc(es, func(x, y entry) int { return CompareCascades(&x.c, &y.c) })
	for _, e := range es {
		res.Cascades = append(res.Cascades, e.c)
		hs.Cascades = append(hs.Cascades, e.ttf)
	}
	res.Histograms = hs
	return res
}
