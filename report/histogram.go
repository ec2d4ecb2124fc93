package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry: every Histogram records nanoseconds from 1ns to
// MaxRecordable with 3 significant digits, so that any two merge exactly.
const (
	// MaxRecordable is the largest value a Histogram resolves (24 hours).
	// A larger value is recorded as MaxRecordable and counted by Clamped;
	// the run is never lost.
	MaxRecordable = 24 * time.Hour
	// SignificantDigits is the histogram precision: a percentile is
	// within 0.1% (relative) of the recorded value it stands for.
	SignificantDigits = 3
)

// Histogram records a latency distribution in nanoseconds: the counts of an
// HdrHistogram (1ns … 24h, 3 significant digits, at most 311 kB, allocated
// 8 kB at a time as values come, no allocation per value) plus the exact
// count, sum, minimum and maximum.
//
// Percentiles come from the HdrHistogram: the highest value equivalent to
// the nearest-rank sample (HdrHistogram's convention, so a percentile never
// under-reports), within 0.1% of it and kept inside [min, max]. The mean,
// minimum and maximum are exact. Values above MaxRecordable count at
// MaxRecordable in percentiles (and in Clamped) but with their true value in
// the mean and maximum; a negative value is recorded as 0.
//
// Histograms merge by adding counts, so the merge of per-worker histograms
// does not depend on how runs were spread over workers. A Histogram is not
// safe for concurrent use; its zero value is an empty histogram, as
// NewHistogram returns.
// Its JSON form (see MarshalJSON) lets results carry it across shards.
type Histogram struct {
	h        *hdrCounts // nil until the first value
	sumHi    uint64     // the sum of the values in nanoseconds, 128 bits
	sumLo    uint64
	min, max int64
	clamped  int64
}

// NewHistogram returns an empty Histogram. Its counters are allocated as
// values come, 8 kB for each range of 1,024 counters a value falls in (see
// hdrCounts): a check or a simulation holds dozens of histograms, many of
// which a small input never fills, and a latency distribution touches a few
// of the 38 ranges.
func NewHistogram() *Histogram {
	return &Histogram{}
}

// newHDR returns an empty library histogram of the geometry, for decoding.
func newHDR() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(MaxRecordable), SignificantDigits)
}

// emptyHDR is the encoding of an empty histogram of the geometry, for
// one that holds no values yet.
var emptyHDR = sync.OnceValues(func() (string, error) { return encodeCounts(&hdrCounts{}) })

// Record adds one value. It does not allocate, but for the first value in
// a range of counters (see NewHistogram).
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	if h.h == nil {
		h.h = new(hdrCounts)
	}
	if h.h.total == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	var c uint64
	h.sumLo, c = bits.Add64(h.sumLo, uint64(v), 0)
	h.sumHi += c
	if v > int64(MaxRecordable) {
		v = int64(MaxRecordable)
		h.clamped++
	}
	h.h.record(v)
}

// Merge adds the values of other to h; other is unchanged.
func (h *Histogram) Merge(other *Histogram) {
	if other == nil || other.Count() == 0 {
		return
	}
	if h.Count() == 0 || other.min < h.min {
		h.min = other.min
	}
	if other.max > h.max {
		h.max = other.max
	}
	var c uint64
	h.sumLo, c = bits.Add64(h.sumLo, other.sumLo, 0)
	h.sumHi += other.sumHi + c
	h.clamped += other.clamped
	if h.h == nil {
		h.h = new(hdrCounts)
	}
	h.h.add(other.h) // same geometry: nothing is dropped
}

// Count is the number of values recorded.
func (h *Histogram) Count() int64 {
	if h.h == nil {
		return 0
	}
	return h.h.total
}

// Clamped is the number of values above MaxRecordable.
func (h *Histogram) Clamped() int64 { return h.clamped }

// Min is the exact smallest value recorded (0 when empty).
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max is the exact largest value recorded (0 when empty).
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean is the exact mean in nanoseconds (0 when empty).
func (h *Histogram) Mean() float64 {
	n := h.Count()
	if n == 0 {
		return 0
	}
	return (float64(h.sumHi)*0x1p64 + float64(h.sumLo)) / float64(n)
}

// Quantile returns the value at quantile q in [0, 1] (0.99 is p99; q is
// clamped to the range), 0 when the histogram is empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.Count() == 0 {
		return 0
	}
	switch {
	case q <= 0 || math.IsNaN(q):
		return time.Duration(h.min)
	case q >= 1:
		return time.Duration(h.max)
	}
	return time.Duration(h.bound(h.h.valueAt(q * 100)))
}

// bound keeps a percentile inside the exact [min, max] and at most
// MaxRecordable: HdrHistogram reports the top of a value's bucket, which
// may exceed the maximum or the clamp.
func (h *Histogram) bound(v int64) int64 {
	return min(max(min(v, int64(MaxRecordable)), h.min), h.max)
}

// statPercentiles are the percentiles of Stats, as HdrHistogram takes them.
var statPercentiles = [...]float64{50, 90, 95, 99, 99.9}

// Stats summarises the histogram in milliseconds.
func (h *Histogram) Stats() Stats {
	n := h.Count()
	if n == 0 {
		return Stats{}
	}
	// the five in one pass over the counts
	var ranks [len(statPercentiles)]int64
	for i, q := range statPercentiles {
		ranks[i] = percentileRank(q, n)
	}
	var idx [len(statPercentiles)]int
	h.h.indexes(ranks[:], idx[:])
	var p [len(statPercentiles)]float64
	for i, q := range statPercentiles {
		p[i] = ms(h.bound(percentileValue(q, idx[i])))
	}
	return Stats{
		Count:  n,
		MeanMS: h.Mean() / 1e6,
		MinMS:  ms(h.min),
		P50MS:  p[0],
		P90MS:  p[1],
		P95MS:  p[2],
		P99MS:  p[3],
		P999MS: p[4],
		MaxMS:  ms(h.max),
	}
}

func ms(ns int64) float64 { return float64(ns) / 1e6 }

// Reset empties the histogram, keeping its memory.
func (h *Histogram) Reset() {
	if h.h != nil {
		h.h.reset()
	}
	h.sumHi, h.sumLo, h.min, h.max, h.clamped = 0, 0, 0, 0, 0
}

// histogramJSON is the JSON form of a Histogram. hdr is the HdrHistogram
// "V2 compressed" base64 encoding (readable by the Java and C
// HdrHistogram tools); sum_ns is a decimal string because it may exceed
// 64 bits.
type histogramJSON struct {
	HDR     string `json:"hdr"`
	SumNS   string `json:"sum_ns"`
	MinNS   int64  `json:"min_ns"`
	MaxNS   int64  `json:"max_ns"`
	Clamped int64  `json:"clamped,omitempty"`
}

// MarshalJSON encodes the histogram as
// {"hdr": "HISTF…", "sum_ns": "…", "min_ns": …, "max_ns": …, "clamped": …}:
// compact (a few KB however many values), and exact for merging.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	var enc string
	var err error
	if h.h == nil {
		enc, err = emptyHDR()
	} else {
		enc, err = encodeCounts(h.h)
	}
	if err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	sum := new(big.Int).SetUint64(h.sumHi)
	sum.Lsh(sum, 64).Or(sum, new(big.Int).SetUint64(h.sumLo))
	return json.Marshal(histogramJSON{
		HDR: string(enc), SumNS: sum.String(),
		MinNS: h.min, MaxNS: h.max, Clamped: h.clamped,
	})
}

// UnmarshalJSON decodes what MarshalJSON wrote, replacing h's contents.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	var j histogramJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("histogram: %w", err)
	}
	dec, err := hdrhistogram.Decode([]byte(j.HDR))
	if err != nil {
		return fmt.Errorf("histogram: hdr: %w", err)
	}
	sum, ok := new(big.Int).SetString(j.SumNS, 10)
	if !ok || sum.Sign() < 0 || sum.BitLen() > 128 {
		return fmt.Errorf("histogram: sum_ns %q is not a non-negative 128-bit integer", j.SumNS)
	}
	if j.MinNS < 0 || j.MaxNS < j.MinNS || j.Clamped < 0 {
		return errors.New("histogram: min_ns, max_ns or clamped out of range")
	}
	// Re-record into the standard geometry, whatever the encoder used, so
	// that the result merges with any other Histogram.
	hh := newHDR()
	if dropped := hh.Merge(dec); dropped != 0 {
		return fmt.Errorf("histogram: hdr: %d values outside 0 … %v", dropped, MaxRecordable)
	}
	lo := new(big.Int).And(sum, new(big.Int).SetUint64(math.MaxUint64))
	h.h = importHDR(hh)
	h.sumHi = new(big.Int).Rsh(sum, 64).Uint64()
	h.sumLo = lo.Uint64()
	h.min, h.max, h.clamped = j.MinNS, j.MaxNS, j.Clamped
	if h.h.total == 0 {
		h.min, h.max = 0, 0
	}
	return nil
}

// Bucket is a range of recorded values, Low to High inclusive, and how
// many values fell in it.
type Bucket struct {
	Low, High time.Duration
	Count     int64
}

// Buckets returns the non-empty buckets of the histogram in increasing
// order, nil when it is empty: the distribution at the HdrHistogram's
// resolution (a bucket spans 0.1% of its values or less), for drawing a
// histogram or a cumulative distribution. Bounds are kept inside the exact
// [Min, Max]; values above MaxRecordable are in the last bucket.
func (h *Histogram) Buckets() []Bucket {
	if h.h == nil {
		return nil
	}
	n := 0
	for _, c := range h.h.chunks {
		if c != nil {
			for _, x := range c {
				if x != 0 {
					n++
				}
			}
		}
	}
	if n == 0 {
		return nil
	}
	bs := make([]Bucket, 0, n)
	for k, c := range h.h.chunks {
		if c == nil {
			continue
		}
		for j, x := range c {
			if x == 0 {
				continue
			}
			i := k<<hdrHalfMag | j
			bs = append(bs, Bucket{
				Low:   time.Duration(max(hdrValue(i), h.min)),
				High:  time.Duration(h.bound(hdrHighest(i))),
				Count: x,
			})
		}
	}
	if n := len(bs); n > 0 && h.clamped > 0 {
		bs[n-1].High = time.Duration(h.max)
	}
	return bs
}

// Over returns how many recorded values exceed d (at the histogram's
// resolution: a bucket counts when its low end does).
func (h *Histogram) Over(d time.Duration) int64 {
	var n int64
	for _, b := range h.Buckets() {
		if b.Low > d {
			n += b.Count
		}
	}
	return n
}

// importHDR returns the counts of hh, a histogram of the geometry.
func importHDR(hh *hdrhistogram.Histogram) *hdrCounts {
	h := &hdrCounts{total: hh.TotalCount()}
	counts := hh.Export().Counts
	for k := range h.chunks {
		if k*hdrHalf >= len(counts) {
			break
		}
		src := counts[k*hdrHalf : min((k+1)*hdrHalf, len(counts))]
		for j, x := range src {
			if x != 0 {
				if h.chunks[k] == nil {
					h.alloc(k)
				}
				h.chunks[k][j] = x
			}
		}
	}
	return h
}
