package report

import (
	"errors"
	"fmt"
)

// Merge combines results of the same simulation run in shards (`choreo sim
// --shard i/N`) into one. Counts add up, histograms merge bucket by bucket,
// and every statistic, share and SLO verdict is computed again from the
// merged data, so the shards of a seeded simulation merge to exactly the
// result of running it whole (elapsed_ms aside: the merged value is the
// longest shard's). The results must come from the same diagram, profile,
// scenario and seed, and carry their histograms. Real-time results merge
// with each other (runs made from several machines at once: their
// concurrency, rate and injected faults add up), not with virtual ones.
// Trace checks of one diagram over disjoint traces (`choreo serve`
// instances) merge with each other too: see mergeTrace.
func Merge(rs ...*Result) (*Result, error) {
	if len(rs) == 0 {
		return nil, errors.New("nothing to merge")
	}
	first := rs[0]
	for i, r := range rs {
		if r.Histograms == nil {
			return nil, fmt.Errorf("result %d has no histograms: it cannot be merged exactly", i+1)
		}
		if (r.Source != "sim" && r.Source != "trace") || r.Source != first.Source {
			return nil, fmt.Errorf("result %d comes from %q: only simulation results, or trace checks, merge with each other", i+1, r.Source)
		}
		if i == 0 {
			continue
		}
		switch {
		case r.DiagramSource != first.DiagramSource:
			return nil, fmt.Errorf("result %d simulates another diagram", i+1)
		case r.Seed != first.Seed:
			return nil, fmt.Errorf("result %d has seed %d, result 1 seed %d: shards of one simulation share a seed", i+1, r.Seed, first.Seed)
		case r.Profile != first.Profile || r.Scenario != first.Scenario:
			return nil, fmt.Errorf("result %d uses another profile or scenario", i+1)
		case len(r.Messages) != len(first.Messages) || len(r.Exchanges) != len(first.Exchanges):
			return nil, fmt.Errorf("result %d has other messages or exchanges", i+1)
		case len(r.SLO) != len(first.SLO):
			return nil, fmt.Errorf("result %d has other SLO targets", i+1)
		case (r.RealTime == nil) != (first.RealTime == nil):
			return nil, fmt.Errorf("result %d ran in another clock (real time and virtual time do not merge)", i+1)
		}
	}
	agg := NewAggregate(first.Messages, first.Exchanges)
	var rt *RealTime
	elapsed, partial := int64(0), false
	for _, r := range rs {
		for i, m := range r.Messages {
			if m.Selector != first.Messages[i].Selector {
				return nil, fmt.Errorf("message #%d differs between results", i+1)
			}
		}
		if r.RealTime != nil {
			// load generators side by side: their loads add up
			if rt == nil {
				rt = &RealTime{TimeScale: r.RealTime.TimeScale}
			}
			rt.Concurrency += r.RealTime.Concurrency
			rt.Rate += r.RealTime.Rate
			rt.Injected += r.RealTime.Injected
		}
		elapsed = max(elapsed, r.ElapsedMS)
		partial = partial || r.Partial
		agg.addResult(r)
	}
	out := agg.Result()
	out.Source, out.Diagram, out.DiagramSource = first.Source, first.Diagram, first.DiagramSource
	out.Profile, out.Scenario, out.Seed, out.Model = first.Profile, first.Scenario, first.Seed, first.Model
	out.ElapsedMS, out.Partial, out.RealTime = elapsed, partial, rt
	mergeUnmapped(out, rs)
	mergeSlow(out, rs)
	if first.Source == "trace" {
		mergeTrace(out, rs)
	}
	for _, v := range first.SLO {
		out.SLO = append(out.SLO, judge(v.Spec(), out))
	}
	return out, nil
}
