package report

import "time"

// SLO metrics: what an SLOTarget bounds.
const (
	SLOEndToEnd   = "end_to_end"
	SLOCompletion = "completion"
	SLOSystemTime = "system_time"
	SLOFailed     = "failed" // share of failed + inconsistent runs
	SLOMessage    = "message"
	SLOExchange   = "exchange"
)

// SLOTarget is one SLO target: a percentile bound on a latency, or a bound
// on the failed share. A profile's slo section gives them (sim.Profile.SLO)
// and Judge evaluates them on a result.
type SLOTarget struct {
	// Target is the target as reports show it: "end_to_end p95 <= 3s".
	Target string
	Metric string
	// N is the message (SLOMessage) or the exchange's request (SLOExchange).
	N int
	// Quantile in (0, 1] for latency targets; Limit the bound.
	Quantile float64
	Limit    time.Duration
	// Share is the bound for SLOFailed, in [0, 1].
	Share float64
}

// Spec returns the target a verdict restates (the result's JSON keeps the
// limit in milliseconds: Limit is rounded to the nanosecond).
func (v SLOVerdict) Spec() SLOTarget {
	return SLOTarget{Target: v.Target, Metric: v.Metric, N: v.N, Quantile: v.Quantile,
		Limit: time.Duration(v.LimitMS*1e6 + 0.5), Share: v.Share}
}

// Judge evaluates SLO targets on a result that carries histograms, one
// verdict per target (nil for none).
func Judge(ts []SLOTarget, r *Result) []SLOVerdict {
	var out []SLOVerdict
	for _, t := range ts {
		out = append(out, judge(t, r))
	}
	return out
}

// judge evaluates one target.
func judge(t SLOTarget, r *Result) SLOVerdict {
	out := SLOVerdict{Target: t.Target, Metric: t.Metric, N: t.N, Quantile: t.Quantile,
		LimitMS: float64(t.Limit) / 1e6, Share: t.Share}
	if t.Metric == SLOFailed {
		if r.Runs > 0 {
			out.Observed = float64(r.Outcomes.Failed+r.Outcomes.Inconsistent) / float64(r.Runs)
		}
		out.OK = out.Observed <= t.Share
		return out
	}
	h := r.SLOHistogram(t)
	if h == nil || h.Count() == 0 {
		out.OK, out.NoData = true, true
		return out
	}
	q := h.Quantile(t.Quantile)
	out.ObservedMS = float64(q) / 1e6
	out.OK = q <= t.Limit
	return out
}

// SLOHistogram returns the histogram a latency target bounds (nil when
// the result has none for it).
func (r *Result) SLOHistogram(t SLOTarget) *Histogram {
	if hs := r.Histograms; hs != nil {
		switch t.Metric {
		case SLOEndToEnd:
			return hs.EndToEnd
		case SLOCompletion:
			return hs.Completion
		case SLOSystemTime:
			return hs.SystemTime
		case SLOMessage:
			if t.N >= 1 && t.N <= len(hs.Messages) {
				return hs.Messages[t.N-1]
			}
		case SLOExchange:
			for i, e := range r.Exchanges {
				if e.Request == t.N && i < len(hs.Exchanges) {
					return hs.Exchanges[i]
				}
			}
		}
	}
	return nil
}
