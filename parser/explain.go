package parser

import (
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// describe names a token the way an error message shows it.
func (p *parse) describe(t token) string {
	v := decode(t.val)
	switch t.typ {
	case tEOF:
		return "end of input"
	case tNL:
		if v == ";" {
			return "';'"
		}
		return "end of line"
	case tTxt:
		return fmt.Sprintf("%q", clip(jsTrim(v)))
	case tLexError:
		e := t.start
		for e < len(p.pre.t.b) && p.pre.t.b[e] != '\n' {
			e++
		}
		if e == t.start {
			return "end of line"
		}
		return fmt.Sprintf("%q", clip(decode(string(p.pre.t.b[t.start:e]))))
	case tNum:
		return fmt.Sprintf("the number %q", v)
	}
	return fmt.Sprintf("'%s'", clip(jsTrim(v)))
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:37]) + "…"
	}
	return s
}

func isKeyword(t lexer.TokenType) bool {
	return t >= tSD && t <= tDeactivate || t == tAutonumber || t == tOff
}

func opensBlock(t lexer.TokenType) bool {
	switch t {
	case tLoop, tRect, tOpt, tAlt, tPar, tParOver, tCritical, tBreak, tBox:
		return true
	}
	return false
}

// explain says what was expected at token i, where the parse failed.
func (p *parse) explain(i int) string {
	t := p.toks[i]
	found := p.describe(t)
	// the blocks open at the error
	type open struct {
		typ  lexer.TokenType
		line int
		word string
	}
	var stack []open
	for _, x := range p.toks[:i] {
		if opensBlock(x.typ) {
			stack = append(stack, open{x.typ, p.lexPos(x.start).Line, strings.ToLower(x.val)})
		} else if x.typ == tEnd && len(stack) > 0 {
			stack = stack[:len(stack)-1]
		}
	}
	// the statement the token belongs to
	s := i
	for s > 0 {
		switch p.toks[s-1].typ {
		case tNL, tRestOfLine, tEnd, tTitle, tLegacyTitle, tAccTitleValue, tAccDescrValue, tAccDescrMulti, tInvalid, tSD:
			goto found
		}
		s--
	}
found:
	var prev token
	if i > 0 {
		prev = p.toks[i-1]
	}
	after := func(what string) string {
		msg := "found " + found + ", expected " + what
		if i > s {
			msg += " after " + p.describe(prev)
		}
		if isKeyword(t.typ) && t.typ != tEnd {
			msg += fmt.Sprintf(" (%s is a keyword, not a name)", found)
		}
		return msg
	}
	if t.typ == tLexError && i > 0 {
		switch prev.typ {
		case tParticipant, tActorKw, tDestroy, tActivate, tDeactivate:
			return after("a participant name")
		}
		return "unrecognized text " + found
	}
	if i == s && len(stack) > 0 && stack[len(stack)-1].typ == tBox {
		switch t.typ {
		case tEnd:
		default:
			return fmt.Sprintf("found %s, but a box (opened at line %d) holds only participant, actor and destroy lines", found, stack[len(stack)-1].line)
		}
	}
	if i == s {
		switch t.typ {
		case tEOF:
			if len(stack) > 0 {
				o := stack[len(stack)-1]
				return fmt.Sprintf("unclosed '%s' (opened at line %d): expected 'end'", o.word, o.line)
			}
		case tEnd:
			if len(stack) == 0 {
				msg := "'end' without an open block"
				if n := t.end; n < len(p.pre.t.b) && p.pre.t.b[n] != '\n' && p.pre.t.b[n] != ' ' {
					msg += " (a name that starts with 'end' followed by a symbol reads as the keyword end)"
				}
				return msg
			}
		case tElse, tAnd, tOption:
			want := map[lexer.TokenType]string{tElse: "'alt'", tAnd: "'par' or 'par_over'", tOption: "'critical'"}[t.typ]
			in := "outside any block"
			if len(stack) > 0 {
				in = fmt.Sprintf("inside '%s' (opened at line %d)", stack[len(stack)-1].word, stack[len(stack)-1].line)
			}
			return fmt.Sprintf("found %s %s: it belongs in %s", found, in, want)
		case tNum:
			return fmt.Sprintf("found %s followed by a space: Mermaid reads it as a number, not a name (write 1->>2 without spaces)", found)
		case tArrow, tMinus, tPlus, tCentral:
			return "found " + found + ", expected a participant name before the arrow"
		case tTxt:
			return "found " + found + ", expected a message (From->>To: text) or a statement"
		}
		if s > 0 && p.toks[s-1].typ == tInvalid {
			return "found " + found + ", expected a statement"
		}
		return "found " + found + ", expected a statement such as A->>B: text"
	}
	first := p.toks[s]
	switch first.typ {
	case tActor:
		switch {
		case i == s+1, i == s+2 && prev.typ == tCentral:
			return after("an arrow such as ->>")
		case prev.typ == tArrow, prev.typ == tPlus, prev.typ == tMinus, prev.typ == tCentral:
			return after("a participant name")
		case prev.typ == tActor:
			return after("':' and the message text")
		case prev.typ == tTxt:
			return after("the end of the line")
		}
	case tNum:
		return "a name made only of digits must touch the arrow (1->>2): Mermaid reads it as a number when a space follows"
	case tParticipant, tActorKw, tDestroy:
		switch prev.typ {
		case tParticipant, tActorKw, tDestroy:
			return after("a participant name")
		case tActor:
			if first.typ == tDestroy {
				return after("the end of the line")
			}
			return after("'as', '@{' or the end of the line")
		case tConfigStart:
			return after("metadata such as { \"type\": \"database\" }")
		case tConfigEnd:
			return after("'as' or the end of the line (nothing, not even a space, may follow '}')")
		case tRestOfLine:
			return after("the end of the line")
		}
	case tCreate:
		if i == s+1 {
			return after("'participant' or 'actor'")
		}
	case tAutonumber:
		return after("a number, 'off' or the end of the line (a space at the end of an autonumber line joins the next line to it)")
	case tActivate, tDeactivate:
		if prev.typ == tActor {
			return after("the end of the line")
		}
		return after("a participant name")
	case tNote:
		switch prev.typ {
		case tNote:
			return after("'left of', 'right of' or 'over'")
		case tLeftOf, tRightOf, tOver, tComma:
			return after("a participant name")
		case tActor:
			if p.toks[s+1].typ == tOver {
				return after("',' or ':' and the note text")
			}
			return after("':' and the note text")
		case tTxt:
			return after("the end of the line")
		}
	case tLinks, tLink, tProperties, tDetails:
		switch prev.typ {
		case tActor:
			return after("':' and a value")
		case tTxt:
			return after("the end of the line")
		}
		return after("a participant name")
	case tSD:
	}
	if t.typ == tEOF && len(stack) > 0 {
		o := stack[len(stack)-1]
		return fmt.Sprintf("unclosed '%s' (opened at line %d): expected 'end'", o.word, o.line)
	}
	return "unexpected " + found
}
