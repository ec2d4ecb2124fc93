package sim

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// nSamples is the sample size of the statistical tests. Tolerances are
// derived from it: an empirical CDF at x is binomial with standard error
// sqrt(F(1−F)/n), a sample mean has standard error sd/sqrt(n); checks
// allow 5 standard errors (a false alarm about once in 3.5 million; the
// seed is fixed anyway, so a failure is a real change).
const nSamples = 200_000

const sigmas = 5

type cdfPoint struct {
	x time.Duration
	F float64 // P(X <= x), from the mathematics of the form
}

func ms(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }

func TestLatencyForms(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lat.txt"), []byte("# recorded\n10\n20ms\n\n30.5\n0.04s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	z99 := distuv.UnitNormal.Quantile(0.99)
	logn := func(median, sigma, x float64) float64 { // lognormal CDF
		return distuv.UnitNormal.CDF((math.Log(x) - math.Log(median)) / sigma)
	}
	tests := []struct {
		name, in string
		want     Latency
		cdf      []cdfPoint
		mean, sd float64 // ms; sd 0: no mean check
		reason   string
	}{
		{name: "constant", in: "120ms", want: Constant(120 * time.Millisecond),
			cdf: []cdfPoint{{ms(119.999), 0}, {ms(120), 1}}},
		{name: "constant zero", in: "0", want: Constant(0), cdf: []cdfPoint{{0, 1}},
			reason: "0 is the one bare number a duration may be"},
		{name: "uniform", in: "uniform(10ms, 30ms)", want: Uniform{ms(10), ms(30)},
			cdf:  []cdfPoint{{ms(10) - 1, 0}, {ms(15), 0.25}, {ms(20), 0.5}, {ms(30), 1}},
			mean: 20, sd: 20 / math.Sqrt(12)},
		{name: "uniform named", in: "uniform(min=1s, max=2s)", want: Uniform{time.Second, 2 * time.Second},
			mean: 1500, sd: 1000 / math.Sqrt(12)},
		{name: "normal", in: "normal(mean=100ms, sd=20ms)", want: Normal{ms(100), ms(20)},
			cdf:  []cdfPoint{{ms(80), distuv.UnitNormal.CDF(-1)}, {ms(100), 0.5}, {ms(140), distuv.UnitNormal.CDF(2)}},
			mean: 100, sd: 20},
		{name: "normal cut at 0", in: "normal(mean=0s, sd=10ms)", want: Normal{0, ms(10)},
			cdf:  []cdfPoint{{0, 0.5}, {ms(10), distuv.UnitNormal.CDF(1)}},
			mean: 10 / math.Sqrt(2*math.Pi), sd: 10 * math.Sqrt(0.5),
			reason: "half the draws are negative and become 0: E[max(0,X)] = σ/√(2π), sd(max(0,X)) = σ√(1/2 − 1/(2π)) ≤ σ√½"},
		{name: "lognormal median p99", in: "lognormal(median=120ms, p99=900ms)",
			want: LogNormal{ms(120), math.Log(900.0/120) / z99},
			cdf:  []cdfPoint{{ms(120), 0.5}, {ms(900), 0.99}, {ms(60), logn(120, math.Log(7.5)/z99, 60)}}},
		{name: "lognormal positional", in: "lognormal(20ms, 100ms)",
			want: LogNormal{ms(20), math.Log(5) / z99},
			cdf:  []cdfPoint{{ms(20), 0.5}, {ms(100), 0.99}}},
		{name: "lognormal p95", in: "lognormal(median=1s, p95=3s)",
			want: LogNormal{time.Second, math.Log(3) / distuv.UnitNormal.Quantile(0.95)},
			cdf:  []cdfPoint{{time.Second, 0.5}, {3 * time.Second, 0.95}}},
		{name: "lognormal sigma", in: "lognormal(median=100ms, sigma=0.5)", want: LogNormal{ms(100), 0.5},
			cdf:  []cdfPoint{{ms(100), 0.5}, {ms(100 * math.Exp(0.5)), distuv.UnitNormal.CDF(1)}},
			mean: 100 * math.Exp(0.125), sd: 100 * math.Sqrt((math.Exp(0.25)-1)*math.Exp(0.25))},
		{name: "exponential", in: "exponential(mean=50ms)", want: Exponential{ms(50)},
			cdf:  []cdfPoint{{ms(50 * math.Ln2), 0.5}, {ms(50), 1 - math.Exp(-1)}, {ms(200), 1 - math.Exp(-4)}},
			mean: 50, sd: 50},
		{name: "gamma scale", in: "gamma(shape=2, scale=50ms)", want: Gamma{2, ms(50)},
			cdf:  []cdfPoint{{ms(50), 1 - 2*math.Exp(-1)}, {ms(150), 1 - 4*math.Exp(-3)}},
			mean: 100, sd: 50 * math.Sqrt2, reason: "shape 2: F(x) = 1 − e^(−x/θ)(1 + x/θ)"},
		{name: "gamma mean", in: "gamma(shape=0.5, mean=100ms)", want: Gamma{0.5, ms(200)},
			mean: 100, sd: 200 * math.Sqrt(0.5), reason: "shape < 1 takes gonum's other sampler"},
		{name: "gamma small shape", in: "gamma(shape=0.1, scale=1s)", want: Gamma{0.1, time.Second},
			mean: 100, sd: 1000 * math.Sqrt(0.1), reason: "shape < 0.2 takes a third sampler"},
		{name: "weibull", in: "weibull(shape=1.5, scale=100ms)", want: Weibull{1.5, ms(100)},
			cdf:  []cdfPoint{{ms(100), 1 - math.Exp(-1)}, {ms(50), 1 - math.Exp(-math.Pow(0.5, 1.5))}},
			mean: 100 * math.Gamma(1+1/1.5), sd: 100 * math.Sqrt(math.Gamma(1+2/1.5)-math.Pow(math.Gamma(1+1/1.5), 2))},
		{name: "pareto", in: "pareto(xm=10ms, alpha=3)", want: Pareto{ms(10), 3},
			cdf:  []cdfPoint{{ms(10) - 1, 0}, {ms(20), 1 - 1.0/8}, {ms(100), 1 - 1e-3}},
			mean: 15, sd: 10 * math.Sqrt(3.0/4), reason: "mean α·xm/(α−1), variance xm²α/((α−1)²(α−2))"},
		{name: "quantiles", in: "quantiles(p50=100ms, p90=300ms, p99=1s)",
			cdf: []cdfPoint{{ms(50), 0.25}, {ms(100), 0.5}, {ms(200), 0.7}, {ms(300), 0.9}, {time.Second, 0.99},
				{ms(1000 * math.Exp(math.Log(1000.0/300)/(z99-distuv.UnitNormal.Quantile(0.9))*(distuv.UnitNormal.Quantile(0.999)-z99))), 0.999}},
			reason: "linear between the points from p0 = 0; a lognormal tail through p90 and p99 beyond"},
		{name: "quantiles min max", in: "quantiles(min=10ms, p50=20ms, max=40ms)",
			cdf:  []cdfPoint{{ms(10) - 1, 0}, {ms(15), 0.25}, {ms(20), 0.5}, {ms(30), 0.75}, {ms(40), 1}},
			mean: 22.5, sd: math.Sqrt(0.5*100/12 + 0.5*400/12 + 0.25*15*15/1 - 0), reason: "two uniform halves"},
		{name: "quantiles one point", in: "quantiles(p90=100ms)",
			cdf:    []cdfPoint{{ms(50), 0.45}, {ms(100), 0.9}, {ms(100 + 100.0/9*math.Log(10)), 0.99}},
			reason: "no lognormal through (0, 0): an exponential tail with the last segment's slope, scale (1−0.9)·100ms/0.9"},
		{name: "empirical", in: "empirical(lat.txt)",
			want: &Empirical{File: "lat.txt", Values: []time.Duration{ms(10), ms(20), ms(30.5), ms(40)}},
			cdf:  []cdfPoint{{ms(10), 0.25}, {ms(20), 0.5}, {ms(30.5), 0.75}, {ms(40), 1}},
			mean: 25.125, sd: math.Sqrt((15.125*15.125 + 5.125*5.125 + 5.375*5.375 + 14.875*14.875) / 4),
			reason: "plain numbers are milliseconds, durations keep their unit, # lines are comments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseLatency(tc.in, dir)
			if err != nil {
				t.Fatalf("ParseLatency(%q): %v", tc.in, err)
			}
			if tc.want != nil && !sameLatency(l, tc.want) {
				t.Errorf("ParseLatency(%q) = %#v, want %#v", tc.in, l, tc.want)
			}
			r := rand.New(rand.NewPCG(1, 2))
			xs := make([]time.Duration, nSamples)
			for i := range xs {
				xs[i] = l.Sample(r)
			}
			slices.Sort(xs)
			n := float64(nSamples)
			for _, p := range tc.cdf {
				got := float64(countLE(xs, p.x)) / n
				tol := sigmas*math.Sqrt(p.F*(1-p.F)/n) + 1e-12
				if math.Abs(got-p.F) > tol {
					t.Errorf("%s: P(X <= %v) = %.5f, want %.5f ± %.5f (%s)", tc.in, p.x, got, p.F, tol, tc.reason)
				}
			}
			if tc.sd > 0 {
				sum := 0.0
				for _, x := range xs {
					sum += float64(x) / float64(time.Millisecond)
				}
				got, tol := sum/n, sigmas*tc.sd/math.Sqrt(n)
				if math.Abs(got-tc.mean) > tol {
					t.Errorf("%s: mean %.4fms, want %.4fms ± %.4f (%s)", tc.in, got, tc.mean, tol, tc.reason)
				}
			}
			if allocs := testing.AllocsPerRun(1000, func() { l.Sample(r) }); allocs != 0 {
				t.Errorf("%s: Sample allocates %v times per call, want 0", tc.in, allocs)
			}
		})
	}
}

// sameLatency compares parsed latencies; floats within 1e-12.
func sameLatency(a, b Latency) bool {
	switch x := a.(type) {
	case LogNormal:
		y, ok := b.(LogNormal)
		return ok && x.Median == y.Median && math.Abs(x.Sigma-y.Sigma) < 1e-12
	case *Empirical:
		y, ok := b.(*Empirical)
		return ok && x.File == y.File && slices.Equal(x.Values, y.Values)
	}
	return a == b
}

func countLE(sorted []time.Duration, x time.Duration) int {
	i, _ := slices.BinarySearch(sorted, x+1)
	return i
}

// The brief's own check: the sample median of exponential(mean=m) is
// within a few standard errors of m·ln 2. The standard error of a sample
// median is 1/(2 f(median) √n), and f(median) = 1/(2m) here, so m/√n.
func TestExponentialMedian(t *testing.T) {
	const m = 80 * time.Millisecond
	l := Exponential{Mean: m}
	r := rand.New(rand.NewPCG(7, 7))
	xs := make([]float64, nSamples)
	for i := range xs {
		xs[i] = float64(l.Sample(r))
	}
	slices.Sort(xs)
	med := xs[nSamples/2]
	want, se := float64(m)*math.Ln2, float64(m)/math.Sqrt(nSamples)
	if math.Abs(med-want) > sigmas*se {
		t.Errorf("median %v, want %v ± %v", time.Duration(med), time.Duration(want), time.Duration(sigmas*se))
	}
}

// The lognormal's p99 by sample quantile: SE = √(p(1−p)/n) / f(x_p).
func TestLogNormalP99(t *testing.T) {
	l := logNormalP(120*time.Millisecond, 0.99, 900*time.Millisecond)
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, nSamples)
	for i := range xs {
		xs[i] = float64(l.Sample(r))
	}
	slices.Sort(xs)
	d := distuv.LogNormal{Mu: math.Log(float64(120 * time.Millisecond)), Sigma: l.Sigma}
	for _, p := range []float64{0.5, 0.99} {
		want := d.Quantile(p)
		se := math.Sqrt(p*(1-p)/nSamples) / d.Prob(want)
		got := xs[int(p*nSamples)]
		if math.Abs(got-want) > sigmas*se {
			t.Errorf("p%g = %v, want %v ± %v", p*100, time.Duration(got), time.Duration(want), time.Duration(sigmas*se))
		}
	}
	if got := l.Quantile(0.99).Round(time.Microsecond); got != 900*time.Millisecond {
		t.Errorf("Quantile(0.99) = %v, want 900ms", got)
	}
}

func TestQuantilesReproducePoints(t *testing.T) {
	l, err := ParseLatency("quantiles(p50=100ms, p90=300ms, p99=1s, p999=3s)", ".")
	if err != nil {
		t.Fatal(err)
	}
	q := l.(*Quantiles)
	for _, p := range []Point{{0, 0}, {0.25, ms(50)}, {0.5, ms(100)}, {0.9, ms(300)}, {0.99, time.Second}, {0.999, 3 * time.Second}} {
		if got := q.Quantile(p.P); got != p.D {
			t.Errorf("Quantile(%v) = %v, want %v", p.P, got, p.D)
		}
	}
	if got := q.Quantile(0.9999); got <= 3*time.Second {
		t.Errorf("Quantile(0.9999) = %v, want a tail beyond 3s", got)
	}
	if got, want := q.String(), "quantiles(min=0s, p50=100ms, p90=300ms, p99=1s, p999=3s)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCounts(t *testing.T) {
	tests := []struct {
		in   string
		want []float64 // P(count = i)
		mean float64
		sd   float64
	}{
		{in: "3", want: []float64{0, 0, 0, 1}},
		{in: "uniform(1, 5)", want: []float64{0, 0.2, 0.2, 0.2, 0.2, 0.2}},
		{in: "normal(mean=10, sd=2)", mean: 10, sd: 2},
		{in: "exponential(mean=4)", want: []float64{1 - math.Exp(-0.5/4), math.Exp(-0.5/4) - math.Exp(-1.5/4)}},
		{in: "quantiles(p50=2, max=4)", want: []float64{0.125, 0.25, 0.25, 0.25, 0.125}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			c, err := parseCount(tc.in, ".")
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(5, 6))
			counts := map[int]int{}
			sum := 0.0
			for range nSamples {
				k := c.Sample(r)
				counts[k]++
				sum += float64(k)
			}
			n := float64(nSamples)
			for k, p := range tc.want {
				got := float64(counts[k]) / n
				if tol := sigmas*math.Sqrt(p*(1-p)/n) + 1e-12; math.Abs(got-p) > tol {
					t.Errorf("P(%d) = %.4f, want %.4f ± %.4f", k, got, p, tol)
				}
			}
			if tc.sd > 0 {
				if got, tol := sum/n, sigmas*tc.sd/math.Sqrt(n); math.Abs(got-tc.mean) > tol {
					t.Errorf("mean %.4f, want %.4f ± %.4f", got, tc.mean, tol)
				}
			}
			if fmtCount(c) != tc.in {
				t.Errorf("String() = %q, want %q", fmtCount(c), tc.in)
			}
		})
	}
}

func fmtCount(c Count) string {
	if s, ok := c.(interface{ String() string }); ok {
		return s.String()
	}
	return "?"
}

func TestLatencyErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"120", `latency "120": 120 needs a unit, such as 120ms or 120s; or a distribution such as lognormal(median=120ms, p99=900ms)`},
		{"-5ms", `latency "-5ms": duration -5ms is negative; or a distribution such as lognormal(median=120ms, p99=900ms)`},
		{"fast", `latency "fast": "fast" is not a duration such as 120ms or 1.5s; or a distribution such as lognormal(median=120ms, p99=900ms)`},
		{"lognormal(median=120ms, p99=50ms)", "lognormal: p99 (50ms) must exceed median (120ms)"},
		{"lognormal(median=120ms)", "lognormal: want p99= (or another quantile above the median, or sigma=) beside median="},
		{"lognormal(p99=1s)", "lognormal: median= is missing; want median= and p99= (or sigma=)"},
		{"lognormal(median=120ms, p99=1s, sigma=1)", "lognormal: give sigma or p99, not both"},
		{"lognormal(median=120ms, p10=1s)", "lognormal: p10 must be a quantile above the median, such as p99"},
		{"lognormal(medain=120ms, p99=1s)", `lognormal: unknown parameter "medain"; did you mean "median"?; want median= and p99= (or another quantile, or sigma=)`},
		{"lognormal(median=120, p99=1s)", "lognormal: median: 120 needs a unit, such as 120ms or 120s"},
		{"lognormal(median=0s, p99=1s)", "lognormal: median (0s) must be positive"},
		{"lognormal(median=120ms, p99=1s", "lognormal: missing ) at the end of \"lognormal(median=120ms, p99=1s\""},
		{"lognormall(median=120ms, p99=1s)", `latency "lognormall(median=120ms, p99=1s)": unknown form "lognormall"; did you mean "lognormal"?`},
		{"uniform(30ms, 10ms)", "uniform: max (10ms) must not be below min (30ms)"},
		{"uniform(10ms)", "uniform: max= is missing"},
		{"uniform(1ms, 2ms, 3ms)", `uniform: unexpected argument "3ms"; write name=value`},
		{"uniform(min=1ms, min=2ms)", "uniform: min is given twice"},
		{"normal(mean=100ms, sd=-1ms)", "normal: sd: duration -1ms is negative"},
		{"normal(mean=100ms, stdev=1ms)", `normal: unknown parameter "stdev"; want mean, sd`},
		{"exponential(mean=0s)", "exponential: mean (0s) must be positive"},
		{"exponential(rate=3)", `exponential: unknown parameter "rate"; want mean`},
		{"gamma(shape=2)", "gamma: want scale= or mean= beside shape="},
		{"gamma(shape=-2, scale=1s)", "gamma: shape (-2) must be positive"},
		{"gamma(shape=2, scale=1s, mean=2s)", "gamma: give scale or mean, not both"},
		{"weibull(shape=x, scale=1s)", `weibull: shape "x" is not a number`},
		{"pareto(xm=10ms)", "pareto: alpha= is missing"},
		{"quantiles(p50=100ms, p90=50ms)", "quantiles: p90 (50ms) must exceed p50 (100ms)"},
		{"quantiles(min=200ms, p50=100ms)", "quantiles: p50 (100ms) must exceed min (200ms)"},
		{"quantiles(p50=1s, max=1s)", "quantiles: max (1s) must exceed p50 (1s)"},
		{"quantiles()", "quantiles: want at least one quantile besides the minimum"},
		{"quantiles(p50=1s, p99.99.9=2s)", `quantiles: "p99.99.9" is not a quantile such as p50, p99 or p999`},
		{"quantiles(p50=1s, p0=2s)", "quantiles: write min= and max= instead of p0"},
		{"quantiles(p50=1s, p100=2s)", "quantiles: write min= and max= instead of p100"},
		{"quantiles(p50=1s, mean=2s)", `quantiles: unknown parameter "mean"; want p50=, p90=, p99=… and optionally min= and max=`},
		{"empirical()", "empirical: want a file name, such as empirical(latency.txt)"},
		{"empirical(testdata/none.txt)", "empirical: open testdata/none.txt: no such file or directory"},
	}
	for _, tc := range tests {
		_, err := ParseLatency(tc.in, ".")
		if err == nil {
			t.Errorf("ParseLatency(%q): no error, want %q", tc.in, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("ParseLatency(%q):\n got %s\nwant %s", tc.in, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"-1", "count -1 is negative"},
		{"many", `count "many": want a whole number such as 3, or a distribution such as uniform(1, 5)`},
		{"uniform(1.5, 3)", "uniform: bounds of a count must be whole numbers"},
		{"uniform(5, 1)", "uniform: max (1) must not be below min (5)"},
		{"exponential(mean=1s)", `exponential: mean "1s" is not a number`},
	} {
		_, err := parseCount(tc.in, ".")
		if err == nil || err.Error() != tc.want {
			t.Errorf("parseCount(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestEmpiricalFileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"bad.txt": "10\nslow\n", "neg.txt": "-3ms\n", "empty.txt": "# nothing\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for in, want := range map[string]string{
		"empirical(bad.txt)":   `empirical: bad.txt:2: "slow" is neither a duration nor a number of milliseconds`,
		"empirical(neg.txt)":   `empirical: neg.txt:1: "-3ms" is negative`,
		"empirical(empty.txt)": "empirical: empty.txt has no values",
	} {
		if _, err := ParseLatency(in, dir); err == nil || err.Error() != want {
			t.Errorf("ParseLatency(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestQuantileKeys(t *testing.T) {
	for k, want := range map[string]float64{"p50": 0.5, "p95": 0.95, "p99": 0.99, "p999": 0.999, "p9999": 0.9999,
		"p99.9": 0.999, "p5": 0.05, "p0": 0, "p100": 1, "p995": 0.995} {
		got, err := parseP(k)
		if err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("parseP(%q) = %v, %v; want %v", k, got, err, want)
		}
		if k != "p99.9" && k != "p0" && k != "p100" {
			if back := pName(want); back != k {
				t.Errorf("pName(%v) = %q, want %q", want, back, k)
			}
		}
	}
	if got := pName(0.075); got != "p7.5" {
		t.Errorf("pName(0.075) = %q, want p7.5", got)
	}
}

func TestLatencyString(t *testing.T) {
	for _, in := range []string{"120ms", "uniform(10ms, 30ms)", "normal(mean=100ms, sd=20ms)",
		"lognormal(median=120ms, p99=900ms)", "exponential(mean=50ms)", "gamma(shape=2, scale=50ms)",
		"weibull(shape=1.5, scale=100ms)", "pareto(xm=10ms, alpha=2.5)", "quantiles(min=0s, p50=100ms, max=1s)"} {
		l, err := ParseLatency(in, ".")
		if err != nil {
			t.Fatal(err)
		}
		if got := l.(interface{ String() string }).String(); got != in {
			t.Errorf("String() = %q, want %q", got, in)
		}
	}
}

func BenchmarkSample(b *testing.B) {
	for _, in := range []string{"120ms", "lognormal(median=120ms, p99=900ms)", "gamma(shape=2, scale=50ms)", "quantiles(p50=100ms, p90=300ms, p99=1s)"} {
		l, err := ParseLatency(in, ".")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(in, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			b.ReportAllocs()
			for b.Loop() {
				l.Sample(r)
			}
		})
	}
}

// TestLogNormalSampleIsDistuv: the closed form of LogNormal.Sample draws
// what gonum's distuv.LogNormal draws from the same source.
func TestLogNormalSampleIsDistuv(t *testing.T) {
	l := logNormalP(120*time.Millisecond, 0.99, 900*time.Millisecond)
	a := rand.New(rand.NewPCG(3, 4))
	b := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 10000; i++ {
		got := l.Sample(a)
		want := toDuration(distuv.LogNormal{Mu: math.Log(float64(l.Median)), Sigma: l.Sigma, Src: b}.Rand())
		if d := got - want; d > 1 || d < -1 {
			t.Fatalf("draw %d: %v, distuv %v", i, got, want)
		}
	}
}
