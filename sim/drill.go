package sim

import (
	"context"
	"slices"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// FaultCase is one planned case of a drill: a fault kind injected on every
// attempt of one message.
type FaultCase struct {
	N     int
	Fault string
}

// DrillPlan is what a drill will run, and what it prunes.
type DrillPlan struct {
	Cases  []FaultCase
	Pruned []report.DrillPruned
}

// PlanDrill lists the cases of a drill: every message that a system sends
// (not a reply, not a message an actor sends: people are not drilled),
// with the faults error and timeout, or drop for an async message. A case
// is pruned, Filibuster-style, when the message has no handler of its own
// for the fault and the fault cascades into an enclosing exchange whose
// failure a bound branch (`when`) handles: that exchange's own case drills
// the same path.
func PlanDrill(d *flow.Diagram, p *Profile) *DrillPlan {
	pl := compile(d, p)
	g := flow.Build(d)
	plan := &DrillPlan{}
	for i := 0; i < pl.nDiagram; i++ {
		mp := &pl.msgs[i]
		info := g.Info(mp.m)
		if mp.human || info == nil || info.Role == flow.RoleReply {
			continue
		}
		kinds := []string{report.FaultError, report.FaultTimeout}
		if info.Role == flow.RoleAsync {
			kinds = []string{report.FaultDrop}
		}
		for _, k := range kinds {
			fk := faultKind(k)
			if covered := coveredBy(pl, info.Exchange, fk); mp.handler[fk] == nil && covered > 0 {
				plan.Pruned = append(plan.Pruned, report.DrillPruned{N: i + 1, Fault: k, CoveredBy: covered})
				continue
			}
			plan.Cases = append(plan.Cases, FaultCase{N: i + 1, Fault: k})
		}
	}
	return plan
}

// coveredBy is the request number of the nearest enclosing exchange whose
// failure of kind fk a bound branch handles (0: none).
func coveredBy(pl *plan, ex *flow.Exchange, fk uint8) int {
	if ex == nil {
		return 0
	}
	for a := ex.Parent; a != nil; a = a.Parent {
		n := a.Request.N
		if n >= 1 && n <= pl.nDiagram && pl.msgs[n-1].handler[fk] != nil {
			return n
		}
	}
	return 0
}

// DrillOptions control a drill.
type DrillOptions struct {
	// Runs is the number of runs per case (K, default 20); Seed makes them
	// reproducible (case c uses seed+c).
	Runs    int64
	Seed    uint64
	Workers int
	// Progress, if set, is called now and then with the runs done so far
	// over all cases (of len(cases)·Runs).
	Progress func(done int64)
	// Real, if set, runs the cases in real time with these options (Runs
	// and Seed are set per case); the drill's faults act in front of the
	// real calls.
	Real *RealOptions
	// Only, if set, picks the cases to run. The others are left out, and
	// those run keep the seed and run numbers they have in the whole
	// drill, so one case replays exactly as it ran in the sweep.
	Only func(FaultCase) bool
	// MaxRuns caps the runs of a case whose fault few runs reach (a
	// message in a branch, an opt, a loop): in virtual time a case runs
	// Runs, then more, until Runs of them reached the fault or MaxRuns
	// is met (0: 50·Runs). Real time runs Runs per case.
	MaxRuns int64
	// HumanTime judges the latency targets whose path includes human
	// time (end_to_end and completion when actors send messages, targets
	// on an actor's exchanges); by default they are left out and listed
	// in the drill's NotJudged, since a person's think time says nothing
	// about how the systems handle a fault.
	HumanTime bool
}

// Drill injects each case's fault in every attempt of its message, runs
// the flow K times per case in virtual time, and reports per case the
// outcomes, clean rollbacks, time to failure, latency SLOs and a verdict
// in the result's drill section. Latency SLOs (end_to_end, completion,
// system_time, per message or exchange) are judged on each case's runs;
// the failed-share SLO is not, since a drill makes runs fail on purpose.
func Drill(ctx context.Context, d *flow.Diagram, p *Profile, o DrillOptions) (*report.Result, error) {
	if o.Runs <= 0 {
		o.Runs = 20
	}
	maxRuns := o.MaxRuns
	if maxRuns <= 0 {
		maxRuns = 50 * o.Runs
	}
	maxRuns = max(maxRuns, o.Runs)
	plan := PlanDrill(d, p)
	targets, notJudged := drillTargets(d, p, o.HumanTime)
	ex := newExplainer(d, p)
	res := &report.Result{Version: report.Version, Source: "drill", Seed: o.Seed, Profile: p.Path, Scenario: p.Scenario, Set: p.Set}
	dr := &report.Drill{RunsPerCase: o.Runs, Cases: []report.DrillCase{}, Pruned: plan.Pruned, NotJudged: notJudged}
	if o.Real == nil {
		dr.MaxRuns = maxRuns
	}
	if dr.Pruned == nil {
		dr.Pruned = []report.DrillPruned{}
	}
	start := time.Now()
	for ci, c := range plan.Cases {
		if o.Only != nil && !o.Only(c) {
			continue
		}
		q := withFault(p, c.N, c.Fault)
		var r *report.Result
		var err error
		var runs []report.DrillRun
		var reached int64
		var outs report.Outcomes
		count := func(rt *RunTrace) {
			if reaches(rt, c) {
				reached++
				addOutcome(&outs, rt.Outcome)
			}
		}
		if o.Real != nil {
			ro := *o.Real
			ro.Runs, ro.Seed, ro.First = o.Runs, o.Seed+uint64(ci), int64(ci)*o.Runs
			if o.Progress != nil {
				base := int64(ci) * o.Runs
				ro.Progress = func(n int64) { o.Progress(base + n) }
			}
			inner := ro.Trace
			ro.Trace = func(rt *RunTrace) error { // RunReal serialises the calls
				runs = append(runs, report.DrillRun{Run: rt.Run, TraceID: rt.TraceID, Outcome: rt.Outcome})
				count(rt)
				if inner != nil {
					return inner(rt)
				}
				return nil
			}
			r, err = RunReal(ctx, d, q, ro)
			slices.SortFunc(runs, func(a, b report.DrillRun) int { return int(a.Run - b.Run) })
		} else {
			// K runs, then more while few reach the fault, up to the cap;
			// run i draws the same numbers however many runs there are
			for n := o.Runs; ; {
				reached, outs = 0, report.Outcomes{}
				so := Options{Runs: n, Seed: o.Seed + uint64(ci), Workers: o.Workers, TraceEvery: 1,
					Trace: func(rt *RunTrace) error { count(rt); return nil }}
				if o.Progress != nil {
					base := int64(ci) * o.Runs
					so.Progress = func(k int64) { o.Progress(base + min(k, o.Runs)) }
				}
				r, err = Simulate(ctx, d, q, so)
				if err != nil || r == nil || reached >= o.Runs || n >= maxRuns {
					break
				}
				next := 4 * n
				if reached > 0 { // enough for K at the rate seen, and a margin
					next = max(n+1, n*o.Runs*5/(4*reached))
				}
				n = min(next, maxRuns)
			}
		}
		if r == nil {
			return nil, err
		}
		res.Runs += r.Runs
		if r.RealTime != nil {
			if res.RealTime == nil {
				rt := *r.RealTime
				rt.Injected = 0
				res.RealTime = &rt
			}
			res.RealTime.Injected += r.RealTime.Injected
		}
		dc := report.DrillCase{
			N: c.N, Selector: r.Messages[c.N-1].Selector, Fault: c.Fault, Runs: r.Runs,
			Outcomes: r.Outcomes, SLOOK: true, Traces: runs,
		}
		ttf := report.NewHistogram()
		for i, cs := range r.Cascades {
			dc.Compensated += cs.Compensated
			if r.Histograms != nil && i < len(r.Histograms.Cascades) {
				ttf.Merge(r.Histograms.Cascades[i])
			}
			if i == 0 {
				dc.Chain = cs.Chain
				if cs.Root.N != c.N || cs.Root.Fault != c.Fault {
					root := cs.Root
					dc.Root = &root
				}
			}
		}
		dc.TimeToFailure = ttf.Stats()
		dc.Reached = reached
		dc.SLO = judgeDrill(targets, r)
		for _, v := range dc.SLO {
			dc.SLOOK = dc.SLOOK && v.OK
		}
		set := p.Messages[c.N-1]
		dc.Expected = slices.Contains(set.Expect, c.Fault) || slices.Contains(set.Expect, "fails")
		switch {
		case reached == 0:
			dc.Verdict = report.VerdictNotReached
		case outs.Inconsistent > 0:
			dc.Verdict = report.VerdictInconsistent
		case outs.Failed > 0 && !dc.Expected:
			dc.Verdict = report.VerdictFailed
		case !dc.SLOOK:
			dc.Verdict = report.VerdictSLO
		case outs.Failed > 0:
			dc.Verdict = report.VerdictExpected
		default:
			dc.Verdict = report.VerdictHandled
		}
		ex.explain(&dc, outs)
		res.Outcomes.OK += r.Outcomes.OK
		res.Outcomes.Handled += r.Outcomes.Handled
		res.Outcomes.Failed += r.Outcomes.Failed
		res.Outcomes.Inconsistent += r.Outcomes.Inconsistent
		if err == nil || r.Runs > 0 { // an interrupted case keeps the runs it ended
			dr.Cases = append(dr.Cases, dc)
		}
		if err != nil { // interrupted: keep the cases done
			res.Partial = true
			res.Drill = dr
			res.ElapsedMS = time.Since(start).Milliseconds()
			return res, err
		}
	}
	res.Drill = dr
	res.ElapsedMS = time.Since(start).Milliseconds()
	return res, nil
}

// withFault is p with every attempt of message n failing with kind.
func withFault(p *Profile, n int, kind string) *Profile {
	q := *p
	q.Messages = slices.Clone(p.Messages)
	set := *p.Messages[n-1]
	set.Faults = []Fault{{Rate: 1, Kind: kind}}
	if kind == report.FaultTimeout && set.Timeout == 0 && set.Deadline == 0 {
		set.Timeout = DefaultTimeout // a timeout needs a limit to wait for
	}
	q.Messages[n-1] = &set
	return &q
}
