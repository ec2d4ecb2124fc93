package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/golden"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
)

// profileGolden compares got with ../testdata/golden/NAME.golden.
func profileGolden(t *testing.T, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("..", "testdata", "golden", t.Name()+".golden"), []byte(got))
}

func parseDiagram(t *testing.T, name, src string) *flow.Diagram {
	t.Helper()
	d, err := parser.Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func readDiagram(t *testing.T, path string) *flow.Diagram {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseDiagram(t, path, string(src))
}

// dumpProfile writes every resolved setting of p, one message a line, so
// that a golden file shows what a profile means.
func dumpProfile(d *flow.Diagram, p *Profile) string {
	var b strings.Builder
	if p.Scenario != "" {
		fmt.Fprintf(&b, "scenario %s\n", p.Scenario)
	}
	if len(p.Scenarios) > 0 {
		fmt.Fprintf(&b, "scenarios %s\n", strings.Join(p.Scenarios, ", "))
	}
	msgs := d.Messages()
	for _, c := range p.Extra {
		msgs = append(msgs, c.Message)
	}
	for _, m := range msgs {
		s := p.Message(m.N)
		fmt.Fprintf(&b, "#%d %s\n  latency %v, timeout %v, deadline %v\n", m.N, m.Selector(), s.Latency, s.Timeout, s.Deadline)
		r := s.Retry
		fmt.Fprintf(&b, "  retry attempts %d, backoff %v, multiplier %g, jitter %s, max %v; idempotent %t\n",
			r.Attempts, r.Backoff, r.Multiplier, r.Jitter, r.Max, s.Idempotent)
		for _, f := range s.Faults {
			fmt.Fprintf(&b, "  fault %s rate %g", f.Kind, f.Rate)
			if f.Delay != nil {
				fmt.Fprintf(&b, " delay %v", f.Delay)
			}
			b.WriteString("\n")
		}
		for _, c := range s.Compensate {
			fmt.Fprintf(&b, "  compensate #%d %s\n", c.Message.N, c.Selector)
		}
		if s.HTTP != nil {
			fmt.Fprintf(&b, "  http %v\n", s.HTTP)
		}
	}
	for _, pt := range d.Participants {
		ps := p.Participants[pt.ID]
		fmt.Fprintf(&b, "participant %s: %s", pt.ID, ps.Adapter)
		if ps.URL != "" {
			fmt.Fprintf(&b, " %s", ps.URL)
		}
		if ps.Command != nil {
			fmt.Fprintf(&b, " %q", ps.Command)
		}
		b.WriteString("\n")
	}
	for _, blk := range d.Blocks() {
		bs := p.Blocks[blk]
		if bs == nil {
			continue
		}
		fmt.Fprintf(&b, "block %s:", blk.Key(0))
		if bs.Weights != nil {
			fmt.Fprintf(&b, " weights %v", bs.Weights)
		}
		if bs.Probability != nil {
			fmt.Fprintf(&b, " probability %g", *bs.Probability)
		}
		if bs.Iterations != nil {
			fmt.Fprintf(&b, " iterations %v", bs.Iterations)
		}
		for i, w := range bs.When {
			if w != nil {
				fmt.Fprintf(&b, " when[%s] #%d %s", blk.Key(i), w.N, w.Fault)
			}
		}
		b.WriteString("\n")
	}
	for _, s := range p.SLO {
		fmt.Fprintf(&b, "slo %s (metric %s, n %d, q %g, limit %v, share %g)\n", s.Target, s.Metric, s.N, s.Quantile, s.Limit, s.Share)
	}
	return b.String()
}

func TestDefaultProfile(t *testing.T) {
	d := readDiagram(t, "../testdata/provisioning.mmd")
	p := DefaultProfile(d)
	profileGolden(t, dumpProfile(d, p))
	// What docs/profile.md promises.
	if got, want := p.Messages[1].Latency, logNormalP(20*time.Millisecond, 0.99, 100*time.Millisecond); got != want {
		t.Errorf("#2 latency %v, want %v", got, want)
	}
	if got := p.Messages[0].Latency.(LogNormal); got.Median != 3*time.Second || got.Quantile(0.99).Round(time.Millisecond) != 30*time.Second {
		t.Errorf("#1 (sent by actor Admin) latency %v, want lognormal(median=3s, p99=30s)", got)
	}
	if p.Messages[1].Timeout != 30*time.Second || p.Messages[0].Timeout != 0 {
		t.Errorf("timeouts %v (participant) and %v (actor), want 30s and none", p.Messages[1].Timeout, p.Messages[0].Timeout)
	}
}

func TestLoadProvisioning(t *testing.T) {
	d := readDiagram(t, "../testdata/provisioning.mmd")
	path := "../testdata/provisioning.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadProfile(path, data, d, "")
	if err != nil {
		t.Fatal(err)
	}
	profileGolden(t, dumpProfile(d, p))

	if len(p.Extra) != 2 || p.Extra[0].Message.N != 12 || p.Extra[1].Message.N != 13 {
		t.Fatalf("Extra = %v, want the two compensations as #12 and #13", p.Extra)
	}
	if c := p.Messages[1].Compensate; len(c) != 1 || c[0] != p.Extra[0] || c[0].Settings != p.Message(12) {
		t.Errorf("#2 compensate %v: want the shared Extra[0] with #12's settings", c)
	}
	if got := p.Extra[1].Message.Pos; got.File != path || got.Line == 0 {
		t.Errorf("compensation position %v, want its place in the profile", got)
	}
	if got := p.Message(12).Retry.Attempts; got != 5 {
		t.Errorf("#12 attempts %d, want 5 (its own messages: entry)", got)
	}
	if got := p.Message(12).Timeout; got != 2*time.Second {
		t.Errorf("#12 timeout %v, want 2s", got)
	}
	for _, sc := range p.Scenarios {
		if _, err := LoadProfile(path, data, d, sc); err != nil {
			t.Errorf("scenario %s: %v", sc, err)
		}
	}
}

func TestScenarioOverlay(t *testing.T) {
	d := readDiagram(t, "../testdata/provisioning.mmd")
	src := `
defaults: {latency: 30ms, retry: {attempts: 2}}
messages:
  "App->>Billing: Provision subscription":
    latency: 100ms
    fault: {rate: 0.02, kind: timeout}
    retry: {attempts: 3, backoff: 1s}
    http: {method: POST, path: /subs}
slo:
  end_to_end: {p95: 3s, p99: 10s}
  failed: 1%
scenarios:
  billing-down:
    defaults: {timeout: 5s}
    messages:
      "#2":
        fault: {rate: 1}
        retry: {backoff: 2s}
        http: {path: /down}
    slo:
      end_to_end: {p99: 20s}
  other: {}
`
	base, err := LoadProfile("p.yaml", []byte(src), d, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadProfile("p.yaml", []byte(src), d, "billing-down")
	if err != nil {
		t.Fatal(err)
	}
	if p.Scenario != "billing-down" || strings.Join(p.Scenarios, ",") != "billing-down,other" {
		t.Errorf("Scenario %q, Scenarios %q", p.Scenario, p.Scenarios)
	}
	s := p.Messages[1]
	want := []Fault{{Rate: 1, Kind: report.FaultError}}
	if diff := cmp.Diff(want, s.Faults); diff != "" {
		t.Errorf("#2 faults: a scenario's fault replaces the one below it, kind defaults to error (-want +got):\n%s", diff)
	}
	if s.Latency != Constant(100*time.Millisecond) {
		t.Errorf("#2 latency %v, want the top level's 100ms", s.Latency)
	}
	if s.Retry.Attempts != 3 || s.Retry.Backoff != 2*time.Second {
		t.Errorf("#2 retry %+v: want attempts 3 from the top level, backoff 2s from the scenario (retry merges key by key)", s.Retry)
	}
	if s.Timeout != 5*time.Second {
		t.Errorf("#2 timeout %v, want the scenario default 5s", s.Timeout)
	}
	if diff := cmp.Diff(map[string]any{"method": "POST", "path": "/down"}, s.HTTP); diff != "" {
		t.Errorf("#2 http merges key by key (-want +got):\n%s", diff)
	}
	if got := p.Messages[3]; got.Latency != Constant(30*time.Millisecond) || got.Retry.Attempts != 2 || got.Timeout != 5*time.Second {
		t.Errorf("#4 %+v: want the defaults of both levels", got)
	}
	if got := base.Messages[1]; got.Timeout != DefaultTimeout || got.Faults[0].Rate != 0.02 {
		t.Errorf("without the scenario #2 keeps timeout %v and fault %v", got.Timeout, got.Faults)
	}
	var targets []string
	for _, s := range p.SLO {
		targets = append(targets, s.Target)
	}
	if diff := cmp.Diff([]string{"end_to_end p95 <= 3s", "end_to_end p99 <= 20s", "failed <= 1%"}, targets); diff != "" {
		t.Errorf("SLO targets (-want +got):\n%s", diff)
	}
}

func TestCompensationNotInDiagram(t *testing.T) {
	d := parseDiagram(t, "saga.mmd", `sequenceDiagram
participant Shop
participant Stock
participant Pay
Shop->>Stock: Reserve items
Stock-->>Shop: Reserved
Shop->>Pay: Charge card
Pay-->>Shop: Charged
`)
	src := `messages:
  "Shop->>Stock: Reserve items":
    compensate: "Shop->>Stock: Release   items"
  "Shop->>Pay: Charge card":
    compensate: ["Shop->>Pay: Refund", "Shop -> Stock: Release items"]
  "Shop->>Stock: Release items":
    latency: 50ms
    fault: {rate: 0.1, kind: error}
  "#6":
    timeout: 1s
`
	p, err := LoadProfile("saga.yaml", []byte(src), d, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Extra) != 2 {
		t.Fatalf("Extra has %d messages, want 2", len(p.Extra))
	}
	rel, ref := p.Extra[0], p.Extra[1]
	wantRel := &flow.Message{N: 5, From: "Shop", To: "Stock", Text: "Release items", Arrow: flow.ArrowSolid,
		Pos: flow.Pos{File: "saga.yaml", Line: 3, Col: 17}}
	if diff := cmp.Diff(wantRel, rel.Message); diff != "" {
		t.Errorf("compensation message (-want +got):\n%s", diff)
	}
	if rel.Selector != "Shop->>Stock: Release items" || ref.Selector != "Shop->>Pay: Refund" || ref.Message.N != 6 {
		t.Errorf("selectors %q (#%d) and %q (#%d)", rel.Selector, rel.Message.N, ref.Selector, ref.Message.N)
	}
	if rel.Settings.Latency != Constant(50*time.Millisecond) || len(rel.Settings.Faults) != 1 {
		t.Errorf("Release items settings %+v: want its messages: entry", rel.Settings)
	}
	if ref.Settings.Timeout != time.Second {
		t.Errorf("#6 timeout %v: \"#6\" names the second compensation", ref.Settings.Timeout)
	}
	if c := p.Messages[2].Compensate; len(c) != 2 || c[0] != ref || c[1] != rel {
		t.Errorf("#3 compensate %v, want Refund then the shared Release items", c)
	}
	if p.Messages[0].Compensate[0] != rel {
		t.Errorf("both messages must share one Compensation for Release items")
	}
}

func TestProfileErrors(t *testing.T) {
	d := parseDiagram(t, "shop.mmd", `sequenceDiagram
actor User
participant Shop
participant Pay as Payments
User->>Shop: Checkout
Shop->>Pay: Charge card
alt card ok
  Pay-->>Shop: Charged
else card declined
  Pay--xShop: Declined
end
opt send receipt
  Shop-)User: Receipt
end
loop poll status
  Shop->>Pay: Status
  Pay-->>Shop: Pending
end
Shop-->>User: Done
`)
	dir := t.TempDir()
	tests := []struct {
		name, src string
		scenario  string
		want      string // every error, one a line
	}{
		{name: "yaml syntax", src: "messages:\n  \"#2\": {latency: 10ms\n",
			want: `p.yaml:2:3: YAML: did not find expected ',' or '}'`},
		{name: "yaml first line", src: "a: b: c\n",
			want: `p.yaml:1:1: YAML: mapping values are not allowed in this context`},
		{name: "yaml block", src: "messages:\n  \"#2\": {}\n - x\n",
			want: `p.yaml:3:2: YAML: did not find expected key`},
		{name: "unclosed form", src: "defaults:\n  fault: {rate: 1, kind: delay, delay: uniform(1s, 2s}\n",
			want: `p.yaml:2:40: uniform: missing ) at the end of "uniform(1s, 2s" (inside […], YAML splits at commas: quote the latency)`},
		{name: "rejoined then checked", src: "blocks:\n  \"loop poll status\": {iterations: uniform(1, 5), when: x}\n",
			want: `p.yaml:2:51: when binds a branch of alt, critical or break; "loop poll status" is a loop block`},
		{name: "yaml tab", src: "messages:\n\t\"#2\": {}\n",
			want: `p.yaml:2:2: YAML: found character that cannot start any token`},
		{name: "not a mapping", src: "- 1\n",
			want: `p.yaml:1:1: a profile must be a mapping, not a list`},
		{name: "unknown top key", src: "mesages: {}\n",
			want: `p.yaml:1:1: unknown profile key "mesages"; did you mean "messages"?; want defaults, participants, messages, blocks, slo, scenarios`},
		{name: "unknown message key", src: "messages:\n  \"Shop->>Pay: Charge card\":\n    latncy: 10ms\n",
			want: `p.yaml:3:5: unknown message key "latncy"; did you mean "latency"?; want latency, fault, timeout, deadline, retry, compensate, idempotent, http, expect`},
		{name: "unknown defaults key", src: "defaults: {compensate: [\"#2\"]}\n",
			want: `p.yaml:1:12: unknown defaults key "compensate"; want latency, fault, timeout, deadline, retry, idempotent, http, actor`},
		{name: "selector typo", src: "messages:\n  \"Shop->>Pay: Charge crad\": {latency: 1ms}\n",
			want: `p.yaml:2:3: message "Shop->>Pay: Charge crad" is not in the diagram; did you mean "Shop->>Pay: Charge card"?`},
		{name: "index out of range", src: "messages:\n  \"#9\": {latency: 1ms}\n",
			want: `p.yaml:2:3: message "#9": the diagram has 8 messages`},
		{name: "same message twice", src: "messages:\n  \"#2\": {latency: 1ms}\n  \"Shop->>Pay: Charge card\": {latency: 2ms}\n",
			want: `p.yaml:3:3: "Shop->>Pay: Charge card" names the same message as "#2" (line 2)`},
		{name: "duplicate key", src: "defaults: {latency: 1ms}\ndefaults: {timeout: 1s}\n",
			want: `p.yaml:2:1: "defaults" is given twice (first at line 1)`},
		{name: "negative duration", src: "messages:\n  \"#2\": {timeout: -1s}\n",
			want: `p.yaml:2:19: timeout: duration -1s is negative`},
		{name: "bare number", src: "defaults:\n  deadline: 30\n",
			want: `p.yaml:2:13: deadline: 30 needs a unit, such as 30ms or 30s`},
		{name: "rate above 1", src: "messages:\n  \"#2\":\n    fault: {rate: 1.5, kind: error}\n",
			want: `p.yaml:3:19: rate 1.5 is outside [0, 1]`},
		{name: "rate percent", src: "messages:\n  \"#2\":\n    fault: {rate: 120%}\n",
			want: `p.yaml:3:19: rate 120% is outside [0, 1]`},
		{name: "rate missing", src: "messages:\n  \"#2\":\n    fault: {kind: timeout}\n",
			want: `p.yaml:3:12: fault: rate is missing (a share of the messages, such as 0.02 or 2%)`},
		{name: "rates add up", src: "messages:\n  \"#2\":\n    fault: [{rate: 0.7}, {rate: 0.5, kind: timeout}]\n",
			want: `p.yaml:3:12: fault: the rates add up to 1.2; a message draws at most one fault, so they must add up to at most 1`},
		{name: "unknown fault kind", src: "messages:\n  \"#2\":\n    fault: {rate: 0.1, kind: eror}\n",
			want: `p.yaml:3:30: unknown fault kind "eror"; did you mean "error"?; want error, timeout, drop, delay`},
		{name: "drop on a request", src: "messages:\n  \"#2\":\n    fault: {rate: 0.1, kind: drop}\n",
			want: `p.yaml:3:30: fault kind drop is for async messages (-) or --)); #2 "Shop->>Pay: Charge card" is not one`},
		{name: "drop in defaults", src: "defaults:\n  fault: {rate: 0.1, kind: drop}\n",
			want: `p.yaml:2:28: fault kind drop is for async messages (-) or --)): set it on them under messages:, not in defaults`},
		{name: "delay without delay", src: "messages:\n  \"#5\":\n    fault: {rate: 0.1, kind: delay}\n",
			want: `p.yaml:3:12: fault: kind delay needs delay: the extra latency, such as 2s`},
		{name: "delay on error", src: "messages:\n  \"#2\":\n    fault: {rate: 0.1, delay: 1s}\n",
			want: `p.yaml:3:24: fault: delay is for kind delay, not error`},
		{name: "attempts below 1", src: "messages:\n  \"#2\":\n    retry: {attempts: 0}\n",
			want: `p.yaml:3:23: retry: attempts must be at least 1 (it counts the first try), not 0`},
		{name: "attempts not a number", src: "messages:\n  \"#2\":\n    retry: {attempts: many}\n",
			want: `p.yaml:3:23: attempts "many" is not a whole number`},
		{name: "jitter", src: "defaults:\n  retry: {jitter: decorrelated}\n",
			want: `p.yaml:2:19: unknown jitter "decorrelated"; want none, full, equal`},
		{name: "multiplier", src: "defaults:\n  retry: {multiplier: 0.5}\n",
			want: `p.yaml:2:23: retry: multiplier must be at least 1, not 0.5`},
		{name: "unknown retry key", src: "defaults:\n  retry: {atempts: 3}\n",
			want: `p.yaml:2:11: unknown retry key "atempts"; did you mean "attempts"?; want attempts, backoff, multiplier, jitter, max`},
		{name: "unparsable latency", src: "messages:\n  \"#2\": {latency: \"lognormal(median=120ms, p99=50ms)\"}\n",
			want: `p.yaml:2:19: lognormal: p99 (50ms) must exceed median (120ms)`},
		{name: "latency form typo", src: "defaults:\n  latency: lognorm(median=1s, p99=2s)\n",
			want: `p.yaml:2:12: latency "lognorm(median=1s, p99=2s)": unknown form "lognorm"; did you mean "lognormal"?`},
		{name: "latency a mapping", src: "defaults:\n  latency: {median: 1s}\n",
			want: `p.yaml:2:12: want a latency here, not a mapping`},
		{name: "empirical missing", src: "defaults:\n  latency: empirical(none.txt)\n",
			want: `p.yaml:2:12: empirical: open none.txt: no such file or directory`},
		{name: "compensate unknown participant", src: "messages:\n  \"#2\":\n    compensate: [\"Shop->>Payy: Refund\"]\n",
			want: `p.yaml:3:18: compensate: message "Shop->>Payy: Refund": "Payy" is not a participant of the diagram; did you mean "Pay"?`},
		{name: "compensate bad index", src: "messages:\n  \"#2\":\n    compensate: [\"#12\"]\n",
			want: `p.yaml:3:18: compensate: message "#12": the diagram has 8 messages`},
		{name: "compensate itself", src: "messages:\n  \"#2\":\n    compensate: [\"#2\"]\n",
			want: `p.yaml:3:18: compensate: a message cannot compensate itself`},
		{name: "unknown block", src: "blocks:\n  \"alt card okk\": {weights: [1, 1]}\n",
			want: `p.yaml:2:3: block "alt card okk" is not in the diagram; did you mean "alt card ok"?`},
		{name: "weights count", src: "blocks:\n  \"alt card ok\": {weights: [0.5, 0.3, 0.2]}\n",
			want: `p.yaml:2:28: weights: "alt card ok" has 2 branches, so want 2 weights, not 3`},
		{name: "weights negative", src: "blocks:\n  \"alt card ok\": {weights: [1, -1]}\n",
			want: `p.yaml:2:32: weight -1 is negative`},
		{name: "weights on a branch", src: "blocks:\n  \"else card declined\": {weights: [1, 1]}\n",
			want: `p.yaml:2:26: weights go on the block's opening line "alt card ok", one per branch`},
		{name: "weights on opt", src: "blocks:\n  \"opt send receipt\": {weights: [1]}\n",
			want: `p.yaml:2:24: weights choose among the branches of alt and critical; "opt send receipt" is a opt block`},
		{name: "probability on loop", src: "blocks:\n  \"loop poll status\": {probability: 0.5}\n",
			want: `p.yaml:2:24: probability is for opt and break blocks; "loop poll status" is a loop block`},
		{name: "probability range", src: "blocks:\n  \"opt send receipt\": {probability: -0.1}\n",
			want: `p.yaml:2:37: probability -0.1 is outside [0, 1]`},
		{name: "iterations", src: "blocks:\n  \"loop poll status\": {iterations: \"uniform(5, 1)\"}\n",
			want: `p.yaml:2:36: iterations: uniform: max (1) must not be below min (5)`},
		{name: "when fault word", src: "blocks:\n  \"else card declined\": {when: \"#2 fail\"}\n",
			want: `p.yaml:2:32: when "#2 fail": the last word must be a fault: error, timeout, drop, delay or fails; did you mean "#2 fails"?`},
		{name: "when on opt", src: "blocks:\n  \"opt send receipt\": {when: \"#2 error\"}\n",
			want: `p.yaml:2:24: when binds a branch of alt, critical or break; "opt send receipt" is a opt block`},
		{name: "unknown block key", src: "blocks:\n  \"opt send receipt\": {probabilty: 0.5}\n",
			want: `p.yaml:2:24: unknown block key "probabilty"; did you mean "probability"?; want when, weights, probability, iterations`},
		{name: "slo metric", src: "slo:\n  end_to_edn: {p99: 1s}\n",
			want: `p.yaml:2:3: unknown slo key "end_to_edn"; did you mean "end_to_end"?; want end_to_end, completion, system_time, failed, or a message selector`},
		{name: "slo percentile", src: "slo:\n  end_to_end: {p99x: 1s}\n",
			want: `p.yaml:2:16: slo end_to_end: "p99x" is not a quantile such as p50, p99 or p999`},
		{name: "slo failed", src: "slo:\n  failed: 2\n",
			want: `p.yaml:2:11: failed 2 is outside [0, 1]`},
		{name: "slo selector", src: "slo:\n  \"Shop->>Pay: Charge\": {p99: 1s}\n",
			want: `p.yaml:2:3: message "Shop->>Pay: Charge" is not in the diagram; did you mean "Shop->>Pay: Charge card" or "Shop->>Pay: Status"?`},
		{name: "participant label", src: "participants:\n  Payments: {adapter: http, url: \"http://x\"}\n",
			want: `p.yaml:2:3: participant "Payments" is not in the diagram; it is the label of "Pay": use the id`},
		{name: "participant typo", src: "participants:\n  Shp: {adapter: stub}\n",
			want: `p.yaml:2:3: participant "Shp" is not in the diagram; did you mean "Shop"?`},
		{name: "adapter", src: "participants:\n  Pay: {adapter: grpc}\n",
			want: `p.yaml:2:18: unknown adapter "grpc"; want stub, http, exec`},
		{name: "http without url", src: "participants:\n  Pay: {adapter: http}\n",
			want: `p.yaml:2:3: participant "Pay": the http adapter needs url:`},
		{name: "bad url", src: "participants:\n  Pay: {adapter: http, url: \"localhost:80\"}\n",
			want: `p.yaml:2:29: url "localhost:80": want an http:// or https:// URL with a host`},
		{name: "unknown participant key", src: "participants:\n  Pay: {adapter: exec, cmd: pay.sh}\n",
			want: "p.yaml:2:3: participant \"Pay\": the exec adapter needs command:\n" +
				`p.yaml:2:24: unknown participant key "cmd"; want adapter, url, command, env, headers, secret, shell, ca`},
		{name: "unknown scenario", src: "scenarios:\n  billing-down: {}\n", scenario: "biling-down",
			want: `p.yaml: scenario "biling-down" is not in the profile; did you mean "billing-down"?`},
		{name: "no scenarios", src: "defaults: {}\n", scenario: "x",
			want: `p.yaml: scenario "x" is not in the profile, which defines no scenarios`},
		{name: "scenario key", src: "scenarios:\n  slow:\n    message: {}\n",
			want: `p.yaml:3:5: unknown scenario key "message"; did you mean "messages"?; want defaults, participants, messages, blocks, slo`},
		{name: "scenario error", src: "scenarios:\n  slow:\n    messages:\n      \"#2\": {timeout: 1}\n", scenario: "slow",
			want: `p.yaml:4:23: timeout: 1 needs a unit, such as 1ms or 1s`},
		{name: "several", src: "defaults:\n  timeout: -1s\n  retry: {attempts: 0}\n",
			want: "p.yaml:2:12: timeout: duration -1s is negative\n" +
				"p.yaml:3:21: retry: attempts must be at least 1 (it counts the first try), not 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadProfile(filepath.Join(dir, "p.yaml"), []byte(tc.src), d, tc.scenario)
			if err == nil {
				t.Fatalf("no error, want %s", tc.want)
			}
			var pe *ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ProfileError", err, err)
			}
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			if pe.Pos.Line > 0 && pe.Src != strings.Split(tc.src, "\n")[pe.Pos.Line-1] {
				t.Errorf("Src %q is not line %d of the profile", pe.Src, pe.Pos.Line)
			}
		})
	}
}

func TestProfileYAMLFeatures(t *testing.T) {
	d := readDiagram(t, "../testdata/provisioning.mmd")
	src := `
x-common: &common {latency: 200ms, timeout: 3s}
defaults: {latency: 10ms}
messages:
  "#2": *common
  "#4":
    <<: *common
    timeout: 9s
  "#7": {fault: {rate: 2%, kind: delay, delay: uniform(1s, 2s)}}
  "#8": {latency: quantiles(p50=10ms, p90=20ms, p99=90ms), timeout: 1s}
  "#10": {fault: null}
`
	_, err := LoadProfile("p.yaml", []byte(src), d, "")
	if err == nil || !strings.Contains(err.Error(), `unknown profile key "x-common"`) {
		t.Fatalf("err = %v, want an unknown key x-common", err)
	}
	src = strings.Replace(src, "x-common: &common {latency: 200ms, timeout: 3s}\n", "", 1)
	src = strings.Replace(src, "defaults: {latency: 10ms}", "defaults: &common {latency: 200ms, timeout: 3s}", 1)
	p, err := LoadProfile("p.yaml", []byte(src), d, "")
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Messages[1]; s.Latency != Constant(200*time.Millisecond) || s.Timeout != 3*time.Second {
		t.Errorf("#2 via alias: %v %v", s.Latency, s.Timeout)
	}
	if s := p.Messages[3]; s.Latency != Constant(200*time.Millisecond) || s.Timeout != 9*time.Second {
		t.Errorf("#4 via merge key: %v %v", s.Latency, s.Timeout)
	}
	if f := p.Messages[6].Faults; len(f) != 1 || f[0].Rate != 0.02 || f[0].Delay != (Uniform{time.Second, 2 * time.Second}) {
		t.Errorf("#7 faults %+v", f)
	}
	if s := p.Messages[7]; s.Timeout != time.Second || fmt.Sprint(s.Latency) != "quantiles(min=0s, p50=10ms, p90=20ms, p99=90ms)" {
		t.Errorf("#8 %v %v: a latency YAML split at its commas inside {…} is joined back", s.Latency, s.Timeout)
	}
	if p.Messages[0].Latency != DefaultActorLatency || p.Messages[0].Timeout != 0 {
		t.Errorf("#1 sent by actor Admin: %v, %v; want human time and no timeout: defaults.latency and defaults.timeout are for participants, defaults.actor for actors", p.Messages[0].Latency, p.Messages[0].Timeout)
	}
}

func TestEmptyProfile(t *testing.T) {
	d := readDiagram(t, "../testdata/provisioning.mmd")
	want := dumpProfile(d, DefaultProfile(d))
	for _, src := range []string{"", "# nothing yet\n", "null\n", "defaults:\nmessages: {}\nscenarios: {quiet: null}\n"} {
		p, err := LoadProfile("p.yaml", []byte(src), d, "")
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		got := strings.TrimPrefix(dumpProfile(d, p), "scenarios quiet\n")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: want the defaults (-want +got):\n%s", src, diff)
		}
	}
}
