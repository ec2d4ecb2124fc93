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
	Lead  []string    `@NL*`
	SD    lexer.Token `@SD`
	Lines []*gLine    `@@*`
}

type gLine struct {
	NL          bool          `  @NL`
	Invalid     bool          `| @Invalid`
	Participant *gParticipant `| @@`
	Create      *gCreate      `| @@`
	Box         *gBox         `| @@`
	Signal      *gSignal      `| @@`
	Autonumber  *gAutonumber  `| @@`
	Activation  *gActivation  `| @@`
	Note        *gNote        `| @@`
	Link        *gLinkLike    `| @@`
	Title       *lexer.Token  `| @(Title | LegacyTitle)`
	AccTitle    *lexer.Token  `| AccTitle @AccTitleValue`
	AccDescr    *lexer.Token  `| AccDescr @AccDescrValue | @AccDescrMulti`
	Block       *gBlock       `| @@`
}

type gParticipant struct {
	Kw     lexer.Token  `@(Participant | ActorKw | Destroy)`
	ID     lexer.Token  `@Actor`
	Config *lexer.Token `( ConfigStart @ConfigContent ConfigEnd )?`
	Alias  *lexer.Token `( As @RestOfLine )?`
	End    lexer.Token  `@NL`
}

type gCreate struct {
	Kw          lexer.Token   `@Create`
	Participant *gParticipant `@@`
}

type gBox struct {
	Kw    lexer.Token `@Box`
	Label lexer.Token `@RestOfLine`
	Lines []*gBoxLine `@@*`
	End   lexer.Token `@End`
}

type gBoxLine struct {
	NL          bool          `  @NL`
	Participant *gParticipant `| @@`
}

type gSignal struct {
	From        lexer.Token  `@Actor`
	FromCentral *lexer.Token `@Central?`
	Arrow       lexer.Token  `@Arrow`
	Mod         *lexer.Token `@(Plus | Minus | Central)?`
	To          lexer.Token  `@Actor`
	Text        lexer.Token  `@Txt`
	End         lexer.Token  `@NL`
}

type gAutonumber struct {
	Kw    lexer.Token  `@Autonumber`
	Start *lexer.Token `( @Num`
	Step  *lexer.Token `  @Num?`
	Off   bool         `| @Off )?`
	End   lexer.Token  `@NL`
}

type gActivation struct {
	Kw    lexer.Token `@(Activate | Deactivate)`
	Actor lexer.Token `@Actor`
	End   lexer.Token `@NL`
}

type gNote struct {
	Kw        lexer.Token  `@Note`
	Placement *lexer.Token `( @(LeftOf | RightOf)`
	Actor     lexer.Token  `  @Actor`
	Over      *lexer.Token `| @Over`
	First     lexer.Token  `  @Actor`
	Second    *lexer.Token `  ( Comma @Actor )? )`
	Text      lexer.Token  `@Txt`
	End       lexer.Token  `@NL`
}

type gLinkLike struct {
	Kw    lexer.Token `@(Links | Link | Properties | Details)`
	Actor lexer.Token `@Actor`
	Text  lexer.Token `@Txt`
	End   lexer.Token `@NL`
}

type gBlock struct {
	Kw       lexer.Token `@(Loop | Rect | Opt | Alt | Par | ParOver | Critical | Break)`
	Label    lexer.Token `@RestOfLine`
	Lines    []*gLine    `@@*`
	Sections []*gSection `@@*`
	End      lexer.Token `@End`
}

type gSection struct {
	Kw    lexer.Token `@(Else | And | Option)`
	Label lexer.Token `@RestOfLine`
	Lines []*gLine    `@@*`
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
