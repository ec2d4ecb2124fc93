package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// isTerminal reports whether f is a terminal (progress and colour only
// go there; NO_COLOR is honoured by the renderers' callers).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// colorOK reports whether output to w may use colour: a terminal, and
// NO_COLOR (https://no-color.org) unset or empty.
func colorOK(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f) && os.Getenv("NO_COLOR") == ""
}
