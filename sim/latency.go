package sim

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/choreo-dev/choreo/internal/suggest"
	"github.com/choreo-dev/choreo/report"
)

// The latency forms a profile can write. Each draws with the caller's
// *rand.Rand (never the global generator) and allocates nothing per
// sample. Every form has a String method that prints it back in profile
// syntax. Samples below 0 are 0, samples beyond [math.MaxInt64] ns are
// capped there, and fractional nanoseconds are rounded.

// Constant is a fixed latency: "120ms".
type Constant time.Duration

// Sample returns the constant.
func (c Constant) Sample(*rand.Rand) time.Duration { return time.Duration(c) }

func (c Constant) String() string { return fmtDur(time.Duration(c)) }

// Uniform draws uniformly from [Min, Max], in whole nanoseconds:
// "uniform(10ms, 30ms)".
type Uniform struct{ Min, Max time.Duration }

// Sample draws a latency.
func (u Uniform) Sample(r *rand.Rand) time.Duration {
	if u.Max <= u.Min {
		return u.Min
	}
	return u.Min + time.Duration(r.Int64N(int64(u.Max-u.Min)+1))
}

func (u Uniform) String() string { return fmt.Sprintf("uniform(%s, %s)", fmtDur(u.Min), fmtDur(u.Max)) }

// Normal is a normal distribution cut at 0: a draw below 0 is 0 (a point
// mass at zero, not a redraw): "normal(mean=100ms, sd=20ms)".
type Normal struct{ Mean, SD time.Duration }

// Sample draws a latency.
func (n Normal) Sample(r *rand.Rand) time.Duration {
	return toDuration(distuv.Normal{Mu: float64(n.Mean), Sigma: float64(n.SD), Src: r}.Rand())
}

func (n Normal) String() string {
	return fmt.Sprintf("normal(mean=%s, sd=%s)", fmtDur(n.Mean), fmtDur(n.SD))
}

// LogNormal is a lognormal distribution: the log of the latency is normal
// with median ln(Median) and standard deviation Sigma. It is SciPy's
// lognorm(s=Sigma, scale=Median). The profile writes it
// "lognormal(median=120ms, p99=900ms)" or "lognormal(median=120ms,
// sigma=0.8)"; see [logNormalP].
type LogNormal struct {
	Median time.Duration
	Sigma  float64
}

// logNormalP returns the lognormal distribution with the given median
// whose quantile p is q: Sigma = (ln q − ln median) / Φ⁻¹(p).
func logNormalP(median time.Duration, p float64, q time.Duration) LogNormal {
	return LogNormal{Median: median, Sigma: (math.Log(float64(q)) - math.Log(float64(median))) / distuv.UnitNormal.Quantile(p)}
}

// Sample draws a latency. It is distuv.LogNormal{Mu: ln Median}.Rand()
// (exp(σ·z + μ) with z standard normal) written as Median·exp(σ·z), which
// draws the same numbers from the same source without a logarithm per draw
// (TestLogNormalSampleIsDistuv); the hot loop of a simulation is here.
func (l LogNormal) Sample(r *rand.Rand) time.Duration {
	return toDuration(float64(l.Median) * math.Exp(l.Sigma*r.NormFloat64()))
}

// Quantile returns the latency below which a share p of draws fall.
func (l LogNormal) Quantile(p float64) time.Duration {
	return toDuration(distuv.LogNormal{Mu: math.Log(float64(l.Median)), Sigma: l.Sigma}.Quantile(p))
}

func (l LogNormal) String() string {
	q := l.Quantile(0.99)
	if q > time.Millisecond {
		q = q.Round(time.Microsecond)
	}
	return fmt.Sprintf("lognormal(median=%s, p99=%s)", fmtDur(l.Median), fmtDur(q))
}

// Exponential is an exponential distribution with the given mean:
// "exponential(mean=50ms)".
type Exponential struct{ Mean time.Duration }

// Sample draws a latency.
func (e Exponential) Sample(r *rand.Rand) time.Duration {
	return toDuration(distuv.Exponential{Rate: 1 / float64(e.Mean), Src: r}.Rand())
}

func (e Exponential) String() string { return fmt.Sprintf("exponential(mean=%s)", fmtDur(e.Mean)) }

// Gamma is a gamma distribution with shape k and scale θ (mean kθ):
// "gamma(shape=2, scale=50ms)" or "gamma(shape=2, mean=100ms)".
type Gamma struct {
	Shape float64
	Scale time.Duration
}

// Sample draws a latency.
func (g Gamma) Sample(r *rand.Rand) time.Duration {
	return toDuration(distuv.Gamma{Alpha: g.Shape, Beta: 1 / float64(g.Scale), Src: r}.Rand())
}

func (g Gamma) String() string {
	return fmt.Sprintf("gamma(shape=%s, scale=%s)", fmtFloat(g.Shape), fmtDur(g.Scale))
}

// Weibull is a Weibull distribution with shape k and scale λ:
// "weibull(shape=1.5, scale=100ms)".
type Weibull struct {
	Shape float64
	Scale time.Duration
}

// Sample draws a latency.
func (w Weibull) Sample(r *rand.Rand) time.Duration {
	return toDuration(distuv.Weibull{K: w.Shape, Lambda: float64(w.Scale), Src: r}.Rand())
}

func (w Weibull) String() string {
	return fmt.Sprintf("weibull(shape=%s, scale=%s)", fmtFloat(w.Shape), fmtDur(w.Scale))
}

// Pareto is a Pareto distribution with minimum Xm and tail index Alpha
// (the mean is infinite when Alpha ≤ 1): "pareto(xm=10ms, alpha=2.5)".
type Pareto struct {
	Xm    time.Duration
	Alpha float64
}

// Sample draws a latency.
func (p Pareto) Sample(r *rand.Rand) time.Duration {
	return toDuration(distuv.Pareto{Xm: float64(p.Xm), Alpha: p.Alpha, Src: r}.Rand())
}

func (p Pareto) String() string {
	return fmt.Sprintf("pareto(xm=%s, alpha=%s)", fmtDur(p.Xm), fmtFloat(p.Alpha))
}

// Point is a point of a [Quantiles] distribution: a share P of draws fall
// below D.
type Point struct {
	P float64
	D time.Duration
}

// Quantiles is a distribution given by its quantiles: the inverse CDF is
// piecewise linear through the points, which start at P = 0 (the
// minimum, 0 unless min= is given) and rise strictly in both P and D.
// When the last point has P < 1 the tail beyond it is lognormal, fitted
// through the last two points (continuous there, and heavy like real
// latency tails); when the point before the last is the minimum 0, which
// a lognormal cannot pass through, the tail is exponential with the
// slope of the last segment. max= adds the point P = 1 and so bounds the
// draws: "quantiles(p50=100ms, p90=300ms, p99=1s)".
type Quantiles struct {
	Points []Point
	// tail parameters, from the last two points (see tail).
	tailSigma, tailScale float64
}

// newQuantiles checks the points and returns the distribution. The first
// point must have P = 0; P and D must rise strictly; at least two points.
func newQuantiles(points []Point) (*Quantiles, error) {
	if len(points) < 2 {
		return nil, fmt.Errorf("quantiles: want at least one quantile besides the minimum")
	}
	if points[0].P != 0 {
		return nil, fmt.Errorf("quantiles: the first point must be the minimum (p0)")
	}
	for i := 1; i < len(points); i++ {
		a, b := points[i-1], points[i]
		if b.P <= a.P || b.P > 1 {
			return nil, fmt.Errorf("quantiles: %s must be above %s and at most p100", pName(b.P), pName(a.P))
		}
		if b.D <= a.D {
			return nil, fmt.Errorf("quantiles: %s (%s) must exceed %s (%s)", pName(b.P), fmtDur(b.D), pName(a.P), fmtDur(a.D))
		}
	}
	q := &Quantiles{Points: slices.Clone(points)}
	last, prev := points[len(points)-1], points[len(points)-2]
	if last.P < 1 {
		if prev.P > 0 && prev.D > 0 {
			zl, zp := distuv.UnitNormal.Quantile(last.P), distuv.UnitNormal.Quantile(prev.P)
			q.tailSigma = (math.Log(float64(last.D)) - math.Log(float64(prev.D))) / (zl - zp)
		} else {
			// exponential: x = D + s·ln((1−P)/(1−u)), s = (1−P)·slope
			q.tailScale = (1 - last.P) * float64(last.D-prev.D) / (last.P - prev.P)
		}
	}
	return q, nil
}

// Sample draws a latency.
func (q *Quantiles) Sample(r *rand.Rand) time.Duration { return q.Quantile(r.Float64()) }

// Quantile returns the inverse CDF at u in [0, 1).
func (q *Quantiles) Quantile(u float64) time.Duration {
	ps := q.Points
	last := ps[len(ps)-1]
	if u >= last.P {
		if u >= 1 {
			return last.D
		}
		if q.tailSigma > 0 {
			z := distuv.UnitNormal.Quantile(u) - distuv.UnitNormal.Quantile(last.P)
			return toDuration(float64(last.D) * math.Exp(q.tailSigma*z))
		}
		return toDuration(float64(last.D) + q.tailScale*math.Log((1-last.P)/(1-u)))
	}
	i := sort.Search(len(ps), func(i int) bool { return ps[i].P > u }) // ps[i-1].P <= u < ps[i].P
	a, b := ps[i-1], ps[i]
	return toDuration(float64(a.D) + (u-a.P)/(b.P-a.P)*float64(b.D-a.D))
}

func (q *Quantiles) String() string {
	var b strings.Builder
	b.WriteString("quantiles(")
	for i, p := range q.Points {
		if i > 0 {
			b.WriteString(", ")
		}
		switch p.P {
		case 0:
			b.WriteString("min=" + fmtDur(p.D))
		case 1:
			b.WriteString("max=" + fmtDur(p.D))
		default:
			b.WriteString(pName(p.P) + "=" + fmtDur(p.D))
		}
	}
	b.WriteString(")")
	return b.String()
}

// Empirical draws uniformly from recorded values: "empirical(latency.txt)".
type Empirical struct {
	// File is the file the values came from, as the profile names it.
	File   string
	Values []time.Duration
}

// Sample draws one of the values.
func (e *Empirical) Sample(r *rand.Rand) time.Duration { return e.Values[r.IntN(len(e.Values))] }

func (e *Empirical) String() string { return "empirical(" + e.File + ")" }

// toDuration rounds x nanoseconds to a Duration, within [0, MaxInt64].
func toDuration(x float64) time.Duration {
	switch {
	case !(x > 0): // also NaN
		return 0
	case x >= math.MaxInt64:
		return math.MaxInt64
	}
	return time.Duration(math.Round(x))
}

// Counts: loop iterations.

// ConstCount is a fixed count: "3".
type ConstCount int

// Sample returns the count.
func (c ConstCount) Sample(*rand.Rand) int { return int(c) }

func (c ConstCount) String() string { return strconv.Itoa(int(c)) }

// UniformCount draws an integer uniformly from [Min, Max]: "uniform(1, 5)".
type UniformCount struct{ Min, Max int }

// Sample draws a count.
func (u UniformCount) Sample(r *rand.Rand) int {
	if u.Max <= u.Min {
		return u.Min
	}
	return u.Min + r.IntN(u.Max-u.Min+1)
}

func (u UniformCount) String() string { return fmt.Sprintf("uniform(%d, %d)", u.Min, u.Max) }

// RoundedCount is any latency form written with plain numbers, rounded
// to the nearest whole number: "exponential(mean=3)",
// "quantiles(p50=2, p99=10)". Dist holds the numbers as nanoseconds (the
// number 3 is 3ns), which is how [parseCount] builds it; Text is the form
// as written.
type RoundedCount struct {
	Dist Latency
	Text string
}

// Sample draws a count.
func (c RoundedCount) Sample(r *rand.Rand) int { return int(min(c.Dist.Sample(r), math.MaxInt32)) }

func (c RoundedCount) String() string { return c.Text }

// Parsing.

// ParseLatency reads a latency as a profile writes it: a Go duration
// ("120ms", "1.5s", "0"; a bare number other than 0 is refused, since
// "120" could mean seconds or milliseconds) or a form such as
// "lognormal(median=120ms, p99=900ms)". The file of empirical(FILE) is
// relative to dir. Errors name the form and what is wrong.
func ParseLatency(s, dir string) (Latency, error) {
	return parseLatency(s, dir, false)
}

// parseCount reads a count (loop iterations): a whole number ("3"),
// uniform(a, b) over the integers a..b inclusive, or any other latency
// form written with plain numbers instead of durations ("exponential(mean=2)",
// "quantiles(p50=2, p99=8)"), rounded to the nearest whole number.
func parseCount(s, dir string) (Count, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return nil, fmt.Errorf("count %d is negative", n)
		}
		return ConstCount(n), nil
	}
	if !strings.Contains(s, "(") {
		return nil, fmt.Errorf("count %q: want a whole number such as 3, or a distribution such as uniform(1, 5)", s)
	}
	l, err := parseLatency(s, dir, true)
	if err != nil {
		return nil, err
	}
	if u, ok := l.(Uniform); ok {
		return UniformCount{Min: int(u.Min), Max: int(u.Max)}, nil
	}
	return RoundedCount{Dist: l, Text: s}, nil
}

// form is one latency form: its positional parameters and all the names
// it accepts, and its constructor.
type form struct {
	positional []string
	keys       []string
	build      func(a *formArgs) (Latency, error)
}

// latencyForms maps the name of each form to its parameters and
// constructor.
var latencyForms = map[string]form{
	"uniform":     {[]string{"min", "max"}, []string{"min", "max"}, buildUniform},
	"normal":      {[]string{"mean", "sd"}, []string{"mean", "sd"}, buildNormal},
	"lognormal":   {[]string{"median", "p99"}, nil, buildLogNormal}, // median|p50, and sigma or one pNN
	"exponential": {[]string{"mean"}, []string{"mean"}, buildExponential},
	"gamma":       {[]string{"shape", "scale"}, []string{"shape", "scale", "mean"}, buildGamma},
	"weibull":     {[]string{"shape", "scale"}, []string{"shape", "scale"}, buildWeibull},
	"pareto":      {[]string{"xm", "alpha"}, []string{"xm", "alpha"}, buildPareto},
	"quantiles":   {nil, nil, buildQuantiles}, // min, max, pNN
	"empirical":   {nil, nil, nil},            // one file name
}

// formNames lists the forms, sorted, for messages.
func formNames() []string {
	var ns []string
	for n := range latencyForms {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}

// formArgs are the arguments of one form call.
type formArgs struct {
	form  string
	count bool // numbers are plain (counts), not durations
	names []string
	raw   map[string]string
}

func parseLatency(s, dir string, count bool) (Latency, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open < 0 {
		if count {
			return nil, fmt.Errorf("count %q: want a whole number or a distribution", s)
		}
		d, err := parseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("latency %q: %w; or a distribution such as lognormal(median=120ms, p99=900ms)", s, err)
		}
		return Constant(d), nil
	}
	name := strings.ToLower(strings.TrimSpace(s[:open]))
	f, ok := latencyForms[name]
	if !ok {
		return nil, fmt.Errorf("latency %q: unknown form %q%s", s, name, suggest.DidYouMean(name, formNames()))
	}
	if !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("%s: missing ) at the end of %q", name, s)
	}
	inner := strings.TrimSpace(s[open+1 : len(s)-1])
	if name == "empirical" {
		return loadEmpirical(inner, dir, count)
	}
	a := &formArgs{form: name, count: count, raw: map[string]string{}}
	if inner != "" {
		for i, part := range strings.Split(inner, ",") {
			part = strings.TrimSpace(part)
			k, v, named := strings.Cut(part, "=")
			k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
			if !named {
				if i >= len(f.positional) {
					return nil, fmt.Errorf("%s: unexpected argument %q; write name=value", name, part)
				}
				k, v = f.positional[i], part
			}
			if v == "" {
				return nil, fmt.Errorf("%s: %s has no value", name, k)
			}
			if f.keys != nil && !slices.Contains(f.keys, k) {
				return nil, fmt.Errorf("%s: unknown parameter %q%s; want %s", name, k, suggest.DidYouMean(k, f.keys), strings.Join(f.keys, ", "))
			}
			if _, dup := a.raw[k]; dup {
				return nil, fmt.Errorf("%s: %s is given twice", name, k)
			}
			a.names = append(a.names, k)
			a.raw[k] = v
		}
	}
	return f.build(a)
}

func (a *formArgs) has(k string) bool { _, ok := a.raw[k]; return ok }

// value reads parameter k as a duration (in ns) or, for counts, a plain
// number; it must be ≥ 0 (> 0 when positive).
func (a *formArgs) value(k string, positive bool) (float64, error) {
	v, ok := a.raw[k]
	if !ok {
		return 0, fmt.Errorf("%s: %s= is missing", a.form, k)
	}
	var x float64
	if a.count {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, fmt.Errorf("%s: %s %q is not a number", a.form, k, v)
		}
		x = f
	} else {
		d, err := parseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("%s: %s: %w", a.form, k, err)
		}
		x = float64(d)
	}
	if positive && x <= 0 {
		return 0, fmt.Errorf("%s: %s (%s) must be positive", a.form, k, a.show(x))
	}
	if x < 0 {
		return 0, fmt.Errorf("%s: %s (%s) must not be negative", a.form, k, a.show(x))
	}
	return x, nil
}

// number reads parameter k as a plain positive number (shape, alpha,
// sigma).
func (a *formArgs) number(k string) (float64, error) {
	v, ok := a.raw[k]
	if !ok {
		return 0, fmt.Errorf("%s: %s= is missing", a.form, k)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%s: %s %q is not a number", a.form, k, v)
	}
	if f <= 0 {
		return 0, fmt.Errorf("%s: %s (%s) must be positive", a.form, k, v)
	}
	return f, nil
}

// show prints x as the user wrote it: a duration, or a number for counts.
func (a *formArgs) show(x float64) string {
	if a.count {
		return fmtFloat(x)
	}
	return time.Duration(x).String()
}

func dur(x float64) time.Duration { return time.Duration(math.Round(x)) }

func buildUniform(a *formArgs) (Latency, error) {
	lo, err := a.value("min", false)
	if err != nil {
		return nil, err
	}
	hi, err := a.value("max", false)
	if err != nil {
		return nil, err
	}
	if hi < lo {
		return nil, fmt.Errorf("uniform: max (%s) must not be below min (%s)", a.show(hi), a.show(lo))
	}
	if a.count && (lo != math.Trunc(lo) || hi != math.Trunc(hi)) {
		return nil, fmt.Errorf("uniform: bounds of a count must be whole numbers")
	}
	return Uniform{Min: dur(lo), Max: dur(hi)}, nil
}

func buildNormal(a *formArgs) (Latency, error) {
	m, err := a.value("mean", false)
	if err != nil {
		return nil, err
	}
	sd, err := a.value("sd", false)
	if err != nil {
		return nil, err
	}
	return Normal{Mean: dur(m), SD: dur(sd)}, nil
}

func buildLogNormal(a *formArgs) (Latency, error) {
	var p float64
	var pk string
	for _, k := range a.names {
		switch {
		case k == "median" || k == "p50" || k == "sigma":
		case isPKey(k):
			q, err := parseP(k)
			if err != nil {
				return nil, fmt.Errorf("lognormal: %w", err)
			}
			if q <= 0.5 || q >= 1 {
				return nil, fmt.Errorf("lognormal: %s must be a quantile above the median, such as p99", k)
			}
			if pk != "" {
				return nil, fmt.Errorf("lognormal: give one quantile besides the median, not %s and %s", pk, k)
			}
			p, pk = q, k
		default:
			keys := []string{"median", "p99", "sigma"}
			return nil, fmt.Errorf("lognormal: unknown parameter %q%s; want median= and p99= (or another quantile, or sigma=)", k, suggest.DidYouMean(k, keys))
		}
	}
	mk := "median"
	if a.has("p50") {
		if a.has("median") {
			return nil, fmt.Errorf("lognormal: give median or p50, not both")
		}
		mk = "p50"
	}
	if !a.has(mk) {
		return nil, fmt.Errorf("lognormal: median= is missing; want median= and p99= (or sigma=)")
	}
	med, err := a.value(mk, true)
	if err != nil {
		return nil, err
	}
	switch {
	case a.has("sigma") && pk != "":
		return nil, fmt.Errorf("lognormal: give sigma or %s, not both", pk)
	case a.has("sigma"):
		s, err := a.number("sigma")
		if err != nil {
			return nil, err
		}
		return LogNormal{Median: dur(med), Sigma: s}, nil
	case pk == "":
		return nil, fmt.Errorf("lognormal: want p99= (or another quantile above the median, or sigma=) beside median=")
	}
	q, err := a.value(pk, true)
	if err != nil {
		return nil, err
	}
	if q <= med {
		return nil, fmt.Errorf("lognormal: %s (%s) must exceed %s (%s)", pk, a.show(q), mk, a.show(med))
	}
	return logNormalP(dur(med), p, dur(q)), nil
}

func buildExponential(a *formArgs) (Latency, error) {
	m, err := a.value("mean", true)
	if err != nil {
		return nil, err
	}
	return Exponential{Mean: dur(m)}, nil
}

func buildGamma(a *formArgs) (Latency, error) {
	k, err := a.number("shape")
	if err != nil {
		return nil, err
	}
	switch {
	case a.has("scale") && a.has("mean"):
		return nil, fmt.Errorf("gamma: give scale or mean, not both")
	case a.has("mean"):
		m, err := a.value("mean", true)
		if err != nil {
			return nil, err
		}
		return Gamma{Shape: k, Scale: dur(m / k)}, nil
	case !a.has("scale"):
		return nil, fmt.Errorf("gamma: want scale= or mean= beside shape=")
	}
	s, err := a.value("scale", true)
	if err != nil {
		return nil, err
	}
	return Gamma{Shape: k, Scale: dur(s)}, nil
}

func buildWeibull(a *formArgs) (Latency, error) {
	k, err := a.number("shape")
	if err != nil {
		return nil, err
	}
	s, err := a.value("scale", true)
	if err != nil {
		return nil, err
	}
	return Weibull{Shape: k, Scale: dur(s)}, nil
}

func buildPareto(a *formArgs) (Latency, error) {
	xm, err := a.value("xm", true)
	if err != nil {
		return nil, err
	}
	al, err := a.number("alpha")
	if err != nil {
		return nil, err
	}
	return Pareto{Xm: dur(xm), Alpha: al}, nil
}

func buildQuantiles(a *formArgs) (Latency, error) {
	pts := []Point{{P: 0}}
	for _, k := range a.names {
		switch {
		case k == "min" || k == "max":
		case isPKey(k):
			p, err := parseP(k)
			if err != nil {
				return nil, fmt.Errorf("quantiles: %w", err)
			}
			if p == 0 || p == 1 {
				return nil, fmt.Errorf("quantiles: write min= and max= instead of %s", k)
			}
			v, err := a.value(k, false)
			if err != nil {
				return nil, err
			}
			pts = append(pts, Point{P: p, D: dur(v)})
		default:
			return nil, fmt.Errorf("quantiles: unknown parameter %q%s; want p50=, p90=, p99=… and optionally min= and max=", k, suggest.DidYouMean(k, []string{"min", "max", "p50", "p90", "p99", "p999"}))
		}
	}
	if a.has("min") {
		v, err := a.value("min", false)
		if err != nil {
			return nil, err
		}
		pts[0].D = dur(v)
	}
	if a.has("max") {
		v, err := a.value("max", false)
		if err != nil {
			return nil, err
		}
		pts = append(pts, Point{P: 1, D: dur(v)})
	}
	slices.SortStableFunc(pts[1:], func(x, y Point) int {
		switch {
		case x.P < y.P:
			return -1
		case x.P > y.P:
			return 1
		}
		return 0
	})
	for i := 1; i < len(pts); i++ {
		if pts[i].P == pts[i-1].P {
			return nil, fmt.Errorf("quantiles: %s is given twice", pName(pts[i].P))
		}
		if pts[i].D <= pts[i-1].D {
			n := func(p Point) string {
				switch p.P {
				case 0:
					return "min"
				case 1:
					return "max"
				}
				return pName(p.P)
			}
			return nil, fmt.Errorf("quantiles: %s (%s) must exceed %s (%s)", n(pts[i]), a.show(float64(pts[i].D)), n(pts[i-1]), a.show(float64(pts[i-1].D)))
		}
	}
	q, err := newQuantiles(pts)
	if err != nil {
		return nil, err
	}
	return q, nil
}

// loadEmpirical reads the file of empirical(FILE): one value per line, a
// Go duration ("12.5ms") or a plain number of milliseconds ("12.5"), or
// for counts a plain number; blank lines and lines starting with # are
// skipped.
func loadEmpirical(file, dir string, count bool) (Latency, error) {
	file = strings.Trim(strings.TrimSpace(file), `"'`)
	if file == "" {
		return nil, fmt.Errorf("empirical: want a file name, such as empirical(latency.txt)")
	}
	path := file
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, file)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("empirical: %w", err)
	}
	e := &Empirical{File: file}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		var d time.Duration
		if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			if count {
				d = dur(f)
			} else {
				d = dur(f * float64(time.Millisecond))
			}
		} else if count {
			return nil, fmt.Errorf("empirical: %s:%d: %q is not a number", file, line, t)
		} else if d, err = time.ParseDuration(t); err != nil {
			return nil, fmt.Errorf("empirical: %s:%d: %q is neither a duration nor a number of milliseconds", file, line, t)
		}
		if d < 0 {
			return nil, fmt.Errorf("empirical: %s:%d: %q is negative", file, line, t)
		}
		e.Values = append(e.Values, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("empirical: %s: %w", file, err)
	}
	if len(e.Values) == 0 {
		return nil, fmt.Errorf("empirical: %s has no values", file)
	}
	return e, nil
}

// parseDuration reads a Go duration; "0" needs no unit, other bare
// numbers are refused.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("%s needs a unit, such as %sms or %ss", s, s, s)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 120ms or 1.5s", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %s is negative", s)
	}
	return d, nil
}

// isPKey reports whether k looks like a quantile key: p followed by a
// digit.
func isPKey(k string) bool { return len(k) > 1 && k[0] == 'p' && k[1] >= '0' && k[1] <= '9' }

// parseP reads a quantile key such as p99 or p999: report.ParseQuantile.
func parseP(k string) (float64, error) { return report.ParseQuantile(k) }

// pName writes quantile p as a key: 0.999 is "p999", 0.5 "p50".
func pName(p float64) string {
	pct := strconv.FormatFloat(p*100, 'f', -1, 64)
	if strings.Contains(pct, ".") {
		// 99.9 → p999; 7.5 → p7.5 (p75 would read back as 75).
		ip, _, _ := strings.Cut(pct, ".")
		if len(ip) == 2 {
			pct = strings.Replace(pct, ".", "", 1)
		}
	}
	return "p" + pct
}

// fmtDur writes d as time.Duration does, without zero minutes and
// seconds after a larger unit: "1h", "5m", "2h30m", "1m30s", "10s".
func fmtDur(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// LatencyQuantile returns the latency below which a share p in [0, 1) of
// l's draws fall, and whether l's form has a known quantile function (a
// duration, uniform, normal, lognormal, exponential, Weibull, Pareto,
// quantiles, empirical; not gamma). p = 0 gives the least latency l can
// draw. choreo lint uses it for lower bounds on SLOs.
func LatencyQuantile(l Latency, p float64) (time.Duration, bool) {
	p = min(max(p, 0), 1)
	switch v := l.(type) {
	case Constant:
		return time.Duration(v), true
	case Uniform:
		return v.Min + time.Duration(p*float64(v.Max-v.Min)), true
	case Normal:
		if p == 0 {
			return 0, true
		}
		return toDuration(max(0, float64(v.Mean)+float64(v.SD)*distuv.UnitNormal.Quantile(p))), true
	case LogNormal:
		if p == 0 {
			return 0, true
		}
		return v.Quantile(p), true
	case Exponential:
		return toDuration(-float64(v.Mean) * math.Log(1-p)), true
	case Weibull:
		return toDuration(float64(v.Scale) * math.Pow(-math.Log(1-p), 1/v.Shape)), true
	case Pareto:
		return toDuration(float64(v.Xm) * math.Pow(1-p, -1/v.Alpha)), true
	case *Quantiles:
		return v.Quantile(p), true
	case *Empirical:
		if len(v.Values) == 0 {
			return 0, false
		}
		s := slices.Clone(v.Values)
		slices.Sort(s)
		return s[min(int(p*float64(len(s))), len(s)-1)], true
	case Gamma:
		return 0, p == 0
	}
	return 0, false
}

// FormatDuration writes d as profiles write durations: "1h", "5m",
// "1m30s", "120ms".
func FormatDuration(d time.Duration) string { return fmtDur(d) }

// FormatRounded is FormatDuration of d rounded to the digits that are not
// noise in advice: to the millisecond above 10ms, 10ms above 1s, 100ms
// above 10s.
func FormatRounded(d time.Duration) string {
	switch {
	case d > 10*time.Second:
		d = d.Round(100 * time.Millisecond)
	case d > time.Second:
		d = d.Round(10 * time.Millisecond)
	case d > 10*time.Millisecond:
		d = d.Round(time.Millisecond)
	}
	return fmtDur(d)
}
