package main

import (
	"bytes"
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/choreo-dev/choreo/lint"
	"github.com/choreo-dev/choreo/sim"
)

const lintUsage = `choreo lint DIAGRAM [--profile P] [--scenario S] [--format text|json|sarif]
                    [--fail-level L] [-o FILE]`

const lintHelp = `Lint reports what the diagram and its profile imply before anything runs,
each finding with its position (the diagram's line, or the profile's for an
entry only the profile has), a severity (error, warning, note) and a fix:

  timeout-exceeds-caller   a callee's timeout × attempts (+ backoff) longer
                           than its caller's timeout or deadline
  retry-not-idempotent     retries on a message not marked idempotent
  unhandled-failure        a step that can fail after compensable steps,
                           with neither a compensation nor a handler
  unanswered-request       a request no reply answers
  reply-without-request    a reply with no open request
  unused-participant       a declared participant no message uses
  slo-below-least-latency  an SLO tighter than its path's least latency
  slo-includes-human-time  an end_to_end SLO over actors' messages
  branch-weight-zero, block-probability-zero, when-cannot-happen,
  drop-on-sync             profile entries that never take effect

Without --profile only the diagram's structure is checked. --format sarif
writes SARIF 2.1.0, which GitHub code scanning shows on the diagram's lines.

Exit status: 0 no finding at or above --fail-level (default warning), 1 such
a finding, 2 trouble (an invalid diagram or profile).

Examples:
  choreo lint testdata/provisioning.mmd --profile testdata/provisioning.yaml
  choreo lint flow.mmd
  choreo lint flow.mmd --profile p.yaml --format sarif -o lint.sarif`

func runLint(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("lint", lintUsage, lintHelp, io)
	profile := fs.String("profile", "", "profile `FILE` (YAML); without it only the diagram is checked")
	scenario := fs.String("scenario", "", "lint the profile with its scenario `NAME` applied")
	format := fs.String("format", "text", "output format: text, json or sarif")
	failLevel := fs.String("fail-level", lint.Warning, "exit 1 when a finding is at least level `L`: error, warning or note")
	out := fs.StringP("output", "o", "", "write the findings to `FILE` instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "expected one DIAGRAM (or - for standard input)"}
	}
	if !slices.Contains(lint.Formats, *format) {
		return &usageError{msg: fmt.Sprintf("unknown --format %q: use %s", *format, strings.Join(lint.Formats, ", "))}
	}
	level := lint.Rank(*failLevel)
	if level == 0 {
		return &usageError{msg: fmt.Sprintf("unknown --fail-level %q: use error, warning or note", *failLevel)}
	}
	if *scenario != "" && *profile == "" {
		return &usageError{msg: "--scenario needs --profile"}
	}
	f, err := openDiagram(io, []input{{"DIAGRAM", fs.Arg(0)}, {"--profile", *profile}}, output{"-o", *out})
	if err != nil {
		return err
	}
	var p *sim.Profile
	if *profile != "" {
		name, data, err := readInput(io, *profile)
		if err != nil {
			return err
		}
		if p, err = sim.LoadProfileLint(name, data, f.Diagram, *scenario); err != nil {
			return err
		}
	}
	findings := lint.Lint(f.Diagram, p)
	var buf bytes.Buffer
	bi, _ := debug.ReadBuildInfo()
	if err := lint.Write(&buf, findings, *format, moduleVersion(bi)); err != nil {
		return err
	}
	if err := writeOutput(io, *out, buf.Bytes()); err != nil {
		return err
	}
	n := 0
	for _, x := range findings {
		if lint.Rank(x.Severity) >= level {
			n++
		}
	}
	if n > 0 {
		return &findingError{msg: fmt.Sprintf("%d lint findings at or above %s", n, *failLevel)}
	}
	return nil
}
