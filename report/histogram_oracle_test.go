package report

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// oracle is a Histogram as it was on the library's flat counts: the
// library histogram of the geometry plus the exact min, max and clamped
// count, read the way Histogram read it.
type oracle struct {
	h                 *hdrhistogram.Histogram
	min, max, clamped int64
}

func newOracle() *oracle { return &oracle{h: newHDR()} }

func (o *oracle) record(v int64) {
	v = max(v, 0)
	if o.h.TotalCount() == 0 || v < o.min {
		o.min = v
	}
	o.max = max(o.max, v)
	if v > int64(MaxRecordable) {
		v = int64(MaxRecordable)
		o.clamped++
	}
	if err := o.h.RecordValue(v); err != nil {
		panic(err)
	}
}

func (o *oracle) bound(v int64) int64 {
	return min(max(min(v, int64(MaxRecordable)), o.min), o.max)
}

func (o *oracle) quantile(q float64) time.Duration {
	switch {
	case o.h.TotalCount() == 0:
		return 0
	case q <= 0 || math.IsNaN(q):
		return time.Duration(o.min)
	case q >= 1:
		return time.Duration(o.max)
	}
	return time.Duration(o.bound(o.h.ValueAtQuantile(q * 100)))
}

func (o *oracle) percentiles() (p [len(statPercentiles)]float64) {
	if o.h.TotalCount() == 0 {
		return p
	}
	for i, q := range statPercentiles {
		p[i] = ms(o.bound(o.h.ValueAtQuantile(q)))
	}
	return p
}

func (o *oracle) buckets() []Bucket {
	var bs []Bucket
	for _, bar := range o.h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		bs = append(bs, Bucket{
			Low:   time.Duration(max(bar.From, o.min)),
			High:  time.Duration(o.bound(bar.To)),
			Count: bar.Count,
		})
	}
	if n := len(bs); n > 0 && o.clamped > 0 {
		bs[n-1].High = time.Duration(o.max)
	}
	return bs
}

func (o *oracle) encoded(t *testing.T) string {
	t.Helper()
	b, err := o.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// oracleQuantiles are the quantiles compared: the edges, the usual ones
// and random ones.
var oracleQuantiles = func() []float64 {
	qs := []float64{0, 1e-300, 1e-9, 1e-6, 0.001, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99,
		0.999, 0.9999, 0.99999, 1 - 1e-12, 1, 1.5, -0.1, math.NaN(), math.Inf(1), math.Inf(-1)}
	rng := rand.New(rand.NewPCG(11, 12))
	for range 200 {
		qs = append(qs, rng.Float64())
	}
	return qs
}()

// compareOracle checks every reading of h against o's.
func compareOracle(t *testing.T, name string, h *Histogram, o *oracle) {
	t.Helper()
	if h.Count() != o.h.TotalCount() || h.Clamped() != o.clamped ||
		int64(h.Min()) != o.min || int64(h.Max()) != o.max {
		t.Fatalf("%s: count %d clamped %d min %d max %d, want %d %d %d %d", name,
			h.Count(), h.Clamped(), h.Min(), h.Max(), o.h.TotalCount(), o.clamped, o.min, o.max)
	}
	for _, q := range oracleQuantiles {
		if got, want := h.Quantile(q), o.quantile(q); got != want {
			t.Errorf("%s: Quantile(%v) = %d, want %d", name, q, got, want)
		}
	}
	if h.Count() > 0 { // the library's ValueAtPercentile, unbounded
		for _, p := range []float64{0, -5, 1e-9, 50, 99.9, 100, 150, math.NaN()} {
			if got, want := h.h.valueAt(p), o.h.ValueAtPercentile(p); got != want {
				t.Errorf("%s: valueAt(%v) = %d, want %d", name, p, got, want)
			}
		}
	}
	s := h.Stats()
	if got, want := [...]float64{s.P50MS, s.P90MS, s.P95MS, s.P99MS, s.P999MS}, o.percentiles(); got != want {
		t.Errorf("%s: Stats percentiles %v, want %v", name, got, want)
	}
	if h.Count() > 0 && (s.MinMS != ms(o.min) || s.MaxMS != ms(o.max) || s.Count != h.Count()) {
		t.Errorf("%s: Stats %+v: min, max or count differ", name, s)
	}
	bs, want := h.Buckets(), o.buckets()
	if !reflect.DeepEqual(bs, want) {
		t.Errorf("%s: Buckets\n%v\nwant\n%v", name, bs, want)
	}
	step := max(1, len(want)/16) // Over reads every bucket: a sample of them
	for k := 0; k < len(want); k += step {
		b := want[k]
		for _, d := range []time.Duration{b.Low - 1, b.Low, b.High} {
			var n int64
			for _, b := range want {
				if b.Low > d {
					n += b.Count
				}
			}
			if got := h.Over(d); got != n {
				t.Errorf("%s: Over(%d) = %d, want %d", name, d, got, n)
			}
		}
	}
	var j histogramJSON
	if err := json.Unmarshal(mustJSON(t, h), &j); err != nil {
		t.Fatal(err)
	}
	if want := o.encoded(t); j.HDR != want {
		t.Errorf("%s: hdr\n%s\nwant\n%s", name, j.HDR, want)
	}
}

func oracleCases() (names []string, cases [][]int64) {
	rng := rand.New(rand.NewPCG(21, 22))
	add := func(name string, vs []int64) {
		names, cases = append(names, name), append(cases, vs)
	}
	exp := func(mean float64) (vs []int64) {
		for range 20_000 {
			vs = append(vs, int64(rng.ExpFloat64()*mean))
		}
		return vs
	}
	add("empty", nil)
	add("exp 1µs", exp(1e3))
	add("exp 1ms", exp(1e6))
	add("exp 1s", exp(1e9))
	var u, us []int64
	for range 20_000 {
		u = append(u, rng.Int64N(int64(MaxRecordable)+1))
		us = append(us, rng.Int64N(5000))
	}
	add("uniform 0…24h", u)
	add("uniform 0…5µs", us)
	add("few", []int64{3, 3, 7e6, 7e6 + 1, 1e9, 7e6})
	add("single", []int64{12345})
	add("single 0", []int64{0})
	add("single clamped", []int64{int64(MaxRecordable) + 5})
	edges := []int64{0, 1, 1023, 1024, 2047, 2048, 2049, int64(MaxRecordable),
		int64(MaxRecordable) + 1, 1 << 47, 1 << 62, math.MaxInt64, -1, -1e9, math.MinInt64}
	for p := 1; p < 63; p++ {
		edges = append(edges, 1<<p-1, 1<<p, 1<<p+1)
	}
	add("edges", edges)
	var pow []int64 // powers of two ±1 within range, one each
	for p := 1; 1<<p+1 <= int64(MaxRecordable); p++ {
		pow = append(pow, 1<<p-1, 1<<p, 1<<p+1)
	}
	add("powers of two", pow)
	var mixed []int64 // few values in far chunks, many in one
	for i := range 5000 {
		mixed = append(mixed, 1e6+int64(i%700))
	}
	add("mixed", append(mixed, 5, 3e12, 9e13))
	return names, cases
}

// TestHistogramOracle: Histogram reads as the library's histogram of the
// same values does (as Histogram read it when it held one), bit for bit:
// quantiles, the Stats percentiles, buckets, Over, the encoding; merged
// halves as all the values; after a Reset; after a JSON round trip.
func TestHistogramOracle(t *testing.T) {
	names, cases := oracleCases()
	for c, vs := range cases {
		name := names[c]
		h, o := NewHistogram(), newOracle()
		for _, v := range vs {
			h.Record(time.Duration(v))
			o.record(v)
		}
		compareOracle(t, name, h, o)

		// merge of two halves, and into an empty histogram
		a, b := NewHistogram(), NewHistogram()
		for i, v := range vs {
			if i%3 == 0 || i > len(vs)/2 {
				a.Record(time.Duration(v))
			} else {
				b.Record(time.Duration(v))
			}
		}
		a.Merge(b)
		compareOracle(t, name+" merged", a, o)
		if h.h != nil && !a.h.Equals(h.h) {
			t.Errorf("%s: merged counts differ", name)
		}
		e := NewHistogram()
		e.Merge(h)
		compareOracle(t, name+" merged into empty", e, o)

		// JSON round trip
		var r Histogram
		if err := json.Unmarshal(mustJSON(t, h), &r); err != nil {
			t.Fatal(err)
		}
		compareOracle(t, name+" decoded", &r, o)
		if got, want := string(mustJSON(t, &r)), string(mustJSON(t, h)); got != want {
			t.Errorf("%s: re-encoded\n%s\nwant\n%s", name, got, want)
		}
		if h.Count() > 0 && h.Mean() != r.Mean() {
			t.Errorf("%s: decoded mean %v, want %v", name, r.Mean(), h.Mean())
		}

		// Reset keeps chunks of zeros, which must read as none; values
		// recorded again read as in a new histogram.
		h.Reset()
		compareOracle(t, name+" reset", h, newOracle())
		o2 := newOracle()
		for _, v := range vs[:len(vs)/2] {
			h.Record(time.Duration(v))
			o2.record(v)
		}
		compareOracle(t, name+" reset and half recorded", h, o2)
	}
}

// TestHDRIndexOracle: the index and value arithmetic is the library's at
// every counter: the value of each index maps back to it, the highest
// equivalent value too and the next value to the next index, as the
// library's RecordValue and Distribution see them.
func TestHDRIndexOracle(t *testing.T) {
	lib := newHDR()
	for i := range hdrChunks * hdrHalf {
		v, hi := hdrValue(i), hdrHighest(i)
		if hdrIndex(v) != i || hdrIndex(hi) != i || (i+1 < hdrChunks*hdrHalf && hdrIndex(hi+1) != i+1) {
			t.Fatalf("index %d: value %d, highest %d: indexes %d %d %d", i, v, hi, hdrIndex(v), hdrIndex(hi), hdrIndex(hi+1))
		}
		if i%97 == 0 || i < 2*hdrHalf+3 || i%hdrHalf < 2 || i%hdrHalf > hdrHalf-3 {
			lib.Reset()
			if err := lib.RecordValue(v); err != nil {
				t.Fatal(err)
			}
			d := lib.Distribution()
			bar := d[len(d)-1]
			if bar.Count != 1 || bar.From != v || bar.To != hi || len(d)-1 != i {
				t.Fatalf("index %d: value %d … %d, library bar %d of %+v", i, v, hi, len(d)-1, bar)
			}
		}
	}
	if got, want := hdrChunks*hdrHalf, len(newHDR().Export().Counts); got != want {
		t.Fatalf("%d counters, the library %d", got, want)
	}
	if hdrIndex(int64(MaxRecordable))>>hdrHalfMag != hdrChunks-1 {
		t.Fatalf("MaxRecordable in chunk %d", hdrIndex(int64(MaxRecordable))>>hdrHalfMag)
	}
}

// TestPercentileRankOracle: percentileRank is the library's, through
// ValueAtPercentile of a histogram of values 1 … n (value k at rank k).
func TestPercentileRankOracle(t *testing.T) {
	for _, n := range []int64{1, 2, 3, 7, 10, 1000, 2047} {
		lib := newHDR()
		for k := int64(1); k <= n; k++ {
			_ = lib.RecordValue(k)
		}
		for _, p := range []float64{1e-9, 0.01, 10, 25, 33.3333, 50, 66.67, 90, 99, 99.9, 100, 150} {
			if got, want := percentileRank(p, n), lib.ValueAtPercentile(p); got != want {
				t.Errorf("n %d: percentileRank(%v) = %d, want %d", n, p, got, want)
			}
		}
	}
}
