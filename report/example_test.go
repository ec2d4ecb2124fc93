package report_test

import (
	"fmt"
	"os"
	"time"

	"github.com/choreo-dev/choreo/report"
)

func ExampleHistogram() {
	h := report.NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	// Percentiles are within 0.1% of the exact ones (500, 990, 999);
	// the mean, min and max are exact.
	s := h.Stats()
	fmt.Printf("n=%d mean=%.1fms p50=%.1fms p99=%.1fms max=%.0fms q0.999=%v\n",
		h.Count(), s.MeanMS, s.P50MS, s.P99MS, s.MaxMS, h.Quantile(0.999).Round(time.Millisecond))
	// Output: n=1000 mean=500.5ms p50=500.2ms p99=990.4ms max=1000ms q0.999=999ms
}

func ExampleWriteText() {
	h := report.NewHistogram()
	for i := 1; i <= 100; i++ {
		h.Record(time.Duration(i) * 10 * time.Millisecond)
	}
	r := &report.Result{
		Source: "sim", Diagram: "login.mmd", Runs: 100, Seed: 7, ElapsedMS: 3,
		Outcomes: report.Outcomes{OK: 98, Failed: 2},
		EndToEnd: h.Stats(),
		SLO:      []report.SLOVerdict{{Target: "end_to_end p95 <= 1s", ObservedMS: h.Stats().P95MS, OK: true}},
	}
	if err := report.WriteText(os.Stdout, r, report.TextOptions{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// login.mmd: simulation, 100 runs, seed 7
	// took 3.00ms
	//
	// Outcomes        runs  share
	//   ok              98  98.0%
	//   handled          0     0%
	//   failed           2   2.0%
	//   inconsistent     0     0%
	//   (handled: a drawn error, bound branch or break took the failure; failed: unhandled; inconsistent: rollback failed)
	//
	// Run time       runs   mean    p50    p90    p95    p99  p99.9    max  p50…max
	//   end_to_end    100  505ms  500ms  900ms  950ms  990ms  1.00s  1.00s  ▅█████
	//   completion      0      -      -      -      -      -      -      -
	//   system_time     0      -      -      -      -      -      -      -
	//   (every run counted, failed ones until they failed; completion waits for async forks, system_time leaves out actors)
	//
	// SLO
	//   ✓  end_to_end p95 <= 1s  950ms
	//   (✓ held, ✗ breached; each target with the value observed)
}
