package report

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// mergeRun is one simulated run, as a collector would record it.
type mergeRun struct {
	e2e     time.Duration
	cascade *Cascade // nil: the run went ok; Runs, Share and the stats unused
	ttf     time.Duration
}

// collect builds the result of runs, as a simulation that kept its
// histograms would: the unsharded result when given every run, a shard
// when given some.
func collect(runs []mergeRun, shard string) *Result {
	r := &Result{
		Version: Version, Source: "sim", Diagram: "shop.mmd", DiagramSource: "sequenceDiagram\n",
		Profile: "shop.yaml", Seed: 3, Shard: shard,
		Messages: []MessageStats{
			{N: 1, Selector: "Admin->>Shop: Place order"},
			{N: 4, Selector: "Shop-->>Admin: Order placed"},
			{N: 5, Selector: "Shop--xAdmin: 409 Sold out"},
		},
		Exchanges: []ExchangeStats{{Request: 1, Reply: 4, Replies: []int{4, 5}}},
		SLO:       []SLOVerdict{{Target: "end_to_end p95 <= 2s", Metric: "end_to_end", Quantile: 0.95, LimitMS: 2000}},
	}
	hs := &Histograms{EndToEnd: NewHistogram(), Completion: NewHistogram(), SystemTime: NewHistogram(),
		Messages: []*Histogram{NewHistogram(), NewHistogram(), NewHistogram()}, Exchanges: []*Histogram{NewHistogram()}}
	type agg struct {
		c   Cascade
		ttf *Histogram
	}
	var cs []*agg
	for _, run := range runs {
		r.Runs++
		r.EndToEndNS += int64(run.e2e)
		r.Exchanges[0].CriticalPathNS += int64(run.e2e)
		for _, h := range []*Histogram{hs.EndToEnd, hs.Completion, hs.SystemTime, hs.Messages[0], hs.Exchanges[0]} {
			h.Record(run.e2e)
		}
		if run.cascade == nil {
			r.Outcomes.OK++
			hs.Messages[1].Record(run.e2e / 10)
			continue
		}
		r.Outcomes.Failed++
		i := slices.IndexFunc(cs, func(a *agg) bool {
			return a.c.Root == run.cascade.Root && slices.Equal(a.c.Chain, run.cascade.Chain) && a.c.Fork == run.cascade.Fork
		})
		if i < 0 {
			cs = append(cs, &agg{c: Cascade{Root: run.cascade.Root, Chain: run.cascade.Chain, Fork: run.cascade.Fork,
				Outcome: Failed}, ttf: NewHistogram()})
			i = len(cs) - 1
		}
		cs[i].c.Runs++
		cs[i].c.Compensated += run.cascade.Compensated
		cs[i].ttf.Record(run.ttf)
	}
	slices.SortFunc(cs, func(a, b *agg) int { return CompareCascades(&a.c, &b.c) })
	for _, a := range cs {
		a.c.Share = float64(a.c.Runs) / float64(r.Runs)
		a.c.TimeToFailure = a.ttf.Stats()
		r.Cascades = append(r.Cascades, a.c)
		hs.Cascades = append(hs.Cascades, a.ttf)
	}
	r.EndToEnd, r.Completion, r.SystemTime = hs.EndToEnd.Stats(), hs.Completion.Stats(), hs.SystemTime.Stats()
	for i := range r.Messages {
		r.Messages[i].Latency = hs.Messages[i].Stats()
	}
	r.Exchanges[0].Duration = hs.Exchanges[0].Stats()
	r.Exchanges[0].CriticalPathShare = float64(r.Exchanges[0].CriticalPathNS) / float64(r.EndToEndNS)
	r.Histograms = hs
	r.SLO = Judge([]SLOTarget{r.SLO[0].Spec()}, r)
	return r
}

// A failure in an async fork and one on the main timeline with the same
// root and chain are two cascades: shards keep them apart, order them the
// same way every time (same runs: the main timeline first), and merge to
// exactly the unsharded result, replies included.
func TestMergeForkCascades(t *testing.T) {
	main := &Cascade{Root: Root{N: 7, Fault: "error"}, Chain: []int{7}}
	fork := &Cascade{Root: Root{N: 7, Fault: "error"}, Chain: []int{7}, Fork: 6, Compensated: 1}
	var runs []mergeRun
	for i := range 400 {
		run := mergeRun{e2e: time.Duration(300+i%97*11) * time.Millisecond}
		switch i % 10 {
		case 3:
			run.cascade, run.ttf = main, run.e2e
		case 7:
			run.cascade, run.ttf = fork, run.e2e+time.Duration(i)*time.Millisecond
		}
		runs = append(runs, run)
	}
	whole := collect(runs, "")
	if len(whole.Cascades) != 2 || whole.Cascades[0].Fork != 0 || whole.Cascades[1].Fork != 6 {
		t.Fatalf("the unsharded result's cascades: %+v", whole.Cascades)
	}
	want, err := json.Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 { // cascades go through a map: the order must not depend on it
		var shards []*Result
		for i, part := range [][]mergeRun{runs[:170], runs[170:]} {
			b, err := json.Marshal(collect(part, string(rune('1'+i))+"/2"))
			if err != nil {
				t.Fatal(err)
			}
			var back Result // through JSON, as choreo merge reads them
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			shards = append(shards, &back)
		}
		merged, err := Merge(shards...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(merged)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("merged shards differ from the whole (-whole +merged):\n%s", cmp.Diff(string(want), string(got)))
		}
	}
}

// CompareCascades breaks a tie on runs, root and chain by the fork: the
// main timeline first.
func TestCompareCascadesFork(t *testing.T) {
	a := &Cascade{Runs: 5, Root: Root{N: 7, Fault: "error"}, Chain: []int{7}}
	b := &Cascade{Runs: 5, Root: Root{N: 7, Fault: "error"}, Chain: []int{7}, Fork: 6}
	if CompareCascades(a, b) >= 0 || CompareCascades(b, a) <= 0 || CompareCascades(b, b) != 0 {
		t.Errorf("CompareCascades(main, fork) = %d, (fork, main) = %d", CompareCascades(a, b), CompareCascades(b, a))
	}
}
