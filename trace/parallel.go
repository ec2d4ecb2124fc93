package trace

import (
	"io"
	"sync"
)

// batchTraces is how many traces travel together through AddAll's
// stages: enough to make a channel operation rare per trace, few enough
// to keep the traces in flight small.
const batchTraces = 32

// batch is a run of consecutive traces: the reading goroutine fills
// traces, a worker fills preps and closes done, and the counting
// goroutine counts them in order.
type batch struct {
	traces []*Trace
	preps  []prepared
	done   chan struct{}
}

// AddAll adds every trace next returns, until it returns io.EOF, and
// returns how many traces it returned (empty ones included). Each
// trace's spans are recycled (Recycle) once counted: next must return
// traces that nothing else holds. With
// workers > 1, next runs on a goroutine of its own, traces are observed
// and aligned (the work that depends on one trace alone) on workers
// goroutines, and the calling goroutine counts them in the order next
// returned them: the checker ends exactly as calling Add for each trace
// in turn would leave it, whatever the number of workers and however
// the goroutines are scheduled. Workers ≤ 1 is that loop.
//
// Memory: at most 2×workers+4 batches of 32 traces are in flight (read
// but not yet counted): 2×workers+2 queued in order, one being counted
// and one being read. next is called from one goroutine at a time, and
// not after AddAll returns. An error of next other than io.EOF ends the
// reading; the traces read before it are still added, and AddAll returns
// the error.
func (c *Checker) AddAll(next func() (*Trace, error), workers int) (int, error) {
	n := 0
	if workers <= 1 {
		for {
			t, err := next()
			if err == io.EOF {
				return n, nil
			}
			if err != nil {
				return n, err
			}
			c.Add(t)
			Recycle(t)
			n++
		}
	}
	work := make(chan *batch, workers)
	ordered := make(chan *batch, 2*workers+2)
	var readErr error
	go func() {
		defer close(work)
		defer close(ordered) // first: readErr is set before the counter sees the end
		for {
			b := &batch{traces: make([]*Trace, 0, batchTraces), done: make(chan struct{})}
			for len(b.traces) < batchTraces {
				t, err := next()
				if err != nil {
					if err != io.EOF {
						readErr = err
					}
					break
				}
				b.traces = append(b.traces, t)
			}
			if len(b.traces) > 0 {
				work <- b
				ordered <- b
			}
			if len(b.traces) < batchTraces {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range work {
				b.preps = make([]prepared, len(b.traces))
				for i, t := range b.traces {
					if len(t.Spans) > 0 {
						b.preps[i] = c.prepare(t)
					}
				}
				close(b.done)
			}
		})
	}
	for b := range ordered {
		<-b.done
		for i, t := range b.traces {
			if len(t.Spans) > 0 {
				c.add(t, b.preps[i])
				b.preps[i].release()
			}
			Recycle(t)
			b.traces[i], b.preps[i] = nil, prepared{}
		}
		n += len(b.traces)
	}
	wg.Wait()
	return n, readErr
}
