package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/trace"
)

const checkUsage = `choreo check DIAGRAM TRACE... [--map M] [--suggest-map FILE] [--profile P]
                     [--workers W] [--format F] [-o FILE]`

const checkHelp = `Check reads traces (OTLP JSON or protobuf, Jaeger JSON, Zipkin v2 JSON,
any of them gzipped; the format is told by the content), maps their spans
to the diagram's participants and messages (by service and span names, or
with the mapping file of --map), and reports:
how many traces follow the diagram and the most frequent deviations
(missing, unexpected, out-of-order messages, with example trace ids);
latency percentiles per message (a request: server start − client start; a
reply: client end − server end) and per exchange (the client span's
duration), end to end, and each exchange's share of the critical path;
the root cause of each failed trace and the chain of calls it failed; and
the verdicts of the profile's SLO targets (--profile, its slo section).
Services and span names that the mapping could not place are listed with
their nearest participant or message; --suggest-map writes a map file that
places them (the entries of --map kept), to check and pass with --map.
docs/map.md documents the map format. One of the diagram, the traces, the
map and the profile may be - for standard input.

Spans that cannot be used (bad ids, missing times, end before start) are
counted and the first few shown with their reasons, by file:line; the rest
of their trace is still checked. Damaged input is skipped, never fatal: a
line of NDJSON that does not parse (a cut last line too) or an array
element that is not a span or trace is left out, counted as malformed,
listed by file:line, and summed up on stderr, one line per kind ("t.json:
3 lines skipped: invalid JSON (first at line 17)"); a single document cut
short keeps the spans read before the cut. The rest is checked as usual.

Exit status: 0 every trace conforms and every SLO held; 1 a trace does not
conform or an SLO was breached; 2 trouble (a file from which no trace at
all can be read included).

Examples:
  choreo check testdata/provisioning.mmd traces.otlp.jsonl
  choreo check flow.mmd jaeger.json zipkin.json --map map.yaml --profile p.yaml
  choreo check flow.mmd traces.json.gz --format json -o check.json
  choreo check flow.mmd traces.json --suggest-map map.yaml`

func runCheck(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("check", checkUsage, checkHelp, io)
	mapFile := fs.String("map", "", "mapping `FILE` (YAML) from services and spans to participants and messages")
	suggestMap := fs.String("suggest-map", "", "write to `FILE` a map that places what the mapping missed (docs/map.md)")
	profile := fs.String("profile", "", "profile `FILE` whose slo targets to judge")
	format := fs.String("format", "text", "output format `F`: "+strings.Join(formatNames(), ", "))
	out := fs.StringP("output", "o", "", "write the result to `FILE` instead of standard output")
	workers := fs.Int("workers", 0, "`W` worker goroutines (default: one per CPU; the result does not depend on it)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return &usageError{msg: "expected a DIAGRAM and at least one TRACE file"}
	}
	if *workers < 0 {
		return &usageError{msg: fmt.Sprintf("--workers must not be negative, not %d", *workers)}
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	ins := []input{{"DIAGRAM", fs.Arg(0)}, {"--map", *mapFile}, {"--profile", *profile}}
	for _, t := range fs.Args()[1:] {
		ins = append(ins, input{"TRACE", t})
	}
	f, err := openDiagram(io, ins, output{"-o", *out}, output{"--suggest-map", *suggestMap})
	if err != nil {
		return err
	}
	d := f.Diagram
	m, mapData, err := loadMapping(io, *mapFile, d)
	if err != nil {
		return err
	}
	var specs []report.SLOTarget
	var profileName string
	if *profile != "" {
		p, err := loadProfile(io, *profile, d, "")
		if err != nil {
			return err
		}
		specs = p.SLO
		profileName = filepath.Base(p.Path)
	}

	start := time.Now()
	c := trace.NewChecker(d, m, trace.NewAligner(d))
	c.SLO = specs
	in := &report.Input{Problems: []report.Problem{}}
	for _, path := range fs.Args()[1:] {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := checkFile(io, path, c, in, *workers); err != nil {
			return err
		}
	}

	res := c.Result()
	res.Input = in
	res.ElapsedMS = time.Since(start).Milliseconds()
	f.describe(res)
	if profileName != "" {
		res.Profile = profileName
	}
	if *suggestMap != "" {
		if err := writeSuggestedMap(io, *suggestMap, d, mapData, res); err != nil {
			return err
		}
	}
	return withResultFindings(emit(io, res, *format, *out, ""), res)
}

// noTraces is the trouble of a file that holds no traces.
const noTraces = "no traces: expected OTLP JSON or protobuf, Jaeger JSON or Zipkin v2 JSON"

// checkFile reads one trace file into the checker, trace by trace, and
// adds what it read to in.
func checkFile(sio stdio, path string, c *trace.Checker, in *report.Input, workers int) error {
	var r io.Reader = sio.in
	name := "<stdin>"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				return fmt.Errorf("%s: %w", path, pe.Err)
			}
			return err
		}
		defer f.Close()
		r, name = f, path
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rd, n, err := c.CheckInput(r, name, workers)
	if err != nil {
		if errors.Is(err, trace.ErrUnknownFormat) {
			return fmt.Errorf("%s: %s", name, noTraces)
		}
		return err
	}
	warnings := rd.Warnings()
	if n == 0 {
		if len(warnings) > 0 {
			// what made the file unreadable, said once
			return fmt.Errorf("%s: no traces: %s", name, strings.TrimPrefix(warnings[0], name+": "))
		}
		return fmt.Errorf("%s: %s", name, noTraces)
	}
	for _, w := range warnings {
		fmt.Fprintln(sio.err, w)
	}
	rd.AddTo(in)
	return nil
}
