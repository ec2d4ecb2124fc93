package trace

import (
	"encoding/binary"
	"slices"
	"sync"

	"github.com/choreo-dev/choreo/flow"
)

// Conformance by alignment.
//
// NewAligner compiles the diagram's blocks into a nondeterministic
// automaton whose symbols are the diagram's exchanges: one symbol per
// message that is not a reply (requests, one-way and async messages; a
// reply belongs to the exchange it closes and is no symbol of its own).
// The blocks compile as follows:
//
//   - a sequence of statements is concatenation; notes, activations,
//     create/destroy lines and rect blocks add no structure (a rect is
//     the sequence of its body);
//   - alt/else and critical/option: exactly one branch;
//   - opt: its body or nothing;
//   - break: nothing, or its body after which the flow ends (the
//     automaton accepts; inside par the whole flow ends, not only the
//     branch);
//   - loop: one or more iterations of its body (zero only when the body
//     has no message), so a loop observed n times conforms;
//   - par and par_over: every interleaving of the branches. The branches
//     are compiled separately and the block becomes their shuffle
//     product, a state being the tuple of the branch states; the block
//     is left when every branch is done. A product larger than
//     maxParStates falls back to the branches in document order.
//
// Epsilon moves are then removed, so every transition of the compiled
// automaton reads one exchange.
//
// Align aligns the mapped exchanges of a trace (Message != nil), in the
// order Observe gives them (causal order: by adjusted start, a parent
// before its children), with that automaton. An exchange that may stand
// for several messages (Candidates: the same call drawn in a loop body,
// or in three places) reads any of their symbols, and the alignment
// decides which message it is: Align sets its Message to the one its
// synchronous move read (a retried attempt takes its retry's), so that
// per-message statistics count each call at its own place. Unmapped spans and
// exchanges are not symbols: Observed.UnmappedSpans reports them, and
// they are ignored here. An exchange mapped to a reply counts as the
// exchange of the request it closes.
//
// Failures: a failed exchange that has a later exchange of the same
// message under the same parent exchange is a retried attempt; it and the
// exchanges under it are left out (the retry is the exchange that
// counts). A failed exchange may end the flow: after a synchronous move
// on a failed exchange the automaton may stop there, so the messages the
// diagram would still require are not missing (the failure cascade
// reports the failure; exchanges after it, such as compensations mapped
// to diagram messages, are still aligned, as log moves). A failure the
// diagram draws (its request is -x, or a --x reply answers it) is part of
// the flow and never ends it: the alignment goes on with what the diagram
// says comes next.
//
// The costs are 1 per log move (an
// exchange where the diagram does not allow it), 1 per model move (a
// message the diagram requires that the trace lacks) and 0 per
// synchronous move; the least-cost alignment is found by dynamic
// programming over (trace position, automaton state): each layer is
// seeded from the previous one by log and synchronous moves, then closed
// under model moves with a bucket queue (Dijkstra with unit costs). The
// search is bounded: each layer keeps only the states within alignBand of
// its cheapest one, and at most alignBeam of them (the cheapest), so a
// trace of n exchanges costs O(n · alignBeam · fan-out) whatever the
// diagram; the result is exact whenever the bound prunes nothing, which
// is the case for every diagram whose automaton has at most alignBeam
// states.
//
// Deviations: a log move is [Unexpected], a model move [Missing]; a
// message that is both a log move and a model move of the same alignment
// is ONE [OutOfOrder] deviation (Exchange is the exchange where it was
// seen). Two adjacent exchanges that are swapped align as one message
// moved across the other; since neither is more to blame, both are then
// reported as out of order. Deviations are listed in alignment order.
//
// Fitness = 1 − cost / (len(trace) + shortest), where cost is the
// alignment's cost (an out-of-order message costs 2: a log move and a
// model move), len(trace) the number of mapped exchanges and shortest
// the fewest exchanges of any complete run of the diagram: the cost of
// the worst alignment, log-moving every exchange and model-moving a
// shortest run (pm4py's best-worst cost). It is 1 when both are 0.

const (
	// maxParStates bounds the shuffle product of one par block.
	maxParStates = 1 << 14
	// alignBand and alignBeam bound the alignment search (see above).
	alignBand = 48
	alignBeam = 1024
)

// failureDrawn reports whether the diagram draws e failing: its request
// is -x, or a --x reply answers it.
func failureDrawn(e *flow.Exchange) bool {
	if e.Request.Arrow.Cross() {
		return true
	}
	for _, r := range e.Replies {
		if r.Arrow.Cross() {
			return true
		}
	}
	return false
}

// NewAligner compiles d (see the description above) into an Aligner.
func NewAligner(d *flow.Diagram) Aligner {
	g := flow.Build(d)
	a := &aligner{graph: g, sym: map[*flow.Message]int{}}
	for _, e := range g.Exchanges {
		a.sym[e.Request] = len(a.syms)
		a.syms = append(a.syms, e.Request)
		a.drawn = append(a.drawn, failureDrawn(e))
	}
	c := &compiler{a: a}
	b := newNFABuilder()
	s, e := c.sequence(b, d.Statements)
	b.eps(b.start, s)
	b.eps(e, b.halt)
	a.nfa = b.finish()
	a.shortest = a.nfa.shortest()
	return a
}

type aligner struct {
	graph    *flow.Graph
	syms     []*flow.Message
	sym      map[*flow.Message]int
	drawn    []bool // the symbol's failure is drawn: it never ends the flow
	nfa      *dfaLike
	shortest int

	// memo keeps the searches of sequences already aligned: traces of
	// one flow repeat a few sequences (see searchMemo).
	memoMu sync.RWMutex
	memo   map[string]memoAlignment
}

// memoAlignment is a search's result: its moves (without exchanges) and
// cost.
type memoAlignment struct {
	moves []move
	cost  int
}

// Bounds of the memo: how many sequences it keeps, and how long one may
// be (a trace that long rarely repeats).
const (
	memoSequences = 4096
	memoSymbols   = 64
)

// ---- automaton construction ----

type edge struct{ sym, to int32 }

// nfaBuilder holds an automaton with epsilon moves. Node 0 is the start,
// node 1 the halt node: reaching it ends the flow (the end of the
// sequence, or a break).
type nfaBuilder struct {
	start, halt int
	sym         [][]edge
	epsE        [][]int32
}

func newNFABuilder() *nfaBuilder {
	b := &nfaBuilder{}
	b.start = b.node()
	b.halt = b.node()
	return b
}

func (b *nfaBuilder) node() int {
	b.sym = append(b.sym, nil)
	b.epsE = append(b.epsE, nil)
	return len(b.sym) - 1
}

func (b *nfaBuilder) eps(from, to int) { b.epsE[from] = append(b.epsE[from], int32(to)) }

func (b *nfaBuilder) read(from, sym, to int) {
	b.sym[from] = append(b.sym[from], edge{int32(sym), int32(to)})
}

// dfaLike is an epsilon-free automaton (still nondeterministic).
type dfaLike struct {
	start  int
	out    [][]edge // sorted by sym
	accept []bool   // the state's closure reaches the halt node
	ends   []bool   // the state's closure reaches the end node (finishEnd)
}

// finish removes epsilon moves, keeping the start and the targets of
// symbol moves.
func (b *nfaBuilder) finish() *dfaLike { return b.finishEnd(-1) }

// finishEnd is finish that also marks, in ends, the states whose closure
// reaches node end.
func (b *nfaBuilder) finishEnd(end int) *dfaLike {
	n := len(b.sym)
	// A node is quiet when its closure reads nothing (no symbol move is
	// reachable by epsilon moves): then all it adds to a closure is
	// whether it reaches the halt or the end node. Knowing that, a
	// closure stops at it instead of walking, say, the chain of block
	// ends under a deeply nested block once per state.
	const (
		unknown = iota
		visiting
		quiet
		loud
	)
	mark := make([]uint8, n)
	quietHalt := make([]bool, n)
	quietEnd := make([]bool, n)
	var isQuiet func(q int) bool
	isQuiet = func(q int) bool {
		switch mark[q] {
		case quiet:
			return true
		case loud, visiting: // in a cycle: counted as loud, which is only slower
			return false
		}
		mark[q] = visiting
		ok := len(b.sym[q]) == 0
		h, e := q == b.halt, q == end
		for _, r := range b.epsE[q] {
			if !ok {
				break
			}
			if ok = isQuiet(int(r)); ok {
				h, e = h || quietHalt[r], e || quietEnd[r]
			}
		}
		if ok {
			mark[q], quietHalt[q], quietEnd[q] = quiet, h, e
		} else {
			mark[q] = loud
		}
		return ok
	}
	// closure returns the nodes of q's closure that are not quiet, and
	// whether the closure reaches the halt and the end node.
	closure := func(q int, seen []bool, buf []int) (_ []int, halt, atEnd bool) {
		buf = append(buf[:0], q)
		seen[q] = true
		for i := 0; i < len(buf); i++ {
			p := buf[i]
			halt, atEnd = halt || p == b.halt, atEnd || p == end
			for _, r := range b.epsE[p] {
				if seen[r] {
					continue
				}
				seen[r] = true
				if isQuiet(int(r)) {
					halt, atEnd = halt || quietHalt[r], atEnd || quietEnd[r]
					continue
				}
				buf = append(buf, int(r))
			}
		}
		for _, r := range buf {
			seen[r] = false
		}
		for _, p := range buf {
			for _, r := range b.epsE[p] {
				seen[r] = false
			}
		}
		return buf, halt, atEnd
	}
	keep := map[int]int{b.start: 0}
	order := []int{b.start}
	for q := range n {
		for _, e := range b.sym[q] {
			if _, ok := keep[int(e.to)]; !ok {
				keep[int(e.to)] = len(order)
				order = append(order, int(e.to))
			}
		}
	}
	d := &dfaLike{out: make([][]edge, len(order)), accept: make([]bool, len(order)), ends: make([]bool, len(order))}
	seen := make([]bool, n)
	var buf []int
	for i, q := range order {
		buf, d.accept[i], d.ends[i] = closure(q, seen, buf)
		var out []edge
		for _, p := range buf {
			for _, e := range b.sym[p] {
				out = append(out, edge{e.sym, int32(keep[int(e.to)])})
			}
		}
		slices.SortFunc(out, func(x, y edge) int {
			if x.sym != y.sym {
				return int(x.sym - y.sym)
			}
			return int(x.to - y.to)
		})
		d.out[i] = slices.Compact(out)
	}
	return d
}

// shortest is the fewest symbols on a path from the start to an
// accepting state.
func (d *dfaLike) shortest() int {
	dist := make([]int, len(d.out))
	for i := range dist {
		dist[i] = -1
	}
	dist[d.start] = 0
	queue := []int{d.start}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		if d.accept[q] {
			return dist[q]
		}
		for _, e := range d.out[q] {
			if dist[e.to] < 0 {
				dist[e.to] = dist[q] + 1
				queue = append(queue, int(e.to))
			}
		}
	}
	return 0 // no complete run: the diagram accepts nothing
}

type compiler struct{ a *aligner }

// sequence compiles stmts into b and returns its entry and exit nodes.
func (c *compiler) sequence(b *nfaBuilder, stmts []flow.Statement) (int, int) {
	s := b.node()
	cur := s
	for _, st := range stmts {
		switch st := st.(type) {
		case *flow.Message:
			sym, ok := c.a.sym[st]
			if !ok {
				continue // a reply
			}
			nx := b.node()
			b.read(cur, sym, nx)
			cur = nx
		case *flow.Block:
			bs, be := c.block(b, st)
			b.eps(cur, bs)
			cur = be
		}
	}
	return s, cur
}

func (c *compiler) block(b *nfaBuilder, blk *flow.Block) (int, int) {
	in, out := b.node(), b.node()
	switch blk.Kind {
	case flow.Alt, flow.Critical:
		for _, br := range blk.Branches {
			s, e := c.sequence(b, br.Statements)
			b.eps(in, s)
			b.eps(e, out)
		}
	case flow.Opt:
		s, e := c.sequence(b, c.all(blk))
		b.eps(in, s)
		b.eps(e, out)
		b.eps(in, out)
	case flow.Break:
		s, e := c.sequence(b, c.all(blk))
		b.eps(in, s)
		b.eps(e, b.halt)
		b.eps(in, out)
	case flow.Loop:
		s, e := c.sequence(b, c.all(blk))
		b.eps(in, s)
		b.eps(e, out)
		b.eps(e, s)
	case flow.Par, flow.ParOver:
		if len(blk.Branches) > 1 && c.par(b, blk, in, out) {
			break
		}
		cur := in
		for _, br := range blk.Branches {
			s, e := c.sequence(b, br.Statements)
			b.eps(cur, s)
			cur = e
		}
		b.eps(cur, out)
	default: // rect and unknown kinds: the body in order
		s, e := c.sequence(b, c.all(blk))
		b.eps(in, s)
		b.eps(e, out)
	}
	return in, out
}

// all is the statements of every branch of blk, in order (one branch for
// the kinds that have a single one).
func (c *compiler) all(blk *flow.Block) []flow.Statement {
	if len(blk.Branches) == 1 {
		return blk.Branches[0].Statements
	}
	var st []flow.Statement
	for _, br := range blk.Branches {
		st = append(st, br.Statements...)
	}
	return st
}

// par builds the shuffle product of blk's branches between in and out;
// it reports false (and adds nothing) when the product would exceed
// maxParStates.
func (c *compiler) par(b *nfaBuilder, blk *flow.Block, in, out int) bool {
	var parts []*dfaLike
	for _, br := range blk.Branches {
		sb := newNFABuilder()
		s, e := c.sequence(sb, br.Statements)
		sb.eps(sb.start, s)
		// The branch's halt node is reached by a break only; its end
		// is a node of its own.
		end := sb.node()
		sb.eps(e, end)
		parts = append(parts, sb.finishEnd(end))
	}
	k := len(parts)
	key := func(t []int32) string {
		bs := make([]byte, 0, 4*len(t))
		for _, v := range t {
			bs = append(bs, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
		}
		return string(bs)
	}
	startT := make([]int32, k)
	for i, p := range parts {
		startT[i] = int32(p.start)
	}
	ids := map[string]int{key(startT): 0}
	tuples := [][]int32{startT}
	for i := 0; i < len(tuples); i++ {
		if len(tuples) > maxParStates {
			return false
		}
		t := tuples[i]
		for j, p := range parts {
			for _, e := range p.out[t[j]] {
				nt := slices.Clone(t)
				nt[j] = e.to
				if _, ok := ids[key(nt)]; !ok {
					ids[key(nt)] = len(tuples)
					tuples = append(tuples, nt)
				}
			}
		}
	}
	nodes := make([]int, len(tuples))
	for i := range tuples {
		nodes[i] = b.node()
	}
	b.eps(in, nodes[0])
	nt := make([]int32, k)
	for i, t := range tuples {
		done := true
		for j, p := range parts {
			if !p.ends[t[j]] {
				done = false
			}
			if p.accept[t[j]] { // a break taken: the flow ends
				b.eps(nodes[i], b.halt)
			}
			for _, e := range p.out[t[j]] {
				copy(nt, t)
				nt[j] = e.to
				b.read(nodes[i], int(e.sym), nodes[ids[key(nt)]])
			}
		}
		if done {
			b.eps(nodes[i], out)
		}
	}
	return true
}

// ---- alignment ----

// Move kinds of an alignment.
const (
	moveStart uint8 = iota
	moveSync
	moveLog
	moveModel
)

// cell is one reached (trace position, state) of the search.
type cell struct {
	state, cost int32
	prev        int32 // index of the predecessor cell: in the previous layer for sync and log moves, in this one for model moves
	kind        uint8
	sym         int32 // the symbol of a model move, the trace position of a sync or log move
	cand        int32 // the candidate a sync move read (an index into the position's candidates)
}

type move struct {
	kind uint8
	sym  int32
	cand int32
	ex   *ObservedExchange // sync and log moves
}

// searchMemo is search, by a sequence's result kept from an earlier
// trace when it has one: search depends on the sequence (symbols,
// candidates, failures) alone. The memo keeps at most memoSequences
// sequences of at most memoSymbols symbols, the first met.
func (a *aligner) searchMemo(syms []int32, cands [][]int32, failed []bool, sc *alignScratch) ([]move, int) {
	if len(syms) > memoSymbols {
		return a.search(syms, cands, failed)
	}
	key := sc.key[:0]
	for i, sym := range syms {
		f := int32(0)
		if failed[i] {
			f = 1
		}
		key = binary.AppendUvarint(key, uint64(sym)<<1|uint64(f))
		key = binary.AppendUvarint(key, uint64(len(cands[i])))
		for _, c := range cands[i] {
			key = binary.AppendUvarint(key, uint64(c))
		}
	}
	sc.key = key
	a.memoMu.RLock()
	m, ok := a.memo[string(key)]
	a.memoMu.RUnlock()
	if ok {
		sc.moves = append(sc.moves[:0], m.moves...)
		return sc.moves, m.cost
	}
	moves, cost := a.search(syms, cands, failed)
	a.memoMu.Lock()
	if a.memo == nil {
		a.memo = map[string]memoAlignment{}
	}
	if len(a.memo) < memoSequences {
		a.memo[string(key)] = memoAlignment{moves: slices.Clone(moves), cost: cost}
	}
	a.memoMu.Unlock()
	return moves, cost
}

// Align computes the least-cost alignment of obs's mapped exchanges with
// the diagram (see the description at the top of the file).
func (a *aligner) Align(obs *Observed) *Alignment { return a.alignInto(obs, new(Alignment)) }

// alignmentPool holds Alignments a check is done with, for alignInto.
var alignmentPool = sync.Pool{New: func() any { return new(Alignment) }}

// releaseAlignment hands al back for alignInto to reuse; nothing may
// point into it afterwards.
func releaseAlignment(al *Alignment) {
	if al == nil || cap(al.Deviations) > 64 {
		return
	}
	clear(al.Deviations)
	alignmentPool.Put(al)
}

// alignInto is Align, filling al and reusing its list of deviations.
func (a *aligner) alignInto(obs *Observed, al *Alignment) *Alignment {
	// Retried attempts: a failed exchange with a later exchange of the
	// same message under the same parent.
	sc := alignPool.Get().(*alignScratch)
	defer sc.put()
	last, retried := sc.last, sc.retried
	for i, ex := range obs.Exchanges {
		if ex.Message != nil {
			last[attemptKey{ex.Message, ex.Parent}] = i
		}
	}
	exs, syms, failed := sc.exs[:0], sc.syms[:0], sc.failed[:0]
	cands := sc.cands[:0] // nil where the exchange has one candidate
	candBuf := sc.candBuf[:0]
	for i, ex := range obs.Exchanges {
		if ex.Message == nil {
			continue
		}
		if ex.Failed && last[attemptKey{ex.Message, ex.Parent}] > i {
			retried[ex] = true
			continue
		}
		if under(ex, retried) {
			continue
		}
		exs = append(exs, ex)
		syms = append(syms, int32(a.symbolOf(ex.Message)))
		var cs []int32
		if len(ex.Candidates) > 1 {
			at := len(candBuf)
			for _, m := range ex.Candidates {
				candBuf = append(candBuf, int32(a.symbolOf(m)))
			}
			cs = candBuf[at:len(candBuf):len(candBuf)]
		}
		cands = append(cands, cs)
		failed = append(failed, ex.Failed)
	}
	sc.exs, sc.syms, sc.failed, sc.cands, sc.candBuf = exs, syms, failed, cands, candBuf
	moves, cost := a.searchMemo(syms, cands, failed, sc)
	for i := range moves {
		if moves[i].kind != moveModel {
			p := moves[i].sym
			moves[i].ex = exs[p]
			moves[i].sym = syms[p]
			if moves[i].kind == moveSync && cands[p] != nil {
				// the alignment placed the exchange: it is that message
				moves[i].sym = cands[p][moves[i].cand]
				moves[i].ex.Message = moves[i].ex.Candidates[moves[i].cand]
			}
		}
	}
	// a retried attempt is the message its retry turned out to be
	for i, ex := range obs.Exchanges {
		if retried[ex] {
			if j := last[attemptKey{ex.Message, ex.Parent}]; j > i {
				ex.Message = obs.Exchanges[j].Message
			}
		}
	}
	*al = Alignment{Deviations: a.deviations(moves, sc, al.Deviations[:0])}
	if worst := len(syms) + a.shortest; worst > 0 {
		al.Fitness = max(0, 1-float64(cost)/float64(worst))
	} else {
		al.Fitness = 1
	}
	return al
}

// attemptKey is a call: its message under its parent exchange.
type attemptKey struct {
	m *flow.Message
	p *ObservedExchange
}

// alignScratch is what Align works in and forgets, kept from trace to
// trace (alignPool).
type alignScratch struct {
	last    map[attemptKey]int
	retried map[*ObservedExchange]bool
	exs     []*ObservedExchange
	syms    []int32
	cands   [][]int32
	candBuf []int32
	failed  []bool
	key     []byte
	moves   []move
	pair    []int
	ooo     []bool
}

var alignPool = sync.Pool{New: func() any {
	return &alignScratch{last: map[attemptKey]int{}, retried: map[*ObservedExchange]bool{}}
}}

// put forgets the trace (what points into it) and returns sc to the pool.
func (sc *alignScratch) put() {
	if len(sc.last) > maxScratchMap || len(sc.retried) > maxScratchMap {
		sc.last, sc.retried = map[attemptKey]int{}, map[*ObservedExchange]bool{}
	}
	clear(sc.last)
	clear(sc.retried)
	clear(sc.exs)
	clear(sc.cands)
	clear(sc.moves)
	alignPool.Put(sc)
}

// under reports whether one of ex's ancestors is in set.
func under(ex *ObservedExchange, set map[*ObservedExchange]bool) bool {
	if len(set) == 0 {
		return false
	}
	for p := ex.Parent; p != nil; p = p.Parent {
		if set[p] {
			return true
		}
	}
	return false
}

// symbolOf is the symbol of m, or -1 when m is not an exchange of the
// diagram (a message of another diagram).
func (a *aligner) symbolOf(m *flow.Message) int {
	if s, ok := a.sym[m]; ok {
		return s
	}
	if mi := a.graph.Info(m); mi != nil && mi.Exchange != nil {
		if s, ok := a.sym[mi.Exchange.Request]; ok {
			return s
		}
	}
	return -1
}

// searchScratch is what search allocates, kept for the next search (on
// any goroutine): the state slots, the layers' cells and the buckets.
type searchScratch struct {
	slot    []int32
	layers  [][]cell
	buckets [][]int32
}

var searchPool = sync.Pool{New: func() any { return new(searchScratch) }}

// put returns sc to the pool unless a long trace made it large.
func (sc *searchScratch) put() {
	size := len(sc.slot) + len(sc.layers)
	for _, l := range sc.layers {
		size += cap(l)
	}
	if size > 1<<16 {
		return
	}
	searchPool.Put(sc)
}

// search returns the moves of a least-cost alignment of syms (sync and
// log moves carry the trace position in sym until Align rewrites it) and
// its cost.
func (a *aligner) search(syms []int32, cands [][]int32, failed []bool) ([]move, int) {
	d := a.nfa
	n := len(d.out)
	// State n is the flow ended by a failure: accepting, with no
	// moves but log moves.
	aborted := int32(n)
	outOf := func(s int32) []edge {
		if s == aborted {
			return nil
		}
		return d.out[s]
	}
	accepts := func(s int32) bool { return s == aborted || d.accept[s] }
	sc := searchPool.Get().(*searchScratch)
	defer sc.put()
	if cap(sc.slot) < n+1 {
		sc.slot = make([]int32, n+1)
	}
	slot := sc.slot[:n+1]
	for i := range slot {
		slot[i] = -1
	}
	for len(sc.layers) < len(syms)+1 {
		sc.layers = append(sc.layers, nil)
	}
	layers := sc.layers[:len(syms)+1]
	buckets := sc.buckets
	defer func() { sc.buckets = buckets }()

	// close relaxes model moves inside layer cur (unit costs: a bucket
	// queue), then applies the band and the beam.
	closeLayer := func(cur []cell) []cell {
		lo := cur[0].cost
		for _, c := range cur {
			lo = min(lo, c.cost)
		}
		for i := range buckets {
			buckets[i] = buckets[i][:0]
		}
		push := func(cost int32, idx int32) {
			b := int(cost - lo)
			for len(buckets) <= b {
				buckets = append(buckets, nil)
			}
			buckets[b] = append(buckets[b], idx)
		}
		for i, c := range cur {
			push(c.cost, int32(i))
		}
		for b := 0; b < len(buckets) && b <= alignBand; b++ {
			for j := 0; j < len(buckets[b]); j++ {
				idx := buckets[b][j]
				c := cur[idx]
				if int(c.cost-lo) != b {
					continue // stale
				}
				for _, e := range outOf(c.state) {
					nc := c.cost + 1
					if s := slot[e.to]; s >= 0 {
						if cur[s].cost <= nc {
							continue
						}
						cur[s] = cell{state: e.to, cost: nc, prev: idx, kind: moveModel, sym: e.sym}
						push(nc, s)
						continue
					}
					slot[e.to] = int32(len(cur))
					cur = append(cur, cell{state: e.to, cost: nc, prev: idx, kind: moveModel, sym: e.sym})
					push(nc, int32(len(cur)-1))
				}
			}
		}
		for _, c := range cur {
			slot[c.state] = -1
		}
		// Band and beam. Model-move predecessors are in this layer, so
		// pruning must keep indices: mark pruned cells instead of
		// removing them.
		limit := lo + alignBand
		if len(cur) > alignBeam {
			costs := make([]int32, len(cur))
			for i, c := range cur {
				costs[i] = c.cost
			}
			slices.Sort(costs)
			limit = min(limit, costs[alignBeam-1])
		}
		for i := range cur {
			if cur[i].cost > limit {
				cur[i].state = -1
			}
		}
		return cur
	}

	layers[0] = closeLayer(append(layers[0][:0], cell{state: int32(d.start), prev: -1, kind: moveStart}))
	for i := range syms {
		prev := layers[i]
		cur := layers[i+1][:0]
		add := func(c cell) {
			if s := slot[c.state]; s >= 0 {
				if cur[s].cost <= c.cost {
					return
				}
				cur[s] = c
				return
			}
			slot[c.state] = int32(len(cur))
			cur = append(cur, c)
		}
		ts := cands[i]
		if ts == nil {
			ts = syms[i : i+1]
		}
		for pi, c := range prev {
			if c.state < 0 {
				continue
			}
			for ci, t := range ts {
				if t < 0 {
					continue
				}
				out := outOf(c.state)
				j, _ := slices.BinarySearchFunc(out, t, func(e edge, t int32) int { return int(e.sym - t) })
				for ; j < len(out) && out[j].sym == t; j++ {
					add(cell{state: out[j].to, cost: c.cost, prev: int32(pi), kind: moveSync, sym: int32(i), cand: int32(ci)})
					// an unhandled failure may end the flow there; one
					// the diagram draws is part of it
					if failed[i] && !a.drawn[t] {
						add(cell{state: aborted, cost: c.cost, prev: int32(pi), kind: moveSync, sym: int32(i), cand: int32(ci)})
					}
				}
			}
		}
		for pi, c := range prev {
			if c.state >= 0 {
				add(cell{state: c.state, cost: c.cost + 1, prev: int32(pi), kind: moveLog, sym: int32(i)})
			}
		}
		layers[i+1] = closeLayer(cur)
	}

	last := layers[len(syms)]
	best := -1
	for i, c := range last {
		if c.state >= 0 && accepts(c.state) && (best < 0 || c.cost < last[best].cost) {
			best = i
		}
	}
	if best < 0 {
		// Nothing accepting survived the bound (or the diagram accepts
		// nothing): end in the cheapest state reached.
		for i, c := range last {
			if c.state >= 0 && (best < 0 || c.cost < last[best].cost) {
				best = i
			}
		}
	}
	cost := int(last[best].cost)
	var moves []move
	for l, i := len(syms), int32(best); ; {
		c := layers[l][i]
		if c.kind == moveStart {
			break
		}
		moves = append(moves, move{kind: c.kind, sym: c.sym, cand: c.cand})
		i = c.prev
		if c.kind != moveModel {
			l--
		}
	}
	slices.Reverse(moves)
	return moves, cost
}

// deviations turns moves into deviations: a message that is both a log
// move and a model move is one out-of-order deviation, and the message
// between the two moves of a swapped adjacent pair is out of order too.
func (a *aligner) deviations(moves []move, sc *alignScratch, dst []Divergence) []Divergence {
	// Pair each log move with a model move of the same symbol, in order.
	pair := grow(&sc.pair, len(moves))
	for i := range pair {
		pair[i] = -1
	}
	for i, m := range moves {
		if m.kind != moveLog || m.sym < 0 {
			continue
		}
		for j, o := range moves {
			if o.kind == moveModel && o.sym == m.sym && pair[j] < 0 {
				pair[i], pair[j] = j, i
				break
			}
		}
	}
	ooo := zeroed(&sc.ooo, len(moves)) // sync moves reported out of order
	for i, m := range moves {
		if m.kind != moveLog || pair[i] < 0 {
			continue
		}
		j := pair[i]
		lo, hi := min(i, j), max(i, j)
		if hi-lo == 2 && moves[lo+1].kind == moveSync {
			ooo[lo+1] = true
		}
	}
	devs := dst
	for i, m := range moves {
		switch m.kind {
		case moveSync:
			if ooo[i] {
				devs = append(devs, Divergence{Kind: OutOfOrder, Message: a.syms[m.sym], Exchange: m.ex})
			}
		case moveLog:
			if pair[i] >= 0 {
				devs = append(devs, Divergence{Kind: OutOfOrder, Message: a.syms[m.sym], Exchange: m.ex})
			} else {
				devs = append(devs, Divergence{Kind: Unexpected, Message: m.ex.Message, Exchange: m.ex})
			}
		case moveModel:
			if pair[i] < 0 {
				devs = append(devs, Divergence{Kind: Missing, Message: a.syms[m.sym]})
			}
		}
	}
	return devs
}
