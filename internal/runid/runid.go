// Package runid derives the trace and span ids of a simulated run, and
// places runs on the clock of exported traces. The simulator sends these
// ids to real systems (traceparent) and the OTLP writers put them in
// files and exports, so the three always agree: the same seed gives the
// same ids, whichever way a run is looked at.
//
// Ids are derived, never random: the trace id (16 bytes) from the seed and
// the run index, each span id (8 bytes) from the seed, the run, the span's
// index and its side, through the splitmix64 mixer.
package runid

import (
	"encoding/binary"
	"time"
)

// Epoch is the start of run 0 in exported traces: the Unix time of
// 2026-01-01T00:00:00Z. Run i starts at Epoch + i·Spacing, and every span
// at that start plus its virtual offset, so the same seed gives the same
// file.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Spacing separates the starts of consecutive runs in virtual time: one
// run a second, as an open load of 1/s would start them (so run 3600
// starts at 01:00:00, and a million runs cover 11.6 days). Runs longer
// than that overlap in time; trace ids keep them apart.
const Spacing = time.Second

// IDs derives the ids of one run.
type IDs struct{ h uint64 }

// New returns the ids of run in a session seeded with seed.
func New(seed uint64, run int64) IDs {
	return IDs{h: Mix(Mix(seed) ^ uint64(run))}
}

// ID mixes a with the run's hash; never 0 (an invalid id in OTLP).
func (x IDs) ID(a uint64) uint64 {
	if v := Mix(x.h ^ Mix(a)); v != 0 {
		return v
	}
	return 1
}

// Trace returns the two halves of the run's trace id.
func (x IDs) Trace() (hi, lo uint64) { return x.ID(1 << 63), x.ID(1<<63 | 1) }

// Span returns the id of side 0 (CLIENT, PRODUCER) or 1 (SERVER,
// CONSUMER) of the run's span i.
func (x IDs) Span(i, side int) uint64 { return x.ID(uint64(i)<<1 | uint64(side)) }

// TraceID is the run's trace id.
func (x IDs) TraceID() (id [16]byte) {
	hi, lo := x.Trace()
	binary.BigEndian.PutUint64(id[:8], hi)
	binary.BigEndian.PutUint64(id[8:], lo)
	return id
}

// SpanID is Span as bytes.
func (x IDs) SpanID(i, side int) (id [8]byte) {
	binary.BigEndian.PutUint64(id[:], x.Span(i, side))
	return id
}

// Mix is splitmix64's finalizer: a bijection on 64 bits that spreads every
// input bit over the output.
func Mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

const hexDigits = "0123456789abcdef"

// AppendHex appends v as 16 lower-case hex digits.
func AppendHex(b []byte, v uint64) []byte {
	for s := 60; s >= 0; s -= 4 {
		b = append(b, hexDigits[v>>uint(s)&0xf])
	}
	return b
}
