package trace_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/trace"
)

// benchCall is one Mapping.Message call: a span and the participants of
// its exchange.
type benchCall struct {
	from, to string
	span     *trace.Span
}

// benchMapping measures Mapping.Participant for every span and
// Mapping.Message for every call, per span mapped.
func benchMapping(b *testing.B, m *trace.Mapping, spans []*trace.Span, calls []benchCall, wantHits int) {
	hits := 0
	for _, c := range calls {
		if _, ok := m.Message(c.from, c.to, c.span); ok {
			hits++
		}
	}
	if wantHits >= 0 && hits != wantHits {
		b.Fatalf("%d of %d calls matched, want %d", hits, len(calls), wantHits)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range spans {
			m.Participant(s)
		}
		for _, c := range calls {
			m.Message(c.from, c.to, c.span)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(calls)), "ns/call")
}

// BenchmarkMapping measures the mapping step alone (the hot part of
// Observe that naming adds to): the simulator's traces of the seed flow
// (span names equal to the message texts), HTTP spans in the new
// semantic conventions against route templates, and gRPC spans as
// otelgrpc writes them.
func BenchmarkMapping(b *testing.B) {
	b.Run("sim", func(b *testing.B) {
		d := benchDiagram(b)
		m := trace.DefaultMapping(d)
		var spans []*trace.Span
		var calls []benchCall
		for _, tr := range benchTraces(b, "sim-provisioning.jsonl") {
			for i := range tr.Spans {
				spans = append(spans, &tr.Spans[i])
			}
			for _, e := range trace.Observe(tr, m).Exchanges {
				calls = append(calls, benchCall{e.From, e.To, e.Client})
			}
		}
		hits := 0
		for _, c := range calls {
			if _, comp := c.span.Attr("choreo.compensation"); !comp {
				hits++
			}
		}
		benchMapping(b, m, spans, calls, hits)
	})
	b.Run("http", func(b *testing.B) {
		var src strings.Builder
		src.WriteString("sequenceDiagram\nparticipant Web\nparticipant API\n")
		routes := []string{"/clients", "/clients/{clientId}", "/clients/{clientId}/orders", "/clients/{clientId}/orders/{orderId}",
			"/orders/{orderId}/items", "/oauth/check_token", "/products/{id}", "/cart/{userId}/items/{itemId}"}
		for _, r := range routes {
			fmt.Fprintf(&src, "Web->>API: GET %s\nAPI-->>Web: ok\n", r)
		}
		m := trace.DefaultMapping(benchParse(b, src.String()))
		var spans []*trace.Span
		var calls []benchCall
		for i, r := range routes {
			path := strings.NewReplacer("{clientId}", "42", "{orderId}", "7", "{id}", "_uuid_", "{userId}", "u1", "{itemId}", "i9").Replace(r)
			s := &trace.Span{Name: "GET", Service: "web", Kind: trace.Client, Attrs: []trace.Attr{
				{Key: "http.request.method", Value: "GET"}, {Key: "url.full", Value: "https://api.example.com" + path + "?page=" + fmt.Sprint(i)},
				{Key: "server.address", Value: "api.example.com"}, {Key: "server.port", Value: "443"},
				{Key: "network.protocol.version", Value: "1.1"}, {Key: "http.response.status_code", Value: "200"}}}
			srv := &trace.Span{Name: "GET " + r, Service: "api", Kind: trace.Server, Attrs: []trace.Attr{
				{Key: "http.request.method", Value: "GET"}, {Key: "url.path", Value: path}, {Key: "url.scheme", Value: "https"},
				{Key: "http.route", Value: strings.ReplaceAll(r, "{clientId}", ":id")}, {Key: "http.response.status_code", Value: "200"},
				{Key: "user_agent.original", Value: "Go-http-client/1.1"}}}
			spans = append(spans, s, srv)
			calls = append(calls, benchCall{"Web", "API", s}, benchCall{"Web", "API", srv})
		}
		benchMapping(b, m, spans, calls, len(calls))
	})
	b.Run("grpc", func(b *testing.B) {
		methods := []string{"oteldemo.CartService/GetCart", "oteldemo.CartService/AddItem", "oteldemo.CartService/EmptyCart",
			"oteldemo.CurrencyService/Convert", "oteldemo.PaymentService/Charge", "oteldemo.ShippingService/GetQuote",
			"oteldemo.ShippingService/ShipOrder", "oteldemo.EmailService/SendOrderConfirmation"}
		var src strings.Builder
		src.WriteString("sequenceDiagram\nparticipant Checkout\nparticipant Backend\n")
		for _, fm := range methods {
			_, meth, _ := strings.Cut(fm, "/")
			fmt.Fprintf(&src, "Checkout->>Backend: %s\nBackend-->>Checkout: ok\n", meth)
		}
		m := trace.DefaultMapping(benchParse(b, src.String()))
		var spans []*trace.Span
		var calls []benchCall
		for _, fm := range methods {
			svc, meth, _ := strings.Cut(fm, "/")
			s := &trace.Span{Name: fm, Service: "checkout", Kind: trace.Client, Attrs: []trace.Attr{
				{Key: "rpc.system", Value: "grpc"}, {Key: "rpc.service", Value: svc}, {Key: "rpc.method", Value: meth},
				{Key: "server.address", Value: "backend"}, {Key: "server.port", Value: "8080"}, {Key: "rpc.grpc.status_code", Value: "0"}}}
			spans = append(spans, s)
			calls = append(calls, benchCall{"Checkout", "Backend", s})
		}
		benchMapping(b, m, spans, calls, len(calls))
	})
}

func benchParse(b *testing.B, src string) *flow.Diagram {
	d, err := parser.Parse("bench.mmd", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	flow.Build(d)
	return d
}

func benchTraces(b *testing.B, name string) []*trace.Trace {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r, err := trace.NewReader(f, name)
	if err != nil {
		b.Fatal(err)
	}
	var ts []*trace.Trace
	for {
		tr, err := r.Next()
		if err == io.EOF {
			return ts
		}
		if err != nil {
			b.Fatal(err)
		}
		ts = append(ts, tr)
	}
}
