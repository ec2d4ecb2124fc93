package trace_test

import (
	"fmt"
	"io"
	"os"

	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/trace"
)

// Check recorded traces against the diagram: read them one trace at a
// time, add each to a checker, and take the result.
func ExampleChecker() {
	src, _ := os.ReadFile("testdata/checkout.mmd")
	d, err := parser.Parse("checkout.mmd", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := os.Open("testdata/traces/checkout-otlp.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	r, err := trace.NewReader(f, "checkout-otlp.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	c := trace.NewChecker(d, trace.DefaultMapping(d), trace.NewAligner(d))
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		c.Add(t)
	}
	res := c.Result()
	fmt.Println(r.Format(), res.Runs, "traces,", res.Conformance.Conforming, "conform")
	for _, cs := range res.Cascades {
		fmt.Printf("root #%d %s, chain %v, e.g. %s\n", cs.Root.N, cs.Root.Fault, cs.Chain, cs.Examples[0])
	}
	// Output:
	// otlp-json 3 traces, 3 conform
	// root #3 error, chain [3 2 1], e.g. c0ffee00000000000000000000000002
}
