package trace

import (
	"slices"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// KeepFit makes the checker count, besides its statistics, what `choreo
// fit` needs to write a profile (report.FitData, in Result().Fit): each
// message's latency as the simulator draws it (a request's own time
// included, its nested calls left out), the faults that started at each
// message, timeouts and retries, and which branch of each block the
// aligned traces took. Call it before the first Add.
func (c *Checker) KeepFit() {
	c.fit = newFitCounts(c)
}

// fitCounts accumulates report.FitData over the traces a Checker adds.
type fitCounts struct {
	c       *Checker
	msgs    []report.FitMessage
	blocks  []*fitBlock
	byBlock map[*flow.Block]*fitBlock
	// seen and live are per-trace scratch: how often each message was
	// seen in the trace (a call's retries once), and whether a call of
	// it failed for good at its own fault
	seen   []int
	own    []bool
	failed []bool // a call of it failed for good, whatever the cause
}

// fitBlock is one block with the messages of each branch.
type fitBlock struct {
	out      report.FitBlock
	blk      *flow.Block
	parent   []flow.BranchRef // the branches the block sits in
	branches [][]int          // message numbers of each branch (nested blocks included)
	first    int              // the smallest and largest message number inside
	last     int
	after    []int          // messages after the block on the same path
	before   int            // the message just before it on the same level (0: none)
	common   []map[int]bool // per branch: the root failures common to every trace that took it after one
}

func newFitCounts(c *Checker) *fitCounts {
	f := &fitCounts{c: c, msgs: make([]report.FitMessage, len(c.msgs)),
		seen: make([]int, len(c.msgs)+1), own: make([]bool, len(c.msgs)+1), failed: make([]bool, len(c.msgs)+1)}
	for i := range f.msgs {
		f.msgs[i].N = i + 1
	}
	byBlock := map[*flow.Block]*fitBlock{}
	f.byBlock = byBlock
	for _, b := range c.d.Blocks() {
		switch b.Kind {
		case flow.Alt, flow.Critical, flow.Opt, flow.Break, flow.Loop:
		default:
			continue
		}
		fb := &fitBlock{blk: b, branches: make([][]int, len(b.Branches)),
			common: make([]map[int]bool, len(b.Branches))}
		fb.out = report.FitBlock{Key: b.Key(0), Kind: string(b.Kind),
			Taken: make([]int64, len(b.Branches)), Failed: make([]int64, len(b.Branches)),
			FailedBy: make([]int, len(b.Branches))}
		for k := range b.Branches {
			fb.out.Keys = append(fb.out.Keys, b.Key(k))
		}
		if b.Kind == flow.Loop {
			fb.out.Iterations = map[int]int64{}
		}
		byBlock[b] = fb
		f.blocks = append(f.blocks, fb)
	}
	for _, mi := range c.g.Messages {
		n := mi.Message.N
		for d, br := range mi.Path {
			fb := byBlock[br.Block]
			if fb == nil {
				continue
			}
			if fb.first == 0 {
				fb.parent = mi.Path[:d:d]
				fb.first = n
			}
			fb.first, fb.last = min(fb.first, n), max(fb.last, n)
			fb.branches[br.Branch] = append(fb.branches[br.Branch], n)
		}
	}
	for _, fb := range f.blocks {
		for _, mi := range c.g.Messages {
			if mi.Message.N > fb.last && hasPrefix(mi.Path, fb.parent) {
				fb.after = append(fb.after, mi.Message.N)
			}
			if mi.Message.N < fb.first && slices.Equal(mi.Path, fb.parent) {
				fb.before = mi.Message.N
			}
		}
	}
	return f
}

func hasPrefix(path, prefix []flow.BranchRef) bool {
	if len(path) < len(prefix) {
		return false
	}
	for i, br := range prefix {
		if path[i] != br {
			return false
		}
	}
	return true
}

func record(h **report.Histogram, d int64) {
	if *h == nil {
		*h = report.NewHistogram()
	}
	(*h).Record(time.Duration(d))
}

// add counts one trace whose exchanges the alignment has placed.
func (f *fitCounts) add(obs *Observed) {
	c := f.c
	ex := obs.Exchanges
	clear(f.seen)
	clear(f.own)
	clear(f.failed)
	children := make([][]*ObservedExchange, len(ex))
	for _, e := range ex {
		if e.Parent != nil {
			children[e.Parent.Index] = append(children[e.Parent.Index], e)
		}
	}
	// A call is the attempts of one message under one parent up to the
	// first that succeeds (loops repeat calls); an attempt is retried
	// when another attempt of its call follows it.
	open := map[attemptKey]*ObservedExchange{} // the last failed attempt of the open call
	tries := map[attemptKey]int{}
	retried := make([]bool, len(ex))
	closeCall := func(k attemptKey, i int) {
		fm := &f.msgs[i]
		n := tries[k]
		fm.Calls++
		if n > 1 {
			fm.Retried++
		}
		fm.MaxAttempts = max(fm.MaxAttempts, n)
		delete(tries, k)
		delete(open, k)
	}
	for _, e := range ex {
		i := c.msgIndex(e.Message)
		if i < 0 {
			continue
		}
		k := attemptKey{e.Message, e.Parent}
		if prev := open[k]; prev != nil {
			retried[prev.Index] = true
			if tries[k] == 1 {
				record(&f.msgs[i].RetryWait, e.Start-(prev.Start+prev.Duration))
			}
		}
		tries[k]++
		if e.Failed {
			open[k] = e
		} else {
			closeCall(k, i)
		}
	}
	for k := range tries {
		closeCall(k, c.msgIndex(k.m))
	}
	live := func(e *ObservedExchange) bool { return e.Failed && !retried[e.Index] }
	var answered []*ObservedExchange

	for _, e := range ex {
		i := c.msgIndex(e.Message)
		if i < 0 {
			continue
		}
		fm := &f.msgs[i]
		fm.Attempts++
		if !retried[e.Index] {
			f.seen[i+1]++
		}
		if live(e) {
			f.failed[i+1] = true
		}
		// a failure the diagram draws (a --x reply, a -x request) is a
		// path of the flow, not a fault, unless a nested call's failure
		// brought it: its branch is counted below
		nested := false
		for _, ch := range children[e.Index] {
			nested = nested || live(ch)
		}
		if e.Failed && (nested || !c.drawn(e)) {
			// a failure is its own unless a nested call failed for good;
			// a timeout while a nested call still ran is the latency's
			// (the simulator times it out by itself), not a fault
			own, slow := !nested, false
			for _, ch := range children[e.Index] {
				if !ch.Async && ch.Start+ch.Duration >= e.Start+e.Duration {
					slow = true
				}
			}
			if !own {
				continue
			}
			if e.Async && e.Server == nil {
				// an async message that never arrived: lost
				fm.Faults.Drop++
			} else if e.Fault == report.FaultTimeout {
				record(&fm.GaveUp, e.Duration)
				if slow {
					continue
				}
				fm.Faults.Timeout++
			} else {
				fm.Faults.Error++
			}
			if live(e) {
				f.own[i+1] = true
			}
			continue
		}
		if e.Client == nil || e.Server == nil {
			continue
		}
		lat := max(e.RequestLatency, 0)
		if !e.Async {
			lat += selfTime(e, children[e.Index], retried)
		}
		record(&fm.Latency, lat)
		if !e.Async {
			answered = append(answered, e)
		}
	}
	// the reply that closed each exchange, once the requests seen tell
	// which branches ran
	for _, e := range answered {
		if r := c.msgIndex(f.replyOf(e)); r >= 0 {
			record(&f.msgs[r].Latency, max(e.ReplyLatency, 0))
			f.seen[r+1]++
		}
	}
	for _, fb := range f.blocks {
		f.addBlock(fb)
	}
}

// replyOf returns the reply that closed e: of the diagram's replies to
// its request (drawn as errors when e failed, else not), the first that
// sits in branches the trace shows were taken, else the first outside
// any branch of its own, else the first. (The checker's replyOf takes the
// first; a reply in a break that did not run would then take the
// latencies of the reply after it.)
func (f *fitCounts) replyOf(e *ObservedExchange) *flow.Message {
	info := f.c.g.Info(e.Message)
	if info == nil || info.Exchange == nil || info.Exchange.Request != e.Message {
		return nil
	}
	var best *flow.Message
	bestScore := -1
	for _, r := range info.Exchange.Replies {
		if r.Arrow.Cross() != e.Failed {
			continue
		}
		ri := f.c.g.Info(r)
		if ri == nil {
			continue
		}
		extra := ri.Path
		if hasPrefix(ri.Path, info.Path) {
			extra = ri.Path[len(info.Path):]
		}
		score := 1 // no branch of its own
		if len(extra) > 0 {
			score = 2
			for _, br := range extra {
				if !f.evident(br) {
					score = 0
					break
				}
			}
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	return best
}

// evident reports whether the trace shows that branch br ran: a request
// of it was seen, or br is a break none of whose later messages were seen
// (the flow ended there). Branches without a choice (par, rect) always
// run.
func (f *fitCounts) evident(br flow.BranchRef) bool {
	fb := f.byBlock[br.Block]
	if fb == nil {
		return br.Block.Kind == flow.Par || br.Block.Kind == flow.Rect
	}
	for _, n := range fb.branches[br.Branch] {
		if f.seen[n] > 0 {
			return true
		}
	}
	if br.Block.Kind != flow.Break {
		return false
	}
	for _, n := range fb.after {
		if f.seen[n] > 0 {
			return false
		}
	}
	return true
}

// selfTime is the callee's own time in an exchange: its span less the
// time its synchronous nested calls cover, a retried call covering the
// wait before its retry too (the retry policy's backoff, which the
// simulator draws). The simulator has no own time: it adds it to the
// request's latency.
func selfTime(e *ObservedExchange, kids []*ObservedExchange, retried []bool) int64 {
	lo := e.Start + max(e.RequestLatency, 0)
	hi := lo + e.Server.Duration()
	if hi <= lo {
		return 0
	}
	covered, cursor := int64(0), lo
	// children come in causal order (by start): sweep their union
	for j, k := range kids {
		if k.Async {
			continue
		}
		end := k.Start + k.Duration
		if retried[k.Index] {
			for _, next := range kids[j+1:] {
				if next.Message == k.Message {
					end = max(end, next.Start)
					break
				}
			}
		}
		s, t := max(k.Start, cursor), min(end, hi)
		if t > s {
			covered += t - s
			cursor = t
		}
	}
	return max(hi-lo-covered, 0)
}

// addBlock counts whether the trace reached the block and which branch
// it took, from the messages seen.
func (f *fitCounts) addBlock(fb *fitBlock) {
	taken := -1
	for k, ns := range fb.branches {
		for _, n := range ns {
			if f.seen[n] > 0 {
				taken = k
				break
			}
		}
		if taken >= 0 {
			break
		}
	}
	if taken < 0 {
		// the flow went past the block; when nothing follows it on its
		// level, the message before it was seen and did not fail for good
		past := false
		for _, n := range fb.after {
			past = past || f.seen[n] > 0
		}
		if len(fb.after) == 0 && fb.before > 0 {
			past = f.seen[fb.before] > 0 && !f.failed[fb.before]
		}
		if past {
			fb.out.Reached++
		}
		return
	}
	fb.out.Reached++
	fb.out.Taken[taken]++
	if fb.blk.Kind == flow.Loop {
		// the body's first message seen opens each iteration
		it := 0
		for _, n := range fb.branches[0] {
			if f.seen[n] > 0 {
				it = f.seen[n]
				break
			}
		}
		fb.out.Iterations[it]++
	}
	// root failures before the block: a branch taken after one may be
	// bound to it
	failed := map[int]bool{}
	for n := 1; n < fb.first; n++ {
		if f.own[n] {
			failed[n] = true
		}
	}
	if len(failed) == 0 {
		return
	}
	fb.out.Failed[taken]++
	if fb.common[taken] == nil {
		fb.common[taken] = failed
		return
	}
	for n := range fb.common[taken] {
		if !failed[n] {
			delete(fb.common[taken], n)
		}
	}
}

// result returns the counts so far.
func (f *fitCounts) result() *report.FitData {
	fd := &report.FitData{Messages: make([]report.FitMessage, len(f.msgs))}
	copy(fd.Messages, f.msgs)
	for _, fb := range f.blocks {
		b := fb.out
		b.Taken = append([]int64(nil), b.Taken...)
		b.Failed = append([]int64(nil), b.Failed...)
		b.FailedBy = make([]int, len(fb.common))
		for k, common := range fb.common {
			for n := range common {
				b.FailedBy[k] = max(b.FailedBy[k], n)
			}
		}
		if b.Iterations != nil {
			its := map[int]int64{}
			for k, v := range b.Iterations {
				its[k] = v
			}
			b.Iterations = its
		}
		fd.Blocks = append(fd.Blocks, b)
	}
	return fd
}
