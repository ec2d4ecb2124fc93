package parser_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/parser"

	goldenfile "github.com/choreo-dev/choreo/internal/golden"
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("..", "testdata", "golden", name), got)
}

// TestGrammar keeps the grammar's EBNF in a golden file, so that grammar
// changes show in review.
func TestGrammar(t *testing.T) {
	golden(t, "grammar.ebnf", []byte(parser.Grammar()))
}

// TestErrors checks that rejected diagrams say where and what, in the
// diagram's terms.
func TestErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no arrow", "sequenceDiagram\n  Admin App: hi\n", "d.mmd:2:12: found \": hi\", expected an arrow such as ->> after 'Admin App'"},
		{"missing text", "sequenceDiagram\n  A->>B\n", "d.mmd:2:8: found end of line, expected ':' and the message text after 'B'"},
		{"missing receiver", "sequenceDiagram\n  A->>: hi\n", "d.mmd:2:7: found \": hi\", expected a participant name after '->>'"},
		{"keyword as receiver", "sequenceDiagram\n  A->>note: hi\n", "d.mmd:2:7: found 'note', expected a participant name after '->>' ('note' is a keyword, not a name)"},
		{"end without block", "sequenceDiagram\n  A->>B: x\nend\n", "d.mmd:3:1: 'end' without an open block"},
		{"end-user", "sequenceDiagram\n  end-user->>B: x\n", "d.mmd:2:3: 'end' without an open block (a name that starts with 'end'"},
		{"unclosed", "sequenceDiagram\n  alt ok\n    A->>B: x\n", "d.mmd:4:1: unclosed 'alt' (opened at line 2): expected 'end'"},
		{"else in loop", "sequenceDiagram\n  loop l\n  else x\n  end\n", "d.mmd:3:3: found 'else' inside 'loop' (opened at line 2): 'else' belongs in 'alt'"},
		{"else outside", "sequenceDiagram\n  else x\n", "d.mmd:2:3: found 'else' outside any block: it belongs in 'alt'"},
		{"number name", "sequenceDiagram\n  1 ->> 2: x\n", "d.mmd:2:3: found the number \"1\" followed by a space"},
		{"participant without name", "sequenceDiagram\n  participant\n", "d.mmd:2:14: found end of line, expected a participant name after 'participant'"},
		{"message in box", "sequenceDiagram\n  box Blue\n    A->>B: x\n  end\n", "d.mmd:3:5: found 'A', but a box (opened at line 2) holds only participant"},
		{"deactivate idle", "sequenceDiagram\n  A->>B: x\n  deactivate B\n", "d.mmd:3:14: deactivate B: the participant is not active"},
		{"minus on idle sender", "sequenceDiagram\n  A->>-B: x\n", "d.mmd:2:7: '-' deactivates A, which is not active"},
		{"create without message", "sequenceDiagram\n  A->>B: x\n  create participant C\n  A->>B: y\n", "d.mmd:4:3: participant C is created but the next message is not sent to it"},
		{"destroy without message", "sequenceDiagram\n  A->>B: x\n  destroy B\n  A->>C: y\n", "d.mmd:4:3: participant B is destroyed but the next message neither comes from it nor goes to it"},
		{"create existing", "sequenceDiagram\n  A->>B: x\n  create participant B\n  A->>B: y\n", "d.mmd:3:22: create B: a participant of that name already exists"},
		{"two boxes", "sequenceDiagram\n  box One\n    participant A\n  end\n  box Two\n    participant A\n  end\n", "d.mmd:6:17: A is already in box \"One\""},
		{"bad metadata", "sequenceDiagram\n  participant Q@{ type: [ }\n  Q->>Q: x\n", "d.mmd:2:15: participant metadata:"},
		{"bad front matter", "---\ntitle: [x\n---\nsequenceDiagram\n  A->>B: x\n", "d.mmd:2:1: front matter: did not find expected ',' or ']'"},
		{"not sequence", "flowchart LR\n  A-->B\n", "d.mmd:1:1: not a sequence diagram"},
		{"case-sensitive header", "SEQUENCEDIAGRAM\n  A->>B: x\n", "d.mmd:1:1: not a sequence diagram"},
		{"autonumber trailing space", "sequenceDiagram\n  autonumber \n  A->>B: x\n", "d.mmd:3:3: found 'A', expected a number, 'off' or the end of the line"},
		{"metadata then space", "sequenceDiagram\n  participant Q@{ \"type\": \"queue\" } \n  Q->>Q: x\n", "d.mmd:3:3: found 'Q', expected 'as' or the end of the line"},
		{"crlf positions", "sequenceDiagram\r\n  A->>B: x\r\n  A B\r\n", "d.mmd:3:6: found end of line, expected an arrow such as ->> after 'A B'"},
		{"after comment lines", "%% one\n%% two\nsequenceDiagram\n  A->>B\n", "d.mmd:4:8: found end of line, expected ':'"},
		{"unicode column", "sequenceDiagram\n  Zoë->>Zoë\n", "d.mmd:2:12: found end of line, expected ':'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parser.Parse("d.mmd", []byte(tc.src))
			if err == nil {
				t.Fatalf("accepted, want error %q", tc.want)
			}
			var pe *parser.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *parser.Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n got: %s\nwant: %s…", err, tc.want)
			}
			if pe.Src == "" && pe.Pos.Line <= strings.Count(tc.src, "\n") {
				t.Errorf("no source line in %#v", pe)
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	_, err := parser.Parse("d.mmd", []byte("sequenceDiagram\n\tAdmin App: x\n"))
	var pe *parser.Error
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
	want := "   Admin App: x\n            ^"
	if got := pe.Snippet(); got != want {
		t.Errorf("snippet\n%s\nwant\n%s", got, want)
	}
}

// TestWarnings: Mermaid accepts these, with a reading that surprises.
func TestWarnings(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"title eats line", "sequenceDiagram\ntitle\nA->>B: x\n", "d.mmd:2:1: warning: 'title' alone on its line"},
		{"keyword prefix", "sequenceDiagram\nLoop Svc->>B: x\nend\n", "d.mmd:2:1: warning: 'Loop' opens a block here"},
		{"hash in text", "sequenceDiagram\nA->>B: pay #1\n", "d.mmd:2:12: warning: '#' starts a comment"},
		{"semicolon in text", "sequenceDiagram\nA->>B: a; B->>A: b\n", "d.mmd:2:9: warning: ';' ends the statement"},
		{"greedy id", "sequenceDiagram\nparticipant Big Svc\n", "d.mmd:2:13: warning: the participant id is \"Big Svc\""},
		{"bad links", "sequenceDiagram\nlinks A: {nope\n", "d.mmd:2:8: warning: links: the value is not a JSON object"},
		{"odd type", "sequenceDiagram\nparticipant A@{ type: banana }\n", "d.mmd:2:13: warning: participant type \"banana\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, ws, err := parser.ParseWarnings("d.mmd", []byte(tc.src))
			if err != nil || d == nil {
				t.Fatalf("rejected: %v", err)
			}
			var got []string
			for _, w := range ws {
				got = append(got, w.String())
				if strings.HasPrefix(w.String(), tc.want) {
					return
				}
			}
			t.Errorf("warnings %q, want one starting %q", got, tc.want)
		})
	}
}

// TestLinks: link splits at the first '@' and drops the character before
// it, counting UTF-16 units as JavaScript does (reference §2, SequenceDB.addALink).
func TestLinks(t *testing.T) {
	d, err := parser.Parse("d.mmd", []byte("sequenceDiagram\nlink A: Docsé@ https://x\nlink A: Logs @ https://logs.example/a@b\nlinks A: {\"Runbook\": \"https://r\"}\nproperties A: {\"tier\": \"gold\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := d.Participant("A")
	want := map[string]string{"Docs": "https://x", "Logs": "https://logs.example/a@b", "Runbook": "https://r"}
	if diff := cmp.Diff(want, a.Links); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	if a.Properties["tier"] != "gold" {
		t.Errorf("properties = %v", a.Properties)
	}
}

// A syntax error does not swallow the warnings of the lines before it:
// the ';' that cut a text short is what the error is about, and a
// warning inside a block still open at the error counts too.
func TestWarningsBeforeASyntaxError(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"sequenceDiagram\nA->>B: hello; world\n", "t.mmd:2:13: warning: ';' ends the statement"},
		{"sequenceDiagram\nloop x\nA->>B: a # b\nA B\nend\n", "t.mmd:3:10: warning: '#' starts a comment"},
	} {
		d, ws, err := parser.ParseWarnings("t.mmd", []byte(tc.src))
		if err == nil || d != nil {
			t.Fatalf("%q: parsed, want a syntax error", tc.src)
		}
		if len(ws) != 1 || !strings.HasPrefix(ws[0].String(), tc.want) {
			t.Errorf("%q: warnings %v, want one starting %q", tc.src, ws, tc.want)
		}
	}
}
