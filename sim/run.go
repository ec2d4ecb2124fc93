package sim

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/choreo-dev/choreo/internal/runid"
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
	fork   int // the N of the async message whose fork failed (0: the main timeline)
	inst   int // which run of that fork (forks are numbered in the run; 0: main)
}

// frame is one exchange being served: its own limit (the attempt's
// timeout, the deadline) bounds the work of its body, with the limits of
// the exchanges around it (see bound). A reply inside the body (in a
// block's branch) closes the exchange where it stands: from there its
// limit no longer applies, and the work runs on the caller's timeline,
// outside the request's timeout and attempts. Each timeline's first frame
// (ex -1) bounds nothing and ends the search for limits: a fork is not
// bounded by the exchanges its sender was serving.
type frame struct {
	own       time.Duration // the exchange's own limit (never: none)
	t0        time.Duration // the exchange's first attempt
	ex        int32         // exchange index (-1: a timeline's root)
	owner     int32         // a root frame's: whose limit own is (see mask)
	si        int32         // the attempt's span
	parent    int32         // the span the caller was in
	main      bool
	closed    bool // a reply ended the exchange
	handled   bool // the request failed and a bound branch of the body took it
	replyFail bool // the reply in the body failed: the failure is the exchange's own
}

// rootFrame begins a timeline (the main one, a fork): it bounds nothing.
var rootFrame = frame{ex: -1, own: never, owner: -1}

// doneStep is a message that succeeded and has compensations, with the
// fork it ran on (0: the main timeline).
type doneStep struct {
	mi, fork int32
}

// runner executes runs of a plan; one per worker.
type runner struct {
	pl  *plan
	pcg *rand.PCG
	r   *rand.Rand
	st  *collector

	// per run
	fail        failure // the current failure while it travels
	firstFail   failure // the main timeline's unhandled failure
	failed      bool
	forkFail    failure // the earliest failure inside a fork
	forkFailed  bool
	handled     bool
	completion  time.Duration
	human       time.Duration
	jump        *handlerRef
	pending     []pendingBranch // branches bound to faults that happened but did not stop the timeline (delays, forks)
	cutOwner    int             // exchange whose timeout cut the work (-1 for a deadline)
	done        []doneStep      // messages that succeeded and have compensations
	frames      []frame         // the bounds of the exchanges being served, innermost last
	closes      int             // replies that closed an exchange of an enclosing frame (see seq)
	fork        int             // the N of the async message whose fork this timeline runs (0: main)
	forkInst    int             // which run of it: forks are numbered in the run (0: main)
	nforks      int             // forks started in the run (top)
	steps       []int32         // scratch: the steps a rollback compensates
	cp          []int64
	spans       []RunSpan // nil unless this run is traced
	tracing     bool
	parent      int
	compRan     bool // compensations ran
	compOK      bool // and all that ran succeeded
	lastOutcome uint8

	// runIdx is the run's index; calls counts the attempts of each
	// message in the run (kept only when a fault has a first: schedule).
	runIdx int64
	calls  []int32
	// jumpFail is the failure behind the current jump (real time: a
	// fork's handled failure stays a failure unless the main timeline
	// reaches its handler).
	jumpFail failure
	// think is the person's part of the latency realSend returned for a
	// message an actor sends to a real system (-1: all of it).
	think time.Duration
	// In real time (rt != nil) a run has several timelines (async forks,
	// par branches) on goroutines: each is a runner of its own, with its
	// own random stream, and the run's shared state (outcome, failures,
	// compensations, spans, statistics) lives in top under rt.mu (the
	// session's lock: the statistics are shared by all runs). In
	// virtual time top is x itself and nothing locks.
	rt  *realRun
	top *runner
	// up is the timeline a real-time par branch branched from, whose
	// frames up to upTo it shares (see frameAt)
	up     *runner
	upTo   int
	stream uint64
	nchild uint64
}

func newRunner(pl *plan, st *collector) *runner {
	pcg := rand.NewPCG(0, 0)
	x := &runner{pl: pl, pcg: pcg, r: rand.New(pcg), st: st, cp: make([]int64, len(pl.exchanges))}
	x.top = x
	if pl.counted {
		x.calls = make([]int32, len(pl.msgs))
	}
	return x
}

// lock and unlock guard the run's shared state in real time.
func (x *runner) lock() {
	if x.rt != nil {
		x.rt.mu.Lock()
	}
}

func (x *runner) unlock() {
	if x.rt != nil {
		x.rt.mu.Unlock()
	}
}

// pendingBranch is a branch a fault chose before the flow reached its
// block. fork marks a fork's failure (real time): unless the main timeline
// takes the branch, it fails the run.
type pendingBranch struct {
	h    *handlerRef
	fail failure
	fork bool
}

// The helpers below change the run's shared state: in virtual time
// directly, in real time through shared, under the session's lock. The
// real-time path is a call of its own (sharedX) so that the helpers stay
// small enough to inline on the Monte Carlo hot path.

func (x *runner) setHandled() {
	if x.rt != nil {
		x.sharedHandled()
		return
	}
	x.handled = true
}

func (x *runner) addDone(mi int) {
	if x.rt != nil {
		x.sharedDone(mi)
		return
	}
	x.done = append(x.done, doneStep{int32(mi), int32(x.forkInst)})
}

func (x *runner) addCP(ex int, d time.Duration) {
	if x.rt != nil {
		x.sharedCP(ex, d)
		return
	}
	x.cp[ex] += int64(d)
}

func (x *runner) addPending(h *handlerRef) {
	x.lock()
	x.top.pending = append(x.top.pending, pendingBranch{h: h})
	x.unlock()
}

// takePending removes and returns the branch of bp that a fault already
// chose (-1: none).
func (x *runner) takePending(bp *blockPlan) int {
	x.lock()
	defer x.unlock()
	t := x.top
	for k, p := range t.pending {
		if p.h.block == bp {
			t.pending = append(t.pending[:k], t.pending[k+1:]...)
			t.handled = true
			return p.h.branch
		}
	}
	return -1
}

func (x *runner) statTimedOut(mi int, fk uint8) {
	if x.rt != nil {
		x.shared(func(t *runner) { t.st.timedOut(mi, fk) }) // rare: not inlined
		return
	}
	x.st.timedOut(mi, fk)
}

func (x *runner) statExchange(ex int, d time.Duration, failed bool) {
	if x.rt != nil {
		x.sharedExchange(ex, d, failed)
		return
	}
	x.st.exchange(ex, d, failed)
}

// never is the cutoff of work that nothing bounds.
const never = time.Duration(1<<63 - 1)

// run executes run number i with the runner's source seeded for it.
func (x *runner) run(seed uint64, i int64, trace bool) {
	x.pcg.Seed(seed, uint64(i)) // run i draws the same numbers on any worker
	x.runIdx = i
	for k := range x.calls {
		x.calls[k] = 0
	}
	x.failed, x.handled, x.forkFailed = false, false, false
	x.compRan, x.compOK = false, true
	x.completion, x.human = 0, 0
	x.jump = nil
	x.pending = x.pending[:0]
	x.fail, x.firstFail, x.forkFail = failure{}, failure{}, failure{}
	x.cutOwner = 0
	x.done = x.done[:0]
	for k := range x.cp {
		x.cp[k] = 0
	}
	x.tracing = trace
	x.spans = x.spans[:0]
	x.parent = -1
	x.fork, x.forkInst, x.nforks = 0, 0, 0
	x.frames = append(x.frames[:0], rootFrame)
	t0 := time.Duration(0)
	if x.rt != nil {
		// a run that waited for a free slot starts late: its timeline
		// (and its calls' timeouts) from now, its times from when it was
		// due (the wait counts in end_to_end)
		t0 = max(0, x.rt.since())
	}
	end, st := x.seq(x.pl.root, t0, 0, true)
	if x.rt != nil {
		x.rt.wg.Wait() // the forks' timelines
		if x.interrupted() {
			return
		}
		// a fork's failure whose bound branch the main timeline passed
		// before it failed was not handled after all
		for _, p := range x.pending {
			if p.fork {
				x.fail = p.fail
				x.forkFailure(p.fail.at, p.fail.fork, p.fail.inst)
			}
		}
	}
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
	if x.rt != nil && x.interrupted() {
		return // interrupted during the compensations
	}
	x.lock()
	x.st.run(x, e2e, outcome)
	x.unlock()
}

// humanOf is the person's part of the latency of a message an actor sent:
// all of it, but for a real call only the think time before it.
func (x *runner) humanOf(lat time.Duration) time.Duration {
	if x.rt != nil && x.think >= 0 {
		return x.think
	}
	return lat
}

// recordFailure records the main timeline's unhandled failure.
func (x *runner) recordFailure(at time.Duration) {
	x.lock()
	defer x.unlock()
	t := x.top
	if !t.failed {
		t.failed = true
		t.firstFail = x.fail
		t.firstFail.at = at
	}
}

// forkFailure records the unhandled failure (x.fail) of run inst of the
// fork that async message fork-1 starts, at time at: the run fails, but
// the initiator never sees it (the main timeline goes on). The steps that
// succeeded on that run of the fork are compensated in the fork, in
// reverse order, from the failure; no step of another timeline is.
func (x *runner) forkFailure(at time.Duration, fork, inst int) {
	x.lock()
	t := x.top
	if !t.forkFailed || at < t.forkFail.at {
		t.forkFailed = true
		t.forkFail = x.fail
		t.forkFail.at, t.forkFail.fork, t.forkFail.inst = at, fork, inst
	}
	mine := x.steps[:0]
	keep := t.done[:0]
	for _, d := range t.done {
		if int(d.fork) == inst {
			mine = append(mine, d.mi)
		} else {
			keep = append(keep, d)
		}
	}
	t.done = keep
	x.steps = mine
	x.unlock()
	if len(mine) == 0 {
		return
	}
	if x.rt != nil {
		at = max(at, x.rt.since())
	}
	end, ok := x.rollback(mine, at)
	x.land(end, never)
	x.lock()
	t.compRan = true
	t.compOK = t.compOK && ok
	x.unlock()
}

// rollback runs the compensations of steps (message indices, in the
// order they succeeded) in reverse order from t, and returns when the
// last ended and whether all succeeded.
func (x *runner) rollback(steps []int32, t time.Duration) (time.Duration, bool) {
	consistent := true
	for k := len(steps) - 1; k >= 0; k-- {
		for _, ci := range x.pl.msgs[steps[k]].comp {
			var ok bool
			t, ok = x.compensate(ci, t)
			if !ok {
				consistent = false
			}
		}
	}
	return t, consistent
}

// finish runs the compensations when the main timeline failed and names
// the outcome. (A fork's failure compensated its own steps in the fork.)
func (x *runner) finish(e2e time.Duration) uint8 {
	if !x.failed && !x.forkFailed {
		if x.handled {
			return outHandled
		}
		return outOK
	}
	if x.failed {
		t := x.firstFail.at
		if x.rt != nil {
			// a fork may have failed while the main timeline went on: the
			// rollback starts when the run has ended, not in the past
			t = max(t, x.rt.since())
		}
		steps := x.steps[:0]
		for _, d := range x.done {
			steps = append(steps, d.mi)
		}
		x.steps = steps
		if len(steps) > 0 {
			var ok bool
			t, ok = x.rollback(steps, t)
			x.compRan = true
			x.compOK = x.compOK && ok
		}
		if t > x.completion {
			x.completion = t
		}
	}
	if !x.compOK {
		return outInconsistent
	}
	return outFailed
}

// send sends message mi at time start, bounded by lim, and returns its
// latency and fault: sampled in virtual time, measured on the real
// adapter or stub in real time (si is the message's span, side 1 when the
// callee sends it, for the trace context; own bounds a message that no
// exchange times by its own timeout, in real time: see realSend).
func (x *runner) send(mi int, start, lim time.Duration, si, side int, own bool) (time.Duration, uint8) {
	if x.rt != nil {
		return x.realSend(mi, start, lim, si, side, own)
	}
	if mp := &x.pl.msgs[mi]; len(mp.set.Faults) == 0 {
		// most messages: no fault to draw, no call to draw
		lat := mp.set.Latency.Sample(x.r)
		x.st.message(mi, lat, fkNone)
		return lat, fkNone
	}
	lat, extra, fk, _ := x.draw(mi, start)
	lat += extra
	x.st.message(mi, lat, fk)
	return lat, fk
}

// draw samples a message's latency and the fault injected on it, if any
// (with a delay fault's extra latency), from the timeline's source: the
// first fault whose schedule (first, window) holds and whose rate draws.
func (x *runner) draw(mi int, start time.Duration) (lat, extra time.Duration, fk uint8, f *Fault) {
	mp := &x.pl.msgs[mi]
	lat = mp.set.Latency.Sample(x.r)
	if len(mp.set.Faults) == 0 {
		return lat, 0, fkNone, nil
	}
	u := x.r.Float64()
	nth, sess := int32(0), time.Duration(0)
	if mp.scheduled {
		x.lock()
		x.top.calls[mi]++
		nth = x.top.calls[mi]
		x.unlock()
		sess = x.session(start)
	}
	cum := 0.0
	for k := range mp.set.Faults {
		g := &mp.set.Faults[k]
		if mp.scheduled && !g.holds(nth, sess) {
			continue
		}
		cum += g.Rate
		if u < cum {
			f = g
			break
		}
	}
	if f == nil {
		return lat, 0, fkNone, nil
	}
	fk = faultKind(f.Kind)
	if fk == fkDelay && f.Delay != nil {
		extra = f.Delay.Sample(x.r)
	}
	if fk == fkDelay && mp.handler[fkDelay] != nil {
		// a delay stops nothing: its bound branch is taken when the
		// flow reaches the block
		x.addPending(mp.handler[fkDelay])
	}
	return lat, extra, fk, f
}

// session is the session time of run time t: since the simulation
// started (virtual time: run i starts at i·runid.Spacing).
func (x *runner) session(t time.Duration) time.Duration {
	if x.rt != nil {
		return x.rt.start.Add(t).Sub(x.rt.eng.start)
	}
	return time.Duration(x.runIdx)*runid.Spacing + t
}

func (x *runner) land(t, cutoff time.Duration) {
	if x.rt != nil {
		x.sharedLand(min(t, cutoff))
		return
	}
	x.completion = max(x.completion, min(t, cutoff))
}

// span opens a span of message mi (reply: the reply's number, 0 for
// none) and returns its index, or -1 when the run is not traced.
func (x *runner) span(kind SpanKind, mi, reply int, start time.Duration, parent, attempt int) int {
	if !x.tracing {
		return -1
	}
	return x.addSpan(RunSpan{N: mi + 1, Reply: reply, Kind: kind, Start: start, Parent: parent, Attempt: attempt})
}

func (x *runner) addSpan(s RunSpan) int {
	x.lock()
	defer x.unlock()
	t := x.top
	t.spans = append(t.spans, s)
	return len(t.spans) - 1
}

// setSpan fills in the times and fault of span i once its message went.
func (x *runner) setSpan(i int, arrive, leave, end time.Duration, fault string) {
	if i >= 0 {
		x.fillSpan(i, arrive, leave, end, fault)
	}
}

func (x *runner) fillSpan(i int, arrive, leave, end time.Duration, fault string) {
	x.lock()
	s := &x.top.spans[i]
	s.Arrive, s.Leave, s.End, s.Fault = arrive, leave, end, fault
	x.unlock()
}

// bound is the limit on work in frame fr and whose limit it is (an
// exchange index, -1 for none): the earliest own limit of the exchanges
// still open from fr out to the timeline's root (the outer one on a tie).
func (x *runner) bound(fr int) (time.Duration, int) {
	if x.rt != nil {
		return x.sharedBound(fr)
	}
	return x.limits(fr, nil)
}

// limits computes bound, leaving out the limits of the exchanges skip.
func (x *runner) limits(fr int, skip []int) (time.Duration, int) {
	lim, owner := never, -1
	for k := fr; k > 0; k-- {
		f := x.frameAt(k)
		if f.ex < 0 {
			if f.own <= lim {
				lim, owner = f.own, int(f.owner)
			}
			break
		}
		if !f.closed && f.own < never && f.own <= lim && !slices.Contains(skip, int(f.ex)) {
			lim, owner = f.own, int(f.ex)
		}
	}
	return lim, owner
}

// mask pushes the frame of a par branch that runs beside a reply to the
// exchanges closes: the callee's work beside the answer, bounded by the
// limits around those exchanges but not by theirs (so that it does not
// depend on which branch is evaluated first, or on the clock). It returns
// the frame's index.
func (x *runner) mask(fr int, closes []int) int {
	x.lock()
	lim, owner := x.limits(fr, closes)
	x.unlock()
	x.frames = append(x.frames, frame{ex: -1, own: lim, owner: int32(owner)})
	return len(x.frames) - 1
}

// frameAt is frame k of this timeline. In real time the branches of a par
// run on runners of their own, and the frames up to the block's (upTo)
// are those of the timeline they branched from: a reply in one branch
// closes the exchange for all (under the session's lock).
func (x *runner) frameAt(k int) *frame {
	r := x
	for r.up != nil && k <= r.upTo {
		r = r.up
	}
	return &r.frames[k]
}

// closeFrame marks frame k's exchange answered; false when it already was
// (a reply in another par branch came first).
func (x *runner) closeFrame(k int) bool {
	x.lock()
	defer x.unlock()
	f := x.frameAt(k)
	if f.closed {
		return false
	}
	f.closed = true
	x.closes++
	return true
}

// seq runs a list of nodes from time t in frame fr. main tells whether
// the list is on the main timeline (for human time and the critical
// path).
func (x *runner) seq(ns []node, t time.Duration, fr int, main bool) (time.Duration, status) {
	// the bound changes only when a reply closes an exchange (x.closes
	// counts them; in real time another branch may close one at any time)
	cutoff, owner := x.bound(fr)
	gen := x.closes
	for i := 0; i < len(ns); i++ {
		if x.closes != gen || x.rt != nil {
			cutoff, owner = x.bound(fr)
			gen = x.closes
		}
		if t >= cutoff {
			x.cutOwner = owner
			return cutoff, stCut
		}
		n := &ns[i]
		var st status
		switch n.kind {
		case nMsg:
			t, st = x.sendOneWay(n.msg, t, cutoff, main)
		case nReply:
			t, st = x.reply(n, t, fr, main)
		case nExchange:
			t, st = x.exchange(n, t, fr, main)
		case nAsync:
			t, st = x.async(n, t)
		case nBlock:
			t, st = x.block(n.block, -1, t, fr, main)
		}
		if st == stJump {
			// forward to the handler if it is in this list
			found := false
			for k := i + 1; k < len(ns); k++ {
				if ns[k].kind == nBlock && ns[k].block == x.jump.block {
					br := x.jump.branch
					x.jump = nil
					x.setHandled()
					t, st = x.block(ns[k].block, br, t, fr, main)
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
		x.jump, x.jumpFail = h, failure{root: mi, fault: fk, at: at}
		return stJump
	}
	x.fail = failure{root: mi, fault: fk, at: at}
	return stFail
}

// message sends a one-way message (or a reply that has nothing open to
// close on this path) in frame fr.
func (x *runner) message(mi int, t time.Duration, fr int, main bool) (time.Duration, status) {
	cutoff, _ := x.bound(fr)
	return x.sendOneWay(mi, t, cutoff, main)
}

// sendOneWay sends a one-way message bounded by cutoff.
func (x *runner) sendOneWay(mi int, t, cutoff time.Duration, main bool) (time.Duration, status) {
	mp := &x.pl.msgs[mi]
	start := t
	si := x.span(SpanOneWay, mi, 0, start, x.parent, 1)
	lat, fk := x.send(mi, start, cutoff, si, 0, true)
	t += lat
	if main && mp.human {
		x.human += x.humanOf(lat)
	}
	x.setSpan(si, t, t, t, faultName(fk))
	switch fk {
	case fkError, fkTimeout, fkDrop:
		return t, x.fails(mi, fk, t)
	}
	x.land(t, cutoff)
	if mp.drawn {
		x.setHandled()
	}
	if len(mp.comp) > 0 {
		x.addDone(mi)
	}
	return t, stOK
}

// frameOf is the frame of exchange ex, open on this path, among the
// frames up to fr of this timeline (-1: none).
func (x *runner) frameOf(ex, fr int) int {
	x.lock()
	defer x.unlock()
	for k := fr; k > 0; k-- {
		f := x.frameAt(k)
		if f.ex < 0 {
			break
		}
		if int(f.ex) == ex {
			if f.closed {
				return -1
			}
			return k
		}
	}
	return -1
}

// reply sends a reply that sits inside a block of its exchange's body. If
// the exchange is open on this path the reply ends it where it stands:
// the exchange's duration ends at the reply's arrival, and what follows
// runs on the caller's timeline under the caller's bound. A reply whose
// exchange is already closed (answered earlier on this path) is a one-way
// message.
func (x *runner) reply(n *node, t time.Duration, fr int, main bool) (time.Duration, status) {
	k := x.frameOf(n.ex, fr)
	if k < 0 {
		return x.message(n.msg, t, fr, main)
	}
	x.lock()
	f := *x.frameAt(k) // its fixed fields
	x.unlock()
	if f.handled {
		// the request failed and this branch handles it: the reply is
		// the handler's message, and it ends the exchange
		end, st := x.message(n.msg, t, fr, main)
		if st == stOK && x.closeFrame(k) {
			x.statExchange(int(f.ex), end-f.t0, false)
			x.parent = int(f.parent)
		}
		return end, st
	}
	lim, limOwner := x.bound(fr)
	rl, rfk := x.send(n.msg, t, lim, int(f.si), 1, false)
	end := t + rl
	if main && x.pl.msgs[n.msg].human {
		x.human += x.humanOf(rl)
	}
	switch {
	case end > lim:
		// the exchange's own timeout, or an outer one: the exchange
		// that owns the limit decides
		x.cutOwner = limOwner
		return lim, stCut
	case rfk == fkError || rfk == fkTimeout || rfk == fkDrop:
		x.lock()
		x.frameAt(k).replyFail = true
		x.unlock()
		x.fail = failure{root: n.msg, fault: rfk, at: end}
		return end, stFail
	}
	if !x.closeFrame(k) {
		// another par branch answered first: this reply closes nothing
		x.land(end, lim)
		return end, stOK
	}
	lim, _ = x.bound(fr)
	x.land(end, lim)
	if x.pl.msgs[n.msg].drawn {
		x.setHandled()
	}
	if f.si >= 0 {
		x.lock()
		x.top.spans[f.si].Reply = n.msg + 1
		x.unlock()
	}
	x.succeeded(int(f.ex), int(f.si), f.t0, t, end, f.main)
	x.parent = int(f.parent)
	return end, stOK
}

// succeeded records exchange ex (span si, first sent at t0) as answered:
// its reply left at leave and arrived at end.
func (x *runner) succeeded(ex, si int, t0, leave, end time.Duration, main bool) {
	x.endSpan(si, leave, end, "", false)
	req := x.pl.exchanges[ex].req
	if len(x.pl.msgs[req].comp) > 0 {
		x.addDone(req)
	}
	x.statExchange(ex, end-t0, false)
	if main {
		x.addCP(ex, end-t0)
	}
}

// async sends a fire-and-forget message: the timeline goes on at once,
// the fork runs from the delivery. A fork's failure fails the run but not
// the main timeline.
func (x *runner) async(n *node, t time.Duration) (time.Duration, status) {
	si := x.span(SpanAsync, n.msg, 0, t, x.parent, 1)
	if x.rt != nil {
		// the send and the fork run beside the timeline, which goes on
		// at once; the run waits for them
		y := x.child(si)
		x.rt.wg.Add(1)
		go func() {
			defer x.rt.wg.Done()
			y.deliver(n, t, si)
		}()
		return t, stOK
	}
	saved, savedHuman, savedFork, savedInst := x.parent, x.human, x.fork, x.forkInst
	x.deliver(n, t, si)
	x.parent, x.human, x.fork, x.forkInst = saved, savedHuman, savedFork, savedInst
	return t, stOK
}

// deliver sends an async message at t and runs its fork from the
// delivery. A fork's failure (the message lost included) fails the run
// but not the main timeline, and rolls back only the fork's own steps.
func (x *runner) deliver(n *node, t time.Duration, si int) {
	x.lock()
	x.top.nforks++
	x.fork, x.forkInst = n.msg+1, x.top.nforks
	x.unlock()
	lat, fk := x.send(n.msg, t, never, si, 0, true)
	x.setSpan(si, t+lat, t+lat, t+lat, faultName(fk))
	if fk == fkDrop || fk == fkError || fk == fkTimeout {
		// the message is lost when sent: nothing of it lands, so the
		// run's completion stays the main timeline's
		if x.fails(n.msg, fk, t) == stFail {
			x.forkFailure(t, x.fork, x.forkInst)
		} else {
			x.pendJump()
		}
		return
	}
	x.land(t+lat, never)
	x.parent = si
	fr := len(x.frames)
	x.frames = append(x.frames, rootFrame)
	end, st := x.seq(n.body, t+lat, fr, false)
	x.frames = x.frames[:fr]
	switch st {
	case stFail, stCut:
		x.forkFailure(end, x.fork, x.forkInst)
	case stJump:
		x.pendJump()
	case stStop:
		x.setHandled()
	}
	if len(x.pl.msgs[n.msg].comp) > 0 {
		x.addDone(n.msg)
	}
}

// pendJump keeps a fork's handled failure for its bound branch, which the
// main timeline takes when it reaches the block.
func (x *runner) pendJump() {
	x.lock()
	t := x.top
	// in real time handled only if the main timeline takes the branch
	f := x.jumpFail
	f.fork, f.inst = x.fork, x.forkInst
	t.pending = append(t.pending, pendingBranch{h: x.jump, fail: f, fork: x.rt != nil})
	if x.rt == nil {
		t.handled = true
	}
	x.unlock()
	x.jump = nil
}

// exchange runs a request, the work it waits for and the reply, with the
// request's timeout, deadline and retries, in frame fr.
func (x *runner) exchange(n *node, t time.Duration, fr int, main bool) (time.Duration, status) {
	parent := x.parent
	// a frame of its own when something in the body needs one: its
	// limits, or a reply inside a block; else the body runs in the
	// caller's frame (k == fr)
	k := fr
	if n.framed {
		k = len(x.frames)
		x.frames = append(x.frames, frame{ex: int32(n.ex), t0: t, parent: int32(parent), main: main})
	}
	end, st := x.attempts(n, t, fr, k, main)
	x.parent = parent
	if k != fr {
		x.frames = x.frames[:k]
	}
	return end, st
}

// resume continues an exchange's own work from its handler block after
// the request itself failed (frame k): the handler runs under the
// caller's bound, and a reply in it ends the exchange; else the reply
// after the block (sent as the handler's next message) or the end of the
// handler's work does.
func (x *runner) resume(n *node, t time.Duration, fr, k int, main bool, si int, t0 time.Duration) (time.Duration, status) {
	body := n.body
	for b := range body {
		if body[b].kind != nBlock || body[b].block != x.jump.block {
			continue
		}
		br := x.jump.branch
		x.jump = nil
		x.setHandled()
		if k != fr {
			f := &x.frames[k]
			f.own, f.handled = never, true
		}
		x.parent = si
		end, st := x.block(body[b].block, br, t, k, main)
		if st == stOK {
			end, st = x.seq(body[b+1:], end, k, main)
		}
		closed := k != fr && x.frames[k].closed
		if st == stOK && n.reply >= 0 {
			// the reply after the block: it ends the exchange unless the
			// handler answered it already (then it is one-way)
			if !closed {
				x.parent = si
			}
			end, st = x.message(n.reply, end, k, main)
			if st != stOK {
				return end, st
			}
		}
		if !closed {
			x.statExchange(n.ex, end-t0, false)
		}
		return end, st
	}
	x.statExchange(n.ex, t-t0, false)
	return t, stJump // the handler follows the exchange
}

func (x *runner) setDetail(i int, detail string) {
	x.lock()
	x.top.spans[i].Detail = detail
	x.unlock()
}

func (x *runner) endSpan(i int, leave, end time.Duration, fault string, abandoned bool) {
	if i < 0 {
		return
	}
	x.lock()
	defer x.unlock()
	s := &x.top.spans[i]
	s.Leave, s.End, s.Fault, s.Abandoned = leave, end, fault, abandoned
	if s.Leave < s.Arrive {
		s.Leave = s.Arrive
	}
}

// block runs a block; forced >= 0 takes that branch (a handler).
func (x *runner) block(bp *blockPlan, forced int, t time.Duration, fr int, main bool) (time.Duration, status) {
	set := bp.set
	if forced < 0 {
		forced = x.takePending(bp)
	}
	switch bp.kind {
	case "rect":
		return x.seq(bp.branches[0], t, fr, main)
	case "opt":
		if forced < 0 && set != nil && set.Probability != nil && x.r.Float64() >= *set.Probability {
			return t, stOK
		}
		return x.seq(bp.branches[0], t, fr, main)
	case "break":
		if forced < 0 {
			if set == nil || set.Probability == nil || x.r.Float64() >= *set.Probability {
				return t, stOK
			}
		}
		end, st := x.seq(bp.branches[0], t, fr, main)
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
			t, st = x.seq(bp.branches[0], t, fr, main)
			if st != stOK {
				return t, st
			}
		}
		return t, stOK
	case "par", "par_over":
		if x.rt != nil {
			return x.realPar(bp, t, fr, main)
		}
		end := t
		var worst status
		var wfail failure
		// human time runs along each branch; the block's is that of the
		// branch that ends it (system time = end_to_end − human time)
		// each branch starts under the block's parent span; a reply in
		// one hands the timeline back to the caller's
		h0, hEnd := x.human, x.human
		p0, pEnd := x.parent, x.parent
		for bi, br := range bp.branches {
			x.human, x.parent = h0, p0
			var e time.Duration
			var st status
			if bp.masked != nil && bp.masked[bi] {
				k := x.mask(fr, bp.closes)
				e, st = x.seq(br, t, k, main)
				x.frames = x.frames[:k]
			} else {
				e, st = x.seq(br, t, fr, main)
			}
			if x.parent != p0 {
				pEnd = x.parent
			}
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
		x.human, x.parent = hEnd, pEnd
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
	return x.seq(bp.branches[br], t, fr, main)
}
