package parser

import (
	"errors"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/mermaid"
	"github.com/choreo-dev/choreo/internal/srcpos"
)

// Warning is something Mermaid accepts that probably surprises the
// author. It does not change the diagram.
type Warning struct {
	Pos flow.Pos
	Msg string
}

func (w Warning) String() string { return w.Pos.String() + ": warning: " + w.Msg }

// Parse reads a Mermaid sequenceDiagram as Mermaid 11.15 does and returns
// its model. name is used in positions. Errors are *Error.
func Parse(name string, src []byte) (*flow.Diagram, error) {
	d, _, err := ParseWarnings(name, src)
	return d, err
}

// ParseWarnings is Parse that also returns the warnings.
func ParseWarnings(name string, src []byte) (*flow.Diagram, []Warning, error) {
	p := &parse{name: name, src: src}
	p.lines = lineStarts(src)
	pre, err := preprocess(src)
	if err != nil {
		var pe *preprocessError
		if errors.As(err, &pe) {
			return nil, nil, p.errAt(pe.off, pe.msg)
		}
		return nil, nil, err
	}
	p.pre = pre
	p.toks = lexAll(pre.t.b)
	pl, err := lexer.Upgrade(&tokenStream{p: p})
	if err != nil {
		return nil, nil, err
	}
	items, err := parseDocument(pl)
	if err != nil {
		serr := p.syntaxError(err)
		// the lines before the error still warn: a ';' that cut a text
		// short is often what the error is about
		p.build(items)
		return nil, p.warnings, serr
	}
	d, err := p.build(items)
	if err != nil {
		return nil, p.warnings, err
	}
	return d, p.warnings, nil
}

type parse struct {
	name     string
	src      []byte
	lines    []int
	pre      *preprocessed
	toks     []token
	warnings []Warning
	// posOf's last answer: offset colOff is colRunes runes into its line
	colOff, colRunes int
}

// lineStarts indexes the original text's lines (\n, \r\n and \r end a line).
func lineStarts(b []byte) []int {
	ls := []int{0}
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\n':
			ls = append(ls, i+1)
		case '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			ls = append(ls, i+1)
		}
	}
	return ls
}

// posOf turns an offset of the original text into a position.
func (p *parse) posOf(off int) flow.Pos {
	if off > len(p.src) {
		off = len(p.src)
	}
	lo, hi := 0, len(p.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if p.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	// Tokens ask in order: count the runes from the last offset asked on
	// the same line, not from the line's start, or a long line of many
	// statements costs its length once per token. The last offset must
	// start a rune (a count split inside one would differ).
	from, runes := p.lines[lo], 0
	if p.colOff >= from && p.colOff <= off && (p.colOff == len(p.src) || utf8.RuneStart(p.src[p.colOff])) {
		from, runes = p.colOff, p.colRunes
	}
	runes += utf8.RuneCount(p.src[from:off])
	p.colOff, p.colRunes = off, runes
	return flow.Pos{File: p.name, Line: lo + 1, Col: runes + 1}
}

// lexPos is the participle position of an offset of the preprocessed text;
// Offset keeps the preprocessed offset.
func (p *parse) lexPos(off int) lexer.Position {
	pos := p.posOf(p.pre.t.origAt(off))
	return lexer.Position{Filename: p.name, Offset: off, Line: pos.Line, Column: pos.Col}
}

func (p *parse) pos(t lexer.Token) flow.Pos {
	return flow.Pos{File: p.name, Line: t.Pos.Line, Col: t.Pos.Column}
}

// srcLine returns the original line of a position, without its newline.
func (p *parse) srcLine(line int) string {
	if line < 1 || line > len(p.lines) {
		return ""
	}
	s := p.lines[line-1]
	e := len(p.src)
	if line < len(p.lines) {
		e = p.lines[line]
	}
	return strings.TrimRight(string(p.src[s:e]), "\r\n")
}

func (p *parse) errAt(off int, msg string) *Error {
	pos := p.posOf(off)
	return &Error{Pos: pos, Msg: msg, Src: p.srcLine(pos.Line)}
}

func (p *parse) errTok(t lexer.Token, msg string) *Error {
	pos := p.pos(t)
	return &Error{Pos: pos, Msg: msg, Src: p.srcLine(pos.Line)}
}

func (p *parse) warn(t lexer.Token, msg string) {
	p.warnings = append(p.warnings, Warning{Pos: p.pos(t), Msg: msg})
}

// decode turns the entity placeholders of a value back into characters:
// #59; is ';', #lt; is '<'; unknown names stay as &name;.
func decode(s string) string {
	if strings.IndexByte(s, entOpen) < 0 {
		return s
	}
	var sb strings.Builder
	for {
		i := strings.IndexByte(s, entOpen)
		if i < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		j := strings.IndexByte(s[i:], entClose)
		if j < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		j += i
		sb.WriteString(s[:i])
		inner := s[i+1 : j]
		if isDigits(inner) {
			sb.WriteString(html.UnescapeString("&#" + inner + ";"))
		} else {
			sb.WriteString(html.UnescapeString("&" + inner + ";"))
		}
		s = s[j+1:]
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// jsTrim is String.prototype.trim.
func jsTrim(s string) string {
	b := []byte(s)
	i := mermaid.SkipSpace(b, 0)
	j := len(b)
	for j > i {
		r, n := utf8.DecodeLastRune(b[:j])
		if !mermaid.IsSpace(r) {
			break
		}
		j -= n
	}
	return s[i:j]
}

// parseMessage is SequenceDB.parseMessage: trim, then strip a wrap: or
// nowrap: prefix.
func parseMessage(s string) string {
	s = jsTrim(s)
	for _, pre := range []string{":wrap:", "wrap:", ":nowrap:", "nowrap:"} {
		if strings.HasPrefix(s, pre) {
			return jsTrim(s[len(pre):])
		}
	}
	return s
}

// text2 is the grammar's text2 action on a TXT token.
func text2(v string) string {
	v = jsTrim(v)
	if v != "" {
		v = v[1:]
	}
	return parseMessage(v)
}

// Error is a positioned parse error: Pos (file, line, column; 1-based,
// the column in runes), Msg (what is wrong, in words a user understands)
// and Src (the offending line). Its Error method returns
// "file:line:col: msg", Position returns Pos, and Snippet returns the
// line, windowed around the column when it is long, with a caret under
// the column. The same type reports problems in profiles and map files.
type Error = srcpos.Error

// syntaxError explains a participle error in the diagram's terms.
func (p *parse) syntaxError(err error) error {
	var pe participle.Error
	off := -1
	typ := lexer.TokenType(0)
	if errors.As(err, &pe) {
		off = pe.Position().Offset
	}
	var ue *participle.UnexpectedTokenError
	if errors.As(err, &ue) {
		typ = ue.Unexpected.Type
	}
	idx := len(p.toks) - 1
	for i, t := range p.toks {
		if t.start >= off && off >= 0 {
			idx = i
			// a zero-width token shares its offset with the next one
			for typ != 0 && p.toks[idx].typ != typ && idx+1 < len(p.toks) && p.toks[idx+1].start == t.start {
				idx++
			}
			break
		}
	}
	msg := p.explain(idx)
	t := p.toks[idx]
	pos := p.lexPos(t.start)
	return p.errTok(lexer.Token{Pos: pos}, msg)
}
