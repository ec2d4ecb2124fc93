// Package yamlpos reads YAML with positions, for the loaders of choreo's
// input files (profiles, trace maps): a syntax error at the line and
// column yaml.v3 gives, mappings read as key and value nodes (aliases and
// << merges followed, duplicate keys reported), unknown keys reported
// with a suggestion, and every problem collected as a [srcpos.Error]
// showing its line, so that one pass reports them all in file order.
package yamlpos

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/internal/suggest"
)

// File is one YAML input file being read: its name and lines, and the
// problems found so far.
type File struct {
	Path  string
	lines []string
	errs  srcpos.List
	// Rejoin, when set, repairs a value with parentheses that YAML split
	// at its commas inside a flow mapping ({iterations: uniform(1, 5)}
	// reads as iterations: "uniform(1" and a key "5)" without a value):
	// such a key is appended to the previous value while that value has
	// an unclosed parenthesis.
	Rejoin bool
	joined map[*yaml.Node]bool
	// parts are the inputs appended after the file (see Append), in
	// order: their lines follow the file's in lines.
	parts []part
}

// part is an input appended to a File: its name and the number, among
// the File's lines, of its first line.
type part struct {
	path  string
	first int
}

// Parse reads data (the file named path) and returns its top node: nil
// for an empty document, and nil with the problem recorded for a syntax
// error.
func Parse(path string, data []byte) (*File, *yaml.Node) {
	f := &File{Path: path, lines: Lines(data)}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line, msg := syntaxLine(err)
		// an error at the end of the input may be placed on the line after
		line = min(max(line, 1), len(f.lines))
		// a syntax error carries a line only: point at its first character
		src := f.Line(line)
		col := len(src) - len(strings.TrimLeft(src, " \t")) + 1
		f.errs = append(f.errs, &srcpos.Error{Pos: flow.Pos{File: path, Line: line, Col: col}, Msg: "YAML: " + msg, Src: src})
		return f, nil
	}
	if len(root.Content) == 0 {
		return f, nil
	}
	return f, root.Content[0]
}

// Lines splits data into lines where YAML does: at a line feed, a
// carriage return (alone or before a line feed), and the Unicode line
// breaks NEL, LS and PS that libyaml also counts.
func Lines(data []byte) []string {
	var out []string
	s := string(data)
	start := 0
	for i := 0; i < len(s); {
		n := 0
		switch {
		case s[i] == '\n':
			n = 1
		case s[i] == '\r':
			n = 1
			if i+1 < len(s) && s[i+1] == '\n' {
				n = 2
			}
		case strings.HasPrefix(s[i:], "\u0085"), strings.HasPrefix(s[i:], "\u2028"), strings.HasPrefix(s[i:], "\u2029"):
			_, n = utf8.DecodeRuneInString(s[i:])
		default:
			i++
			continue
		}
		out = append(out, s[start:i])
		i += n
		start = i
	}
	return append(out, s[start:])
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are the problems libyaml's parser (not its scanner)
// reports. For them yaml.v3 prints the 0-based line of the construct
// being parsed (the mark is not adjusted as for scanner errors), and
// nothing when that is the first line.
var parserProblems = []string{
	"did not find expected <stream-start>", "did not find expected <document start>",
	"found undefined tag handle", "did not find expected node content", "did not find expected '-' indicator",
	"did not find expected key", "did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"found duplicate %YAML directive", "found incompatible YAML document", "found duplicate %TAG directive",
}

// syntaxLine returns the 1-based line of a yaml.v3 syntax error (0 when
// unknown) and its message without the line.
func syntaxLine(err error) (int, string) {
	msg, line := err.Error(), 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if slices.Contains(parserProblems, msg) {
			line++
		}
		return line, msg
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if strings.HasPrefix(msg, "unknown anchor") {
		return 0, msg
	}
	// A scanner or parser error without a line is on the first line.
	return 1, msg
}

// Line returns the 1-based line n of the file ("" past its end), without
// its line ending.
func (f *File) Line(n int) string {
	last := len(f.lines)
	if len(f.parts) > 0 {
		last = f.parts[0].first - 1
	}
	if n < 1 || n > last {
		return ""
	}
	return f.lines[n-1]
}

// Append adds the lines of another input, named path (a command-line
// argument such as "--set[2]"), after the file's, and returns the line
// number that its first line has among the File's: nodes built for that
// input carry line numbers from there on, and Pos and Errorf show them
// as lines of path.
func (f *File) Append(path, text string) int {
	first := len(f.lines) + 1
	f.lines = append(f.lines, Lines([]byte(text))...)
	f.parts = append(f.parts, part{path, first})
	return first
}

// Pos returns where n is (the file alone for nil).
func (f *File) Pos(n *yaml.Node) flow.Pos {
	if n == nil {
		return flow.Pos{File: f.Path}
	}
	for i := len(f.parts) - 1; i >= 0; i-- {
		if pt := f.parts[i]; n.Line >= pt.first {
			return flow.Pos{File: pt.path, Line: n.Line - pt.first + 1, Col: n.Column}
		}
	}
	return flow.Pos{File: f.Path, Line: n.Line, Col: n.Column}
}

// Errorf records a problem at n.
func (f *File) Errorf(n *yaml.Node, format string, args ...any) {
	src := ""
	if n != nil && n.Line >= 1 && n.Line <= len(f.lines) {
		src = f.lines[n.Line-1]
	}
	f.errs = append(f.errs, &srcpos.Error{Pos: f.Pos(n), Msg: fmt.Sprintf(format, args...), Src: src})
}

// Add records a problem found elsewhere, giving it its line.
func (f *File) Add(e *srcpos.Error) {
	if e.Src == "" && e.Pos.File == f.Path {
		e.Src = f.Line(e.Pos.Line)
	}
	f.errs = append(f.errs, e)
}

// Errors returns the problems recorded so far, in the order found.
func (f *File) Errors() srcpos.List { return f.errs }

// Failed reports whether a problem has been recorded.
func (f *File) Failed() bool { return len(f.errs) > 0 }

// Err returns the problems recorded, in file order without repeats: nil,
// a *srcpos.Error, or a srcpos.List.
func (f *File) Err() error { return f.errs.Err() }

// Entry is one key and value of a mapping.
type Entry struct{ Key, Val *yaml.Node }

// Get returns the entry with key k, or nil.
func Get(es []Entry, k string) *Entry {
	for i := range es {
		if es[i].Key.Value == k {
			return &es[i]
		}
	}
	return nil
}

// Mapping returns the entries of a mapping node (null is empty),
// following aliases and << merge keys (keys written in the mapping win),
// and reports duplicate and non-scalar keys, and a node that is not a
// mapping ("what must be a mapping").
func (f *File) Mapping(n *yaml.Node, what string) []Entry {
	return f.entries(n, what, true)
}

// Quiet is Mapping without reports, for a first pass over nodes that a
// later pass reads with Mapping.
func (f *File) Quiet(n *yaml.Node) []Entry { return f.entries(n, "", false) }

func (f *File) entries(n *yaml.Node, what string, report bool) []Entry {
	n = Deref(n)
	if IsNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		if report {
			f.Errorf(n, "%s must be a mapping, not %s", what, Describe(n))
		}
		return nil
	}
	var out, merged []Entry
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			src := Deref(v)
			srcs := []*yaml.Node{src}
			if src.Kind == yaml.SequenceNode {
				srcs = src.Content
			}
			for _, s := range srcs {
				merged = append(merged, f.entries(s, "a << merge", report)...)
			}
			continue
		}
		if f.Rejoin && f.rejoin(out, k, v) {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			if report {
				f.Errorf(k, "a key must be a string, not %s", Describe(k))
			}
			continue
		}
		if prev := seen[k.Value]; prev != nil {
			if report {
				f.Errorf(k, "%q is given twice (first at line %d)", k.Value, prev.Line)
			}
			continue
		}
		seen[k.Value] = k
		out = append(out, Entry{k, v})
	}
	for _, e := range merged {
		if seen[e.Key.Value] == nil {
			seen[e.Key.Value] = e.Key
			out = append(out, e)
		}
	}
	return out
}

// rejoin appends a key split off a value with an unclosed parenthesis
// back to that value (see File.Rejoin), reporting whether k was consumed;
// repeated passes over the same node agree.
func (f *File) rejoin(out []Entry, k, v *yaml.Node) bool {
	if f.joined[k] {
		return true
	}
	if k.Kind != yaml.ScalarNode || k.Style != 0 || !IsNull(v) || v.Value != "" || len(out) == 0 {
		return false
	}
	prev := Deref(out[len(out)-1].Val)
	if prev == nil || prev.Kind != yaml.ScalarNode || prev.Style != 0 || strings.Count(prev.Value, "(") <= strings.Count(prev.Value, ")") {
		return false
	}
	prev.Value += ", " + k.Value
	if f.joined == nil {
		f.joined = map[*yaml.Node]bool{}
	}
	f.joined[k] = true
	return true
}

// CheckKeys reports the keys not in valid ("unknown what key "x"; did
// you mean…; want …").
func (f *File) CheckKeys(es []Entry, valid []string, what string) {
	for _, e := range es {
		if !slices.Contains(valid, e.Key.Value) {
			f.Unknown(e.Key, what+" key", valid)
		}
	}
}

// Unknown reports the name at n, which is none of valid.
func (f *File) Unknown(n *yaml.Node, what string, valid []string) {
	f.Errorf(n, "unknown %s %q%s; want %s", what, n.Value, suggest.DidYouMean(n.Value, valid), strings.Join(valid, ", "))
}

// Deref follows aliases and documents to the node they stand for.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return Deref(n.Content[0])
	}
	return n
}

// IsNull reports whether n is absent or null.
func IsNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// SeqOrOne returns the items of a sequence, or the node itself.
func SeqOrOne(n *yaml.Node) []*yaml.Node {
	n = Deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}

// Describe names what n is, for "want X, not Y" messages: nothing, a
// mapping, a list, the number 3, true, or the quoted string.
func Describe(n *yaml.Node) string {
	n = Deref(n)
	switch {
	case IsNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Tag == "!!int" || n.Tag == "!!float":
		return "the number " + n.Value
	case n.Tag == "!!bool":
		return n.Value
	}
	return strconv.Quote(n.Value)
}
