package sim

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// Options control a Monte Carlo simulation.
type Options struct {
	// Runs is the number of runs (> 0); Seed makes them reproducible.
	Runs int64
	Seed uint64
	// Workers is the number of goroutines (0: one per CPU). The result does
	// not depend on it.
	Workers int
	// Progress, if set, is called now and then with the runs done so far.
	Progress func(done int64)
	// Trace, if set, receives the spans of every TraceEvery-th run (run 0,
	// K, 2K…), in run order. An error stops the simulation.
	Trace      func(*RunTrace) error
	TraceEvery int64
	// First and Count select a slice of the run indices [First,
	// First+Count) for sharding (Count 0: all Runs). Runs are numbered
	// the same whatever the shard, so shards merge to the unsharded result.
	First, Count int64
}

// chunk is how many runs a worker claims at a time.
const chunk = 2048

// Simulate runs the flow many times in virtual time and returns the
// result. When ctx is cancelled it stops at a chunk boundary and returns
// the result of the runs done, marked partial, with ctx's error.
func Simulate(ctx context.Context, d *flow.Diagram, p *Profile, o Options) (*report.Result, error) {
	if o.Runs <= 0 {
		return nil, fmt.Errorf("runs must be positive, not %d", o.Runs)
	}
	pl := compile(d, p)
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	first, count := o.First, o.Count
	if count <= 0 {
		first, count = 0, o.Runs
	}
	nchunks := (count + chunk - 1) / chunk
	if int64(workers) > nchunks {
		workers = int(nchunks)
	}
	start := time.Now()
	var next, done atomic.Int64
	cols := make([]*collector, workers)
	traces := newTraceOrder(o.Trace)
	var wg sync.WaitGroup
	for w := range workers {
		cols[w] = newCollector(pl)
		wg.Add(1)
		go func(col *collector) {
			defer wg.Done()
			x := newRunner(pl, col)
			var batch []*RunTrace
			for ctx.Err() == nil && traces.err() == nil {
				c := next.Add(1) - 1
				if c >= nchunks {
					return
				}
				a := first + c*chunk
				b := min(a+chunk, first+count)
				batch = batch[:0]
				for i := a; i < b; i++ {
					trace := o.Trace != nil && o.TraceEvery > 0 && i%o.TraceEvery == 0
					x.run(o.Seed, i, trace)
					if trace {
						batch = append(batch, &RunTrace{Run: i, Outcome: report.Outcome(x.lastOutcome).String(), Spans: append([]RunSpan(nil), x.spans...)})
					}
				}
				traces.put(c, batch)
				n := done.Add(b - a)
				if o.Progress != nil {
					o.Progress(n)
				}
			}
		}(cols[w])
	}
	wg.Wait()
	res := assemble(p, cols, o.Seed, start)
	if o.Count > 0 {
		// a shard says which runs it holds, for choreo merge
		res.RunsOf, res.RunRanges = o.Runs, [][2]int64{{first, first + count}}
	}
	var err error
	if cerr := ctx.Err(); cerr != nil {
		res.Partial = true
		err = cerr
	}
	if terr := traces.err(); terr != nil {
		res.Partial = true
		err = errors.Join(err, terr)
	}
	return res, err
}

// traceOrder hands traced runs to the sink in run order, whichever worker
// finished its chunk first.
type traceOrder struct {
	sink    func(*RunTrace) error
	mu      sync.Mutex
	next    int64
	pending map[int64][]*RunTrace
	e       error
}

func newTraceOrder(sink func(*RunTrace) error) *traceOrder {
	return &traceOrder{sink: sink, pending: map[int64][]*RunTrace{}}
}

func (t *traceOrder) put(c int64, batch []*RunTrace) {
	if t.sink == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pending[c] = append([]*RunTrace(nil), batch...)
	for {
		b, ok := t.pending[t.next]
		if !ok {
			return
		}
		delete(t.pending, t.next)
		t.next++
		for _, rt := range b {
			if t.e == nil {
				t.e = t.sink(rt)
			}
		}
	}
}

func (t *traceOrder) err() error {
	if t.sink == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.e
}
