package main

import (
	"bufio"
	"bytes"
	"context"

	"fmt"
	"os"
	"path/filepath"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
	"github.com/choreo-dev/choreo/trace"
)

const fitUsage = "choreo fit DIAGRAM TRACE...|CHECK_RESULT.json [--map M] [-o PROFILE]"

const fitHelp = `Fit turns what production traces show into a profile (docs/profile.md)
that choreo sim loads as is, so that production can be replayed as a
what-if. The traces are read and aligned as choreo check does (same
formats, same --map); per message it writes the latency distribution that
fits best (constant, exponential, lognormal, gamma, Weibull or quantiles,
chosen by Kolmogorov-Smirnov distance), the rates of the errors and
timeouts that started there, the timeout where callers gave up and the
retry policy where calls were retried; per block, the alt/critical weights
(or the failure a branch handles), opt and break probabilities and loop
iterations. Each entry is commented with its sample size, the chosen fit,
its KS distance D and the observed p50/p99.

A message's latency is what the simulator adds for it: a request's is the
time to reach the callee plus the callee's own time (its span less its
nested calls, which have entries of their own), a reply's the time back.

From a CHECK_RESULT.json (choreo check --format json) instead of traces,
only latencies and fault rates are fitted, from the result's histograms.

Exit status: 0 the profile was written; 2 trouble (no trace could be read,
a result of another diagram).

Examples:
  choreo fit testdata/provisioning.mmd traces.otlp.jsonl -o fitted.yaml
  choreo sim testdata/provisioning.mmd --profile fitted.yaml -n 100000
  choreo fit flow.mmd check.json -o fitted.yaml`

func runFit(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("fit", fitUsage, fitHelp, io)
	mapFile := fs.String("map", "", "mapping `FILE` (YAML) from services and spans to participants and messages")
	out := fs.StringP("output", "o", "", "write the profile to `FILE` instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return &usageError{msg: "expected a DIAGRAM and at least one TRACE file (or a CHECK_RESULT.json)"}
	}
	ins := []input{{"DIAGRAM", fs.Arg(0)}, {"--map", *mapFile}}
	for _, t := range fs.Args()[1:] {
		ins = append(ins, input{"TRACE", t})
	}
	f, err := openDiagram(io, ins, output{"-o", *out})
	if err != nil {
		return err
	}
	d := f.Diagram
	inputs := fs.Args()[1:]

	var res *report.Result
	if len(inputs) == 1 && isResultFile(inputs[0]) {
		if *mapFile != "" {
			return &usageError{msg: "--map applies to traces, not to a check result"}
		}
		if res, err = readResult(io, inputs[0]); err != nil {
			return err
		}
		if res.Source != "trace" {
			return fmt.Errorf("%s: a result of choreo %s, not of choreo check", inputs[0], res.Source)
		}
	} else {
		if res, err = fitTraces(ctx, io, d, *mapFile, inputs); err != nil {
			return err
		}
		f.describe(res)
	}
	data, err := sim.FitProfile(d, res)
	if err != nil {
		return fmt.Errorf("%s: %w", inputs[0], err)
	}
	// what is written must load: a fit the loader refuses is a bug here
	if _, err := sim.LoadProfile(profileName(*out), data, d, ""); err != nil {
		return fmt.Errorf("the fitted profile does not load (please report): %w", err)
	}
	return writeOutput(io, *out, data)
}

// profileName is the name the fitted profile's positions would show.
func profileName(out string) string {
	if out == "" || out == "-" {
		return "<fitted profile>"
	}
	return filepath.Base(out)
}

// fitTraces checks the traces as choreo check does, keeping what a fit
// needs (trace.Checker.KeepFit).
func fitTraces(ctx context.Context, io stdio, d *flow.Diagram, mapFile string, paths []string) (*report.Result, error) {
	m, _, err := loadMapping(io, mapFile, d)
	if err != nil {
		return nil, err
	}
	c := trace.NewChecker(d, m, trace.NewAligner(d))
	c.KeepFit()
	in := &report.Input{Problems: []report.Problem{}}
	for _, path := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := checkFile(io, path, c, in, 0); err != nil {
			return nil, err
		}
	}
	res := c.Result()
	res.Input = in
	return res, nil
}

// isResultFile reports whether path holds a choreo result (JSON that
// opens with its "version" key) rather than traces: only its first bytes
// are read.
func isResultFile(path string) bool {
	if path == "-" {
		return false
	}
	fh, err := os.Open(path)
	if err != nil {
		return false
	}
	defer fh.Close()
	head := make([]byte, 64)
	n, _ := bufio.NewReader(fh).Read(head)
	head = bytes.TrimLeft(head[:n], " \t\r\n")
	if !bytes.HasPrefix(head, []byte("{")) {
		return false
	}
	head = bytes.TrimLeft(head[1:], " \t\r\n")
	return bytes.HasPrefix(head, []byte(`"version"`))
}
