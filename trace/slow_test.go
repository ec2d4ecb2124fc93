package trace

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// The shop: #1 checkout holds #2 get cart, which holds #3 query, then
// #6 charge.
const slowShop = `sequenceDiagram
U->>App: checkout
App->>Cart: get cart
Cart->>DB: query
DB-->>Cart: rows
Cart-->>App: cart
App->>Pay: charge
Pay-->>App: paid
App-->>U: done
`

const msec = 1000 // a millisecond, as buildTrace counts: microseconds

// shopTrace is one checkout, 100ms when nothing is delayed: get cart
// 10–40ms with the query 15–25ms in it, charge 50–90ms. j (µs) jitters
// every exchange's end; query delays the query, cart the cart's own work
// after the query, root the checkout's own work after the charge.
func shopTrace(id byte, j, query, cart, root int64) *Trace {
	var rows []spanRow
	q1 := 25*msec + query + j
	c1 := q1 + 15*msec + cart
	p0 := c1 + 10*msec
	p1 := p0 + 40*msec + j
	r := call(&rows, "U", "App", "checkout", -1, 0, p1+10*msec+root, false)
	c := call(&rows, "App", "Cart", "get cart", r, 10*msec, c1, false)
	call(&rows, "Cart", "DB", "query", c, 15*msec, q1, false)
	call(&rows, "App", "Pay", "charge", r, p0, p1, false)
	return buildTrace(id, rows)
}

// slowSLO is an end_to_end target of 300ms.
var slowSLO = []report.SLOTarget{{Target: "end_to_end p95 <= 300ms", Metric: "end_to_end", Quantile: 0.95, Limit: 300 * time.Millisecond}}

// checkSlow checks normal traces of the shop (ids 1…normal) and the
// delayed ones (ids after them), in a shuffled order, and returns the
// result.
func checkSlow(t *testing.T, d *flow.Diagram, slo []report.SLOTarget, traces []*Trace, seed uint64) *report.Result {
	t.Helper()
	c := NewChecker(d, nil, NewAligner(d))
	c.SLO = slo
	order := rand.New(rand.NewPCG(seed, 1)).Perm(len(traces))
	for _, i := range order {
		c.Add(traces[i])
	}
	return c.Result()
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// Injected delays of known size and place: the cause is the exchange
// whose own time grew, with the exchanges it is nested in, in every slow
// trace and by the size of the delay, with an end_to_end SLO and without
// one (the traces over the file's own p95).
func TestSlowCauseInjectedDelay(t *testing.T) {
	d := parseDiagram(t, slowShop)
	for _, tc := range []struct {
		name         string
		slo          []report.SLOTarget
		normal       int
		query, cart  int64 // the delay, µs
		n            int
		chain        []int
		typicalMS    float64
		by, reason   string
		limitAtLeast float64
	}{
		{name: "nested query, SLO", slo: slowSLO, normal: 100, query: 500 * msec, n: 3, chain: []int{3, 2, 1},
			typicalMS: 10, by: "slo", limitAtLeast: 300,
			reason: "the query's own time grew: it is the cause, and it slowed get cart and checkout"},
		{name: "nested query, p95", normal: 190, query: 500 * msec, n: 3, chain: []int{3, 2, 1},
			typicalMS: 10, by: "p95", limitAtLeast: 100,
			reason: "10 slow traces of 200 are the 5% over the p95: all of them are slow"},
		{name: "parent's own work, SLO", slo: slowSLO, normal: 100, cart: 500 * msec, n: 2, chain: []int{2, 1},
			typicalMS: 20, by: "slo", limitAtLeast: 300,
			reason: "get cart took 500ms longer but its query did not: the cart, not its child, is the cause"},
		{name: "parent's own work, p95", normal: 190, cart: 500 * msec, n: 2, chain: []int{2, 1},
			typicalMS: 20, by: "p95", limitAtLeast: 100,
			reason: "the same without an SLO"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var traces []*Trace
			for i := range tc.normal {
				traces = append(traces, shopTrace(byte(i+1), int64(i%5), 0, 0, 0))
			}
			var slow []string
			for i := range 10 {
				id := byte(tc.normal + i + 1)
				// delays of 500ms plus i µs: the examples are the last three
				traces = append(traces, shopTrace(id, 0, tc.query+min(tc.query, int64(i)), tc.cart+min(tc.cart, int64(i)), 0))
				slow = append(slow, traces[len(traces)-1].ID.String())
			}
			res := checkSlow(t, d, tc.slo, traces, 1)
			st := res.SlowTraces
			if st == nil || st.Traces != 10 || st.Unexplained != 0 || st.By != tc.by || st.LimitMS < tc.limitAtLeast {
				t.Fatalf("slow traces %+v: want 10, all explained, by %s over at least %vms (%s)", st, tc.by, tc.limitAtLeast, tc.reason)
			}
			if len(res.Slow) != 1 {
				t.Fatalf("%d causes %+v, want 1 (%s)", len(res.Slow), res.Slow, tc.reason)
			}
			c := res.Slow[0]
			if c.N != tc.n || !cmp.Equal(c.Chain, tc.chain) || c.Traces != 10 || c.Share != 1 {
				t.Errorf("cause #%d chain %v in %d traces (share %v), want #%d chain %v in 10 (%s)",
					c.N, c.Chain, c.Traces, c.Share, tc.n, tc.chain, tc.reason)
			}
			// the delay, within the histogram's 0.1% and the jitter
			if !near(c.Excess.P50MS, 500, 1) || !near(c.Excess.MinMS, 500, 0.01) || !near(c.Excess.MaxMS, 500, 0.02) || c.Excess.Count != 10 {
				t.Errorf("excess %+v, want 500ms in 10 traces", c.Excess)
			}
			if !near(c.TypicalMS, tc.typicalMS, 0.02) {
				t.Errorf("typical own time %vms, want %vms", c.TypicalMS, tc.typicalMS)
			}
			if want := []string{slow[9], slow[8], slow[7]}; !cmp.Equal(c.Examples, want) {
				t.Errorf("examples %v, want the three largest delays %v", c.Examples, want)
			}
			if h := res.Histograms.Slow; len(h) != 1 || h[0].Count() != 10 {
				t.Errorf("histograms.slow %v, want one of 10 values", h)
			}
			// The order traces come in changes nothing.
			for seed := uint64(2); seed < 5; seed++ {
				again := checkSlow(t, d, tc.slo, traces, seed)
				if diff := cmp.Diff(res.Slow, again.Slow); diff != "" {
					t.Errorf("another order of the traces gives other causes (-first +again):\n%s", diff)
				}
				if diff := cmp.Diff(res.SlowTraces, again.SlowTraces); diff != "" {
					t.Errorf("another order of the traces gives other slow traces (-first +again):\n%s", diff)
				}
			}
		})
	}
}

// Two causes rank like cascades: most traces first, each with its share
// of the slow traces; a trace within the SLO is never slow.
func TestSlowCausesRanked(t *testing.T) {
	d := parseDiagram(t, slowShop)
	var traces []*Trace
	for i := range 100 {
		traces = append(traces, shopTrace(byte(i+1), 0, 0, 0, 0))
	}
	for i := range 6 {
		traces = append(traces, shopTrace(byte(101+i), 0, 400*msec, 0, 0))
	}
	for i := range 4 {
		traces = append(traces, shopTrace(byte(107+i), 0, 0, 0, 300*msec)) // the checkout's own work
	}
	traces = append(traces, shopTrace(111, 0, 150*msec, 0, 0)) // 250ms: within the SLO
	res := checkSlow(t, d, slowSLO, traces, 1)
	type cause struct {
		N      int
		Chain  []int
		Traces int64
		Share  float64
	}
	var got []cause
	for _, c := range res.Slow {
		got = append(got, cause{c.N, c.Chain, c.Traces, c.Share})
	}
	want := []cause{{3, []int{3, 2, 1}, 6, 0.6}, {1, []int{1}, 4, 0.4}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("causes (-want +got):\n%s", diff)
	}
	if st := res.SlowTraces; st.Traces != 10 || st.Target != "end_to_end p95 <= 300ms" || st.LimitMS != 300 {
		t.Errorf("slow traces %+v, want the 10 over the SLO's 300ms", st)
	}
	if !near(res.Slow[1].Excess.P50MS, 300, 0.5) {
		t.Errorf("the checkout's excess %+v, want 300ms", res.Slow[1].Excess)
	}
}

// Only time on the critical path counts: a branch of a par that grew but
// still ends before its sibling slowed nothing, and a branch that grew
// past it did.
func TestSlowCauseOnTheCriticalPath(t *testing.T) {
	d := parseDiagram(t, `sequenceDiagram
U->>App: checkout
par
  App->>Cart: get cart
  Cart-->>App: cart
and
  App->>Pay: charge
  Pay-->>App: paid
end
App-->>U: done
`)
	// cart 10–40ms and charge 10–60ms side by side, the checkout ends at
	// 70ms plus its own extra work
	build := func(id byte, cart, root int64) *Trace {
		var rows []spanRow
		r := call(&rows, "U", "App", "checkout", -1, 0, 70*msec+max(cart-20*msec, 0)+root, false)
		call(&rows, "App", "Cart", "get cart", r, 10*msec, 40*msec+cart, false)
		call(&rows, "App", "Pay", "charge", r, 10*msec, 60*msec, false)
		return buildTrace(id, rows)
	}
	for _, tc := range []struct {
		name        string
		cart, root  int64
		n           int
		excessMS    float64
		explanation string
	}{
		{"hidden", 19 * msec, 10 * msec, 1, 10, "the cart grew 19ms but still ends before the charge: the checkout's own 10ms more work is the cause"},
		{"past its sibling", 500 * msec, 0, 2, 500, "the cart grew past the charge: on the path, 500ms over its typical 30ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var traces []*Trace
			for i := range 100 {
				traces = append(traces, build(byte(i+1), 0, 0))
			}
			for i := range 5 {
				traces = append(traces, build(byte(101+i), tc.cart, tc.root))
			}
			res := checkSlow(t, d, nil, traces, 1) // 5 of 105: over the p95
			if len(res.Slow) != 1 || res.Slow[0].N != tc.n || res.Slow[0].Traces != 5 || !near(res.Slow[0].Excess.P50MS, tc.excessMS, tc.excessMS/500) {
				t.Errorf("causes %+v, want #%d in 5 traces by %vms: %s", res.Slow, tc.n, tc.excessMS, tc.explanation)
			}
		})
	}
}

// A call the diagram does not draw is part of its caller's own time; a
// slow trace whose time went outside every drawn exchange (here between
// two roots) has no cause and is counted as unexplained.
func TestSlowCauseUnmappedAndUnexplained(t *testing.T) {
	d := parseDiagram(t, slowShop)
	var traces []*Trace
	for i := range 100 {
		traces = append(traces, shopTrace(byte(i+1), 0, 0, 0, 0))
	}
	// the cart calls a cache the diagram does not draw, for 500ms
	var rows []spanRow
	r := call(&rows, "U", "App", "checkout", -1, 0, 600*msec, false)
	c := call(&rows, "App", "Cart", "get cart", r, 10*msec, 540*msec, false)
	call(&rows, "Cart", "DB", "query", c, 15*msec, 25*msec, false)
	call(&rows, "Cart", "Cache", "get", c, 30*msec, 530*msec, false)
	call(&rows, "App", "Pay", "charge", r, 550*msec, 590*msec, false)
	traces = append(traces, buildTrace(101, rows))
	// two checkouts 500ms apart, in one trace with no root span
	rows = nil
	call(&rows, "U", "App", "checkout", -1, 0, 20*msec, false)
	call(&rows, "U", "App", "checkout", -1, 520*msec, 540*msec, false)
	traces = append(traces, buildTrace(102, rows))

	res := checkSlow(t, d, slowSLO, traces, 1)
	if len(res.Slow) != 1 || res.Slow[0].N != 2 || !cmp.Equal(res.Slow[0].Chain, []int{2, 1}) || !near(res.Slow[0].Excess.P50MS, 500, 0.5) {
		t.Errorf("causes %+v, want #2 (the cart, whose undrawn cache call took 500ms) chain [2 1]", res.Slow)
	}
	if st := res.SlowTraces; st.Traces != 2 || st.Unexplained != 1 || res.Slow[0].Share != 0.5 {
		t.Errorf("slow traces %+v, want 2, one unexplained", st)
	}
}

// Without slow traces there is nothing to say, and nothing is written.
func TestSlowNone(t *testing.T) {
	d := parseDiagram(t, slowShop)
	var traces []*Trace
	for i := range 50 {
		traces = append(traces, shopTrace(byte(i+1), 0, 0, 0, 0))
	}
	res := checkSlow(t, d, slowSLO, traces, 1)
	if res.Slow != nil || res.SlowTraces != nil {
		t.Errorf("slow %+v %+v, want none", res.Slow, res.SlowTraces)
	}
	res = checkSlow(t, d, nil, traces, 1)
	if res.Slow != nil || res.SlowTraces != nil {
		t.Errorf("without an SLO: slow %+v %+v, want none (all traces equal: none over the p95)", res.Slow, res.SlowTraces)
	}
}

// The record keeps the slowest traces only, up to a bound: past it the
// slow traces are all counted, the causes are those of the slowest
// (Analysed), and neither depends on the order of the traces. Under the
// bound nothing changes.
func TestSlowKeepsTheSlowest(t *testing.T) {
	d := parseDiagram(t, slowShop)
	for _, tc := range []struct {
		name   string
		slo    []report.SLOTarget
		normal int
		keep   int
		want   []int64 // traces of each cause: the query's, the checkout's
		tr, an int64   // SlowTraces.Traces, .Analysed
	}{
		{name: "SLO, under the bound", slo: slowSLO, normal: 100, keep: 10, want: []int64{6, 4}, tr: 10},
		{name: "SLO, over the bound", slo: slowSLO, normal: 100, keep: 5, want: []int64{5}, tr: 10, an: 5},
		{name: "SLO, the bound at a tie of causes", slo: slowSLO, normal: 100, keep: 8, want: []int64{6, 2}, tr: 10, an: 8},
		{name: "p95, under the bound", normal: 190, keep: 10, want: []int64{6, 4}, tr: 10},
		{name: "p95, over the bound", normal: 190, keep: 5, want: []int64{5}, tr: 10, an: 5},
		{name: "p95, the bound fills with fast traces", normal: 190, keep: 150, want: []int64{6, 4}, tr: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var traces []*Trace
			for i := range tc.normal {
				traces = append(traces, shopTrace(byte(i+1), int64(i%5), 0, 0, 0))
			}
			// the query's delays make the six slowest (≥ 500ms), then the
			// checkout's own work (≥ 400ms)
			for i := range 6 {
				traces = append(traces, shopTrace(byte(tc.normal+1+i), 0, 400*msec+int64(i), 0, 0))
			}
			for i := range 4 {
				traces = append(traces, shopTrace(byte(tc.normal+7+i), 0, 0, 0, 300*msec+int64(i)))
			}
			var first *report.Result
			for seed := uint64(1); seed < 5; seed++ {
				c := NewChecker(d, nil, NewAligner(d))
				c.SLO = tc.slo
				c.slow.keep = tc.keep
				for _, i := range rand.New(rand.NewPCG(seed, 1)).Perm(len(traces)) {
					c.Add(traces[i])
				}
				res := c.Result()
				if seed > 1 {
					if diff := cmp.Diff(first.Slow, res.Slow); diff != "" {
						t.Errorf("another order of the traces gives other causes (-first +again):\n%s", diff)
					}
					if diff := cmp.Diff(first.SlowTraces, res.SlowTraces); diff != "" {
						t.Errorf("another order of the traces gives other slow traces (-first +again):\n%s", diff)
					}
					continue
				}
				first = res
				st := res.SlowTraces
				if st == nil || st.Traces != tc.tr || st.Analysed != tc.an || st.Unexplained != 0 {
					t.Fatalf("slow traces %+v, want %d, %d analysed (0: all)", st, tc.tr, tc.an)
				}
				var got []int64
				var share float64
				for _, c := range res.Slow {
					got = append(got, c.Traces)
					share += c.Share
				}
				if !cmp.Equal(got, tc.want) || !near(share, 1, 1e-9) {
					t.Errorf("causes in %v traces (shares summing to %v), want %v summing to 1", got, share, tc.want)
				}
				if len(c.slow.kept) > tc.keep {
					t.Errorf("%d traces kept, want at most %d", len(c.slow.kept), tc.keep)
				}
			}
		})
	}
}
