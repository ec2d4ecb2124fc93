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

// encodeHDR returns h's V2 compressed encoding in base64, the bytes
// (*hdrhistogram.Histogram).Encode(V2CompressedEncodingCookieBase)
// returns (TestEncodeHDR), without its cost per call: Encode makes a
// zlib writer for each histogram (about 1 MB of state to allocate and
// clear) and writes the counts one binary.Write at a time; here the
// writer is reused and the counts appended directly. A result holds
// dozens of histograms, so this is most of the time a small check takes
// to write its JSON.
func encodeHDR(h *hdrhistogram.Histogram) (string, error) {
	s := h.Export()
	limit := 1 // the library encodes up to the highest nonzero count, at least one
	for i := len(s.Counts) - 1; i >= 0; i-- {
		if s.Counts[i] != 0 {
			limit = i + 1
			break
		}
	}
	// ZigZag LEB128 counts; a run of zeros is one negative count.
	payload := make([]byte, 0, 256)
	for i := 0; i < limit; {
		count := s.Counts[i]
		i++
		if count == 0 {
			zeros := int64(1)
			for i < limit && s.Counts[i] == 0 {
				zeros++
				i++
			}
			if zeros > 1 {
				payload = appendZigZag(payload, -zeros)
				continue
			}
		}
		payload = appendZigZag(payload, count)
	}
	ratio := s.IntegerToDoubleConversionRatio
	if ratio == 0 {
		ratio = 1
	}
	var raw bytes.Buffer
	raw.Grow(40 + len(payload))
	var hdr [40]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(hdrhistogram.V2EncodingCookieBase|0x10))
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(payload)))
	binary.BigEndian.PutUint32(hdr[8:], 0) // normalizing index offset
	binary.BigEndian.PutUint32(hdr[12:], uint32(int32(s.SignificantFigures)))
	binary.BigEndian.PutUint64(hdr[16:], uint64(s.LowestTrackableValue))
	binary.BigEndian.PutUint64(hdr[24:], uint64(s.HighestTrackableValue))
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
