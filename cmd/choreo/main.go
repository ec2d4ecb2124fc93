// Command choreo reads a Mermaid sequenceDiagram of a multi-system flow and
// parses, simulates and checks it. Run `choreo help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// stdio carries the streams of one invocation.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// command is one subcommand.
type command struct {
	short string // one line for the command list
	usage string // first line: the synopsis
	help  string // the rest: what it does, flags are appended
	run   func(ctx context.Context, args []string, io stdio) error
}

var commands = map[string]command{
	"sim":    {short: "simulate the flow many times under a profile", usage: simUsage, help: simHelp, run: runSim},
	"report": {short: "render a JSON result as text, Markdown, HTML or JSON", usage: reportUsage, help: reportHelp, run: runReport},
	"merge":  {short: "merge results of shards into one", usage: mergeUsage, help: mergeHelp, run: runMerge},
	"drill":  {short: "inject each fault at each message and judge each case", usage: drillUsage, help: drillHelp, run: runDrill},
	"check":  {short: "check recorded traces against the diagram", usage: checkUsage, help: checkHelp, run: runCheck},
	"serve":  {short: "receive OTLP traces over HTTP and check them as they arrive", usage: serveUsage, help: serveHelp, run: runServe},
	"parse":  {short: "parse the diagram as Mermaid does; print JSON or Mermaid", usage: parseUsage, help: parseHelp, run: runParse},
}

// usageError is trouble with the command line (exit 2, with a hint).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// findingError reports findings (exit 1): an SLO breached, a trace that
// does not conform, a drill case that fails.
type findingError struct{ msg string }

func (e *findingError) Error() string { return e.msg }

// reportedError is trouble already explained on stderr (exit 2).
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	io := stdio{in: stdin, out: stdout, err: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fmt.Fprintln(stdout, "usage: "+c.usage+"\n\n"+c.help)
				return 0
			}
		}
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "choreo: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	err := c.run(ctx, args[1:], io)
	var ue *usageError
	var fe *findingError
	var re *reportedError
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.As(err, &fe):
		fmt.Fprintf(stderr, "choreo %s: %v\n", args[0], err)
		return 1
	case errors.As(err, &re):
		return 2
	case srcpos.Print(stderr, err) > 0:
		// each problem in an input file (a diagram, a profile, a map):
		// FILE:LINE:COL: what is wrong, then the line and a caret
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "choreo %s: %v\nusage: %s\n", args[0], err, c.usage)
		return 2
	default:
		fmt.Fprintf(stderr, "choreo %s: %v\n", args[0], err)
		return 2
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "choreo reads a Mermaid sequenceDiagram of a multi-system flow.\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].short)
	}
	fmt.Fprintln(w, "\nRun 'choreo help COMMAND' for details. Exit status: 0 all held, 1 a finding, 2 trouble.")
}

// newFlags makes a command's flag set; its usage goes to the command's
// stderr and pflag errors come back as usage errors.
func newFlags(name, synopsis, help string, io stdio) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.err)
	fs.Usage = func() {
		fmt.Fprintln(io.err, "usage: "+synopsis+"\n\n"+help+"\n\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	return nil
}

// loadProfile reads the profile at path and resolves it against d.
func loadProfile(path string, d *flow.Diagram, scenario string) (*sim.Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return sim.LoadProfile(path, data, d, scenario)
}

// checkFormat refuses a --format no renderer has.
func checkFormat(format string) error {
	if _, ok := report.Renderers[format]; !ok {
		return &usageError{msg: fmt.Sprintf("unknown --format %q: use %s", format, strings.Join(formatNames(), ", "))}
	}
	return nil
}

// readInput reads a file, or stdin for "-". The name is what positions
// show.
func readInput(io stdio, path string) (name string, data []byte, err error) {
	if path == "-" {
		data, err = readAll(io.in)
		return "<stdin>", data, err
	}
	data, err = os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return path, nil, fmt.Errorf("%s: %w", path, pe.Err)
		}
	}
	return path, data, err
}

func readAll(r io.Reader) ([]byte, error) {
	var sb strings.Builder
	_, err := io.Copy(&sb, r)
	return []byte(sb.String()), err
}

// writeOutput writes to stdout, or to a file for -o FILE ("-" is stdout).
// A file is written whole or not at all.
func writeOutput(io stdio, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := io.out.Write(data)
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
