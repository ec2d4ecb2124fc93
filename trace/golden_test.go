package trace_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/golden"
	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/trace"
)

// The checkout fixtures (testdata/traces/checkout-*.json) hold the same
// three traces of testdata/checkout.mmd written as OTLP JSON, Jaeger JSON
// and Zipkin v2 JSON:
//
//   - trace …01, the happy path, with clock skew (payments' clock runs
//     behind: its server span starts before the shop's client span), an
//     uninstrumented callee (the database: a client span with
//     peer.service and server.address only) and the async receipt, whose
//     consumer has no parent and links to the producer (Jaeger: a
//     FOLLOWS_FROM reference; Zipkin has no links, so the consumer is
//     the producer's child). In Zipkin the shop's "Charge card" is a
//     shared span (one id for the client and the server half).
//   - trace …02, an error cascade: the database call fails, then payments'
//     span, then the shop's.
//   - trace …03, an orphan: the shop's "Charge card" client span is
//     missing, so payments' server span names an absent parent.
var checkoutFixtures = []string{"checkout-otlp.json", "checkout-jaeger.json", "checkout-zipkin.json"}

func checkoutDiagram(t *testing.T) (*flow.Diagram, []byte) {
	d, src := testdiagram.Read(t, "testdata/checkout.mmd")
	flow.Build(d)
	return d, src
}

// checkResult checks one fixture as `choreo check` does, with ElapsedMS
// zero.
func checkResult(t *testing.T, d *flow.Diagram, src []byte, name string) *report.Result {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := trace.NewReader(f, name)
	if err != nil {
		t.Fatal(err)
	}
	c := trace.NewChecker(d, nil, trace.NewAligner(d))
	for {
		tr, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c.Add(tr)
	}
	res := c.Result()
	in := &report.Input{Problems: []report.Problem{}}
	rd.AddTo(in)
	res.Input = in
	res.ElapsedMS = 0
	res.Diagram = "checkout.mmd"
	res.DiagramSource = string(src)
	return res
}

func TestCheckGolden(t *testing.T) {
	d, src := checkoutDiagram(t)
	var first *report.Result
	for _, name := range checkoutFixtures {
		t.Run(name, func(t *testing.T) {
			res := checkResult(t, d, src, name)
			var buf bytes.Buffer
			if err := report.WriteJSON(&buf, res); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata/golden", strings.TrimSuffix(name, ".json")+".golden"), buf.Bytes())
			// The text report shows the server and gap columns of a
			// trace check, and not without them (a simulation's result).
			var txt bytes.Buffer
			if err := report.WriteText(&txt, res, report.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(txt.String(), "srv p50") || !strings.Contains(txt.String(), "gap p95") {
				t.Errorf("text report lacks the server and gap columns:\n%s", txt.String())
			}
			sim := *res
			sim.Exchanges = nil
			for _, e := range res.Exchanges {
				e.Server, e.Gap = nil, nil
				sim.Exchanges = append(sim.Exchanges, e)
			}
			txt.Reset()
			if err := report.WriteText(&txt, &sim, report.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(txt.String(), "srv p50") {
				t.Errorf("text report shows server columns without server stats:\n%s", txt.String())
			}
			if first == nil {
				first = res
				return
			}
			// The same logical traces, written another way, give the
			// same measurements.
			sameMeasurements(t, first, res, checkoutFixtures[0], name)
		})
	}
}

// sameMeasurements reports each part of got, the result of gotName, that
// differs from want, the result of wantName.
func sameMeasurements(t *testing.T, want, got *report.Result, wantName, gotName string) {
	t.Helper()
	for _, x := range []struct {
		what      string
		got, want any
	}{
		{"runs", got.Runs, want.Runs},
		{"outcomes", got.Outcomes, want.Outcomes},
		{"end_to_end", got.EndToEnd, want.EndToEnd},
		{"completion", got.Completion, want.Completion},
		{"system_time", got.SystemTime, want.SystemTime},
		{"messages", got.Messages, want.Messages},
		{"exchanges", got.Exchanges, want.Exchanges},
		{"cascades", got.Cascades, want.Cascades},
		{"conformance", got.Conformance, want.Conformance},
	} {
		if diff := cmp.Diff(x.want, x.got); diff != "" {
			t.Errorf("%s differs from %s's (-%s +%s):\n%s", x.what, wantName, wantName, gotName, diff)
		}
	}
}

// TestCheckoutFixtures makes sure the checkout fixtures show, in every
// format, what they are there for.
func TestCheckoutFixtures(t *testing.T) {
	d, _ := checkoutDiagram(t)
	m := trace.DefaultMapping(d)
	for _, name := range checkoutFixtures {
		t.Run(name, func(t *testing.T) {
			rr := readFile(t, name)
			if len(rr.traces) != 3 {
				t.Fatalf("%d traces, want 3", len(rr.traces))
			}
			byN := func(o *trace.Observed, n int) *trace.ObservedExchange {
				for _, e := range o.Exchanges {
					if e.Message != nil && e.Message.N == n {
						return e
					}
				}
				t.Fatalf("trace %s: no exchange of message %d", o.TraceID, n)
				return nil
			}
			happy := trace.Observe(rr.traces[0], m)
			if e := byN(happy, 2); e.Client == nil || e.Server == nil || e.Skew == 0 {
				t.Errorf("trace 1, #2: client %v, server %v, skew %d: want both spans and a clock-skew adjustment", e.Client != nil, e.Server != nil, e.Skew)
			}
			if e := byN(happy, 3); e.Client == nil || e.Server != nil || e.Peer == "" {
				t.Errorf("trace 1, #3: want an uninstrumented callee (client span and peer only), got server %v, peer %q", e.Server != nil, e.Peer)
			}
			if e := byN(happy, 6); !e.Async || e.Client == nil || e.Server == nil {
				t.Errorf("trace 1, #6: want the producer paired with its consumer, got async %v", e.Async)
			}
			if name == "checkout-otlp.json" {
				for _, s := range rr.traces[0].Spans {
					if s.Kind == trace.Consumer && (!s.ParentID.IsZero() || len(s.Links) != 1) {
						t.Errorf("trace 1: the consumer should have no parent and one link, got parent %v, %d links", s.ParentID, len(s.Links))
					}
				}
			}
			failed := trace.Observe(rr.traces[1], m)
			for n := 1; n <= 3; n++ {
				if e := byN(failed, n); !e.Failed {
					t.Errorf("trace 2, #%d: not failed", n)
				}
			}
			orphan := rr.traces[2]
			ids := map[trace.SpanID]bool{}
			for _, s := range orphan.Spans {
				ids[s.SpanID] = true
			}
			orphans := 0
			for _, s := range orphan.Spans {
				if !s.ParentID.IsZero() && !ids[s.ParentID] {
					orphans++
				}
			}
			if orphans != 1 {
				t.Errorf("trace 3: %d spans with a missing parent, want 1", orphans)
			}
		})
	}
}
