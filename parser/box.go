package parser

import (
	"regexp"

	"github.com/choreo-dev/choreo/internal/mermaid"
)

// boxFunc is the colour-function half of SequenceDB.parseBoxData's
// /^((?:rgba?|hsla?)\s*\(.*\)|\w*)(.*)$/ (greedy up to the last ')').
var boxFunc = regexp.MustCompile(`^((?:rgba?|hsla?)\s*\(.*\))(.*)$`)

// boxData splits a box line into its fill colour and title, as
// SequenceDB.parseBoxData does in a browser: the first word is the colour
// when it is a valid CSS colour, otherwise the whole line is the title.
func boxData(s string) (color, title string) {
	var c, rest string
	if m := boxFunc.FindStringSubmatch(s); m != nil {
		c, rest = m[1], m[2]
	} else {
		i := 0
		for i < len(s) && mermaid.IsWordByte(s[i]) {
			i++
		}
		c, rest = s[:i], s[i:]
	}
	color = jsTrim(c)
	title = jsTrim(rest)
	if color == "" {
		color = "transparent"
	}
	if !mermaid.CSSColor(color) {
		color = "transparent"
		title = jsTrim(s)
	}
	return color, parseMessage(title)
}
