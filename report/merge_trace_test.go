package report

import (
	"strings"
	"testing"
)

// TestMergeTraceChecks: trace checks add their input and conformance up;
// a trace check does not merge with a simulation.
func TestMergeTraceChecks(t *testing.T) {
	mk := func(source string, traces, conforming int64, fitness float64, devs ...Deviation) *Result {
		a := NewAggregate([]MessageStats{{N: 1, Selector: "A->>B: x"}}, nil)
		r := a.Result()
		r.Source, r.DiagramSource = source, "sequenceDiagram\nA->>B: x"
		r.Input = &Input{Files: 1, Traces: traces, Spans: 2 * traces, Problems: []Problem{}}
		r.Conformance = &Conformance{Traces: traces, Conforming: conforming, Fitness: fitness, Deviations: devs}
		return r
	}
	a := mk("trace", 3, 2, 0.9, Deviation{Kind: "missing", Message: "#1", Traces: 1, Examples: []string{"a1"}})
	b := mk("trace", 1, 0, 0.5, Deviation{Kind: "missing", Message: "#1", Traces: 1, Examples: []string{"b1"}},
		Deviation{Kind: "unexpected", Message: "C->>D: y", Traces: 1, Examples: []string{"b1"}})
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Conformance
	if m.Input.Traces != 4 || m.Input.Spans != 8 || m.Input.Files != 2 || c.Traces != 4 || c.Conforming != 2 {
		t.Errorf("input %+v, conformance %+v", m.Input, c)
	}
	if want := (0.9*3 + 0.5) / 4; c.Fitness < want-1e-12 || c.Fitness > want+1e-12 {
		t.Errorf("fitness %v, want %v", c.Fitness, want)
	}
	if len(c.Deviations) != 2 || c.Deviations[0].Traces != 2 || strings.Join(c.Deviations[0].Examples, ",") != "a1,b1" {
		t.Errorf("deviations %+v", c.Deviations)
	}
	if _, err := Merge(a, mk("sim", 1, 1, 1)); err == nil || !strings.Contains(err.Error(), "simulations and trace checks do not merge") {
		t.Errorf("a check merged with a simulation: %v", err)
	}
}
