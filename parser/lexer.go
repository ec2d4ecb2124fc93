package parser

import (
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/choreo-dev/choreo/internal/mermaid"
)

// Token types of the Mermaid sequenceDiagram lexer (the jison token names
// of sequenceDiagram.jison, in CamelCase).
const (
	tEOF lexer.TokenType = lexer.EOF
	tNL  lexer.TokenType = iota + 1
	tSD
	tParticipant
	tActorKw
	tCreate
	tDestroy
	tBox
	tLoop
	tRect
	tOpt
	tAlt
	tElse
	tPar
	tParOver
	tAnd
	tCritical
	tOption
	tBreak
	tEnd
	tLeftOf
	tRightOf
	tLinks
	tLink
	tProperties
	tDetails
	tOver
	tNote
	tActivate
	tDeactivate
	tTitle
	tLegacyTitle
	tAccTitle
	tAccTitleValue
	tAccDescr
	tAccDescrValue
	tAccDescrMulti
	tAutonumber
	tOff
	tNum
	tComma
	tActor
	tArrow
	tTxt
	tPlus
	tMinus
	tCentral
	tAs
	tRestOfLine
	tConfigStart
	tConfigContent
	tConfigEnd
	tInvalid
	tLexError
	numTokenTypes
)

var symbols = map[string]lexer.TokenType{
	"EOF": tEOF, "NL": tNL, "SD": tSD, "Participant": tParticipant, "ActorKw": tActorKw,
	"Create": tCreate, "Destroy": tDestroy, "Box": tBox, "Loop": tLoop, "Rect": tRect,
	"Opt": tOpt, "Alt": tAlt, "Else": tElse, "Par": tPar, "ParOver": tParOver, "And": tAnd,
	"Critical": tCritical, "Option": tOption, "Break": tBreak, "End": tEnd,
	"LeftOf": tLeftOf, "RightOf": tRightOf, "Links": tLinks, "Link": tLink,
	"Properties": tProperties, "Details": tDetails, "Over": tOver, "Note": tNote,
	"Activate": tActivate, "Deactivate": tDeactivate, "Title": tTitle,
	"LegacyTitle": tLegacyTitle, "AccTitle": tAccTitle, "AccTitleValue": tAccTitleValue,
	"AccDescr": tAccDescr, "AccDescrValue": tAccDescrValue, "AccDescrMulti": tAccDescrMulti,
	"Autonumber": tAutonumber, "Off": tOff, "Num": tNum, "Comma": tComma, "Actor": tActor,
	"Arrow": tArrow, "Txt": tTxt, "Plus": tPlus, "Minus": tMinus, "Central": tCentral,
	"As": tAs, "RestOfLine": tRestOfLine, "ConfigStart": tConfigStart,
	"ConfigContent": tConfigContent, "ConfigEnd": tConfigEnd, "Invalid": tInvalid,
	"LexError": tLexError,
}

type lexState uint8

const (
	sInitial lexState = iota
	sID
	sAlias
	sLine
	sConfig
	sAccTitle
	sAccDescr
	sAccDescrMulti
)

// token is a lexed token: its type, its value as the grammar action sees
// it (trimmed for names), and its span in the preprocessed text.
type token struct {
	typ        lexer.TokenType
	val        string
	start, end int
}

// lexAll tokenizes the preprocessed text exactly as Mermaid 11.15's jison
// lexer does: rules tried in file order, first match wins, every rule
// case-insensitive. A lexical error becomes a tLexError token carrying the
// message, and lexing stops there.
func lexAll(b []byte) []token {
	l := &lx{b: b, s: string(b), stack: []lexState{sInitial}}
	toks := make([]token, 0, len(b)/4+8)
	for {
		t, ok := l.next()
		if !ok {
			continue
		}
		toks = append(toks, t)
		if t.typ == tEOF || t.typ == tLexError {
			return toks
		}
	}
}

type lx struct {
	b     []byte
	s     string // b as a string: token values are slices of it
	p     int
	stack []lexState
	done  bool
}

func (l *lx) state() lexState { return l.stack[len(l.stack)-1] }
func (l *lx) push(s lexState) { l.stack = append(l.stack, s) }
func (l *lx) pop() {
	if len(l.stack) > 1 {
		l.stack = l.stack[:len(l.stack)-1]
	}
}

// next returns the next token; ok is false for a skipped match.
func (l *lx) next() (token, bool) {
	if l.done {
		return token{typ: tEOF, start: len(l.b), end: len(l.b)}, true
	}
	if l.p >= len(l.b) {
		l.done = true
	}
	start := l.p
	typ, n, skip := l.match()
	if n < 0 {
		if l.p >= len(l.b) {
			return token{typ: tEOF, start: start, end: start}, true
		}
		l.done = true
		return token{typ: tLexError, val: "unrecognized text", start: start, end: start}, true
	}
	l.p += n
	if l.done && l.p < len(l.b) {
		l.done = false
	}
	if skip {
		return token{}, false
	}
	return token{typ: typ, val: l.s[start:l.p], start: start, end: l.p}, true
}

// match tries the rules of the current state in order. It returns the
// token type, the match length (-1 for no match) and whether the match is
// skipped. State changes happen here.
func (l *lx) match() (lexer.TokenType, int, bool) {
	b, p := l.b, l.p
	switch l.state() {
	case sID:
		if n := mermaid.SameLineSpace(b, p); n > 0 {
			return 0, n, true
		}
		if p < len(b) && b[p] == '#' {
			return 0, toEOL(b, p) - p, true
		}
		if hasPrefix(b, p, "@{") {
			l.push(sConfig)
			return tConfigStart, 2, false
		}
		// [^<=>\-:\n,;@\s]+(?=@\{)
		if e := mermaid.RunOf(b, p, mermaid.MetaIDByte); e > p && hasPrefix(b, e, "@{") {
			return tActor, e - p, false
		}
		// [^<>:\n,;@\s]+(?=\s+as\s)
		if e := mermaid.RunOf(b, p, mermaid.AliasIDByte); e > p && mermaid.FollowedByAs(b, e) {
			l.push(sAlias)
			return tActor, e - p, false
		}
		// [^<>:\n,;@]+(?=\s*[\n;#]|$)
		if e := mermaid.RunOf(b, p, mermaid.PlainIDByte); e > p {
			q := -1
			if e == len(b) || b[e] == '\n' || b[e] == ';' {
				q = e
			} else {
				for h := e - 1; h > p; h-- {
					if b[h] == '#' {
						q = h
						break
					}
				}
			}
			if q > p {
				l.pop()
				return tActor, q - p, false
			}
		}
		// [^<>:\n,;@]*<[^\n]*
		if e := mermaid.RunOf(b, p, mermaid.PlainIDByte); e < len(b) && b[e] == '<' {
			l.pop()
			return tInvalid, toEOL(b, e) - p, false
		}
		if e := toEOL(b, p); e > p {
			l.pop()
			return tInvalid, e - p, false
		}
		return 0, -1, false
	case sAlias:
		if n := mermaid.SameLineSpace(b, p); n > 0 {
			return 0, n, true
		}
		if p < len(b) && b[p] == '#' {
			return 0, toEOL(b, p) - p, true
		}
		if mermaid.Keyword(b, p, "as") {
			l.pop()
			l.pop()
			l.push(sLine)
			return tAs, 2, false
		}
		l.pop()
		l.pop()
		return tNL, 0, false
	case sLine:
		if n := mermaid.SameLineSpace(b, p); n > 0 {
			return 0, n, true
		}
		if p < len(b) && b[p] == '#' {
			return 0, toEOL(b, p) - p, true
		}
		l.pop()
		return tRestOfLine, mermaid.TextEnd(b, p) - p, false
	case sConfig:
		if p < len(b) && b[p] != '}' {
			e := p
			for e < len(b) && b[e] != '}' {
				e++
			}
			return tConfigContent, e - p, false
		}
		if p < len(b) && b[p] == '}' {
			if mermaid.FollowedByAs(b, p+1) {
				l.pop()
				l.push(sAlias)
			} else {
				l.pop()
				l.pop()
			}
			return tConfigEnd, 1, false
		}
		return 0, -1, false
	case sAccTitle, sAccDescr:
		typ := tAccTitleValue
		if l.state() == sAccDescr {
			typ = tAccDescrValue
		}
		l.pop()
		return typ, toEOL(b, p) - p, false
	case sAccDescrMulti:
		if p < len(b) && b[p] == '}' {
			l.pop()
			return 0, 1, true
		}
		e := p
		for e < len(b) && b[e] != '}' {
			e++
		}
		return tAccDescrMulti, e - p, false
	}
	return l.matchInitial()
}

func (l *lx) matchInitial() (lexer.TokenType, int, bool) {
	b, p := l.b, l.p
	if p >= len(b) {
		return tNL, 0, false // <<EOF>>
	}
	c := b[p]
	if c == '\n' {
		e := p
		for e < len(b) && b[e] == '\n' {
			e++
		}
		return tNL, e - p, false
	}
	if n := mermaid.Space(b, p); n > 0 {
		e := mermaid.SkipSpace(b, p)
		return 0, e - p, true
	}
	if c == '#' {
		return 0, toEOL(b, p) - p, true
	}
	if c == '%' && (p+1 >= len(b) || b[p+1] != '{') {
		return 0, toEOL(b, p) - p, true
	}
	// [^\}]%%[^\n]* : one UTF-16 unit, so astral characters never match
	if c != '}' {
		r, n := utf8.DecodeRune(b[p:])
		if r <= 0xffff && hasPrefix(b, p+n, "%%") {
			return 0, toEOL(b, p) - p, true
		}
	}
	if n := mermaid.MatchNumber(b, p); n > 0 {
		return tNum, n, false
	}
	for _, kw := range keywords {
		if !mermaid.Keyword(b, p, kw.word) {
			continue
		}
		if kw.push != sInitial {
			l.push(kw.push)
		}
		return kw.typ, len(kw.word), false
	}
	if mermaid.HasPrefixFold(b, p, "title") {
		// title\s[^#\n;]+ and title:\s[^#\n;]+
		q := p + 5
		typ := tTitle
		if q < len(b) && b[q] == ':' {
			q++
			typ = tLegacyTitle
		}
		if q < len(b) {
			if n := mermaid.Space(b, q); n > 0 {
				if e := mermaid.TextEnd(b, q+n); e > q+n {
					return typ, e - p, false
				}
			}
		}
	}
	if mermaid.HasPrefixFold(b, p, "accTitle") || mermaid.HasPrefixFold(b, p, "accDescr") {
		q := mermaid.SkipSpace(b, p+8)
		if q < len(b) && b[q] == ':' {
			e := mermaid.SkipSpace(b, q+1)
			if mermaid.HasPrefixFold(b, p, "accTitle") {
				l.push(sAccTitle)
				return tAccTitle, e - p, false
			}
			l.push(sAccDescr)
			return tAccDescr, e - p, false
		}
		if mermaid.HasPrefixFold(b, p, "accDescr") && q < len(b) && b[q] == '{' {
			l.push(sAccDescrMulti)
			return 0, mermaid.SkipSpace(b, q+1) - p, true
		}
	}
	for _, kw := range keywords2 {
		if mermaid.Keyword(b, p, kw.word) {
			return kw.typ, len(kw.word), false
		}
	}
	switch c {
	case ',':
		return tComma, 1, false
	case ';':
		return tNL, 1, false
	}
	if n := mermaid.MatchActor(b, p); n > 0 {
		return tActor, n, false
	}
	for _, a := range mermaid.Arrows {
		if mermaid.HasPrefixFold(b, p, a) {
			return tArrow, len(a), false
		}
	}
	switch c {
	case ':':
		return tTxt, mermaid.TextEnd(b, p+1) - p, false
	case '+':
		return tPlus, 1, false
	case '-':
		return tMinus, 1, false
	case '(':
		if hasPrefix(b, p+1, ")") {
			return tCentral, 2, false
		}
	}
	// '.': one UTF-16 unit; line terminators were matched as whitespace.
	r, n := utf8.DecodeRune(b[p:])
	if r > 0xffff {
		n = 4 // two units, two INVALID tokens in Mermaid; one here is the same to the grammar
	}
	return tInvalid, n, false
}

type kwRule struct {
	word string
	typ  lexer.TokenType
	push lexState
}

// keywords are the keyword rules before the title rules, in file order.
var keywords = []kwRule{
	{"box", tBox, sLine}, {"participant", tParticipant, sID}, {"actor", tActorKw, sID},
	{"create", tCreate, sInitial}, {"destroy", tDestroy, sID},
	{"loop", tLoop, sLine}, {"rect", tRect, sLine}, {"opt", tOpt, sLine}, {"alt", tAlt, sLine},
	{"else", tElse, sLine}, {"par", tPar, sLine}, {"par_over", tParOver, sLine},
	{"and", tAnd, sLine}, {"critical", tCritical, sLine}, {"option", tOption, sLine},
	{"break", tBreak, sLine}, {"end", tEnd, sInitial}, {"left of", tLeftOf, sInitial},
	{"right of", tRightOf, sInitial}, {"links", tLinks, sInitial}, {"link", tLink, sInitial},
	{"properties", tProperties, sInitial}, {"details", tDetails, sInitial},
	{"over", tOver, sInitial}, {"note", tNote, sInitial}, {"activate", tActivate, sID},
	{"deactivate", tDeactivate, sID},
}

// keywords2 come after the accessibility rules.
var keywords2 = []kwRule{
	{"sequenceDiagram", tSD, sInitial}, {"autonumber", tAutonumber, sInitial}, {"off", tOff, sInitial},
}

func hasPrefix(b []byte, p int, s string) bool {
	return p+len(s) <= len(b) && string(b[p:p+len(s)]) == s
}

func toEOL(b []byte, p int) int {
	for p < len(b) && b[p] != '\n' {
		p++
	}
	return p
}
