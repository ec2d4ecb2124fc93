package mermaid

import "unicode/utf8"

// HasPrefixFold reports whether b[p:] starts with s, ASCII letters
// compared case-insensitively (the lexer's rules are all
// case-insensitive).
func HasPrefixFold(b []byte, p int, s string) bool {
	if p+len(s) > len(b) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c, d := b[p+i], s[i]
		if c == d {
			continue
		}
		if c|0x20 != d|0x20 || c|0x20 < 'a' || c|0x20 > 'z' {
			return false
		}
	}
	return true
}

// Keyword reports whether the keyword rule w\b matches at p: w,
// case-insensitively, not followed by a word character.
func Keyword(b []byte, p int, w string) bool {
	if !HasPrefixFold(b, p, w) {
		return false
	}
	e := p + len(w)
	return e == len(b) || !IsWordByte(b[e])
}

// Keywords are the words of the lexer's keyword rules (each matched as
// Keyword does), in the lexer's order. The lexer tries them in two groups:
// "sequenceDiagram", "autonumber" and "off" come after the title and
// accessibility rules, the others before.
var Keywords = []string{
	"box", "participant", "actor", "create", "destroy", "loop", "rect", "opt", "alt", "else", "par",
	"par_over", "and", "critical", "option", "break", "end", "left of", "right of", "links", "link",
	"properties", "details", "over", "note", "activate", "deactivate", "sequenceDiagram", "autonumber", "off",
}

// Arrows are the arrow tokens in the lexer's order: the first that
// matches (as HasPrefixFold does) wins.
var Arrows = []string{
	"->>", "<<->>", "-->>", "<<-->>", "->", "-->", "-x", "--x", "-)", "--)",
	`--|\`, `--|/`, `--\\`, `--//`, `/|--`, `\|--`, `//--`, `\\--`,
	`-|\`, `-|/`, `-\\`, `-//`, `/|-`, `\|-`, `//-`, `\\-`,
}

// TextEnd returns the end of the [^#\n;]* run at p: where a text, label or
// title ends.
func TextEnd(b []byte, p int) int {
	for p < len(b) {
		switch b[p] {
		case '#', '\n', ';':
			return p
		}
		p++
	}
	return p
}

// FollowedByAs reports whether the lookahead (?=\s+as\s) holds at e.
func FollowedByAs(b []byte, e int) bool {
	q := SkipSpace(b, e)
	if q == e || !HasPrefixFold(b, q, "as") || q+2 >= len(b) {
		return false
	}
	return Space(b, q+2) > 0
}

// RunOf returns the end of the run at p of characters in the negated
// character class that ok describes. ok is asked about ASCII bytes only:
// a non-ASCII character is in the class unless it is a \s character and
// ok(' ') is false (the class excludes \s).
func RunOf(b []byte, p int, ok func(byte) bool) int {
	for p < len(b) {
		c := b[p]
		if c < 0x80 {
			if !ok(c) {
				return p
			}
			p++
			continue
		}
		if Space(b, p) > 0 && !ok(' ') {
			return p
		}
		_, n := utf8.DecodeRune(b[p:])
		p += n
	}
	return p
}

// MetaIDByte is the class [^<=>\-:\n,;@\s] of a participant id followed by
// @{ metadata in a participant, actor, destroy or (de)activate line.
func MetaIDByte(c byte) bool {
	switch c {
	case '<', '=', '>', '-', ':', '\n', ',', ';', '@':
		return false
	}
	return !IsASCIISpace(c)
}

// AliasIDByte is the class [^<>:\n,;@\s] of a participant id followed by
// \s+as\s in a participant or actor line.
func AliasIDByte(c byte) bool {
	switch c {
	case '<', '>', ':', '\n', ',', ';', '@':
		return false
	}
	return !IsASCIISpace(c)
}

// PlainIDByte is the class [^<>:\n,;@] of a participant id alone on its
// line (up to a '#' comment or the end of the line).
func PlainIDByte(c byte) bool {
	switch c {
	case '<', '>', ':', '\n', ',', ';', '@':
		return false
	}
	return true
}

// MatchNumber returns the length of the number rule
// ([0-9]+(\.[0-9]{1,2})?|\.[0-9]{1,2})(?=[ \n]+) at p, 0 if it does not
// match.
func MatchNumber(b []byte, p int) int {
	look := func(e int) bool { return e < len(b) && (b[e] == ' ' || b[e] == '\n') }
	digits := func(i int) int {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	if p < len(b) && b[p] >= '0' && b[p] <= '9' {
		e := digits(p)
		if e+1 < len(b) && b[e] == '.' && b[e+1] >= '0' && b[e+1] <= '9' {
			if e+2 < len(b) && b[e+2] >= '0' && b[e+2] <= '9' && look(e+3) {
				return e + 3 - p
			}
			if look(e + 2) {
				return e + 2 - p
			}
		}
		if look(e) {
			return e - p
		}
		return 0
	}
	if p+1 < len(b) && b[p] == '.' && b[p+1] >= '0' && b[p+1] <= '9' {
		if p+2 < len(b) && b[p+2] >= '0' && b[p+2] <= '9' && look(p+3) {
			return 3
		}
		if look(p + 2) {
			return 2
		}
	}
	return 0
}

// ActorFirstByte is the class of the first run of a participant name in a
// message or note: [^\/\\\+\()\+<\->\->:\n,;].
func ActorFirstByte(c byte) bool {
	switch c {
	case '/', '\\', '+', '(', ')', '<', '-', '>', ':', '\n', ',', ';':
		return false
	}
	return true
}

// ActorRestByte is the class of the later runs of such a name:
// [^\+<\->\->:\n,;].
func ActorRestByte(c byte) bool {
	switch c {
	case '+', '<', '-', '>', ':', '\n', ',', ';':
		return false
	}
	return true
}

// groupBlocked is the negative lookahead that stops a name before an arrow:
// (?!(-x|--x|-\)|--\)|-\|\\|-\\|-\/|-\/\/|-\|\/|\/\|-|\\\|-|\/\/-|\\\\-|\/\|-|--\|\\|--|\(\)))
var groupBlocked = []string{
	"-x", "--x", "-)", "--)", `-|\`, `-\`, "-/", "-//", "-|/", "/|-", `\|-`, "//-", `\\-`, "--", "()",
}

// MatchActor returns the length of the participant name of a message or
// note at p, the rule
// [^…]+((?!arrow-start)[\-]*[^…]+)* matched the way a backtracking engine
// does; 0 if it does not match.
func MatchActor(b []byte, p int) int {
	e := RunOf(b, p, ActorFirstByte)
	if e == p {
		return 0
	}
	for {
		blocked := false
		for _, s := range groupBlocked {
			if HasPrefixFold(b, e, s) {
				blocked = true
				break
			}
		}
		if blocked {
			return e - p
		}
		q := e
		for q < len(b) && b[q] == '-' {
			q++
		}
		r := RunOf(b, q, ActorRestByte)
		if r == q {
			return e - p
		}
		e = r
	}
}
