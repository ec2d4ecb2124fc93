package trace

import (
	"bytes"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/report"
)

// TestSuggestMap writes a map from a check whose services are named
// unlike the participants, loads it as it is, and checks again: the
// services map, the span named by its request shows; a second
// suggestion, made with the first map, keeps it and places the span: the
// traces then conform.
func TestSuggestMap(t *testing.T) {
	d := parseDiagram(t, umShop)
	ts := umShopTraces(3)
	res := umCheck(d, DefaultMapping(d), ts)
	res.Diagram = "shop.mmd"

	var first bytes.Buffer
	if err := SuggestMap(&first, d, nil, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# A map for shop.mmd, suggested by choreo check --suggest-map from 3 traces.",
		"# service checkout-svc: 6 spans in 3 traces; similarity 0.63, its spans match messages Shop sends or receives\n  Shop: {service: [checkout-svc, Shop]}",
		"Payments: {service: [payment-gateway, Payments]}",
	} {
		if !strings.Contains(first.String(), want) {
			t.Errorf("suggested map lacks %q:\n%s", want, first.String())
		}
	}
	m, err := LoadMapping("suggested.yaml", first.Bytes(), d)
	if err != nil {
		t.Fatalf("the suggested map does not load: %v\n%s", err, first.String())
	}
	res = umCheck(d, m, ts)
	res.Diagram = "shop.mmd"
	if cf := res.Conformance; len(cf.UnmappedServices) != 0 || len(cf.Unmapped) != 1 || cf.Unmapped[0].Kind != "span" {
		t.Fatalf("with the suggested map: unmapped services %v, unmapped %+v", cf.UnmappedServices, cf.Unmapped)
	}

	var second bytes.Buffer
	if err := SuggestMap(&second, d, first.Bytes(), res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Shop: {service: [checkout-svc, Shop]}",
		"# Payments->>Bank: POST /v1/authorize (service payment-gateway): 3 spans in 3 traces; similarity 1.00\n  'Payments->>Bank: Authorize': {http: [POST /v1/authorize]}",
	} {
		if !strings.Contains(second.String(), want) {
			t.Errorf("second suggested map lacks %q:\n%s", want, second.String())
		}
	}
	if n := strings.Count(second.String(), "# A map for"); n != 1 {
		t.Errorf("the second map has %d headers:\n%s", n, second.String())
	}
	if m, err = LoadMapping("suggested2.yaml", second.Bytes(), d); err != nil {
		t.Fatalf("the second suggested map does not load: %v\n%s", err, second.String())
	}
	res = umCheck(d, m, ts)
	if cf := res.Conformance; len(cf.Unmapped) != 0 || cf.Conforming != cf.Traces {
		t.Errorf("with the second map: %d of %d conform, unmapped %+v, deviations %+v", cf.Conforming, cf.Traces, cf.Unmapped, cf.Deviations)
	}
}

// TestSuggestMapEdges: what is not near is listed, not mapped; a
// participant of the base map in the short form gets a peer; a message
// drawn twice gets the rule at both places.
func TestSuggestMapEdges(t *testing.T) {
	d := parseDiagram(t, `sequenceDiagram
participant Shop
participant Stock
loop each item
Shop->>Stock: Reserve item
end
Shop->>Stock: Reserve item
`)
	res := &report.Result{Runs: 4, Conformance: &report.Conformance{Unmapped: []report.Unmapped{
		{Kind: "service", Service: "redis", Spans: 40, Traces: 4},
		{Kind: "peer", Service: "stock-db", From: "Shop", Spans: 8, Traces: 4, Nearest: "Stock", Similarity: 0.67},
		{Kind: "span", Service: "shop", Name: "POST /reservations", From: "Shop", To: "Stock", Spans: 8, Traces: 4,
			Nearest: "Shop->>Stock: Reserve item", Similarity: 0.67},
		{Kind: "span", Service: "shop", Name: "GET /health", From: "Shop", Spans: 4, Traces: 4},
	}}}
	base := "# our map\nparticipants:\n  Stock: stock-svc # the stock service\n"
	var b bytes.Buffer
	if err := SuggestMap(&b, d, []byte(base), res); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"#   service redis: 40 spans in 4 traces; no participant is near",
		"#   Shop->>(no callee): GET /health (service shop): 4 spans in 4 traces; the span names no callee",
		"# our map",
		"Stock: {service: stock-svc, peer: [stock-db]} # the stock service",
		"# the one at line 5 (message #1)",
		"'#1': {http: [POST /reservations]}",
		"'#2': {http: [POST /reservations]}",
		"(drawn 2 times: where the span is in its trace tells which)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("suggested map lacks %q:\n%s", want, got)
		}
	}
	if _, err := LoadMapping("s.yaml", b.Bytes(), d); err != nil {
		t.Errorf("the suggested map does not load: %v\n%s", err, got)
	}
}
