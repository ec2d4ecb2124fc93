package parser

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// itemKind says what a line of the document does to the nesting.
type itemKind uint8

const (
	itemLine    itemKind = iota // a statement, a blank line or an invalid one
	itemOpen                    // a block keyword and its label
	itemSection                 // else, and or option and its label
	itemEnd                     // end
)

// gItem is one line of a document in reading order. Blocks are flat: an
// itemOpen, the block's lines, an itemSection before each further branch,
// and an itemEnd; build nests them with a stack.
type gItem struct {
	kind itemKind
	line *gLine        // itemLine
	head []lexer.Token // itemOpen, itemSection: keyword and label; itemEnd: the end
}

// parseDocument reads a document as a flat list of lines, keeping the
// depth of open blocks in a counter. It accepts what the grammar in
// Grammar accepts (GBlock = head gLine* GSection* <end>) and fails at the
// same token with the same error as participle parsing that grammar
// recursively did, one parse context per block, but its stack and its
// memory no longer grow with the depth of nesting: 20,000 nested blocks
// took about 3 kB of goroutine stack each (BENCHMARKS.md). On an error it
// also returns the lines read before it, whose warnings still count.
//
// The one rule that needs care is how participle reported a statement that
// failed after its first token. At the top level it reported that
// statement's own error. Inside a block, a statement that failed right
// after its first token (A B, Note left of) made the block report its
// first token instead: participle's repetition took the statement as
// "not matched" (it had consumed no more than one token of lookahead) and
// the block then expected 'end' there. A statement that got further
// reported its own error at any depth.
func parseDocument(lex *lexer.PeekingLexer) ([]gItem, error) {
	if _, err := headParser.ParseFromLexer(lex, trailing); err != nil {
		return nil, err
	}
	var items []gItem
	depth := 0
	for {
		start := lex.Cursor()
		t := lex.Peek()
		it := gItem{kind: itemLine}
		var err error
		switch t.Type {
		case tLoop, tRect, tOpt, tAlt, tPar, tParOver, tCritical, tBreak:
			var h *gBlockHead
			if h, err = blockHeadParser.ParseFromLexer(lex, trailing); err == nil {
				it = gItem{kind: itemOpen, head: h.Tokens}
			}
		case tElse, tAnd, tOption:
			if depth == 0 {
				return items, unexpected(t)
			}
			var h *gSectionHead
			if h, err = sectionParser.ParseFromLexer(lex, trailing); err == nil {
				it = gItem{kind: itemSection, head: h.Tokens}
			}
		case tEnd:
			if depth == 0 {
				return items, unexpected(t)
			}
			at := lex.RawCursor()
			lex.Next()
			it = gItem{kind: itemEnd, head: lex.Range(at, at+1)}
		case tEOF:
			if depth > 0 {
				return items, unexpected(t)
			}
			return items, nil
		default:
			it.line = &gLine{}
			if err = it.line.parse(lex); err == participle.NextMatch {
				return items, unexpected(t)
			}
		}
		if err != nil {
			if depth > 0 && lex.Cursor() <= start+1 {
				return items, unexpected(t)
			}
			return items, err
		}
		switch it.kind {
		case itemOpen:
			depth++
		case itemEnd:
			depth--
		}
		items = append(items, it)
	}
}

// unexpected is participle's error for a token no rule expects there.
func unexpected(t *lexer.Token) error {
	return &participle.UnexpectedTokenError{Unexpected: *t}
}
