package trace

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

func TestSimilarity(t *testing.T) {
	for _, tc := range []struct {
		a, b   string
		want   float64
		reason string
	}{
		{"payment-gateway", "Payments", 0.67, "one word of three shared (payment, payments differ by a final s)"},
		{"checkout-svc", "Shop", 0.25, "no word shared; checkout and shop: edit distance 6 over 8"},
		{"cartservice", "Cart", 1, "a word ending in service loses the ending"},
		{"CheckoutService", "Checkout", 1, "camelCase split, service left out"},
		{"emailservice", "Mailer", 0.5, "email and mailer: edit distance 3 over 6"},
		{"user-db", "DB", 0.67, ""},
		{"api.bank.example", "Bank", 0.67, "host words; api says nothing"},
		{"POST /v1/authorize", "Authorize", 1, "HTTP method and version left out"},
		{"POST /v1/charges", "Charge card", 0.67, "charges and charge are one word"},
		{"POST /directories", "Create tenant directory", 0.5, "directories and directory are one word"},
		{"GET /users/{id}", "Get user", 1, "a path parameter says nothing"},
		{"hipstershop.CartService/AddItem", "Add item to cart", 0.86, "to is left out; cart, add, item shared"},
		{"auth", "Authentication", 1, "one starts with the other, both 4 letters or more"},
		{"api", "App", 0, "too short for an edit similarity"},
		{"HTTPServer", "http server", 1, "all noise: the words are kept"},
		{"", "Shop", 0, ""},
		{"frontend", "Web", 0, ""},
	} {
		if got := similarity(tc.a, tc.b); got != tc.want {
			t.Errorf("similarity(%q, %q) = %v, want %v (%s)", tc.a, tc.b, got, tc.want, tc.reason)
		}
		if got := similarity(tc.b, tc.a); got != tc.want {
			t.Errorf("similarity(%q, %q) = %v, want %v: not symmetric", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestSpanLabel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs []Attr
		want  string
	}{
		{"GET /users/42", nil, "GET /users/{id}"},
		{"GET /users/me", nil, "GET /users/me"},
		{"HTTP GET /orders/3f2a9c1e-5b7d-4e6f-8a0b-1c2d3e4f5a6b/items", nil, "GET /orders/{id}/items"},
		{"/files/aGVsbG8gd29ybGQ0MTIz", nil, "/files/{id}"},
		{"GET", []Attr{{"http.request.method", "GET"}, {"http.route", "/carts/{cartId}"}}, "GET /carts/{cartId}"},
		{"HTTP GET", []Attr{{"http.method", "GET"}, {"http.target", "/carts/17?full=1"}}, "GET /carts/{id}"},
		{"Charge card", []Attr{{"http.method", "POST"}, {"http.route", "/charge"}}, "Charge card"},
		{"oteldemo.CartService/GetCart", nil, "oteldemo.CartService/GetCart"},
		{"SELECT orders", nil, "SELECT orders"},
	} {
		s := &Span{Name: tc.name, Attrs: tc.attrs}
		if got := spanLabel(s); got != tc.want {
			t.Errorf("spanLabel(%q, %v) = %q, want %q", tc.name, tc.attrs, got, tc.want)
		}
	}
}

const umShop = `sequenceDiagram
actor User
participant Shop
participant Payments
participant Bank
User->>Shop: POST /checkout
Shop->>Payments: Charge card
Payments->>Bank: Authorize
Bank-->>Payments: Authorized
Payments-->>Shop: Charged
Shop-->>User: Order placed
`

// umSpan is a span for the unmapped tests: id, parent (0: root), service,
// kind, name, attributes.
type umSpan struct {
	id, parent byte
	svc        string
	kind       Kind
	name       string
	attrs      []Attr
}

// umTrace builds trace n of spans, each 10 ms inside its parent.
func umTrace(n byte, spans []umSpan) *Trace {
	tr := &Trace{ID: TraceID{15: n}}
	depth := map[byte]int64{}
	for _, s := range spans {
		d := depth[s.parent] + 1
		depth[s.id] = d
		span := Span{TraceID: tr.ID, SpanID: SpanID{7: s.id}, Service: s.svc, Kind: s.kind, Name: s.name, Attrs: s.attrs,
			Start: 1e9 + d*10e6, End: 2e9 - d*10e6}
		if s.parent != 0 {
			span.ParentID = SpanID{7: s.parent}
		}
		tr.Spans = append(tr.Spans, span)
	}
	return tr
}

// umShopTraces are n traces of the shop whose services are named unlike
// its participants (checkout-svc for Shop, payment-gateway for
// Payments), and whose call to the bank is named by its HTTP request.
func umShopTraces(n int) []*Trace {
	var ts []*Trace
	for i := range n {
		ts = append(ts, umTrace(byte(i+1), []umSpan{
			{1, 0, "checkout-svc", Server, "POST /checkout", nil},
			{2, 1, "checkout-svc", Client, "Charge card", nil},
			{3, 2, "payment-gateway", Server, "Charge card", nil},
			{4, 3, "payment-gateway", Internal, "validate", nil},
			{5, 3, "payment-gateway", Client, "POST /v1/authorize", nil},
			{6, 5, "Bank", Server, "POST /v1/authorize", nil},
		}))
	}
	return ts
}

func umCheck(d *flow.Diagram, m *Mapping, ts []*Trace) *report.Result {
	c := NewChecker(d, m, NewAligner(d))
	for _, tr := range ts {
		c.Add(tr)
	}
	return c.Result()
}

func TestUnmappedServices(t *testing.T) {
	d := parseDiagram(t, umShop)
	res := umCheck(d, DefaultMapping(d), umShopTraces(3))
	want := []report.Unmapped{
		{Kind: "service", Service: "payment-gateway", Spans: 9, Traces: 3, Nearest: "Payments", Similarity: 0.84},
		{Kind: "service", Service: "checkout-svc", Spans: 6, Traces: 3, Nearest: "Shop", Similarity: 0.63},
	}
	if diff := cmp.Diff(want, res.Conformance.Unmapped); diff != "" {
		t.Errorf("unmapped (-want +got):\n%s", diff)
	}
	if res.Conformance.UnmappedMore != 0 {
		t.Errorf("unmapped_more %d", res.Conformance.UnmappedMore)
	}
}

func TestUnmappedSpansAndPeers(t *testing.T) {
	d := parseDiagram(t, umShop)
	m, err := LoadMapping("map.yaml", []byte("participants:\n  Shop: checkout-svc\n  Payments: payment-gateway\n"), d)
	if err != nil {
		t.Fatal(err)
	}
	ts := umShopTraces(2)
	// a third trace: the bank's call by its host only, a health check
	// nothing resembles, and a root span whose caller is not traced
	ts = append(ts, umTrace(3, []umSpan{
		{1, 0, "checkout-svc", Server, "POST /checkout", nil},
		{2, 1, "checkout-svc", Client, "Charge card", nil},
		{3, 2, "payment-gateway", Server, "Charge card", nil},
		{5, 3, "payment-gateway", Client, "POST /v1/authorize/77", []Attr{{"server.address", "api.bank.example"}}},
		{7, 3, "payment-gateway", Client, "GET /healthz", []Attr{{"server.address", "api.bank.example"}}},
	}), umTrace(4, []umSpan{
		{1, 0, "checkout-svc", Server, "GET /cart", nil},
	}))
	res := umCheck(d, m, ts)
	want := []report.Unmapped{
		{Kind: "span", Service: "payment-gateway", Name: "POST /v1/authorize", From: "Payments", To: "Bank", Spans: 2, Traces: 2,
			Nearest: "Payments->>Bank: Authorize", Similarity: 1},
		{Kind: "peer", Service: "api.bank.example", From: "Payments", Spans: 2, Traces: 1, Nearest: "Bank", Similarity: 0.67},
		{Kind: "span", Service: "checkout-svc", Name: "GET /cart", To: "Shop", Spans: 1, Traces: 1},
	}
	if diff := cmp.Diff(want, res.Conformance.Unmapped); diff != "" {
		t.Errorf("unmapped (-want +got):\n%s", diff)
	}
}

// TestUnmappedMergeShards checks traces in shards and merges the
// shards' unmapped lists: the same bytes as the whole check's, in any
// grouping.
func TestUnmappedMergeShards(t *testing.T) {
	d := parseDiagram(t, umShop)
	ts := umShopTraces(5)
	// vary the traces: some services named otherwise, some spans
	// unmatched
	ts[1].Spans[2].Service = "payments"
	ts[3].Spans[4].Name = "POST /v2/authorize"
	ts[4].Spans[0].Service = "shop"
	ts[4].Spans[1].Service = "shop"
	ts = append(ts, umTrace(9, []umSpan{{1, 0, "redis", Client, "GET", []Attr{{"db.system", "redis"}}}}))
	whole := umCheck(d, DefaultMapping(d), ts).Conformance
	if len(whole.Unmapped) < 3 {
		t.Fatalf("too few unmapped entries to test merging: %v", whole.Unmapped)
	}
	for _, cut := range [][]int{{1}, {2, 4}, {1, 2, 3, 4, 5}} {
		var lists [][]report.Unmapped
		var more int64
		prev := 0
		for _, c := range append(cut, len(ts)) {
			conf := umCheck(d, DefaultMapping(d), ts[prev:c]).Conformance
			lists = append(lists, conf.Unmapped)
			more += conf.UnmappedMore
			prev = c
		}
		merged, cutMore := report.MergeUnmapped(lists...)
		got, want := umJSON(t, merged), umJSON(t, whole.Unmapped)
		if !bytes.Equal(got, want) || more+cutMore != whole.UnmappedMore {
			t.Errorf("shards cut at %v merge to\n%s\nwant\n%s", cut, got, want)
		}
		// report.Merge carries them too
		var rs []*report.Result
		for _, l := range lists {
			rs = append(rs, &report.Result{Source: "sim", Histograms: &report.Histograms{}, Conformance: &report.Conformance{Unmapped: l}})
		}
		out, err := report.Merge(rs...)
		if err != nil {
			t.Fatal(err)
		}
		if got := umJSON(t, out.Conformance.Unmapped); !bytes.Equal(got, want) {
			t.Errorf("report.Merge of shards cut at %v gives\n%s\nwant\n%s", cut, got, want)
		}
	}
}

func umJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUnmappedBound keeps at most report.MaxUnmapped entries, counting
// the spans of the rest, and tracks a bounded number of names.
func TestUnmappedBound(t *testing.T) {
	d := parseDiagram(t, umShop)
	var ts []*Trace
	for i := range 1200 {
		svc := "svc-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26))
		ts = append(ts, umTrace(byte(i), []umSpan{{1, 0, svc, Server, "op", nil}}))
	}
	conf := umCheck(d, DefaultMapping(d), ts).Conformance
	if len(conf.Unmapped) != report.MaxUnmapped {
		t.Fatalf("%d entries, want %d", len(conf.Unmapped), report.MaxUnmapped)
	}
	var listed int64
	for _, u := range conf.Unmapped {
		listed += u.Spans
	}
	if listed+conf.UnmappedMore != 1200 {
		t.Errorf("listed %d + more %d spans, want 1200", listed, conf.UnmappedMore)
	}
}
