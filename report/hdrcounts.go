package report

import "math/bits"

// The counts of a Histogram have the layout of
// hdrhistogram.New(1, int64(MaxRecordable), SignificantDigits): unit
// magnitude 0, sub-buckets of 2,048 whose lower half only the first bucket
// uses, 37 buckets, 38,912 counters in all. They are kept in 38 chunks of
// one half sub-bucket (1,024 counters, 8 kB) each, allocated with the first
// value that falls in them: a latency distribution spans a few powers of
// two, so a histogram holds a few chunks instead of 311 kB, and scanning
// or encoding it skips the chunks it never touched.
//
// The index and value arithmetic is the library's (countsIndexFor,
// valueFromFlatIndex, highestEquivalentValue, percentileRank and
// getValueFromIdxUpToCount in hdr.go) for this geometry; the differential
// tests check it against the library.
const (
	hdrHalfMag = 10              // subBucketHalfCountMagnitude
	hdrHalf    = 1 << hdrHalfMag // subBucketHalfCount: counters in a chunk
	hdrSubMask = 2*hdrHalf - 1   // subBucketMask
	hdrChunks  = 38              // (bucketCount + 1): countsLen / hdrHalf
)

type hdrChunk [hdrHalf]int64

// hdrCounts are the counts of a Histogram: a nil chunk counts zeros.
type hdrCounts struct {
	chunks [hdrChunks]*hdrChunk
	total  int64
}

// hdrIndex is the flat counts index of v in [0, 2^47): bucket b, sub-bucket
// v>>b, at (b+1)·1024 + (v>>b) − 1024.
func hdrIndex(v int64) int {
	b := 64 - bits.LeadingZeros64(uint64(v)|hdrSubMask) - (hdrHalfMag + 1)
	return b<<hdrHalfMag + int(v>>uint(b))
}

// hdrValue is the lowest value at flat index i (valueFromFlatIndex).
func hdrValue(i int) int64 {
	c := i >> hdrHalfMag
	if c == 0 {
		return int64(i)
	}
	return int64(i&(hdrHalf-1)+hdrHalf) << uint(c-1)
}

// hdrHighest is the highest value at flat index i: the lowest plus the
// bucket's unit, minus one (highestEquivalentValue).
func hdrHighest(i int) int64 {
	c := i >> hdrHalfMag
	if c == 0 {
		return int64(i)
	}
	return hdrValue(i) + int64(1)<<uint(c-1) - 1
}

// record counts one v in [0, MaxRecordable].
func (h *hdrCounts) record(v int64) {
	i := hdrIndex(v)
	c := h.chunks[i>>hdrHalfMag]
	if c == nil {
		c = h.alloc(i >> hdrHalfMag)
	}
	c[i&(hdrHalf-1)]++
	h.total++
}

func (h *hdrCounts) alloc(c int) *hdrChunk {
	h.chunks[c] = new(hdrChunk)
	return h.chunks[c]
}

// add adds other's counts to h.
func (h *hdrCounts) add(other *hdrCounts) {
	for k, oc := range other.chunks {
		if oc == nil {
			continue
		}
		c := h.chunks[k]
		if c == nil {
			c = h.alloc(k)
		}
		for j, n := range oc {
			c[j] += n
		}
	}
	h.total += other.total
}

// reset zeroes the counts, keeping the chunks.
func (h *hdrCounts) reset() {
	for _, c := range h.chunks {
		if c != nil {
			clear(c[:])
		}
	}
	h.total = 0
}

// Equals reports whether h and other hold the same counts.
func (h *hdrCounts) Equals(other *hdrCounts) bool {
	if h.total != other.total {
		return false
	}
	var zero hdrChunk
	for k, c := range h.chunks {
		oc := other.chunks[k]
		if c == nil {
			c = &zero
		}
		if oc == nil {
			oc = &zero
		}
		if *c != *oc {
			return false
		}
	}
	return true
}

// percentileRank is the library's: the nearest rank of percentile in
// [1, totalCount], for a nonempty histogram.
func percentileRank(percentile float64, totalCount int64) int64 {
	if percentile > 100 {
		percentile = 100
	}
	rank := (percentile/100)*float64(totalCount) + 0.5
	if !(rank >= 1) {
		return 1
	}
	if rank >= float64(totalCount) {
		return totalCount
	}
	return int64(rank)
}

// indexes sets idx[k] to the first flat index at which the cumulative
// count reaches ranks[k], for ranks in increasing order within
// [1, total], in one pass over the allocated chunks
// (getValueFromIdxUpToCount for each).
func (h *hdrCounts) indexes(ranks []int64, idx []int) {
	k := 0
	var cum int64
	for c, ch := range h.chunks {
		if ch == nil {
			continue
		}
		// Blocks of 8 counters that cannot reach the rank are skipped
		// whole; only a block that does is walked counter by counter.
		for b := 0; b < hdrHalf; b += 8 {
			blk := ch[b : b+8 : b+8]
			s := blk[0] + blk[1] + blk[2] + blk[3] + blk[4] + blk[5] + blk[6] + blk[7]
			if cum+s < ranks[k] {
				cum += s
				continue
			}
			for j, n := range blk {
				cum += n
				for cum >= ranks[k] {
					idx[k] = c<<hdrHalfMag | b | j
					if k++; k == len(ranks) {
						return
					}
				}
			}
		}
	}
	for ; k < len(ranks); k++ { // ranks past the total: the library's 0
		idx[k] = 0
	}
}

// valueAt is the library's ValueAtPercentile for a nonempty histogram.
func (h *hdrCounts) valueAt(percentile float64) int64 {
	if percentile > 100 {
		percentile = 100
	} else if percentile < 0 {
		percentile = 0
	}
	rank := [1]int64{percentileRank(percentile, h.total)}
	var idx [1]int
	h.indexes(rank[:], idx[:])
	return percentileValue(percentile, idx[0])
}

// percentileValue is the value a percentile reports for flat index i: the
// lowest equivalent at 0, the highest otherwise.
func percentileValue(percentile float64, i int) int64 {
	if percentile == 0 {
		return hdrValue(i)
	}
	return hdrHighest(i)
}
