package report

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// expSamples draws n exponential latencies of the given mean, seeded.
func expSamples(n int, mean time.Duration, seed uint64) []time.Duration {
	r := rand.New(rand.NewPCG(seed, 7))
	xs := make([]time.Duration, n)
	for i := range xs {
		xs[i] = time.Duration(r.ExpFloat64() * float64(mean))
	}
	return xs
}

// nearestRank is the exact quantile with HdrHistogram's rank rule: the
// k-th smallest value, k = ⌊q·n + ½⌋ clamped to [1, n].
func nearestRank(sorted []time.Duration, q float64) time.Duration {
	n := len(sorted)
	k := int(q*float64(n) + 0.5)
	k = min(max(k, 1), n)
	return sorted[k-1]
}

func TestHistogramExponential(t *testing.T) {
	const (
		n    = 200_000
		mean = 100 * time.Millisecond
	)
	xs := expSamples(n, mean, 1)
	h := NewHistogram()
	var sum float64
	for _, x := range xs {
		h.Record(x)
		sum += float64(x)
	}
	if h.Count() != n {
		t.Fatalf("count = %d, want %d", h.Count(), n)
	}
	st := h.Stats()

	// The sample median of an exponential of mean μ has standard error
	// 1/(2 f(m) √n) with f(m) = 1/(2μ) at m = μ ln 2, that is μ/√n: 0.22%
	// of μ (0.32% of the median) for n = 200k. Four standard errors (a
	// chance of 6·10⁻⁵ of failing for a fair generator) plus the 0.1% of
	// the histogram bound the difference.
	mu := float64(mean) / 1e6 // ms
	se := mu / math.Sqrt(n)
	if want, tol := mu*math.Ln2, 4*se+0.001*mu*math.Ln2; math.Abs(st.P50MS-want) > tol {
		t.Errorf("p50 = %.4fms, want μ·ln2 = %.4fms ± %.4f", st.P50MS, want, tol)
	}
	// p99 = μ ln 100; its standard error is μ √(p / ((1−p) n)) = 0.022μ.
	if want, tol := mu*math.Log(100), 4*mu*math.Sqrt(0.99/(0.01*n))+0.001*mu*math.Log(100); math.Abs(st.P99MS-want) > tol {
		t.Errorf("p99 = %.4fms, want μ·ln100 = %.4fms ± %.4f", st.P99MS, want, tol)
	}
	// The exponential's standard deviation is μ, so the sample mean is
	// within 4μ/√n of μ; and the histogram's mean is the exact sample mean.
	if math.Abs(st.MeanMS-mu) > 4*se {
		t.Errorf("mean = %.4fms, want %.4fms ± %.4f", st.MeanMS, mu, 4*se)
	}
	if exact := sum / n / 1e6; math.Abs(st.MeanMS-exact) > 1e-9*exact {
		t.Errorf("mean = %.9fms, exact sample mean %.9fms", st.MeanMS, exact)
	}

	// Every percentile within 0.1% of the exact sample quantile.
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	if got, want := st.MinMS, ms(int64(sorted[0])); got != want {
		t.Errorf("min = %v, want %v", got, want)
	}
	if got, want := st.MaxMS, ms(int64(sorted[n-1])); got != want {
		t.Errorf("max = %v, want %v", got, want)
	}
	for _, q := range []float64{0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999} {
		got, want := h.Quantile(q), nearestRank(sorted, q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.001 {
			t.Errorf("q%v = %v, exact %v: relative error %.5f > 0.001", q, got, want, rel)
		}
	}
	for name, p := range map[string]struct {
		got float64
		q   float64
	}{"p50": {st.P50MS, 0.5}, "p90": {st.P90MS, 0.9}, "p95": {st.P95MS, 0.95}, "p99": {st.P99MS, 0.99}, "p99.9": {st.P999MS, 0.999}} {
		want := ms(int64(nearestRank(sorted, p.q)))
		if rel := math.Abs(p.got-want) / want; rel > 0.001 {
			t.Errorf("Stats %s = %v, exact %v: relative error %.5f > 0.001", name, p.got, want, rel)
		}
	}
}

func TestHistogramMerge(t *testing.T) {
	xs := expSamples(50_000, 20*time.Millisecond, 2)
	ys := expSamples(30_000, 300*time.Millisecond, 3)
	a, b, all := NewHistogram(), NewHistogram(), NewHistogram()
	for _, x := range xs {
		a.Record(x)
		all.Record(x)
	}
	for _, y := range ys {
		b.Record(y)
		all.Record(y)
	}
	a.Merge(b)
	if !a.h.Equals(all.h) {
		t.Error("merged HdrHistogram differs from the histogram of all values")
	}
	if a.Stats() != all.Stats() {
		t.Errorf("merged stats %+v, want %+v", a.Stats(), all.Stats())
	}
	if a.sumHi != all.sumHi || a.sumLo != all.sumLo || a.min != all.min || a.max != all.max {
		t.Error("merged sum, min or max differ")
	}
	// Merging an empty histogram, or into one, changes nothing.
	e := NewHistogram()
	e.Merge(all)
	all.Merge(NewHistogram())
	if e.Stats() != all.Stats() {
		t.Errorf("merge into empty: %+v, want %+v", e.Stats(), all.Stats())
	}
}

func TestHistogramEdges(t *testing.T) {
	h := NewHistogram()
	if got := h.Stats(); got != (Stats{}) {
		t.Errorf("empty stats = %+v", got)
	}
	if h.Quantile(0.5) != 0 {
		t.Error("empty quantile not 0")
	}
	// One value: every percentile is that value exactly, although its
	// HdrHistogram bucket is wider.
	h.Record(1234567)
	st := h.Stats()
	if st.P50MS != 1.234567 || st.P999MS != 1.234567 || st.MinMS != 1.234567 || st.MaxMS != 1.234567 {
		t.Errorf("single value stats = %+v", st)
	}
	// Above 24h: counted, clamped in percentiles, exact in max and mean.
	h.Reset()
	h.Record(48 * time.Hour)
	h.Record(time.Millisecond)
	h.Record(-time.Second) // recorded as 0
	if h.Count() != 3 || h.Clamped() != 1 {
		t.Errorf("count %d clamped %d, want 3 and 1", h.Count(), h.Clamped())
	}
	if h.Max() != 48*time.Hour || h.Min() != 0 {
		t.Errorf("min %v max %v", h.Min(), h.Max())
	}
	if got := h.Quantile(0.9); got != MaxRecordable {
		t.Errorf("p90 = %v, want clamped %v", got, MaxRecordable)
	}
	if got, want := h.Mean(), float64(48*time.Hour+time.Millisecond)/3; got != want {
		t.Errorf("mean %v, want %v", got, want)
	}
	if h.Quantile(0) != 0 || h.Quantile(1) != 48*time.Hour || h.Quantile(-1) != 0 || h.Quantile(2) != 48*time.Hour {
		t.Error("quantile 0 and 1 are not min and max")
	}
}

func TestHistogramJSON(t *testing.T) {
	h := NewHistogram()
	for _, x := range expSamples(100_000, 50*time.Millisecond, 4) {
		h.Record(x)
	}
	// A sum past 64 bits survives the round trip.
	for range 300_000 {
		h.Record(30 * time.Hour)
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 20_000 {
		t.Errorf("encoding is %d bytes, want a compact one", len(b))
	}
	var g Histogram
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if g.Stats() != h.Stats() || g.Clamped() != h.Clamped() || g.sumHi != h.sumHi || g.sumLo != h.sumLo {
		t.Errorf("round trip: %+v, want %+v", g.Stats(), h.Stats())
	}
	if h.sumHi == 0 {
		t.Error("test does not exercise a 128-bit sum")
	}
	// The decoded histogram merges like the original.
	g.Merge(h)
	if g.Count() != 2*h.Count() {
		t.Errorf("merged count %d", g.Count())
	}
	for _, bad := range []string{`{}`, `{"hdr":"x","sum_ns":"1"}`, `[]`, `{"hdr":` + string(mustJSON(t, h)) + `}`} {
		var x Histogram
		if err := json.Unmarshal([]byte(bad), &x); err == nil {
			t.Errorf("Unmarshal(%.40s…): no error", bad)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHistogramRecordAllocs(t *testing.T) {
	h := NewHistogram()
	d := time.Duration(1)
	allocs := testing.AllocsPerRun(1000, func() {
		d = d*7 + 13
		h.Record(d % (30 * time.Hour))
	})
	if allocs != 0 {
		t.Errorf("Record allocates %v times per call", allocs)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := NewHistogram()
	xs := expSamples(1<<16, 100*time.Millisecond, 5)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h.Record(xs[i&(1<<16-1)])
		i++
	}
}

// BenchmarkHDRRecordValue is the baseline: the bare HdrHistogram.
func BenchmarkHDRRecordValue(b *testing.B) {
	h := newHDR()
	xs := expSamples(1<<16, 100*time.Millisecond, 5)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = h.RecordValue(int64(xs[i&(1<<16-1)]))
		i++
	}
}

func BenchmarkHistogramMerge(b *testing.B) {
	x, y := NewHistogram(), NewHistogram()
	for _, v := range expSamples(100_000, 100*time.Millisecond, 6) {
		y.Record(v)
	}
	b.ReportAllocs()
	for b.Loop() {
		x.Merge(y)
	}
}

func BenchmarkHistogramStats(b *testing.B) {
	x := NewHistogram()
	for _, v := range expSamples(100_000, 100*time.Millisecond, 6) {
		x.Record(v)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = x.Stats()
	}
}
