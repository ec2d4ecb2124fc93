package report

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// aggregateRuns feeds runs [from, to) of a seeded stream to a: the same run
// always counts the same, whichever aggregate it goes to.
func aggregateRuns(a *Aggregate, from, to int) {
	for run := from; run < to; run++ {
		r := rand.New(rand.NewPCG(7, uint64(run)))
		e2e := time.Duration(r.IntN(900)+100) * time.Millisecond
		a.Message(0, e2e/3)
		a.Message(1, e2e/5)
		a.Exchange(0, e2e)
		a.CriticalPath(0, int64(e2e))
		o := RunOK
		switch x := r.IntN(10); {
		case x == 0:
			o = RunFailed
			a.Fault(1, ErrorFault)
			a.ExchangeFailed(0)
			a.Cascade(Failure{Root: 2, Fault: ErrorFault, Chain: []int{1}}, o, true, e2e, "")
		case x == 1:
			o = RunInconsistent
			a.Fault(1, TimeoutFault)
			a.Cascade(Failure{Root: 2, Fault: TimeoutFault, Chain: []int{1}}, o, false, e2e, "")
		case x == 2:
			o = RunFailed
			a.Cascade(Failure{Root: 2, Fault: ErrorFault, Chain: []int{1}, Fork: 3}, o, false, e2e/2, "")
		case x == 3:
			o = RunHandled
		}
		a.Run(o, e2e, e2e+time.Millisecond, e2e/2)
	}
}

func newTestAggregate() *Aggregate {
	return NewAggregate(
		[]MessageStats{{N: 1, Selector: "A->>B: call"}, {N: 2, Selector: "B-->>A: reply"}, {N: 3, Selector: "A-)C: note"}},
		[]ExchangeStats{{Request: 1, Reply: 2}})
}

// An aggregate of all runs, aggregates of parts merged in any order, and
// results of parts merged with Merge give the same bytes; cascades are in
// CompareCascades order.
func TestAggregateMergesExactly(t *testing.T) {
	whole := newTestAggregate()
	aggregateRuns(whole, 0, 3000)
	want := whole.Result()
	want.Source, want.Seed = "sim", 7
	wantJSON, _ := json.Marshal(want)

	parts := []*Aggregate{newTestAggregate(), newTestAggregate(), newTestAggregate()}
	aggregateRuns(parts[2], 0, 1000)
	aggregateRuns(parts[0], 1000, 1700)
	aggregateRuns(parts[1], 1700, 3000)
	merged := newTestAggregate()
	for _, p := range parts {
		merged.Merge(p)
	}
	got := merged.Result()
	got.Source, got.Seed = "sim", 7
	gotJSON, _ := json.Marshal(got)
	if diff := cmp.Diff(string(wantJSON), string(gotJSON)); diff != "" {
		t.Errorf("merged aggregates differ from the whole (-want +got):\n%s", diff)
	}

	var rs []*Result
	for _, p := range parts {
		r := p.Result()
		r.Source, r.Seed = "sim", 7
		rs = append(rs, r)
	}
	m, err := Merge(rs...)
	if err != nil {
		t.Fatal(err)
	}
	mJSON, _ := json.Marshal(m)
	if diff := cmp.Diff(string(wantJSON), string(mJSON)); diff != "" {
		t.Errorf("merged results differ from the whole (-want +got):\n%s", diff)
	}

	if len(want.Cascades) != 3 {
		t.Fatalf("got %d cascades, want 3", len(want.Cascades))
	}
	for i := 1; i < len(want.Cascades); i++ {
		if CompareCascades(&want.Cascades[i-1], &want.Cascades[i]) >= 0 {
			t.Errorf("cascades %d and %d are out of order: %+v, %+v", i-1, i, want.Cascades[i-1].Root, want.Cascades[i].Root)
		}
	}
	for _, c := range want.Cascades {
		if c.Root.Fault == FaultTimeout && (c.Outcome != Inconsistent || c.Inconsistent != c.Runs) {
			t.Errorf("timeout cascade: outcome %s, %d inconsistent of %d runs", c.Outcome, c.Inconsistent, c.Runs)
		}
	}
}

// Examples keep the first MaxExamples trace ids, in order; merging keeps
// the first distinct ones.
func TestAggregateExamples(t *testing.T) {
	a, b := newTestAggregate(), newTestAggregate()
	f := Failure{Root: 1, Fault: ErrorFault, Chain: []int{1}}
	for _, id := range []string{"t1", "t2"} {
		a.Cascade(f, RunFailed, false, time.Millisecond, id)
		a.Run(RunFailed, time.Millisecond, time.Millisecond, time.Millisecond)
	}
	for _, id := range []string{"t2", "t3", "t4"} {
		b.Cascade(f, RunFailed, false, time.Millisecond, id)
		b.Run(RunFailed, time.Millisecond, time.Millisecond, time.Millisecond)
	}
	a.Merge(b)
	r := a.Result()
	if len(r.Cascades) != 1 || r.Cascades[0].Runs != 5 {
		t.Fatalf("cascades %+v, want one of 5 runs", r.Cascades)
	}
	if diff := cmp.Diff([]string{"t1", "t2", "t3"}, r.Cascades[0].Examples); diff != "" {
		t.Errorf("examples (-want +got):\n%s", diff)
	}
}

// Judge reads the histograms of the metric a target names, and the failed
// share; a target on a step that never ran has no data and holds.
func TestJudge(t *testing.T) {
	a := newTestAggregate()
	aggregateRuns(a, 0, 500)
	r := a.Result()
	vs := Judge([]SLOTarget{
		{Target: "end_to_end p50 <= 1h", Metric: SLOEndToEnd, Quantile: 0.5, Limit: time.Hour},
		{Target: "message 1 p99 <= 1ms", Metric: SLOMessage, N: 1, Quantile: 0.99, Limit: time.Millisecond},
		{Target: "message 3 p99 <= 1ms", Metric: SLOMessage, N: 3, Quantile: 0.99, Limit: time.Millisecond},
		{Target: "failed <= 50%", Metric: SLOFailed, Share: 0.5},
	}, r)
	got := []bool{vs[0].OK, vs[1].OK, vs[2].OK && vs[2].NoData, vs[3].OK}
	if diff := cmp.Diff([]bool{true, false, true, true}, got); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s\n%+v", diff, vs)
	}
	if v := vs[1]; v.Spec() != (SLOTarget{Target: v.Target, Metric: SLOMessage, N: 1, Quantile: 0.99, Limit: time.Millisecond}) {
		t.Errorf("Spec() = %+v, not the target judged", v.Spec())
	}
}
