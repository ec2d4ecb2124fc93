package report

import (
	"errors"
	"fmt"
	"slices"
	"time"
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
func Merge(rs ...*Result) (*Result, error) {
	if len(rs) == 0 {
		return nil, errors.New("nothing to merge")
	}
	first := rs[0]
	for i, r := range rs {
		if r.Histograms == nil {
			return nil, fmt.Errorf("result %d has no histograms: it cannot be merged exactly", i+1)
		}
		if r.Source != "sim" {
			return nil, fmt.Errorf("result %d comes from %q: only simulation results merge", i+1, r.Source)
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
	out := &Result{
		Version: Version, Source: first.Source, Diagram: first.Diagram, DiagramSource: first.DiagramSource,
		Profile: first.Profile, Scenario: first.Scenario, Seed: first.Seed, Model: first.Model,
	}
	hs := &Histograms{EndToEnd: NewHistogram(), Completion: NewHistogram(), SystemTime: NewHistogram()}
	for range first.Messages {
		hs.Messages = append(hs.Messages, NewHistogram())
	}
	for range first.Exchanges {
		hs.Exchanges = append(hs.Exchanges, NewHistogram())
	}
	out.Messages = make([]MessageStats, len(first.Messages))
	out.Exchanges = make([]ExchangeStats, len(first.Exchanges))
	type cascadeAgg struct {
		c   Cascade
		ttf *Histogram
	}
	cascades := map[string]*cascadeAgg{}
	for _, r := range rs {
		if rt := r.RealTime; rt != nil {
			// load generators side by side: their loads add up
			if out.RealTime == nil {
				out.RealTime = &RealTime{TimeScale: rt.TimeScale}
			}
			out.RealTime.Concurrency += rt.Concurrency
			out.RealTime.Rate += rt.Rate
			out.RealTime.Injected += rt.Injected
		}
		out.Runs += r.Runs
		out.EndToEndNS += r.EndToEndNS
		out.ElapsedMS = max(out.ElapsedMS, r.ElapsedMS)
		out.Partial = out.Partial || r.Partial
		out.Outcomes.OK += r.Outcomes.OK
		out.Outcomes.Handled += r.Outcomes.Handled
		out.Outcomes.Failed += r.Outcomes.Failed
		out.Outcomes.Inconsistent += r.Outcomes.Inconsistent
		h := r.Histograms
		hs.EndToEnd.Merge(h.EndToEnd)
		hs.Completion.Merge(h.Completion)
		hs.SystemTime.Merge(h.SystemTime)
		for i, m := range r.Messages {
			if m.Selector != first.Messages[i].Selector {
				return nil, fmt.Errorf("message #%d differs between results", i+1)
			}
			o := &out.Messages[i]
			o.N, o.Selector = m.N, m.Selector
			o.Faults.Error += m.Faults.Error
			o.Faults.Timeout += m.Faults.Timeout
			o.Faults.Drop += m.Faults.Drop
			o.Faults.Delay += m.Faults.Delay
			if i < len(h.Messages) {
				hs.Messages[i].Merge(h.Messages[i])
			}
		}
		for i, e := range r.Exchanges {
			o := &out.Exchanges[i]
			o.Request, o.Reply = e.Request, e.Reply
			o.Replies = slices.Clone(first.Exchanges[i].Replies)
			o.Failed += e.Failed
			o.CriticalPathNS += e.CriticalPathNS
			if i < len(h.Exchanges) {
				hs.Exchanges[i].Merge(h.Exchanges[i])
			}
		}
		for i, c := range r.Cascades {
			// a failure in an async fork is another cascade than the
			// same root and chain on the main timeline
			key := fmt.Sprint(c.Root.N, c.Root.Fault, c.Chain, c.Fork)
			a := cascades[key]
			if a == nil {
				a = &cascadeAgg{c: Cascade{Root: c.Root, Chain: slices.Clone(c.Chain), Fork: c.Fork}, ttf: NewHistogram()}
				cascades[key] = a
			}
			a.c.Runs += c.Runs
			a.c.Compensated += c.Compensated
			a.c.Inconsistent += c.Inconsistent
			// example traces: the first three, in the order of the results
			for _, x := range c.Examples {
				if len(a.c.Examples) < maxMergedExamples && !slices.Contains(a.c.Examples, x) {
					a.c.Examples = append(a.c.Examples, x)
				}
			}
			if i < len(h.Cascades) {
				a.ttf.Merge(h.Cascades[i])
			}
		}
	}
	out.EndToEnd = hs.EndToEnd.Stats()
	out.Completion = hs.Completion.Stats()
	out.SystemTime = hs.SystemTime.Stats()
	for i := range out.Messages {
		out.Messages[i].Latency = hs.Messages[i].Stats()
	}
	for i := range out.Exchanges {
		out.Exchanges[i].Duration = hs.Exchanges[i].Stats()
		if out.EndToEndNS > 0 {
			out.Exchanges[i].CriticalPathShare = float64(out.Exchanges[i].CriticalPathNS) / float64(out.EndToEndNS)
		}
	}
	var cs []*cascadeAgg
	for _, a := range cascades {
		cs = append(cs, a)
	}
	slices.SortFunc(cs, func(a, b *cascadeAgg) int { return CompareCascades(&a.c, &b.c) })
	for _, a := range cs {
		a.c.Share = 0
		if out.Runs > 0 {
			a.c.Share = float64(a.c.Runs) / float64(out.Runs)
		}
		a.c.Outcome = Failed
		if a.c.Inconsistent > 0 {
			a.c.Outcome = Inconsistent
		}
		a.c.TimeToFailure = a.ttf.Stats()
		out.Cascades = append(out.Cascades, a.c)
		hs.Cascades = append(hs.Cascades, a.ttf)
	}
	out.Histograms = hs
	mergeUnmapped(out, rs)
	mergeSlow(out, rs)
	for _, v := range first.SLO {
		out.SLO = append(out.SLO, Judge(v, out))
	}
	return out, nil
}

// faultOrder is the order in which cascades with the same run count are
// listed: by root message, then fault in this order, then chain.
var faultOrder = map[string]int{"error": 1, "timeout": 2, "drop": 3, "delay": 4}

// maxMergedExamples is how many example trace ids a merged cascade keeps,
// as a trace check keeps.
const maxMergedExamples = 3

// CompareCascades orders cascades as results list them: most runs first,
// then by root message, fault and chain, then the main timeline before
// async forks (by fork number).
func CompareCascades(a, b *Cascade) int {
	if a.Runs != b.Runs {
		if a.Runs > b.Runs {
			return -1
		}
		return 1
	}
	if a.Root.N != b.Root.N {
		return a.Root.N - b.Root.N
	}
	if fa, fb := faultOrder[a.Root.Fault], faultOrder[b.Root.Fault]; fa != fb {
		return fa - fb
	}
	for i := 0; i < max(len(a.Chain), len(b.Chain)); i++ {
		var x, y int
		if i < len(a.Chain) {
			x = a.Chain[i]
		}
		if i < len(b.Chain) {
			y = b.Chain[i]
		}
		if x != y {
			return x - y
		}
	}
	return a.Fork - b.Fork
}

// Judge evaluates an SLO target (as its verdict restates it) on a result
// that carries histograms.
func Judge(v SLOVerdict, r *Result) SLOVerdict {
	out := SLOVerdict{Target: v.Target, Metric: v.Metric, N: v.N, Quantile: v.Quantile, LimitMS: v.LimitMS, Share: v.Share}
	if v.Metric == "failed" {
		if r.Runs > 0 {
			out.Observed = float64(r.Outcomes.Failed+r.Outcomes.Inconsistent) / float64(r.Runs)
		}
		out.OK = out.Observed <= v.Share
		return out
	}
	var h *Histogram
	hs := r.Histograms
	switch v.Metric {
	case "end_to_end":
		h = hs.EndToEnd
	case "completion":
		h = hs.Completion
	case "system_time":
		h = hs.SystemTime
	case "message":
		if v.N >= 1 && v.N <= len(hs.Messages) {
			h = hs.Messages[v.N-1]
		}
	case "exchange":
		for i, e := range r.Exchanges {
			if e.Request == v.N && i < len(hs.Exchanges) {
				h = hs.Exchanges[i]
			}
		}
	}
	if h == nil || h.Count() == 0 {
		out.OK, out.NoData = true, true
		return out
	}
	q := h.Quantile(v.Quantile)
	out.ObservedMS = float64(q) / 1e6
	out.OK = q <= time.Duration(v.LimitMS*1e6+0.5)
	return out
}
