package parser_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/choreo-dev/choreo/parser"
)

// FuzzParse checks that Parse never panics, that its errors are positioned
// inside the text, and that every diagram it accepts prints back to Mermaid
// text that parses to the same model.
//
//	GOMAXPROCS=2 go test ./parser -run '^$' -fuzz FuzzParse -fuzztime 4m
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "mermaid", "*.mmd"))
	more, _ := filepath.Glob(filepath.Join("..", "testdata", "*.mmd"))
	for _, path := range append(paths, more...) {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, s := range []string{
		"sequenceDiagram\nA->>B: hi",
		"sequenceDiagram\nparticipant A as #35;x#59;\nA-xB: t;B-->>-A: u",
		"sequenceDiagram\nbox Aqua G\nactor X\nend\nX->>+Y: a%%b\nY-->>-X: wrap:z",
		"sequenceDiagram\ntitle T\naccTitle: a;b\naccDescr {\nx\n}\nNote over A,B: n\nautonumber 1.5 .25",
		"---\ntitle: t\n---\nsequenceDiagram\ncreate participant Q@{ \"type\": \"queue\" }\nA->>Q: x\ndestroy Q\nQ-->>A: y",
		"sequenceDiagram\nalt a\nA->>B: x\nelse b\npar_over c\nB->>C: y\nand d\nend\nend\nlinks A: {\"k\": \"v\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := parser.Parse("fuzz.mmd", src)
		if err != nil {
			var pe *parser.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *parser.Error: %v", err, err)
			}
			if pe.Pos.Line < 1 || pe.Pos.Col < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(string(src), "\r\n", "\n"), "\r", "\n"), "\n")
			if pe.Pos.Line > len(lines) {
				t.Fatalf("error line %d past the %d lines of the text: %v", pe.Pos.Line, len(lines), err)
			}
			if n := utf8.RuneCountInString(lines[pe.Pos.Line-1]); pe.Pos.Col > n+1 {
				t.Fatalf("error column %d past the end of line %d (%d characters): %v", pe.Pos.Col, pe.Pos.Line, n, err)
			}
			return
		}
		if duplicateIDs(d) {
			return // two participants print as one: see mermaid.Format in internal/mermaid
		}
		if text, problem := roundTrip(d); problem != "" {
			t.Fatalf("%s\nprinted:\n%s", problem, text)
		}
	})
}
