package report

import (
	"strings"
	"testing"
)

func TestElide(t *testing.T) {
	for _, tc := range []struct {
		s     string
		width int
		want  string
	}{
		{"App->>Billing: Provision", 30, "App->>Billing: Provision"},
		{"App->>Billing: Provision", 24, "App->>Billing: Provision"},
		{"App->>Billing: Provision", 16, "App->>Billing:…"},
		{"→→→→→", 3, "→→…"},
		{"abc", 0, ""},
	} {
		if got := elide(tc.s, tc.width); got != tc.want {
			t.Errorf("elide(%q, %d) = %q, want %q", tc.s, tc.width, got, tc.want)
		}
	}
}

// Lines wider than TextWidth break at spaces, indented four more than
// theirs; colour codes take no width; narrower lines are left alone.
func TestWrapText(t *testing.T) {
	words := strings.Repeat("word ", 40) // 200 columns
	for _, tc := range []struct {
		name, in string
		lines    int
	}{
		{"narrow", "  short line\n", 1},
		{"exactly wide", strings.Repeat("x", TextWidth) + "\n", 1},
		{"prose", "  " + words + "\n", 2},
		{"coloured", "  \x1b[31m" + strings.Repeat("red ", 29) + "\x1b[0m\n", 1},
		{"one long word", "  " + strings.Repeat("x", 300) + "\n", 3},
	} {
		out := wrapText(tc.in)
		got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(got) != tc.lines {
			t.Errorf("%s: %d lines, want %d:\n%s", tc.name, len(got), tc.lines, out)
		}
		for i, l := range got {
			if visibleWidth(l) > TextWidth {
				t.Errorf("%s: line %d is %d wide", tc.name, i+1, visibleWidth(l))
			}
			if i > 0 && !strings.HasPrefix(l, "      ") {
				t.Errorf("%s: line %d is not indented by 6: %q", tc.name, i+1, l)
			}
		}
		if strings.Join(strings.Fields(out), " ") != strings.Join(strings.Fields(tc.in), " ") && tc.name != "one long word" {
			t.Errorf("%s: words changed:\n%s", tc.name, out)
		}
	}
}

// A snippet to paste is never broken: the line breaks at the last space
// outside braces, brackets and quotes (colour codes are not brackets).
func TestBreakAt(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{`fix: scenarios: {a: {blocks: {"alt x y": {weights: [0, 1]}}}}`, 15},
		{`see "a b c" and [d e]`, 15},
		{"\x1b[31mfailed\x1b[0m #2 → #1", 22},
		{`{no space outside}`, 9},
		{`nospace`, -1},
	} {
		if got := breakAt(tc.s, 0); got != tc.want {
			t.Errorf("breakAt(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}
