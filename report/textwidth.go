package report

import (
	"strings"
	"unicode/utf8"
)

// TextWidth is the width of the text report: WriteText writes no line
// wider, in columns (runes, colour codes left out). Tables elide the long
// message texts that end their rows with "…", or give them lines of their
// own when the columns leave too little room; prose lines wrap at spaces.
const TextWidth = 120

// minTrail is the least room a table leaves its rows' texts beside the
// columns; with less, each text goes on a line of its own.
const minTrail = 40

// visibleWidth is the number of columns s takes on a terminal: its runes,
// ANSI colour codes ("\x1b[…m") left out.
func visibleWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			if j := strings.IndexByte(s[i:], 'm'); j >= 0 {
				i += j + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// elide cuts the plain text s to width columns, its last one "…", when it
// is wider.
func elide(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:width-1]), " ") + "…"
}

// wrapText breaks the lines of text wider than TextWidth at spaces; the
// lines a line breaks into are indented as it is, plus four spaces. A word
// wider than a line is cut.
func wrapText(text string) string {
	var b strings.Builder
	for line := range strings.Lines(text) {
		body := strings.TrimSuffix(line, "\n")
		if visibleWidth(body) <= TextWidth {
			b.WriteString(line)
			continue
		}
		indent := body[:len(body)-len(strings.TrimLeft(body, " "))] + "    "
		first := true
		for body != "" {
			if !first {
				body = indent + strings.TrimLeft(body, " ")
			}
			first = false
			head, rest := cutWidth(body, TextWidth)
			if rest != "" {
				// break at the last space of head past the indent, if any,
				// preferring one outside brackets and quotes, so that a
				// snippet to paste ({blocks: {"alt a": …}}) stays whole
				if k := breakAt(head, len(indent)); k > len(indent) {
					head, rest = head[:k], head[k+1:]+rest
				}
			}
			b.WriteString(strings.TrimRight(head, " ") + "\n")
			body = rest
			if strings.TrimSpace(body) == "" {
				break
			}
		}
	}
	return b.String()
}

// cutWidth splits s after width visible columns (colour codes are kept
// whole).
func cutWidth(s string, width int) (head, rest string) {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			if j := strings.IndexByte(s[i:], 'm'); j >= 0 {
				i += j + 1
				continue
			}
		}
		if n == width {
			return s[:i], s[i:]
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return s, ""
}

// breakAt is the index of the last space of s past from that is outside
// braces, square brackets and double quotes (YAML and JSON to paste; prose
// in parentheses may break), or else the last space of s.
func breakAt(s string, from int) int {
	depth, quoted, k := 0, false, -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0x1b: // a colour code: not a bracket
			if j := strings.IndexByte(s[i:], 'm'); j >= 0 {
				i += j
			}
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '{' || c == '[':
			depth++
		case (c == '}' || c == ']') && depth > 0:
			depth--
		case c == ' ' && depth == 0 && i > from:
			k = i
		}
	}
	if k < 0 {
		return strings.LastIndexByte(s, ' ')
	}
	return k
}
