package sim_test

import (
	"context"
	"fmt"

	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/sim"
)

// A decision drawn the usual way, with constant latencies: the reply at
// the top of each branch ends the exchange, so the 1s shipment is not
// inside Authorize's 1s timeout.
func ExampleSimulate() {
	d, err := parser.Parse("checkout.mmd", []byte(`sequenceDiagram
Shop->>Payments: Authorize card
alt authorized
    Payments-->>Shop: Authorized
    Shop->>Shipping: Create shipment
    Shipping-->>Shop: Shipment created
else declined
    Payments-->>Shop: Declined
end
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := sim.LoadProfile("checkout.yaml", []byte(`defaults: {latency: 100ms}
messages:
  "Shop->>Payments: Authorize card": {timeout: 1s}
  "Shop->>Shipping: Create shipment": {latency: 1s}
blocks:
  "alt authorized": {weights: [0.7, 0.3]}
`), d, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := sim.Simulate(context.Background(), d, p, sim.Options{Runs: 10000, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	ex := res.Exchanges[0]
	fmt.Printf("ok %d of %d runs\n", res.Outcomes.OK, res.Runs)
	fmt.Printf("#%d answered by %v in %.0f ms\n", ex.Request, ex.Replies, ex.Duration.MaxMS)
	fmt.Printf("end_to_end between %.0f and %.0f ms\n", res.EndToEnd.MinMS, res.EndToEnd.MaxMS)
	// Output:
	// ok 10000 of 10000 runs
	// #1 answered by [2 5] in 200 ms
	// end_to_end between 200 and 1300 ms
}
