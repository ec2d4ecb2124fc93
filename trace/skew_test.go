package trace

import (
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/testdiagram"
)

const us = int64(1000) // a microsecond in nanoseconds

func TestSkew(t *testing.T) {
	// The client is [1000, 2000] µs unless a case says otherwise; req and
	// reply are the latencies measured after the shift (server start −
	// client start, client end − server end). All in nanoseconds.
	for _, tc := range []struct {
		name           string
		cs, ce, ss, se int64
		shift          int64
		req, reply     int64
		reason         string
	}{
		{name: "fits exactly", ss: 1000 * us, se: 2000 * us},
		{name: "fits inside", ss: 1100 * us, se: 1900 * us, req: 100 * us, reply: 100 * us},
		{name: "overhangs the start by 1 µs", ss: 999 * us, se: 1900 * us, req: -us, reply: 100 * us,
			reason: "within the timestamp resolution: not skew, measured as recorded"},
		{name: "overhangs the end by 1 µs", ss: 1100 * us, se: 2001 * us, req: 100 * us, reply: -us,
			reason: "a Brave server ending 1 µs after its client keeps its 100 µs request (centring gave 50.5 and 49.5)"},
		{name: "overhangs both ends by 1 µs", ss: 999 * us, se: 2001 * us, req: -us, reply: -us},
		{name: "overhangs by half a µs", ss: 999*us + 500, se: 1900 * us, req: -500, reply: 100 * us,
			reason: "nanosecond clocks (OTLP) get the same tolerance"},
		{name: "1 µs minimum durations", cs: 1000 * us, ce: 1001 * us, ss: 1001 * us, se: 1002 * us, req: us, reply: -us,
			reason: "Brave records a span shorter than 1 µs as 1 µs"},
		{name: "starts 2 µs early", ss: 998 * us, se: 1900 * us, shift: 2 * us, reply: 98 * us,
			reason: "beyond the tolerance: shifted by the whole overhang"},
		{name: "skew early", ss: 400 * us, se: 1400 * us, shift: 600 * us},
		{name: "skew early, shorter", ss: 400 * us, se: 1200 * us, shift: 600 * us, reply: 200 * us,
			reason: "shifted by the overhang only, never centred: the spare 200 µs stay on the reply"},
		{name: "skew early, before the client", ss: 0, se: 500 * us, shift: 1000 * us, reply: 500 * us},
		{name: "skew late", ss: 1500 * us, se: 2500 * us, shift: -500 * us},
		{name: "skew late, shorter", ss: 1700 * us, se: 2300 * us, shift: -300 * us, req: 400 * us},
		{name: "skew late, after the client", ss: 3000 * us, se: 3500 * us, shift: -1500 * us, req: 500 * us},
		{name: "longer, starts early", ss: 500 * us, se: 2600 * us, shift: 500 * us, reply: -1100 * us,
			reason: "a server longer than its client (async, or the client gave up) is only kept from starting first, as Jaeger does"},
		{name: "longer, starts 1 µs early", ss: 999 * us, se: 2600 * us, req: -us, reply: -600 * us},
		{name: "longer, starts after", ss: 1200 * us, se: 2600 * us, req: 200 * us, reply: -600 * us},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, ce := tc.cs, tc.ce
			if cs == 0 && ce == 0 {
				cs, ce = 1000*us, 2000*us
			}
			d := skew(cs, ce, tc.ss, tc.se)
			if d != tc.shift {
				t.Errorf("skew(%d, %d, %d, %d) = %d ns, want %d (%s)", cs, ce, tc.ss, tc.se, d, tc.shift, tc.reason)
			}
			req, reply := tc.ss+d-cs, ce-(tc.se+d)
			if req != tc.req || reply != tc.reply {
				t.Errorf("latencies %d/%d ns, want %d/%d (%s)", req, reply, tc.req, tc.reply, tc.reason)
			}
		})
	}
}

// TestObserveSkewSubtree: a skewed server is moved with its subtree, so
// the exchanges nested in it keep the latencies their own spans give and
// start where the shift puts them.
func TestObserveSkewSubtree(t *testing.T) {
	d, _ := testdiagram.Read(t, "testdata/checkout.mmd")
	flow.Build(d)
	m := DefaultMapping(d)
	span := func(id, parent byte, svc string, k Kind, name string, s, e int64) Span {
		sp := Span{TraceID: TraceID{1}, SpanID: SpanID{id}, Service: svc, Kind: k, Name: name, Start: s * us, End: e * us}
		if parent != 0 {
			sp.ParentID = SpanID{parent}
		}
		return sp
	}
	for _, tc := range []struct {
		name string
		// payments' and the database's clock, relative to the shop's, µs
		offset int64
		// the shift of payments' server span, and the starts of the
		// exchanges 2 and 3 after it, µs
		skew, start2, start3 int64
		req2, reply2         int64
	}{
		{name: "clocks agree", offset: 0, skew: 0, start2: 10_000, start3: 13_000, req2: 2000, reply2: 5000},
		{name: "1 µs behind", offset: -1, skew: 0, start2: 10_000, start3: 12_999, req2: 1999, reply2: 5001},
		{name: "10 ms behind", offset: -10_000, skew: 8000, start2: 10_000, start3: 11_000, req2: 0, reply2: 7000},
		{name: "10 ms ahead", offset: 10_000, skew: -5000, start2: 10_000, start3: 18_000, req2: 7000, reply2: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.offset
			tr := &Trace{ID: TraceID{1}, Spans: []Span{
				span(1, 0, "shopper", Client, "Place order", 0, 50_000),
				span(2, 1, "shop", Server, "Place order", 1000, 49_000),
				span(3, 2, "shop", Client, "Charge card", 10_000, 40_000),
				// payments, on its own clock: the server and its
				// subtree, including a call to the database on the
				// same clock (request 1 ms, reply 2 ms).
				span(4, 3, "payments", Server, "Charge card", 12_000+o, 35_000+o),
				span(5, 4, "payments", Client, "Save payment", 13_000+o, 30_000+o),
				span(6, 5, "db", Server, "Save payment", 14_000+o, 28_000+o),
			}}
			obs := Observe(tr, m)
			if len(obs.Exchanges) != 3 {
				t.Fatalf("%d exchanges, want 3; unmapped %v", len(obs.Exchanges), obs.UnmappedSpans)
			}
			pay, db := obs.Exchanges[1], obs.Exchanges[2]
			if pay.Message.N != 2 || db.Message.N != 3 {
				t.Fatalf("exchanges of messages %d and %d, want 2 and 3", pay.Message.N, db.Message.N)
			}
			if pay.Skew != tc.skew*us || pay.RequestLatency != tc.req2*us || pay.ReplyLatency != tc.reply2*us || pay.Start != tc.start2*us {
				t.Errorf("Charge card: skew %d, latencies %d/%d, start %d ns; want %d, %d/%d, %d µs",
					pay.Skew, pay.RequestLatency, pay.ReplyLatency, pay.Start, tc.skew, tc.req2, tc.reply2, tc.start2)
			}
			// The database's exchange moves with payments and keeps its
			// own 1 ms request and 2 ms reply.
			if db.Skew != 0 || db.RequestLatency != 1000*us || db.ReplyLatency != 2000*us || db.Start != tc.start3*us || db.Parent != pay {
				t.Errorf("Save payment: skew %d, latencies %d/%d, start %d ns, parent %v; want 0, 1000/2000, %d µs, Charge card",
					db.Skew, db.RequestLatency, db.ReplyLatency, db.Start, db.Parent, tc.start3)
			}
		})
	}
}
