package mermaid

import (
	"strconv"
	"strings"
)

// CSSColor reports whether CSS.supports('color', s) holds for the forms a
// Mermaid box line can give: a colour keyword or an rgb(), rgba(), hsl()
// or hsla() call. Mermaid takes the first word of a box line as its fill
// only when it is a colour; the parser and the printer both ask here.
func CSSColor(s string) bool {
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
