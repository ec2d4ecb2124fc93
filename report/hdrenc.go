package report

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"math"
	"sync"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// encodeCounts returns the V2 compressed encoding in base64 of h, counts
// of the geometry of newHDR: the bytes the library's
// (*hdrhistogram.Histogram).Encode(V2CompressedEncodingCookieBase)
// returns for a histogram of the same counts (TestEncodeHDR,
// TestHistogramOracle), without its cost per call: Encode makes a zlib
// writer for each histogram (about 1 MB of state to allocate and clear)
// and writes the counts one binary.Write at a time; here the writer is
// reused, the counts appended directly, and the chunks never allocated
// skipped as runs of zeros. A result holds dozens of histograms, so this is
// most of the time a small check takes to write its JSON.
func encodeCounts(h *hdrCounts) (string, error) {
	// The library encodes up to the highest nonzero count, at least one.
	last, lastJ := -1, 0
	for k := len(h.chunks) - 1; k >= 0 && last < 0; k-- {
		if c := h.chunks[k]; c != nil {
			for j := len(c) - 1; j >= 0; j-- {
				if c[j] != 0 {
					last, lastJ = k, j
					break
				}
			}
		}
	}
	// ZigZag LEB128 counts; a run of zeros is one negative count, a
	// single zero a zero.
	payload := make([]byte, 0, 256)
	var zeros int64
	flush := func() {
		switch {
		case zeros == 1:
			payload = appendZigZag(payload, 0)
		case zeros > 1:
			payload = appendZigZag(payload, -zeros)
		}
		zeros = 0
	}
	if last < 0 {
		zeros = 1 // no values: the one count at index 0
	}
	for k := 0; k <= last; k++ {
		c := h.chunks[k]
		if c == nil { // below the last nonzero count: all of it counts
			zeros += hdrHalf
			continue
		}
		end := len(c)
		if k == last {
			end = lastJ + 1
		}
		for _, n := range c[:end] {
			if n == 0 {
				zeros++
				continue
			}
			flush()
			payload = appendZigZag(payload, n)
		}
	}
	flush()
	const ratio = 1.0 // a histogram of integers
	var raw bytes.Buffer
	raw.Grow(40 + len(payload))
	var hdr [40]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(hdrhistogram.V2EncodingCookieBase|0x10))
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(payload)))
	binary.BigEndian.PutUint32(hdr[8:], 0) // normalizing index offset
	binary.BigEndian.PutUint32(hdr[12:], SignificantDigits)
	binary.BigEndian.PutUint64(hdr[16:], 1) // the lowest discernible value
	binary.BigEndian.PutUint64(hdr[24:], uint64(MaxRecordable))
	binary.BigEndian.PutUint64(hdr[32:], math.Float64bits(ratio))
	raw.Write(hdr[:])
	raw.Write(payload)

	var z bytes.Buffer
	w, _ := zlibWriters.Get().(*zlib.Writer)
	if w == nil {
		var err error
		if w, err = zlib.NewWriterLevel(&z, zlib.BestCompression); err != nil {
			return "", err
		}
	} else {
		w.Reset(&z)
	}
	if _, err := w.Write(raw.Bytes()); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	zlibWriters.Put(w)
	out := make([]byte, 8, 8+z.Len())
	binary.BigEndian.PutUint32(out[0:], uint32(hdrhistogram.V2CompressedEncodingCookieBase|0x10))
	binary.BigEndian.PutUint32(out[4:], uint32(z.Len()))
	out = append(out, z.Bytes()...)
	return base64.StdEncoding.EncodeToString(out), nil
}

// zlibWriters holds zlib writers at BestCompression, the library's level.
var zlibWriters sync.Pool

// appendZigZag appends v as the library's ZigZag LEB128-64b9B: seven
// bits a byte for eight bytes, then the last eight bits.
func appendZigZag(b []byte, v int64) []byte {
	u := uint64((v << 1) ^ (v >> 63))
	for i := range 8 {
		if u>>(7*(i+1)) == 0 {
			return append(b, byte(u>>(7*i)))
		}
		b = append(b, byte(u>>(7*i))|0x80)
	}
	return append(b, byte(u>>56))
}
