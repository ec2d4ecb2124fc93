package parser

import (
	"io"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar of sequenceDiagram.jison (Mermaid 11.15) over the tokens of
// lexAll. Every alternative is decided by its first token, so participle's
// default lookahead of one token reads it as jison's LALR(1) parser does.
// The structs are private: the exported result is flow.Diagram.

type gDiagram struct {
	Lead  []string    `parser:"@NL*"`
	SD    lexer.Token `parser:"@SD"`
	Lines []*gLine    `parser:"@@*"`
}

type gLine struct {
	NL          bool          `parser:"  @NL"`
	Invalid     bool          `parser:"| @Invalid"`
	Participant *gParticipant `parser:"| @@"`
	Create      *gCreate      `parser:"| @@"`
	Box         *gBox         `parser:"| @@"`
	Signal      *gSignal      `parser:"| @@"`
	Autonumber  *gAutonumber  `parser:"| @@"`
	Activation  *gActivation  `parser:"| @@"`
	Note        *gNote        `parser:"| @@"`
	Link        *gLinkLike    `parser:"| @@"`
	Title       *lexer.Token  `parser:"| @(Title | LegacyTitle)"`
	AccTitle    *lexer.Token  `parser:"| AccTitle @AccTitleValue"`
	AccDescr    *lexer.Token  `parser:"| AccDescr @AccDescrValue | @AccDescrMulti"`
	Block       *gBlock       `parser:"| @@"`
}

type gParticipant struct {
	Kw     lexer.Token  `parser:"@(Participant | ActorKw | Destroy)"`
	ID     lexer.Token  `parser:"@Actor"`
	Config *lexer.Token `parser:"( ConfigStart @ConfigContent ConfigEnd )?"`
	Alias  *lexer.Token `parser:"( As @RestOfLine )?"`
	End    lexer.Token  `parser:"@NL"`
}

type gCreate struct {
	Kw          lexer.Token   `parser:"@Create"`
	Participant *gParticipant `parser:"@@"`
}

type gBox struct {
	Kw    lexer.Token `parser:"@Box"`
	Label lexer.Token `parser:"@RestOfLine"`
	Lines []*gBoxLine `parser:"@@*"`
	End   lexer.Token `parser:"@End"`
}

type gBoxLine struct {
	NL          bool          `parser:"  @NL"`
	Participant *gParticipant `parser:"| @@"`
}

type gSignal struct {
	From        lexer.Token  `parser:"@Actor"`
	FromCentral *lexer.Token `parser:"@Central?"`
	Arrow       lexer.Token  `parser:"@Arrow"`
	Mod         *lexer.Token `parser:"@(Plus | Minus | Central)?"`
	To          lexer.Token  `parser:"@Actor"`
	Text        lexer.Token  `parser:"@Txt"`
	End         lexer.Token  `parser:"@NL"`
}

type gAutonumber struct {
	Kw    lexer.Token  `parser:"@Autonumber"`
	Start *lexer.Token `parser:"( @Num"`
	Step  *lexer.Token `parser:"  @Num?"`
	Off   bool         `parser:"| @Off )?"`
	End   lexer.Token  `parser:"@NL"`
}

type gActivation struct {
	Kw    lexer.Token `parser:"@(Activate | Deactivate)"`
	Actor lexer.Token `parser:"@Actor"`
	End   lexer.Token `parser:"@NL"`
}

type gNote struct {
	Kw        lexer.Token  `parser:"@Note"`
	Placement *lexer.Token `parser:"( @(LeftOf | RightOf)"`
	Actor     lexer.Token  `parser:"  @Actor"`
	Over      *lexer.Token `parser:"| @Over"`
	First     lexer.Token  `parser:"  @Actor"`
	Second    *lexer.Token `parser:"  ( Comma @Actor )? )"`
	Text      lexer.Token  `parser:"@Txt"`
	End       lexer.Token  `parser:"@NL"`
}

type gLinkLike struct {
	Kw    lexer.Token `parser:"@(Links | Link | Properties | Details)"`
	Actor lexer.Token `parser:"@Actor"`
	Text  lexer.Token `parser:"@Txt"`
	End   lexer.Token `parser:"@NL"`
}

type gBlock struct {
	Kw       lexer.Token `parser:"@(Loop | Rect | Opt | Alt | Par | ParOver | Critical | Break)"`
	Label    lexer.Token `parser:"@RestOfLine"`
	Lines    []*gLine    `parser:"@@*"`
	Sections []*gSection `parser:"@@*"`
	End      lexer.Token `parser:"@End"`
}

type gSection struct {
	Kw    lexer.Token `parser:"@(Else | And | Option)"`
	Label lexer.Token `parser:"@RestOfLine"`
	Lines []*gLine    `parser:"@@*"`
}

var grammar = participle.MustBuild[gDiagram](
	participle.Lexer(tokenDef{symbols}),
	participle.UseLookahead(1),
)

// tokenDef tells participle the token names; lexing itself happens in
// lexAll, and the tokens reach participle through ParseFromLexer.
type tokenDef struct{ syms map[string]lexer.TokenType }

func (d tokenDef) Symbols() map[string]lexer.TokenType { return d.syms }
func (tokenDef) Lex(string, io.Reader) (lexer.Lexer, error) {
	panic("parser: tokens come from lexAll")
}

// tokenStream feeds lexAll's tokens to participle.
type tokenStream struct {
	toks []lexer.Token
	i    int
}

func (s *tokenStream) Next() (lexer.Token, error) {
	if s.i >= len(s.toks) {
		last := s.toks[len(s.toks)-1]
		return lexer.Token{Type: lexer.EOF, Pos: last.Pos}, nil
	}
	t := s.toks[s.i]
	s.i++
	return t, nil
}
