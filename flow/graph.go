package flow

// Role is what a message does in the flow graph.
type Role int

// Message roles.
const (
	// RoleRequest is a solid, synchronous message (->>, ->, a solid
	// bidirectional or half arrow) that at least one reply closes.
	RoleRequest Role = iota + 1
	// RoleReply is a dotted message (-->>, -->, --x, a dotted
	// bidirectional or half arrow) that closes an open request.
	RoleReply
	// RoleOneWay is a message that nothing answers: a solid request with
	// no reply, a lost or rejected -x, or a dotted message with no open
	// request to close.
	RoleOneWay
	// RoleAsync is a fire-and-forget message (-) or --)); it starts a fork.
	RoleAsync
)

// String returns "request", "reply", "one-way" or "async".
func (r Role) String() string {
	switch r {
	case RoleRequest:
		return "request"
	case RoleReply:
		return "reply"
	case RoleOneWay:
		return "one-way"
	case RoleAsync:
		return "async"
	}
	return "unknown"
}

// Exchange is a request and the replies that close it. Every message
// that is not a reply heads exactly one exchange: a synchronous request,
// a one-way message (Reply nil) or an async message (Reply nil, and the
// start of fork Request.N).
type Exchange struct {
	// Request is the message that opens the exchange.
	Request *Message
	// Reply is the first reply in document order, nil when nothing
	// answers the request.
	Reply *Message
	// Replies holds every message that closes Request, in document
	// order. It has more than one entry when the request is answered in
	// several branches of a block (alt/else, critical/option, …): at run
	// time only the reply of the branch taken closes it.
	Replies []*Message
	// Parent is the exchange the request's sender was serving when it sent
	// the request: the innermost open exchange whose callee (Request.To)
	// is this request's sender (Request.From), nil for a root. An async
	// exchange counts as open, and so can be a Parent, while its fork
	// runs.
	Parent *Exchange
	// Children are the exchanges whose Parent is this one, in document
	// order.
	Children []*Exchange
	// Fork is the timeline the request runs on: 0 for the main timeline,
	// else the N of the async message that started the fork.
	Fork int
	// Index is the position of the exchange in Graph.Exchanges.
	Index int
}

// Async reports whether the exchange is a fire-and-forget message.
func (e *Exchange) Async() bool { return e.Request.Arrow.Async() }

// Unanswered reports whether the exchange's request is a synchronous
// request (a solid arrow other than -x) that no reply closes: the
// diagram never draws its answer.
func (e *Exchange) Unanswered() bool {
	a := e.Request.Arrow
	return len(e.Replies) == 0 && !a.Async() && !a.Dotted() && !a.Cross()
}

// Chain returns e, the exchange it serves, that one's parent, and so on
// up to a root: the path a failure of e cascades along.
func (e *Exchange) Chain() []*Exchange {
	var c []*Exchange
	for x := e; x != nil; x = x.Parent {
		c = append(c, x)
	}
	return c
}

// BranchRef names one branch of one block.
type BranchRef struct {
	Block  *Block
	Branch int // index into Block.Branches
}

// Key is the profile key of the branch (see [Block.Key]).
func (r BranchRef) Key() string { return r.Block.Key(r.Branch) }

// MessageInfo is what the flow graph knows about one message.
type MessageInfo struct {
	Message *Message
	Role    Role
	// Exchange is the exchange the message opens or, for a reply, the
	// exchange it closes.
	Exchange *Exchange
	// Path lists the blocks and branches that enclose the message,
	// outermost first; empty at the top level. rect blocks are listed
	// too, although they do not affect timing. Paths share their backing
	// arrays (nesting costs O(1) per level): read them, do not modify them.
	Path []BranchRef
	// Fork is the timeline the message runs on: 0 for the main timeline,
	// else the N of the async message that started its fork.
	Fork int
}

// Graph is the flow graph of a diagram: every message with its role,
// fork and enclosing blocks, and the exchanges with their caller chain.
type Graph struct {
	Diagram *Diagram
	// Messages holds one entry per message in document order, so
	// Messages[i] describes message #i+1.
	Messages []*MessageInfo
	// Exchanges holds one entry per message that is not a reply, in the
	// document order of their requests.
	Exchanges []*Exchange

	byMsg map[*Message]*MessageInfo
}

// Info returns what the graph knows about m, or nil if m is not one of
// the diagram's messages.
func (g *Graph) Info(m *Message) *MessageInfo { return g.byMsg[m] }

// Message returns the message #n, or nil if there is none.
func (g *Graph) Message(n int) *MessageInfo {
	if n < 1 || n > len(g.Messages) {
		return nil
	}
	return g.Messages[n-1]
}

// Fork returns the messages that run on fork n (0 for the main timeline),
// in document order. For n > 0 the async message that starts the fork is
// not included: it runs on the timeline it was sent from.
func (g *Graph) Fork(n int) []*MessageInfo {
	var ms []*MessageInfo
	for _, mi := range g.Messages {
		if mi.Fork == n {
			ms = append(ms, mi)
		}
	}
	return ms
}

// Renumber sets every message's N to its 1-based index in document order,
// as the parser does. It is meant for diagrams built by hand.
func (d *Diagram) Renumber() {
	for i, m := range d.Messages() {
		m.N = i + 1
	}
}

// Pair fills ReplyTo on every message of d: the N of the request a reply
// closes, 0 for every other message. It follows the rules of [Build] and
// assumes each message's N is its index in document order.
func Pair(d *Diagram) { Build(d) }

// Build computes the flow graph of d. It also fills Message.ReplyTo, as
// [Pair] does. The package documentation describes the rules.
func Build(d *Diagram) *Graph {
	b := &builder{g: &Graph{Diagram: d, byMsg: map[*Message]*MessageInfo{}}, pos: map[*Message]int{}}
	for _, m := range d.Messages() {
		m.ReplyTo = 0
	}
	st := &state{}
	b.sequence(d.Statements, st)
	for len(st.forks) > 0 {
		b.popFork(st)
	}
	for _, e := range b.g.Exchanges {
		if e.Parent != nil {
			e.Parent.Children = append(e.Parent.Children, e)
		}
		if len(e.Replies) > 0 {
			e.Reply = e.Replies[0]
			b.g.byMsg[e.Request].Role = RoleRequest
		}
	}
	return b.g
}

type builder struct {
	g   *Graph
	pos map[*Message]int // document-order index of each message seen
	// spine backs the paths handed out (see path): its first valid
	// entries are the branches of the runs open now, and paths handed
	// out use its first handed entries, which stay as they are.
	spine  []BranchRef
	valid  int
	handed int
}

// state is the pairing and fork state at one point of one branch.
type state struct {
	// open holds the open exchanges, innermost first: synchronous
	// requests not answered yet, and async exchanges whose fork runs.
	open *openList
	// forks holds the running forks, innermost last.
	forks []*fork
}

// openList is a stack of open exchanges, innermost first, as an
// immutable linked list: every branch of a block starts from the block's
// list without copying it, and a change copies only the nodes above the
// one it removes. So nesting costs O(1) per level, not O(depth).
type openList struct {
	e    *Exchange
	next *openList
	// memo holds the answers of find asked at this node: the list below
	// never changes, so neither do they. A query asked again from a node
	// pushed on top stops here, so a chain of nested requests is not
	// walked once per message.
	memo []openFound
}

// openQuery asks for the innermost open exchange that a message from a
// sends to (reply false: its callee is a) or that a reply from a to b
// closes (reply true: a synchronous exchange from b to a).
type openQuery struct {
	reply bool
	a, b  string
}

func (q openQuery) match(e *Exchange) bool {
	if q.reply {
		return !e.Async() && e.Request.From == q.b && e.Request.To == q.a
	}
	return e.Request.To == q.a
}

type openFound struct {
	q  openQuery
	at *openList // nil: none
}

// find returns the innermost node of l that q matches, or nil.
func (l *openList) find(q openQuery) *openList {
	var at *openList
walk:
	for c := l; c != nil; c = c.next {
		if q.match(c.e) {
			at = c
			break
		}
		for _, f := range c.memo {
			if f.q == q {
				at = f.at
				break walk
			}
		}
	}
	if l != nil {
		l.memo = append(l.memo, openFound{q: q, at: at})
	}
	return at
}

// push returns l with e on top.
func (l *openList) push(e *Exchange) *openList { return &openList{e: e, next: l} }

// removeNode returns l without its node n (l itself if n is not in l):
// the nodes above n are copied, the ones below it shared.
func (l *openList) removeNode(n *openList) *openList {
	var above []*Exchange
	for c := l; c != n; c = c.next {
		if c == nil {
			return l
		}
		above = append(above, c.e)
	}
	r := n.next
	for i := len(above) - 1; i >= 0; i-- {
		r = r.push(above[i])
	}
	return r
}

// remove returns l without exchange e.
func (l *openList) remove(e *Exchange) *openList {
	for c := l; c != nil; c = c.next {
		if c.e == e {
			return l.removeNode(c)
		}
	}
	return l
}

// removeAll returns l without the exchanges for which gone holds true.
// It copies the nodes down to the deepest one removed and shares the
// rest.
func (l *openList) removeAll(gone map[*Exchange]bool) *openList {
	left := len(gone)
	var kept []*Exchange
	c := l
	for ; c != nil && left > 0; c = c.next {
		if gone[c.e] {
			left--
			continue
		}
		kept = append(kept, c.e)
	}
	for i := len(kept) - 1; i >= 0; i-- {
		c = c.push(kept[i])
	}
	return c
}

type fork struct {
	ex      *Exchange // the async exchange that started it
	start   int       // the document-order index of its async message
	reached map[string]bool
}

func (s *state) clone() *state {
	c := &state{open: s.open}
	for _, f := range s.forks {
		r := make(map[string]bool, len(f.reached))
		for p := range f.reached {
			r[p] = true
		}
		c.forks = append(c.forks, &fork{ex: f.ex, start: f.start, reached: r})
	}
	return c
}

// run is a statement list being paired: the diagram's, or a branch of a
// block. The runs open at one time are a stack, so that nesting costs
// heap, not goroutine stack (a recursive walk took about 2.4 kB of stack
// per level: 48 MB for 20,000 nested blocks), and the branches of the
// runs above the diagram's are the path of their statements.
type run struct {
	stmts []Statement
	i     int
	st    *state
	blk   *Block // the block of the branch; nil for the diagram
	br    int    // the branch of blk
	m     *merge // blk's branches merge into the state around it; nil for a rect
}

// sequence pairs the diagram's statements from state st. A rect only
// colours the diagram: its body continues the enclosing sequence. Any
// other block pairs each branch from a copy of the state at its start and
// then merges them (see block).
func (b *builder) sequence(stmts []Statement, st *state) {
	stack := []run{{stmts: stmts, st: st}}
	for len(stack) > 0 {
		r := &stack[len(stack)-1]
		if r.i < len(r.stmts) {
			s := r.stmts[r.i]
			r.i++
			switch s := s.(type) {
			case *Message:
				b.message(s, r.st, b.path(stack))
			case *Block:
				if len(s.Branches) == 0 {
					continue
				}
				next := run{st: r.st, blk: s, stmts: s.Branches[0].Statements}
				if s.Kind != Rect {
					next.m = b.block(s, r.st)
					next.st = next.m.start.clone()
				}
				b.valid = min(b.valid, len(stack)-1)
				stack = append(stack, next)
			}
			continue
		}
		done := *r
		stack = stack[:len(stack)-1]
		if done.blk == nil {
			continue
		}
		if done.m != nil {
			b.branchEnd(done.m, done.st)
		}
		if i := done.br + 1; i < len(done.blk.Branches) {
			next := done
			next.br, next.i, next.stmts = i, 0, done.blk.Branches[i].Statements
			if done.m != nil {
				next.st = done.m.start.clone()
			}
			b.valid = min(b.valid, len(stack)-1)
			stack = append(stack, next)
			continue
		}
		if done.m != nil {
			b.blockEnd(done.blk, done.m)
		}
	}
}

// path returns the path of the statements of the top run: the branch of
// each run above the diagram's. Paths share their backing array, b.spine,
// and are made only for messages: the spine is rewritten from the first
// entry that no longer matches the runs, in place where no path handed
// out uses that entry, else in a new spine. So a chain of nested blocks
// costs O(1) per level, and a branch without messages costs nothing even
// when a sibling's messages hold the entry it would take. The path
// returned has no spare capacity, so an append to it never writes into
// the spine.
func (b *builder) path(stack []run) []BranchRef {
	d := len(stack) - 1
	if d == 0 {
		return nil
	}
	if v := min(b.valid, len(b.spine)); v < d {
		if b.handed > v {
			b.spine = append(make([]BranchRef, 0, 2*d+4), b.spine[:v]...)
			b.handed = 0
		} else {
			b.spine = b.spine[:v]
		}
		for _, r := range stack[v+1:] {
			b.spine = append(b.spine, BranchRef{Block: r.blk, Branch: r.br})
		}
		b.valid = d
	}
	b.handed = max(b.handed, d)
	return b.spine[:d:d]
}

func (b *builder) message(m *Message, st *state, path []BranchRef) {
	idx := len(b.g.Messages)
	mi := &MessageInfo{Message: m, Path: path}
	b.g.Messages = append(b.g.Messages, mi)
	b.g.byMsg[m] = mi
	b.pos[m] = idx

	// A dotted message closes the innermost open request it answers.
	var closes *Exchange
	if m.Arrow.Dotted() && !m.Arrow.Async() {
		if c := st.open.find(openQuery{reply: true, a: m.From, b: m.To}); c != nil {
			closes = c.e
			st.open = st.open.removeNode(c)
		}
	}

	// The message continues the innermost running fork whose participants
	// include its sender; every fork it does not continue ends. A reply to
	// a request sent before a fork began goes back to that request's
	// timeline, so it ends the fork too.
	for len(st.forks) > 0 {
		f := st.forks[len(st.forks)-1]
		if f.reached[m.From] && (closes == nil || b.pos[closes.Request] > f.start) {
			break
		}
		b.popFork(st)
	}
	if n := len(st.forks); n > 0 {
		mi.Fork = st.forks[n-1].ex.Request.N
		for _, f := range st.forks {
			f.reached[m.To] = true
		}
	}

	if closes != nil {
		mi.Role = RoleReply
		mi.Exchange = closes
		closes.Replies = append(closes.Replies, m)
		m.ReplyTo = closes.Request.N
		return
	}

	e := &Exchange{Request: m, Fork: mi.Fork, Index: len(b.g.Exchanges)}
	if c := st.open.find(openQuery{a: m.From}); c != nil {
		e.Parent = c.e
	}
	b.g.Exchanges = append(b.g.Exchanges, e)
	mi.Exchange = e
	switch a := m.Arrow; {
	case a.Async():
		mi.Role = RoleAsync
		st.open = st.open.push(e)
		st.forks = append(st.forks, &fork{ex: e, start: idx, reached: map[string]bool{m.To: true}})
	case a.Dotted(), a.Cross():
		mi.Role = RoleOneWay
	default:
		// RoleRequest once a reply closes it (see Build).
		mi.Role = RoleOneWay
		st.open = st.open.push(e)
	}
}

// popFork ends the innermost running fork: its async exchange is no
// longer open.
func (b *builder) popFork(st *state) {
	f := st.forks[len(st.forks)-1]
	st.forks = st.forks[:len(st.forks)-1]
	st.open = st.open.remove(f.ex)
}

// merge is the state of a block whose branches are being paired.
type merge struct {
	st        *state // the state around the block, which blockEnd updates
	start     *state // st at the block's start, which each branch starts from
	opened    int    // exchanges from here on open in the block
	newest    int    // forks that start after the newest running one began in the block
	survivors int
	ends      []*state
	closed    map[*Exchange]int // open at the start: in how many branches it was closed
}

// block starts a block: each branch of blk is paired from a copy of the
// state at the block's start (branchEnd collects how it ends), then
// blockEnd merges them: an exchange open before the block stays open if
// some path through the block leaves it open (see closedAfter), and a
// fork running before the block keeps running only if it runs at the end
// of every branch.
func (b *builder) block(blk *Block, st *state) *merge {
	m := &merge{st: st, start: st.clone(), opened: len(b.g.Exchanges), newest: -1, closed: map[*Exchange]int{}}
	if n := len(m.start.forks); n > 0 {
		m.newest = m.start.forks[n-1].start
	}
	m.survivors = len(m.start.forks)
	return m
}

// branchEnd takes the state bs at the end of a branch.
func (b *builder) branchEnd(m *merge, bs *state) {
	start := m.start
	// Forks that began in the branch end with it.
	for len(bs.forks) > 0 && bs.forks[len(bs.forks)-1].start > m.newest {
		b.popFork(bs)
	}
	// Requests sent in the branch and not answered there stay
	// unanswered: nothing after the block may close them. They lie
	// above every exchange of the start, which keep their order.
	for bs.open != nil && bs.open.e.Index >= m.opened {
		bs.open = bs.open.next
	}
	// What is left is start.open without what the branch closed,
	// sharing its nodes below the deepest one closed.
	for s, e := start.open, bs.open; s != e; s = s.next {
		if e != nil && e.e == s.e {
			e = e.next
			continue
		}
		m.closed[s.e]++
	}
	m.survivors = min(m.survivors, prefix(start.forks, bs.forks))
	m.ends = append(m.ends, bs)
}

// blockEnd merges the ends of the branches into the state around blk.
func (b *builder) blockEnd(blk *Block, m *merge) {
	st, start := m.st, m.start
	gone := map[*Exchange]bool{}
	for e, n := range m.closed {
		if closedAfter(blk.Kind, n, len(m.ends)) {
			gone[e] = true
		}
	}
	st.open = start.open.removeAll(gone)
	st.forks = start.forks[:m.survivors]
	// an async exchange is open while its fork runs
	for _, f := range start.forks[m.survivors:] {
		st.open = st.open.remove(f.ex)
	}
	for i, f := range st.forks {
		for _, bs := range m.ends {
			for p := range bs.forks[i].reached {
				f.reached[p] = true
			}
		}
	}
}

// closedAfter reports whether an exchange open when a block of the kind
// began, and closed in n of its branches, is closed after it on every
// path through the block: pairing is per path, so a reply after the
// block closes it on the paths that left it open. Every par branch runs,
// so one reply in any branch closes it; one branch of an alt or critical
// runs, so it stays open if some branch leaves it open; an opt, a loop
// (its iterations may be 0) or a break may also be skipped, and a break
// that runs ends the flow, so it stays open after those.
func closedAfter(kind BlockKind, n, branches int) bool {
	switch kind {
	case Par, ParOver:
		return n > 0
	case Alt, Critical:
		return n == branches
	}
	return false
}

// prefix counts how many forks of before are still running in after.
// Forks end innermost first, so the survivors are a prefix.
func prefix(before, after []*fork) int {
	n := 0
	for n < len(before) && n < len(after) && before[n].ex == after[n].ex {
		n++
	}
	return n
}
