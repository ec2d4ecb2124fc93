package report

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/flow"
)

// checkoutSource is the diagram of checkoutResult: an actor, a
// synchronous exchange, an async message and the reply to the actor.
const checkoutSource = `sequenceDiagram
  actor User
  participant Web
  participant Pay as Payments
  User->>Web: Checkout
  Web->>Pay: Charge card
  Pay-->>Web: Charged
  Web-)User: Receipt email
  Web-->>User: Order placed
`

// checkoutModel is checkoutSource as the parser reads it, built by hand
// (report does not import the parser).
func checkoutModel() *flow.Diagram {
	msg := func(line int, from, arrow, to, text string) *flow.Message {
		return &flow.Message{From: from, To: to, Arrow: flow.Arrow(arrow), Text: text,
			Pos: flow.Pos{File: "checkout.mmd", Line: line, Col: 3}}
	}
	d := &flow.Diagram{
		Participants: []*flow.Participant{
			{ID: "User", Label: "User", Kind: flow.KindActor, Declared: true},
			{ID: "Web", Label: "Web", Kind: flow.KindParticipant, Declared: true},
			{ID: "Pay", Label: "Payments", Kind: flow.KindParticipant, Declared: true, Alias: true},
		},
		Statements: []flow.Statement{
			msg(5, "User", "->>", "Web", "Checkout"),
			msg(6, "Web", "->>", "Pay", "Charge card"),
			msg(7, "Pay", "-->>", "Web", "Charged"),
			msg(8, "Web", "-)", "User", "Receipt email"),
			msg(9, "Web", "-->>", "User", "Order placed"),
		},
	}
	d.Renumber()
	return d
}

// logistic records n values whose logarithm follows a logistic
// distribution around median: an S-shaped CDF on a log axis, the same
// every time.
func logistic(n int, median time.Duration, spread float64) *Histogram {
	h := NewHistogram()
	for i := range n {
		u := (float64(i) + 0.5) / float64(n)
		h.Record(time.Duration(float64(median) * math.Exp(spread*math.Log(u/(1-u)))))
	}
	return h
}

func constant(n int, d time.Duration) *Histogram {
	h := NewHistogram()
	for range n {
		h.Record(d)
	}
	return h
}

// checkoutResult is a simulation of checkoutSource with its histograms
// and model, built by hand.
func checkoutResult() *Result {
	const runs = 2_000
	hs := &Histograms{
		EndToEnd:   logistic(runs, 21*time.Second, 0.5),
		Completion: logistic(runs, 22*time.Second, 0.5),
		SystemTime: logistic(runs, 340*time.Millisecond, 0.3),
		Messages: []*Histogram{
			logistic(runs, 20*time.Second, 0.5),
			logistic(runs+40, 300*time.Millisecond, 0.35),
			constant(runs-30, 5*time.Millisecond),
			logistic(runs-30, time.Second, 0.6),
			logistic(runs-30, 10*time.Millisecond, 0.2),
		},
		Exchanges: []*Histogram{
			logistic(runs-30, 21*time.Second, 0.5),
			logistic(runs-30, 310*time.Millisecond, 0.35),
			logistic(runs-30, time.Second, 0.6),
		},
		Cascades: []*Histogram{logistic(30, 20*time.Second, 0.4), logistic(10, time.Second, 0.2)},
	}
	sel := []string{"User->>Web: Checkout", "Web->>Pay: Charge card", "Pay-->>Web: Charged",
		"Web-)User: Receipt email", "Web-->>User: Order placed"}
	r := &Result{
		Version: Version, Source: "sim",
		Diagram: "checkout.mmd", DiagramSource: checkoutSource, Model: checkoutModel(),
		Profile: "checkout.yaml", Runs: runs, Seed: 7, ElapsedMS: 35,
		Outcomes:   Outcomes{OK: 1_960, Handled: 10, Failed: 30},
		EndToEnd:   hs.EndToEnd.Stats(),
		Completion: hs.Completion.Stats(),
		SystemTime: hs.SystemTime.Stats(),
		Exchanges: []ExchangeStats{
			{Request: 1, Reply: 5, Duration: hs.Exchanges[0].Stats(), Failed: 30, CriticalPathShare: 1},
			{Request: 2, Reply: 3, Duration: hs.Exchanges[1].Stats(), Failed: 30, CriticalPathShare: 0.0152},
			{Request: 4, Duration: hs.Exchanges[2].Stats(), Failed: 10},
		},
		Cascades: []Cascade{
			{Root: Root{N: 2, Fault: "error"}, Runs: 30, Share: 0.015, Chain: []int{2, 1}, Outcome: Failed,
				TimeToFailure: hs.Cascades[0].Stats()},
			{Root: Root{N: 4, Fault: "drop"}, Runs: 10, Share: 0.005, Outcome: Handled,
				TimeToFailure: hs.Cascades[1].Stats()},
		},
		SLO: []SLOVerdict{
			{Target: "system_time p99 <= 2s", ObservedMS: hs.SystemTime.Stats().P99MS, OK: true},
			{Target: "failed <= 1%", Observed: 0.015, OK: false},
		},
		Histograms: hs,
	}
	for i, s := range sel {
		m := MessageStats{N: i + 1, Selector: s, Latency: hs.Messages[i].Stats()}
		switch i {
		case 1:
			m.Faults.Error = 70
		case 3:
			m.Faults.Drop = 10
		}
		r.Messages = append(r.Messages, m)
	}
	return r
}

// htmlChecks are what every page must satisfy: no external request of any
// kind, no script, every chart an accessible figure, tables with headers.
func htmlChecks(t *testing.T, page []byte) {
	t.Helper()
	s := string(page)
	for _, bad := range []string{"http://", "https://", "src=", "@import", "url(", "<script", "<link",
		"<img", "<iframe", "<object", "<embed", "xlink:href", "@font-face"} {
		if i := strings.Index(strings.ToLower(s), strings.ToLower(bad)); i >= 0 {
			t.Errorf("the page holds %q: …%s…", bad, s[max(i-60, 0):min(i+60, len(s))])
		}
	}
	if !strings.HasPrefix(s, "<!DOCTYPE html>\n<html lang=\"en\">") || !strings.HasSuffix(s, "</html>\n") {
		t.Error("not a whole HTML5 document")
	}
	for _, tag := range []string{"figure", "svg", "table", "section", "ul", "pre", "title", "style"} {
		if o, c := strings.Count(s, "<"+tag+">")+strings.Count(s, "<"+tag+" "), strings.Count(s, "</"+tag+">"); o != c {
			t.Errorf("%d <%s> but %d </%s>", o, tag, c, tag)
		}
	}
	figs, caps := strings.Count(s, "<figure>"), strings.Count(s, "<figcaption>")
	svgs, named := strings.Count(s, "<svg "), len(regexp.MustCompile(`<svg [^>]*role="img" aria-labelledby="(fig\d+)"><title id="fig\d+">[^<]+</title>`).FindAllString(s, -1))
	if figs != caps || figs != svgs || svgs != named {
		t.Errorf("%d figures, %d captions, %d svg, %d svg with a title", figs, caps, svgs, named)
	}
	if strings.Count(s, "<table") != strings.Count(s, "<thead>") {
		t.Error("a table without a header row")
	}
}

func TestRenderHTML(t *testing.T) {
	r := checkoutResult()
	got := render(t, "html", r)
	htmlChecks(t, got)
	s := string(got)
	// One CDF for the run time, one per exchange and per message, two
	// waterfalls (an actor sends steps), the cascade tree.
	if n, want := strings.Count(s, "<figure>"), 1+3+5+2+1; n != want {
		t.Errorf("%d figures, want %d", n, want)
	}
	for _, want := range []string{
		"User (actor), Web and Payments exchange 5 messages in 3 exchanges",
		"Note over Web,Pay: p50 ", // the annotated diagram, from the mermaid renderer
		"Waterfall of a median run without human time",
		`<rect class="bar actor"`,
		"<strong class=\"o-text-failed\">failed</strong> #2 → #1",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(s, "Drawn from the percentiles") {
		t.Error("a chart drawn from percentiles although the result has histograms")
	}
	// The model is the caller's: rendering does not touch it.
	for _, m := range r.Model.Messages() {
		if m.ReplyTo != 0 {
			t.Errorf("rendering set ReplyTo on message #%d", m.N)
		}
	}
	if again := render(t, "html", checkoutResult()); !bytes.Equal(got, again) {
		t.Error("two renderings of one result differ")
	}
	golden(t, got)
}

// Without histograms or a model the charts are drawn from the percentiles
// and the diagram is shown as it is.
func TestRenderHTMLNoHistograms(t *testing.T) {
	got := render(t, "html", simResult())
	htmlChecks(t, got)
	if !bytes.Contains(got, []byte("Drawn from the percentiles")) {
		t.Error("no note that the charts come from the percentiles")
	}
	golden(t, got)
}

func TestRenderHTMLTrace(t *testing.T) {
	got := render(t, "html", traceResult())
	htmlChecks(t, got)
	for _, want := range []string{"<h2>Conformance</h2>", "<h2>Input</h2>", "<strong>Partial:</strong>", "fitness 0.982"} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("the page lacks %q", want)
		}
	}
	golden(t, got)
}

// Nothing a diagram, a selector or a trace can hold puts a URL, a script
// or markup into the page.
func TestRenderHTMLNoExternalRequests(t *testing.T) {
	hostile := `App->>Web: GET https://cdn.example.com/x.js <script src="http://x/y.js"></script> url(http://f) @import "z"`
	r := simResult()
	r.Diagram = `<img src="https://x/pixel.gif">.mmd`
	r.DiagramSource = "sequenceDiagram\n  " + hostile + "\n  link Web: Docs @ https://docs.example.com\n"
	r.Messages[0].Selector = hostile
	r.Scenario = "SRC=//evil URL(x)"
	r.Input = &Input{Files: 1, Problems: []Problem{{File: "https://x/t.json", Reason: "src=x"}}}
	r.Conformance = &Conformance{Deviations: []Deviation{{Kind: "unexpected", Message: hostile, Examples: []string{"http://e"}}},
		UnmappedServices: []string{"https://svc"}}
	for _, res := range []*Result{r, checkoutResult(), traceResult(), {}} {
		got := render(t, "html", res)
		htmlChecks(t, got)
		if bytes.Contains(got, []byte("<script")) || bytes.Contains(got, []byte("<img")) {
			t.Error("markup from the result reached the page")
		}
	}
	// The text still reads the same in a browser.
	if got := render(t, "html", r); !bytes.Contains(got, []byte("https&#58;//cdn.example.com/x.js &lt;script src&#61;")) {
		t.Error("the hostile selector is not shown escaped")
	}
}

func TestHistogramBuckets(t *testing.T) {
	if bs := NewHistogram().Buckets(); bs != nil {
		t.Errorf("empty histogram: %v", bs)
	}
	h := logistic(10_000, 300*time.Millisecond, 0.5)
	h.Record(0)
	h.Record(MaxRecordable + time.Hour)
	bs := h.Buckets()
	var n int64
	for i, b := range bs {
		n += b.Count
		if b.Count <= 0 || b.Low > b.High || b.Low < h.Min() || b.High > h.Max() || i > 0 && b.Low <= bs[i-1].High {
			t.Fatalf("bucket %d: %+v (previous %+v)", i, b, bs[max(i-1, 0)])
		}
	}
	if n != h.Count() {
		t.Errorf("buckets hold %d values, want %d", n, h.Count())
	}
	if bs[0].Low != 0 || bs[len(bs)-1].High != h.Max() {
		t.Errorf("buckets span %v … %v, want 0 … %v", bs[0].Low, bs[len(bs)-1].High, h.Max())
	}
	// Each bucket is narrow: within 0.1% of its values (or 1ns).
	for _, b := range bs[1 : len(bs)-1] {
		if w := float64(b.High - b.Low); w > max(1, float64(b.High)*0.002) {
			t.Fatalf("bucket %+v is %v wide", b, time.Duration(w))
		}
	}
}

func TestSVGTickLabel(t *testing.T) {
	for _, tc := range []struct {
		ns   float64
		want string
	}{
		{1, "1ns"}, {500, "500ns"}, {2e3, "2µs"}, {1e6, "1ms"}, {2.5e6, "2.5ms"}, {200e6, "200ms"},
		{1e9, "1s"}, {1.5e9, "1.5s"}, {30e9, "30s"}, {60e9, "1m"}, {90e9, "1m30s"}, {600e9, "10m"},
		{3600e9, "1h"}, {86400e9, "24h"}, {172800e9, "2d"}, {1234567, "1.23ms"},
	} {
		if got := svgTickLabel(tc.ns); got != tc.want {
			t.Errorf("svgTickLabel(%v) = %q, want %q", tc.ns, got, tc.want)
		}
	}
	// Log ticks: decades when the range spans them, 1-2-5 steps when not.
	if got := svgLogTicks(1e6, 1e10, 10); len(got) != 5 || got[0] != 1e6 || got[4] != 10e9 {
		t.Errorf("ticks 1ms…10s: %v", got)
	}
	if got := svgLogTicks(3e6, 9e6, 10); len(got) != 1 || got[0] != 5e6 {
		t.Errorf("ticks 3ms…9ms: %v", got)
	}
}
