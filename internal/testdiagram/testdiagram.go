// Package testdiagram reads the diagrams that tests of several packages
// share (testdata/provisioning.mmd, trace fixtures), so that each test
// does not read and parse them its own way.
package testdiagram

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/parser"
)

// Read parses the diagram at path (named by its base name in positions)
// and returns it with its text; a problem fails tb.
func Read(tb testing.TB, path string) (*flow.Diagram, []byte) {
	tb.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := parser.Parse(filepath.Base(path), src)
	if err != nil {
		tb.Fatal(err)
	}
	return d, src
}
