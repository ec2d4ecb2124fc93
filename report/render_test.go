package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	goldenfile "github.com/choreo-dev/choreo/internal/golden"
)

func golden(t *testing.T, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", "golden", t.Name()+".golden"), got)
}

// stats builds a Stats from a count and p50 … max in milliseconds.
func stats(n int64, mean, minv, p50, p90, p95, p99, p999, maxv float64) Stats {
	return Stats{Count: n, MeanMS: mean, MinMS: minv, P50MS: p50, P90MS: p90, P95MS: p95,
		P99MS: p99, P999MS: p999, MaxMS: maxv}
}

// simResult is a simulation of the seed diagram, built by hand.
func simResult() *Result {
	return &Result{
		Version: Version, Source: "sim",
		Diagram: "provisioning.mmd", DiagramSource: "sequenceDiagram\n  Admin->>App: Create new account\n",
		Profile: "provisioning.yaml", Scenario: "billing-flaky",
		Runs: 100_000, Seed: 1, ElapsedMS: 812,
		Outcomes:   Outcomes{OK: 97_000, Handled: 1_000, Failed: 1_900, Inconsistent: 100},
		EndToEnd:   stats(100_000, 1423.5, 310.2, 1250, 2100, 2600, 4100, 9800.4, 123_456),
		Completion: stats(100_000, 1530.1, 320.9, 1310, 2230, 2810, 4420, 10_230, 123_999),
		SystemTime: stats(100_000, 412.7, 80.0, 380.3, 610, 720, 1050, 2010, 8000),
		Messages: []MessageStats{
			{N: 1, Selector: "Admin->>App: Create new account", Latency: stats(100_000, 12.1, 0.85, 11.9, 15.2, 16.8, 19.9, 25.4, 31.0)},
			{N: 2, Selector: "App->>Billing: Provision subscription", Latency: stats(102_020, 131.0, 20.3, 120.0, 310.0, 420.0, 900.0, 1830, 2001),
				Faults: Faults{Error: 2_040, Timeout: 12}},
			{N: 3, Selector: "Billing-->>App: Subscription created", Latency: stats(97_960, 0.9, 0.2, 0.85, 1.2, 1.4, 2.0, 3.1, 4.0)},
			{N: 7, Selector: "IdP-)Email: Send invite link", Latency: stats(98_000, 0.0009, 0.0004, 0.00085, 0.0012, 0.0014, 0.002, 0.0031, 0.004),
				Faults: Faults{Drop: 98}},
			{N: 12, Selector: "App->>Billing: Cancel subscription", Latency: stats(1_980, 45.0, 10.0, 40.0, 70.0, 80.0, 110.0, 140.0, 150.0),
				Faults: Faults{Error: 20}},
		},
		Exchanges: []ExchangeStats{
			{Request: 1, Reply: 11, Duration: stats(100_000, 1423.5, 310.2, 1250, 2100, 2600, 4100, 9800.4, 123_456), Failed: 2_000, CriticalPathShare: 1},
			{Request: 2, Reply: 3, Duration: stats(100_000, 140.2, 21.0, 125.5, 330.0, 450.0, 2100, 4200, 6100), Failed: 2_000, CriticalPathShare: 0.351},
			{Request: 7, Duration: Stats{}, Failed: 0, CriticalPathShare: 0},
		},
		Cascades: []Cascade{
			{Root: Root{N: 2, Fault: "error"}, Runs: 2_000, Share: 0.02, Chain: []int{2, 1}, Outcome: Failed,
				Compensated: 1_980, Inconsistent: 20, TimeToFailure: stats(2_000, 150, 30, 141, 260, 300, 410, 500, 520)},
			{Root: Root{N: 7, Fault: "drop"}, Runs: 98, Share: 0.00098, Chain: nil, Outcome: Handled},
		},
		SLO: []SLOVerdict{
			{Target: "end_to_end p95 <= 3s", ObservedMS: 2600, OK: true},
			{Target: "failed <= 1%", Observed: 0.02, OK: false},
			{Target: "App->>IdP: Create tenant directory p99 <= 1s", ObservedMS: 1250, OK: false},
		},
	}
}

// traceResult is a trace check, built by hand.
func traceResult() *Result {
	return &Result{
		Version: Version, Source: "trace", Diagram: "provisioning.mmd", Runs: 1_000, ElapsedMS: 95_000,
		Partial:  true,
		Outcomes: Outcomes{OK: 990, Failed: 10},
		EndToEnd: stats(1_000, 1900, 400, 1700, 2500, 3000, 5000, 7000, 7100),
		Messages: []MessageStats{{N: 1, Selector: "Admin->>App: Create new account", Latency: stats(1_000, 5, 1, 4, 8, 9, 12, 15, 15)}},
		Input: &Input{Files: 2, Traces: 1_000, Spans: 12_345, Malformed: 1,
			Problems: []Problem{{File: "traces.json", TraceID: "3f2a9c1e5b7d4e6f8a0b1c2d3e4f5a6b", SpanID: "a1b2c3d4e5f60718", Reason: "end before start"}}},
		Conformance: &Conformance{Traces: 1_000, Conforming: 950, Fitness: 0.98234,
			Deviations: []Deviation{
				{Kind: "missing", Message: "#5 IdP-->>App: Directory provisioned", Traces: 40, Examples: []string{"3f2a9c1e5b7d4e6f8a0b1c2d3e4f5a6b", "0000000000000000000000000000beef"}},
				{Kind: "unexpected", Message: "App->>Cache: Warm up", Traces: 10},
			},
			UnmappedServices: []string{"cache", "postgres"}},
	}
}

func render(t *testing.T, name string, r *Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Renderers[name](&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRenderText(t *testing.T) {
	got := render(t, "text", simResult())
	if bytes.Contains(got, []byte("\x1b")) {
		t.Error("text without Color contains escape codes")
	}
	noTrailingSpace(t, got)
	golden(t, got)
}

func noTrailingSpace(t *testing.T, text []byte) {
	t.Helper()
	for _, line := range strings.Split(string(text), "\n") {
		if strings.TrimRight(line, " \t") != line {
			t.Errorf("trailing space in %q", line)
		}
	}
}

func TestRenderTextTrace(t *testing.T) {
	got := render(t, "text", traceResult())
	noTrailingSpace(t, got)
	golden(t, got)
}

func TestRenderTextColor(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, simResult(), TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	got := b.Bytes()
	if !bytes.Contains(got, []byte("\x1b[31m✗\x1b[0m")) || !bytes.Contains(got, []byte("\x1b[32m✓\x1b[0m")) {
		t.Error("coloured SLO marks missing")
	}
	// Without the escape codes the text is the plain rendering.
	plain := stripANSI(string(got))
	if want := string(render(t, "text", simResult())); plain != want {
		t.Errorf("colour changes the layout (-plain +coloured-stripped):\n%s", cmp.Diff(want, plain))
	}
	golden(t, got)
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestRenderJSON(t *testing.T) {
	got := render(t, "json", simResult())
	if !bytes.HasSuffix(got, []byte("}\n")) {
		t.Error("no trailing newline")
	}
	if !bytes.Contains(got, []byte(`"App->>Billing: Provision subscription"`)) {
		t.Error("selectors are HTML-escaped")
	}
	var back Result
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	want := simResult()
	want.Cascades[1].Chain = []int{}
	if diff := cmp.Diff(want, &back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	golden(t, got)
}

// An empty result has one JSON shape: lists are [], never null.
func TestRenderJSONEmpty(t *testing.T) {
	r := &Result{Source: "trace", Conformance: &Conformance{Deviations: []Deviation{{Kind: "missing"}}}, Input: &Input{}}
	got := render(t, "json", r)
	if bytes.Contains(got, []byte("null")) {
		t.Errorf("null in %s", got)
	}
	if r.Version != 0 || r.Messages != nil || r.Conformance.Deviations[0].Examples != nil {
		t.Error("rendering changed the result")
	}
	golden(t, got)
	// And the text of an empty result is just the header.
	if got := render(t, "text", &Result{}); bytes.Count(got, []byte("\n")) != 2 {
		t.Errorf("text of an empty result:\n%s", got)
	}
}

func TestHumanMS(t *testing.T) {
	for _, tc := range []struct {
		ms   float64
		want string
	}{
		{0, "0s"}, {0.0000004, "0s"}, {0.000042, "42ns"}, {0.0009994, "999ns"}, {0.0009996, "1.00µs"},
		{0.85, "850µs"}, {0.0852, "85.2µs"}, {12.34, "12.3ms"}, {999.4, "999ms"}, {999.6, "1.00s"},
		{1420, "1.42s"}, {9999, "10.0s"}, {59_940, "59.9s"}, {59_960, "1m00s"}, {123_456, "2m03s"},
		{3_599_400, "59m59s"}, {3_599_600, "1h00m"}, {93_900_000, "26h05m"}, {-12.34, "-12.3ms"},
	} {
		if got := humanMS(tc.ms); got != tc.want {
			t.Errorf("humanMS(%v) = %q, want %q", tc.ms, got, tc.want)
		}
	}
}

func TestFormats(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1980: "1,980", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
	for x, want := range map[float64]string{0: "0%", 0.02: "2.0%", 0.00098: "0.10%", 0.0002: "0.02%", 0.00000001: "<0.01%", 0.99999: ">99.9%", 1: "100.0%"} {
		if got := percent(x); got != want {
			t.Errorf("percent(%v) = %q, want %q", x, got, want)
		}
	}
	if got := spark(stats(10, 1, 1, 1, 2, 3, 4, 6, 8)); got != "▁▂▃▄▆█" {
		t.Errorf("spark = %q", got)
	}
}

// An exchange is named by its request and every reply that closes it.
func TestExchangeLabel(t *testing.T) {
	for _, tc := range []struct {
		e         ExchangeStats
		label, md string
		reason    string
	}{
		{ExchangeStats{Request: 1, Reply: 4, Replies: []int{4, 5}}, "#1→#4,#5", "1→4,5", "answered in two branches"},
		{ExchangeStats{Request: 2, Reply: 3}, "#2→#3", "2→3", "one reply: Replies is empty"},
		{ExchangeStats{Request: 7}, "#7", "7", "one-way or async"},
		{ExchangeStats{Request: 1, Reply: 9, Replies: []int{9, 12, 14}}, "#1→#9,#12,#14", "1→9,12,14", "three places"},
	} {
		if got := exchangeLabel(tc.e); got != tc.label {
			t.Errorf("%s: exchangeLabel = %q, want %q", tc.reason, got, tc.label)
		}
		if got := exchangeNumbers(tc.e.Request, tc.e.replies(), ""); got != tc.md {
			t.Errorf("%s: exchangeNumbers = %q, want %q", tc.reason, got, tc.md)
		}
	}
}
