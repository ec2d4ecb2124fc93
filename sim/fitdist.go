package sim

import (
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/choreo-dev/choreo/report"
)

// Fitting latency distributions.
//
// A measured latency arrives as a report.Histogram (HdrHistogram buckets,
// each 0.1% wide or less), so every fit works on the buckets: each bucket
// stands for its count of values at its midpoint. The candidates are
// fitted by maximum likelihood:
//
//   - constant: every value within the histogram's resolution (max −
//     min ≤ 0.2% of max, or a single value);
//   - exponential: mean = the exact mean;
//   - lognormal: μ and σ are the mean and standard deviation of ln x;
//   - gamma: shape k solves ln k − ψ(k) = ln mean − mean(ln x), scale =
//     mean / k;
//   - Weibull: shape k solves Σ xᵏ ln x / Σ xᵏ − 1/k = mean(ln x), scale
//     (mean xᵏ)^(1/k);
//   - quantiles: the observed min and the percentiles p10 … p99.99 that
//     have at least ten values above them, with the profile's lognormal
//     tail past the last.
//
// Each is scored by its one-sample Kolmogorov–Smirnov distance D: the
// largest gap between the observed CDF (at every bucket's edges) and the
// fitted one. (gonum's stat.KolmogorovSmirnov is the two-sample
// statistic, between two weighted samples; here one side is a CDF, so the
// distance is taken against it directly.) The rule: the parametric
// candidate with the smallest D, unless the KS test at the 5% level
// rejects it — D above 1.358/√n — and the quantiles are closer: a
// quantiles form has up to ten parameters, so it has to earn them. Among
// the parametric forms, the exponential (one parameter) is kept unless a
// two-parameter form is closer by more than 0.5/√n (see simpler). The
// critical value ignores that parameters were estimated (the Lilliefors
// correction would lower it), which leans further toward the parametric
// forms. Values of 0 (a message faster than the clock) take no part in
// the logarithms of the lognormal, gamma and Weibull fits but count in D.

// fitCandidate is one fitted distribution and its KS distance.
type fitCandidate struct {
	name string
	lat  Latency
	cdf  func(x float64) float64
	d    float64
}

// fitResult is the chosen fit of one histogram, with the candidates
// tried (for the profile's comments).
type fitResult struct {
	n          int64
	chosen     fitCandidate
	candidates []fitCandidate
	p50, p99   time.Duration
}

// simpler is how much closer (in KS distance) a fit with more
// parameters must come to be chosen over one with fewer: half of 1/√n.
// Under the true distribution √n·D has a standard deviation of about
// 0.26, so a smaller gain is noise, such as a gamma of shape 0.98 against
// the exponential it nests.
func simpler(n int64) float64 { return 0.5 / math.Sqrt(float64(n)) }

// ksCritical is the 5% critical value of the KS distance for n values.
func ksCritical(n int64) float64 { return 1.358 / math.Sqrt(float64(n)) }

// fitLatency fits h, which must hold at least one value.
func fitLatency(h *report.Histogram) fitResult {
	res := fitResult{n: h.Count(), p50: h.Quantile(0.5), p99: h.Quantile(0.99)}
	bs := h.Buckets()
	lo, hi := h.Min(), h.Max()
	if hi-lo <= hi/500 || len(bs) == 1 {
		c := fitCandidate{name: "constant", lat: Constant(roundSig(h.Quantile(0.5), 4))}
		res.chosen, res.candidates = c, []fitCandidate{c}
		return res
	}
	xs := make([]float64, len(bs))
	ws := make([]float64, len(bs))
	for i, b := range bs {
		xs[i] = (float64(b.Low) + float64(b.High)) / 2
		ws[i] = float64(b.Count)
	}
	mean := h.Mean()
	var cands []fitCandidate
	cands = append(cands, fitExponential(mean))
	if c, ok := fitLogNormal(xs, ws); ok {
		cands = append(cands, c)
	}
	if c, ok := fitGamma(xs, ws, mean); ok {
		cands = append(cands, c)
	}
	if c, ok := fitWeibull(xs, ws); ok {
		cands = append(cands, c)
	}
	for i := range cands {
		cands[i].d = ksDistance(bs, h.Count(), cands[i].cdf)
	}
	// the exponential (one parameter) unless a two-parameter family is
	// closer by more than simpler's margin
	best := slices.MinFunc(cands[1:], func(a, b fitCandidate) int { return cmpFloat(a.d, b.d) })
	if cands[0].d <= best.d+simpler(h.Count()) {
		best = cands[0]
	}
	if q, ok := fitQuantiles(h); ok {
		q.d = ksDistance(bs, h.Count(), q.cdf)
		cands = append(cands, q)
		if best.d > ksCritical(h.Count()) && q.d < best.d {
			best = q
		}
	}
	res.chosen, res.candidates = best, cands
	return res
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ksDistance is the largest gap between the CDF of the n values in bs
// and cdf, at both edges of every bucket.
func ksDistance(bs []report.Bucket, n int64, cdf func(float64) float64) float64 {
	d, cum := 0.0, int64(0)
	for _, b := range bs {
		below := float64(cum) / float64(n)
		cum += b.Count
		upto := float64(cum) / float64(n)
		// just below the bucket the CDF is at most below, at its top upto
		d = max(d, gap(cdf, float64(b.Low)-0.5, below), gap(cdf, float64(b.High), upto))
		if b.Low != b.High {
			d = max(d, gap(cdf, float64(b.Low), below))
		}
	}
	return d
}

// gap is |cdf(x) − p|, with a CDF of 0 below 0 (where the log-based
// CDFs give NaN) and 1 for anything else not a number.
func gap(cdf func(float64) float64, x, p float64) float64 {
	if x <= 0 {
		return p
	}
	c := cdf(x)
	if math.IsNaN(c) {
		return 1
	}
	return math.Abs(c - p)
}

// logMoments returns the weighted mean and standard deviation of ln x
// over the positive values, and their total weight.
func logMoments(xs, ws []float64) (mu, sd, w float64) {
	var lx, lw []float64
	for i, x := range xs {
		if x > 0 {
			lx = append(lx, math.Log(x))
			lw = append(lw, ws[i])
			w += ws[i]
		}
	}
	if w == 0 {
		return 0, 0, 0
	}
	mu, sd = stat.MeanStdDev(lx, lw)
	return mu, sd, w
}

func fitExponential(mean float64) fitCandidate {
	e := Exponential{Mean: roundSig(time.Duration(mean), 4)}
	rate := 1 / float64(e.Mean)
	return fitCandidate{name: "exponential", lat: e, cdf: distuv.Exponential{Rate: rate}.CDF}
}

func fitLogNormal(xs, ws []float64) (fitCandidate, bool) {
	mu, sd, w := logMoments(xs, ws)
	if w < 2 || !(sd > 0) {
		return fitCandidate{}, false
	}
	med := roundSig(time.Duration(math.Exp(mu)), 4)
	p99 := roundSig(time.Duration(math.Exp(mu+sd*distuv.UnitNormal.Quantile(0.99))), 4)
	if med <= 0 || p99 <= med {
		return fitCandidate{}, false
	}
	l := logNormalP(med, 0.99, p99)
	return fitCandidate{name: "lognormal", lat: l,
		cdf: distuv.LogNormal{Mu: math.Log(float64(l.Median)), Sigma: l.Sigma}.CDF}, true
}

// solveUp finds the root of an increasing f on [lo, hi] by bisection in
// log space (both bounds positive).
func solveUp(f func(float64) float64, lo, hi float64) float64 {
	a, b := math.Log(lo), math.Log(hi)
	for range 200 {
		m := (a + b) / 2
		if f(math.Exp(m)) < 0 {
			a = m
		} else {
			b = m
		}
	}
	return math.Exp((a + b) / 2)
}

func fitGamma(xs, ws []float64, mean float64) (fitCandidate, bool) {
	mu, _, w := logMoments(xs, ws)
	s := math.Log(mean) - mu // ≥ 0 by Jensen
	if w < 2 || !(s > 1e-9) {
		return fitCandidate{}, false
	}
	// ln k − ψ(k) falls from +∞ to 0: solve ψ(k) − ln k + s = 0
	k := solveUp(func(k float64) float64 { return mathext.Digamma(k) - math.Log(k) + s }, 1e-4, 1e7)
	k = roundFloat(k, 4)
	scale := roundSig(time.Duration(mean/k), 4)
	if scale <= 0 {
		return fitCandidate{}, false
	}
	g := Gamma{Shape: k, Scale: scale}
	return fitCandidate{name: "gamma", lat: g,
		cdf: distuv.Gamma{Alpha: k, Beta: 1 / float64(scale)}.CDF}, true
}

func fitWeibull(xs, ws []float64) (fitCandidate, bool) {
	mu, _, w := logMoments(xs, ws)
	if w < 2 {
		return fitCandidate{}, false
	}
	// with y = x / e^μ, mean(ln y) = 0 and the equation is
	// Σ w yᵏ ln y / Σ w yᵏ − 1/k = 0 (increasing in k)
	var ly, lw []float64
	for i, x := range xs {
		if x > 0 {
			ly = append(ly, math.Log(x)-mu)
			lw = append(lw, ws[i])
		}
	}
	moment := func(k float64) (num, den float64) {
		for i, l := range ly {
			e := lw[i] * math.Exp(k*l)
			num += e * l
			den += e
		}
		return num, den
	}
	k := solveUp(func(k float64) float64 {
		num, den := moment(k)
		return num/den - 1/k
	}, 0.01, 200)
	k = roundFloat(k, 4)
	_, den := moment(k)
	scale := roundSig(time.Duration(math.Exp(mu)*math.Pow(den/w, 1/k)), 4)
	if scale <= 0 || math.IsInf(float64(scale), 0) {
		return fitCandidate{}, false
	}
	wb := Weibull{Shape: k, Scale: scale}
	return fitCandidate{name: "weibull", lat: wb,
		cdf: distuv.Weibull{K: k, Lambda: float64(scale)}.CDF}, true
}

// quantilePoints are the percentiles a quantiles fit may give.
var quantilePoints = []float64{0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999}

func fitQuantiles(h *report.Histogram) (fitCandidate, bool) {
	n := float64(h.Count())
	pts := []Point{{P: 0, D: roundSig(h.Min(), 4)}}
	for _, p := range quantilePoints {
		if n*(1-p) < 10 {
			break
		}
		d := roundSig(h.Quantile(p), 4)
		if d > pts[len(pts)-1].D {
			pts = append(pts, Point{P: p, D: d})
		}
	}
	q, err := newQuantiles(pts)
	if err != nil {
		return fitCandidate{}, false
	}
	return fitCandidate{name: "quantiles", lat: q, cdf: q.cdf}, true
}

// cdf is the share of draws at or below x: the inverse of Quantile, by
// bisection (Quantile is non-decreasing).
func (q *Quantiles) cdf(x float64) float64 {
	if x < float64(q.Points[0].D) {
		return 0
	}
	a, b := 0.0, 1.0
	for range 60 {
		m := (a + b) / 2
		if float64(q.Quantile(m)) <= x {
			a = m
		} else {
			b = m
		}
	}
	return a
}

// roundSig rounds d to sig significant digits (at least to the
// nanosecond).
func roundSig(d time.Duration, sig int) time.Duration {
	if d <= 0 {
		return d
	}
	mag := math.Pow(10, math.Floor(math.Log10(float64(d)))-float64(sig-1))
	if mag < 1 {
		return d
	}
	return time.Duration(math.Round(float64(d)/mag) * mag)
}

// roundFloat rounds x to sig significant digits.
func roundFloat(x float64, sig int) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', sig, 64), 64)
	return y
}
