package flow

import (
	"fmt"
	"strconv"
)

// Pos is a position in a source file. Line and Col are 1-based; Col counts
// runes (characters), not bytes.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats the position as file:line:col, the form editors and
// compilers use.
func (p Pos) String() string {
	s := p.File
	if s == "" {
		s = "<input>"
	}
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
		if p.Col > 0 {
			s += ":" + strconv.Itoa(p.Col)
		}
	}
	return s
}

// Participant kinds as Mermaid names them. Mermaid does not validate the
// kind given in @{ "type": … } metadata, so Kind may hold other strings too.
const (
	KindParticipant = "participant"
	KindActor       = "actor"
	KindBoundary    = "boundary"
	KindControl     = "control"
	KindEntity      = "entity"
	KindDatabase    = "database"
	KindCollections = "collections"
	KindQueue       = "queue"
)

// Participant is a lifeline of the diagram.
type Participant struct {
	// ID is the name messages use; Label is what the diagram shows (the
	// alias, else the ID). Kind is Mermaid's participant type.
	ID, Label, Kind string
	// Box is the title of the box that groups the participant ("" if none,
	// or if the box has no title).
	Box string
	// Declared reports whether a participant or actor line names it;
	// otherwise a message, note or link introduced it.
	Declared bool
	// Created and Destroyed report a create or destroy line for it.
	Created, Destroyed bool
	// Links and Properties are what link, links and properties lines attach.
	Links      map[string]string
	Properties map[string]any
	// Metadata is the raw @{…} text of its declaration, if any.
	Metadata string
	// Alias reports whether Label was given by "as" or a metadata alias.
	Alias bool
	Pos   Pos
}

// Box groups participants under a title and a fill colour.
type Box struct {
	Title        string
	Fill         string // a CSS colour, "transparent" when none was given
	Participants []string
	Pos          Pos
}

// Arrow is a message arrow as written in Mermaid, in canonical form
// (e.g. "->>", "--x", "<<-->>", "-|\\").
type Arrow string

// The arrows of Mermaid 11.15.
const (
	ArrowSolid             Arrow = "->>"
	ArrowDotted            Arrow = "-->>"
	ArrowSolidOpen         Arrow = "->"
	ArrowDottedOpen        Arrow = "-->"
	ArrowSolidCross        Arrow = "-x"
	ArrowDottedCross       Arrow = "--x"
	ArrowSolidPoint        Arrow = "-)"
	ArrowDottedPoint       Arrow = "--)"
	ArrowBidiSolid         Arrow = "<<->>"
	ArrowBidiDotted        Arrow = "<<-->>"
	ArrowSolidTop          Arrow = `-|\`
	ArrowSolidBottom       Arrow = `-|/`
	ArrowStickTop          Arrow = `-\\`
	ArrowStickBottom       Arrow = `-//`
	ArrowSolidTopRev       Arrow = `/|-`
	ArrowSolidBottomRev    Arrow = `\|-`
	ArrowStickTopRev       Arrow = `//-`
	ArrowStickBottomRev    Arrow = `\\-`
	ArrowSolidTopDotted    Arrow = `--|\`
	ArrowSolidBottomDotted Arrow = `--|/`
	ArrowStickTopDotted    Arrow = `--\\`
	ArrowStickBottomDotted Arrow = `--//`
	ArrowSolidTopRevDotted Arrow = `/|--`
	ArrowSolidBotRevDotted Arrow = `\|--`
	ArrowStickTopRevDotted Arrow = `//--`
	ArrowStickBotRevDotted Arrow = `\\--`
)

// Arrows lists every arrow in the order of Mermaid's documentation.
var Arrows = []Arrow{
	ArrowSolidOpen, ArrowDottedOpen, ArrowSolid, ArrowDotted, ArrowBidiSolid, ArrowBidiDotted,
	ArrowSolidCross, ArrowDottedCross, ArrowSolidPoint, ArrowDottedPoint,
	ArrowSolidTop, ArrowSolidBottom, ArrowStickTop, ArrowStickBottom,
	ArrowSolidTopRev, ArrowSolidBottomRev, ArrowStickTopRev, ArrowStickBottomRev,
	ArrowSolidTopDotted, ArrowSolidBottomDotted, ArrowStickTopDotted, ArrowStickBottomDotted,
	ArrowSolidTopRevDotted, ArrowSolidBotRevDotted, ArrowStickTopRevDotted, ArrowStickBotRevDotted,
}

// Dotted reports whether the arrow is drawn with a dotted line: a reply.
func (a Arrow) Dotted() bool {
	switch a {
	case ArrowDotted, ArrowDottedOpen, ArrowDottedCross, ArrowDottedPoint, ArrowBidiDotted,
		ArrowSolidTopDotted, ArrowSolidBottomDotted, ArrowStickTopDotted, ArrowStickBottomDotted,
		ArrowSolidTopRevDotted, ArrowSolidBotRevDotted, ArrowStickTopRevDotted, ArrowStickBotRevDotted:
		return true
	}
	return false
}

// Async reports whether the arrow is fire-and-forget (-) and --)).
func (a Arrow) Async() bool { return a == ArrowSolidPoint || a == ArrowDottedPoint }

// Cross reports whether the arrow draws an error (-x, --x).
func (a Arrow) Cross() bool { return a == ArrowSolidCross || a == ArrowDottedCross }

// Central is the central-connection form of a message: A->>()B, A()->>B
// or A()->>()B.
type Central int

// Central connection forms.
const (
	CentralNone Central = iota
	CentralTo           // A ->> ()B
	CentralFrom         // A() ->> B
	CentralBoth         // A() ->> ()B
)

// Statement is one node of a diagram body: *Message, *Note, *Block,
// *Activation, *Create, *Destroy or *Autonumber.
type Statement interface {
	Position() Pos
	isStatement()
}

// Message is an arrow between two participants.
type Message struct {
	// N is the 1-based index of the message in document order.
	N        int
	From, To string
	Text     string // entity codes decoded, <br> kept as written
	Arrow    Arrow
	// Activate (A->>+B) activates the receiver; Deactivate (A->>-B)
	// deactivates the sender.
	Activate, Deactivate bool
	Central              Central
	// ReplyTo is the N of the request this message answers (0 if none);
	// it is filled by Pair.
	ReplyTo int
	Pos     Pos
}

// Note placements.
const (
	LeftOf  = "left of"
	RightOf = "right of"
	Over    = "over"
)

// Note is a note beside or over participants.
type Note struct {
	Placement    string // LeftOf, RightOf or Over
	Participants []string
	Text         string
	Pos          Pos
}

// BlockKind is the keyword that opens a block.
type BlockKind string

// Block kinds.
const (
	Loop     BlockKind = "loop"
	Alt      BlockKind = "alt"
	Opt      BlockKind = "opt"
	Par      BlockKind = "par"
	ParOver  BlockKind = "par_over"
	Critical BlockKind = "critical"
	Break    BlockKind = "break"
	Rect     BlockKind = "rect"
)

// BranchKeyword is the keyword that opens further branches of a block kind:
// else for alt, and for par and par_over, option for critical; "" for the
// kinds that have a single branch.
func (k BlockKind) BranchKeyword() string {
	switch k {
	case Alt:
		return "else"
	case Par, ParOver:
		return "and"
	case Critical:
		return "option"
	}
	return ""
}

// Block is a loop, alt, opt, par, par_over, critical, break or rect. Its
// first branch holds the body after the opening line; alt, par and
// critical have one more branch per else, and, option line.
type Block struct {
	Kind     BlockKind
	Branches []*Branch
	Pos      Pos // the opening line
	End      Pos // the end line
}

// Label is the label of the block's opening line.
func (b *Block) Label() string { return b.Branches[0].Label }

// Branch is one section of a block.
type Branch struct {
	// Keyword is the word that opened the branch: the block kind for the
	// first branch, else else/and/option.
	Keyword    string
	Label      string
	Statements []Statement
	Pos        Pos
}

// Activation is an activate or deactivate line.
type Activation struct {
	Participant string
	Active      bool
	Pos         Pos
}

// Create is a create participant/actor line; the participant itself is in
// Diagram.Participants.
type Create struct {
	Participant string
	Pos         Pos
}

// Destroy is a destroy line.
type Destroy struct {
	Participant string
	Pos         Pos
}

// Autonumber is an autonumber line. Start and Step are strings as
// written (Mermaid allows up to two decimals); empty when not given.
type Autonumber struct {
	Off         bool
	Start, Step string
	Pos         Pos
}

func (m *Message) Position() Pos    { return m.Pos }
func (n *Note) Position() Pos       { return n.Pos }
func (b *Block) Position() Pos      { return b.Pos }
func (a *Activation) Position() Pos { return a.Pos }
func (c *Create) Position() Pos     { return c.Pos }
func (d *Destroy) Position() Pos    { return d.Pos }
func (a *Autonumber) Position() Pos { return a.Pos }

func (*Message) isStatement()    {}
func (*Note) isStatement()       {}
func (*Block) isStatement()      {}
func (*Activation) isStatement() {}
func (*Create) isStatement()     {}
func (*Destroy) isStatement()    {}
func (*Autonumber) isStatement() {}

// Diagram is a parsed sequence diagram.
type Diagram struct {
	Title        string
	AccTitle     string
	AccDescr     string
	Participants []*Participant
	Boxes        []*Box
	Statements   []Statement
	// Wrap records a wrap setting from front matter or a %%{wrap}%%
	// directive; it affects rendering only.
	Wrap bool
	// Config is the raw front-matter YAML, kept so that the diagram can be
	// printed back.
	FrontMatter string
}

// Participant returns the participant with the given id, or nil.
func (d *Diagram) Participant(id string) *Participant {
	for _, p := range d.Participants {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// Walk calls fn for every statement in document order, descending into
// blocks (the block itself is visited before its branches).
func (d *Diagram) Walk(fn func(Statement)) { walk(d.Statements, fn) }

func walk(stmts []Statement, fn func(Statement)) {
	for _, s := range stmts {
		fn(s)
		if b, ok := s.(*Block); ok {
			for _, br := range b.Branches {
				walk(br.Statements, fn)
			}
		}
	}
}

// Messages returns every message in document order (index i holds N = i+1).
func (d *Diagram) Messages() []*Message {
	var ms []*Message
	d.Walk(func(s Statement) {
		if m, ok := s.(*Message); ok {
			ms = append(ms, m)
		}
	})
	return ms
}

// Selector is the stable name of a message: "From->>To: text" with the
// arrow as written and whitespace in the text collapsed.
func (m *Message) Selector() string {
	return fmt.Sprintf("%s%s%s: %s", m.From, m.Arrow, m.To, collapseSpace(m.Text))
}

func collapseSpace(s string) string {
	out := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			space = len(out) > 0
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, c)
	}
	return string(out)
}
