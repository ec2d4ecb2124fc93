package sim

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// A drill's verdicts follow from the flow: a failure a branch handles is
// handled, one the profile expects is expected, an unhandled one is a
// finding, a failing rollback is inconsistent, and a fault inside an
// exchange whose failure a branch handles is pruned.
func TestDrillVerdicts(t *testing.T) {
	d := mustParse(t, `sequenceDiagram
actor User
User->>Shop: order
Shop->>Stock: reserve
Stock-->>Shop: reserved
Shop->>Pay: charge
Pay->>Bank: authorize
Bank-->>Pay: ok
alt paid
  Pay-->>Shop: paid
else declined
  Pay--xShop: declined
end
Shop-)Mail: receipt
Shop-->>User: done
`)
	p := testProfile(d, Constant(10*time.Millisecond))
	for _, s := range p.Messages[1:] {
		s.Timeout = time.Second // the user (#1) waits as long as it takes
	}
	alt := d.Statements[6].(*flow.Block)
	p.Blocks[alt] = &BlockSettings{When: []*When{nil, {N: 4, Fault: "fails"}}}
	release := &flow.Message{N: 13, From: "Shop", To: "Stock", Arrow: flow.ArrowSolid, Text: "release"}
	cs := &Compensation{Selector: release.Selector(), Message: release, Settings: &Settings{
		Latency: Constant(time.Millisecond), Retry: Retry{Attempts: 1}, Faults: []Fault{{Rate: 1, Kind: report.FaultError}}}}
	p.Extra = []*Compensation{cs}
	p.Messages[1].Compensate = []*Compensation{cs} // reserve is rolled back by a release that always fails
	p.Messages[1].Expect = []string{"fails"}

	plan := PlanDrill(d, p)
	var cases []FaultCase
	cases = append(cases, plan.Cases...)
	want := []FaultCase{{2, "error"}, {2, "timeout"}, {4, "error"}, {4, "timeout"}, {9, "drop"}}
	if len(cases) != len(want) {
		t.Fatalf("cases %v, want %v", cases, want)
	}
	for i := range want {
		if cases[i] != want[i] {
			t.Errorf("case %d = %v, want %v", i, cases[i], want[i])
		}
	}
	// Pay->>Bank cascades into Pay's charge, whose failure a branch handles
	if len(plan.Pruned) != 2 || plan.Pruned[0].N != 5 || plan.Pruned[0].CoveredBy != 4 {
		t.Errorf("pruned %+v", plan.Pruned)
	}
	res, err := Drill(context.Background(), d, p, DrillOptions{Runs: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[FaultCase]string{}
	for _, c := range res.Drill.Cases {
		verdicts[FaultCase{c.N, c.Fault}] = c.Verdict
		if c.Runs != 20 {
			t.Errorf("case %d %s ran %d runs", c.N, c.Fault, c.Runs)
		}
	}
	for c, v := range map[FaultCase]string{
		{2, "error"}:   report.VerdictExpected, // nothing done before: nothing to roll back
		{4, "error"}:   report.VerdictHandled,  // the declined branch
		{4, "timeout"}: report.VerdictHandled,
		{9, "drop"}:    report.VerdictFailed, // the receipt is lost in its fork: the run fails, the user never sees it, reserve is not rolled back
	} {
		if verdicts[c] != v {
			t.Errorf("case %v: verdict %q, want %q", c, verdicts[c], v)
		}
	}
	// the timeout case fails at exactly the timeout
	for _, c := range res.Drill.Cases {
		if c.N == 2 && c.Fault == "timeout" && (c.TimeToFailure.MinMS != 1010 || c.TimeToFailure.MaxMS != 1010) {
			t.Errorf("time to failure %+v, want 10ms + the 1s timeout", c.TimeToFailure)
		}
	}
}

// One case run alone (Only) replays exactly what it did in the sweep: the
// same seed and run numbers, so the same outcomes and times.
func TestDrillOneCaseReplaysTheSweep(t *testing.T) {
	d := mustParse(t, seed)
	p := loadYAML(t, d, `defaults: {latency: lognormal(median=20ms, p99=200ms), timeout: 1s, retry: {attempts: 2}}
messages:
  "#2": {compensate: ["App->>Billing: Cancel subscription"]}
  "App->>Billing: Cancel subscription": {fault: {rate: 0.3, kind: error}}
`)
	all, err := Drill(context.Background(), d, p, DrillOptions{Runs: 50, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range all.Drill.Cases {
		one, err := Drill(context.Background(), d, p, DrillOptions{Runs: 50, Seed: 4, Only: func(c FaultCase) bool {
			return c.N == want.N && c.Fault == want.Fault
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(one.Drill.Cases) != 1 {
			t.Fatalf("#%d %s alone: %d cases", want.N, want.Fault, len(one.Drill.Cases))
		}
		if diff := cmp.Diff(want, one.Drill.Cases[0]); diff != "" {
			t.Errorf("#%d %s alone differs from the sweep (-sweep +alone):\n%s", want.N, want.Fault, diff)
		}
	}
}

// A case whose runs fail before they reach the injected fault says where
// they failed: a system that fails on its own shows in every later case.
func TestDrillCaseRootElsewhere(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: one\nB-->>A: ok\nA->>C: two\nC-->>A: ok\n")
	p := loadYAML(t, d, `defaults: {latency: 1ms}
messages:
  "#1": {fault: {rate: 1, kind: error}}
`)
	res, err := Drill(context.Background(), d, p, DrillOptions{Runs: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Drill.Cases {
		switch {
		case c.N == 1 && c.Fault == report.FaultError && c.Root != nil:
			t.Errorf("#1 error: root %+v, want none (the injected fault is the root)", c.Root)
		case c.N == 3 && (c.Root == nil || c.Root.N != 1 || c.Root.Fault != report.FaultError):
			t.Errorf("#3 %s: root %+v, want #1 error", c.Fault, c.Root)
		}
	}
}
