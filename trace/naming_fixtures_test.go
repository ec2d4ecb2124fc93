package trace_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/golden"
	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/trace"
)

// The naming fixtures (written by testdata/naming-gen.py):
//
//   - otlp-grpc.json: the OpenTelemetry demo's checkout
//     (testdata/grpc-checkout.mmd) as the SDKs of its services export
//     it: the frontend's Java agent (HTTP server in the new semantic
//     conventions, gRPC client), checkout's Go otelgrpc (spans named
//     pkg.Service/Method, net.peer.name) and otelhttp (HTTP POST,
//     http.url with a query), cart's Python instrumentation
//     (/pkg.Service/Method), currency's hand-made spans named after the
//     method with rpc.* attributes, payment's JavaScript instrumentation
//     (grpc.pkg.Service/Method), email's Ruby Sinatra (old HTTP
//     conventions). Trace a1…01 is the happy path with a loop of two
//     conversions; trace b2…02 fails at the payment and makes a health
//     check the diagram does not draw.
//   - jaeger-kindless.json: an OpenTracing-era portal (testdata/clients.mmd)
//     from Jaeger's query API: no span.kind tags, so every kind is
//     inferred; http.url with host and query; ids anonymized to _uuid_;
//     the same call (GET /clients/{clientId}) drawn twice, and a token
//     check in a loop and again from the API.
var namingFixtures = []struct{ traces, diagram string }{
	{"otlp-grpc.json", "testdata/grpc-checkout.mmd"},
	{"jaeger-kindless.json", "testdata/clients.mmd"},
}

// TestNamingFixtures observes each fixture with the default mapping and
// writes, per exchange, the message it maps to, every candidate message
// (Mapping.Messages) and the spans' kinds; the golden files show what
// each naming form maps to.
func TestNamingFixtures(t *testing.T) {
	for _, fx := range namingFixtures {
		t.Run(fx.traces, func(t *testing.T) {
			d, _ := testdiagram.Read(t, fx.diagram)
			flow.Build(d)
			m := trace.DefaultMapping(d)
			rr := readFile(t, fx.traces)
			if len(rr.problems) != 0 {
				t.Fatalf("problems reading: %v", rr.problems)
			}
			var b strings.Builder
			for _, tr := range rr.traces {
				o := trace.Observe(tr, m)
				fmt.Fprintf(&b, "trace %s\n", tr.ID)
				for _, e := range o.Exchanges {
					msg := "-"
					if e.Message != nil {
						msg = fmt.Sprintf("#%d", e.Message.N)
					}
					var cands []string
					for _, s := range []*trace.Span{e.Client, e.Server} {
						if s == nil {
							continue
						}
						for _, c := range m.Messages(e.From, e.To, s) {
							if n := fmt.Sprintf("#%d", c.N); !slices.Contains(cands, n) {
								cands = append(cands, n)
							}
						}
					}
					fmt.Fprintf(&b, "  %-4s %s->>%s  %s  candidates [%s]\n", msg, e.From, e.To, spanNames(e), strings.Join(cands, " "))
				}
				for _, u := range o.UnmappedSpans {
					fmt.Fprintf(&b, "  unmapped %q (%s, %s): %s\n", u.Span.Name, u.Span.Service, u.Span.Kind, u.Reason)
				}
			}
			golden.Check(t, filepath.Join("testdata/golden", t.Name()+".golden"), []byte(b.String()))
		})
	}
}

func spanNames(e *trace.ObservedExchange) string {
	var parts []string
	for _, s := range []*trace.Span{e.Client, e.Server} {
		if s != nil {
			parts = append(parts, fmt.Sprintf("%s %q", s.Kind, s.Name))
		}
	}
	return strings.Join(parts, " / ")
}

// TestNamingFixturesMapped: in the first trace of each fixture every
// exchange maps, and each may stand for the message drawn at its place
// (want, in exchange order): the alignment picks among the candidates.
func TestNamingFixturesMapped(t *testing.T) {
	for i, want := range [][]int{
		{1, 2, 3, 5, 5, 7, 9, 11},
		{1, 1, 3, 4, 7, 9},
	} {
		fx := namingFixtures[i]
		t.Run(fx.traces, func(t *testing.T) {
			d, _ := testdiagram.Read(t, fx.diagram)
			flow.Build(d)
			m := trace.DefaultMapping(d)
			tr := readFile(t, fx.traces).traces[0]
			o := trace.Observe(tr, m)
			if len(o.UnmappedServices) != 0 || len(o.UnmappedSpans) != 0 {
				t.Errorf("unmapped: services %v, spans %v", o.UnmappedServices, o.UnmappedSpans)
			}
			if len(o.Exchanges) != len(want) {
				t.Fatalf("%d exchanges, want %d", len(o.Exchanges), len(want))
			}
			for j, e := range o.Exchanges {
				if e.Server == nil || e.Client == nil && e.From != "User" {
					t.Errorf("exchange %d %s->>%s: unpaired: %s", j, e.From, e.To, spanNames(e))
				}
				found := false
				for _, s := range []*trace.Span{e.Client, e.Server} {
					if s == nil {
						continue
					}
					for _, c := range m.Messages(e.From, e.To, s) {
						found = found || c.N == want[j]
					}
				}
				if !found {
					t.Errorf("exchange %d %s->>%s (%s): message #%d is no candidate", j, e.From, e.To, spanNames(e), want[j])
				}
			}
		})
	}
}
