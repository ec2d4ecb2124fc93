package main

import (
	"bytes"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/trace"
)

// writeSuggestedMap writes to path (- for standard output) the map that
// places what the check res could not map (trace.SuggestMap), built on
// the map file base that the check used (nil for none).
func writeSuggestedMap(io stdio, path string, d *flow.Diagram, base []byte, res *report.Result) error {
	var buf bytes.Buffer
	if err := trace.SuggestMap(&buf, d, base, res); err != nil {
		return err
	}
	return writeOutput(io, path, buf.Bytes())
}
