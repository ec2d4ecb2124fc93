package sim

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/parser"
)

const whatIfDiagram = `sequenceDiagram
participant App
participant Billing
participant IdP
App->>Billing: Provision subscription
Billing-->>App: Subscription created
App->>IdP: Create tenant directory
IdP-->>App: Directory provisioned
alt plan type
App->>Billing: Charge pro
else free
App->>Billing: Charge free
end
`

const whatIfProfile = `defaults: {latency: lognormal(median=20ms, p99=100ms)}
messages:
  "App->>Billing: Provision subscription":
    latency: lognormal(median=120ms, p99=900ms)
    fault: {rate: 0.02, kind: timeout}
    timeout: 2s
scenarios:
  billing-down: {messages: {"#1": {fault: {rate: 1, kind: error}}}}
`

func whatIf(t *testing.T, runs int64, scenario string, sets ...string) (*Profile, float64, float64, float64) {
	t.Helper()
	d := parseDiagram(t, "w.mmd", whatIfDiagram)
	p, err := LoadProfile("w.yaml", []byte(whatIfProfile), d, scenario, sets...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Simulate(context.Background(), d, p, Options{Runs: runs, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	failed := float64(res.Outcomes.Failed+res.Outcomes.Inconsistent) / float64(res.Runs)
	return p, res.EndToEnd.P50MS, res.EndToEnd.P99MS, failed
}

// Constant latencies make end_to_end a sum known exactly: 240 + 60 + 15
// + 5 + 7 (the alt's first branch) = 327ms in every run.
func TestSetConstantLatencyExact(t *testing.T) {
	_, p50, p99, failed := whatIf(t, 2000, "",
		"App->>Billing: Provision subscription.latency=240ms",
		"#1.fault.rate=0",
		"#2.latency=60ms",
		`"App->>IdP: Create tenant directory".latency=15ms`,
		"#4.latency=5ms",
		"defaults.latency=7ms",
	)
	// HdrHistogram keeps 3 significant digits: 0.1 %.
	for _, q := range []float64{p50, p99} {
		if math.Abs(q-327) > 0.327 {
			t.Errorf("end_to_end percentile %.3fms, want 327ms exactly (±0.1%% histogram precision)", q)
		}
	}
	if failed != 0 {
		t.Errorf("failed share %g with the fault rate set to 0, want 0", failed)
	}
}

// A fault rate p set on the one step without retries makes the failed
// share a binomial proportion: p ± 4.5σ with σ = √(p(1−p)/n).
func TestSetFaultRateBinomial(t *testing.T) {
	const n, rate = 40000, 0.15
	_, _, _, failed := whatIf(t, n, "", "#1.fault.rate=0.15", "#1.fault.kind=error")
	sigma := math.Sqrt(rate * (1 - rate) / n)
	t.Logf("failed share %.4f, want %.2f ± %.4f (4.5σ)", failed, rate, 4.5*sigma)
	if math.Abs(failed-rate) > 4.5*sigma {
		t.Errorf("failed share %.4f, want %.2f ± %.4f (4.5σ)", failed, rate, 4.5*sigma)
	}
}

// --set is layered over the scenario: the scenario fails #1 always, the
// override removes the fault.
func TestSetOverScenario(t *testing.T) {
	_, _, _, failed := whatIf(t, 1000, "billing-down")
	if failed != 1 {
		t.Fatalf("billing-down alone: failed share %g, want 1", failed)
	}
	_, _, _, failed = whatIf(t, 1000, "billing-down", "#1.fault=null")
	if failed != 0 {
		t.Errorf("billing-down with #1.fault=null: failed share %g, want 0", failed)
	}
}

// A lognormal latency set on the only step with time (the others 0)
// gives end_to_end that lognormal: each percentile must lie between the
// true quantiles at the ranks n·q ± 4.5√(nq(1−q)) (the order statistic's
// binomial bounds), widened by the histogram's 0.1 %.
func TestSetLognormalPercentiles(t *testing.T) {
	const n = 100000
	p, p50, p99, _ := whatIf(t, n, "",
		"App->>Billing: Provision subscription.latency=lognormal(median=240ms, p99=1.8s)",
		"#1.fault=[]", "#1.timeout=0",
		"defaults.latency=0")
	if got := strings.Join(p.Set, " | "); !strings.Contains(got, "lognormal") {
		t.Errorf("Profile.Set = %q", got)
	}
	sigma := (math.Log(1800) - math.Log(240)) / distuv.UnitNormal.Quantile(0.99)
	ln := distuv.LogNormal{Mu: math.Log(240), Sigma: sigma}
	for _, c := range []struct {
		q, got float64
	}{{0.5, p50}, {0.99, p99}} {
		w := 4.5 * math.Sqrt(c.q*(1-c.q)/n)
		lo, hi := ln.Quantile(c.q-w)*0.999, ln.Quantile(c.q+w)*1.001
		t.Logf("p%g = %.1fms, true %.1fms, bounds [%.1f, %.1f]", c.q*100, c.got, ln.Quantile(c.q), lo, hi)
		if c.got < lo || c.got > hi {
			t.Errorf("p%g = %.1fms, want within [%.1f, %.1f]ms", c.q*100, c.got, lo, hi)
		}
	}
}

// Block weights by --set: the first branch's share is its weight.
func TestSetBlockWeights(t *testing.T) {
	d := parseDiagram(t, "w.mmd", whatIfDiagram)
	p, err := LoadProfile("", nil, d, "", "alt plan type.weights=[0.25, 0.75]", "#5.latency=1s", "defaults.latency=0")
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	res, err := Simulate(context.Background(), d, p, Options{Runs: n, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	share := float64(res.Messages[4].Latency.Count) / n
	t.Logf("first branch share %.4f, want 0.25 ± %.4f", share, 4.5*math.Sqrt(0.25*0.75/n))
	if sigma := math.Sqrt(0.25 * 0.75 / n); math.Abs(share-0.25) > 4.5*sigma {
		t.Errorf("first branch share %.4f, want 0.25 ± %.4f", share, 4.5*sigma)
	}
	if got := time.Duration(res.Messages[4].Latency.P50MS * float64(time.Millisecond)); got.Round(time.Millisecond) != time.Second {
		t.Errorf("#5 latency p50 %v, want 1s", got)
	}
}

func TestSetErrors(t *testing.T) {
	d := parseDiagram(t, "w.mmd", whatIfDiagram)
	for _, c := range []struct {
		set, want string
	}{
		{"#1.fualt.rate=0", `--set[1]:1:4: unknown message key "fualt"; did you mean "fault"?`},
		{"#1.fault.rat=0", `--set[1]:1:10: unknown fault key "rat"; did you mean "rate"?`},
		{"App->>Biling: Provision subscription.latency=1s", `--set[1]:1:1: message "App->>Biling: Provision subscription" is not in the diagram; did you mean "App->>Billing: Provision subscription"?`},
		{"#1.latency=lognormal(median=240ms, p99=100ms)", `--set[1]:1:12: lognormal: p99 (100ms) must exceed median (240ms)`},
		{"#1.fault.rate=2", `--set[1]:1:15: rate 2 is outside [0, 1]`},
		{"Biling.adapter=http", `--set[1]:1:1: participant "Biling" is not in the diagram; did you mean "Billing"?`},
		{"#1.latency", `--set[1]:1:11: --set: want SELECTOR.key=value`},
		{"#1=1s", `--set[1]:1:1: --set: want a setting after "#1"`},
		{`"#1.latency=1s`, `--set[1]:1:1: --set: quote not closed`},
		{"alt plan typ.weights=[1, 1]", `--set[1]:1:1: block "alt plan typ"`},
		{"#1.fault={rate: 1", `--set[1]:1:10: --set: YAML:`},
		{"defaults.latncy=1ms", `--set[1]:1:10: unknown defaults key "latncy"; did you mean "latency"?`},
		{"", `--set[1]:1:1: --set: empty`},
	} {
		_, err := LoadProfile("w.yaml", []byte(whatIfProfile), d, "", c.set)
		if err == nil {
			t.Errorf("--set %q: no error, want %q", c.set, c.want)
			continue
		}
		var found *srcpos.Error
		for _, e := range srcpos.All(err) {
			if strings.HasPrefix(e.Error(), c.want) {
				found = e
			}
		}
		if found == nil {
			t.Errorf("--set %q:\n got %v\nwant %s…", c.set, err, c.want)
			continue
		}
		if s := found.Snippet(); c.set != "" && !strings.HasPrefix(s, "  "+c.set) {
			t.Errorf("--set %q: snippet %q does not show the argument", c.set, s)
		}
	}
	// The second of two overrides is --set[2].
	_, err := LoadProfile("w.yaml", []byte(whatIfProfile), d, "", "#1.latency=1s", "#2.timeout=-1s")
	if err == nil || !strings.HasPrefix(err.Error(), "--set[2]:1:12: ") {
		t.Errorf("second --set: got %v", err)
	}
}

func FuzzSet(f *testing.F) {
	for _, s := range []string{
		"#4.fault.rate=0", "App->>Billing: Provision subscription.latency=lognormal(median=240ms, p99=1.8s)",
		`"App->>IdP: Create tenant directory".timeout=2s`, "alt plan type.weights=[0.7, 0.3]", "defaults.actor.latency=1s",
		"slo.end_to_end.p99=2s", `slo."#1".p95=1s`, "#1.fault={rate: 0.1, kind: timeout}", "Billing.adapter=stub", `"a\"b.c=`, "x..y=1",
	} {
		f.Add(s)
	}
	d, err := parserParse(whatIfDiagram)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := LoadProfile("w.yaml", []byte(whatIfProfile), d, "", s)
		if err == nil && p == nil {
			t.Fatal("nil profile without an error")
		}
		for _, e := range srcpos.All(err) {
			if !strings.HasPrefix(e.Pos.File, "--set[1]") && e.Pos.File != "w.yaml" {
				t.Fatalf("error outside the --set: %v", e)
			}
			_ = e.Snippet()
		}
	})
}

func parserParse(src string) (*flow.Diagram, error) { return parser.Parse("w.mmd", []byte(src)) }

// Retries by --set: a step failing with p on each of 3 independent
// attempts fails the run with p³ (0.3³ = 0.027), ± 4.5σ.
func TestSetRetriesCubeOfRate(t *testing.T) {
	const n = 40000
	_, _, _, failed := whatIf(t, n, "", "#1.fault={rate: 0.3, kind: error}", "#1.retry.attempts=3", "#1.retry.backoff=0", "#1.idempotent=true")
	want := 0.3 * 0.3 * 0.3
	sigma := math.Sqrt(want * (1 - want) / n)
	t.Logf("failed share %.4f, want %.4f ± %.4f (4.5σ)", failed, want, 4.5*sigma)
	if math.Abs(failed-want) > 4.5*sigma {
		t.Errorf("failed share %.4f, want %.4f ± %.4f", failed, want, 4.5*sigma)
	}
}

// A latency past the timeout set by --set: every run fails at exactly
// the timeout (1s), the time it waited.
func TestSetTimeoutExact(t *testing.T) {
	_, p50, p99, failed := whatIf(t, 500, "", "#1.latency=3s", "#1.timeout=1s", "#1.fault=[]", "defaults.latency=0")
	if failed != 1 || math.Abs(p50-1000) > 1 || math.Abs(p99-1000) > 1 {
		t.Errorf("failed %g, end_to_end p50 %.1fms p99 %.1fms; want every run failed at 1000ms", failed, p50, p99)
	}
}
