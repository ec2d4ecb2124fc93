package trace

import (
	"bufio"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// TestInputLineAt: in document mode, lineAt agrees with counting the
// newlines, whatever the sizes of the reads and however far the
// questions lag behind them (past the ring too).
func TestInputLineAt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	for range 300_000 {
		if r.IntN(20) == 0 {
			sb.WriteByte('\n')
		} else {
			sb.WriteByte('a')
		}
	}
	src := sb.String()
	for _, lag := range []int64{64, 8 << 10, 3 * ringSize} {
		for trial := range 10 {
			in := newInput(bufio.NewReaderSize(strings.NewReader(src), 16), false)
			var q int64
			buf := make([]byte, 1+r.IntN(3*ringSize))
			for got := int64(0); got < int64(len(src)); {
				n, _ := in.Read(buf[:1+r.IntN(len(buf))])
				got += int64(n)
				if lo := max(q, got-lag); lo < got {
					q = lo + r.Int64N(got-lo)
				}
				line, col := in.lineAt(q)
				want := strings.Count(src[:q], "\n") + 1
				wantCol := q - int64(strings.LastIndexByte(src[:q], '\n'))
				if line != want || col != wantCol {
					t.Fatalf("lag %d, trial %d: lineAt(%d) = %d:%d, want %d:%d", lag, trial, q, line, col, want, wantCol)
				}
			}
		}
	}
}

// TestLineMode: how the start of the input decides between reading a
// line at a time and reading one document.
func TestLineMode(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", sniffSize) + `"}`
	tests := []struct {
		name, in       string
		complete, full bool
		mode, ok       bool
		reason         string
	}{
		{"NDJSON", "{\"a\":1}\n{\"a\":2}\n", true, false, true, true, ""},
		{"one line", `{"a":1}`, true, false, true, true, "a document on one line reads the same either way"},
		{"pretty", "{\n \"a\": 1\n}\n", true, false, false, true, ""},
		{"pretty array of compact spans", "[\n{\"a\":1},\n{\"a\":2}\n]\n", true, false, false, true,
			"the second line is a value and a comma: not a record of its own"},
		{"damaged first line", "{\"a\":1}}\n{\"a\":2}\n", true, false, true, true, "not JSON: a record, skipped"},
		{"cut first line", "{\"a\":[\n{\"a\":2}\n", true, false, true, true, "the second line is a whole record"},
		{"pretty, line 2 unseen", "{\n", false, false, false, false, "too soon to tell"},
		{"pretty, indented line 2", "{\n  \"a\"", false, false, false, true, "an indented line 2 is no record"},
		{"first line not ended yet", long[:1000], false, false, true, false, "too soon to tell"},
		{"first line fills the window", long[:sniffSize], false, true, true, true, "one long line"},
		{"blank lines first", "\n\n{\"a\":1}\n", true, false, true, true, ""},
	}
	d := new(jsontext.Decoder)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mode, ok := lineModeFor(d, []byte(tc.in), tc.complete, tc.full)
			if mode != tc.mode || ok != tc.ok {
				t.Errorf("lineModeFor = %v, %v; want %v, %v (%s)", mode, ok, tc.mode, tc.ok, tc.reason)
			}
		})
	}
}
