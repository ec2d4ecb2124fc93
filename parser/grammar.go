package parser

import (
	"io"
	"strings"

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

// gLine is one line of a document. Every statement is decided by its first
// token (the grammar is LL(1)), so gLine dispatches on that token to the
// parser of the one statement that can start with it instead of trying
// each alternative in turn, which keeps parsing linear and cheap.
type gLine struct {
	NL          bool
	Invalid     bool
	Signal      *gSignal
	Note        *gNote
	Block       *gBlock
	Participant *gParticipant
	Activation  *gActivation
	Create      *gCreate
	Box         *gBox
	Autonumber  *gAutonumber
	Link        *gLinkLike
	Title       *lexer.Token
	AccTitle    *lexer.Token
	AccDescr    *lexer.Token
}

// gMeta holds the one-line statements that are a token or two.
type gMeta struct {
	Title    *lexer.Token `parser:"  @(Title | LegacyTitle)"`
	AccTitle *lexer.Token `parser:"| AccTitle @AccTitleValue"`
	AccDescr *lexer.Token `parser:"| AccDescr @AccDescrValue | @AccDescrMulti"`
}

var trailing = participle.AllowTrailing(true)

// Parse implements participle.Parseable.
func (l *gLine) Parse(lex *lexer.PeekingLexer) (err error) {
	switch lex.Peek().Type {
	case tNL:
		lex.Next()
		l.NL = true
	case tInvalid:
		lex.Next()
		l.Invalid = true
	case tActor:
		l.Signal, err = signalParser.ParseFromLexer(lex, trailing)
	case tNote:
		l.Note, err = noteParser.ParseFromLexer(lex, trailing)
	case tLoop, tRect, tOpt, tAlt, tPar, tParOver, tCritical, tBreak:
		l.Block, err = blockParser.ParseFromLexer(lex, trailing)
	case tParticipant, tActorKw, tDestroy:
		l.Participant, err = participantParser.ParseFromLexer(lex, trailing)
	case tActivate, tDeactivate:
		l.Activation, err = activationParser.ParseFromLexer(lex, trailing)
	case tCreate:
		l.Create, err = createParser.ParseFromLexer(lex, trailing)
	case tBox:
		l.Box, err = boxParser.ParseFromLexer(lex, trailing)
	case tAutonumber:
		l.Autonumber, err = autonumberParser.ParseFromLexer(lex, trailing)
	case tLinks, tLink, tProperties, tDetails:
		l.Link, err = linkParser.ParseFromLexer(lex, trailing)
	case tTitle, tLegacyTitle, tAccTitle, tAccDescr, tAccDescrMulti:
		var m *gMeta
		if m, err = metaParser.ParseFromLexer(lex, trailing); err == nil {
			l.Title, l.AccTitle, l.AccDescr = m.Title, m.AccTitle, m.AccDescr
		}
	default:
		return participle.NextMatch
	}
	return err
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

var (
	lexDef            = participle.Lexer(tokenDef{symbols})
	grammar           = participle.MustBuild[gDiagram](lexDef)
	signalParser      = participle.MustBuild[gSignal](lexDef)
	noteParser        = participle.MustBuild[gNote](lexDef)
	blockParser       = participle.MustBuild[gBlock](lexDef)
	participantParser = participle.MustBuild[gParticipant](lexDef)
	activationParser  = participle.MustBuild[gActivation](lexDef)
	createParser      = participle.MustBuild[gCreate](lexDef)
	boxParser         = participle.MustBuild[gBox](lexDef)
	autonumberParser  = participle.MustBuild[gAutonumber](lexDef)
	linkParser        = participle.MustBuild[gLinkLike](lexDef)
	metaParser        = participle.MustBuild[gMeta](lexDef)
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
	p *parse
	i int
}

func (s *tokenStream) Next() (lexer.Token, error) {
	toks := s.p.toks
	if s.i >= len(toks) {
		return lexer.Token{Type: lexer.EOF, Pos: s.p.lexPos(toks[len(toks)-1].start)}, nil
	}
	t := toks[s.i]
	s.i++
	return lexer.Token{Type: t.typ, Value: t.val, Pos: s.p.lexPos(t.start)}, nil
}

// Grammar returns the grammar in participle's EBNF: the document, then
// each statement that a line dispatches to.
func Grammar() string {
	parts := []string{
		grammar.String(), signalParser.String(), noteParser.String(), blockParser.String(),
		participantParser.String(), activationParser.String(), createParser.String(),
		boxParser.String(), autonumberParser.String(), linkParser.String(), metaParser.String(),
	}
	return strings.Join(parts, "\n\n") + "\n"
}
