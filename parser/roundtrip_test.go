package parser_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/mermaid"
	"github.com/choreo-dev/choreo/parser"
)

// modelOpts compares two parsed diagrams, positions aside.
var modelOpts = cmp.Options{
	cmpopts.IgnoreFields(flow.Participant{}, "Pos"),
	cmpopts.IgnoreFields(flow.Box{}, "Pos"),
	cmpopts.IgnoreFields(flow.Message{}, "Pos"),
	cmpopts.IgnoreFields(flow.Note{}, "Pos"),
	cmpopts.IgnoreFields(flow.Block{}, "Pos", "End"),
	cmpopts.IgnoreFields(flow.Branch{}, "Pos"),
	cmpopts.IgnoreFields(flow.Activation{}, "Pos"),
	cmpopts.IgnoreFields(flow.Create{}, "Pos"),
	cmpopts.IgnoreFields(flow.Destroy{}, "Pos"),
	cmpopts.IgnoreFields(flow.Autonumber{}, "Pos"),
	cmpopts.EquateEmpty(),
}

// comparable is the part of a diagram that printing must keep.
type comparable struct {
	Title, AccTitle, AccDescr string
	Participants              []*flow.Participant
	Boxes                     []*flow.Box
	Statements                []flow.Statement
	Wrap                      bool
	FrontMatter               string
}

func view(d *flow.Diagram) comparable {
	return comparable{d.Title, d.AccTitle, d.AccDescr, d.Participants, d.Boxes, d.Statements, d.Wrap, d.FrontMatter}
}

// duplicateIDs reports participants whose ids differ only in how the
// source encoded them (a-b and a#45;b): the model cannot tell them apart.
func duplicateIDs(d *flow.Diagram) bool {
	seen := map[string]bool{}
	for _, p := range d.Participants {
		if seen[p.ID] {
			return true
		}
		seen[p.ID] = true
	}
	return false
}

// roundTrip prints d, parses the text again and reports how the model
// changed ("" if it did not).
func roundTrip(d *flow.Diagram) (text string, problem string) {
	text = mermaid.Format(d)
	d2, err := parser.Parse("printed.mmd", []byte(text))
	if err != nil {
		return text, "the printed diagram does not parse: " + err.Error()
	}
	if diff := cmp.Diff(view(d), view(d2), modelOpts); diff != "" {
		return text, "the printed diagram parses to another model (-original +reparsed):\n" + diff
	}
	return text, ""
}

// TestMermaidRoundTrip prints every diagram the parser accepts and parses
// the text again: the model must not change.
func TestMermaidRoundTrip(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "mermaid", "*.mmd"))
	more, _ := filepath.Glob(filepath.Join("..", "testdata", "*.mmd"))
	paths = append(paths, more...)
	accepted := 0
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		d, err := parser.Parse(filepath.Base(path), src)
		if err != nil {
			continue
		}
		accepted++
		t.Run(filepath.Base(path), func(t *testing.T) {
			text, problem := roundTrip(d)
			if problem != "" {
				t.Errorf("%s\nsource:\n%s\nprinted:\n%s", problem, src, text)
			}
			// printing is stable: the reprinted text is the same
			if d2, err := parser.Parse("printed.mmd", []byte(text)); err == nil {
				if again := mermaid.Format(d2); again != text {
					t.Errorf("printing is not stable:\n%s", cmp.Diff(text, again))
				}
			}
		})
	}
	if accepted < 100 {
		t.Fatalf("only %d diagrams accepted", accepted)
	}
}

// TestMermaidGolden keeps the printed form of a few diagrams in golden
// files (go test ./parser -run MermaidGolden -update rewrites them).
func TestMermaidGolden(t *testing.T) {
	for _, name := range []string{"provisioning.mmd", "mermaid/flow-login-oauth.mmd", "mermaid/flow-saga-compensation.mmd", "mermaid/box-actor-alias-and-blank-lines.mmd", "mermaid/entity-in-ids.mmd"} {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("..", "testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			d, err := parser.Parse(name, src)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "mermaid-"+filepath.Base(name), []byte(mermaid.Format(d)))
		})
	}
}

// TestMermaidRoundTripTricky covers what the lexer and Mermaid's
// preprocessing would misread if printed naively.
func TestMermaidRoundTripTricky(t *testing.T) {
	for _, src := range []string{
		// ids: dashes before reverse arrows and central marks, keywords, numbers
		"sequenceDiagram\na#45;b/|-C: x\na#45;b()->>C: y\nC->>a#45;b: z\na#45;b//-()C: w",
		"sequenceDiagram\nparticipant #101;nd\nparticipant #79;pt In\n#101;nd->>#79;pt In: x\nNote over #101;nd,#79;pt In: n",
		"sequenceDiagram\nparticipant x as X\n1#32;2->>x: hi\n1.5#32;->>x: ho",
		"sequenceDiagram\nA->>+B: x\nB->>-#120;avier: y\nparticipant #120;avier\nA->>+#120;avier: t\n#120;avier-->>-A: u\nA->>+#124;#92;q: v\n#124;#92;q->>-A: w",
		"sequenceDiagram\nparticipant user#45;db@{ \"type\": \"database\" }\n",
		"sequenceDiagram\nparticipant Big Svc\nBig Svc->>X: a\nparticipant Big Svc as Big",
		"sequenceDiagram\nA#35;b->>C: x\nA #35;59#59; b->>C: y",
		"sequenceDiagram\nparticipant A#64;b as L\nA#64;b->>A#64;b: self",
		"sequenceDiagram\nparticipant #32;sp#32; as x\n#32;sp#32;->>B: x",
		"sequenceDiagram\nparticipant a%b\nparticipant c\na%b->>c: x",
		// text: entities, comments, directives, wrap prefixes, quotes, style lines
		"sequenceDiagram\nA->>B: #35;59#59; #lt;b#gt; %#37;{init: {}}%#37; #35;#59;",
		"sequenceDiagram\nA->>B: #119;rap: text\nA->>B: #58;nowrap:x\nNote over A: #32;pad#32;",
		"sequenceDiagram\nA->>B: <b class=\"x\">hi</b> a=#34;b#34;",
		"sequenceDiagram\nA->>B: style:x#35;y\naccTitle: style:x#35;y; z\nNote left of A: classDef:#35;a",
		"sequenceDiagram\ntitle #32;lead and trail \naccDescr: a#10;b\nloop #35;1#59; style:z#35;\nend",
		// order: declarations inside blocks, boxes, links, create/destroy
		"sequenceDiagram\nA->>B: x\nloop l\nparticipant C as See\nB->>C: y\nend\nparticipant A as Ay",
		"sequenceDiagram\nlinks Z: {}\nA->>B: x\nproperties B: {\"n\": 1.5, \"s\": \"#59;\"}\nlink A: Docs @ https://x#35;y",
		"sequenceDiagram\nparticipant A\nparticipant B\nbox G\nparticipant A\nparticipant C\nend\nB->>C: x",
		"sequenceDiagram\nA->>B: x\ncreate participant C as Cee\nB->>C: y\ndestroy C\nC-->>B: z\nbox Aqua\nparticipant C\nend",
		"sequenceDiagram\nbox rgb(1,2,3) Team (EU)\nparticipant A\nend\nbox transparent Red\nparticipant B\nend\nbox\nend\nbox Red\nactor C\nactor C\nend",
		"sequenceDiagram\nparticipant Q@{ type: queue, alias: \"Jobs\" }\nparticipant Q as Other\nparticipant K@{ \"type\": \"database\" } as DB",
		"sequenceDiagram\ndestroy X\nX->>Y: a\nactivate Y\ndeactivate Y\nautonumber 10 5\nautonumber off\nautonumber",
		"---\ntitle: Front\nconfig:\n  sequence:\n    wrap: true\n---\nsequenceDiagram\nA->>B: x",
		"%%{wrap}%%\nsequenceDiagram\ncritical c\nA->>B: x\noption o\nB->>A: y\nend\npar_over p\nA->>B: z\nand q\nend",
		"sequenceDiagram\nparticipant M@{\n  type: entity\n}\nM->>M: multi-line metadata",
		"sequenceDiagram\nbox\nparticipant K@{ type: queue }\nparticipant L\nend\nparticipant K as Q\nK->>L: x",
		"sequenceDiagram\nA->>B: x\nbox G\nparticipant B as Bee\nparticipant C\nend\nA->>D: y",
		"sequenceDiagram\nbox TRANSPARENT T\nparticipant A\nend\nbox Aqua rgb(1,2,3)\nparticipant B\nend",
		"sequenceDiagram\nparticipant A\nA->>B: x\ncreate actor C as See\nB->>C: y\nparticipant C as Sea\nbox X\nactor C\nend",
		"sequenceDiagram\nactivate Nobody\nNote over A,A: n\ndetails Z: menu\ndeactivate Nobody\nA->>Z: x",
		"sequenceDiagram\nparticipant A as wrap:#32;x\nA->>A: :wrap: #32;\nNote right of A: nowrap:",
		"sequenceDiagram\ntitle:  Legacy#59; title\nA->>B: x",
	} {
		d, err := parser.Parse("tricky.mmd", []byte(src))
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if text, problem := roundTrip(d); problem != "" {
			t.Errorf("%s\nsource:\n%s\nprinted:\n%s", problem, src, text)
		}
	}
}
