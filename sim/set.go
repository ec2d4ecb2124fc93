package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/yamlpos"
)

// Overrides: `choreo sim --set 'SELECTOR.path=value'` (docs/whatif.md).
// Every --set becomes a key of one overlay with the keys of the top
// level, layered over the profile and its scenario exactly as a scenario
// is over the profile: the overlay's YAML nodes are built here with
// positions in the --set argument (a line of its own, appended to the
// profile's yamlpos.File as "--set[i]"), and the profile's own section
// loaders read them, so values mean and are checked exactly what they
// mean in a profile, and problems point into the argument.

// blockWords are the words that open a block key (a block or a branch).
var blockWords = []string{"loop", "alt", "else", "opt", "par", "and", "critical", "option", "break", "rect"}

// setSeg is one dot-separated segment of a --set path, unquoted, with
// the 1-based rune column it starts at.
type setSeg struct {
	text   string
	col    int
	quoted bool
}

// overlay reads the --set arguments into the entries of one overlay
// mapping (defaults, participants, messages, blocks, slo).
func (l *loader) overlay(sets []string) []yamlpos.Entry {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for i, s := range sets {
		line := l.f.Append(fmt.Sprintf("--set[%d]", i+1), s)
		l.set(root, s, line)
	}
	var es []yamlpos.Entry
	for i := 0; i+1 < len(root.Content); i += 2 {
		es = append(es, yamlpos.Entry{Key: root.Content[i], Val: root.Content[i+1]})
	}
	return es
}

// set adds one --set argument s, whose text is line line of l.f, to the
// overlay root.
func (l *loader) set(root *yaml.Node, s string, line int) {
	at := func(col int) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Line: line, Column: col} }
	colOf := func(i int) int { return utf8.RuneCountInString(s[:i]) + 1 }
	segs, eq, err := splitSet(s)
	if err != nil {
		l.f.Errorf(at(colOf(err.at)), "--set: %s", err.msg)
		return
	}
	for i := range segs {
		segs[i].col = colOf(segs[i].col)
	}
	if eq < 0 {
		l.f.Errorf(at(colOf(len(s))), "--set: want SELECTOR.key=value, e.g. '#4.fault.rate=0' or 'App->>Billing: Provision subscription.latency=240ms'")
		return
	}
	section, sel, keys := l.setPath(segs)
	if len(keys) == 0 {
		what := "a setting"
		if sel != nil {
			what = "a setting after " + strconv.Quote(sel.text)
		}
		l.f.Errorf(at(segs[len(segs)-1].col), "--set: want %s, e.g. .latency, .fault.rate, .timeout (the keys of the profile's %s)", what, section)
		return
	}
	val := l.setValue(s[eq+1:], line, colOf(eq+1))
	if val == nil {
		return
	}
	path := []setSeg{{text: section, col: segs[0].col}}
	if sel != nil {
		// Overrides of one message by different names go in one entry.
		if m, err := l.lookup(sel.text, true); section == "messages" && err == nil {
			sel.text, sel.quoted = "#"+strconv.Itoa(m.N), true
		}
		path = append(path, *sel)
	}
	path = append(path, keys...)
	node := root
	for i, sg := range path {
		k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: sg.text, Line: line, Column: sg.col}
		if sg.quoted {
			k.Style = yaml.DoubleQuotedStyle
		}
		j := -1
		for c := 0; c < len(node.Content); c += 2 {
			if node.Content[c].Value == sg.text {
				j = c
			}
		}
		last := i == len(path)-1
		switch {
		case j >= 0 && last:
			node.Content[j+1] = val // a later --set wins
		case j >= 0 && node.Content[j+1].Kind == yaml.MappingNode:
			node = node.Content[j+1]
			continue
		case j >= 0:
			next := &yaml.Node{Kind: yaml.MappingNode, Line: line, Column: sg.col}
			node.Content[j+1] = next
			node = next
		case last:
			node.Content = append(node.Content, k, val)
		default:
			next := &yaml.Node{Kind: yaml.MappingNode, Line: line, Column: sg.col}
			node.Content = append(node.Content, k, next)
			node = next
		}
	}
}

// setErr is a problem in the syntax of a --set, at a byte offset.
type setErr struct {
	at  int
	msg string
}

// splitSet splits a --set argument at the dots of its path (outside
// double quotes) up to its first "=" outside quotes; it returns the
// segments (col holds the byte offset each starts at) and the offset of
// the "=" (-1 when there is none). A segment may be a Go-quoted string,
// which may hold dots and "=".
func splitSet(s string) ([]setSeg, int, *setErr) {
	var segs []setSeg
	for i := 0; ; {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		seg := setSeg{col: i}
		if i < len(s) && s[i] == '"' {
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, -1, &setErr{i, "quote not closed"}
			}
			u, err := strconv.Unquote(s[i : j+1])
			if err != nil {
				return nil, -1, &setErr{i, "bad quoted name: " + err.Error()}
			}
			seg.text, seg.quoted = u, true
			i = j + 1
			for i < len(s) && s[i] == ' ' {
				i++
			}
			if i < len(s) && s[i] != '.' && s[i] != '=' {
				return nil, -1, &setErr{i, "want \".\" or \"=\" after a quoted name"}
			}
		} else {
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '=' {
				j++
			}
			seg.text = strings.TrimSpace(s[i:j])
			i = j
		}
		if seg.text == "" && !seg.quoted {
			if i >= len(s) && len(segs) == 0 {
				return nil, -1, &setErr{i, "empty: want SELECTOR.key=value"}
			}
			return nil, -1, &setErr{seg.col, "empty name before \".\" or \"=\""}
		}
		segs = append(segs, seg)
		switch {
		case i >= len(s):
			return segs, -1, nil
		case s[i] == '=':
			return segs, i, nil
		}
		i++ // the dot
	}
}

// setPath decides which profile section a --set path is in and which
// of its segments name the thing set (a message, participant or block;
// nil for defaults) and which are keys. Unquoted names may hold dots:
// the name ends before the first segment that is a key of its section
// while what precedes names something in the diagram.
func (l *loader) setPath(segs []setSeg) (section string, sel *setSeg, keys []setSeg) {
	first := segs[0]
	if !first.quoted && (first.text == "defaults" || first.text == "slo") {
		if first.text == "defaults" {
			return "defaults", nil, segs[1:]
		}
		rest := segs[1:]
		if len(rest) == 0 {
			return "slo", nil, nil
		}
		if rest[0].quoted || slices.Contains(sloMetrics, rest[0].text) || len(rest) == 1 {
			return "slo", &rest[0], rest[1:]
		}
		joined := joinSegs(rest[:len(rest)-1])
		return "slo", &joined, rest[len(rest)-1:]
	}
	if first.quoted {
		return l.sectionOf(first.text), &first, segs[1:]
	}
	section = l.sectionOf(first.text)
	for k := 1; k < len(segs); k++ {
		joined := joinSegs(segs[:k])
		section = l.sectionOf(joined.text)
		if !segs[k].quoted && slices.Contains(sectionKeys(section), segs[k].text) && l.names(section, joined.text) {
			return section, &joined, segs[k:]
		}
	}
	// Nothing both resolves and is followed by a key: the first name
	// that resolves, else the first one followed by a key, else the
	// first segment, so that the loader reports the misspelt part.
	for k := 1; k < len(segs); k++ {
		if joined := joinSegs(segs[:k]); l.names(l.sectionOf(joined.text), joined.text) {
			return l.sectionOf(joined.text), &joined, segs[k:]
		}
	}
	for k := 1; k < len(segs); k++ {
		joined := joinSegs(segs[:k])
		if sec := l.sectionOf(joined.text); !segs[k].quoted && slices.Contains(sectionKeys(sec), segs[k].text) {
			return sec, &joined, segs[k:]
		}
	}
	return l.sectionOf(first.text), &first, segs[1:]
}

// joinSegs joins unquoted segments back with their dots.
func joinSegs(segs []setSeg) setSeg {
	texts := make([]string, len(segs))
	for i, s := range segs {
		texts[i] = s.text
	}
	return setSeg{text: strings.Join(texts, "."), col: segs[0].col}
}

// sectionOf tells by its form which section a name is in: a message
// ("#N" or "From->>To: text"), a block ("alt …", "else …"), else a
// participant.
func (l *loader) sectionOf(name string) string {
	t := strings.TrimSpace(name)
	if strings.HasPrefix(t, "#") {
		return "messages"
	}
	if head, _, ok := strings.Cut(t, ":"); ok {
		for _, a := range flow.Arrows {
			if strings.Contains(head, string(a)) {
				return "messages"
			}
		}
	}
	word, _, _ := strings.Cut(t, " ")
	if slices.Contains(blockWords, strings.ToLower(word)) && l.d.Participant(word) == nil {
		return "blocks"
	}
	return "participants"
}

func sectionKeys(section string) []string {
	switch section {
	case "messages":
		return messageKeys
	case "blocks":
		return blockKeys
	case "participants":
		return participantKeys
	}
	return nil
}

// names reports whether name names something of the section in the
// diagram (or among the profile's compensations).
func (l *loader) names(section, name string) bool {
	switch section {
	case "messages":
		_, err := l.lookup(name, true)
		return err == nil
	case "blocks":
		_, _, err := l.d.LookupBlock(name)
		return err == nil
	case "participants":
		return l.d.Participant(name) != nil
	}
	return false
}

// setValue reads the value of a --set, which starts at rune column col
// of the given line: a value that starts with {, [ or a quote is YAML
// (flow style); anything else is the text itself, as a plain scalar of a
// profile would be read, except that nothing in it is a comment or
// splits it; "", null and ~ are null.
func (l *loader) setValue(v string, line, col int) *yaml.Node {
	lead := len(v) - len(strings.TrimLeft(v, " "))
	col += utf8.RuneCountInString(v[:lead])
	t := strings.TrimSpace(v)
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t, Line: line, Column: col}
	switch {
	case t == "" || t == "null" || t == "~" || t == "Null" || t == "NULL":
		n.Tag = "!!null"
		return n
	case !strings.ContainsAny(t[:1], "{[\"'"):
		return n
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(t), &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if _, m, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "line ") {
			msg = m
		}
		l.f.Errorf(n, "--set: YAML: %s", msg)
		return nil
	}
	if len(doc.Content) == 0 {
		n.Tag = "!!null"
		return n
	}
	out := doc.Content[0]
	var shift func(x *yaml.Node)
	shift = func(x *yaml.Node) {
		if x.Line == 1 {
			x.Column += col - 1
		}
		x.Line += line - 1
		for _, c := range x.Content {
			shift(c)
		}
	}
	shift(out)
	return out
}
