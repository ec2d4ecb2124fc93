package sim

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/report"
)

func drillCase(t *testing.T, res *report.Result, n int, fault string) report.DrillCase {
	t.Helper()
	for _, c := range res.Drill.Cases {
		if c.N == n && c.Fault == fault {
			return c
		}
	}
	t.Fatalf("no case #%d %s", n, fault)
	return report.DrillCase{}
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s %q does not say %q", what, got, w)
		}
	}
}

const branchy = `sequenceDiagram
A->>B: pay
B-->>A: paid
alt standard
  A->>C: ship
  C-->>A: shipped
else express
  A->>D: courier
  D-->>A: booked
end
opt survey
  A-)E: ask
end
`

const branchyProfile = `defaults: {latency: 1ms, timeout: 1s}
blocks:
  "alt standard": {weights: [1, 0]}
  "opt survey": {probability: 0.1}
`

// A fault in a branch no run takes is not reached — not "ok" — and says
// which scenario takes it; pasting that scenario reaches it. A fault in
// a rare opt gets more runs until K of them reached it.
func TestDrillReached(t *testing.T) {
	d := mustParse(t, branchy)
	p := loadYAML(t, d, branchyProfile)
	res, err := Drill(context.Background(), d, p, DrillOptions{Runs: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Drill.MaxRuns != 500 {
		t.Errorf("max runs %d, want 50·K = 500", res.Drill.MaxRuns)
	}
	courier := drillCase(t, res, 5, report.FaultError)
	if courier.Verdict != report.VerdictNotReached || courier.Reached != 0 || courier.Runs != 500 || courier.Finding() {
		t.Errorf("#5 error: verdict %q, reached %d of %d runs, finding %v; want not reached in 500 runs, no finding",
			courier.Verdict, courier.Reached, courier.Runs, courier.Finding())
	}
	mustContain(t, "why", courier.Why, `none of the 500 runs sent #5 A->>D: courier`, `branch "else express"`)
	mustContain(t, "fix", courier.Fix, `scenarios: {reach-5: {blocks: {"alt standard": {weights: [0, 1]}}}}`, "--scenario reach-5")

	ask := drillCase(t, res, 7, report.FaultDrop)
	if ask.Reached < 10 || ask.Runs <= 10 || ask.Runs >= 500 || ask.Verdict != report.VerdictFailed {
		t.Errorf("#7 drop: reached %d of %d runs, verdict %q; want at least 10 reached in more than 10 runs, failed", ask.Reached, ask.Runs, ask.Verdict)
	}
	mustContain(t, "why", ask.Why, "of the", "runs that reached it failed: drop at #7 failed the run", "in its fork")

	ship := drillCase(t, res, 3, report.FaultError)
	if ship.Verdict != report.VerdictFailed || ship.Reached != 10 || ship.Runs != 10 {
		t.Errorf("#3 error: verdict %q, reached %d of %d", ship.Verdict, ship.Reached, ship.Runs)
	}
	mustContain(t, "why", ship.Why, "10 of 10 runs failed: error cascaded #3")
	mustContain(t, "fix", ship.Fix, `{when: "#3 error"}`, `messages: {"A->>C: ship": {expect: [error]}}`)

	// The fix, pasted: the scenario reaches #5.
	scen := courier.Fix[strings.Index(courier.Fix, "scenarios: "):strings.Index(courier.Fix, ", then")]
	q, err := LoadProfile("p.yaml", []byte(branchyProfile+scen+"\n"), d, "reach-5")
	if err != nil {
		t.Fatalf("the fix does not load: %v\n%s", err, scen)
	}
	again, err := Drill(context.Background(), d, q, DrillOptions{Runs: 10, Seed: 1, Only: func(c FaultCase) bool { return c.N == 5 }})
	if err != nil {
		t.Fatal(err)
	}
	if c := drillCase(t, again, 5, report.FaultError); c.Reached != 10 || c.Verdict != report.VerdictFailed {
		t.Errorf("with the scenario, #5 error: reached %d, verdict %q", c.Reached, c.Verdict)
	}
}

// A timeout case that waits out its timeout is over a system_time target
// in every run: a breach even on 20 runs (where p99 is the maximum). The
// fix's shorter timeout, pasted, brings it under.
func TestDrillSLOVerdict(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: call\nB-->>A: ok\n")
	base := `defaults: {latency: 1ms}
messages:
  "A->>B: call": {timeout: 1s, expect: [error, timeout]}
slo:
  system_time: {p99: 500ms}
`
	p := loadYAML(t, d, base)
	res, err := Drill(context.Background(), d, p, DrillOptions{Runs: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := drillCase(t, res, 1, report.FaultTimeout)
	if c.Verdict != report.VerdictSLO || len(c.SLO) != 1 || c.SLO[0].OK || c.SLO[0].Over != 20 || c.SLO[0].Count != 20 {
		t.Fatalf("#1 timeout: verdict %q, slo %+v; want slo, 20 of 20 over", c.Verdict, c.SLO)
	}
	mustContain(t, "why", c.Why, "system_time p99 <= 500ms (observed 1s; 20 of 20 over the limit)")
	mustContain(t, "note", c.SLO[0].Note, "p99 of 20 values is their maximum, but 20 over the limit show the breach")
	mustContain(t, "fix", c.Fix, `messages: {"A->>B: call": {timeout: 499ms}}`)
	if e := drillCase(t, res, 1, report.FaultError); e.Verdict != report.VerdictExpected || !e.SLO[0].OK {
		t.Errorf("#1 error: verdict %q, slo %+v; want expected, within the target", e.Verdict, e.SLO)
	}

	fixed := loadYAML(t, d, strings.Replace(base, "timeout: 1s", "timeout: 499ms", 1))
	res, err = Drill(context.Background(), d, fixed, DrillOptions{Runs: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c := drillCase(t, res, 1, report.FaultTimeout); c.Verdict != report.VerdictExpected {
		t.Errorf("with the fix, #1 timeout: verdict %q (%s)", c.Verdict, c.Why)
	}
}

// One slow value in 20 does not breach a p99: the sample cannot tell;
// five do.
func TestJudgeDrillSmallSample(t *testing.T) {
	target := []report.SLOTarget{{Target: "end_to_end p99 <= 100ms", Metric: report.SLOEndToEnd, Quantile: 0.99, Limit: 100 * time.Millisecond}}
	for _, tc := range []struct {
		slow int
		ok   bool
		note string
	}{
		{0, true, "p99 of 20 values is their maximum (it takes 100 to resolve it)"},
		{1, true, "p99 of 20 values is their maximum; 1 over the limit is too few to show a breach"},
		{5, false, "p99 of 20 values is their maximum, but 5 over the limit show the breach all the same"},
	} {
		h := report.NewHistogram()
		for i := range 20 {
			if i < tc.slow {
				h.Record(2 * time.Second)
			} else {
				h.Record(10 * time.Millisecond)
			}
		}
		v := judgeDrill(target, &report.Result{Histograms: &report.Histograms{EndToEnd: h}})
		if len(v) != 1 || v[0].OK != tc.ok || v[0].Over != int64(tc.slow) || v[0].Note != tc.note {
			t.Errorf("%d slow of 20: %+v; want ok %v, note %q", tc.slow, v, tc.ok, tc.note)
		}
	}
}

func TestBinomTail(t *testing.T) {
	for _, tc := range []struct {
		n, k int64
		p    float64
		want float64
	}{
		{20, 0, 0.01, 1},
		{20, 1, 0.01, 1 - math.Pow(0.99, 20)}, // 0.182
		{20, 2, 0.01, 1 - math.Pow(0.99, 20) - 20*0.01*math.Pow(0.99, 19)}, // 0.0169
		{10, 10, 0.5, math.Pow(0.5, 10)},
	} {
		if got := binomTail(tc.n, tc.k, tc.p); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("P(X >= %d | n=%d, p=%g) = %g, want %g", tc.k, tc.n, tc.p, got, tc.want)
		}
	}
}

// Latency targets over human time are left out of a drill's verdicts
// unless asked for.
func TestDrillHumanTime(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nactor U\nU->>A: order\nA->>B: call\nB-->>A: ok\nA-->>U: done\n")
	p := loadYAML(t, d, `defaults: {latency: 1ms}
messages:
  "A->>B: call": {expect: fails}
slo:
  end_to_end: {p95: 1s}
  system_time: {p95: 1s}
`)
	res, err := Drill(context.Background(), d, p, DrillOptions{Runs: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Drill.NotJudged) != 1 || res.Drill.NotJudged[0] != "end_to_end p95 <= 1s: includes human time (#1); --human-time judges it" {
		t.Errorf("not judged: %q", res.Drill.NotJudged)
	}
	c := drillCase(t, res, 2, report.FaultError)
	if len(c.SLO) != 1 || c.SLO[0].Target != "system_time p95 <= 1s" || c.Verdict != report.VerdictExpected {
		t.Errorf("#2 error: verdict %q, slo %+v; want expected, system_time judged alone", c.Verdict, c.SLO)
	}
	res, err = Drill(context.Background(), d, p, DrillOptions{Runs: 20, Seed: 1, HumanTime: true})
	if err != nil {
		t.Fatal(err)
	}
	c = drillCase(t, res, 2, report.FaultError)
	if len(res.Drill.NotJudged) != 0 || len(c.SLO) != 2 || c.Verdict != report.VerdictSLO {
		t.Errorf("with human time: not judged %q, verdict %q, slo %+v; want both targets, slo (a person's 3s)", res.Drill.NotJudged, c.Verdict, c.SLO)
	}
}

// A rollback whose compensation fails is inconsistent, and the fix
// retries that compensation; a failure a branch handles is handled.
func TestDrillInconsistentAndHandled(t *testing.T) {
	d := mustParse(t, `sequenceDiagram
A->>B: reserve
B-->>A: reserved
A->>C: charge
alt paid
  C-->>A: charged
else declined
  C--xA: declined
end
A->>D: ship
D-->>A: shipped
`)
	p := loadYAML(t, d, `defaults: {latency: 1ms, timeout: 1s}
messages:
  "A->>B: reserve": {compensate: ["A->>B: release"]}
  "A->>B: release": {fault: {rate: 1, kind: error}}
blocks:
  "else declined": {when: "#3 fails"}
`)
	res, err := Drill(context.Background(), d, p, DrillOptions{Runs: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ship := drillCase(t, res, 6, report.FaultError)
	if ship.Verdict != report.VerdictInconsistent || ship.Reached != 20 {
		t.Fatalf("#6 error: verdict %q, reached %d", ship.Verdict, ship.Reached)
	}
	mustContain(t, "why", ship.Why, "20 of 20 runs ended inconsistent: a compensation failed while rolling back after error #6 A->>D: ship")
	mustContain(t, "fix", ship.Fix, `messages: {"A->>B: release": {retry: {attempts: 3, backoff: 500ms}, idempotent: true}}`)
	charge := drillCase(t, res, 3, report.FaultTimeout)
	if charge.Verdict != report.VerdictHandled || charge.Fix != "" || charge.Why != "all 20 runs that reached it ended ok or handled" {
		t.Errorf("#3 timeout: verdict %q, why %q, fix %q", charge.Verdict, charge.Why, charge.Fix)
	}
}

// A failure that an unbound branch after it could handle gets that
// branch as its fix; pasted, the case is handled.
func TestDrillFixBindsABranch(t *testing.T) {
	d := mustParse(t, `sequenceDiagram
A->>B: reserve
B-->>A: reserved
A->>C: charge
alt paid
  C-->>A: charged
else declined
  C--xA: declined
end
`)
	base := "defaults: {latency: 1ms, timeout: 1s}\n"
	res, err := Drill(context.Background(), d, loadYAML(t, d, base), DrillOptions{Runs: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := drillCase(t, res, 3, report.FaultError)
	want := `blocks: {"else declined": {when: "#3 error"}}`
	if c.Verdict != report.VerdictFailed || !strings.Contains(c.Fix, want) {
		t.Fatalf("#3 error: verdict %q, fix %q; want failed, %s", c.Verdict, c.Fix, want)
	}
	res, err = Drill(context.Background(), d, loadYAML(t, d, base+want+"\n"), DrillOptions{Runs: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c := drillCase(t, res, 3, report.FaultError); c.Verdict != report.VerdictHandled {
		t.Errorf("with the fix, #3 error: verdict %q (%s)", c.Verdict, c.Why)
	}
}
