package parser

import (
	"regexp"
	"strconv"
	"strings"
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
		for i < len(s) && isWord(s[i]) {
			i++
		}
		c, rest = s[:i], s[i:]
	}
	color = jsTrim(c)
	title = jsTrim(rest)
	if color == "" {
		color = "transparent"
	}
	if !cssColor(color) {
		color = "transparent"
		title = jsTrim(s)
	}
	return color, parseMessage(title)
}

// cssColor reports whether CSS.supports('color', s) holds for the forms a
// box line can produce: a keyword or an rgb()/rgba()/hsl()/hsla() call.
func cssColor(s string) bool {
	l := strings.ToLower(s)
	if cssNamedColors[l] {
		return true
	}
	open := strings.IndexByte(l, '(')
	if open < 0 || !strings.HasSuffix(l, ")") {
		return false
	}
	fn := l[:open]
	if fn != "rgb" && fn != "rgba" && fn != "hsl" && fn != "hsla" {
		return false
	}
	args := l[open+1 : len(l)-1]
	if strings.ContainsAny(args, "()") {
		return false
	}
	var parts []string
	if strings.Contains(args, ",") {
		for _, a := range strings.Split(args, ",") {
			parts = append(parts, strings.TrimSpace(a))
		}
		if len(parts) != 3 && len(parts) != 4 {
			return false
		}
	} else {
		slash := strings.Split(args, "/")
		if len(slash) > 2 {
			return false
		}
		parts = strings.Fields(slash[0])
		if len(parts) != 3 {
			return false
		}
		if len(slash) == 2 {
			parts = append(parts, strings.TrimSpace(slash[1]))
		}
	}
	for i, a := range parts {
		if a == "none" && !strings.Contains(args, ",") {
			continue
		}
		num := strings.TrimSuffix(a, "%")
		if fn[0] == 'h' && i == 0 {
			for _, u := range []string{"deg", "grad", "rad", "turn"} {
				num = strings.TrimSuffix(num, u)
			}
		}
		if _, err := strconv.ParseFloat(num, 64); err != nil || num == "" {
			return false
		}
	}
	return true
}

var cssNamedColors = map[string]bool{}

func init() {
	for _, c := range strings.Fields(`transparent currentcolor aliceblue antiquewhite aqua aquamarine azure
beige bisque black blanchedalmond blue blueviolet brown burlywood cadetblue chartreuse chocolate coral
cornflowerblue cornsilk crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki
darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen darkslateblue darkslategray
darkslategrey darkturquoise darkviolet deeppink deepskyblue dimgray dimgrey dodgerblue firebrick floralwhite
forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray green greenyellow grey honeydew hotpink indianred
indigo ivory khaki lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen lightskyblue
lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine
mediumblue mediumorchid mediumpurple mediumseagreen mediumslateblue mediumspringgreen mediumturquoise
mediumvioletred midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive olivedrab orange
orangered orchid palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna
silver skyblue slateblue slategray slategrey snow springgreen steelblue tan teal thistle tomato turquoise
violet wheat white whitesmoke yellow yellowgreen`) {
		cssNamedColors[c] = true
	}
}
