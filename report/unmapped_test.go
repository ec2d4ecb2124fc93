package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// unmappedResult is a trace check whose mapping missed services, a peer
// and span names.
func unmappedResult() *Result {
	return &Result{
		Version: Version, Source: "trace", Diagram: "shop.mmd", Runs: 40,
		Outcomes: Outcomes{OK: 40},
		Conformance: &Conformance{Traces: 40, Conforming: 0, Fitness: 0.4,
			Deviations:       []Deviation{{Kind: "missing", Message: "#1 User->>Shop: POST /checkout", Traces: 40}},
			UnmappedServices: []string{"checkout-svc", "payment-gateway", "redis"},
			Unmapped: []Unmapped{
				{Kind: "service", Service: "payment-gateway", Spans: 120, Traces: 40, Nearest: "Payments", Similarity: 0.84},
				{Kind: "service", Service: "checkout-svc", Spans: 80, Traces: 40, Nearest: "Shop", Similarity: 0.63},
				{Kind: "service", Service: "redis", Spans: 40, Traces: 40},
				{Kind: "peer", Service: "api.bank.example", From: "Payments", Spans: 40, Traces: 40, Nearest: "Bank", Similarity: 0.67},
				{Kind: "span", Service: "payment-gateway", Name: "POST /v1/authorize", From: "Payments", To: "Bank", Spans: 12, Traces: 12,
					Nearest: "Payments->>Bank: Authorize", Similarity: 1},
				{Kind: "span", Service: "checkout-svc", Name: "GET /cart|items", To: "Shop", Spans: 3, Traces: 3},
			},
			UnmappedMore: 17},
	}
}

func TestRenderTextUnmapped(t *testing.T) {
	got := render(t, "text", unmappedResult())
	noTrailingSpace(t, got)
	golden(t, got)
}

func TestRenderMarkdownUnmapped(t *testing.T) {
	golden(t, render(t, "markdown", unmappedResult()))
}

func TestRenderHTMLUnmapped(t *testing.T) {
	got := string(render(t, "html", unmappedResult()))
	for _, want := range []string{
		`<th scope="col" class="num">similarity</th>`,
		`<tr><th scope="row">service</th><td><code>checkout-svc</code></td><td class="num">80</td><td class="num">40</td><td><code>Shop</code></td><td class="num">0.63</td></tr>`,
		`<td><code>?-&gt;&gt;Shop: GET /cart|items</code> (<code>checkout-svc</code>)</td>`,
		`17 spans of other names are not listed.`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(got, "Unmapped services:") {
		t.Error("HTML lists the unmapped services twice")
	}
}

// TestRenderTextUnmappedMany: the text lists ten entries and says how
// many more the JSON has.
func TestRenderTextUnmappedMany(t *testing.T) {
	r := unmappedResult()
	r.Conformance.UnmappedMore = 0
	for i := range 12 {
		r.Conformance.Unmapped = append(r.Conformance.Unmapped, Unmapped{Kind: "service", Service: "svc" + string(rune('a'+i)), Spans: 1, Traces: 1})
	}
	got := string(render(t, "text", r))
	if !strings.Contains(got, "  … 8 more entries in the JSON output\n  hint:") {
		t.Errorf("text:\n%s", got)
	}
}

func TestMergeUnmapped(t *testing.T) {
	a := []Unmapped{
		{Kind: "service", Service: "checkout-svc", Spans: 4, Traces: 2, Nearest: "Shop", Similarity: 0.25},
		{Kind: "span", Service: "shop", Name: "GET /x", From: "Shop", To: "Db", Spans: 1, Traces: 1},
	}
	b := []Unmapped{
		{Kind: "service", Service: "checkout-svc", Spans: 2, Traces: 1, Nearest: "Shop", Similarity: 0.63},
		{Kind: "service", Service: "auth", Spans: 6, Traces: 3},
		{Kind: "span", Service: "shop", Name: "GET /x", From: "Shop", To: "Db", Spans: 5, Traces: 5},
	}
	// as many spans: more traces first, then services before spans,
	// then by name
	want := []Unmapped{
		{Kind: "span", Service: "shop", Name: "GET /x", From: "Shop", To: "Db", Spans: 6, Traces: 6},
		{Kind: "service", Service: "auth", Spans: 6, Traces: 3},
		{Kind: "service", Service: "checkout-svc", Spans: 6, Traces: 3, Nearest: "Shop", Similarity: 0.63},
	}
	for _, order := range [][][]Unmapped{{a, b}, {b, a}} {
		got, more := MergeUnmapped(order...)
		if diff := cmp.Diff(want, got); diff != "" || more != 0 {
			t.Errorf("merged, %d more (-want +got):\n%s", more, diff)
		}
	}
	// A match beats none; on a tie the smaller name wins.
	for _, tc := range []struct {
		n    string
		s    float64
		m    string
		t    float64
		want bool
	}{
		{"Shop", 0.5, "", 0, true},
		{"", 0, "Shop", 0.5, false},
		{"Shop", 0.5, "Cart", 0.6, false},
		{"Cart", 0.6, "Shop", 0.6, true},
		{"Shop", 0.6, "Cart", 0.6, false},
	} {
		if got := betterNearest(tc.n, tc.s, tc.m, tc.t); got != tc.want {
			t.Errorf("betterNearest(%q %v, %q %v) = %v", tc.n, tc.s, tc.m, tc.t, got)
		}
	}
}

// TestMergeUnmappedCut: past MaxUnmapped entries the spans of the rest
// are counted, and Merge carries the list and the count.
func TestMergeUnmappedCut(t *testing.T) {
	var l []Unmapped
	for i := range MaxUnmapped + 5 {
		l = append(l, Unmapped{Kind: "service", Service: string(rune('a'+i%26)) + string(rune('a'+i/26)), Spans: int64(1000 - i), Traces: 1})
	}
	got, more := MergeUnmapped(l)
	if len(got) != MaxUnmapped || more != 1000-100+1000-101+1000-102+1000-103+1000-104 {
		t.Errorf("%d entries, %d more", len(got), more)
	}
	r1 := &Result{Source: "sim", Histograms: &Histograms{}, Conformance: &Conformance{Unmapped: l[:60], UnmappedMore: 3}}
	r2 := &Result{Source: "sim", Histograms: &Histograms{}, Conformance: &Conformance{Unmapped: l[60:], UnmappedMore: 4}}
	out, err := Merge(r1, r2)
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, _ := json.Marshal(out.Conformance.Unmapped)
	wantJSON, _ := json.Marshal(got)
	if !bytes.Equal(gotJSON, wantJSON) || out.Conformance.UnmappedMore != more+7 {
		t.Errorf("merged: %d entries, %d more; want %d, %d", len(out.Conformance.Unmapped), out.Conformance.UnmappedMore, len(got), more+7)
	}
	// Results without conformance (simulations) get none.
	if out, err := Merge(&Result{Source: "sim", Histograms: &Histograms{}}); err != nil || out.Conformance != nil {
		t.Errorf("a simulation merged to conformance %v, %v", out.Conformance, err)
	}
}
