package parser

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/internal/mermaid"
)

// Entity codes (#59;, #lt;) are encoded before lexing, as Mermaid does, so
// that their '#' and ';' are neither a comment nor a separator. Mermaid uses
// multi-byte placeholders; we replace the '#' and ';' in place by two bytes
// that valid UTF-8 never contains, so that offsets do not move.
const (
	entOpen  = '\xff'
	entClose = '\xfe'
)

// text is the diagram text as it goes through Mermaid's preprocessing, with
// the offset in the original file of every byte (orig nil: identity).
type text struct {
	b    []byte
	orig []int32
}

func (t *text) origAt(i int) int {
	if t.orig == nil {
		return i
	}
	if i >= len(t.orig) {
		if len(t.orig) == 0 {
			return 0
		}
		return int(t.orig[len(t.orig)-1]) + 1
	}
	return int(t.orig[i])
}

// editor builds a new text from pieces of an old one.
type editor struct {
	old  *text
	b    []byte
	orig []int32
}

func newEditor(old *text) *editor {
	return &editor{old: old, b: make([]byte, 0, len(old.b)), orig: make([]int32, 0, len(old.b))}
}

// copy appends old[i:j].
func (e *editor) copy(i, j int) {
	e.b = append(e.b, e.old.b[i:j]...)
	if e.old.orig == nil {
		for k := i; k < j; k++ {
			e.orig = append(e.orig, int32(k))
		}
	} else {
		e.orig = append(e.orig, e.old.orig[i:j]...)
	}
}

// put appends bytes that stand for old[at].
func (e *editor) put(s string, at int) {
	o := int32(e.old.origAt(at))
	for k := 0; k < len(s); k++ {
		e.b = append(e.b, s[k])
		e.orig = append(e.orig, o)
	}
}

func (e *editor) done() *text { return &text{b: e.b, orig: e.orig} }

// preprocessed is the outcome of Mermaid's preprocessing.
type preprocessed struct {
	t     *text
	title string // front-matter title ("" if none)
	wrap  bool
	front string // the front matter YAML
}

// preprocessError is an error found before lexing, at an offset of the
// original text.
type preprocessError struct {
	off int
	msg string
}

func (e *preprocessError) Error() string { return e.msg }

// preprocess runs Mermaid 11.15's preprocessing: text clean-up, front
// matter, directives and comment lines (twice, as mermaid.parse does),
// diagram detection, then entity encoding and the final newline.
func preprocess(src []byte) (*preprocessed, error) {
	t := &text{b: src}
	t = sanitizeUTF8(t)
	out := &preprocessed{}
	for pass := 0; pass < 2; pass++ {
		t = cleanupText(t)
		var fm *frontMatter
		var err error
		t, fm, err = extractFrontMatter(t)
		if err != nil {
			return nil, err
		}
		if fm != nil {
			if pass == 0 {
				out.title = fm.title
				out.front = fm.yaml
			}
			out.wrap = out.wrap || fm.wrap
		}
		var wrap bool
		t, wrap = removeDirectives(t)
		out.wrap = out.wrap || wrap
		t = cleanupComments(t)
	}
	if !detectSequence(t.b) {
		return nil, &preprocessError{off: firstNonSpace(t), msg: "not a sequence diagram: the text must start with sequenceDiagram"}
	}
	t = encodeEntities(t)
	t.b = append(t.b, '\n')
	if t.orig != nil {
		t.orig = append(t.orig, int32(len(src)))
	}
	out.t = t
	return out, nil
}

func firstNonSpace(t *text) int {
	for i := 0; i < len(t.b); {
		if n := mermaid.Space(t.b, i); n > 0 {
			i += n
			continue
		}
		return t.origAt(i)
	}
	return t.origAt(len(t.b))
}

// sanitizeUTF8 replaces invalid UTF-8 by U+FFFD, as a browser decoding the
// page would.
func sanitizeUTF8(t *text) *text {
	if utf8.Valid(t.b) {
		return t
	}
	e := newEditor(t)
	for i := 0; i < len(t.b); {
		r, n := utf8.DecodeRune(t.b[i:])
		if r == utf8.RuneError && n == 1 {
			e.put("\uFFFD", i)
		} else {
			e.copy(i, i+n)
		}
		i += n
	}
	return e.done()
}

// cleanupText turns CRLF and CR into LF and, inside <tag …>, ="v" into ='v'.
func cleanupText(t *text) *text {
	if bytes.IndexByte(t.b, '\r') >= 0 {
		e := newEditor(t)
		for i := 0; i < len(t.b); i++ {
			if t.b[i] == '\r' {
				e.put("\n", i)
				if i+1 < len(t.b) && t.b[i+1] == '\n' {
					i++
				}
				continue
			}
			e.copy(i, i+1)
		}
		t = e.done()
	}
	// /<(\w+)([^>]*)>/g with /="([^"]*)"/g inside the attributes: the
	// length does not change, so edit in place on a copy.
	var b []byte
	for i := 0; i < len(t.b); i++ {
		if t.b[i] != '<' || i+1 >= len(t.b) || !mermaid.IsWordByte(t.b[i+1]) {
			continue
		}
		j := i + 1
		for j < len(t.b) && mermaid.IsWordByte(t.b[j]) {
			j++
		}
		end := bytes.IndexByte(t.b[j:], '>')
		if end < 0 {
			break // no '>' anywhere after: no later tag can match either
		}
		end += j
		for k := j; k+1 < end; k++ {
			if t.b[k] == '=' && t.b[k+1] == '"' {
				q := bytes.IndexByte(t.b[k+2:end], '"')
				if q < 0 {
					continue
				}
				q += k + 2
				if b == nil {
					b = append([]byte(nil), t.b...)
				}
				b[k+1], b[q] = '\'', '\''
				k = q
			}
		}
		i = end
	}
	if b != nil {
		return &text{b: b, orig: t.orig}
	}
	return t
}

type frontMatter struct {
	title string
	wrap  bool
	yaml  string
}

// extractFrontMatter applies /^-{3}\s*[\n\r](.*?)[\n\r]-{3}\s*[\n\r]+/s.
func extractFrontMatter(t *text) (*text, *frontMatter, error) {
	b := t.b
	if !bytes.HasPrefix(b, []byte("---")) {
		return t, nil, nil
	}
	// The whitespace run after the dashes must hold a newline; the body
	// starts after one of them (the last first, as backtracking does).
	i := 3
	var nls []int
	for i < len(b) {
		n := mermaid.Space(b, i)
		if n == 0 {
			break
		}
		if b[i] == '\n' || b[i] == '\r' {
			nls = append(nls, i)
		}
		i += n
	}
	for c := len(nls) - 1; c >= 0; c-- {
		start := nls[c] + 1
		for k := start; k < len(b); k++ {
			if b[k] != '\n' && b[k] != '\r' {
				continue
			}
			if !bytes.HasPrefix(b[k+1:], []byte("---")) {
				continue
			}
			// \s*[\n\r]+ after the closing dashes
			m := k + 4
			lastNL := -1
			for m < len(b) {
				n := mermaid.Space(b, m)
				if n == 0 {
					break
				}
				if b[m] == '\n' || b[m] == '\r' {
					lastNL = m
				}
				m += n
			}
			if lastNL < 0 {
				continue
			}
			end := lastNL + 1
			body := string(b[start:k])
			fm, err := parseFrontMatter(body)
			if err != nil {
				off := t.origAt(start)
				if ye, ok := err.(*yamlLineError); ok {
					off = t.origAt(lineOffset(b, start, ye.line))
				}
				return nil, nil, &preprocessError{off: off, msg: "front matter: " + err.Error()}
			}
			e := newEditor(t)
			e.copy(end, len(b))
			return e.done(), fm, nil
		}
	}
	return t, nil, nil
}

func lineOffset(b []byte, start, line int) int {
	i := start
	for l := 1; l < line && i < len(b); i++ {
		if b[i] == '\n' {
			l++
		}
	}
	return i
}

type yamlLineError struct {
	line int
	msg  string
}

func (e *yamlLineError) Error() string { return e.msg }

func parseFrontMatter(body string) (*frontMatter, error) {
	var doc any
	if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
		return nil, yamlError(err)
	}
	fm := &frontMatter{yaml: body}
	m, ok := doc.(map[string]any)
	if !ok {
		return fm, nil
	}
	fm.title = jsString(m["title"])
	if cfg, ok := m["config"].(map[string]any); ok {
		if truthy(cfg["wrap"]) {
			fm.wrap = true
		}
		if seq, ok := cfg["sequence"].(map[string]any); ok && truthy(seq["wrap"]) {
			fm.wrap = true
		}
	}
	return fm, nil
}

// yamlError turns "yaml: line 3: …" into a positioned error.
func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil && line > 0 {
		return &yamlLineError{line: line, msg: strings.TrimSpace(msg[strings.IndexByte(msg, ':')+1:])}
	}
	return &yamlLineError{line: 1, msg: msg}
}

// jsString is what `if (v) v.toString()` gives for a YAML value, "" when v
// is falsy.
func jsString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return ""
	case int:
		if x == 0 {
			return ""
		}
		return fmt.Sprint(x)
	case float64:
		if x == 0 || x != x {
			return ""
		}
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int:
		return x != 0
	case float64:
		return x != 0
	}
	return true
}

// removeDirectives deletes every match of Mermaid's directive regex
// /%{2}{\s*(?:(\w+)\s*:|(\w+))\s*(?:(\w+)|((?:(?!}%{2}).|\r?\n)*))?\s*(?:}%{2})?/gi
// and reports a wrap directive.
func removeDirectives(t *text) (*text, bool) {
	b := t.b
	if bytes.Index(b, []byte("%%{")) < 0 {
		return t, false
	}
	var e *editor
	last := 0
	wrap := false
	for i := 0; i+3 <= len(b); {
		if b[i] != '%' || b[i+1] != '%' || b[i+2] != '{' {
			i++
			continue
		}
		end, name, args, ok := matchDirective(b, i)
		if !ok {
			i++
			continue
		}
		if strings.EqualFold(name, "wrap") {
			wrap = true
		}
		if (strings.EqualFold(name, "init") || strings.EqualFold(name, "initialize")) &&
			(strings.Contains(args, `"wrap": true`) || strings.Contains(args, `"wrap":true`)) {
			wrap = true
		}
		if e == nil {
			e = newEditor(t)
		}
		e.copy(last, i)
		last = end
		if end == i {
			end++
		}
		i = end
	}
	if e == nil {
		return t, wrap
	}
	e.copy(last, len(b))
	return e.done(), wrap
}

func matchDirective(b []byte, i int) (end int, name, args string, ok bool) {
	j := mermaid.SkipSpace(b, i+3)
	w := j
	for w < len(b) && mermaid.IsWordByte(b[w]) {
		w++
	}
	if w == j {
		return 0, "", "", false
	}
	name = string(b[j:w])
	k := mermaid.SkipSpace(b, w)
	if k < len(b) && b[k] == ':' {
		k++ // (\w+)\s*:
	} else {
		k = w // (\w+)
	}
	k = mermaid.SkipSpace(b, k)
	// (?:(\w+)|((?:(?!}%%).|\r?\n)*))?
	if k < len(b) && mermaid.IsWordByte(b[k]) {
		for k < len(b) && mermaid.IsWordByte(b[k]) {
			k++
		}
	} else {
		a := k
		for k < len(b) {
			if b[k] == '}' && k+2 < len(b) && b[k+1] == '%' && b[k+2] == '%' {
				break
			}
			if b[k] == '\n' {
				k++
				continue
			}
			if b[k] == '\r' && k+1 < len(b) && b[k+1] == '\n' {
				k += 2
				continue
			}
			if n := mermaid.LineTerminator(b, k); n > 0 {
				break
			}
			_, n := utf8.DecodeRune(b[k:])
			k += n
		}
		args = string(b[a:k])
		// backtracking: \s* after a greedy group that may end in spaces
		// changes nothing about the end.
	}
	k = mermaid.SkipSpace(b, k)
	if k+2 < len(b) && b[k] == '}' && b[k+1] == '%' && b[k+2] == '%' {
		k += 3
	}
	return k, name, args, true
}

// cleanupComments applies /^\s*%%(?!{)[^\n]+\n?/gm → "" and trimStart.
func cleanupComments(t *text) *text {
	b := t.b
	var e *editor
	last := 0
	lineStart := true
	for i := 0; i < len(b); {
		if lineStart {
			j := mermaid.SkipSpace(b, i)
			if j+2 < len(b) && b[j] == '%' && b[j+1] == '%' && b[j+2] != '{' && b[j+2] != '\n' {
				k := j + 2
				for k < len(b) && b[k] != '\n' {
					k++
				}
				if k < len(b) {
					k++
				}
				if e == nil {
					e = newEditor(t)
				}
				e.copy(last, i)
				last = k
				i = k
				continue // the match ends after a newline (a line start) or at the end
			}
			// every line start inside the blank run fails the same way
			if j > i {
				i = j
				lineStart = false
				continue
			}
		}
		n := mermaid.LineTerminator(b, i)
		if n > 0 {
			lineStart = true
			i += n
			continue
		}
		lineStart = false
		i++
	}
	if e != nil {
		e.copy(last, len(b))
		t = e.done()
	}
	// trimStart
	s := mermaid.SkipSpace(t.b, 0)
	if s == 0 {
		return t
	}
	e = newEditor(t)
	e.copy(s, len(t.b))
	return e.done()
}

// detectSequence is Mermaid's detector after detectType's own clean-up.
func detectSequence(b []byte) bool {
	t := &text{b: b}
	t, _, err := extractFrontMatterNoYAML(t)
	if err != nil {
		return false
	}
	t, _ = removeDirectives(t)
	b = removeAnyComments(t.b)
	i := mermaid.SkipSpace(b, 0)
	return bytes.HasPrefix(b[i:], []byte("sequenceDiagram"))
}

func extractFrontMatterNoYAML(t *text) (*text, bool, error) {
	nt, fm, err := extractFrontMatter(t)
	if err != nil {
		// detectType only strips the text; the YAML was checked before.
		return t, false, nil
	}
	return nt, fm != nil, nil
}

// removeAnyComments applies /\s*%%.*\n/gm → "\n".
func removeAnyComments(b []byte) []byte {
	if bytes.Index(b, []byte("%%")) < 0 {
		return b
	}
	var out []byte
	last := 0
	for i := 0; i < len(b); {
		j := mermaid.SkipSpace(b, i)
		if j+1 < len(b) && b[j] == '%' && b[j+1] == '%' {
			k := j + 2
			for k < len(b) && mermaid.LineTerminator(b, k) == 0 {
				k++
			}
			if k < len(b) && b[k] == '\n' {
				out = append(out, b[last:i]...)
				out = append(out, '\n')
				last = k + 1
				i = k + 1
				continue
			}
		}
		i++
	}
	out = append(out, b[last:]...)
	return out
}

// encodeEntities applies Mermaid's encodeEntities: the style/classDef
// semicolon removal, then #\w+; entity codes.
func encodeEntities(t *text) *text {
	t = dropStyleSemicolon(t, "style")
	t = dropStyleSemicolon(t, "classDef")
	b := t.b
	if bytes.IndexByte(b, '#') < 0 {
		return t
	}
	var nb []byte
	for i := 0; i < len(b); i++ {
		if b[i] != '#' {
			continue
		}
		j := i + 1
		for j < len(b) && mermaid.IsWordByte(b[j]) {
			j++
		}
		if j > i+1 && j < len(b) && b[j] == ';' {
			if nb == nil {
				nb = append([]byte(nil), b...)
			}
			nb[i], nb[j] = entOpen, entClose
			i = j
		}
	}
	if nb == nil {
		return t
	}
	return &text{b: nb, orig: t.orig}
}

// dropStyleSemicolon applies /KW.*:\S*#.*;/g → the match without its last
// character, per line.
func dropStyleSemicolon(t *text, kw string) *text {
	b := t.b
	if bytes.Index(b, []byte(kw)) < 0 {
		return t
	}
	var drop []int
	for ls := 0; ls < len(b); {
		le := ls
		for le < len(b) && mermaid.LineTerminator(b, le) == 0 {
			le++
		}
		if semi := mermaid.StyleSemicolon(b[ls:le], kw); semi >= 0 {
			drop = append(drop, ls+semi)
		}
		ls = le
		if ls < len(b) {
			ls += mermaid.LineTerminator(b, ls)
		}
	}
	if len(drop) == 0 {
		return t
	}
	e := newEditor(t)
	last := 0
	for _, d := range drop {
		e.copy(last, d)
		last = d + 1
	}
	e.copy(last, len(b))
	return e.done()
}
