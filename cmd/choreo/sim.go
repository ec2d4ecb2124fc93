package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/choreo-dev/choreo/internal/otelexport"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
)

const simUsage = `choreo sim DIAGRAM [--profile P] [--scenario S] [--set KEY=VALUE]...
                   [-n RUNS] [--seed N] [--workers W] [--traces FILE]
                   [--traces-sample K] [--format F] [-o FILE]
                   [--shard i/N] [--compare BASE.json]
    real time:     [--concurrency N] [--rate R] [--time-scale F] [--fault-log FILE]
                   [--otlp-endpoint URL] [--from-run I] [--dry-run]`

const simHelp = `Sim runs the flow of a diagram many times in virtual time (nothing sleeps)
with the latencies, faults, timeouts, retries and compensations of a profile
(docs/profile.md), and reports the SLA: end-to-end, completion and system
time percentiles, each message and exchange, outcomes, failure cascades and
SLO verdicts. Without --profile it runs on the documented defaults. The
diagram or the profile (one of them) may be - for standard input.

--set 'SELECTOR.key=value' (repeatable) overrides one setting of the
profile for a what-if, over the profile and the scenario: the keys are the
profile's (docs/whatif.md), e.g. --set '#4.fault.rate=0' or
--set 'App->>Billing: Provision subscription.latency=lognormal(median=240ms, p99=1.8s)'.

The result is the same for the same inputs and --seed on any machine and
any number of workers. Ctrl-C stops early and still writes the result of
the runs done, marked partial.

When the profile gives a participant an http or exec adapter, the runs are
made in real time against those systems (-n defaults to 10): each message to
them is a real call (http: POST {url}/{slug of the text} with a JSON body,
2xx is success; exec: the command with CHOREO_* variables, exit 0 is
success) carrying the run's W3C traceparent and tracestate; stubs sleep
their sampled latency times --time-scale; the profile's faults act in front
of the calls. --concurrency bounds the runs in flight, --rate starts them
open-loop (latency counts from the intended start), --dry-run prints the
requests with secrets redacted and sends nothing, Ctrl-C cancels the calls
in flight and writes the runs that ended.

Exit status: 0 done and every SLO held; 1 an SLO was breached; 2 trouble.

Examples:
  choreo sim testdata/provisioning.mmd --profile testdata/provisioning.yaml
  choreo sim flow.mmd -n 1000000 --seed 7 --format json -o result.json
  choreo sim flow.mmd --profile p.yaml --scenario billing-down
  choreo sim flow.mmd --profile p.yaml --set '#4.fault.rate=0' --set 'defaults.timeout=5s'
  choreo sim flow.mmd --traces runs.otlp.jsonl --traces-sample 1000
  choreo sim flow.mmd --profile real.yaml -n 100 --rate 5 --otlp-endpoint http://localhost:4318`

func runSim(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("sim", simUsage, simHelp, io)
	profile := fs.String("profile", "", "profile `FILE` (YAML; default: the documented defaults)")
	scenario := fs.String("scenario", "", "apply the profile's scenario `NAME`")
	sets := fs.StringArray("set", nil, "override a profile setting, `SELECTOR.key=value` (repeatable; docs/whatif.md)")
	runs := fs.Int64P("runs", "n", 100000, "number of `RUNS`")
	seed := fs.Uint64("seed", 1, "random seed `N`")
	workers := fs.Int("workers", 0, "`W` worker goroutines (default: one per CPU; the result does not depend on it)")
	traces := fs.String("traces", "", "write the runs as OTLP JSON lines (one TracesData per run) to `FILE`")
	every := fs.Int64("traces-sample", 1, "with --traces, keep every `K`-th run")
	format := fs.String("format", "text", "output format `F`: "+strings.Join(formatNames(), ", "))
	out := fs.StringP("output", "o", "", "write the result to `FILE` instead of standard output")
	shard := fs.String("shard", "", "run only shard `i/N` of the runs (merge the shards with choreo merge)")
	compare := fs.String("compare", "", "print the difference from the base result `BASE.json` instead")
	dry := fs.Bool("dry-run", false, "real time: print the requests and send nothing")
	rf := addRealFlags(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := rf.check(); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "expected one DIAGRAM"}
	}
	if *runs <= 0 {
		return &usageError{msg: fmt.Sprintf("-n must be positive, not %d", *runs)}
	}
	if *every <= 0 {
		return &usageError{msg: fmt.Sprintf("--traces-sample must be positive, not %d", *every)}
	}
	if *workers < 0 {
		return &usageError{msg: fmt.Sprintf("--workers must not be negative, not %d", *workers)}
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	f, err := openDiagram(io, []input{{"DIAGRAM", fs.Arg(0)}, {"--profile", *profile}, {"--compare", *compare}}, output{"-o", *out}, output{"--traces", *traces}, output{"--fault-log", *rf.faultLog})
	if err != nil {
		return err
	}
	d := f.Diagram
	var p *sim.Profile
	if *profile != "" {
		if p, err = loadProfile(io, *profile, d, *scenario, *sets...); err != nil {
			return err
		}
	} else {
		if *scenario != "" {
			return &usageError{msg: "--scenario needs --profile"}
		}
		// --set alone overrides the built-in defaults
		if p, err = sim.LoadProfile("", nil, d, "", *sets...); err != nil {
			return err
		}
	}
	if p.Real() {
		if !fs.Changed("runs") {
			*runs = defaultRealRuns
		}
		return runSimReal(ctx, io, f, p, rf, *runs, *seed, *dry, *shard, *traces, *format, *out, *compare)
	}
	if err := rf.virtualOnly(); err != nil {
		return err
	}
	if *dry {
		return writeOutput(io, *out, []byte("virtual time: every participant is a stub, nothing would be sent\n"))
	}
	o := sim.Options{Runs: *runs, Seed: *seed, Workers: *workers}
	if *shard != "" {
		if o.First, o.Count, err = parseShard(*shard, *runs); err != nil {
			return &usageError{msg: err.Error()}
		}
		if o.Count == 0 {
			return &usageError{msg: fmt.Sprintf("--shard %s of %d runs is empty", *shard, *runs)}
		}
	}
	var traceFile *outFile
	var traceBuf *bufio.Writer
	if *traces != "" {
		if traceFile, err = createOutput(io, *traces); err != nil {
			return err
		}
		defer traceFile.Abort() // unless committed below
		traceBuf = bufio.NewWriterSize(traceFile, 1<<16)
		w := otelexport.NewFile(traceBuf, d, *seed)
		w.AddCompensations(p.Extra)
		o.Trace, o.TraceEvery = w.Write, *every
	}
	total := *runs
	if o.Count > 0 {
		total = o.Count
	}
	stop := progress(io, total)
	o.Progress = stop.update
	res, simErr := sim.Simulate(ctx, d, p, o)
	stop.done()
	if res == nil {
		return simErr
	}
	if traceFile != nil {
		// the runs done are kept, as the result keeps them
		if err := traceBuf.Flush(); err != nil {
			return fmt.Errorf("--traces %s: %w", *traces, err)
		}
		if err := traceFile.Commit(); err != nil {
			return fmt.Errorf("--traces %w", err)
		}
	}
	f.describe(res)
	res.Shard = *shard
	if err := emit(io, res, *format, *out, *compare); err != nil {
		if simErr != nil && errors.Is(simErr, context.Canceled) {
			return fmt.Errorf("interrupted: the result covers %d of %d runs (marked partial)", res.Runs, total)
		}
		return err
	}
	if simErr != nil {
		if errors.Is(simErr, context.Canceled) {
			return fmt.Errorf("interrupted: the result covers %d of %d runs (marked partial)", res.Runs, total)
		}
		return simErr
	}
	return nil
}

// defaultRealRuns is -n in real time: a handful of runs, not a
// Monte Carlo sample.
const defaultRealRuns = 10

// runSimReal runs the flow in real time against the profile's adapters.
func runSimReal(ctx context.Context, io stdio, f *diagramFile, p *sim.Profile, rf *realFlags, runs int64, seed uint64,
	dry bool, shard, traces, format, out, compare string) error {
	d := f.Diagram
	if shard != "" {
		return &usageError{msg: "--shard is for virtual time: this profile gives a participant a real adapter"}
	}
	if dry {
		var b strings.Builder
		fmt.Fprintf(&b, "real time: %d runs, concurrency %d", runs, rf.effectiveConcurrency(runs))
		if *rf.rate > 0 {
			fmt.Fprintf(&b, ", %g runs/s", *rf.rate)
		}
		fmt.Fprintf(&b, ", stubs' sleeps ×%g\n", *rf.scale)
		if err := dryRequests(&b, d, p); err != nil {
			return err
		}
		return writeOutput(io, out, []byte(b.String()))
	}
	sess, err := rf.open(io, d, p, traces)
	if err != nil {
		return err
	}
	defer sess.abort() // on a return before the runs end
	o := sess.opts
	o.Runs, o.Seed = runs, seed
	stop := progress(io, runs)
	o.Progress = stop.update
	res, runErr := sim.RunReal(ctx, d, p, o)
	stop.done()
	if res == nil {
		sess.abort()
		return runErr
	}
	if cerr := sess.close(); cerr != nil && runErr == nil {
		runErr = cerr
	}
	f.describe(res)
	if err := emit(io, res, format, out, compare); err != nil {
		return err
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			return fmt.Errorf("interrupted: in-flight requests cancelled; the result covers the %d runs that ended (marked partial)", res.Runs)
		}
		return runErr
	}
	return nil
}

func formatNames() []string {
	var ns []string
	for _, n := range []string{"text", "json", "markdown", "html", "mermaid"} {
		if _, ok := report.Renderers[n]; ok {
			ns = append(ns, n)
		}
	}
	return ns
}

// progressBar draws a progress line on stderr when it is a terminal.
type progressBar struct {
	mu    sync.Mutex
	w     *os.File
	total int64
	last  time.Time
	start time.Time
}

func progress(io stdio, total int64) *progressBar {
	f, ok := io.err.(*os.File)
	if !ok || !isTerminal(f) {
		return &progressBar{}
	}
	return &progressBar{w: f, total: total, start: time.Now()}
}

func (p *progressBar) update(done int64) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond && done < p.total {
		return
	}
	p.last = time.Now()
	const width = 30
	n := int(float64(width) * float64(done) / float64(p.total))
	rate := float64(done) / time.Since(p.start).Seconds()
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d runs  %.0f runs/s ", strings.Repeat("█", n), strings.Repeat(" ", width-n), done, p.total, rate)
}

func (p *progressBar) done() {
	if p.w != nil {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
