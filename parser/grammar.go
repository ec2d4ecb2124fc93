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

// Statements capture nothing field by field: each keeps the tokens it
// matched (participle fills Tokens with a slice of the token buffer, no
// copy), and build reads them by position. Field-by-field captures cost a
// deferred reflective assignment each and made parsing 2x slower.

// gHead is the start of a document: blank lines, then sequenceDiagram.
type gHead struct {
	Head bool `parser:"NL* SD"`
}

// gLine is one statement line of a document. Every statement is decided by
// its first token (the grammar is LL(1)), so parse dispatches on that token
// to the parser of the one statement that can start with it instead of
// trying each alternative in turn, which keeps parsing linear and cheap.
// Blocks are not lines: parseDocument (document.go) opens, divides and
// closes them with an explicit stack, so that nesting costs no recursion.
type gLine struct {
	NL          bool
	Invalid     bool
	Signal      *gSignal
	Note        *gNote
	Participant *gParticipant
	Activation  *gActivation
	Create      *gCreate
	Box         *gBox
	Autonumber  *gAutonumber
	Link        *gLinkLike
	Meta        *gMeta
}

// gMeta is a title or an accessibility title or description.
type gMeta struct {
	Tokens []lexer.Token
	G      bool `parser:"Title | LegacyTitle | AccTitle AccTitleValue | AccDescr AccDescrValue | AccDescrMulti"`
}

var trailing = participle.AllowTrailing(true)

// parse reads one statement line, or returns participle.NextMatch when the
// next token starts none.
func (l *gLine) parse(lex *lexer.PeekingLexer) (err error) {
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
		l.Meta, err = metaParser.ParseFromLexer(lex, trailing)
	default:
		return participle.NextMatch
	}
	return err
}

// gParticipant: Kw ID [ConfigStart Config ConfigEnd] [As Alias] NL.
type gParticipant struct {
	Tokens []lexer.Token
	G      bool `parser:"(Participant | ActorKw | Destroy) Actor (ConfigStart ConfigContent ConfigEnd)? (As RestOfLine)? NL"`
}

func (g *gParticipant) parts() (kw, id lexer.Token, config, alias *lexer.Token) {
	t := g.Tokens
	kw, id = t[0], t[1]
	i := 2
	if t[i].Type == tConfigStart {
		config = &t[i+1]
		i += 3
	}
	if t[i].Type == tAs {
		alias = &t[i+1]
	}
	return kw, id, config, alias
}

type gCreate struct {
	Tokens      []lexer.Token
	Participant *gParticipant `parser:"Create @@"`
}

type gBox struct {
	Tokens []lexer.Token
	G      bool        `parser:"Box RestOfLine"`
	Lines  []*gBoxLine `parser:"@@*"`
	E      bool        `parser:"End"`
}

type gBoxLine struct {
	Participant *gParticipant `parser:"NL | @@"`
}

// gSignal: From [()] Arrow [+|-|()] To Txt NL.
type gSignal struct {
	Tokens []lexer.Token
	G      bool `parser:"Actor Central? Arrow (Plus | Minus | Central)? Actor Txt NL"`
}

func (g *gSignal) parts() (from lexer.Token, fromCentral bool, arrow lexer.Token, mod *lexer.Token, to, text lexer.Token) {
	t := g.Tokens
	from = t[0]
	i := 1
	if t[i].Type == tCentral {
		fromCentral = true
		i++
	}
	arrow = t[i]
	i++
	if t[i].Type != tActor {
		mod = &t[i]
		i++
	}
	return from, fromCentral, arrow, mod, t[i], t[i+1]
}

// gAutonumber: Autonumber [Num [Num] | Off] NL.
type gAutonumber struct {
	Tokens []lexer.Token
	G      bool `parser:"Autonumber (Num Num? | Off)? NL"`
}

type gActivation struct {
	Tokens []lexer.Token
	G      bool `parser:"(Activate | Deactivate) Actor NL"`
}

// gNote: Note (LeftOf|RightOf) A | Over A [, B]; then Txt NL.
type gNote struct {
	Tokens []lexer.Token
	G      bool `parser:"Note ( (LeftOf | RightOf) Actor | Over Actor (Comma Actor)? ) Txt NL"`
}

type gLinkLike struct {
	Tokens []lexer.Token
	G      bool `parser:"(Links | Link | Properties | Details) Actor Txt NL"`
}

// gBlockHead opens a block: Kw Label. The block's lines, its sections
// and its End follow as lines of their own (see parseDocument).
type gBlockHead struct {
	Tokens []lexer.Token
	G      bool `parser:"(Loop | Rect | Opt | Alt | Par | ParOver | Critical | Break) RestOfLine"`
}

// gSectionHead starts the next branch of the open block: Kw Label.
type gSectionHead struct {
	Tokens []lexer.Token
	G      bool `parser:"(Else | And | Option) RestOfLine"`
}

var (
	lexDef            = participle.Lexer(tokenDef{symbols})
	headParser        = participle.MustBuild[gHead](lexDef)
	signalParser      = participle.MustBuild[gSignal](lexDef)
	noteParser        = participle.MustBuild[gNote](lexDef)
	blockHeadParser   = participle.MustBuild[gBlockHead](lexDef)
	sectionParser     = participle.MustBuild[gSectionHead](lexDef)
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
// each statement that a line dispatches to. participle parses the heads of
// the document, of blocks and of sections; what follows a head (gLine*,
// GSection*, <end>) is parseDocument's loop, written here as the grammar it
// accepts.
func Grammar() string {
	parts := []string{
		"GDiagram = " + rhs(headParser.String()) + " gLine* .",
		signalParser.String(), noteParser.String(),
		"GBlock = " + rhs(blockHeadParser.String()) + " gLine* GSection* <end> .\n" +
			"GSection = " + rhs(sectionParser.String()) + " gLine* .",
		participantParser.String(), activationParser.String(), createParser.String(),
		boxParser.String(), autonumberParser.String(), linkParser.String(), metaParser.String(),
	}
	return strings.Join(parts, "\n\n") + "\n"
}

// rhs is the right-hand side of a one-rule EBNF: "X = a b ." is "a b".
func rhs(rule string) string {
	_, r, _ := strings.Cut(rule, " = ")
	return strings.TrimSuffix(r, " .")
}
