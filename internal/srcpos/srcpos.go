// Package srcpos is the one error type for a problem at a place in an
// input file — a diagram, a profile, a trace map — and how it is shown:
// "file:line:col: what is wrong", then the offending line and a caret
// under the column. A long line is shown as a window of about
// [Context] characters either side of the column, cut with "…", so an
// error in a 5 MB line prints a few hundred bytes.
package srcpos

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/choreo-dev/choreo/flow"
)

// Context is how many characters (runes) of the source line the snippet
// keeps on each side of the column.
const Context = 60

// maxMsg bounds the runes of a message as printed: a message may quote
// what it found, and what it found may be a whole line.
const maxMsg = 4 * Context

// Error is a problem at a position of an input file.
type Error struct {
	Pos flow.Pos // file, line and column (1-based; the column counts runes)
	Msg string   // what is wrong, in words a user understands
	Src string   // the line at Pos.Line, "" when unknown
}

// Error returns "file:line:col: msg" on one line; [Error.Snippet] is the
// line and caret that go under it.
func (e *Error) Error() string { return e.Pos.String() + ": " + printable(clip(e.Msg)) }

// Position returns where the problem is.
func (e *Error) Position() flow.Pos { return e.Pos }

// Snippet returns the source line, windowed around the column, and a
// caret under the column, each indented by two spaces; "" when the error
// has no line to show.
func (e *Error) Snippet() string {
	if e.Src == "" && e.Pos.Col <= 1 {
		return ""
	}
	line, col := Window(e.Src, e.Pos.Col)
	return "  " + line + "\n  " + strings.Repeat(" ", col-1) + "^"
}

// Window returns the part of line that a snippet shows for the 1-based
// rune column col, and the column of the caret in it. A tab reads as one
// space; other control characters and bytes that are not UTF-8 (a binary
// file given as a diagram) are shown escaped, as \x00 or \u0085, and the
// caret moves with them; a trailing carriage return is dropped. A line
// longer than the window is cut at about [Context] runes either side of
// the column, and each cut side is marked by "…". A column past the end
// of the line points just after its last character.
func Window(line string, col int) (string, int) {
	line = strings.TrimSuffix(line, "\r")
	n := utf8.RuneCountInString(line)
	c := min(max(col, 1), n+1) - 1 // the caret's rune, 0-based
	// the runes that can be shown: each takes at least one column
	const width = 2*Context + 1
	lo, hi := max(0, c-width), min(n, c+width+1)
	type cell struct {
		s string
		w int
	}
	cells := make([]cell, 0, hi-lo)
	i := 0
	for off, r := range line {
		if i >= hi {
			break
		}
		if i >= lo {
			s, ok := escape(line, off, r)
			if !ok {
				s = string(r)
			}
			w := 1
			if ok {
				w = utf8.RuneCountInString(s)
			}
			cells = append(cells, cell{s, w})
		}
		i++
	}
	w := func(i int) int { return cells[i-lo].w }
	// Context columns left of the caret, Context+1 from it on; a side
	// that reaches the line's end gives what it leaves to the other
	from, to, wl, wr := c, c, 0, 0
	for to < hi && wr+w(to) <= Context+1 {
		wr += w(to)
		to++
	}
	for from > lo && wl+w(from-1) <= Context {
		wl += w(from - 1)
		from--
	}
	for from == 0 && to < hi && wl+wr+w(to) <= width {
		wr += w(to)
		to++
	}
	for to == n && from > lo && wl+wr+w(from-1) <= width {
		wl += w(from - 1)
		from--
	}
	var sb strings.Builder
	caret := 1
	if from > 0 {
		sb.WriteString("…")
		caret++
	}
	for k := from; k < to; k++ {
		sb.WriteString(cells[k-lo].s)
		if k < c {
			caret += w(k)
		}
	}
	if to < n {
		sb.WriteString("…")
	}
	return sb.String(), caret
}

// escape returns how the rune r at byte off of s is shown when it is not
// shown as itself: a tab as a space, a control character or a byte that
// is not UTF-8 as an escape.
func escape(s string, off int, r rune) (string, bool) {
	switch {
	case r == '\t':
		return " ", true
	case r == utf8.RuneError:
		if _, size := utf8.DecodeRuneInString(s[off:]); size == 1 {
			return fmt.Sprintf(`\x%02x`, s[off]), true
		}
	case r < ' ' || r == 0x7f:
		return fmt.Sprintf(`\x%02x`, r), true
	case r >= 0x80 && r < 0xa0:
		return fmt.Sprintf(`\u%04x`, r), true
	}
	return "", false
}

// printable returns s with its control characters (but tabs) and bytes
// that are not UTF-8 escaped as [Window] shows them.
func printable(s string) string {
	clean := true
	for off, r := range s {
		if _, ok := escape(s, off, r); ok && r != '\t' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var sb strings.Builder
	for off, r := range s {
		if e, ok := escape(s, off, r); ok && r != '\t' {
			sb.WriteString(e)
		} else {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// clip shortens a message longer than maxMsg runes, keeping its start
// and end.
func clip(s string) string {
	if len(s) <= maxMsg || utf8.RuneCountInString(s) <= maxMsg {
		return s
	}
	r := []rune(s)
	return string(r[:maxMsg/2]) + "…" + string(r[len(r)-maxMsg/2:])
}

// List is several problems in one input, in file order. Its Error is
// theirs, one per line.
type List []*Error

// Error returns the errors' messages, one per line.
func (l List) Error() string {
	var sb strings.Builder
	for i, e := range l {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(e.Error())
	}
	return sb.String()
}

// Unwrap returns the errors, for [errors.As] and [errors.Is].
func (l List) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Sort orders the list by file, line and column (stable: problems at one
// place keep the order they were found in) and drops repeats.
func (l List) Sort() List {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(strings.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return slices.CompactFunc(l, func(a, b *Error) bool { return a.Pos == b.Pos && a.Msg == b.Msg })
}

// Err returns the sorted list as an error: nil when empty, the *Error
// itself when there is one, else the List.
func (l List) Err() error {
	l = l.Sort()
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	return l
}

// All returns the positioned errors in err's tree, in the order they
// were joined (a List, errors.Join and %w wrapping are followed).
func All(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		switch x := err.(type) {
		case nil:
		case *Error:
			out = append(out, x)
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		default:
			walk(errors.Unwrap(err))
		}
	}
	walk(err)
	return out
}

// Print writes every positioned error in err's tree to w, each as its
// "file:line:col: msg" line followed by its snippet, and returns how
// many it wrote.
func Print(w io.Writer, err error) int {
	all := All(err)
	for _, e := range all {
		io.WriteString(w, e.Error()+"\n")
		if s := e.Snippet(); s != "" {
			io.WriteString(w, s+"\n")
		}
	}
	return len(all)
}
