package runid

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// The ids are a pure function of the seed and the run: the values below
// are sim.NewRunIDs(42, 5)'s, as they were before the ids moved
// here, and files written since must keep them.
func TestIDsAreStable(t *testing.T) {
	x := New(42, 5)
	a, b := New(42, 5), New(42, 6)
	if a != x || a.Span(0, 0) == b.Span(0, 0) {
		t.Fatal("ids are not a function of (seed, run)")
	}
	id := x.TraceID()
	if got := fmt.Sprintf("%x %x", id, x.SpanID(3, 1)); got != "9ee97714c8e951e0c8df11bd75924834 701688feace7267d" {
		t.Errorf("run 5 of seed 42: trace id and span 3's SERVER id %s changed", got)
	}
	hi, lo := x.Trace()
	if binary.BigEndian.Uint64(id[:8]) != hi || binary.BigEndian.Uint64(id[8:]) != lo {
		t.Errorf("TraceID %x is not Trace %x %x", id, hi, lo)
	}
	sid := x.SpanID(3, 1)
	if binary.BigEndian.Uint64(sid[:]) != x.Span(3, 1) {
		t.Errorf("SpanID %x is not Span %x", sid, x.Span(3, 1))
	}
	seen := map[uint64]bool{}
	for i := range 1000 {
		for side := range 2 {
			v := x.Span(i, side)
			if v == 0 || seen[v] {
				t.Fatalf("span id %d/%d: %x is zero or repeated", i, side, v)
			}
			seen[v] = true
		}
	}
}

func TestAppendHex(t *testing.T) {
	if got := string(AppendHex([]byte("x"), 0x0123456789abcdef)); got != "x0123456789abcdef" {
		t.Errorf("AppendHex = %q", got)
	}
	if got := string(AppendHex(nil, 1)); got != "0000000000000001" {
		t.Errorf("AppendHex(1) = %q", got)
	}
}
