package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/lookup"
	"github.com/choreo-dev/choreo/sim"
)

const drillUsage = `choreo drill DIAGRAM --profile P [--scenario S] [--set KEY=VALUE]...
                     [-k RUNS] [--max-runs N] [--human-time] [--seed N]
                     [--case "MESSAGE FAULT"]... [--dry-run] [--format text|json] [-o FILE]
    real time:       [--concurrency N] [--rate R] [--time-scale F] [--traces FILE]
                     [--fault-log FILE] [--otlp-endpoint URL]`

const drillHelp = `Drill injects each fault kind at each message, one at a time — error and
timeout on every request and one-way message a system sends, drop on its
async messages; replies and what actors send are not drilled — and runs
the flow per case until K runs reached the fault (in virtual time: K runs,
then more while a branch, an opt or a loop keeps the message from running,
up to --max-runs). For each case it reports how many runs reached the
fault, the outcomes, whether the compensations ran and succeeded, when the
initiator saw the failure, the latency SLOs, and a verdict on the runs that
reached the fault:

  handled       every run ok or handled by the diagram (a bound branch,
                a drawn error, a break)
  expected      runs failed, and the profile's expect: on that message
                says this failure is accepted
  failed        runs failed and nothing expects it        (a finding)
  inconsistent  a compensation failed                     (a finding)
  slo           over a latency SLO of the profile         (a finding)
  not reached   no run sent the message: nothing was drilled; the case
                names a scenario that takes its branch

Every finding says why (the runs that failed and the cascade, the SLO
target and what was observed) and a fix ready to paste (an expect:, a
bound branch, a shorter timeout, retried compensations). A latency target
is breached only when the runs support it: the p99 of 20 runs is their
maximum, so one slow run of 20 does not breach it, and the report says so.
Targets whose path includes human time (end_to_end, completion, and
actors' exchanges, when an actor sends messages) are left out unless
--human-time.

A case is pruned when the fault cascades into an enclosing exchange whose
failure a bound branch handles: that exchange's own case drills the same
path (Filibuster's pruning). --dry-run prints the plan and runs nothing.
--case "#7 timeout" runs only that case, with the seed and run numbers it
has in the whole drill: it replays what the sweep saw. The diagram or the
profile (one of them) may be - for standard input.

When the profile gives a participant an http or exec adapter, the drill runs
in real time against the real systems, the faults injected in front of the
real calls (see choreo sim -h). The K runs of a case are then in flight
together (see --concurrency), cases one after another; every run has its
own trace id.

Exit status: 0 no finding, 1 a finding, 2 trouble.

Examples:
  choreo drill testdata/provisioning.mmd --profile testdata/provisioning.yaml
  choreo drill flow.mmd --profile p.yaml -k 100 --format json -o drill.json
  choreo drill flow.mmd --profile p.yaml --dry-run`

// maxDrillConcurrency caps the default --concurrency of a real-time drill.
const maxDrillConcurrency = 32

func runDrill(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("drill", drillUsage, drillHelp, io)
	profile := fs.String("profile", "", "profile `FILE` (YAML)")
	scenario := fs.String("scenario", "", "apply the profile's scenario `NAME`")
	sets := fs.StringArray("set", nil, "override a profile setting, `SELECTOR.key=value` (repeatable; docs/whatif.md)")
	runs := fs.Int64P("runs", "k", 20, "`RUNS` per case that reach the fault")
	maxRuns := fs.Int64("max-runs", 0, "at most `N` runs per case while few reach the fault (virtual time; default 50·k)")
	humanTime := fs.Bool("human-time", false, "judge latency targets that include human time (actors' messages) too")
	seed := fs.Uint64("seed", 1, "random seed `N`")
	dry := fs.Bool("dry-run", false, "print the cases and run nothing")
	format := fs.String("format", "text", "output format: `text|json`")
	out := fs.StringP("output", "o", "", "write the result to `FILE` instead of standard output")
	traces := fs.String("traces", "", "real time: write the runs as OTLP JSON lines to `FILE`")
	only := fs.StringArray("case", nil, "run only the case `\"MESSAGE FAULT\"` (\"#7 timeout\"; repeatable), with the seed and run numbers it has in the whole drill")
	rf := addRealFlags(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := rf.check(); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "expected one DIAGRAM"}
	}
	if *profile == "" {
		return &usageError{msg: "--profile is required: a drill needs the profile's timeouts, retries and handlers"}
	}
	if *runs <= 0 {
		return &usageError{msg: fmt.Sprintf("-k must be positive, not %d", *runs)}
	}
	if *format != "text" && *format != "json" {
		return &usageError{msg: fmt.Sprintf("unknown --format %q: use text or json", *format)}
	}
	f, err := openDiagram(io, []input{{"DIAGRAM", fs.Arg(0)}, {"--profile", *profile}}, output{"-o", *out}, output{"--traces", *traces}, output{"--fault-log", *rf.faultLog})
	if err != nil {
		return err
	}
	d := f.Diagram
	p, err := loadProfile(io, *profile, d, *scenario, *sets...)
	if err != nil {
		return err
	}
	plan := sim.PlanDrill(d, p)
	if *dry {
		msgs := d.Messages()
		var b strings.Builder
		fmt.Fprintf(&b, "%d cases, %d runs each (%d runs); nothing is sent\n", len(plan.Cases), *runs, int64(len(plan.Cases))**runs)
		for _, c := range plan.Cases {
			fmt.Fprintf(&b, "  #%d %s  %s\n", c.N, msgs[c.N-1].Selector(), c.Fault)
		}
		for _, pr := range plan.Pruned {
			fmt.Fprintf(&b, "  pruned: #%d %s  %s (covered by the handler of #%d)\n", pr.N, msgs[pr.N-1].Selector(), pr.Fault, pr.CoveredBy)
		}
		if p.Real() {
			if err := dryRequests(&b, d, p); err != nil {
				return err
			}
		}
		return writeOutput(io, *out, []byte(b.String()))
	}
	if *maxRuns < 0 {
		return &usageError{msg: fmt.Sprintf("--max-runs must not be negative, not %d", *maxRuns)}
	}
	do := sim.DrillOptions{Runs: *runs, Seed: *seed, MaxRuns: *maxRuns, HumanTime: *humanTime}
	var sess *realSession
	if p.Real() {
		if !fs.Changed("concurrency") {
			// a case's runs are repetitions of one experiment: in flight
			// together, so that timeout cases wait their timeout once
			*rf.concurrency = int(min(*runs, maxDrillConcurrency))
		}
		if sess, err = rf.open(io, d, p, *traces); err != nil {
			return err
		}
		// a return before the drill ends leaves no files
		defer sess.abort()
		sess.opts.Concurrency = *rf.concurrency // K by default, even with --rate
		do.Real = &sess.opts
	} else if *traces != "" {
		return &usageError{msg: "--traces is for drills in real time (a participant with an http or exec adapter)"}
	} else if err := rf.virtualOnly(); err != nil {
		return err
	}
	if len(*only) > 0 {
		pick, err := pickCases(d, plan, *only, *profile)
		if err != nil {
			return err
		}
		do.Only = pick
	}
	ncases := 0
	for _, c := range plan.Cases {
		if do.Only == nil || do.Only(c) {
			ncases++
		}
	}
	stop := progress(io, int64(ncases)**runs)
	do.Progress = stop.update
	res, drillErr := sim.Drill(ctx, d, p, do)
	stop.done()
	if sess != nil {
		// the trace file, the fault log, the OTLP exporter's last batch
		if res == nil {
			sess.abort()
		} else if cerr := sess.close(); cerr != nil && drillErr == nil {
			drillErr = cerr
		}
	}
	if res == nil {
		return drillErr
	}
	f.describe(res)
	if err := emit(io, res, *format, *out, ""); err != nil {
		return err
	}
	if drillErr != nil {
		if errors.Is(drillErr, context.Canceled) {
			return fmt.Errorf("interrupted: the result covers the %d cases done (marked partial)", len(res.Drill.Cases))
		}
		return drillErr
	}
	var findings []string
	for _, c := range res.Drill.Cases {
		if c.Finding() {
			findings = append(findings, fmt.Sprintf("#%d %s %s", c.N, c.Fault, c.Verdict))
		}
	}
	if len(findings) > 0 {
		return &findingError{msg: fmt.Sprintf("%d drill cases are findings: %s", len(findings), strings.Join(findings, ", "))}
	}
	return nil
}

// pickCases reads --case values ("#7 timeout", "App->>IdP: Invite first
// admin error") into a filter of the drill's cases; each must name a case
// the drill has.
func pickCases(d *flow.Diagram, plan *sim.DrillPlan, specs []string, profile string) (func(sim.FaultCase) bool, error) {
	want := map[sim.FaultCase]bool{}
	for _, spec := range specs {
		m, fault, err := d.LookupWhen(spec)
		if err != nil {
			// the lookup words it for a profile's when: ("when \"#9 error\": …")
			return nil, &usageError{msg: "--case " + strings.TrimPrefix(lookup.Explain(err).Error(), "when ")}
		}
		c := sim.FaultCase{N: m.N, Fault: fault}
		if !slices.Contains(plan.Cases, c) {
			var names []string
			for _, pc := range plan.Cases {
				names = append(names, fmt.Sprintf("#%d %s", pc.N, pc.Fault))
			}
			return nil, &usageError{msg: fmt.Sprintf("--case %q: the drill of %s has no such case; it has %s", spec, profile, strings.Join(names, ", "))}
		}
		want[c] = true
	}
	return func(c sim.FaultCase) bool { return want[c] }, nil
}
