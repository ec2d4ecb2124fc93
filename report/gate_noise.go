package report

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Confidence is the level of the confidence intervals that mark a change
// as noise.
const Confidence = 0.95

// Interval is an estimate with its confidence interval (Confidence), in
// the estimate's unit: milliseconds for a percentile, a share in [0, 1]
// for a failure share. Known is false when the result kept no
// distribution to compute it from.
type Interval struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	Known bool    `json:"known"`
}

// Overlaps reports whether two intervals share a value; unknown
// intervals overlap nothing.
func (a Interval) Overlaps(b Interval) bool {
	return a.Known && b.Known && a.Low <= b.High && b.Low <= a.High
}

// QuantileCI returns the q-quantile of h with its distribution-free
// confidence interval from the order statistics (sla-reporting.md §6):
// among n values, the true q-quantile lies between the l-th and the u-th
// smallest with probability P(l ≤ B < u), B ~ Binomial(n, q); l is the
// largest rank with P(B < l) ≤ α/2 and u the smallest with
// P(B < u) ≥ 1 − α/2 (α = 1 − Confidence). A rank past either end is the
// minimum or the maximum: with few values the interval is as wide as the
// data. Values come from the histogram (3 significant digits).
func QuantileCI(h *Histogram, q float64) Interval {
	n := h.Count()
	if n == 0 {
		return Interval{}
	}
	b := distuv.Binomial{N: float64(n), P: q}
	alpha := 1 - Confidence
	// cdfBelow(k) = P(B < k) = P(B ≤ k−1), increasing in k.
	cdfBelow := func(k int64) float64 {
		if k <= 0 {
			return 0
		}
		return b.CDF(float64(k - 1))
	}
	// l: the largest k in [0, n] with P(B < k) ≤ α/2.
	l := int64(sort.Search(int(n)+1, func(k int) bool { return cdfBelow(int64(k)) > alpha/2 })) - 1
	// u: the smallest k in [1, n+1] with P(B < k) ≥ 1 − α/2.
	u := int64(sort.Search(int(n)+2, func(k int) bool { return cdfBelow(int64(k)) >= 1-alpha/2 }))
	rank := func(k int64) float64 {
		switch {
		case k < 1:
			return ms(int64(h.Min()))
		case k > n:
			return ms(int64(h.Max()))
		}
		// the k-th smallest value: the value at quantile k/n
		return ms(int64(h.Quantile((float64(k) - 0.5) / float64(n))))
	}
	return Interval{Value: ms(int64(h.Quantile(q))), Low: rank(l), High: rank(u), Known: true}
}

// ShareCI returns the share k/n with its Clopper–Pearson (exact binomial)
// confidence interval; nothing is known for n = 0.
func ShareCI(k, n int64) Interval {
	if n <= 0 {
		return Interval{}
	}
	alpha := 1 - Confidence
	out := Interval{Value: float64(k) / float64(n), Low: 0, High: 1, Known: true}
	if k > 0 {
		out.Low = distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(alpha / 2)
	}
	if k < n {
		out.High = distuv.Beta{Alpha: float64(k + 1), Beta: float64(n - k)}.Quantile(1 - alpha/2)
	}
	if math.IsNaN(out.Low) || math.IsNaN(out.High) {
		return Interval{Value: out.Value}
	}
	return out
}
