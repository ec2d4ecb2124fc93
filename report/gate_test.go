package report

import (
	"bytes"
	"encoding/xml"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/parser"
)

// The order-statistic interval covers the true quantile at least 95 % of
// the time: over 400 samples of 1000 exponential values its coverage of
// the true p50 and p99 is 0.95 or more, less 4.5σ of a binomial share
// (σ = √(0.95·0.05/400) ≈ 0.011).
func TestQuantileCICoverage(t *testing.T) {
	const reps, n = 400, 1000
	exp := distuv.Exponential{Rate: 1.0 / 100} // mean 100ms
	r := rand.New(rand.NewPCG(1, 2))
	for _, q := range []float64{0.5, 0.99} {
		truth := exp.Quantile(q)
		covered := 0
		for range reps {
			h := NewHistogram()
			for range n {
				h.Record(time.Duration(r.ExpFloat64() * 100 * float64(time.Millisecond)))
			}
			iv := QuantileCI(h, q)
			// widen by the histogram's 0.1 %
			if iv.Low*0.999 <= truth && truth <= iv.High*1.001 {
				covered++
			}
		}
		share := float64(covered) / reps
		t.Logf("p%g: coverage %.3f over %d samples of %d", q*100, share, reps, n)
		if floor := Confidence - 4.5*math.Sqrt(Confidence*(1-Confidence)/reps); share < floor {
			t.Errorf("p%g: interval covered the true quantile in %.3f of samples, want ≥ %.3f", q*100, share, floor)
		}
	}
}

// For many values the interval's width approaches the normal theory's
// 2·z·√(q(1−q)/n) / f(ξ_q): for the median of an exponential with mean
// 100ms, f(ξ) = 1/200 per ms, so the width at n = 200000 is
// 2·1.96·√(0.25/200000)·200 ≈ 0.877ms. Values spread evenly over the
// quantile function make the sample exact, so only the histogram's
// 0.1 % (≈ 0.07ms at 69ms) and rank rounding separate the two: 15 %.
func TestQuantileCIWidth(t *testing.T) {
	const n = 200000
	exp := distuv.Exponential{Rate: 1.0 / 100}
	h := NewHistogram()
	for i := range n {
		h.Record(time.Duration(exp.Quantile((float64(i)+0.5)/n) * float64(time.Millisecond)))
	}
	iv := QuantileCI(h, 0.5)
	want := 2 * distuv.UnitNormal.Quantile(0.975) * math.Sqrt(0.25/n) * 200
	t.Logf("width %.3fms, normal theory %.3fms", iv.High-iv.Low, want)
	if got := iv.High - iv.Low; math.Abs(got-want)/want > 0.15 {
		t.Errorf("width %.3fms, want %.3fms ± 15%%", got, want)
	}
	if m := exp.Quantile(0.5); iv.Low > m || iv.High < m {
		t.Errorf("interval [%.3f, %.3f] misses the median %.3f", iv.Low, iv.High, m)
	}
	// with one value, the interval is the data
	one := NewHistogram()
	one.Record(5 * time.Millisecond)
	if iv := QuantileCI(one, 0.99); iv.Low != 5 || iv.High != 5 {
		t.Errorf("one value: %+v", iv)
	}
}

// Clopper–Pearson intervals against their closed forms: for k = 0 the
// upper bound is 1 − (α/2)^(1/n); for k = n the lower is (α/2)^(1/n); and
// the published 5 of 10: [0.1871, 0.8129].
func TestShareCI(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-4 }
	if iv := ShareCI(0, 10); iv.Low != 0 || !near(iv.High, 1-math.Pow(0.025, 0.1)) {
		t.Errorf("0 of 10: %+v", iv)
	}
	if iv := ShareCI(10, 10); iv.High != 1 || !near(iv.Low, math.Pow(0.025, 0.1)) {
		t.Errorf("10 of 10: %+v", iv)
	}
	if iv := ShareCI(5, 10); !near(iv.Low, 0.1871) || !near(iv.High, 0.8129) {
		t.Errorf("5 of 10: %+v", iv)
	}
	if iv := ShareCI(0, 0); iv.Known {
		t.Errorf("0 of 0 known: %+v", iv)
	}
}

const gateDiagram = `sequenceDiagram
A->>B: call
B-->>A: reply
A->>C: note
`

// gateResult builds a result of n runs whose end_to_end and exchange
// durations are the quantiles of uniform(100ms, 200ms)·scale at evenly
// spread ranks (so every percentile is known: 100 + 100q ms, times
// scale), the first failed runs failed, and message 3 never sent.
func gateResult(t *testing.T, n int, scale float64, failed int, offset float64) *Result {
	t.Helper()
	a := NewAggregate(
		[]MessageStats{{N: 1, Selector: "A->>B: call"}, {N: 2, Selector: "B-->>A: reply"}, {N: 3, Selector: "A->>C: note"}},
		[]ExchangeStats{{Request: 1, Reply: 2}})
	for i := range n {
		q := math.Mod((float64(i)+offset)/float64(n), 1)
		d := time.Duration((100 + 100*q) * scale * float64(time.Millisecond))
		o := RunOK
		if i < failed {
			o = RunFailed
			a.ExchangeFailed(0)
		} else {
			a.Exchange(0, d)
		}
		a.Message(0, d/2)
		a.Message(1, d/2)
		a.Run(o, d, d, d)
	}
	r := a.Result()
	r.Source, r.Diagram = "sim", "g.mmd"
	d, err := parser.Parse("g.mmd", []byte(gateDiagram))
	if err != nil {
		t.Fatal(err)
	}
	r.Model = d
	return r
}

func gate(t *testing.T, s string, base bool) Gate {
	t.Helper()
	d, err := parser.Parse("g.mmd", []byte(gateDiagram))
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGate("--fail-on[1]", s, d, base)
	if err != nil {
		t.Fatalf("ParseGate(%q): %v", s, err)
	}
	return g
}

// Gates on known differences: the current run times are the base's
// ×1.2 (p99 199ms → 238.8ms, +20 %), its failed share 2.8 % against 2 %
// (+0.8pp).
func TestGatesKnownDifferences(t *testing.T) {
	const n = 20000
	base := gateResult(t, n, 1, 400, 0.5)
	cur := gateResult(t, n, 1.2, 560, 0.5)
	same := gateResult(t, n, 1, 400, 0.25) // other ranks, same distribution
	for _, c := range []struct {
		gate    string
		cur     *Result
		tripped bool
		noise   bool
		change  float64 // the change in the gate's unit; NaN: a level gate
	}{
		{"end_to_end.p99 > +10%", cur, true, false, 20},
		{"end_to_end.p99 > +25%", cur, false, false, 20},
		{"end_to_end.p50 >= +20%", cur, true, false, 20},
		{"end_to_end.p99 > +30ms", cur, true, false, 0.2 * 199},
		{"failed > +0.5pp", cur, true, false, 0.8},
		{"failed > +1pp", cur, false, false, 0.8},
		{"failed > +30%", cur, true, false, 40},
		{`"A->>B: call".p95 > +10%`, cur, true, false, 20},
		{"#1.failed > +0.5pp", cur, true, false, 0.8},
		{"end_to_end.p99 > +0%", same, false, true, 0},
		{"end_to_end.p99 > 230ms", cur, true, false, math.NaN()},
		{"end_to_end.p99 > 240ms", cur, false, false, math.NaN()},
		{"failed > 2.5%", cur, true, false, math.NaN()},
		{"failed < 0.03", cur, true, false, math.NaN()},
	} {
		v := JudgeGates([]Gate{gate(t, c.gate, true)}, base, c.cur)[0]
		if v.Tripped != c.tripped || v.NoData {
			t.Errorf("%s: tripped %v (no data %v), want %v: %s", c.gate, v.Tripped, v.NoData, c.tripped, v.Detail)
		}
		if !math.IsNaN(c.change) {
			// 3 significant digits in the histogram: 0.1 % of each value
			if tol := 0.25 + 0.01*math.Abs(c.change); math.Abs(v.Change-c.change) > tol {
				t.Errorf("%s: change %.3f, want %.3f ± %.3f", c.gate, v.Change, c.change, tol)
			}
			if v.Noise != c.noise {
				t.Errorf("%s: noise %v, want %v: %s", c.gate, v.Noise, c.noise, v.Detail)
			}
		}
	}
	// A step without data neither trips nor passes for 0.
	v := JudgeGates([]Gate{gate(t, `"A->>C: note".p95 > 1ms`, false)}, nil, cur)[0]
	if !v.NoData || v.Tripped {
		t.Errorf("step without data: %+v", v)
	}
}

// The comparison marks changes within noise, shows failure changes in
// points and steps without data as —.
func TestCompareNoiseAndNoData(t *testing.T) {
	base := gateResult(t, 20000, 1, 400, 0.5)
	cur := gateResult(t, 20000, 1.2, 560, 0.5)
	// the note is sent in the base only
	base.Messages[2].Latency = Stats{Count: 10, P50MS: 3, P95MS: 3, P99MS: 3}
	c := Compare(base, cur)
	var b bytes.Buffer
	if err := WriteComparison(&b, c, "text"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"+20.0%", "+0.8pp", "—  A->>C: note", "≈ within noise"} {
		if !strings.Contains(out, want) {
			t.Errorf("comparison lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "-100") {
		t.Errorf("a step without data shows a change:\n%s", out)
	}
	same := Compare(base, gateResult(t, 20000, 1, 400, 0.25))
	for _, p := range same.Rows[0].Percentiles {
		if !p.Noise {
			t.Errorf("same distribution, p%g: not within noise: %+v", p.Quantile*100, p)
		}
	}
}

func TestParseGateErrors(t *testing.T) {
	d, _ := parser.Parse("g.mmd", []byte(gateDiagram))
	for _, c := range []struct {
		gate, want string
		base       bool
	}{
		{"end_to_edn.p99 > 1s", `--fail-on[1]:1:1: --fail-on: unknown metric "end_to_edn"; did you mean "end_to_end"?`, true},
		{`"A->>B: cal".p95 > 1s`, `--fail-on[1]:1:1: --fail-on: message "A->>B: cal" is not in the diagram; did you mean "A->>B: call"?`, true},
		{"end_to_end.p9x > 1s", `--fail-on[1]:1:12: --fail-on: "p9x" is not a percentile`, true},
		{"end_to_end.p99 > +1pp", `--fail-on[1]:1:18: --fail-on: "+1pp": percentage points are for failure shares`, true},
		{"failed > 1s", `--fail-on[1]:1:10: --fail-on: "1s": want a share`, true},
		{"failed > +1pp", `--fail-on[1]:1:10: --fail-on: "+1pp" is a change: it needs --compare`, false},
		{"failed > 150%", `--fail-on[1]:1:10: --fail-on: "150%": a share is between 0 and 1`, true},
		{"end_to_end.p99", `--fail-on[1]:1:15: --fail-on: want METRIC OP VALUE`, true},
		{"end_to_end.p99 >", `--fail-on[1]:1:17: --fail-on: no value after >`, true},
		{"completion.failed > 1%", `--fail-on[1]:1:12: --fail-on: completion has no failure share`, true},
		{`"A->>B: call > 1s`, `--fail-on[1]:1:18: --fail-on: want METRIC OP VALUE`, true},
		{"A->>B: call.p95", `--fail-on[1]:1:16: --fail-on: want an operator`, true},
		{"end_to_end.p99 >> 1s", `--fail-on[1]:1:16: --fail-on: ">>" is not an operator: want >, >=, <, <=`, true},
		{"end_to_end.p99 => 1s", `--fail-on[1]:1:16: --fail-on: "=>" is not an operator`, true},
		{"A->>B: call.p95 <> 1s", `--fail-on[1]:1:17: --fail-on: "<>" is not an operator`, true},
	} {
		_, err := ParseGate("--fail-on[1]", c.gate, d, c.base)
		var e *srcpos.Error
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s…", c.gate, err, c.want)
			continue
		}
		if es := srcpos.All(err); len(es) == 1 {
			e = es[0]
		}
		if e == nil || e.Src != c.gate {
			t.Errorf("%q: error without the argument as its line: %#v", c.gate, err)
		}
	}
	// unquoted selectors with the arrow work: the operator is the last > or <
	g, err := ParseGate("g", "A->>B: call.p95 > 1.2s", d, false)
	if err != nil || g.Step != "A->>B: call" || g.Quantile != 0.95 || g.Value != 1200 || g.Kind != GateLevel {
		t.Errorf("unquoted selector: %+v, %v", g, err)
	}
}

func FuzzParseGate(f *testing.F) {
	for _, s := range []string{"end_to_end.p99 > +10%", "failed > +0.5pp", `"A->>B: call".p95 > 1.2s`, "#1.failed <= 2%",
		"system_time.p999 >= -50ms", `"\"".p5<1`, "failed>0.02"} {
		f.Add(s)
	}
	d, _ := parser.Parse("g.mmd", []byte(gateDiagram))
	r := gateResult(&testing.T{}, 50, 1, 2, 0.5)
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGate("--fail-on[1]", s, d, true)
		if err != nil {
			if len(srcpos.All(err)) != 1 {
				t.Fatalf("%q: error without a position: %v", s, err)
			}
			return
		}
		JudgeGates([]Gate{g}, r, r)
	})
}

// The JUnit document reads back as JUnit: a suite of SLO verdicts and one
// of gates, counts that add up, a failure per breach and trip.
func TestJUnitRoundTrip(t *testing.T) {
	base := gateResult(t, 2000, 1, 40, 0.5)
	cur := gateResult(t, 2000, 1.2, 56, 0.5)
	cur.SLO = []SLOVerdict{{Target: "end_to_end p99 <= 200ms", Metric: SLOEndToEnd, ObservedMS: 238.8, OK: false},
		{Target: "failed <= 5%", Metric: SLOFailed, Observed: 0.028, OK: true}}
	gs := JudgeGates([]Gate{gate(t, "end_to_end.p99 > +10%", true), gate(t, "failed > +5pp", true), gate(t, `"A->>C: note".p95 > 1s`, true)}, base, cur)
	var b bytes.Buffer
	if err := WriteJUnit(&b, cur, gs); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML header:\n%s", b.String())
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Class   string `xml:"classname,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 5 || doc.Failures != 2 || len(doc.Suites) != 2 {
		t.Fatalf("tests %d failures %d suites %d, want 5, 2, 2:\n%s", doc.Tests, doc.Failures, len(doc.Suites), b.String())
	}
	slo, gates := doc.Suites[0], doc.Suites[1]
	if slo.Name != "slo" || slo.Tests != 2 || slo.Failures != 1 || slo.Cases[0].Failure == nil || slo.Cases[1].Failure != nil {
		t.Errorf("slo suite: %+v", slo)
	}
	if slo.Cases[0].Name != "end_to_end p99 <= 200ms" || !strings.Contains(slo.Cases[0].Failure.Message, "239ms") {
		t.Errorf("slo case: %+v", slo.Cases[0])
	}
	if gates.Name != "gates" || gates.Tests != 3 || gates.Failures != 1 || gates.Skipped != 1 {
		t.Errorf("gates suite: %+v", gates)
	}
	if c := gates.Cases[0]; c.Name != "end_to_end.p99 > +10%" || c.Class != "choreo.gate" || c.Failure == nil || !strings.Contains(c.Failure.Message, "199ms → 239ms") {
		t.Errorf("tripped gate: %+v %+v", c, c.Failure)
	}
	if c := gates.Cases[2]; c.Skipped == nil {
		t.Errorf("gate without data not skipped: %+v", c)
	}
}
