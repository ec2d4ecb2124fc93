package sim

import (
	"math/rand/v2"
	"time"
)

// One run, in virtual time. The flow is evaluated in causal order: each
// timeline (the main one, each async fork, each par branch) advances its
// own clock message by message, and an event's time is the time of the
// event it waits for plus the latency sampled for it. Nothing sleeps and
// nothing runs concurrently inside a run: this is the discrete-event
// evaluation of a flow whose events are ordered by the diagram.

// status is how a piece of work ended.
type status uint8

const (
	stOK   status = iota
	stFail        // an unhandled failure travels up
	stJump        // a handled failure travels forward to its handler block
	stCut         // the caller's timeout cut the work short
	stStop        // a break ended the flow
)

const maxChain = 16

// failure is the unhandled failure of a run: where it started and the
// exchanges it failed, innermost first.
type failure struct {
	root   int // message index
	fault  uint8
	chain  [maxChain]int16
	nchain int
	at     time.Duration
}

// runner executes runs of a plan; one per worker.
type runner struct {
	pl  *plan
	pcg *rand.PCG
	r   *rand.Rand
	st  *collector

	// per run
	fail        failure // the current failure while it travels
	firstFail   failure // the run's first unhandled failure
	failed      bool
	handled     bool
	completion  time.Duration
	human       time.Duration
	jump        *handlerRef
	pending     []*handlerRef // branches bound to faults that happened but did not stop the timeline (delays, forks)
	cutOwner    int           // exchange whose timeout cut the work (-1 for a deadline)
	done        []int         // messages that succeeded and have compensations
	cp          []int64
	spans       []Span // nil unless this run is traced
	tracing     bool
	parent      int
	compRan     bool // compensations ran
	compOK      bool // and all succeeded
	lastOutcome uint8
}

func newRunner(pl *plan, st *collector) *runner {
	pcg := rand.NewPCG(0, 0)
	return &runner{pl: pl, pcg: pcg, r: rand.New(pcg), st: st, cp: make([]int64, len(pl.exchanges))}
}

// never is the cutoff of work that nothing bounds.
const never = time.Duration(1<<63 - 1)

// run executes run number i with the runner's source seeded for it.
func (x *runner) run(seed uint64, i int64, trace bool) {
	x.pcg.Seed(seed, uint64(i)) // run i draws the same numbers on any worker
	x.failed, x.handled = false, false
	x.compRan, x.compOK = false, false
	x.completion, x.human = 0, 0
	x.jump = nil
	x.pending = x.pending[:0]
	x.fail, x.firstFail = failure{}, failure{}
	x.cutOwner = 0
	x.done = x.done[:0]
	for k := range x.cp {
		x.cp[k] = 0
	}
	x.tracing = trace
	x.spans = x.spans[:0]
	x.parent = -1
	end, st := x.seq(x.pl.root, 0, never, -1, true)
	if st == stStop {
		x.handled = true
	}
	if st == stFail || st == stCut {
		x.recordFailure(end)
	}
	e2e := end // the main timeline's end, or when it failed
	if e2e > x.completion {
		x.completion = e2e
	}
	outcome := x.finish(e2e)
	x.lastOutcome = outcome
	x.st.run(x, e2e, outcome)
}

func (x *runner) recordFailure(at time.Duration) {
	if !x.failed {
		x.failed = true
		x.firstFail = x.fail
		x.firstFail.at = at
	}
}

// finish runs compensations when the run failed and names the outcome.
func (x *runner) finish(e2e time.Duration) uint8 {
	if !x.failed {
		if x.handled {
			return outHandled
		}
		return outOK
	}
	t := x.firstFail.at
	consistent := true
	for k := len(x.done) - 1; k >= 0; k-- {
		for _, ci := range x.pl.msgs[x.done[k]].comp {
			x.compRan = true
			var ok bool
			t, ok = x.compensate(ci, t)
			if !ok {
				consistent = false
			}
		}
	}
	if t > x.completion {
		x.completion = t
	}
	x.compOK = consistent
	if !consistent {
		return outInconsistent
	}
	return outFailed
}

// compensate sends a compensating message with its retries.
func (x *runner) compensate(mi int, t time.Duration) (time.Duration, bool) {
	mp := &x.pl.msgs[mi]
	attempts := max(mp.set.Retry.Attempts, 1)
	for a := 1; a <= attempts; a++ {
		lat, fk := x.send(mi)
		start := t
		t += lat
		if fk == fkTimeout && mp.set.Timeout > 0 {
			t = start + mp.set.Timeout
		}
		x.span(Span{N: mi + 1, Kind: SpanCompensation, Start: start, Arrive: start + lat, Leave: start + lat, End: t, Parent: -1, Attempt: a, Fault: faultNames[fk]})
		if fk == fkNone || fk == fkDelay {
			return t, true
		}
		if a < attempts {
			t += backoff(&mp.set.Retry, a, x.r.Float64())
		}
	}
	return t, false
}

// send samples a message's latency and fault, and records them.
func (x *runner) send(mi int) (time.Duration, uint8) {
	mp := &x.pl.msgs[mi]
	lat := mp.set.Latency.Sample(x.r)
	fk := fkNone
	if len(mp.faultCum) > 0 {
		u := x.r.Float64()
		for k, c := range mp.faultCum {
			if u < c {
				f := &mp.set.Faults[k]
				fk = faultKind(f.Kind)
				if fk == fkDelay && f.Delay != nil {
					lat += f.Delay.Sample(x.r)
				}
				if fk == fkDelay && mp.handler[fkDelay] != nil {
					// a delay stops nothing: its bound branch is taken
					// when the flow reaches the block
					x.pending = append(x.pending, mp.handler[fkDelay])
				}
				break
			}
		}
	}
	x.st.message(mi, lat, fk)
	return lat, fk
}

func (x *runner) land(t, cutoff time.Duration) {
	if t > cutoff {
		t = cutoff
	}
	if t > x.completion {
		x.completion = t
	}
}

func (x *runner) span(s Span) int {
	if !x.tracing {
		return -1
	}
	x.spans = append(x.spans, s)
	return len(x.spans) - 1
}

// seq runs a list of nodes from time t. main tells whether the list is on
// the main timeline (for human time and the critical path).
func (x *runner) seq(ns []node, t, cutoff time.Duration, owner int, main bool) (time.Duration, status) {
	for i := 0; i < len(ns); i++ {
		if t >= cutoff {
			x.cutOwner = owner
			return cutoff, stCut
		}
		n := &ns[i]
		var st status
		switch n.kind {
		case nMsg:
			t, st = x.message(n, t, cutoff, main)
		case nExchange:
			t, st = x.exchange(n, t, cutoff, owner, main)
		case nAsync:
			t, st = x.async(n, t, cutoff)
		case nBlock:
			t, st = x.block(n.block, -1, t, cutoff, owner, main)
		}
		if st == stJump {
			// forward to the handler if it is in this list
			found := false
			for k := i + 1; k < len(ns); k++ {
				if ns[k].kind == nBlock && ns[k].block == x.jump.block {
					br := x.jump.branch
					x.jump = nil
					x.handled = true
					t, st = x.block(ns[k].block, br, t, cutoff, owner, main)
					i = k
					found = true
					break
				}
			}
			if !found {
				return t, stJump
			}
		}
		if st != stOK {
			return t, st
		}
	}
	return t, stOK
}

// fails turns a message's failure into a jump to its handler, or into an
// unhandled failure that starts a cascade.
func (x *runner) fails(mi int, fk uint8, at time.Duration) status {
	if h := x.pl.msgs[mi].handler[fk]; h != nil {
		x.jump = h
		return stJump
	}
	x.fail = failure{root: mi, fault: fk, at: at}
	return stFail
}

// message sends a one-way message (or a reply inside a branch).
func (x *runner) message(n *node, t, cutoff time.Duration, main bool) (time.Duration, status) {
	mp := &x.pl.msgs[n.msg]
	lat, fk := x.send(n.msg)
	start := t
	t += lat
	if main && mp.human {
		x.human += lat
	}
	x.span(Span{N: n.msg + 1, Kind: SpanOneWay, Start: start, Arrive: t, Leave: t, End: t, Parent: x.parent, Attempt: 1, Fault: faultNames[fk]})
	switch fk {
	case fkError, fkTimeout, fkDrop:
		return t, x.fails(n.msg, fk, t)
	}
	x.land(t, cutoff)
	if mp.drawn {
		x.handled = true
	}
	if len(mp.comp) > 0 {
		x.done = append(x.done, n.msg)
	}
	return t, stOK
}

// async sends a fire-and-forget message: the timeline goes on at once,
// the fork runs from the delivery. A fork's failure fails the run but not
// the main timeline.
func (x *runner) async(n *node, t, cutoff time.Duration) (time.Duration, status) {
	lat, fk := x.send(n.msg)
	si := x.span(Span{N: n.msg + 1, Kind: SpanAsync, Start: t, Arrive: t + lat, Leave: t + lat, End: t + lat, Parent: x.parent, Attempt: 1, Fault: faultNames[fk]})
	if fk == fkDrop || fk == fkError || fk == fkTimeout {
		// the message is lost when sent: nothing of it lands, so the
		// run's completion stays the main timeline's
		if x.fails(n.msg, fk, t) == stFail {
			x.recordFailure(t)
		} else {
			x.pendJump()
		}
		return t, stOK
	}
	x.land(t+lat, never)
	saved, savedHuman := x.parent, x.human
	x.parent = si
	end, st := x.seq(n.body, t+lat, never, -1, false)
	x.parent, x.human = saved, savedHuman
	switch st {
	case stFail, stCut:
		x.recordFailure(end)
	case stJump:
		x.pendJump()
	case stStop:
		x.handled = true
	}
	if len(x.pl.msgs[n.msg].comp) > 0 {
		x.done = append(x.done, n.msg)
	}
	return t, stOK
}

// pendJump keeps a fork's handled failure for its bound branch, which the
// main timeline takes when it reaches the block.
func (x *runner) pendJump() {
	x.pending = append(x.pending, x.jump)
	x.jump = nil
	x.handled = true
}

// exchange runs a request, the work it waits for and the reply, with the
// request's timeout, deadline and retries.
func (x *runner) exchange(n *node, t, cutoff time.Duration, owner int, main bool) (time.Duration, status) {
	mp := &x.pl.msgs[n.msg]
	set := mp.set
	attempts := max(set.Retry.Attempts, 1)
	t0 := t
	dl, dlOwner := cutoff, owner
	if set.Deadline > 0 && t0+set.Deadline < dl {
		dl, dlOwner = t0+set.Deadline, n.ex
	}
	parent := x.parent
	defer func() { x.parent = parent }()
	for a := 1; ; a++ {
		start := t
		lim, limOwner := dl, dlOwner
		if set.Timeout > 0 && start+set.Timeout < lim {
			lim, limOwner = start+set.Timeout, n.ex
		}
		lat, fk := x.send(n.msg)
		arrive := start + lat
		if main && mp.human {
			x.human += lat
		}
		si := x.span(Span{N: n.msg + 1, Reply: n.reply + 1, Kind: SpanExchange, Start: start, Arrive: arrive, Parent: parent, Attempt: a})
		failAt, rootFault, root := time.Duration(0), fkNone, n.msg
		switch {
		case fk == fkTimeout && lim < never:
			failAt, rootFault = lim, fkTimeout
		case fk == fkTimeout:
			failAt, rootFault = arrive, fkError // nothing bounds the wait
		case arrive > lim:
			// past the timeout or deadline the caller gives up, whatever
			// the callee would have answered (error and drop included)
			if limOwner != n.ex {
				x.cutOwner = limOwner
				x.endSpan(si, lim, lim, "", true)
				return lim, stCut // an outer timeout: abandoned, not failed
			}
			failAt, rootFault = lim, fkTimeout
			x.st.timedOut(n.msg, fk)
		case fk == fkError || fk == fkDrop:
			failAt, rootFault = arrive, fk
		default:
			x.land(arrive, lim)
			x.parent = si
			end, st := x.seq(n.body, arrive, lim, limOwner, main)
			x.parent = parent
			switch st {
			case stOK:
				leave := end
				if n.reply >= 0 {
					rl, rfk := x.send(n.reply)
					end += rl
					if main && x.pl.msgs[n.reply].human {
						x.human += rl
					}
					switch {
					case end > lim && limOwner != n.ex:
						x.cutOwner = limOwner
						x.endSpan(si, leave, lim, "", true)
						return lim, stCut
					case end > lim:
						failAt, rootFault = lim, fkTimeout
						x.st.timedOut(n.msg, fkNone)
					case rfk == fkError || rfk == fkTimeout || rfk == fkDrop:
						failAt, rootFault, root = end, rfk, n.reply
					default:
						x.land(end, cutoff)
						if x.pl.msgs[n.reply].drawn {
							x.handled = true
						}
					}
				}
				if rootFault == fkNone {
					x.endSpan(si, leave, end, "", false)
					if len(mp.comp) > 0 {
						x.done = append(x.done, n.msg)
					}
					x.st.exchange(n.ex, end-t0, false)
					if main {
						x.cp[n.ex] += int64(end - t0)
					}
					return end, stOK
				}
			case stCut:
				if x.cutOwner != n.ex {
					x.endSpan(si, end, end, "", true)
					return end, stCut // an outer timeout: abandoned, not failed
				}
				failAt, rootFault = lim, fkTimeout
				x.st.timedOut(n.msg, fkNone)
			case stFail:
				// nested work failed: this exchange fails with it
				failAt, rootFault, root = end, x.fail.fault, -1
			default: // stJump, stStop travel on
				x.endSpan(si, end, end, "", false)
				return end, st
			}
		}
		x.endSpan(si, failAt, failAt, faultNames[rootFault], false)
		if a < attempts {
			if next := failAt + backoff(&set.Retry, a, x.r.Float64()); next < dl {
				t = next
				continue
			}
		}
		// out of attempts, or of deadline
		if root >= 0 {
			if h := x.pl.msgs[root].handler[rootFault]; h != nil {
				x.jump = h
				// a bound branch inside the exchange (the reply drawn
				// in each branch) is part of it: pairing is per branch
				end, st := x.resume(n.body, failAt, cutoff, owner, main, si)
				x.st.exchange(n.ex, end-t0, false)
				return end, st
			}
			x.st.exchange(n.ex, failAt-t0, true)
			x.fail = failure{root: root, fault: rootFault, at: failAt}
		} else {
			// a cascade from nested work: a branch bound to this
			// exchange's failure handles it ("unless a branch bound to
			// that failure handles it")
			if h := mp.handler[rootFault]; h != nil {
				x.jump = h
				x.st.exchange(n.ex, failAt-t0, false)
				end, st := x.resume(n.body, failAt, cutoff, owner, main, si)
				return end, st
			}
			x.st.exchange(n.ex, failAt-t0, true)
		}
		if x.fail.nchain < maxChain {
			x.fail.chain[x.fail.nchain] = int16(n.msg + 1)
			x.fail.nchain++
		}
		x.fail.at = failAt
		return failAt, stFail
	}
}

// resume continues an exchange's own work from its handler block after
// the request itself failed.
func (x *runner) resume(body []node, t, cutoff time.Duration, owner int, main bool, si int) (time.Duration, status) {
	for k := range body {
		if body[k].kind == nBlock && body[k].block == x.jump.block {
			br := x.jump.branch
			x.jump = nil
			x.handled = true
			saved := x.parent
			x.parent = si
			end, st := x.block(body[k].block, br, t, cutoff, owner, main)
			if st == stOK {
				end, st = x.seq(body[k+1:], end, cutoff, owner, main)
			}
			x.parent = saved
			return end, st
		}
	}
	return t, stJump // the handler follows the exchange
}

func (x *runner) endSpan(i int, leave, end time.Duration, fault string, abandoned bool) {
	if i < 0 {
		return
	}
	s := &x.spans[i]
	s.Leave, s.End, s.Fault, s.Abandoned = leave, end, fault, abandoned
	if s.Leave < s.Arrive {
		s.Leave = s.Arrive
	}
}

// block runs a block; forced >= 0 takes that branch (a handler).
func (x *runner) block(bp *blockPlan, forced int, t, cutoff time.Duration, owner int, main bool) (time.Duration, status) {
	set := bp.set
	if forced < 0 {
		for k, h := range x.pending {
			if h.block == bp {
				forced = h.branch
				x.handled = true
				x.pending = append(x.pending[:k], x.pending[k+1:]...)
				break
			}
		}
	}
	switch bp.kind {
	case "rect":
		return x.seq(bp.branches[0], t, cutoff, owner, main)
	case "opt":
		if forced < 0 && set != nil && set.Probability != nil && x.r.Float64() >= *set.Probability {
			return t, stOK
		}
		return x.seq(bp.branches[0], t, cutoff, owner, main)
	case "break":
		if forced < 0 {
			if set == nil || set.Probability == nil || x.r.Float64() >= *set.Probability {
				return t, stOK
			}
		}
		end, st := x.seq(bp.branches[0], t, cutoff, owner, main)
		if st == stOK {
			return end, stStop
		}
		return end, st
	case "loop":
		iters := 1
		if set != nil && set.Iterations != nil {
			iters = set.Iterations.Sample(x.r)
		}
		for k := 0; k < iters; k++ {
			var st status
			t, st = x.seq(bp.branches[0], t, cutoff, owner, main)
			if st != stOK {
				return t, st
			}
		}
		return t, stOK
	case "par", "par_over":
		end := t
		var worst status
		var wfail failure
		// human time runs along each branch; the block's is that of the
		// branch that ends it (system time = end_to_end − human time)
		h0, hEnd := x.human, x.human
		for bi, br := range bp.branches {
			x.human = h0
			e, st := x.seq(br, t, cutoff, owner, main)
			if e > end || bi == 0 {
				end, hEnd = e, x.human
			}
			if st != stOK && (worst == stOK || st == stFail && worst != stFail) {
				worst = st
				if st == stFail {
					wfail = x.fail
				}
			}
		}
		x.human = hEnd
		if worst == stFail {
			x.fail = wfail
			x.fail.at = end
		}
		return end, worst
	}
	// alt, critical: one branch
	br := forced
	if br < 0 {
		switch {
		case len(bp.free) == 0:
			return t, stOK // every branch waits for a fault that did not happen
		case bp.cum == nil:
			br = bp.free[0]
		default:
			u := x.r.Float64() * bp.cum[len(bp.cum)-1]
			br = bp.free[len(bp.free)-1]
			for k, c := range bp.cum {
				if u < c {
					br = bp.free[k]
					break
				}
			}
		}
	}
	return x.seq(bp.branches[br], t, cutoff, owner, main)
}
