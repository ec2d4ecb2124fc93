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
				// break at the last space of head past the indent, if any
				if k := strings.LastIndexByte(head, ' '); k > len(indent) {
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
