package sim

import (
	"slices"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// The plan is a diagram compiled for execution: the statement tree with
// each request grouped with the work it waits for (its exchange), async
// messages grouped with the work of their fork, blocks with their
// settings, and for every message where a failure goes.

type nodeKind uint8

const (
	nMsg      nodeKind = iota // a one-way message, or a reply inside a branch
	nExchange                 // request, nested work, reply
	nAsync                    // fire-and-forget message and its fork
	nBlock
	// nReply is a reply inside a block of its exchange's body (ex): it
	// ends the exchange where it stands, when the exchange is still open
	// on this path; else it is a one-way message.
	nReply
)

type node struct {
	kind nodeKind
	msg  int // message index (N-1)
	// exchange: the work between request and reply; reply is the reply's
	// index, or -1 when the replies sit inside a block of the body.
	// async: the fork's work.
	body  []node
	reply int
	ex    int // exchange index, for exchanges
	block *blockPlan
	// framed: the exchange needs a frame of its own (a timeout, a
	// deadline, or a reply to it inside a block of its body)
	framed bool
}

type blockPlan struct {
	b        *flow.Block
	kind     flow.BlockKind
	branches [][]node
	set      *BlockSettings
	// free lists the branches without a When, cum their cumulative weights.
	free []int
	cum  []float64
	// closes lists the exchanges, open when a par begins, that replies in
	// its branches close; masked marks the branches that hold none of
	// them: the callee's work beside the reply, which the exchange's
	// limit does not bound (see runner.mask).
	closes []int
	masked []bool
}

// msgPlan is a message with its settings.
type msgPlan struct {
	m     *flow.Message
	set   *Settings
	human bool // sent by an actor
	drawn bool // an error the diagram draws (-x, --x)
	// scheduled: a fault has a first: or window: schedule
	scheduled bool
	// handler is where a failure of this message, by fault kind, is
	// handled: a block and branch that follow it (nil: cascade).
	handler [numFaults]*handlerRef
	comp    []int // indices of compensating messages
}

type handlerRef struct {
	block  *blockPlan
	branch int
}

// Fault kinds as the hot path counts them: report's fault kinds.
const (
	fkNone    = uint8(report.NoFault)
	fkError   = uint8(report.ErrorFault)
	fkTimeout = uint8(report.TimeoutFault)
	fkDrop    = uint8(report.DropFault)
	fkDelay   = uint8(report.DelayFault)
	numFaults = fkDelay + 1
)

// faultName returns the name of fault kind fk ("" for none).
func faultName(fk uint8) string { return report.FaultKind(fk).String() }

// faultKind returns the kind a fault name names (fkNone for none).
func faultKind(s string) uint8 { return uint8(report.ParseFault(s)) }

type exchangePlan struct {
	req     int   // request message index
	reply   int   // first reply's message index (-1: one-way)
	replies []int // every reply's message index, when there are several
}

type plan struct {
	d         *flow.Diagram
	root      []node
	msgs      []msgPlan // diagram messages, then compensations not in the diagram
	exchanges []exchangePlan
	nDiagram  int
	// counted: some message's faults are scheduled, so runs count the
	// attempts of each message
	counted bool
}

func compile(d *flow.Diagram, p *Profile) *plan {
	g := flow.Build(d)
	msgs := d.Messages()
	pl := &plan{d: d, nDiagram: len(msgs)}
	kinds := map[string]string{}
	for _, pt := range d.Participants {
		kinds[pt.ID] = pt.Kind
	}
	for i, m := range msgs {
		set := p.Messages[i]
		pl.msgs = append(pl.msgs, msgPlan{m: m, set: set, human: kinds[m.From] == flow.KindActor, drawn: m.Arrow.Cross()})
	}
	for _, c := range p.Extra {
		pl.msgs = append(pl.msgs, msgPlan{m: c.Message, set: c.Settings, human: kinds[c.Message.From] == flow.KindActor})
	}
	index := map[*flow.Message]int{}
	for i := range pl.msgs {
		index[pl.msgs[i].m] = i
	}
	for i := range pl.msgs {
		mp := &pl.msgs[i]
		if scheduled(mp.set.Faults) {
			mp.scheduled, pl.counted = true, true
		}
		for _, c := range mp.set.Compensate {
			if j, ok := index[c.Message]; ok {
				mp.comp = append(mp.comp, j)
			}
		}
	}
	c := &compiler{pl: pl, g: g, p: p, index: index, exOf: map[*flow.Message]int{}}
	pl.root = c.list(d.Statements)
	c.handlers(d.Statements, nil)
	return pl
}

type compiler struct {
	pl    *plan
	g     *flow.Graph
	p     *Profile
	index map[*flow.Message]int
	exOf  map[*flow.Message]int // the plan's exchange index of each request
}

// addExchange appends the exchange of request mi, with the replies the
// flow graph pairs with it, and returns its index.
func (c *compiler) addExchange(mi int, info *flow.MessageInfo) int {
	ex := exchangePlan{req: mi, reply: -1}
	if rs := info.Exchange.Replies; len(rs) > 0 {
		ex.reply = c.index[rs[0]]
		if len(rs) > 1 {
			for _, r := range rs {
				ex.replies = append(ex.replies, c.index[r])
			}
		}
	}
	c.exOf[info.Message] = len(c.pl.exchanges)
	c.pl.exchanges = append(c.pl.exchanges, ex)
	return len(c.pl.exchanges) - 1
}

// contains reports whether statement s is, or holds, one of the messages.
func contains(s flow.Statement, want map[*flow.Message]bool) bool {
	found := false
	switch x := s.(type) {
	case *flow.Message:
		return want[x]
	case *flow.Block:
		for _, br := range x.Branches {
			for _, t := range br.Statements {
				if contains(t, want) {
					found = true
				}
			}
		}
	}
	return found
}

func (c *compiler) list(stmts []flow.Statement) []node {
	var out []node
	for i := 0; i < len(stmts); i++ {
		switch s := stmts[i].(type) {
		case *flow.Message:
			mi := c.index[s]
			info := c.g.Info(s)
			switch {
			case s.Arrow.Async():
				end := c.forkEnd(stmts, i)
				out = append(out, node{kind: nAsync, msg: mi, body: c.list(stmts[i+1 : end])})
				i = end - 1
			case info != nil && info.Role == flow.RoleRequest && info.Exchange != nil && len(info.Exchange.Replies) > 0:
				want := map[*flow.Message]bool{}
				for _, r := range info.Exchange.Replies {
					want[r] = true
				}
				j := -1
				for k := i + 1; k < len(stmts); k++ {
					if contains(stmts[k], want) {
						j = k
					}
				}
				ex := c.addExchange(mi, info)
				if j < 0 { // replies elsewhere: a one-way message here
					out = append(out, node{kind: nExchange, msg: mi, reply: -1, ex: ex})
					continue
				}
				// the body runs up to the last statement that holds a
				// reply; replies inside its blocks are nReply nodes
				n := node{kind: nExchange, msg: mi, ex: ex, reply: -1}
				if r, ok := stmts[j].(*flow.Message); ok && want[r] {
					n.body = c.list(stmts[i+1 : j])
					n.reply = c.index[r]
				} else {
					n.body = c.list(stmts[i+1 : j+1])
				}
				n.framed = c.pl.msgs[mi].set.Timeout > 0 || c.pl.msgs[mi].set.Deadline > 0 || slices.Contains(repliesOut(n.body), ex)
				out = append(out, n)
				i = j
			case info != nil && info.Role == flow.RoleOneWay && !s.Arrow.Dotted() && !s.Arrow.Cross():
				// a request nobody answers (flow gives it the one-way
				// role): timed like an exchange without a reply (it ends
				// on delivery), so its timeout, deadline and retries apply
				ex := c.addExchange(mi, info)
				out = append(out, node{kind: nExchange, msg: mi, reply: -1, ex: ex})
			case info != nil && info.Role == flow.RoleReply:
				if ex, ok := c.exOf[info.Exchange.Request]; ok {
					out = append(out, node{kind: nReply, msg: mi, ex: ex})
					continue
				}
				out = append(out, node{kind: nMsg, msg: mi})
			default:
				out = append(out, node{kind: nMsg, msg: mi})
			}
		case *flow.Block:
			bp := &blockPlan{b: s, kind: s.Kind, set: c.p.Blocks[s]}
			for _, br := range s.Branches {
				bp.branches = append(bp.branches, c.list(br.Statements))
			}
			sum := 0.0
			for bi := range s.Branches {
				if bp.set != nil && bi < len(bp.set.When) && bp.set.When[bi] != nil {
					continue
				}
				bp.free = append(bp.free, bi)
				w := 1.0
				if bp.set != nil && len(bp.set.Weights) > 0 {
					w = 0
					if bi < len(bp.set.Weights) {
						w = bp.set.Weights[bi]
					}
				}
				sum += w
				bp.cum = append(bp.cum, sum)
			}
			if bp.set == nil || len(bp.set.Weights) == 0 {
				bp.cum = nil // the first free branch
			}
			if s.Kind == flow.Par || s.Kind == flow.ParOver {
				var outs [][]int
				for _, br := range bp.branches {
					out := repliesOut(br)
					outs = append(outs, out)
					for _, e := range out {
						if !slices.Contains(bp.closes, e) {
							bp.closes = append(bp.closes, e)
						}
					}
				}
				if len(bp.closes) > 0 {
					for _, out := range outs {
						bp.masked = append(bp.masked, len(out) == 0)
					}
				}
			}
			out = append(out, node{kind: nBlock, block: bp})
		}
	}
	return out
}

// repliesOut lists the exchanges begun before nodes ns that replies in
// them close.
func repliesOut(ns []node) []int {
	var in, out []int
	var walk func(ns []node)
	walk = func(ns []node) {
		for i := range ns {
			n := &ns[i]
			switch n.kind {
			case nExchange:
				in = append(in, n.ex)
			case nReply:
				out = append(out, n.ex)
			case nBlock:
				for _, br := range n.block.branches {
					walk(br)
				}
			}
			walk(n.body)
		}
	}
	walk(ns)
	return slices.DeleteFunc(out, func(e int) bool { return slices.Contains(in, e) })
}

// forkEnd is the index after the last statement that runs on the fork an
// async message at stmts[i] starts: the following statements whose
// messages are all sent by participants the fork has reached, up to the
// first message sent by one it has not (or a reply to a request sent
// before the fork), or the end of the list.
func (c *compiler) forkEnd(stmts []flow.Statement, i int) int {
	a := stmts[i].(*flow.Message)
	reached := map[string]bool{a.To: true}
	for k := i + 1; k < len(stmts); k++ {
		var ms []*flow.Message
		collect(stmts[k], &ms)
		ok := true
		for _, m := range ms {
			// a reply to a request sent before the fork began goes back
			// to that request's timeline: it ends the fork (as in flow)
			if mi := c.g.Info(m); !reached[m.From] || mi != nil && mi.Role == flow.RoleReply && c.index[mi.Exchange.Request] < c.index[a] {
				ok = false
				break
			}
			reached[m.To] = true
		}
		if !ok {
			return k
		}
	}
	return len(stmts)
}

func collect(s flow.Statement, out *[]*flow.Message) {
	switch x := s.(type) {
	case *flow.Message:
		*out = append(*out, x)
	case *flow.Block:
		for _, br := range x.Branches {
			for _, t := range br.Statements {
				collect(t, out)
			}
		}
	}
}

// handlers binds every `when` to the messages it names, where the bound
// block follows the message in one of the lists that enclose it, so that
// the failure can travel forward to it.
func (c *compiler) handlers(stmts []flow.Statement, enclosing []*flow.Block) {
	// positions of blocks with whens, by list
	var walkList func(list []flow.Statement, after []*flow.Block)
	walkList = func(list []flow.Statement, after []*flow.Block) {
		for i, s := range list {
			// blocks that follow s in this list, then those after the lists around
			var follow []*flow.Block
			for _, t := range list[i+1:] {
				if b, ok := t.(*flow.Block); ok {
					follow = append(follow, b)
				}
			}
			follow = append(follow, after...)
			switch x := s.(type) {
			case *flow.Message:
				c.bind(x, follow)
			case *flow.Block:
				// the block itself can handle what fails inside it, in a
				// later branch? No: one branch runs. Only what follows.
				for _, br := range x.Branches {
					walkList(br.Statements, follow)
				}
			}
		}
	}
	walkList(stmts, nil)
}

func (c *compiler) bind(m *flow.Message, follow []*flow.Block) {
	mp := &c.pl.msgs[c.index[m]]
	for _, b := range follow {
		set := c.p.Blocks[b]
		if set == nil {
			continue
		}
		for bi, w := range set.When {
			if w == nil || w.N != m.N {
				continue
			}
			bp := c.findBlock(b)
			if bp == nil {
				continue
			}
			for k := fkError; k < numFaults; k++ {
				if mp.handler[k] != nil {
					continue
				}
				// "fails" is any failure; a delay is not one (it only
				// binds a when that names delay)
				if w.Fault == "fails" && k != fkDelay || faultKind(w.Fault) == k {
					mp.handler[k] = &handlerRef{block: bp, branch: bi}
				}
			}
		}
	}
}

func (c *compiler) findBlock(b *flow.Block) *blockPlan {
	var find func(ns []node) *blockPlan
	find = func(ns []node) *blockPlan {
		for i := range ns {
			n := &ns[i]
			if n.kind == nBlock {
				if n.block.b == b {
					return n.block
				}
				for _, br := range n.block.branches {
					if f := find(br); f != nil {
						return f
					}
				}
			}
			if f := find(n.body); f != nil {
				return f
			}
		}
		return nil
	}
	return find(c.pl.root)
}
