package report

// source is one measured thing of a result — a run time or a step — as
// comparisons and gates read it: its summary, its distribution when the
// result kept one, and its failures out of its tries.
type source struct {
	stats        Stats
	h            *Histogram
	failK, failN int64
}

// quantile returns the q-quantile in milliseconds with its confidence
// interval; without a histogram only the percentiles of Stats are known,
// and without their interval.
func (s source) quantile(q float64) Interval {
	if s.h != nil && s.h.Count() > 0 {
		return QuantileCI(s.h, q)
	}
	if s.stats.Count == 0 {
		return Interval{}
	}
	for _, p := range []struct {
		q, v float64
	}{{0.5, s.stats.P50MS}, {0.9, s.stats.P90MS}, {0.95, s.stats.P95MS}, {0.99, s.stats.P99MS}, {0.999, s.stats.P999MS}, {1, s.stats.MaxMS}} {
		if p.q == q {
			return Interval{Value: p.v, Low: p.v, High: p.v}
		}
	}
	return Interval{}
}

// hasData reports whether anything was measured.
func (s source) hasData() bool { return s.stats.Count > 0 || s.failN > 0 }

// fail returns the failure share with its confidence interval.
func (s source) fail() Interval { return ShareCI(s.failK, s.failN) }

// runSources returns the run times of a result by name, and its failed
// share (failed and inconsistent runs) under "end_to_end".
func runSources(r *Result) map[string]source {
	var hs Histograms
	if r.Histograms != nil {
		hs = *r.Histograms
	}
	return map[string]source{
		SLOEndToEnd:   {stats: r.EndToEnd, h: hs.EndToEnd, failK: r.Outcomes.Failed + r.Outcomes.Inconsistent, failN: r.Runs},
		SLOCompletion: {stats: r.Completion, h: hs.Completion},
		SLOSystemTime: {stats: r.SystemTime, h: hs.SystemTime},
	}
}

// stepSources returns the steps of a result by selector, in order: each
// exchange (request to reply, failed after its retries out of its runs),
// then each message that requests none (its latency, faulted sends out of
// its sends).
func stepSources(r *Result) (map[string]source, []string) {
	m := map[string]source{}
	var order []string
	sel := map[int]string{}
	for _, msg := range r.Messages {
		sel[msg.N] = msg.Selector
	}
	hist := func(hs []*Histogram, i int) *Histogram {
		if i < len(hs) {
			return hs[i]
		}
		return nil
	}
	var hs Histograms
	if r.Histograms != nil {
		hs = *r.Histograms
	}
	for i, e := range r.Exchanges {
		name := sel[e.Request]
		m[name] = source{stats: e.Duration, h: hist(hs.Exchanges, i), failK: e.Failed, failN: e.Duration.Count + e.Failed}
		order = append(order, name)
	}
	for i, msg := range r.Messages {
		if _, ok := m[msg.Selector]; ok {
			continue
		}
		m[msg.Selector] = source{stats: msg.Latency, h: hist(hs.Messages, i),
			failK: msg.Faults.Error + msg.Faults.Timeout + msg.Faults.Drop, failN: msg.Latency.Count}
		order = append(order, msg.Selector)
	}
	return m, order
}
