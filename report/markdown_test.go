package report_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/mermaid"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
	"github.com/google/go-cmp/cmp"
)

// signupSource has every kind of step: a synchronous exchange, a
// self-message nothing answers, a loop, an async message, and an alias
// and a typed participant.
const signupSource = `sequenceDiagram
  title Account provisioning
  actor Admin
  participant App as SaaS App
  participant Billing
  participant IdP as Identity Provider
  participant Email@{ "type": "queue" }
  Admin->>App: Create new account
  App->>App: Check quota
  App->>Billing: Provision subscription
  Billing-->>App: Subscription created
  loop each region
    App->>IdP: Create tenant directory
    IdP-->>App: Directory provisioned
  end
  App-)Email: Send welcome email
  App-->>Admin: Account ready
`

// ordersSource answers its first request in two branches of an alt, one
// of them with an error reply.
const ordersSource = `sequenceDiagram
  participant Web
  participant Orders
  participant DB as Orders DB
  Web->>Orders: POST /orders
  Orders->>DB: INSERT order
  DB-->>Orders: ok
  alt in stock
    Orders-->>Web: 201 Created
  else out of stock
    Orders--xWeb: 409 Conflict
  end
`

func parse(t *testing.T, name, src string) *flow.Diagram {
	t.Helper()
	d, err := parser.Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// st builds a Stats from a count and p50 … max in milliseconds (the mean
// and min, which the Markdown does not show, are derived).
func st(n int64, p50, p90, p95, p99, p999, maxv float64) report.Stats {
	return report.Stats{Count: n, MeanMS: p50 * 1.1, MinMS: p50 / 10, P50MS: p50, P90MS: p90,
		P95MS: p95, P99MS: p99, P999MS: p999, MaxMS: maxv}
}

// signupResult is a simulation of signupSource, built by hand.
func signupResult(t *testing.T) *report.Result {
	return &report.Result{
		Version: report.Version, Source: "sim",
		Diagram: "signup.mmd", DiagramSource: signupSource, Model: parse(t, "signup.mmd", signupSource),
		Profile: "signup.yaml", Scenario: "billing-flaky",
		Runs: 100_000, Seed: 42, ElapsedMS: 1234,
		Outcomes:   report.Outcomes{OK: 96_997, Handled: 0, Failed: 2_983, Inconsistent: 20},
		EndToEnd:   st(100_000, 3420, 9100, 14_200, 31_000, 65_000, 240_000),
		Completion: st(100_000, 3610, 9420, 14_800, 32_500, 66_100, 241_000),
		SystemTime: st(100_000, 410, 880, 1150, 2010, 3600, 9800),
		Messages: []report.MessageStats{
			{N: 1, Selector: "Admin->>App: Create new account", Latency: st(100_000, 2980, 10_700, 15_200, 29_900, 64_200, 238_000)},
			{N: 2, Selector: "App->>App: Check quota", Latency: st(100_000, 0.85, 1.2, 1.4, 2.0, 3.1, 4.0),
				Faults: report.Faults{Error: 3}},
			{N: 3, Selector: "App->>Billing: Provision subscription", Latency: st(102_040, 120, 364, 498, 895, 1780, 4670),
				Faults: report.Faults{Error: 4_040}},
			{N: 4, Selector: "Billing-->>App: Subscription created", Latency: st(97_997, 5, 5, 5, 5, 5, 5)},
			{N: 5, Selector: "App->>IdP: Create tenant directory", Latency: st(195_994, 301, 857, 1160, 2010, 3700, 10_300),
				Faults: report.Faults{Error: 600, Timeout: 400}},
			{N: 6, Selector: "IdP-->>App: Directory provisioned", Latency: st(194_994, 5, 5, 5, 5, 5, 5)},
			{N: 7, Selector: "App-)Email: Send welcome email", Latency: st(97_017, 12.1, 30.2, 41.0, 88.5, 150, 300),
				Faults: report.Faults{Drop: 97}},
			{N: 8, Selector: "App-->>Admin: Account ready", Latency: st(96_997, 20, 48.3, 62.1, 98.6, 167, 422)},
			{N: 9, Selector: "App->>Billing: Cancel subscription", Latency: st(1_020, 102, 272, 364, 591, 859, 1340),
				Faults: report.Faults{Error: 20}},
		},
		Exchanges: []report.ExchangeStats{
			{Request: 1, Reply: 8, Duration: st(96_997, 3500, 9300, 14_500, 31_800, 66_000, 240_000), Failed: 3_003, CriticalPathShare: 1},
			{Request: 2, Duration: st(99_997, 0.85, 1.2, 1.4, 2.0, 3.1, 4.0), Failed: 3},
			{Request: 3, Reply: 4, Duration: st(97_997, 125, 368, 501, 884, 1570, 1990), Failed: 2_000, CriticalPathShare: 0.04},
			{Request: 5, Reply: 6, Duration: st(194_994, 306, 862, 1160, 2000, 3530, 4930), Failed: 1_000, CriticalPathShare: 0.09},
			{Request: 7, Duration: st(96_920, 12.1, 30.2, 41.0, 88.5, 150, 300), Failed: 97},
		},
		Cascades: []report.Cascade{
			{Root: report.Root{N: 3, Fault: "error"}, Runs: 2_000, Share: 0.02, Chain: []int{3, 1}, Outcome: report.Failed,
				TimeToFailure: st(2_000, 3040, 9800, 14_100, 30_200, 60_000, 73_000)},
			{Root: report.Root{N: 5, Fault: "error"}, Runs: 600, Share: 0.006, Chain: []int{5, 1}, Outcome: report.Failed,
				Compensated: 580, Inconsistent: 20, TimeToFailure: st(600, 3640, 10_100, 16_500, 27_700, 48_300, 62_300)},
			{Root: report.Root{N: 5, Fault: "timeout"}, Runs: 400, Share: 0.004, Chain: []int{5, 1}, Outcome: report.Failed,
				Compensated: 400, TimeToFailure: st(400, 8180, 16_300, 20_100, 29_500, 82_600, 82_600)},
			{Root: report.Root{N: 7, Fault: "drop"}, Runs: 97, Share: 0.00097, Chain: []int{7}, Outcome: report.Handled},
			{Root: report.Root{N: 2, Fault: "error"}, Runs: 3, Share: 0.00003, Chain: []int{2, 1}, Outcome: report.Failed,
				TimeToFailure: st(3, 3000, 3100, 3100, 3100, 3100, 3100)},
			{Root: report.Root{N: 9, Fault: "error"}, Runs: 1, Share: 0.00001, Chain: []int{9}, Outcome: report.Inconsistent,
				Inconsistent: 1},
		},
		SLO: []report.SLOVerdict{
			{Target: "end_to_end p95 <= 1m", ObservedMS: 14_200, OK: true},
			{Target: "failed <= 2%", Observed: 0.03003, OK: false},
			{Target: `"App->>IdP: Create tenant directory" p99 <= 1s`, ObservedMS: 2000, OK: false},
		},
	}
}

// ordersResult is a trace check of ordersSource, built by hand.
func ordersResult(t *testing.T) *report.Result {
	return &report.Result{
		Version: report.Version, Source: "trace",
		Diagram: "orders.mmd", DiagramSource: ordersSource, Model: parse(t, "orders.mmd", ordersSource),
		Runs: 1_000, ElapsedMS: 95_000,
		Outcomes: report.Outcomes{OK: 950, Handled: 40, Failed: 10},
		EndToEnd: st(1_000, 42, 88, 120, 310, 900, 1200),
		Messages: []report.MessageStats{
			{N: 1, Selector: "Web->>Orders: POST /orders", Latency: st(1_000, 1.1, 2.0, 2.5, 4.0, 6.0, 6.2)},
			{N: 2, Selector: "Orders->>DB: INSERT order", Latency: st(1_000, 3.2, 8.0, 11, 40, 120, 130),
				Faults: report.Faults{Timeout: 10}},
			{N: 3, Selector: "DB-->>Orders: ok", Latency: st(990, 0.4, 0.9, 1.1, 2.0, 3.0, 3.1)},
			{N: 4, Selector: "Orders-->>Web: 201 Created", Latency: st(950, 1.0, 1.8, 2.2, 3.9, 5.5, 5.9)},
			{N: 5, Selector: "Orders--xWeb: 409 Conflict", Latency: st(40, 1.0, 1.7, 2.0, 3.0, 3.2, 3.2)},
		},
		Exchanges: []report.ExchangeStats{
			{Request: 1, Reply: 4, Replies: []int{4, 5}, Duration: st(990, 41, 86, 118, 300, 880, 1190), Failed: 10, CriticalPathShare: 1},
			{Request: 2, Reply: 3, Duration: st(990, 3.6, 8.9, 12, 42, 125, 133), Failed: 10, CriticalPathShare: 0.1},
		},
		Cascades: []report.Cascade{
			{Root: report.Root{N: 2, Fault: "timeout"}, Runs: 10, Share: 0.01, Chain: []int{2, 1}, Outcome: report.Failed,
				TimeToFailure: st(10, 1000, 1100, 1200, 1200, 1200, 1200)},
		},
		SLO: []report.SLOVerdict{{Target: "end_to_end p99 <= 500ms", ObservedMS: 310, OK: true}},
		Input: &report.Input{Files: 2, Traces: 1_000, Spans: 4_321, Malformed: 1,
			Problems: []report.Problem{{File: "spans.json", TraceID: "3f2a9c1e5b7d4e6f", SpanID: "a1b2c3d4", Reason: "end before start"}}},
		Conformance: &report.Conformance{Traces: 1_000, Conforming: 960, Fitness: 0.98234,
			Deviations: []report.Deviation{
				{Kind: "missing", Message: "#3 DB-->>Orders: ok", Traces: 30, Examples: []string{"3f2a9c1e5b7d4e6f", "00000000beef"}},
				{Kind: "unexpected", Message: "Orders->>Cache: GET stock|sku", Traces: 10},
			},
			UnmappedServices: []string{"cache"}},
	}
}

func renderTo(t *testing.T, format string, r *report.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.Renderers[format](&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRenderMarkdown(t *testing.T) {
	got := renderTo(t, "markdown", signupResult(t))
	checkMarkdown(t, got)
	report.ExportGolden(t, got)
}

func TestRenderMarkdownTrace(t *testing.T) {
	got := renderTo(t, "markdown", ordersResult(t))
	checkMarkdown(t, got)
	report.ExportGolden(t, got)
}

func TestRenderMermaid(t *testing.T) {
	report.ExportGolden(t, renderTo(t, "mermaid", signupResult(t)))
}

func TestRenderMermaidTrace(t *testing.T) {
	report.ExportGolden(t, renderTo(t, "mermaid", ordersResult(t)))
}

// checkMarkdown checks what holds for every Markdown document: no trailing
// blanks, no wall-clock time, and the diagram block is the Mermaid output.
func checkMarkdown(t *testing.T, md []byte) {
	t.Helper()
	for _, line := range strings.Split(string(md), "\n") {
		if strings.TrimRight(line, " \t") != line {
			t.Errorf("trailing space in %q", line)
		}
	}
	if bytes.Contains(md, []byte("1.23s")) || bytes.Contains(md, []byte("1m35s")) {
		t.Error("the Markdown shows the elapsed time")
	}
}

// The Markdown's diagram block is the Mermaid output.
func TestMarkdownEmbedsMermaid(t *testing.T) {
	for _, r := range []*report.Result{signupResult(t), ordersResult(t)} {
		md := string(renderTo(t, "markdown", r))
		mm := string(renderTo(t, "mermaid", r))
		if !strings.Contains(md, "\n```mermaid\n"+mm+"```\n") {
			t.Errorf("%s: the Markdown does not embed the Mermaid output", r.Diagram)
		}
	}
}

// The annotated diagram parses back to the same diagram plus one note
// over each step's participants after its reply (after the request for
// one-way and async steps), and the note texts survive the round trip.
func TestMermaidParsesBack(t *testing.T) {
	r := signupResult(t)
	out := renderTo(t, "mermaid", r)
	back, err := parser.Parse("annotated.mmd", out)
	if err != nil {
		t.Fatalf("the annotated diagram does not parse: %v\n%s", err, out)
	}
	var notes []*flow.Note
	var after []*flow.Message // the message before each note
	var last *flow.Message
	back.Walk(func(s flow.Statement) {
		switch s := s.(type) {
		case *flow.Message:
			last = s
		case *flow.Note:
			notes = append(notes, s)
			after = append(after, last)
		}
	})
	if len(notes) != len(r.Exchanges) {
		t.Fatalf("%d notes for %d steps:\n%s", len(notes), len(r.Exchanges), out)
	}
	want := []struct {
		after int
		over  []string
		text  string
	}{
		{2, []string{"App"}, "p50 850µs · p99 2.00ms · fails <0.01%"},
		{4, []string{"App", "Billing"}, "p50 125ms · p99 884ms · fails 2.0%"},
		{6, []string{"App", "IdP"}, "p50 306ms · p99 2.00s · fails 0.5%"},
		{7, []string{"App", "Email"}, "p50 12.1ms · p99 88.5ms · dropped 0.10%"},
		{8, []string{"Admin", "App"}, "p50 3.50s · p99 31.8s · fails 3.0%"},
	}
	for i, n := range notes {
		got := struct {
			after int
			over  []string
			text  string
		}{after[i].N, n.Participants, n.Text}
		if diff := cmp.Diff(want[i], got, cmp.AllowUnexported(got)); diff != "" || n.Placement != flow.Over {
			t.Errorf("note %d (-want +got):\n%s", i, diff)
		}
	}
	// Without its notes, the annotated diagram is the original.
	orig := parse(t, "signup.mmd", signupSource)
	if got, want := mermaid.Format(withoutNotes(back)), mermaid.Format(orig); got != want {
		t.Errorf("annotating changed the diagram (-want +got):\n%s", cmp.Diff(want, got))
	}
	// And the trace diagram, whose request is answered in two branches,
	// gets a note after each reply.
	out = renderTo(t, "mermaid", ordersResult(t))
	back, err = parser.Parse("annotated.mmd", out)
	if err != nil {
		t.Fatalf("the annotated diagram does not parse: %v\n%s", err, out)
	}
	if n := strings.Count(mermaid.Format(back), "Note over"); n != 3 {
		t.Errorf("%d notes, want 3 (one per reply):\n%s", n, out)
	}
}

func withoutNotes(d *flow.Diagram) *flow.Diagram {
	c := *d
	var strip func([]flow.Statement) []flow.Statement
	strip = func(ss []flow.Statement) []flow.Statement {
		var out []flow.Statement
		for _, s := range ss {
			switch x := s.(type) {
			case *flow.Note:
				continue
			case *flow.Block:
				b := *x
				b.Branches = nil
				for _, br := range x.Branches {
					nb := *br
					nb.Statements = strip(br.Statements)
					b.Branches = append(b.Branches, &nb)
				}
				s = &b
			}
			out = append(out, s)
		}
		return out
	}
	c.Statements = strip(d.Statements)
	return &c
}

// Rendering leaves the result's model as it was.
func TestMarkdownKeepsModel(t *testing.T) {
	r := signupResult(t)
	before := mermaid.Format(r.Model)
	var replyTo []int
	for _, m := range r.Model.Messages() {
		replyTo = append(replyTo, m.ReplyTo)
	}
	renderTo(t, "markdown", r)
	renderTo(t, "mermaid", r)
	if after := mermaid.Format(r.Model); after != before {
		t.Errorf("the model changed (-before +after):\n%s", cmp.Diff(before, after))
	}
	for i, m := range r.Model.Messages() {
		if m.ReplyTo != replyTo[i] {
			t.Errorf("message %d: ReplyTo %d, was %d", m.N, m.ReplyTo, replyTo[i])
		}
	}
}

// A result whose model is another version of the diagram gets no note on
// the steps whose selectors differ.
func TestMermaidStaleModel(t *testing.T) {
	r := signupResult(t)
	r.Messages[2].Selector = "App->>Billing: Provision plan"
	out := string(renderTo(t, "mermaid", r))
	if strings.Contains(out, "fails 2.0%") {
		t.Errorf("a renamed step is annotated:\n%s", out)
	}
	if n := strings.Count(out, "Note over"); n != 4 {
		t.Errorf("%d notes, want 4:\n%s", n, out)
	}
}

// A simulation measures no exchange for an async message (nothing waits
// for it): the Markdown's step table lists it by its message all the
// same, and the annotated Mermaid shows its drops and a reply's delays.
func TestAsyncStepsAndDropDelay(t *testing.T) {
	r := signupResult(t)
	r.Exchanges = slices.DeleteFunc(r.Exchanges, func(e report.ExchangeStats) bool { return e.Request == 7 })
	r.Messages[7].Faults.Delay = 4_850 // #8 App-->>Admin: Account ready
	md := string(renderTo(t, "markdown", r))
	for _, want := range []string{
		"\n| 5→6 | SaaS App → Identity Provider: Create tenant directory | sync |",
		"\n| 7 | SaaS App → Email: Send welcome email | async | 12.1ms | 30.2ms | 41.0ms | 88.5ms | 150ms | 300ms | 0.10% |\n",
		"\n  Note over App,Email: p50 12.1ms · p99 88.5ms · dropped 0.10%\n",
		"\n  Note over Admin,App: p50 3.50s · p99 31.8s · fails 3.0% · delayed 4.9%\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}
	if i, j := strings.Index(md, "\n| 5→6 |"), strings.Index(md, "\n| 7 |"); i < 0 || j < i {
		t.Errorf("the async step is not in diagram order")
	}
}
