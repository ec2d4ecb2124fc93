package sim

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/parser"
)

// FuzzLoadProfile: no profile text makes the loader panic, every error is
// positioned inside the text, and every accepted profile compiles.
func FuzzLoadProfile(f *testing.F) {
	src, err := os.ReadFile("../testdata/provisioning.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(src))
	for _, s := range []string{
		"defaults: {latency: 20ms}\n",
		"messages:\n  \"#2\": {fault: {rate: 0.5, kind: timeout}, timeout: 1s, retry: {attempts: 3}}\n",
		"blocks:\n  \"loop x\": {iterations: uniform(1, 5)}\n",
		"slo:\n  end_to_end: {p99: 1s}\n  failed: 1%\n",
		"scenarios:\n  a: {defaults: {latency: exponential(mean=5ms)}}\n",
		"messages:\n  \"#1\": {latency: quantiles(p50=10ms, p90=50ms, p99=200ms)}\n",
		"defaults: [\n",
		"messages: {\"App->>Billing: Cancel subscription\": {latency: 1ms}}\n",
		"participants:\n  Billing: {adapter: http, url: \"http://127.0.0.1:1/api\", headers: {Authorization: \"Bearer ${T}\"}, secret: [X-K]}\n" +
			"messages:\n  \"#2\": {http: {method: PUT, path: \"/s/{{.Run}}\", body: '{\"t\": {{json .Text}}}', headers: {X-K: \"{{.N}}\"}}}\n",
		"participants:\n  Email: {adapter: exec, command: [\"true\"], shell: true, env: {A: b}}\n",
		"messages:\n  \"#2\": {fault: [{kind: error, status: 503, first: 2}, {kind: delay, delay: 1s, window: [1s, 2s]}]}\n",
	} {
		f.Add(s)
	}
	diagram, err := os.ReadFile("../testdata/provisioning.mmd")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, profile string) {
		d, err := parser.Parse("p.mmd", diagram)
		if err != nil {
			t.Fatal(err)
		}
		p, err := LoadProfile("p.yaml", []byte(profile), d, "")
		if err != nil {
			var pe *ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T without a position: %v", err, err)
			}
			lines := strings.Count(profile, "\n") + 2
			for _, pe := range srcpos.All(err) {
				if pe.Pos.Line < 1 || pe.Pos.Line > lines || pe.Pos.Col < 1 {
					t.Fatalf("position %v outside the text (%d lines): %v", pe.Pos, lines, err)
				}
			}
			return
		}
		// every accepted profile compiles against the diagram (running it
		// is not part of the property: a profile may ask for a billion
		// loop iterations, which is slow, not wrong)
		compile(d, p)
		if p.Real() {
			// the requests it would send can be shown: the templates that
			// passed loading run
			if _, err := PlanRequests(d, p); err != nil {
				t.Fatalf("a loaded profile's requests cannot be planned: %v", err)
			}
		}
	})
}
