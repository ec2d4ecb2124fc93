package srcpos

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/flow"
)

func TestWindow(t *testing.T) {
	long := strings.Repeat("abcdefghij", 30) // 300 runes
	tests := []struct {
		name, line string
		col        int
		want       string
		wantCol    int
		reason     string
	}{
		{name: "short", line: "  A->>B hi", col: 9, want: "  A->>B hi", wantCol: 9},
		{name: "empty", line: "", col: 1, want: "", wantCol: 1},
		{name: "past the end", line: "abc", col: 9, want: "abc", wantCol: 4,
			reason: "a column after the line points just after its last character"},
		{name: "column 0", line: "abc", col: 0, want: "abc", wantCol: 1},
		{name: "carriage return", line: "abc\r", col: 2, want: "abc", wantCol: 2},
		{name: "tabs", line: "\tA\t->>B", col: 3, want: " A ->>B", wantCol: 3,
			reason: "a tab is one column, shown as one space so the caret lines up"},
		{name: "control characters", line: "a\x00b\x7fc", col: 5, want: `a\x00b\x7fc`, wantCol: 11,
			reason: "a control character is shown escaped, and the caret moves with it"},
		{name: "not UTF-8", line: "\x89PNG\r\n\x1a", col: 2, want: `\x89PNG\x0d\x0a\x1a`, wantCol: 5,
			reason: "a binary file's bytes are escaped, not replaced by U+FFFD"},
		{name: "C1 control", line: "a\u0085b", col: 3, want: `a\u0085b`, wantCol: 8},
		{name: "long binary", line: strings.Repeat("\x00", 300), col: 151,
			want: "…" + strings.Repeat(`\x00`, 30) + "…", wantCol: 2 + 15*4,
			reason: "the window counts the columns shown, escapes included"},
		{name: "multibyte", line: "Zoë ->> Żółw: héllo", col: 9, want: "Zoë ->> Żółw: héllo", wantCol: 9,
			reason: "columns count runes, not bytes"},
		{name: "exactly the window", line: long[:121], col: 121, want: long[:121], wantCol: 121},
		{name: "long, column near the start", line: long, col: 3,
			want: long[:121] + "…", wantCol: 3},
		{name: "long, column in the middle", line: long, col: 151,
			want: "…" + long[90:211] + "…", wantCol: 62},
		{name: "long, column near the end", line: long, col: 299,
			want: "…" + long[179:], wantCol: 299 - 179 + 1},
		{name: "long, column past the end", line: long, col: 400,
			want: "…" + long[179:], wantCol: 123},
		{name: "long multibyte", line: strings.Repeat("é", 300), col: 151,
			want: "…" + strings.Repeat("é", 121) + "…", wantCol: 62},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, col := Window(tc.line, tc.col)
			if got != tc.want || col != tc.wantCol {
				t.Errorf("Window(%q, %d) = %q, %d; want %q, %d (%s)", tc.line, tc.col, got, col, tc.want, tc.wantCol, tc.reason)
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	e := &Error{Pos: flow.Pos{File: "d.mmd", Line: 3, Col: 6}, Msg: "expected an arrow", Src: "\tA  B: hi"}
	if got, want := e.Error(), "d.mmd:3:6: expected an arrow"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := e.Snippet(), "   A  B: hi\n       ^"; got != want {
		t.Errorf("Snippet() = %q, want %q", got, want)
	}
	if got := (&Error{Pos: flow.Pos{File: "p.yaml"}, Msg: "x"}).Snippet(); got != "" {
		t.Errorf("no line: Snippet() = %q, want \"\"", got)
	}
}

// An error in a 5 MB line prints a bounded amount, even when its message
// quotes the line.
func TestHugeLine(t *testing.T) {
	line := strings.Repeat("x", 5<<20)
	e := &Error{Pos: flow.Pos{File: "big.mmd", Line: 2, Col: 2 << 20}, Msg: fmt.Sprintf("found %q", line), Src: line}
	var sb strings.Builder
	Print(&sb, e)
	if sb.Len() > 2000 {
		t.Errorf("printed %d bytes for an error in a 5 MB line, want at most 2000:\n%.300s", sb.Len(), sb.String())
	}
	lines := strings.Split(sb.String(), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "big.mmd:2:2097152: found \"xxx") ||
		lines[1] != "  …"+strings.Repeat("x", 121)+"…" || lines[2] != "  "+strings.Repeat(" ", 61)+"^" {
		t.Errorf("printed:\n%s", sb.String())
	}
}

func TestList(t *testing.T) {
	at := func(line, col int, msg string) *Error {
		return &Error{Pos: flow.Pos{File: "p.yaml", Line: line, Col: col}, Msg: msg}
	}
	l := List{at(9, 3, "c"), at(2, 5, "b"), at(2, 1, "a"), at(9, 3, "c"), at(9, 3, "d")}
	err := l.Err()
	if got, want := err.Error(), "p.yaml:2:1: a\np.yaml:2:5: b\np.yaml:9:3: c\np.yaml:9:3: d"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var first *Error
	if !errors.As(err, &first) || first.Msg != "a" {
		t.Errorf("errors.As found %v, want the first in file order", first)
	}
	wrapped := fmt.Errorf("loading: %w", errors.Join(err, at(1, 1, "z")))
	if got := len(All(wrapped)); got != 5 {
		t.Errorf("All found %d errors, want 5", got)
	}
	if (List{}).Err() != nil {
		t.Error("an empty List's Err is not nil")
	}
	if _, ok := (List{at(1, 1, "one")}).Err().(*Error); !ok {
		t.Error("a List of one is not its *Error")
	}
}

// A message that quotes bytes of a binary file shows them escaped, as
// the snippet does.
func TestErrorEscapes(t *testing.T) {
	e := &Error{Pos: flow.Pos{File: "x.png", Line: 1, Col: 1}, Msg: "found \"\x89PNG\x00\"\tthere"}
	if got, want := e.Error(), `x.png:1:1: found "\x89PNG\x00"`+"\tthere"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
