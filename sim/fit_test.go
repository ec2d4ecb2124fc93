package sim

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/internal/testdiagram"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
)

// fitTestResult builds a trace check's result for the provisioning diagram
// whose fit data has message 7 (IdP->>Email: Send invite link) drawn from
// lognormal(median=800ms, p99=12s), timed out by its 20s limit where the
// latency passed it, failing by error at 3% per attempt, retried once.
func fitTestResult(t *testing.T) (*report.Result, string) {
	d, _ := testdiagram.Read(t, "../testdata/provisioning.mmd")
	msgs := d.Messages()
	res := &report.Result{Version: report.Version, Source: "trace", Runs: 20000,
		Histograms: &report.Histograms{}, Fit: &report.FitData{}}
	for i, m := range msgs {
		res.Messages = append(res.Messages, report.MessageStats{N: i + 1, Selector: m.Selector()})
		res.Histograms.Messages = append(res.Histograms.Messages, report.NewHistogram())
		res.Fit.Messages = append(res.Fit.Messages, report.FitMessage{N: i + 1})
	}
	lat := logNormalP(800*time.Millisecond, 0.99, 12*time.Second)
	r := rand.New(rand.NewPCG(5, 5))
	fm := &res.Fit.Messages[6]
	fm.Latency, fm.GaveUp, fm.RetryWait = report.NewHistogram(), report.NewHistogram(), report.NewHistogram()
	for range 20000 {
		fm.Attempts++
		switch l := lat.Sample(r); {
		case r.Float64() < 0.03:
			fm.Faults.Error++
			fm.RetryWait.Record(time.Duration(r.Float64() * float64(time.Second)))
		case l > 20*time.Second:
			fm.Faults.Timeout++
			fm.GaveUp.Record(20 * time.Second)
		default:
			fm.Latency.Record(l)
		}
	}
	fm.Calls, fm.Retried, fm.MaxAttempts = 19400, 600, 2
	data, err := FitProfile(d, res)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadProfile("fitted.yaml", data, d, ""); err != nil {
		t.Fatalf("the fitted profile does not load: %v\n%s", err, data)
	}
	return res, string(data)
}

// TestFitProfileTimeouts: timeouts that the fitted latency makes by
// itself once the timeout is set are not injected again. P(latency > 20s)
// is 0.28% for this lognormal (σ = ln 15 / 2.326 = 1.164, z = ln 25 / σ
// = 2.77): about 56 of 20,000 attempts, the number observed within its
// Poisson error (±7.5), so none are left to inject.
func TestFitProfileTimeouts(t *testing.T) {
	res, y := fitTestResult(t)
	fm := res.Fit.Messages[6]
	if fm.Faults.Timeout < 35 || fm.Faults.Timeout > 80 {
		t.Fatalf("%d timeouts drawn, want about 56", fm.Faults.Timeout)
	}
	entry := y[strings.Index(y, `"IdP->>Email: Send invite link":`):]
	entry = entry[:strings.Index(entry, "\n  #")]
	for _, want := range []string{"latency: lognormal(", "kind: error}", "timeout: 20s   # callers gave up", "expected from the latency alone", "retry: {attempts: 2, backoff: ", "jitter: full}"} {
		if !strings.Contains(entry, want) {
			t.Errorf("entry lacks %q:\n%s", want, entry)
		}
	}
	if strings.Contains(entry, "kind: timeout") {
		t.Errorf("timeouts injected on top of the latency's own:\n%s", entry)
	}
}

// TestFitProfileBlocks: an alt whose first branch ran only after the
// same failure is bound to it, with the weights of the others in the same
// entry; opt and break probabilities; loop iterations.
func TestFitProfileBlocks(t *testing.T) {
	d, err := parser.Parse("blocks.mmd", []byte(`sequenceDiagram
A->>B: pay
B-->>A: paid
alt pay failed
  A->>B: notify
else card
  A->>B: ship card
else wallet
  A->>B: ship wallet
end
opt upsell
  A->>B: offer
end
loop poll
  A->>B: status
end
break sold out
  A->>B: sorry
end
`))
	if err != nil {
		t.Fatal(err)
	}
	res := &report.Result{Version: report.Version, Source: "trace", Runs: 1000,
		Histograms: &report.Histograms{}, Fit: &report.FitData{}}
	for i, m := range d.Messages() {
		res.Messages = append(res.Messages, report.MessageStats{N: i + 1, Selector: m.Selector()})
		res.Histograms.Messages = append(res.Histograms.Messages, report.NewHistogram())
		res.Fit.Messages = append(res.Fit.Messages, report.FitMessage{N: i + 1})
	}
	res.Fit.Blocks = []report.FitBlock{
		{Key: "alt pay failed", Keys: []string{"alt pay failed", "else card", "else wallet"}, Kind: "alt",
			Reached: 1000, Taken: []int64{100, 630, 270}, Failed: []int64{100, 0, 0}, FailedBy: []int{1, 0, 0}},
		{Key: "opt upsell", Keys: []string{"opt upsell"}, Kind: "opt", Reached: 900, Taken: []int64{270}},
		{Key: "loop poll", Keys: []string{"loop poll"}, Kind: "loop", Reached: 900, Taken: []int64{900},
			Iterations: map[int]int64{2: 300, 3: 310, 4: 290}},
		{Key: "break sold out", Keys: []string{"break sold out"}, Kind: "break", Reached: 900, Taken: []int64{45}},
	}
	data, err := FitProfile(d, res)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadProfile("fitted.yaml", data, d, ""); err != nil {
		t.Fatalf("the fitted profile does not load: %v\n%s", err, data)
	}
	y := string(data)
	for _, want := range []string{
		`"alt pay failed": {when: "#1 fails", weights: [0, 630, 270]}`,
		`"opt upsell": {probability: 0.3}`,
		`"loop poll": {iterations: "uniform(2, 4)"}`,
		`"break sold out": {probability: 0.05}`,
	} {
		if !strings.Contains(y, want) {
			t.Errorf("profile lacks %s:\n%s", want, y)
		}
	}
}

// TestFitProfileGaveUpOnce: a single give-up reads "once", not "1 times".
func TestFitProfileGaveUpOnce(t *testing.T) {
	d, _ := testdiagram.Read(t, "../testdata/provisioning.mmd")
	res := &report.Result{Version: report.Version, Source: "trace", Runs: 100,
		Histograms: &report.Histograms{}, Fit: &report.FitData{}}
	for i, m := range d.Messages() {
		res.Messages = append(res.Messages, report.MessageStats{N: i + 1, Selector: m.Selector()})
		res.Histograms.Messages = append(res.Histograms.Messages, report.NewHistogram())
		res.Fit.Messages = append(res.Fit.Messages, report.FitMessage{N: i + 1})
	}
	fm := &res.Fit.Messages[1]
	fm.Latency, fm.GaveUp = report.NewHistogram(), report.NewHistogram()
	for i := range 100 {
		fm.Attempts++
		fm.Latency.Record(time.Duration(100+i) * time.Millisecond)
	}
	fm.Attempts++
	fm.Faults.Timeout++
	fm.GaveUp.Record(2 * time.Second)
	fm.Calls = 101
	data, err := FitProfile(d, res)
	if err != nil {
		t.Fatal(err)
	}
	if y := string(data); !strings.Contains(y, "timeout: 2s   # callers gave up once\n") {
		t.Errorf("want \"gave up once\":\n%s", y)
	}
}
