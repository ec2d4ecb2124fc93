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
	"github.com/choreo-dev/choreo/internal/suggest"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
	"github.com/choreo-dev/choreo/trace"
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
	usage string // the synopsis; continuation lines are indented under "choreo"
	help  string // what it does, then "Examples:" and two or three of them
	run   func(ctx context.Context, args []string, io stdio) error
}

var commands = map[string]command{
	"sim":     {short: "simulate the flow many times under a profile", usage: simUsage, help: simHelp, run: runSim},
	"report":  {short: "render, compare and gate JSON results: text, Markdown, HTML, Mermaid, JUnit", usage: reportUsage, help: reportHelp, run: runReport},
	"merge":   {short: "merge the results of shards (or of serve instances) into one", usage: mergeUsage, help: mergeHelp, run: runMerge},
	"drill":   {short: "inject each fault at each message and judge each case", usage: drillUsage, help: drillHelp, run: runDrill},
	"check":   {short: "check recorded traces against the diagram", usage: checkUsage, help: checkHelp, run: runCheck},
	"fit":     {short: "fit a profile to recorded traces, to replay production in sim", usage: fitUsage, help: fitHelp, run: runFit},
	"lint":    {short: "report timeouts, retries, handlers and SLOs that cannot work, before running", usage: lintUsage, help: lintHelp, run: runLint},
	"serve":   {short: "receive OTLP traces and check them as they arrive", usage: serveUsage, help: serveHelp, run: runServe},
	"parse":   {short: "parse the diagram as Mermaid does; print JSON or Mermaid", usage: parseUsage, help: parseHelp, run: runParse},
	"version": {short: "print choreo's version and the revision it was built from", usage: versionUsage, help: versionHelp, run: runVersion},
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
	if len(args) == 0 {
		// no command is a usage error: the list goes with it to stderr
		usage(stderr)
		return 2
	}
	name, args := args[0], args[1:]
	switch name {
	case "help", "-h", "--help":
		if len(args) == 0 || len(args) == 1 && args[0] == "help" {
			usage(stdout)
			return 0
		}
		if len(args) > 1 {
			fmt.Fprintf(stderr, "choreo help: expected one COMMAND, not %d words\n", len(args))
			return 2
		}
		// the same text as `choreo COMMAND --help`, through the same path
		name, args = args[0], []string{"--help"}
		if _, ok := commands[name]; !ok {
			fmt.Fprintf(stderr, "choreo help: unknown command %q%s\nRun 'choreo help' for the list of commands.\n", name, didYouMeanCommand(name))
			return 2
		}
	case "--version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		if strings.HasPrefix(name, "-") {
			fmt.Fprintf(stderr, "choreo: unknown flag %q: the command comes first (choreo COMMAND [FLAGS])\n", name)
		} else {
			fmt.Fprintf(stderr, "choreo: unknown command %q%s\n", name, didYouMeanCommand(name))
		}
		fmt.Fprintln(stderr, "Run 'choreo help' for the list of commands.")
		return 2
	}
	err := c.run(ctx, args, io)
	var ue *usageError
	var fe *findingError
	var re *reportedError
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.As(err, &fe):
		fmt.Fprintf(stderr, "choreo %s: %v\n", name, err)
		return 1
	case errors.As(err, &re):
		return 2
	case srcpos.Print(stderr, err) > 0:
		// each problem in an input file (a diagram, a profile, a map):
		// FILE:LINE:COL: what is wrong, then the line and a caret
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "choreo %s: %v\nusage: %s\nRun 'choreo help %s' for the flags and examples.\n", name, err, synopsis(c.usage), name)
		return 2
	default:
		fmt.Fprintf(stderr, "choreo %s: %v\n", name, err)
		return 2
	}
}

// didYouMeanCommand suggests the command nearest to a mistyped one.
func didYouMeanCommand(name string) string {
	return suggest.DidYouMean(name, append(commandNames(), "help"))
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// usage writes the command list: a line each, within 100 columns.
func usage(w io.Writer) {
	fmt.Fprint(w, `choreo reads a Mermaid sequenceDiagram of a multi-system flow, simulates it,
checks recorded traces against it, and reports SLA percentiles, SLO verdicts
and failure cascades.

usage: choreo COMMAND [ARGUMENTS] [FLAGS]

Commands:
`)
	names := commandNames()
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].short)
	}
	fmt.Fprint(w, `
Run 'choreo help COMMAND' (or 'choreo COMMAND --help') for its flags and examples,
'choreo --version' for the version. "-" names standard input or output.
Exit status: 0 all held, 1 a finding (an SLO breached, a trace that does not conform,
a drill case that fails), 2 trouble (bad flags, unreadable or invalid input).
`)
}

// synopsis returns a command's synopsis as it follows "usage: ", its
// continuation lines moved right by that prefix.
func synopsis(s string) string {
	return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", len("usage: ")))
}

// helpWidth is the width the flags' descriptions are wrapped to.
const helpWidth = 100

// printUsage writes a command's full usage: the synopsis, what the
// command does, every flag with its default, then the examples.
func printUsage(w io.Writer, syn, help string, fs *pflag.FlagSet) {
	desc, examples, _ := strings.Cut(help, "\nExamples:\n")
	fmt.Fprintf(w, "usage: %s\n\n%s\n", synopsis(syn), strings.TrimRight(desc, "\n"))
	if fs.HasFlags() {
		// pflag writes a bool flag as --dry-run[=true|false]; the columns
		// stay aligned with spaces in its place
		flags := strings.ReplaceAll(fs.FlagUsagesWrapped(helpWidth), "[=true|false]", "             ")
		fmt.Fprintf(w, "\nFlags:\n%s", flags)
	}
	if examples != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(examples, "\n"))
	}
}

// newFlags makes a command's flag set; -h and --help print its full
// usage on the command's stdout (`choreo help NAME` prints the same), and
// pflag errors come back as usage errors.
func newFlags(name, synopsis, help string, io stdio) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.err)
	fs.Usage = func() { printUsage(io.out, synopsis, help, fs) }
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

// loadProfile reads the profile at path ("-": standard input) and
// resolves it against d, with the --set overrides sets layered over it
// (docs/whatif.md).
func loadProfile(io stdio, path string, d *flow.Diagram, scenario string, sets ...string) (*sim.Profile, error) {
	name, data, err := readInput(io, path)
	if err != nil {
		return nil, err
	}
	return sim.LoadProfile(name, data, d, scenario, sets...)
}

// loadMapping reads the --map file at path ("-": standard input) and
// resolves it against d; without one it is the default mapping. data is
// the file's text (nil without one), which --suggest-map extends.
func loadMapping(io stdio, path string, d *flow.Diagram) (m *trace.Mapping, data []byte, err error) {
	if path == "" {
		return trace.DefaultMapping(d), nil, nil
	}
	name, data, err := readInput(io, path)
	if err != nil {
		return nil, nil, err
	}
	if m, err = trace.LoadMapping(name, data, d); err != nil {
		return nil, nil, err
	}
	return m, data, nil
}

// input is a file a command reads, named as the synopsis names it.
type input struct {
	what string // "DIAGRAM", "--profile"
	path string // "-": standard input
}

// stdinOnce refuses a command line that gives standard input ("-") to
// two inputs: it can be read once.
func stdinOnce(ins ...input) error {
	first := ""
	for _, in := range ins {
		if in.path != "-" {
			continue
		}
		if first != "" {
			if first == in.what {
				return &usageError{msg: fmt.Sprintf("standard input can be read once: two %s are -", in.what)}
			}
			return &usageError{msg: fmt.Sprintf("standard input can be read once: %s and %s are both -", first, in.what)}
		}
		first = in.what
	}
	return nil
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
