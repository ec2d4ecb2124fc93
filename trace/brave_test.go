package trace_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/internal/golden"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/trace"
)

// The Brave fixtures (testdata/traces/brave-*.json, written by
// testdata/brave-gen.py) hold four traces of testdata/checkout.mmd as
// Zipkin Brave reports them (shared RPC spans, microsecond times, 1 µs
// minimum durations) and the same traces as OTLP JSON and Jaeger JSON:
//
//   - trace …01: the clocks agree, but microsecond rounding leaves three
//     server spans 1 µs outside their clients (not skew);
//   - trace …02: payments and the database run 3 ms behind: payments'
//     server starts 2.7 ms before its client (skew, shifted with its
//     subtree);
//   - trace …03: payments runs 4 ms ahead, the database agrees with the
//     shop: payments' server ends 3.7 ms after its client, then the
//     database's starts 3.9 ms before payments' client (two shifts);
//   - trace …04: the shop gives up on payments after 5 ms; payments'
//     8 ms server span starts 0.6 ms before the shop's client.
var braveFixtures = []string{"brave-zipkin.json", "brave-otlp.json", "brave-jaeger.json"}

// TestBraveSkew checks the measured latencies of every exchange in every
// format: as recorded when a server is within 1 µs of its client's
// interval, shifted by the overhang only when it is not.
func TestBraveSkew(t *testing.T) {
	d, _ := checkoutDiagram(t)
	m := trace.DefaultMapping(d)
	const us = int64(1000)
	type ex struct {
		n               int   // the message
		req, reply, dur int64 // µs
		skew            int64 // µs
		start           int64 // µs after the root span's start
	}
	want := [][]ex{
		{ // …01: within the resolution
			{n: 1, req: 150, reply: -1, dur: 20000},
			{n: 2, req: -1, reply: 500, dur: 8000, start: 1000},
			{n: 3, req: 200, reply: -1, dur: 4000, start: 2000},
			{n: 6, req: 300, reply: -300, dur: 1, start: 9500},
		},
		{ // …02: payments 3 ms behind, with the database
			{n: 1, req: 100, reply: 100, dur: 30000},
			{n: 2, req: 0, reply: 800, dur: 20000, skew: 2700, start: 1000},
			{n: 3, req: 500, reply: 1000, dur: 13000, start: 1700},
			{n: 6, req: 100, reply: -100, dur: 1, start: 21500},
		},
		{ // …03: payments 4 ms ahead, the database not
			{n: 1, req: 100, reply: 50, dur: 15000},
			{n: 2, req: 500, reply: 0, dur: 10000, skew: -3700, start: 1000},
			{n: 3, req: 0, reply: 300, dur: 7000, skew: 3900, start: 2300},
			{n: 6, req: 200, reply: -200, dur: 1, start: 11500},
		},
		{ // …04: a server longer than its client, starting first
			{n: 1, req: 100, reply: 100, dur: 7000},
			{n: 2, req: 0, reply: -3000, dur: 5000, skew: 600, start: 1000},
			{n: 3, req: 100, reply: 100, dur: 7500, start: 1100},
		},
	}
	for _, name := range braveFixtures {
		t.Run(name, func(t *testing.T) {
			rr := readFile(t, name)
			if len(rr.traces) != len(want) || len(rr.problems) != 0 {
				t.Fatalf("%d traces, problems %v; want %d traces", len(rr.traces), rr.problems, len(want))
			}
			for i, tr := range rr.traces {
				var t0 int64 // the root's start
				for _, s := range tr.Spans {
					if s.ParentID.IsZero() {
						t0 = s.Start
					}
				}
				o := trace.Observe(tr, m)
				if len(o.Exchanges) != len(want[i]) || len(o.UnmappedSpans) != 0 {
					t.Fatalf("trace %s: %d exchanges, unmapped %v; want %d", tr.ID, len(o.Exchanges), o.UnmappedSpans, len(want[i]))
				}
				got := make([]ex, len(o.Exchanges))
				for j, e := range o.Exchanges {
					got[j] = ex{n: e.Message.N, req: e.RequestLatency / us, reply: e.ReplyLatency / us, dur: e.Duration / us, skew: e.Skew / us, start: (e.Start - t0) / us}
					if e.RequestLatency%us != 0 || e.ReplyLatency%us != 0 || e.Skew%us != 0 {
						t.Errorf("trace %s, #%d: sub-µs latencies %d/%d, skew %d ns", tr.ID, e.Message.N, e.RequestLatency, e.ReplyLatency, e.Skew)
					}
				}
				if diff := cmp.Diff(want[i], got, cmp.AllowUnexported(ex{})); diff != "" {
					t.Errorf("trace %s exchanges (-want +got):\n%s", tr.ID, diff)
				}
			}
		})
	}
}

// TestBraveFormatsAgree checks the Brave fixtures as `choreo check` does:
// the Zipkin file gives the golden result, and the OTLP and Jaeger files
// the same messages, exchanges and the rest.
func TestBraveFormatsAgree(t *testing.T) {
	d, src := checkoutDiagram(t)
	var first *report.Result
	for _, name := range braveFixtures {
		t.Run(name, func(t *testing.T) {
			res := checkResult(t, d, src, name)
			if first == nil {
				var buf bytes.Buffer
				if err := report.WriteJSON(&buf, res); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("testdata/golden", "brave-zipkin.golden"), buf.Bytes())
				first = res
				return
			}
			sameMeasurements(t, first, res, braveFixtures[0], name)
		})
	}
}
