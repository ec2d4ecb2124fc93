package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/mermaid"
	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
)

const parseUsage = "choreo parse DIAGRAM [--format json|mermaid] [-o FILE]"

const parseHelp = `Parse reads a Mermaid sequenceDiagram exactly as Mermaid 11.15 reads it and
prints its model. DIAGRAM may be - for standard input.

  --format json     the model: participants, messages (with their #N, the
                    request each reply answers, async), notes and blocks
  --format mermaid  the diagram printed back, normalised; it parses to the
                    same model

Exit status 0 when the diagram is valid, 2 when it is not: the first line on
stderr is FILE:LINE:COL: what is wrong, then the line and a caret. Things
Mermaid accepts that may surprise (a title that takes the next line, a name
read as a keyword, text cut at '#' or ';') are warnings on stderr.

Examples:
  choreo parse testdata/provisioning.mmd
  choreo parse --format mermaid flow.mmd
  cat flow.mmd | choreo parse -`

func runParse(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("parse", parseUsage, parseHelp, io)
	format := fs.String("format", "json", "output format: `json|mermaid`")
	out := fs.StringP("output", "o", "", "write to `FILE` instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "expected one DIAGRAM (or - for standard input)"}
	}
	if *format != "json" && *format != "mermaid" {
		return &usageError{msg: fmt.Sprintf("unknown --format %q: use json or mermaid", *format)}
	}
	if err := checkOutputs(output{"-o", *out}); err != nil {
		return err
	}
	f, err := loadDiagram(io, fs.Arg(0))
	if err != nil {
		return err
	}
	var data []byte
	switch *format {
	case "json":
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // arrows stay readable: "->>", not "-\u003e\u003e"
		enc.SetIndent("", "  ")
		if err := enc.Encode(f.JSON()); err != nil {
			return err
		}
		data = buf.Bytes()
	case "mermaid":
		data = []byte(mermaid.Format(f.Diagram))
	}
	return writeOutput(io, *out, data)
}

// openDiagram checks a command's files before it reads any, standard
// input given to one input at most (ins[0] is the diagram) and outputs
// that can be written, then loads the diagram.
func openDiagram(io stdio, ins []input, outs ...output) (*diagramFile, error) {
	if err := stdinOnce(ins...); err != nil {
		return nil, err
	}
	if err := checkOutputs(outs...); err != nil {
		return nil, err
	}
	return loadDiagram(io, ins[0].path)
}

// loadDiagram reads and parses a diagram, printing warnings and a
// positioned error with the line and a caret on stderr.
func loadDiagram(io stdio, path string) (*diagramFile, error) {
	name, src, err := readInput(io, path)
	if err != nil {
		return nil, err
	}
	d, warnings, err := parser.ParseWarnings(name, src)
	for _, w := range warnings {
		fmt.Fprintln(io.err, w.String())
	}
	if err != nil {
		if srcpos.Print(io.err, err) > 0 {
			return nil, &reportedError{err: err}
		}
		return nil, err
	}
	return &diagramFile{Diagram: d, name: name, src: src}, nil
}

// diagramFile is a parsed diagram and the file it came from, read once
// (standard input cannot be read twice).
type diagramFile struct {
	*flow.Diagram
	name string
	src  []byte
}

// describe records the diagram in a result: its file name, its text (so
// that `choreo report` renders without the file) and its model.
func (f *diagramFile) describe(res *report.Result) {
	res.Diagram = filepath.Base(f.name)
	res.DiagramSource = string(f.src)
	res.Model = f.Diagram
}
