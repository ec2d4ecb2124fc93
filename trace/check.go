package trace

import (
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// maxExamples is how many trace ids a deviation keeps as examples;
// maxUnmapped bounds the unmapped service names kept.
const (
	maxExamples = 3
	maxUnmapped = 100
)

// Checker checks traces against one diagram, one trace at a time, and
// keeps only histograms and counters: its memory does not grow with the
// number of traces (only with the distinct deviations and cascades),
// except for the small summaries it keeps of the traces that may be slow
// (see the package doc's "Slow traces").
//
// What it measures, per trace (see [Checker.Add]):
//
//   - messages: a request's latency is RequestLatency (server start −
//     client start), its reply's is ReplyLatency (client end − server
//     end), both only when the exchange has both spans; latency.count is
//     how often the message was seen that way (retries and loops repeat
//     it). A failed exchange counts its fault on the request message.
//   - exchanges (the diagram's requests that a reply answers, and
//     unanswered solid requests, as in sim): the duration of each
//     exchange that succeeded (the client span's duration), how many
//     failed, and the critical-path share: the time the exchange spends
//     on the trace's critical path (found with the CRISP rule over the
//     observed exchange tree: from the end, the child that finished last
//     before the cursor is on the path, clipped to it, then the cursor
//     moves to its start), summed over traces, over the sum of
//     end-to-end times. As in sim, an exchange's time includes its
//     children's. When a succeeded exchange has both spans (not async),
//     server is the server span's duration and gap the client's duration
//     less it (network and queueing; a negative gap counts as 0).
//   - end_to_end: the root span's duration (max end − min start when the
//     trace has no single root); completion: max end − min start;
//     system_time: end_to_end less the request latencies of the messages
//     actors send (human time: the simulator's traces carry it there).
//   - outcomes: ok when no exchange failed, or every failed one was
//     retried (a later exchange of the same message under the same
//     parent succeeded); failed when a failure reached a root exchange
//     (the initiator's) and the diagram does not draw that error (a --x
//     reply or -x request); handled otherwise (a caller absorbed it, or
//     the diagram draws it).
//   - cascades (failed traces): the root cause is the deepest failed
//     exchange, down from the failed root through failed exchanges, whose
//     children succeeded; the chain is the request numbers from it up to
//     the initiator, innermost first; time_to_failure is when the failed
//     root exchange ended, from the trace's start.
//   - slow (traces over an end_to_end SLO, else over their p95): the
//     exchange on the critical path whose own time ran furthest over its
//     typical own time, with its chain (the package doc's "Slow
//     traces").
//   - conformance: the aligner's fitness and deviations, aggregated by
//     kind and message selector with up to three example trace ids; a
//     retried failed attempt, and the messages an unhandled failure
//     kept the flow from reaching, are no deviations (see NewAligner).
type Checker struct {
	d  *flow.Diagram
	g  *flow.Graph
	m  *Mapping
	al Aligner

	// SLO holds the targets to judge, filled by the caller before
	// Result; its end_to_end targets also pick the slow traces, so set
	// it before the first Add.
	SLO []report.SLOTarget

	msgs    []*flow.Message
	exs     []*flow.Exchange // the measured exchanges, in document order
	exIndex map[*flow.Message]int
	actor   map[string]bool // participants drawn as actors
	runs    int64

	// agg counts runs, messages, exchanges and cascades (by c.msgs and
	// c.exs indices), with server and gap times
	agg *report.Aggregate

	conforming int64
	fitness    float64
	devs       map[devKey]*devAgg
	unmapped   map[string]bool
	unm        unmappedAgg // services and span names the mapping missed: see unmapped.go
	// seen marks the participants some span's service maps to, for
	// explaining the messages no trace showed
	seen map[string]bool

	slow slowCauses // the root causes of slow traces: see slow.go
	tree exTree     // the exchange tree of the trace being counted

	// callAttempts' results for the trace being counted
	retried    []bool
	firstStart []int64

	fit *fitCounts // what `choreo fit` needs, when KeepFit asked: see fit.go
}

type devKey struct{ kind, msg string }

type devAgg struct {
	traces   int64
	examples []string
	first    int64
}

// NewChecker returns a checker of traces against d, mapping spans with m
// (DefaultMapping(d) when nil) and aligning them with a (when nil, every
// trace counts as conforming with fitness 1).
func NewChecker(d *flow.Diagram, m *Mapping, a Aligner) *Checker {
	if m == nil {
		m = DefaultMapping(d)
	}
	c := &Checker{d: d, g: flow.Build(d), m: m, al: a, msgs: d.Messages(),
		exIndex: map[*flow.Message]int{},
		devs:    map[devKey]*devAgg{}, unmapped: map[string]bool{}, seen: map[string]bool{}}
	c.actor = map[string]bool{}
	for _, p := range d.Participants {
		if p.Kind == flow.KindActor {
			c.actor[p.ID] = true
		}
	}
	msgs := make([]report.MessageStats, len(c.msgs))
	for i, m := range c.msgs {
		msgs[i] = report.MessageStats{N: i + 1, Selector: m.Selector()}
	}
	var exs []report.ExchangeStats
	for _, e := range c.g.Exchanges {
		info := c.g.Info(e.Request)
		a := e.Request.Arrow
		if info.Role == flow.RoleRequest || (info.Role == flow.RoleOneWay && !a.Dotted() && !a.Cross() && !a.Async()) {
			c.exIndex[e.Request] = len(c.exs)
			c.exs = append(c.exs, e)
			x := report.ExchangeStats{Request: e.Request.N}
			if e.Reply != nil {
				x.Reply = e.Reply.N
			}
			if len(e.Replies) > 1 {
				for _, r := range e.Replies {
					x.Replies = append(x.Replies, r.N)
				}
			}
			exs = append(exs, x)
		}
	}
	c.agg = report.NewAggregate(msgs, exs).WithServerTimes()
	return c
}

// msgIndex returns the index of m among the diagram's messages, -1 if
// it is none of them.
func (c *Checker) msgIndex(m *flow.Message) int {
	if m == nil || m.N < 1 || m.N > len(c.msgs) || c.msgs[m.N-1] != m {
		return -1
	}
	return m.N - 1
}

// replyOf returns the diagram's reply to the request e maps to: the one
// drawn as an error for a failed exchange when there is one, else the
// first that is not.
func (c *Checker) replyOf(e *ObservedExchange) *flow.Message {
	info := c.g.Info(e.Message)
	if info == nil || info.Exchange == nil || info.Exchange.Request != e.Message {
		return nil
	}
	var first *flow.Message
	for _, r := range info.Exchange.Replies {
		if r.Arrow.Cross() == e.Failed {
			return r
		}
		if first == nil {
			first = r
		}
	}
	return first
}

// Add checks one trace and counts what it shows.
func (c *Checker) Add(t *Trace) {
	if len(t.Spans) == 0 {
		return
	}
	p := c.prepare(t)
	c.add(t, p)
	p.release()
}

// prepared is the part of checking a trace that depends on the trace
// alone: its observed exchanges and their alignment. prepare touches
// nothing of the checker's counts, so traces can be prepared on several
// goroutines (AddAll) and counted afterwards, in order, by add.
type prepared struct {
	obs *Observed
	al  *Alignment // nil without an aligner

	pooled bool // al is the package aligner's, from alignmentPool
}

func (c *Checker) prepare(t *Trace) prepared {
	p := prepared{obs: observeInto(observedPool.Get().(*Observed), t, c.m)}
	if c.al != nil {
		if a, ok := c.al.(*aligner); ok {
			p.al, p.pooled = a.alignInto(p.obs, alignmentPool.Get().(*Alignment)), true
		} else {
			p.al = c.al.Align(p.obs)
		}
	}
	return p
}

// release hands p's observation and alignment back for later traces to
// reuse, once the trace is counted.
func (p prepared) release() {
	releaseObserved(p.obs)
	if p.pooled {
		releaseAlignment(p.al)
	}
}

// add counts a trace that prepare has observed and aligned.
func (c *Checker) add(t *Trace, p prepared) {
	obs := p.obs
	c.runs++
	// the alignment decides which message each exchange is (the same
	// call drawn in several places), so it comes before the statistics
	c.conform(t, obs, p.al)
	if c.fit != nil {
		c.fit.add(obs)
	}

	// Trace times.
	var minStart, maxEnd int64
	roots := 0
	var rootSpan *Span
	ids := newSpanIDs(t.Spans)
	for i := range t.Spans {
		s := &t.Spans[i]
		if i == 0 || s.Start < minStart {
			minStart = s.Start
		}
		if i == 0 || s.End > maxEnd {
			maxEnd = s.End
		}
		if s.ParentID.IsZero() || !ids.has(s.ParentID) {
			roots++
			rootSpan = s
		}
	}
	e2e := maxEnd - minStart
	if roots == 1 {
		e2e = rootSpan.Duration()
	}
	human := int64(0)
	for _, e := range obs.Exchanges {
		if e.Message != nil && c.actor[e.Message.From] && e.Client != nil && e.Server != nil {
			human += max(e.RequestLatency, 0)
		}
	}

	// Messages and exchanges.
	ex := obs.Exchanges
	for _, p := range obs.Participants {
		c.seen[p] = true
	}
	// An exchange counts once per call, as the simulator counts it: a
	// failed attempt that another attempt of its call retries is neither
	// a failure nor a time of the exchange, and the attempt that ends the
	// call is timed from the call's first send (retries included).
	c.retried, c.firstStart = callAttempts(ex, c.retried, c.firstStart)
	again, first := c.retried, c.firstStart
	for _, e := range ex {
		if i := c.msgIndex(e.Message); i >= 0 {
			if e.Client != nil && e.Server != nil {
				c.agg.Message(i, time.Duration(e.RequestLatency))
				if r := c.msgIndex(c.replyOf(e)); r >= 0 && !e.Async {
					c.agg.Message(r, time.Duration(e.ReplyLatency))
				}
			}
			c.agg.Fault(i, report.ParseFault(e.Fault))
		}
		if k, ok := c.exIndex[e.Message]; ok && e.Message != nil && !again[e.Index] {
			if e.Failed {
				c.agg.ExchangeFailed(k)
			} else {
				c.agg.Exchange(k, time.Duration(e.Start+e.Duration-first[e.Index]))
				if e.Client != nil && e.Server != nil && !e.Async {
					srv := e.Server.Duration()
					c.agg.ExchangeServer(k, time.Duration(srv), time.Duration(e.Duration-srv))
				}
			}
		}
	}
	tree := &c.tree
	tree.build(ex)
	c.criticalPath(ex, tree, minStart, maxEnd)
	c.addSlow(t.ID, ex, tree, e2e, minStart, maxEnd)

	// Outcome and cascade.
	retried := func(e *ObservedExchange) bool {
		for _, si := range tree.children(exParent(e, len(ex))) {
			if s := ex[si]; s.Index > e.Index && s.Message == e.Message && !s.Failed {
				return true
			}
		}
		return false
	}
	live := func(e *ObservedExchange) bool { return e.Failed && !retried(e) }
	anyFailed := false
	var failedRoot *ObservedExchange
	for _, e := range ex {
		if live(e) {
			anyFailed = true
			if e.Parent == nil && failedRoot == nil {
				failedRoot = e
			}
		}
	}
	outcome := report.RunOK
	switch {
	case !anyFailed:
	case failedRoot == nil:
		outcome = report.RunHandled
	default:
		cause := failedRoot
		depth := 0
		var walk func(e *ObservedExchange, d int)
		walk = func(e *ObservedExchange, d int) {
			leaf := true
			for _, ci := range tree.children(e.Index) {
				if ch := ex[ci]; live(ch) {
					leaf = false
					walk(ch, d+1)
				}
			}
			if leaf && d > depth {
				cause, depth = e, d
			}
		}
		walk(failedRoot, 0)
		// the root cause is the deepest failure the diagram names: an
		// unmapped failing call is reported at its nearest mapped caller
		for cause.Message == nil && cause.Parent != nil {
			cause = cause.Parent
		}
		if c.drawn(cause) {
			outcome = report.RunHandled
			break
		}
		outcome = report.RunFailed
		f := report.Failure{Fault: report.ParseFault(cause.Fault)}
		if cause.Message != nil {
			f.Root = cause.Message.N
		}
		for x, steps := cause, 0; x != nil && steps <= len(ex); x, steps = x.Parent, steps+1 {
			if x.Message != nil {
				f.Chain = append(f.Chain, x.Message.N)
			}
		}
		c.agg.Cascade(f, outcome, false, time.Duration(failedRoot.Start+failedRoot.Duration-minStart), t.ID.String())
	}
	c.agg.Run(outcome, time.Duration(e2e), time.Duration(maxEnd-minStart), time.Duration(max(e2e-human, 0)))
}

// explain says, for each message no trace showed, why: a participant
// that no service maps to, a branch that no trace took (no message of it
// was seen), or no span with its text between two mapped participants.
func (c *Checker) explain(res *report.Result) {
	if c.runs == 0 {
		return
	}
	seenMsg := func(n int) bool {
		m := res.Messages[n-1]
		return m.Latency.Count > 0 || m.Faults.Error > 0 || m.Faults.Timeout > 0
	}
	// a branch was taken when one of its messages was seen
	taken := map[flow.BranchRef]bool{}
	for _, mi := range c.g.Messages {
		if seenMsg(mi.Message.N) {
			for _, br := range mi.Path {
				taken[br] = true
			}
		}
	}
	for _, mi := range c.g.Messages {
		m := mi.Message
		if m.N > len(res.Messages) || seenMsg(m.N) {
			continue
		}
		why := ""
		switch {
		case !c.seen[m.From] && !c.seen[m.To]:
			why = "participants " + m.From + " and " + m.To + " match no service in the traces"
		case !c.seen[m.From]:
			why = "participant " + m.From + " matches no service in the traces"
		case !c.seen[m.To]:
			why = "participant " + m.To + " matches no service in the traces"
		}
		if why == "" {
			for _, br := range mi.Path {
				if br.Block.Kind != flow.Rect && !taken[br] {
					why = "its branch " + strconv.Quote(br.Key()) + " was never taken"
					break
				}
			}
		}
		if why == "" && mi.Role == flow.RoleReply {
			req := mi.Exchange.Request
			if seenMsg(req.N) {
				why = "its request #" + strconv.Itoa(req.N) + " was seen without both a client and a server span, or answered by another reply"
			} else {
				why = "its request #" + strconv.Itoa(req.N) + " was never seen"
			}
		}
		if why == "" {
			why = "no span from " + m.From + " to " + m.To + " matched its text"
		}
		res.Messages[m.N-1].Unobserved = why
	}
}

// conform aligns the trace with the diagram and counts its deviations.
// Retried attempts and the messages a failure kept the flow from reaching
// are no deviations: the aligner knows (see NewAligner).
func (c *Checker) conform(t *Trace, obs *Observed, a *Alignment) {
	c.unm.add(c.m, t, obs)
	for _, s := range obs.UnmappedServices {
		if len(c.unmapped) < maxUnmapped {
			c.unmapped[s] = true
		}
	}
	if a == nil {
		c.fitness++
		c.conforming++
		return
	}
	// The aligner itself leaves out retried attempts and does not count
	// what a failure that ends the flow left undone (see NewAligner).
	fitness, devs := a.Fitness, a.Deviations
	c.fitness += fitness
	if len(devs) == 0 {
		c.conforming++
	}
	seen := map[devKey]bool{}
	for _, dv := range devs {
		k := devKey{kind: dv.Kind, msg: deviationMessage(dv)}
		if seen[k] {
			continue
		}
		seen[k] = true
		ag := c.devs[k]
		if ag == nil {
			ag = &devAgg{first: int64(len(c.devs))}
			c.devs[k] = ag
		}
		ag.traces++
		if len(ag.examples) < maxExamples {
			ag.examples = append(ag.examples, t.ID.String())
		}
	}
}

// drawn reports whether the diagram draws e's failure: its request is a
// -x, or a --x reply answers it.
func (c *Checker) drawn(e *ObservedExchange) bool {
	if e.Message == nil {
		return false
	}
	if e.Message.Arrow.Cross() {
		return true
	}
	info := c.g.Info(e.Message)
	return info != nil && info.Exchange != nil && info.Exchange.Request == e.Message && failureDrawn(info.Exchange)
}

// spanIDs tells whether a trace has a span of an id: by a scan of a
// small trace's spans, by a set for a large one.
type spanIDs struct {
	spans []Span
	set   map[SpanID]struct{}
}

func newSpanIDs(spans []Span) spanIDs {
	ids := spanIDs{spans: spans}
	if len(spans) > smallTrace {
		ids.set = make(map[SpanID]struct{}, len(spans))
		for i := range spans {
			ids.set[spans[i].SpanID] = struct{}{}
		}
	}
	return ids
}

func (ids spanIDs) has(id SpanID) bool {
	if ids.set != nil {
		_, ok := ids.set[id]
		return ok
	}
	for i := range ids.spans {
		if ids.spans[i].SpanID == id {
			return true
		}
	}
	return false
}

// criticalPath adds each exchange's time on the trace's critical path
// (CRISP over the exchange tree, from the trace's last end back).
func (c *Checker) criticalPath(ex []*ObservedExchange, tree *exTree, start, end int64) {
	var walk func(p int, lo, hi int64, depth int)
	walk = func(p int, lo, hi int64, depth int) {
		if depth > len(ex) {
			return
		}
		cursor := hi
		for _, ki := range tree.latestFirst(p) {
			k := ex[ki]
			ks, ke := max(k.Start, lo), min(exEnd(k), cursor)
			if exEnd(k) > cursor || ke <= ks {
				continue
			}
			if i, ok := c.exIndex[k.Message]; ok && k.Message != nil {
				c.agg.CriticalPath(i, ke-ks)
			}
			walk(int(ki), ks, ke, depth+1)
			cursor = ks
		}
	}
	walk(len(ex), start, end, 0)
}

// deviationMessage names what a deviation concerns: the message's
// selector, else the unmapped exchange as From->>To: span name.
func deviationMessage(dv Divergence) string {
	if dv.Message != nil {
		return dv.Message.Selector()
	}
	if e := dv.Exchange; e != nil {
		name := ""
		if e.Client != nil {
			name = e.Client.Name
		} else if e.Server != nil {
			name = e.Server.Name
		}
		return e.From + "->>" + e.To + ": " + name
	}
	return ""
}

// Result returns what the traces added so far show, with Source "trace",
// the diagram's messages and exchanges, histograms for exact rendering,
// and the verdicts of c.SLO (report.Judge). The caller fills Diagram,
// DiagramSource and Input (Reader.AddTo).
func (c *Checker) Result() *report.Result {
	res := c.agg.Result()
	res.Source, res.Model = "trace", c.d
	res.Input = &report.Input{Problems: []report.Problem{}}
	// a trace check's lists are never null
	if res.Messages == nil {
		res.Messages = []report.MessageStats{}
	}
	if res.Exchanges == nil {
		res.Exchanges = []report.ExchangeStats{}
	}
	if res.Cascades == nil {
		res.Cascades, res.Histograms.Cascades = []report.Cascade{}, []*report.Histogram{}
	}

	conf := &report.Conformance{Traces: c.runs, Conforming: c.conforming,
		Deviations: []report.Deviation{}, UnmappedServices: []string{}}
	if c.runs > 0 {
		conf.Fitness = c.fitness / float64(c.runs)
	}
	type kv struct {
		k devKey
		a *devAgg
	}
	var ds []kv
	for k, a := range c.devs {
		ds = append(ds, kv{k, a})
	}
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].a.traces != ds[j].a.traces {
			return ds[i].a.traces > ds[j].a.traces
		}
		return ds[i].a.first < ds[j].a.first
	})
	for _, d := range ds {
		conf.Deviations = append(conf.Deviations, report.Deviation{Kind: d.k.kind, Message: d.k.msg,
			Traces: d.a.traces, Examples: slices.Clone(d.a.examples)})
	}
	for s := range c.unmapped {
		conf.UnmappedServices = append(conf.UnmappedServices, s)
	}
	slices.Sort(conf.UnmappedServices)
	conf.Unmapped, conf.UnmappedMore = c.unm.result(c.m)
	res.Conformance = conf
	c.explain(res)

	res.SLO = report.Judge(c.SLO, res)
	if res.SLO == nil {
		res.SLO = []report.SLOVerdict{}
	}
	c.slowResult(res)
	if c.fit != nil {
		res.Fit = c.fit.result()
	}
	return res
}

// callAttempts groups the attempts of each call, as choreo fit does: a
// call is the attempts of one message under one parent up to the first
// that succeeds (loops repeat calls). retried[i] reports that another
// attempt of its call follows exchange i; first[i] is when the first
// attempt of its call started. They are made in retried's and first's
// arrays when those are long enough.
func callAttempts(ex []*ObservedExchange, retried []bool, first []int64) ([]bool, []int64) {
	open := map[attemptKey]*ObservedExchange{} // the first attempt of the open call
	last := map[attemptKey]*ObservedExchange{} // its last failed attempt
	zeroed(&retried, len(ex))
	grow(&first, len(ex))
	for _, e := range ex {
		first[e.Index] = e.Start
		if e.Message == nil {
			continue
		}
		k := attemptKey{e.Message, e.Parent}
		if prev := last[k]; prev != nil {
			retried[prev.Index] = true
			first[e.Index] = open[k].Start
		}
		if e.Failed {
			if open[k] == nil {
				open[k] = e
			}
			last[k] = e
		} else {
			delete(open, k)
			delete(last, k)
		}
	}
	return retried, first
}
