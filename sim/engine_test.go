package sim

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
)

// These tests check the simulator against results known from probability
// theory, not against its own earlier output. Tolerances come from the
// number of runs: a share p estimated from n runs has standard error
// sqrt(p(1-p)/n); the sample median of an exponential with mean m has
// standard error m/sqrt(n) (1/(2 f(median) sqrt(n)) with f(median) =
// 1/(2m)). We allow 4.5 standard errors (a false alarm about once in
// 150,000 runs of the test) plus the histogram's 0.1% relative error.

const nRuns = 100_000

func mustParse(t *testing.T, src string) *flow.Diagram {
	t.Helper()
	d, err := parser.Parse("t.mmd", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testProfile gives every message the latency lat and no faults.
func testProfile(d *flow.Diagram, lat Latency) *Profile {
	p := &Profile{Blocks: map[*flow.Block]*BlockSettings{}}
	for range d.Messages() {
		p.Messages = append(p.Messages, &Settings{Latency: lat, Retry: Retry{Attempts: 1, Multiplier: 2, Jitter: JitterFull}})
	}
	return p
}

func simulate(t *testing.T, d *flow.Diagram, p *Profile, runs int64) *report.Result {
	t.Helper()
	res, err := Simulate(context.Background(), d, p, Options{Runs: runs, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func msOf(d time.Duration) float64 { return float64(d) / 1e6 }

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g ± %.3g", what, got, want, tol)
	}
}

func shareTol(p float64, n int64) float64 { return 4.5*math.Sqrt(p*(1-p)/float64(n)) + 1e-9 }

const seed = `sequenceDiagram
actor Admin
participant App as SaaS App
participant Billing
participant IdP as Identity Provider
participant Email
Admin->>App: Create new account
App->>Billing: Provision subscription
Billing-->>App: Subscription created
App->>IdP: Create tenant directory
IdP-->>App: Directory provisioned
App->>IdP: Invite first admin
IdP->>Email: Send invite link
Email-->>IdP: Sent
Admin->>IdP: Accept invite
IdP->>App: Set up workspace
App-->>Admin: Account ready
`

// Constant latencies add up exactly: the seed flow is one timeline of 11
// messages.
func TestConstantLatenciesSum(t *testing.T) {
	d := mustParse(t, seed)
	p := testProfile(d, Constant(10*time.Millisecond))
	p.Messages[8].Latency = Constant(2 * time.Second) // Admin->>IdP: Accept invite (human time)
	res := simulate(t, d, p, 1000)
	want := 10*10 + 2000.0
	for _, s := range []report.Stats{res.EndToEnd, res.Completion} {
		if s.MinMS != want || s.MaxMS != want || s.P50MS != want {
			t.Errorf("stats %+v, want every value %v ms", s, want)
		}
	}
	// system time leaves out what the actor sends: #1 and #9
	if got := res.SystemTime.P50MS; got != want-10-2000 {
		t.Errorf("system time p50 = %v, want %v", got, want-10-2000)
	}
	if res.Outcomes.OK != 1000 {
		t.Errorf("outcomes %+v", res.Outcomes)
	}
	// the exchange #1/#11 spans the whole flow
	if ex := res.Exchanges[0]; ex.Request != 1 || ex.Reply != 11 || ex.Duration.P50MS != want {
		t.Errorf("exchange #1 = %+v", ex)
	}
}

// The median of an exponential with mean m is m·ln 2.
func TestEngineExponentialMedian(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: call\n")
	m := 100 * time.Millisecond
	p := testProfile(d, Exponential{Mean: m})
	res := simulate(t, d, p, nRuns)
	want := msOf(m) * math.Ln2
	tol := 4.5*msOf(m)/math.Sqrt(nRuns) + want*0.001
	near(t, "p50", res.EndToEnd.P50MS, want, tol)
	// and the p99 is m·ln 100; its standard error is sqrt(p(1-p)/n)/f(q) = m·sqrt(.99·.01·n)/(.01·n)
	want99 := msOf(m) * math.Log(100)
	tol99 := 4.5*msOf(m)*math.Sqrt(0.99*0.01/nRuns)/0.01 + want99*0.001
	near(t, "p99", res.EndToEnd.P99MS, want99, tol99)
}

// With failure rate p and k attempts, a call fails in p^k of the runs.
func TestRetriesFailureShare(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: call\nB-->>A: done\n")
	for _, k := range []int{1, 2, 3} {
		p := testProfile(d, Constant(time.Millisecond))
		p.Messages[0].Faults = []Fault{{Rate: 0.3, Kind: report.FaultError}}
		p.Messages[0].Retry = Retry{Attempts: k, Backoff: 10 * time.Millisecond, Multiplier: 2, Jitter: JitterNone}
		res := simulate(t, d, p, nRuns)
		want := math.Pow(0.3, float64(k))
		got := float64(res.Outcomes.Failed) / float64(res.Runs)
		near(t, "failed share", got, want, shareTol(want, nRuns))
		// a run that needed exactly j retries took j·1ms + backoffs 10, 20 ms… + 2ms
		if k == 3 {
			if res.EndToEnd.MinMS != 2 {
				t.Errorf("fastest run %v ms, want 2", res.EndToEnd.MinMS)
			}
			if c := res.Cascades; len(c) != 1 || c[0].Root.N != 1 || c[0].Root.Fault != "error" || c[0].Chain[0] != 1 {
				t.Errorf("cascades %+v", c)
			}
			// all failed runs fail after 3 attempts: 1 + 10 + 1 + 20 + 1 = 33 ms
			if ttf := res.Cascades[0].TimeToFailure; ttf.MinMS != 33 || ttf.MaxMS != 33 {
				t.Errorf("time to failure %+v, want 33ms", ttf)
			}
		}
	}
}

// A par block ends when its last branch ends: E[max(X, Y)] for
// independent exponentials with means a and b is a + b − ab/(a+b).
func TestParEndsAtMax(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\npar one\nA->>B: x\nand two\nA->>C: y\nend\n")
	p := testProfile(d, Exponential{Mean: 100 * time.Millisecond})
	p.Messages[1].Latency = Exponential{Mean: 300 * time.Millisecond}
	res := simulate(t, d, p, nRuns)
	a, b := 100.0, 300.0
	want := a + b - a*b/(a+b)
	// sd of the max is below sqrt(a² + b²)
	tol := 4.5*math.Sqrt(a*a+b*b)/math.Sqrt(nRuns) + want*0.001
	near(t, "mean end_to_end", res.EndToEnd.MeanMS, want, tol)
	// constants: exactly the longest branch
	p = testProfile(d, Constant(5*time.Millisecond))
	p.Messages[1].Latency = Constant(8 * time.Millisecond)
	if got := simulate(t, d, p, 10).EndToEnd.MaxMS; got != 8 {
		t.Errorf("par of 5ms and 8ms ends at %v ms", got)
	}
}

// A timeout bounds each attempt: with exponential latency of mean m and a
// timeout T, an attempt times out with probability e^(-T/m), and the
// caller sees the failure at exactly T.
func TestTimeouts(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: call\nB-->>A: done\n")
	p := testProfile(d, Exponential{Mean: 100 * time.Millisecond})
	p.Messages[1].Latency = Constant(0)
	p.Messages[0].Timeout = 200 * time.Millisecond
	res := simulate(t, d, p, nRuns)
	want := math.Exp(-2)
	got := float64(res.Outcomes.Failed) / float64(res.Runs)
	near(t, "timeout share", got, want, shareTol(want, nRuns))
	if res.EndToEnd.MaxMS != 200 {
		t.Errorf("max end_to_end %v ms, want the timeout 200", res.EndToEnd.MaxMS)
	}
	if c := res.Cascades[0]; c.Root.Fault != "timeout" || c.TimeToFailure.MinMS != 200 {
		t.Errorf("cascade %+v", c)
	}
	// the timeout bounds the nested work too: the callee's slow call is
	// abandoned and the caller fails at its own timeout
	d = mustParse(t, "sequenceDiagram\nA->>B: call\nB->>C: slow\nC-->>B: ok\nB-->>A: done\n")
	p = testProfile(d, Constant(10*time.Millisecond))
	p.Messages[1].Latency = Constant(time.Second)
	p.Messages[0].Timeout = 300 * time.Millisecond
	res = simulate(t, d, p, 100)
	if res.Outcomes.Failed != 100 || res.EndToEnd.MaxMS != 300 || res.Cascades[0].Root.N != 1 {
		t.Errorf("nested timeout: outcomes %+v e2e %+v cascades %+v", res.Outcomes, res.EndToEnd, res.Cascades)
	}
	if res.Completion.MaxMS != 300 {
		t.Errorf("abandoned work counted in completion: %v ms", res.Completion.MaxMS)
	}
}

// A loop runs its body the drawn number of times: uniform(1, 5) has mean 3.
func TestLoops(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nloop poll\nA->>B: status\nend\n")
	p := testProfile(d, Constant(10*time.Millisecond))
	blk := d.Statements[0].(*flow.Block)
	p.Blocks[blk] = &BlockSettings{Iterations: ConstCount(3)}
	if got := simulate(t, d, p, 10).EndToEnd.MaxMS; got != 30 {
		t.Errorf("3 iterations of 10ms = %v ms", got)
	}
	p.Blocks[blk] = &BlockSettings{Iterations: UniformCount{Min: 1, Max: 5}}
	res := simulate(t, d, p, nRuns)
	// sd of uniform{1..5} is sqrt(2) iterations = 14.1 ms
	near(t, "mean", res.EndToEnd.MeanMS, 30, 4.5*14.14/math.Sqrt(nRuns)+0.03)
	if res.EndToEnd.MinMS != 10 || res.EndToEnd.MaxMS != 50 {
		t.Errorf("range %v..%v ms, want 10..50", res.EndToEnd.MinMS, res.EndToEnd.MaxMS)
	}
	// a loop stops at its first failed iteration: P(all 3 succeed) = 0.9³
	p.Blocks[blk] = &BlockSettings{Iterations: ConstCount(3)}
	p.Messages[0].Faults = []Fault{{Rate: 0.1, Kind: report.FaultError}}
	res = simulate(t, d, p, nRuns)
	want := 1 - math.Pow(0.9, 3)
	near(t, "failed share", float64(res.Outcomes.Failed)/nRuns, want, shareTol(want, nRuns))
	// attempts sent: 1 + 0.9 + 0.81 per run
	near(t, "sends per run", float64(res.Messages[0].Latency.Count)/nRuns, 1+0.9+0.81, 4.5*0.8/math.Sqrt(nRuns))
}

// end_to_end ends with the main timeline; completion waits for async
// forks.
func TestAsyncEndToEndVersusCompletion(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: order\nB-)C: send receipt\nC->>D: deliver\nB-->>A: placed\n")
	p := testProfile(d, Constant(10*time.Millisecond))
	p.Messages[1].Latency = Constant(50 * time.Millisecond)
	p.Messages[2].Latency = Constant(100 * time.Millisecond)
	res := simulate(t, d, p, 10)
	// main: order 10 + placed 10; fork: 10 + 50 + 100
	if res.EndToEnd.MaxMS != 20 || res.Completion.MaxMS != 160 {
		t.Errorf("end_to_end %v, completion %v; want 20 and 160", res.EndToEnd.MaxMS, res.Completion.MaxMS)
	}
	// a fork's failure fails the run but not the main timeline
	p.Messages[2].Faults = []Fault{{Rate: 1, Kind: report.FaultError}}
	res = simulate(t, d, p, 10)
	if res.Outcomes.Failed != 10 || res.EndToEnd.MaxMS != 20 {
		t.Errorf("fork failure: outcomes %+v, end_to_end %v", res.Outcomes, res.EndToEnd.MaxMS)
	}
	// a dropped async message drops its fork: nothing fails, completion is the main timeline
	p.Messages[2].Faults = nil
	p.Messages[1].Faults = []Fault{{Rate: 1, Kind: report.FaultDrop}}
	res = simulate(t, d, p, 10)
	if res.Messages[2].Latency.Count != 0 {
		t.Errorf("the dropped fork ran: %+v", res.Messages[2])
	}
}

// Compensations run in reverse order when a later step fails; a failing
// compensation leaves the run inconsistent: share p·c.
func TestCompensation(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: reserve\nB-->>A: ok\nA->>C: charge\nC-->>A: ok\n")
	p := testProfile(d, Constant(10*time.Millisecond))
	cancel := &flow.Message{N: 5, From: "A", To: "B", Arrow: flow.ArrowSolid, Text: "release"}
	cs := &Compensation{Selector: cancel.Selector(), Message: cancel, Settings: &Settings{
		Latency: Constant(5 * time.Millisecond), Retry: Retry{Attempts: 1},
		Faults: []Fault{{Rate: 0.25, Kind: report.FaultError}},
	}}
	p.Extra = []*Compensation{cs}
	p.Messages[0].Compensate = []*Compensation{cs}
	p.Messages[2].Faults = []Fault{{Rate: 0.2, Kind: report.FaultError}}
	res := simulate(t, d, p, nRuns)
	pf, pc := 0.2, 0.25
	near(t, "inconsistent share", float64(res.Outcomes.Inconsistent)/nRuns, pf*pc, shareTol(pf*pc, nRuns))
	near(t, "failed share", float64(res.Outcomes.Failed)/nRuns, pf*(1-pc), shareTol(pf*(1-pc), nRuns))
	if len(res.Messages) != 5 || res.Messages[4].Selector != "A->>B: release" {
		t.Fatalf("messages %+v", res.Messages)
	}
	c := res.Cascades[0]
	if c.TimeToFailure.MinMS != 30 || c.TimeToFailure.MaxMS != 30 {
		t.Errorf("time to failure %+v, want 30ms", c.TimeToFailure)
	}
	if c.Root.N != 3 || c.Chain[0] != 3 || c.Compensated+c.Inconsistent != c.Runs {
		t.Errorf("cascade %+v", c)
	}
	// the compensation starts when the failure is seen: 10+10 (reserve),
	// 10 (charge fails), then 5; end_to_end stops at the failure
	p.Messages[2].Faults = []Fault{{Rate: 1, Kind: report.FaultError}}
	cs.Settings.Faults = nil
	res = simulate(t, d, p, 10)
	if res.Completion.MaxMS != 35 || res.EndToEnd.MaxMS != 30 || res.Outcomes.Failed != 10 || res.Cascades[0].Compensated != 10 {
		t.Errorf("completion %v, end_to_end %v, outcomes %+v", res.Completion.MaxMS, res.EndToEnd.MaxMS, res.Outcomes)
	}
}

// The weights of an alt choose among its unbound branches.
// (TestSemanticsReplyInBranches covers a branch bound to a failure.)
func TestAltWeights(t *testing.T) {
	// weights: 70/30 between two unbound branches
	d := mustParse(t, "sequenceDiagram\nalt plan a\nA->>B: a\nelse plan b\nA->>C: b\nend\n")
	p := testProfile(d, Constant(time.Millisecond))
	p.Blocks[d.Statements[0].(*flow.Block)] = &BlockSettings{Weights: []float64{0.7, 0.3}}
	res := simulate(t, d, p, nRuns)
	near(t, "branch a share", float64(res.Messages[0].Latency.Count)/nRuns, 0.7, shareTol(0.7, nRuns))
}

// The same seed gives the same result whatever the number of workers.
func TestDeterminism(t *testing.T) {
	d := mustParse(t, seed)
	p := testProfile(d, Exponential{Mean: 50 * time.Millisecond})
	p.Messages[1].Faults = []Fault{{Rate: 0.05, Kind: report.FaultError}}
	p.Messages[3].Faults = []Fault{{Rate: 0.02, Kind: report.FaultTimeout}}
	p.Messages[3].Timeout = time.Second
	p.Messages[6].Retry = Retry{Attempts: 3, Backoff: 100 * time.Millisecond, Multiplier: 2, Jitter: JitterFull}
	p.Messages[6].Faults = []Fault{{Rate: 0.2, Kind: report.FaultError}}
	var first []byte
	for _, w := range []int{1, 2, 3, 7} {
		res, err := Simulate(context.Background(), d, p, Options{Runs: 50_000, Seed: 9, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		res.ElapsedMS = 0
		b, _ := json.Marshal(res)
		if first == nil {
			first = b
		} else if string(b) != string(first) {
			t.Fatalf("workers=%d gives another result", w)
		}
	}
	res, _ := Simulate(context.Background(), d, p, Options{Runs: 50_000, Seed: 10})
	res.ElapsedMS = 0
	if b, _ := json.Marshal(res); string(b) == string(first) {
		t.Error("another seed gives the same result")
	}
}

// Shards of a run set add up to the whole.
func TestShardsMerge(t *testing.T) {
	d := mustParse(t, seed)
	p := testProfile(d, Exponential{Mean: 50 * time.Millisecond})
	p.Messages[1].Faults = []Fault{{Rate: 0.05, Kind: report.FaultError}}
	whole, _ := Simulate(context.Background(), d, p, Options{Runs: 20_000, Seed: 3})
	a, _ := Simulate(context.Background(), d, p, Options{Runs: 20_000, Seed: 3, First: 0, Count: 12_000})
	b, _ := Simulate(context.Background(), d, p, Options{Runs: 20_000, Seed: 3, First: 12_000, Count: 8_000})
	if a.Runs+b.Runs != whole.Runs || a.Outcomes.Failed+b.Outcomes.Failed != whole.Outcomes.Failed {
		t.Errorf("shards %d+%d runs, %d+%d failed; whole %d, %d", a.Runs, b.Runs, a.Outcomes.Failed, b.Outcomes.Failed, whole.Runs, whole.Outcomes.Failed)
	}
}

// Cancelling keeps the runs done, marked partial.
func TestCancelKeepsPartialResult(t *testing.T) {
	d := mustParse(t, seed)
	p := testProfile(d, Constant(time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	var res *report.Result
	var err error
	res, err = Simulate(ctx, d, p, Options{Runs: 1 << 40, Seed: 1, Progress: func(done int64) {
		if done > 100_000 {
			cancel()
		}
	}})
	if err == nil || res == nil || !res.Partial || res.Runs < 100_000 || res.Runs != res.Outcomes.Total() {
		t.Fatalf("err %v, partial %v, runs %d", err, res != nil && res.Partial, res.Runs)
	}
}

func TestSLOVerdicts(t *testing.T) {
	d := mustParse(t, "sequenceDiagram\nA->>B: call\n")
	p := testProfile(d, Constant(100*time.Millisecond))
	p.Messages[0].Faults = []Fault{{Rate: 0.5, Kind: report.FaultError}}
	p.SLO = []report.SLOTarget{
		{Target: "end_to_end p95 <= 150ms", Metric: report.SLOEndToEnd, Quantile: 0.95, Limit: 150 * time.Millisecond},
		{Target: "end_to_end p95 <= 50ms", Metric: report.SLOEndToEnd, Quantile: 0.95, Limit: 50 * time.Millisecond},
		{Target: "failed <= 1%", Metric: report.SLOFailed, Share: 0.01},
	}
	res := simulate(t, d, p, 1000)
	if !res.SLO[0].OK || res.SLO[1].OK || res.SLO[2].OK || res.SLO[0].ObservedMS != 100 {
		t.Errorf("verdicts %+v", res.SLO)
	}
}

func TestRunAllocatesNothing(t *testing.T) {
	d := mustParse(t, seed)
	p := testProfile(d, logNormalP(20*time.Millisecond, 0.99, 100*time.Millisecond))
	pl := compile(d, p)
	x := newRunner(pl, newCollector(pl))
	i := int64(0)
	if a := testing.AllocsPerRun(1000, func() { x.run(1, i, false); i++ }); a != 0 {
		t.Errorf("a run allocates %v times", a)
	}
}
