package trace

import (
	"strconv"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// simOutcome is the outcome the simulator wrote on the trace's root
// client span, and the fault it injected: the deepest span with an
// exception event (its choreo.message.n and exception.type).
func simOutcome(tr *Trace) (outcome string, n int, fault string) {
	depth := func(s *Span) int {
		d := 0
		for p := s.ParentID; !p.IsZero() && d < len(tr.Spans); d++ {
			found := false
			for i := range tr.Spans {
				if tr.Spans[i].SpanID == p {
					p, found = tr.Spans[i].ParentID, true
					break
				}
			}
			if !found {
				break
			}
		}
		return d
	}
	best := -1
	for i := range tr.Spans {
		s := &tr.Spans[i]
		if v, ok := s.Attr("choreo.outcome"); ok {
			outcome = v
		}
		for _, ev := range s.Events {
			if ev.Name != "exception" {
				continue
			}
			if d := depth(s); d > best {
				best = d
				v, _ := s.Attr("choreo.message.n")
				n, _ = strconv.Atoi(v)
				for _, a := range ev.Attrs {
					if a.Key == "exception.type" {
						fault = a.Value
					}
				}
			}
		}
	}
	return outcome, n, fault
}

func TestCheckSimulator(t *testing.T) {
	d := provisioning(t)
	m := DefaultMapping(d)
	ts := readTraces(t, "sim-provisioning.jsonl")
	c := NewChecker(d, m, NewAligner(d))
	c.SLO = []report.SLOTarget{
		{Target: "end_to_end p50 <= 1000h", Metric: "end_to_end", Quantile: 0.5, Limit: 1000 * time.Hour},
		{Target: "message 2 p99 <= 1ns", Metric: "message", N: 2, Quantile: 0.99, Limit: time.Nanosecond},
	}
	var want report.Outcomes
	failedSeen := 0
	for _, tr := range ts {
		c.Add(tr)
		outcome, n, fault := simOutcome(tr)
		switch outcome {
		case report.OK:
			want.OK++
		case report.Handled:
			want.Handled++
		case report.Failed:
			want.Failed++
		}
		if outcome != report.Failed {
			continue
		}
		failedSeen++
		one := NewChecker(d, m, nil)
		one.Add(tr)
		r := one.Result()
		if r.Outcomes.Failed != 1 || len(r.Cascades) != 1 {
			t.Fatalf("%s: outcomes %+v, cascades %+v", tr.ID, r.Outcomes, r.Cascades)
		}
		cs := r.Cascades[0]
		if cs.Root.N != n || cs.Root.Fault != fault {
			t.Errorf("%s: root cause %+v, the simulator injected %s at message %d", tr.ID, cs.Root, fault, n)
		}
		if len(cs.Chain) == 0 || cs.Chain[0] != n || cs.Chain[len(cs.Chain)-1] != 1 {
			t.Errorf("%s: chain %v, want from %d up to 1", tr.ID, cs.Chain, n)
		}
		if cs.TimeToFailure.Count != 1 || cs.TimeToFailure.MaxMS <= 0 {
			t.Errorf("%s: time to failure %+v", tr.ID, cs.TimeToFailure)
		}
	}
	if failedSeen == 0 {
		t.Fatal("no failed trace in the fixture")
	}
	r := c.Result()
	if r.Source != "trace" || r.Runs != int64(len(ts)) {
		t.Fatalf("source %q runs %d, want trace %d", r.Source, r.Runs, len(ts))
	}
	if r.Outcomes != want {
		t.Errorf("outcomes %+v, the simulator says %+v", r.Outcomes, want)
	}
	cf := r.Conformance
	if cf.Traces != r.Runs || cf.Conforming != r.Runs || cf.Fitness != 1 || len(cf.Deviations) != 0 || len(cf.UnmappedServices) != 0 {
		t.Errorf("conformance %+v", cf)
	}
	if r.EndToEnd.Count != r.Runs || r.Histograms.EndToEnd.Count() != r.Runs {
		t.Errorf("end_to_end count %d", r.EndToEnd.Count)
	}
	if len(r.Messages) != 11 || r.Messages[0].Latency.Count != r.Runs {
		t.Errorf("message 1 seen %d times in %d traces", r.Messages[0].Latency.Count, r.Runs)
	}
	// Each message's latency count is the exchanges with both spans
	// that carry it (the reply counted with its request).
	counts := map[int]int64{}
	for _, tr := range ts {
		for _, e := range Observe(tr, m).Exchanges {
			if e.Message != nil && e.Client != nil && e.Server != nil {
				counts[e.Message.N]++
				if rn, ok := e.Client.Attr("choreo.reply.n"); ok && !e.Async {
					n, _ := strconv.Atoi(rn)
					counts[n]++
				}
			}
		}
	}
	for _, ms := range r.Messages {
		if ms.Latency.Count != counts[ms.N] {
			t.Errorf("message %d: latency count %d, want %d", ms.N, ms.Latency.Count, counts[ms.N])
		}
	}
	if len(r.Exchanges) == 0 || r.Exchanges[0].Request != 1 || r.Exchanges[0].Reply != 11 {
		t.Fatalf("exchanges %+v", r.Exchanges)
	}
	if s := r.Exchanges[0].CriticalPathShare; s < 0.9 || s > 1 {
		t.Errorf("the root exchange's critical-path share is %v", s)
	}
	var failed int64
	for _, e := range r.Exchanges {
		failed += e.Failed
		if e.CriticalPathShare < 0 || e.CriticalPathShare > 1 {
			t.Errorf("exchange %d: share %v", e.Request, e.CriticalPathShare)
		}
	}
	if failed == 0 {
		t.Error("no failed exchange counted")
	}
	var cascaded int64
	for _, cs := range r.Cascades {
		cascaded += cs.Runs
	}
	if cascaded != r.Outcomes.Failed || len(r.Histograms.Cascades) != len(r.Cascades) {
		t.Errorf("cascades cover %d runs, %d failed", cascaded, r.Outcomes.Failed)
	}
	if len(r.SLO) != 2 || !r.SLO[0].OK || r.SLO[1].OK {
		t.Errorf("SLO verdicts %+v", r.SLO)
	}
}

// dropAligner reports message 2 missing in every trace.
type dropAligner struct{ d *flow.Diagram }

func (a dropAligner) Align(o *Observed) *Alignment {
	return &Alignment{Fitness: 0.5, Deviations: []Divergence{{Kind: Missing, Message: a.d.Messages()[1]}}}
}

func TestCheckDeviations(t *testing.T) {
	d := provisioning(t)
	m := DefaultMapping(d)
	ts := readTraces(t, "sim-provisioning.jsonl")
	c := NewChecker(d, m, dropAligner{d})
	for _, tr := range ts {
		c.Add(tr)
	}
	cf := c.Result().Conformance
	if cf.Conforming != 0 || cf.Fitness != 0.5 || len(cf.Deviations) != 1 {
		t.Fatalf("conformance %+v", cf)
	}
	dv := cf.Deviations[0]
	if dv.Kind != Missing || dv.Message != "App->>Billing: Provision subscription" || dv.Traces != int64(len(ts)) || len(dv.Examples) != 3 {
		t.Errorf("deviation %+v", dv)
	}
}
