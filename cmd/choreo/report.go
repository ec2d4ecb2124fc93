package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
)

const reportUsage = "choreo report RESULT.json [--format F] [--compare BASE.json] [-o FILE]"

const reportHelp = `Report renders a result written by sim (or check) with --format json, without
running anything again: text, json, markdown (an SLA document), html (one
self-contained page with charts) or mermaid (the diagram annotated with the
measured latencies). RESULT.json may be - for standard input.

--compare BASE.json prints, instead, the difference between BASE and RESULT
per run time and per step (p50, p95, p99, failure share), in text, markdown
or json: two simulations, or a simulation and production traces.

Examples:
  choreo sim flow.mmd --profile p.yaml --format json -o result.json
  choreo report result.json --format markdown -o SLA.md
  choreo report result.json --format html -o report.html
  choreo report after.json --compare before.json`

const mergeUsage = "choreo merge RESULT.json... [--format F] [-o FILE]"

const mergeHelp = `Merge combines the results of a simulation run in shards (choreo sim
--shard i/N, same diagram, profile and seed) into one: counts add up and
histograms merge exactly, so the merged result is the result of the whole
simulation. The output is JSON unless --format says otherwise.

It refuses a shard given twice and results of other diagrams, profiles,
scenarios, seeds or sources (trace checks and drills do not merge), naming
the files. Shards that leave some of the N slices out merge into a result
marked partial that names the shards missing.

Example:
  choreo sim flow.mmd -n 10000000 --shard 1/2 --format json -o a.json
  choreo sim flow.mmd -n 10000000 --shard 2/2 --format json -o b.json
  choreo merge a.json b.json -o all.json`

func runReport(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("report", reportUsage, reportHelp, io)
	format := fs.String("format", "text", "output format: "+strings.Join(formatNames(), ", "))
	compare := fs.String("compare", "", "print the difference from the base result `BASE.json`")
	out := fs.StringP("output", "o", "", "write to `FILE` instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "expected one RESULT.json"}
	}
	if err := checkFormat(*format); err != nil && *compare == "" {
		return err
	}
	res, err := readResult(io, fs.Arg(0))
	if err != nil {
		return err
	}
	return emit(io, res, *format, *out, *compare)
}

func runMerge(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("merge", mergeUsage, mergeHelp, io)
	format := fs.String("format", "json", "output format: "+strings.Join(formatNames(), ", "))
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
