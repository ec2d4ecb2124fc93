package trace

import (
	"bytes"
	"cmp"
	"container/heap"
	"slices"
	"time"

	"github.com/choreo-dev/choreo/report"
)

// slowQuantile picks the slow traces when no end_to_end SLO does: those
// slower than this quantile of the checked traces' end_to_end.
const slowQuantile = 0.95

// slowKeep is how many traces the slow-cause record keeps at most: the
// slowest (by end_to_end, then the smaller trace id). Every slow trace
// is among them while there are no more than slowKeep slow traces (a
// check of up to about 330,000 traces under the p95 rule); past that the
// causes are those of the slowest slowKeep (SlowTraces.Analysed).
const slowKeep = 1 << 14

// slowCauses finds the root causes of slow traces (the package doc's
// "Slow traces" says how). It streams: per trace it keeps a small
// record and, for the exchanges on the trace's critical path, one own
// time per distinct chain (the same exchange under the same callers: a
// loop's iterations share one, the longest); the typical own times are
// histograms. With an end_to_end SLO only the traces that breach it may
// be kept; without one any trace may, since the p95 that decides is
// known only at the end. Either way at most slowKeep traces are kept,
// the slowest: a trace that cannot be among them is not walked.
type slowCauses struct {
	own []*report.Histogram // by measured exchange: own time of each occurrence

	nodes map[[2]int32]int32 // chain trie: (parent node, exchange) → node
	node  []slowNode

	kept     slowHeap // a min-heap by slower: the fastest kept first
	keep     int      // how many at most: slowKeep (tests set fewer)
	breaches int64    // with an SLO: the traces over its limit

	// Scratch, reused from trace to trace.
	entries []slowEntry // the current trace's critical path
	k       []int32     // measured exchange of each observed exchange, -1: none
	ownNS   []int64     // own time of each observed exchange
	tree    *exTree     // the trace's, as add built it
	seen    []uint32    // per node (they grow with node): the trace (gen) that last
	pos     []int32     // recorded it, and where in entries
	gen     uint32
	typical []int64 // per measured exchange: the median own time (Result)
}

// slowNode is one chain: the measured exchange k under the chain parent
// (-1: none, a root of the trace).
type slowNode struct{ parent, k int32 }

// slowTrace is what a kept trace leaves: its id, end_to_end, and the
// own times on its critical path.
type slowTrace struct {
	id      TraceID
	e2e     int64
	entries []slowEntry
}

// slower reports whether a is kept before b: the longer end_to_end, then
// the smaller trace id.
func slower(a, b *slowTrace) bool {
	if a.e2e != b.e2e {
		return a.e2e > b.e2e
	}
	return bytes.Compare(a.id[:], b.id[:]) < 0
}

// slowEntry is the own time of an exchange on a trace's critical path,
// under its chain of callers (node).
type slowEntry struct {
	own  int64
	node int32
}

// slowLimit is the end_to_end (ns) above which a trace breaches an SLO:
// the smallest limit of c.SLO's end_to_end targets, with that target;
// ok is false when there is none.
func (c *Checker) slowLimit() (limit int64, target string, ok bool) {
	for _, v := range c.SLO {
		if v.Metric != report.SLOEndToEnd || v.Limit <= 0 {
			continue
		}
		l := int64(v.Limit)
		if !ok || l < limit {
			limit, target, ok = l, v.Target, true
		}
	}
	return limit, target, ok
}

// addSlow records a checked trace: the own time of each of its measured
// exchanges, and for a trace that may turn out slow its critical path's
// own times. ex are the trace's exchanges, tree their tree, e2e its
// end_to_end, and [start, end] its span.
func (c *Checker) addSlow(id TraceID, ex []*ObservedExchange, tree *exTree, e2e, start, end int64) {
	s := &c.slow
	if s.own == nil {
		s.own = make([]*report.Histogram, len(c.exs))
		for i := range s.own {
			s.own[i] = report.NewHistogram()
		}
		s.nodes = map[[2]int32]int32{}
		if s.keep <= 0 {
			s.keep = slowKeep
		}
	}
	limit, _, slo := c.slowLimit()
	breach := slo && e2e > limit
	n := len(ex)
	grow(&s.k, n)
	grow(&s.ownNS, n)
	for i, e := range ex {
		s.k[i] = -1
		if k, ok := c.exIndex[e.Message]; ok && e.Message != nil {
			s.k[i] = int32(k)
		}
	}
	s.tree = tree

	// Own time of every measured exchange: its duration less the time
	// its nested measured exchanges spend on its critical path (time in
	// an unmapped call counts as its caller's own).
	for i, e := range ex {
		if s.k[i] < 0 {
			continue
		}
		own := e.Duration - s.cover(ex, i, e.Start, exEnd(e), 0)
		s.ownNS[i] = own
		if !breach {
			// typical own times come from the traces that are not slow
			// (without an SLO, from all traces: see the package doc)
			s.own[s.k[i]].Record(time.Duration(own))
		}
	}
	if slo && !breach {
		return // never slow: nothing more to keep
	}
	if breach {
		s.breaches++
	}

	// Keep the trace if it is among the slowKeep slowest so far (the
	// fastest kept makes room), and only then walk its critical path,
	// as criticalPath walks it: the own time of each measured exchange
	// on it, under its chain.
	t := slowTrace{id: id, e2e: e2e}
	full := len(s.kept) == s.keep
	if full && !slower(&t, &s.kept[0]) {
		return
	}
	s.gen++
	s.entries = s.entries[:0]
	s.walk(ex, n, start, end, -1, 0)
	if full { // in place of the fastest kept, in its array if it fits
		t.entries = append(s.kept[0].entries[:0], s.entries...)
		s.kept[0] = t
		heap.Fix(&s.kept, 0)
		return
	}
	t.entries = slices.Clone(s.entries)
	heap.Push(&s.kept, t)
}

// slowHeap is the kept traces as a container/heap: the fastest first.
type slowHeap []slowTrace

func (h slowHeap) Len() int           { return len(h) }
func (h slowHeap) Less(i, j int) bool { return slower(&h[j], &h[i]) }
func (h slowHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *slowHeap) Push(x any)        { *h = append(*h, x.(slowTrace)) }
func (h *slowHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// reuseSlice returns a slice of n elements, reusing s's array when it can
// (the contents are not cleared).
func reuseSlice[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

// grow makes *p a slice of n elements, in its array when it can (the
// contents are not cleared), and returns it: scratch kept from trace
// to trace.
func grow[T any](p *[]T, n int) []T {
	*p = reuseSlice(*p, n)
	return *p
}

// zeroed is grow with the elements cleared.
func zeroed[T any](p *[]T, n int) []T {
	s := grow(p, n)
	clear(s)
	return s
}

// cover is the time within [lo, hi] that the measured exchanges nested in
// exchange p (through unmapped ones) spend on p's critical path: from hi
// back, the child that ended last before the cursor, clipped to lo, then
// the cursor moves to its start (criticalPath's rule).
func (s *slowCauses) cover(ex []*ObservedExchange, p int, lo, hi int64, depth int) int64 {
	if depth > len(ex) {
		return 0
	}
	cursor, total := hi, int64(0)
	for _, ki := range s.tree.latestFirst(p) {
		k := ex[ki]
		ks, ke := max(k.Start, lo), min(exEnd(k), cursor)
		if exEnd(k) > cursor || ke <= ks {
			continue
		}
		if s.k[ki] >= 0 {
			total += ke - ks
		} else {
			total += s.cover(ex, int(ki), ks, ke, depth+1)
		}
		cursor = ks
	}
	return total
}

// walk follows the critical path below exchange p (n: the trace) within
// [lo, hi], recording the own time of each measured exchange on it under
// its chain; owner is the chain of p's nearest measured ancestor-or-self.
func (s *slowCauses) walk(ex []*ObservedExchange, p int, lo, hi int64, owner int32, depth int) {
	if depth > len(ex) {
		return
	}
	cursor := hi
	for _, ki := range s.tree.latestFirst(p) {
		k := ex[ki]
		ks, ke := max(k.Start, lo), min(exEnd(k), cursor)
		if exEnd(k) > cursor || ke <= ks {
			continue
		}
		node := owner
		if s.k[ki] >= 0 {
			node = s.chain(owner, s.k[ki])
			s.record(node, s.ownNS[ki])
		}
		s.walk(ex, int(ki), ks, ke, node, depth+1)
		cursor = ks
	}
}

// chain returns the node of measured exchange k under parent.
func (s *slowCauses) chain(parent, k int32) int32 {
	key := [2]int32{parent, k}
	if id, ok := s.nodes[key]; ok {
		return id
	}
	id := int32(len(s.node))
	s.nodes[key] = id
	s.node = append(s.node, slowNode{parent: parent, k: k})
	s.seen = append(s.seen, 0)
	s.pos = append(s.pos, 0)
	return id
}

// record keeps own for node in the current trace: once per node, the
// longest (a loop's iterations under the same callers). A zero own time
// can never exceed a typical one and is not kept.
func (s *slowCauses) record(node int32, own int64) {
	if own <= 0 {
		return
	}
	if s.seen[node] == s.gen {
		e := &s.entries[s.pos[node]]
		e.own = max(e.own, own)
		return
	}
	s.seen[node] = s.gen
	s.pos[node] = int32(len(s.entries))
	s.entries = append(s.entries, slowEntry{own: own, node: node})
}

// slowAgg gathers the slow traces of one cause.
type slowAgg struct {
	node     int32
	traces   int64
	excess   *report.Histogram
	examples []slowExample // the largest excess first, at most maxExamples
}

type slowExample struct {
	excess int64
	id     TraceID
}

// slowResult fills res.Slow, res.SlowTraces and the excess histograms
// from the traces added so far.
func (c *Checker) slowResult(res *report.Result) {
	s := &c.slow
	if res.Runs == 0 {
		return
	}
	st := &report.SlowTraces{By: "p95"}
	limit, target, slo := c.slowLimit()
	if slo {
		st.By, st.Target = "slo", target
	} else {
		limit = int64(res.Histograms.EndToEnd.Quantile(slowQuantile))
	}
	st.LimitMS = float64(limit) / 1e6
	grow(&s.typical, len(s.own))
	for k, h := range s.own {
		s.typical[k] = int64(h.Quantile(0.5)) // typical: the median
	}
	aggs := map[int32]*slowAgg{}
	var analysed int64
	for i := range s.kept {
		t := &s.kept[i]
		if t.e2e <= limit {
			continue
		}
		analysed++
		best, bestNode := int64(0), int32(-1)
		for _, e := range t.entries {
			if x := e.own - s.typical[s.node[e.node].k]; x > best {
				best, bestNode = x, e.node
			}
		}
		if bestNode < 0 {
			st.Unexplained++
			continue
		}
		a := aggs[bestNode]
		if a == nil {
			a = &slowAgg{node: bestNode, excess: report.NewHistogram()}
			aggs[bestNode] = a
		}
		a.traces++
		a.excess.Record(time.Duration(best))
		a.examples = addExample(a.examples, slowExample{excess: best, id: t.id})
	}
	// Every slow trace was kept unless the record is full of them; then
	// the slow traces are counted apart: the SLO's breaches, or the
	// traces over the p95, which is the top of a bucket of the
	// end_to_end histogram (so the buckets above it hold them exactly).
	st.Traces = analysed
	switch {
	case len(s.kept) < s.keep || s.kept[0].e2e <= limit:
	case slo:
		st.Traces = s.breaches
	default:
		st.Traces = res.Histograms.EndToEnd.Over(time.Duration(limit))
	}
	if st.Traces < analysed { // values over the histogram's clamp count at it
		st.Traces = analysed
	}
	if analysed < st.Traces {
		st.Analysed = analysed
	}
	if st.Traces == 0 {
		return
	}
	res.SlowTraces = st
	res.Slow = []report.SlowCause{}
	var hs []*report.Histogram
	for _, a := range aggs {
		k := s.node[a.node].k
		sc := report.SlowCause{N: c.exs[k].Request.N, Traces: a.traces,
			TypicalMS: float64(s.typical[k]) / 1e6, Excess: a.excess.Stats(), Examples: []string{}}
		for x := a.node; x >= 0; x = s.node[x].parent {
			sc.Chain = append(sc.Chain, c.exs[s.node[x].k].Request.N)
		}
		sc.Share = float64(a.traces) / float64(analysed)
		for _, e := range a.examples {
			sc.Examples = append(sc.Examples, e.id.String())
		}
		res.Slow = append(res.Slow, sc)
		hs = append(hs, a.excess)
	}
	// most traces first (report.CompareSlow), the histograms alongside
	idx := make([]int, len(res.Slow))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return report.CompareSlow(&res.Slow[a], &res.Slow[b]) })
	sorted := make([]report.SlowCause, len(idx))
	sortedH := make([]*report.Histogram, len(idx))
	for i, j := range idx {
		sorted[i], sortedH[i] = res.Slow[j], hs[j]
	}
	res.Slow = sorted
	if res.Histograms != nil {
		res.Histograms.Slow = sortedH
	}
}

// addExample keeps the maxExamples examples with the largest excess,
// the smaller trace id first among equals, so that the examples do not
// depend on the order traces came in.
func addExample(ex []slowExample, e slowExample) []slowExample {
	i, _ := slices.BinarySearchFunc(ex, e, func(a, b slowExample) int {
		if a.excess != b.excess {
			return cmp.Compare(b.excess, a.excess)
		}
		return bytes.Compare(a.id[:], b.id[:])
	})
	if i >= maxExamples {
		return ex
	}
	ex = slices.Insert(ex, i, e)
	return ex[:min(len(ex), maxExamples)]
}
