package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/choreo-dev/choreo/report"
)

// fitN is the sample size of the fitting tests: large enough that the
// maximum-likelihood estimates sit within a few percent of the truth
// (standard errors below), small enough to run in milliseconds.
const fitN = 20000

func sampleHistogram(l Latency, n int, seed uint64) (*report.Histogram, []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	h := report.NewHistogram()
	xs := make([]float64, n)
	for i := range xs {
		d := l.Sample(r)
		h.Record(d)
		xs[i] = float64(d)
	}
	slices.Sort(xs)
	return h, xs
}

// TestFitRecoversDistributions draws fitN values from each family, fits
// them, and wants the same family back with parameters within four
// standard errors of the maximum-likelihood estimate for fitN values
// (plus the 0.1% resolution of the histogram):
//
//   - lognormal: σ̂ has standard error σ/√(2n) = 0.004 for σ = 0.8, and
//     the median e^μ̂ a relative one of σ/√n = 0.57%;
//   - gamma: k̂ has variance k / (n (k ψ′(k) − 1)), ψ′(2.5) = 0.4904:
//     standard error 0.023 for k = 2.5;
//   - Weibull: k̂ has standard error 0.78 k/√n = 0.0094 for k = 1.7
//     (the inverse Fisher information, 6/π² · k²);
//   - exponential: the mean has a relative standard error of 1/√n = 0.7%.
//
// The chosen fit's Kolmogorov–Smirnov distance must also be under the
// 5% critical value 1.358/√n: the true family is not rejected.
func TestFitRecoversDistributions(t *testing.T) {
	n := float64(fitN)
	for _, tc := range []struct {
		name  string
		truth Latency
		check func(t *testing.T, got Latency)
	}{
		{"lognormal", LogNormal{Median: 100 * time.Millisecond, Sigma: 0.8}, func(t *testing.T, got Latency) {
			l := got.(LogNormal)
			within(t, "sigma", l.Sigma, 0.8, 4*0.8/math.Sqrt(2*n)+0.001)
			within(t, "median", float64(l.Median)/1e8, 1, 4*0.8/math.Sqrt(n)+0.001)
		}},
		{"gamma", Gamma{Shape: 2.5, Scale: 40 * time.Millisecond}, func(t *testing.T, got Latency) {
			g := got.(Gamma)
			psi1 := 0.4904 // ψ′(2.5)
			within(t, "shape", g.Shape, 2.5, 4*math.Sqrt(2.5/(n*(2.5*psi1-1)))+0.001)
			within(t, "mean", g.Shape*float64(g.Scale)/1e8, 1, 4/math.Sqrt(2.5*n)+0.001)
		}},
		{"weibull", Weibull{Shape: 1.7, Scale: 120 * time.Millisecond}, func(t *testing.T, got Latency) {
			w := got.(Weibull)
			within(t, "shape", w.Shape, 1.7, 4*0.78*1.7/math.Sqrt(n)+0.001)
			within(t, "scale", float64(w.Scale)/1.2e8, 1, 4*1.109/1.7/math.Sqrt(n)+0.001)
		}},
		{"exponential", Exponential{Mean: 50 * time.Millisecond}, func(t *testing.T, got Latency) {
			e := got.(Exponential)
			within(t, "mean", float64(e.Mean)/5e7, 1, 4/math.Sqrt(n)+0.001)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := sampleHistogram(tc.truth, fitN, 7)
			fr := fitLatency(h)
			if fr.chosen.name != tc.name {
				t.Fatalf("chose %s (D %.4f), want %s; candidates %v", fr.chosen.name, fr.chosen.d, tc.name, names(fr))
			}
			if fr.chosen.d > ksCritical(fitN) {
				t.Errorf("D = %.4f over the 5%% critical value %.4f", fr.chosen.d, ksCritical(fitN))
			}
			tc.check(t, fr.chosen.lat)
			// what is written must parse back to the same distribution
			back, err := ParseLatency(latencyString(fr.chosen.lat), "")
			if err != nil {
				t.Fatalf("%s: %v", fr.chosen.lat, err)
			}
			if latencyString(back) != latencyString(fr.chosen.lat) {
				t.Errorf("written %s, read back %s", latencyString(fr.chosen.lat), back)
			}
		})
	}
}

func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*math.Abs(want) && math.Abs(got-want) > tol {
		t.Errorf("%s = %.5g, want %.5g ± %.3g", what, got, want, tol)
	}
}

func names(fr fitResult) map[string]float64 {
	m := map[string]float64{}
	for _, c := range fr.candidates {
		m[c.name] = c.d
	}
	return m
}

// TestFitConstant: every value equal is a constant, written as a duration.
func TestFitConstant(t *testing.T) {
	h, _ := sampleHistogram(Constant(5*time.Millisecond), 100, 1)
	fr := fitLatency(h)
	if fr.chosen.name != "constant" || latencyString(fr.chosen.lat) != "5ms" {
		t.Errorf("got %s %s, want constant 5ms", fr.chosen.name, fr.chosen.lat)
	}
}

// TestFitBimodalIsQuantiles: a mixture of two well separated modes fits
// no parametric family (each is rejected by the KS test), so the
// quantiles form wins, and reproduces the observed percentiles.
func TestFitBimodalIsQuantiles(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 1))
	h := report.NewHistogram()
	fast, slow := LogNormal{Median: 10 * time.Millisecond, Sigma: 0.2}, LogNormal{Median: 400 * time.Millisecond, Sigma: 0.2}
	for range fitN {
		if r.Float64() < 0.7 {
			h.Record(fast.Sample(r))
		} else {
			h.Record(slow.Sample(r))
		}
	}
	fr := fitLatency(h)
	if fr.chosen.name != "quantiles" {
		t.Fatalf("chose %s, want quantiles; candidates %v", fr.chosen.name, names(fr))
	}
	q := fr.chosen.lat.(*Quantiles)
	for _, p := range []float64{0.5, 0.9, 0.99} {
		got, want := float64(q.Quantile(p)), float64(h.Quantile(p))
		within(t, pName(p), got/want, 1, 0.001) // rounded to 4 digits
	}
}

// TestKSDistanceOfBuckets: the distance taken at the histogram's bucket
// edges is the exact one-sample KS distance of the raw values, within
// the histogram's resolution: a bucket is 0.1% wide, so the CDF moves by
// at most f(x)·0.001·x inside it (under 0.001 for these densities), plus
// nothing for the empirical side (its steps are at the bucket edges).
func TestKSDistanceOfBuckets(t *testing.T) {
	truth := LogNormal{Median: 100 * time.Millisecond, Sigma: 0.8}
	h, xs := sampleHistogram(truth, fitN, 11)
	// a slightly wrong model, so the distance is not only noise
	model := distuv.LogNormal{Mu: math.Log(1.1e8), Sigma: 0.75}
	exact := 0.0
	for i, x := range xs {
		c := model.CDF(x)
		exact = max(exact, math.Abs(c-float64(i)/fitN), math.Abs(c-float64(i+1)/fitN))
	}
	got := ksDistance(h.Buckets(), h.Count(), model.CDF)
	if math.Abs(got-exact) > 0.001 {
		t.Errorf("bucketed D = %.5f, exact %.5f", got, exact)
	}
}

// TestQuantilesCDFInvertsQuantile: the CDF used for the quantiles form's
// distance is the inverse of its Quantile.
func TestQuantilesCDFInvertsQuantile(t *testing.T) {
	q, err := newQuantiles([]Point{{0, time.Millisecond}, {0.5, 10 * time.Millisecond}, {0.9, 30 * time.Millisecond}, {0.99, 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []float64{0.01, 0.25, 0.5, 0.75, 0.95, 0.995, 0.9999} {
		if got := q.cdf(float64(q.Quantile(u))); math.Abs(got-u) > 1e-6 {
			t.Errorf("cdf(Quantile(%g)) = %g", u, got)
		}
	}
}

// TestFitIterations: one value is a count, uniform counts are uniform
// (the chi-square test does not reject them), skewed ones are quantiles.
func TestFitIterations(t *testing.T) {
	for _, tc := range []struct {
		its  map[int]int64
		want string
	}{
		{map[int]int64{3: 500}, "3"},
		{map[int]int64{1: 480, 2: 510, 3: 505, 4: 495}, "uniform(1, 4)"},
		{map[int]int64{1: 900, 2: 80, 3: 15, 8: 5}, "quantiles(min=1, p99=3, max=8)"}, // p50 = p90 = min
	} {
		got, _ := fitIterations(tc.its)
		if got != tc.want {
			t.Errorf("fitIterations(%v) = %q, want %q", tc.its, got, tc.want)
		}
		if _, err := parseCount(got, ""); err != nil {
			t.Errorf("%q does not parse as a count: %v", got, err)
		}
	}
}
