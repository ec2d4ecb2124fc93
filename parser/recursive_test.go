package parser

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The recursive grammar that parseDocument replaced: participle parsed a
// block's lines, sections and end itself, one parse context (and about
// 3 kB of stack) per level. It stays here as the reference that
// parseDocument must agree with, token for token and error for error.

type rDiagram struct {
	Head  bool     `parser:"NL* SD"`
	Lines []*rLine `parser:"@@*"`
}

type rLine struct{}

func (l *rLine) Parse(lex *lexer.PeekingLexer) error {
	switch lex.Peek().Type {
	case tLoop, tRect, tOpt, tAlt, tPar, tParOver, tCritical, tBreak:
		_, err := rBlockParser.ParseFromLexer(lex, trailing)
		return err
	}
	return (&gLine{}).parse(lex)
}

type rBlock struct {
	G        bool        `parser:"(Loop | Rect | Opt | Alt | Par | ParOver | Critical | Break) RestOfLine"`
	Lines    []*rLine    `parser:"@@*"`
	Sections []*rSection `parser:"@@*"`
	E        bool        `parser:"End"`
}

type rSection struct {
	G     bool     `parser:"(Else | And | Option) RestOfLine"`
	Lines []*rLine `parser:"@@*"`
}

var (
	rParser      = participle.MustBuild[rDiagram](lexDef)
	rBlockParser = participle.MustBuild[rBlock](lexDef)
)

// syntaxCheck returns the syntax error of src ("" if none) as the
// recursive grammar (recursive true) or parseDocument reports it.
func syntaxCheck(src []byte, recursive bool) string {
	p := &parse{name: "d.mmd", src: src}
	p.lines = lineStarts(src)
	pre, err := preprocess(src)
	if err != nil {
		return "preprocess: " + err.Error()
	}
	p.pre = pre
	p.toks = lexAll(pre.t.b)
	pl, err := lexer.Upgrade(&tokenStream{p: p})
	if err != nil {
		return "lex: " + err.Error()
	}
	if recursive {
		_, err = rParser.ParseFromLexer(pl)
	} else {
		_, err = parseDocument(pl)
	}
	if err == nil {
		return ""
	}
	var pe *Error
	if errors.As(p.syntaxError(err), &pe) {
		return pe.Error()
	}
	return "not positioned: " + err.Error()
}

// checkSameSyntax fails when parseDocument and the recursive grammar
// disagree on src.
func checkSameSyntax(t *testing.T, src []byte) {
	t.Helper()
	if want, got := syntaxCheck(src, true), syntaxCheck(src, false); got != want {
		t.Errorf("%q:\nflat parser:      %q\nrecursive parser: %q", src, got, want)
	}
}

// nestingCases are lines whose mistakes fall where the nesting rules and
// participle's error reporting meet: statements that fail after one token
// or more, heads without labels, sections and ends in and out of blocks.
var nestingCases = []string{
	"loop x", "loop", "alt a", "else b", "else", "par p", "and q", "and",
	"critical c", "option o", "option", "opt", "rect rgb(0,0,0)", "break b",
	"par_over p", "end", "end x", "A->>B: m", "A B", "A->>B", "A->>", "A",
	"A()->>B: x", "A->>+B: x", "B-->>-A: y", "Note left of", "Note over A",
	"Note over A,", "Note right of B: n", "participant", "participant P",
	"participant P as Q", "create participant C", "create", "destroy X",
	"activate A", "deactivate A", "activate", "box Aqua G", "box",
	"autonumber", "autonumber 1 2", "links A: {}", "link A", "title T",
	"accTitle: t", ": text", "->>B: x", "1 ->> 2: x", "%% c", "",
	"sequenceDiagram", "A->>B: x;end", "loop x;end", "end;end",
}

// TestFlatParserAgreesWithRecursive runs both parsers on the corpus, on
// every case line alone and inside each kind of block, and on random
// documents of case lines (a fixed seed: the same documents every run).
func TestFlatParserAgreesWithRecursive(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/mermaid/*.mmd")
	more, _ := filepath.Glob("../testdata/*.mmd")
	for _, path := range append(paths, more...) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		checkSameSyntax(t, src)
	}
	for _, c := range nestingCases {
		checkSameSyntax(t, []byte("sequenceDiagram\n"+c+"\n"))
		checkSameSyntax(t, []byte("sequenceDiagram\n"+c))
		for _, open := range []string{"loop l", "alt a\nelse b", "par p\nand q", "critical c\noption o", "box B", "opt o\nloop l"} {
			checkSameSyntax(t, []byte("sequenceDiagram\n"+open+"\n"+c+"\nend\nend\n"))
			checkSameSyntax(t, []byte("sequenceDiagram\n"+open+"\n"+c+"\n"))
		}
	}
	r := rand.New(rand.NewPCG(12, 6))
	for range 3000 {
		var sb strings.Builder
		sb.WriteString("sequenceDiagram\n")
		for range 1 + r.IntN(12) {
			sb.WriteString(nestingCases[r.IntN(len(nestingCases))])
			sb.WriteByte('\n')
		}
		checkSameSyntax(t, []byte(sb.String()))
	}
}

// FuzzFlatParserAgreesWithRecursive looks for a document on which the two
// parsers disagree.
//
//	GOMAXPROCS=2 go test ./parser -run '^$' -fuzz FuzzFlatParserAgreesWithRecursive -fuzztime 1m
func FuzzFlatParserAgreesWithRecursive(f *testing.F) {
	paths, _ := filepath.Glob("../testdata/mermaid/*.mmd")
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, c := range nestingCases {
		f.Add([]byte("sequenceDiagram\nalt a\n" + c + "\nelse b\nloop l\nA->>B: x\nend\nend\n"))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkSameSyntax(t, src)
	})
}
