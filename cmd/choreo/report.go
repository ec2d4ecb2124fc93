package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
)

const reportUsage = "choreo report RESULT.json [--format F] [--compare BASE.json] [--fail-on GATE]... [-o FILE]"

const reportHelp = `Report renders a result written by sim, check or drill with --format json,
without running anything again: text, json, markdown (an SLA document), html
(one self-contained page with charts) or mermaid (the diagram annotated with
the measured latencies); a drill's, text or json. RESULT.json or BASE.json
may be - for standard input.

--compare BASE.json prints, instead, the difference between BASE and RESULT
per run time and per step (p50, p95, p99, failure share), in text, markdown
or json: two simulations, or a simulation and production traces. Each
percentile carries a 95% confidence interval from its sample size, and a
change whose intervals overlap is marked ≈ (within noise); failure shares
change in percentage points (pp); a step without data shows —.

--fail-on 'METRIC OP VALUE' (repeatable) is a gate: exit status 1 when the
condition holds. METRIC is end_to_end.p99 (or completion, system_time),
failed, "From->>To: text".p95, #4.p95 or "#4".failed; OP is >, >=, <, <=;
VALUE is a level (1.2s, 2%) or, with --compare, a change: +10% (relative),
+0.5pp (points of a share), +50ms. See docs/gates.md.

--format junit writes the SLO verdicts and the gates as JUnit XML for CI.

Exit status 1 also when the result holds a finding, as the command that
wrote it did: a breached SLO, a trace that does not conform, a drill case
that is a finding.

Examples:
  choreo sim flow.mmd --profile p.yaml --format json -o result.json
  choreo report result.json --format markdown -o SLA.md
  choreo report result.json --format html -o report.html
  choreo report after.json --compare before.json --fail-on 'end_to_end.p99 > +10%'
  choreo report result.json --fail-on '"#4".p95 > 1.2s' --format junit -o gates.xml`

const mergeUsage = "choreo merge RESULT.json... [--format F] [-o FILE]"

const mergeHelp = `Merge combines the results of a simulation run in shards (choreo sim
--shard i/N, same diagram, profile and seed) into one: counts add up and
histograms merge exactly, so the merged result is the result of the whole
simulation. Trace checks of one diagram over disjoint traces (the /result
of several choreo serve instances) merge the same way. The output is JSON
unless --format says otherwise. One of the results may be - for standard
input.

It refuses a result given twice and results of other diagrams, profiles,
scenarios, seeds or sources (a simulation does not merge with a trace
check; drills do not merge), naming the files. Shards that leave some of
the N slices out merge into a result marked partial that names the shards
missing.

Examples:
  choreo sim flow.mmd -n 10000000 --shard 1/2 --format json -o a.json
  choreo sim flow.mmd -n 10000000 --shard 2/2 --format json -o b.json
  choreo merge a.json b.json -o all.json
  choreo merge a.json b.json --format markdown -o SLA.md`

func runReport(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("report", reportUsage, reportHelp, io)
	format := fs.String("format", "text", "output format `F`: "+strings.Join(formatNames(), ", ")+", or junit (SLO verdicts and gates)")
	compare := fs.String("compare", "", "print the difference from the base result `BASE.json`")
	failOn := fs.StringArray("fail-on", nil, "exit 1 when `GATE` holds: 'end_to_end.p99 > +10%', 'failed > +0.5pp', '\"#4\".p95 > 1.2s' (repeatable)")
	out := fs.StringP("output", "o", "", "write to `FILE` instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "expected one RESULT.json"}
	}
	if err := checkFormat(*format); err != nil && *compare == "" && *format != "junit" {
		return err
	}
	if err := stdinOnce(input{"RESULT.json", fs.Arg(0)}, input{"--compare", *compare}); err != nil {
		return err
	}
	if err := checkOutputs(output{"-o", *out}); err != nil {
		return err
	}
	res, err := readResult(io, fs.Arg(0))
	if err != nil {
		return err
	}
	if res.Drill != nil && *format != "text" && *format != "json" {
		// the other forms have no drill cases: they would show the runs of
		// every case summed up as if they were one simulation's
		return fmt.Errorf("no %s form for a drill: use text or json", *format)
	}
	var gates []report.Gate
	var bad srcpos.List
	for i, s := range *failOn {
		g, err := report.ParseGate(fmt.Sprintf("--fail-on[%d]", i+1), s, res.Model, *compare != "")
		if err != nil {
			bad = append(bad, srcpos.All(err)...)
			continue
		}
		gates = append(gates, g)
	}
	if err := bad.Err(); err != nil {
		return err
	}
	if *format == "junit" || len(gates) > 0 {
		err = emitGated(io, res, *format, *out, *compare, gates)
	} else {
		err = emit(io, res, *format, *out, *compare)
	}
	return withResultFindings(err, res)
}

// withResultFindings adds to emit's verdict the findings a result holds
// besides its SLOs, which check and drill judged when they wrote it:
// traces that do not conform, drill cases that are findings.
func withResultFindings(err error, res *report.Result) error {
	var fe *findingError
	if err != nil && !errors.As(err, &fe) {
		return err
	}
	var findings []string
	if cf := res.Conformance; cf != nil && cf.Conforming < cf.Traces {
		findings = append(findings, fmt.Sprintf("%d of %d traces do not conform", cf.Traces-cf.Conforming, cf.Traces))
	}
	if res.Drill != nil {
		n := 0
		for _, c := range res.Drill.Cases {
			if c.Finding() {
				n++
			}
		}
		if n > 0 {
			findings = append(findings, fmt.Sprintf("%d drill cases are findings", n))
		}
	}
	if fe != nil {
		findings = append(findings, fe.msg)
	}
	if len(findings) > 0 {
		return &findingError{msg: strings.Join(findings, "; ")}
	}
	return nil
}

// emitGated is emit with gates (--fail-on) and the junit format: the
// report (or comparison) is written as emit writes it, or the JUnit XML
// of the SLO verdicts and gates; each gate's verdict goes to stderr; a
// tripped gate, like a breached SLO, is a finding (exit 1).
func emitGated(io stdio, res *report.Result, format, out, compare string, gates []report.Gate) error {
	var base *report.Result
	if compare != "" {
		var err error
		if base, err = readResult(io, compare); err != nil {
			return err
		}
	}
	verdicts := report.JudgeGates(gates, base, res)
	var err error
	if format == "junit" {
		var buf bytes.Buffer
		if err = report.WriteJUnit(&buf, res, verdicts); err == nil {
			err = writeOutput(io, out, buf.Bytes())
		}
	} else {
		err = emit(io, res, format, out, compare)
		var fe *findingError
		if errors.As(err, &fe) {
			err = nil // the SLOs are judged again below, with the gates
		}
	}
	if err != nil {
		return err
	}
	var findings []string
	for _, v := range verdicts {
		state := "held"
		switch {
		case v.NoData:
			state = "no data"
		case v.Tripped:
			state = "TRIPPED"
			findings = append(findings, fmt.Sprintf("gate tripped: %s (%s)", v.Gate, v.Detail))
		}
		fmt.Fprintf(io.err, "gate %s: %s: %s\n", state, v.Gate, v.Detail)
	}
	for _, v := range res.SLO {
		if !v.OK {
			findings = append(findings, "SLO breached: "+v.Target)
		}
	}
	if len(findings) > 0 {
		return &findingError{msg: strings.Join(findings, "; ")}
	}
	return nil
}

func runMerge(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("merge", mergeUsage, mergeHelp, io)
	format := fs.String("format", "json", "output format `F`: "+strings.Join(formatNames(), ", "))
	out := fs.StringP("output", "o", "", "write to `FILE` instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return &usageError{msg: "expected RESULT.json files"}
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	var ins []input
	for _, path := range fs.Args() {
		ins = append(ins, input{"RESULT.json", path})
	}
	if err := stdinOnce(ins...); err != nil {
		return err
	}
	if err := checkOutputs(output{"-o", *out}); err != nil {
		return err
	}
	var rs []*report.Result
	var names []string
	for _, path := range fs.Args() {
		r, err := readResult(io, path)
		if err != nil {
			return err
		}
		rs, names = append(rs, r), append(names, path)
	}
	res, err := report.MergeNamed(names, rs)
	if err != nil {
		return err
	}
	return emit(io, res, *format, *out, "")
}

// readResult reads a result's JSON and parses its diagram for renderers.
func readResult(io stdio, path string) (*report.Result, error) {
	name, data, err := readInput(io, path)
	if err != nil {
		return nil, err
	}
	if err := isResult(data); err != nil {
		return nil, fmt.Errorf("%s: not a choreo result: %w", name, err)
	}
	var res report.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("%s: not a choreo result: %w", name, err)
	}
	if res.Version != report.Version {
		return nil, fmt.Errorf("%s: result format version %d, this choreo reads %d", name, res.Version, report.Version)
	}
	if res.DiagramSource != "" {
		if d, err := parser.Parse(res.Diagram, []byte(res.DiagramSource)); err == nil {
			res.Model = d
		}
	}
	return &res, nil
}

// isResult tells why data is not the JSON of a choreo result (a JSON
// object with version and source fields, as sim, check and drill write
// with --format json), or nil.
func isResult(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("the input is empty")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			hint := ""
			if te.Value == "array" {
				hint = tracesHint // Zipkin's traces are an array
			}
			return fmt.Errorf("a JSON %s, not an object with version/source fields%s", te.Value, hint)
		}
		return fmt.Errorf("not JSON (%w)", err)
	}
	var missing []string
	for _, f := range []string{"version", "source"} {
		if _, ok := fields[f]; !ok {
			missing = append(missing, f)
		}
	}
	hint := ""
	for _, f := range []string{"resourceSpans", "data", "traceId"} {
		if _, ok := fields[f]; ok {
			hint = tracesHint
		}
	}
	switch len(missing) {
	case 2:
		return fmt.Errorf("no version/source fields%s", hint)
	case 1:
		return fmt.Errorf("no %s field%s", missing[0], hint)
	}
	return nil
}

// tracesHint points a trace file given as a result to the command that
// reads traces.
const tracesHint = " (traces are read by choreo check)"

// emit renders a result (or its comparison with a base) and writes it;
// an SLO breached in the result is a finding (exit 1).
func emit(io stdio, res *report.Result, format, out, compare string) error {
	var buf bytes.Buffer
	var err error
	switch {
	case compare != "":
		var base *report.Result
		if base, err = readResult(io, compare); err != nil {
			return err
		}
		if base.Drill != nil || res.Drill != nil {
			// a drill's runs are its cases' summed up: no run time to compare
			return errors.New("a drill does not compare: --compare takes simulations and trace checks")
		}
		err = report.WriteComparison(&buf, report.Compare(base, res), format)
	case format == "text" && (out == "" || out == "-") && colorOK(io.out):
		err = report.WriteText(&buf, res, report.TextOptions{Color: true})
	default:
		err = report.Renderers[format](&buf, res)
	}
	if err != nil {
		return err
	}
	if err := writeOutput(io, out, buf.Bytes()); err != nil {
		return err
	}
	var breached []string
	for _, v := range res.SLO {
		if !v.OK {
			breached = append(breached, v.Target)
		}
	}
	if len(breached) > 0 {
		return &findingError{msg: "SLO breached: " + strings.Join(breached, "; ")}
	}
	return nil
}

// parseShard reads "i/N" (1 <= i <= N) and returns the runs [first,
// first+count) of that shard out of runs.
func parseShard(s string, runs int64) (first, count int64, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.ParseInt(a, 10, 64)
	n, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("--shard %q: want i/N with 1 <= i <= N, e.g. 2/4", s)
	}
	first, count = report.ShardRuns(i, n, runs)
	return first, count, nil
}
