package report

import "github.com/HdrHistogram/hdrhistogram-go"

// encodeHDR is encodeCounts of a library histogram of the geometry, for
// the tests that compare it with the library's Encode.
func encodeHDR(h *hdrhistogram.Histogram) (string, error) {
	return encodeCounts(importHDR(h))
}
