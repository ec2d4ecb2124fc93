package report

import (
	"math/rand/v2"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// TestEncodeHDR: encodeHDR gives the library's Encode, byte for byte.
func TestEncodeHDR(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n, values := range [][]int64{
		nil,
		{1},
		{int64(MaxRecordable)},
		{5, 5, 5, 1e9, 3e12},
		func() (v []int64) {
			for range 5000 {
				v = append(v, 1+rng.Int64N(int64(MaxRecordable)))
			}
			return v
		}(),
		func() (v []int64) {
			for range 5000 {
				v = append(v, int64(rng.ExpFloat64()*1e8)+1)
			}
			return v
		}(),
	} {
		h := newHDR()
		for _, v := range values {
			if err := h.RecordValue(v); err != nil {
				t.Fatal(err)
			}
		}
		// counts past 2^56 take the ninth byte
		if n == 3 {
			h.RecordValues(7, 1<<60)
		}
		want, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the pooled writer again
			got, err := encodeHDR(h)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("histogram %d: encodeHDR\n%s\nwant\n%s", n, got, want)
			}
		}
	}
}

func TestAppendZigZag(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, -64, 64, 1 << 20, -(1 << 40), 1<<62 + 5, -1 << 63, 1<<63 - 1} {
		b := appendZigZag(nil, v)
		// decode: seven bits a byte for eight, then eight
		var u uint64
		for i, c := range b {
			if i == 8 {
				u |= uint64(c) << 56
				break
			}
			u |= uint64(c&0x7f) << (7 * i)
			if c&0x80 == 0 {
				break
			}
		}
		if got := int64(u>>1) ^ -int64(u&1); got != v {
			t.Errorf("%d: %x decodes to %d", v, b, got)
		}
	}
}
