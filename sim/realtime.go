package sim

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/runid"
	"github.com/choreo-dev/choreo/report"
)

// Real time. When a participant has a real adapter (http or exec), runs
// execute on the wall clock with the same flow semantics as in virtual
// time (the same runner): each message whose receiver is real becomes a
// call on it, bounded by the caller's timeout through its context; a
// stub sleeps its sampled latency times TimeScale; an async fork and each
// par branch run on goroutines of their own. A reply a real system sends
// came with the answer to its request: it takes no time of its own and
// is not sent again. Times are measured from each message's intended send time
// (the run's intended start plus the flow's time so far), so a run that
// waits for a free slot under an open-loop rate counts the wait (no
// coordinated omission). Injected faults act in front of the real call:
// error aborts without sending (with a status if the fault names one),
// drop does not send, timeout holds the call until the caller's limit,
// delay waits before sending. A message an actor sends to a real system
// waits for the person first (its sampled latency, scaled).

// RealOptions control a simulation in real time.
type RealOptions struct {
	Runs int64
	Seed uint64
	// First numbers the runs from First (a drill's cases, which share a
	// session's trace ids, number theirs apart).
	First int64
	// Concurrency bounds the runs in flight (default 1; with a Rate,
	// DefaultOpenConcurrency).
	Concurrency int
	// Rate, if positive, starts runs open-loop at Rate per second: run i
	// is due at i/Rate; when every slot is busy it starts late and its
	// times count from when it was due. 0: closed loop, each slot starts
	// its next run when its last one ends.
	Rate float64
	// TimeScale multiplies the sleeps of stubs (default 1; 0.01 makes a
	// 5-minute human step 3 s). Real calls and timeouts are not scaled.
	TimeScale float64
	// Trace receives every run's spans, in the order runs end; RunTrace
	// Start is the run's intended start on the wall clock.
	Trace func(*RunTrace) error
	// Faults receives every injected fault as it is injected.
	Faults func(FaultEvent)
	// Progress, if set, is called with the runs done after each run.
	Progress func(done int64)
	// IDSeed seeds the trace and span ids (with the run index). 0: a
	// random one, so that two sessions never share trace ids.
	IDSeed uint64
}

// DefaultOpenConcurrency bounds the runs in flight of an open-loop
// simulation (a Rate) when Concurrency does not: high enough that arrivals
// do not wait for a slot unless the systems are very slow, as vegeta and
// k6's arrival-rate executors do.
const DefaultOpenConcurrency = 1000

// FaultEvent is one injected fault, as logged: with the seed, the run and
// the message it replays exactly (the same seed draws the same faults
// for rates and first: schedules; window: schedules follow the clock).
type FaultEvent struct {
	Seed    uint64  `json:"seed"`
	Run     int64   `json:"run"`
	N       int     `json:"n"`
	Attempt int     `json:"attempt"`
	Fault   string  `json:"fault"`
	Status  int     `json:"status,omitempty"`
	AtMS    float64 `json:"at_ms"`      // since the run's start
	Session float64 `json:"session_ms"` // since the simulation's start
	TraceID string  `json:"trace_id"`
}

// engine is what a real-time simulation shares between its runs.
type engine struct {
	pl       *plan
	start    time.Time
	seed     uint64
	idSeed   uint64
	scale    float64
	ad       []adapter // the receiver's adapter, per message (nil: stub)
	req      []*httpRequest
	carried  []bool // a reply a real system sends: it came with the answer to the request
	slug     []string
	faultLog func(FaultEvent)
	logMu    sync.Mutex
	// mu guards the statistics, which all runs share, and each run's
	// shared state: real time makes few enough calls that one lock is
	// free of contention.
	mu       sync.Mutex
	injected atomic.Int64
}

func newEngine(d *flow.Diagram, p *Profile, pl *plan) (*engine, error) {
	ads, reqs, err := buildAdapters(p, pl.msgs)
	if err != nil {
		return nil, err
	}
	e := &engine{pl: pl, ad: make([]adapter, len(pl.msgs)), req: reqs,
		carried: make([]bool, len(pl.msgs)), slug: make([]string, len(pl.msgs))}
	g := flow.Build(d)
	for i := range pl.msgs {
		m := pl.msgs[i].m
		e.ad[i] = ads[m.To]
		e.slug[i] = slug(m.Text)
		if info := g.Info(m); info != nil && info.Role == flow.RoleReply && ads[m.From] != nil {
			e.carried[i] = true
		}
	}
	return e, nil
}

// realRun is the state one real-time run shares between its timelines.
type realRun struct {
	mu       *sync.Mutex // the engine's
	ctx      context.Context
	start    time.Time // the run's intended start
	eng      *engine
	ids      runid.IDs
	traceID  string
	wg       sync.WaitGroup
	canceled atomic.Bool
	dropped  bool // the run was interrupted and not counted
}

// since is the run time now.
func (r *realRun) since() time.Duration { return time.Since(r.start) }

// sleepUntil waits until run time t; false when the run was cancelled.
func (r *realRun) sleepUntil(t time.Duration) bool {
	d := t - r.since()
	if d <= 0 {
		return r.ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// How a bounded wait ended.
const (
	waitDone     = iota
	waitCut      // the limit came first
	waitCanceled // the run was cancelled
)

// waitBounded sleeps until run time until, or until lim if that comes
// first.
func (r *realRun) waitBounded(until, lim time.Duration) int {
	cut := until > lim
	if !r.sleepUntil(min(until, lim)) {
		return waitCanceled
	}
	if cut {
		return waitCut
	}
	return waitDone
}

// child is a timeline that runs beside x (an async fork, a par branch)
// on a goroutine: its own random stream, the run's shared state.
func (x *runner) child(parent int) *runner {
	x.nchild++
	y := &runner{pl: x.pl, st: x.st, top: x.top, rt: x.rt, tracing: x.tracing, parent: parent,
		human: x.human, runIdx: x.runIdx, cutOwner: x.cutOwner, fork: x.fork, forkInst: x.forkInst}
	y.stream = runid.Mix(x.stream ^ runid.Mix(x.nchild))
	y.pcg = mrand.NewPCG(x.rt.eng.seed^y.stream, uint64(x.runIdx))
	y.r = mrand.New(y.pcg)
	return y
}

// realPar runs a par block's branches side by side and joins them as the
// virtual-time evaluation does: the block ends with its last branch and
// fails if one fails.
func (x *runner) realPar(bp *blockPlan, t time.Duration, fr int, main bool) (time.Duration, status) {
	type branch struct {
		end time.Duration
		st  status
		y   *runner
	}
	out := make([]branch, len(bp.branches))
	var wg sync.WaitGroup
	for bi, br := range bp.branches {
		y := x.child(x.parent)
		// the exchanges this branch serves are the block's timeline's
		// (frameAt reads them there); its own begin after them
		y.frames, y.up, y.upTo = make([]frame, fr+1, fr+4), x, fr
		out[bi].y = y
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := fr
			if bp.masked != nil && bp.masked[bi] {
				k = y.mask(fr, bp.closes)
			}
			out[bi].end, out[bi].st = y.seq(br, t, k, main)
		}()
	}
	wg.Wait()
	end := t
	var worst status
	var from *runner
	hEnd := x.human
	for bi, b := range out {
		if b.end > end || bi == 0 {
			end, hEnd = b.end, b.y.human
		}
		if b.st != stOK && (worst == stOK || b.st == stFail && worst != stFail) {
			worst, from = b.st, b.y
		}
	}
	x.human = hEnd
	// a reply in a branch handed the timeline back to the caller's span
	p0 := x.parent
	for _, b := range out {
		if b.y.parent != p0 {
			x.parent = b.y.parent
		}
	}
	if from != nil {
		x.fail, x.jump, x.cutOwner = from.fail, from.jump, from.cutOwner
	}
	if worst == stFail {
		x.fail.at = end
	}
	return end, worst
}

// realSend sends message mi at run time start, bounded by lim. With own
// (a one-way or async message, which no exchange times) its own timeout
// bounds it too, so that a system that never answers cannot hold the run
// forever: past it the message failed with a timeout. (In virtual time
// such a message takes its latency, whatever it is.)
func (x *runner) realSend(mi int, start, lim time.Duration, si, side int, own bool) (time.Duration, uint8) {
	t := x.pl.msgs[mi].set.Timeout
	if !own || t <= 0 || start+t >= lim {
		return x.realCall(mi, start, lim, si, side)
	}
	lat, fk := x.realCall(mi, start, start+t, si, side)
	if lat > t && (fk == fkNone || fk == fkDelay) {
		x.statTimedOut(mi, fkNone)
		fk = fkTimeout
	}
	return lat, fk
}

// realCall sends message mi at run time start, bounded by lim: the fault
// drawn for it acts first, then the real call or the stub's sleep.
func (x *runner) realCall(mi int, start, lim time.Duration, si, side int) (time.Duration, uint8) {
	rr := x.rt
	e := rr.eng
	mp := &x.pl.msgs[mi]
	x.think = -1
	lat, extra, fk, f := x.draw(mi, start)
	if !rr.sleepUntil(start) {
		return x.canceled(mi, start)
	}
	attempt := 1
	x.lock()
	if si >= 0 {
		attempt = x.top.spans[si].Attempt
	}
	x.unlock()
	if fk != fkNone {
		e.injected.Add(1)
	}
	if fk != fkNone && e.faultLog != nil {
		ev := FaultEvent{Seed: e.seed, Run: x.runIdx, N: mi + 1, Attempt: attempt, Fault: faultName(fk), Status: f.Status,
			AtMS: millis(start), Session: millis(x.session(start)), TraceID: rr.traceID}
		e.logMu.Lock()
		e.faultLog(ev)
		e.logMu.Unlock()
	}
	ad := e.ad[mi]
	switch fk {
	case fkError, fkDrop: // abort: nothing is sent
		if ad == nil && !e.carried[mi] {
			// a stub's failure comes once its latency has passed, as
			// in virtual time; a real call is aborted at once
			if rr.waitBounded(start+x.scaled(lat), lim) == waitCanceled {
				return x.canceled(mi, start)
			}
		}
		return x.recordReal(mi, si, rr.since()-start, fk, f.Status, "injected "+faultName(fk))
	case fkTimeout: // the call hangs until the caller's limit
		until := start + x.scaled(lat) // nothing bounds the wait
		if lim < never {
			until = lim
		}
		if !rr.sleepUntil(until) {
			return x.canceled(mi, start)
		}
		return x.recordReal(mi, si, until-start, fkTimeout, 0, "")
	case fkDelay: // wait, then send
		if l, k, ok := x.sleep(mi, si, start, lim, extra, fkDelay); !ok {
			return l, k
		}
	}
	switch {
	case e.carried[mi]:
		return x.recordReal(mi, si, rr.since()-start, fk, 0, "")
	case ad != nil:
		if mp.human {
			// a person sends it: their time (the sampled latency,
			// scaled) passes before the call
			t0 := rr.since()
			l, k, ok := x.sleep(mi, si, start, lim, x.scaled(lat), fk)
			x.think = rr.since() - t0
			if !ok {
				return l, k
			}
		}
		ctx, cancel := rr.ctx, context.CancelFunc(func() {})
		if lim < never {
			ctx, cancel = context.WithDeadline(rr.ctx, rr.start.Add(lim))
		}
		c := &Call{Run: x.runIdx, N: mi + 1, Attempt: attempt, From: mp.m.From, To: mp.m.To, Text: mp.m.Text,
			Slug: e.slug[mi], TraceID: rr.traceID, SpanID: spanHex(rr.ids.Span(max(si, 0), side))}
		res := ad.do(ctx, c, e.req[mi])
		// cut off: it failed because the caller's limit passed (an answer
		// that came in time stands, however close to the limit)
		cutOff := res.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && rr.ctx.Err() == nil
		cancel()
		if rr.ctx.Err() != nil {
			return x.canceled(mi, start)
		}
		switch {
		case cutOff:
			return x.recordReal(mi, si, rr.cut(start, lim), fkNone, res.status, "timed out")
		case res.err != nil:
			// the error with the start of the answer, secrets redacted
			return x.recordReal(mi, si, rr.since()-start, fkError, res.status, ad.redact(res.err.Error()+trailer(res.output)))
		}
		output := ""
		if _, ok := ad.(*execAdapter); ok {
			output = ad.redact(res.output) // kept as a span event
		}
		return x.recordReal(mi, si, rr.since()-start, fk, res.status, output)
	default: // a stub
		if l, k, ok := x.sleep(mi, si, start, lim, x.scaled(lat), fk); !ok {
			return l, k
		}
		return x.recordReal(mi, si, rr.since()-start, fk, 0, "")
	}
}

// sleep waits d from now, bounded by lim, for a message sent at start.
// ok is false when the wait ended the message: cut by the limit (a
// latency past it, which the caller's timeout logic reads) or cancelled;
// l and k are then what realSend returns.
func (x *runner) sleep(mi, si int, start, lim, d time.Duration, fk uint8) (l time.Duration, k uint8, ok bool) {
	rr := x.rt
	switch rr.waitBounded(rr.since()+d, lim) {
	case waitCanceled:
		l, k = x.canceled(mi, start)
		return l, k, false
	case waitCut:
		l, k = x.recordReal(mi, si, rr.cut(start, lim), fk, 0, "")
		return l, k, false
	}
	return 0, 0, true
}

// cut is the latency of a message sent at start that its limit cut off:
// just past the limit, so that the flow reads it as late.
func (r *realRun) cut(start, lim time.Duration) time.Duration {
	return max(r.since()-start, lim-start+1)
}

func trailer(out string) string {
	out = strings.TrimSpace(out)
	if out == "" {
		return ""
	}
	if len(out) > 200 {
		out = out[:200] + "…"
	}
	return ": " + out
}

func (x *runner) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * x.rt.eng.scale)
}

// recordReal records a real message's measured latency and what the
// system answered.
func (x *runner) recordReal(mi, si int, lat time.Duration, fk uint8, status int, detail string) (time.Duration, uint8) {
	x.lock()
	x.top.st.message(mi, lat, fk)
	if si >= 0 && (x.rt.eng.ad[mi] != nil || status != 0) {
		s := &x.top.spans[si]
		if status != 0 {
			s.Status = status
		}
		if detail != "" {
			s.Detail = detail
		}
		// an http system's own SERVER span joins the trace
		_, s.Remote = x.rt.eng.ad[mi].(*httpAdapter)
	}
	x.unlock()
	return lat, fk
}

// canceled ends a call that Ctrl-C interrupted: the run is not counted.
func (x *runner) canceled(mi int, start time.Duration) (time.Duration, uint8) {
	x.rt.canceled.Store(true)
	return max(x.rt.since()-start, 0), fkError
}

func millis(d time.Duration) float64 { return float64(d) / 1e6 }

func spanHex(v uint64) string { return string(runid.AppendHex(nil, v)) }

// RunReal runs the flow in real time against the profile's adapters (see
// the package's real-time notes above) and returns the result. When ctx
// is cancelled, in-flight calls are cancelled with it, the runs they
// belong to are dropped, and the result of the runs that ended is
// returned, marked partial, with ctx's error.
func RunReal(ctx context.Context, d *flow.Diagram, p *Profile, o RealOptions) (*report.Result, error) {
	if o.Runs <= 0 {
		return nil, fmt.Errorf("runs must be positive, not %d", o.Runs)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
		if o.Rate > 0 {
			o.Concurrency = DefaultOpenConcurrency
		}
	}
	if int64(o.Concurrency) > o.Runs {
		o.Concurrency = int(o.Runs) // no idle slots
	}
	if o.TimeScale <= 0 {
		o.TimeScale = 1
	}
	if o.IDSeed == 0 {
		var b [8]byte
		rand.Read(b[:])
		o.IDSeed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	pl := compile(d, p)
	e, err := newEngine(d, p, pl)
	if err != nil {
		return nil, err
	}
	e.seed, e.idSeed, e.scale, e.faultLog = o.Seed, o.IDSeed, o.TimeScale, o.Faults
	e.start = time.Now()
	slots := make(chan *runner, o.Concurrency)
	col := newCollector(pl)
	for range o.Concurrency {
		slots <- newRunner(pl, col)
	}
	var (
		wg       sync.WaitGroup
		done     atomic.Int64
		traceMu  sync.Mutex
		traceErr error
	)
	for i := int64(0); i < o.Runs && ctx.Err() == nil; i++ {
		due := time.Now()
		if o.Rate > 0 {
			due = e.start.Add(time.Duration(float64(i) / o.Rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				tm := time.NewTimer(d)
				select {
				case <-tm.C:
				case <-ctx.Done():
					tm.Stop()
				}
			}
		}
		var x *runner
		select {
		case x = <-slots:
		case <-ctx.Done():
		}
		if x == nil {
			break
		}
		if o.Rate <= 0 {
			due = time.Now()
		}
		traceMu.Lock()
		stop := traceErr != nil
		traceMu.Unlock()
		if stop {
			slots <- x
			break
		}
		wg.Add(1)
		go func(x *runner, i int64, due time.Time) {
			defer wg.Done()
			defer func() { slots <- x }()
			rr := &realRun{ctx: ctx, start: due, eng: e, mu: &e.mu}
			rr.ids = runid.New(e.idSeed, o.First+i)
			hi, lo := rr.ids.Trace()
			rr.traceID = spanHex(hi) + spanHex(lo)
			x.rt, x.stream, x.nchild = rr, 0, 0
			x.run(o.Seed, o.First+i, true)
			if rr.dropped {
				return
			}
			if o.Trace != nil {
				rt := &RunTrace{Run: o.First + i, Outcome: report.Outcome(x.lastOutcome).String(), Spans: append([]RunSpan(nil), x.spans...), Start: due, TraceID: rr.traceID}
				traceMu.Lock()
				if traceErr == nil {
					traceErr = o.Trace(rt)
				}
				traceMu.Unlock()
			}
			n := done.Add(1)
			if o.Progress != nil {
				o.Progress(n)
			}
		}(x, i, due)
	}
	wg.Wait()
	for _, a := range e.ad {
		if h, ok := a.(*httpAdapter); ok {
			h.closeIdle() // a drill opens a session per case
		}
	}
	res := assemble(p, []*collector{col}, o.Seed, e.start)
	res.Source = "sim"
	res.RealTime = &report.RealTime{Concurrency: o.Concurrency, Rate: o.Rate, TimeScale: o.TimeScale, Injected: e.injected.Load()}
	var rerr error
	if cerr := ctx.Err(); cerr != nil {
		res.Partial = true
		rerr = cerr
	}
	if traceErr != nil {
		res.Partial = true
		rerr = errors.Join(rerr, traceErr)
	}
	return res, rerr
}

// assemble merges the collectors into a result.
func assemble(p *Profile, cols []*collector, seed uint64, start time.Time) *report.Result {
	all := cols[0]
	for _, c := range cols[1:] {
		all.merge(c)
	}
	res := all.agg.Result()
	res.Source, res.Seed, res.Profile, res.Scenario, res.Set = "sim", seed, p.Path, p.Scenario, p.Set
	res.ProfileSHA256 = p.SHA256
	res.ElapsedMS = time.Since(start).Milliseconds()
	res.SLO = report.Judge(p.SLO, res)
	return res
}

// Request is a call a real-time run would make, as a dry run shows it.
type Request struct {
	N        int
	Selector string
	To       string
	Adapter  string
	// Text is the request (method, URL, headers, body; or argv and
	// environment), secrets redacted.
	Text string
}

// PlanRequests lists the calls run 0's first attempt would make to real
// systems, one per message whose receiver has a real adapter, secrets
// redacted; nothing is sent.
func PlanRequests(d *flow.Diagram, p *Profile) ([]Request, error) {
	pl := compile(d, p)
	e, err := newEngine(d, p, pl)
	if err != nil {
		return nil, err
	}
	var out []Request
	for i := range pl.msgs {
		if e.ad[i] == nil || e.carried[i] {
			continue
		}
		m := pl.msgs[i].m
		c := &Call{Run: 0, N: i + 1, Attempt: 1, From: m.From, To: m.To, Text: m.Text, Slug: slug(m.Text),
			TraceID: "{run's trace id}", SpanID: "{call's span id}"}
		out = append(out, Request{N: i + 1, Selector: m.Selector(), To: m.To, Adapter: p.Participants[m.To].Adapter, Text: e.ad[i].describe(c, e.req[i])})
	}
	return out, nil
}

// The real-time paths of the runner's shared-state helpers (see run.go):
// calls of their own, under the session's lock, so that the virtual-time
// helpers stay small enough to inline.

//go:noinline // keeps the virtual-time caller small enough to inline
func (x *runner) sharedHandled() { x.shared(func(t *runner) { t.handled = true }) }

//go:noinline // keeps the virtual-time caller small enough to inline
func (x *runner) sharedDone(mi int) {
	s := doneStep{int32(mi), int32(x.forkInst)}
	x.shared(func(t *runner) { t.done = append(t.done, s) })
}

//go:noinline // keeps the virtual-time caller small enough to inline
func (x *runner) sharedCP(ex int, d time.Duration) {
	x.shared(func(t *runner) { t.cp[ex] += int64(d) })
}

// shared runs f on the run's shared state under the session's lock.
func (x *runner) shared(f func(t *runner)) {
	x.rt.mu.Lock()
	defer x.rt.mu.Unlock()
	f(x.top)
}

//go:noinline // keeps the virtual-time caller small enough to inline
func (x *runner) sharedExchange(ex int, d time.Duration, failed bool) {
	x.shared(func(t *runner) { t.st.exchange(ex, d, failed) })
}

//go:noinline // keeps the virtual-time caller small enough to inline
func (x *runner) sharedLand(t time.Duration) {
	x.shared(func(r *runner) { r.completion = max(r.completion, t) })
}

//go:noinline // keeps the virtual-time caller small
func (x *runner) sharedBound(fr int) (time.Duration, int) {
	x.lock()
	defer x.unlock()
	return x.limits(fr, nil)
}

// interrupted reports (and marks) a real-time run that Ctrl-C cut short:
// it is not a run.
func (x *runner) interrupted() bool {
	if x.rt.canceled.Load() || x.rt.ctx.Err() != nil {
		x.rt.dropped = true
		return true
	}
	return false
}
