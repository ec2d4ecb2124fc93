package flow

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJSONBlocks checks the blocks of the JSON form: every block in the
// order of its opening line, and each branch with the N of every message
// it holds, nested ones included.
func TestJSONBlocks(t *testing.T) {
	d := diagram(
		msg("A->>B", "1"),
		blocks(Alt,
			branch("alt", "ok",
				msg("A->>B", "2"),
				block(Loop, "retry", msg("B->>C", "3"), &Note{Placement: Over, Participants: []string{"B", "C"}, Text: "n"}),
				msg("B-->>A", "4")),
			branch("else", "no",
				blocks(Par, branch("par", "p", msg("A->>C", "5")), branch("and", "q")),
				msg("A->>B", "6"))),
		block(Opt, "empty"),
		msg("A->>B", "7"),
	)
	got := d.JSON()
	want := []BlockJSON{
		{Kind: "alt", Line: 3, Branches: []BranchJSON{{Label: "ok", Messages: []int{2, 3, 4}}, {Label: "no", Messages: []int{5, 6}}}},
		{Kind: "loop", Line: 5, Branches: []BranchJSON{{Label: "retry", Messages: []int{3}}}},
		{Kind: "par", Line: 10, Branches: []BranchJSON{{Label: "p", Messages: []int{5}}, {Label: "q", Messages: []int{}}}},
		{Kind: "opt", Line: 16, Branches: []BranchJSON{{Label: "empty", Messages: []int{}}}},
	}
	if diff := cmp.Diff(want, got.Blocks); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
	var ns []int
	for _, m := range got.Messages {
		ns = append(ns, m.N)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5, 6, 7}, ns); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if len(got.Notes) != 1 || got.Notes[0].Text != "n" {
		t.Errorf("notes: %+v, want the one note", got.Notes)
	}
}

// TestJSONDeepNesting builds 20,000 nested loops around one message: each
// block lists it once. JSON walks the diagram once (it took depth ×
// statements steps before, about ten seconds here).
func TestJSONDeepNesting(t *testing.T) {
	const depth = 20000
	var s Statement = msg("A->>B", "deep")
	for range depth {
		s = block(Loop, "l", s)
	}
	got := diagram(s).JSON()
	if len(got.Blocks) != depth || len(got.Messages) != 1 {
		t.Fatalf("%d blocks and %d messages, want %d and 1", len(got.Blocks), len(got.Messages), depth)
	}
	for i, b := range got.Blocks {
		if len(b.Branches) != 1 || !cmp.Equal(b.Branches[0].Messages, []int{1}) || b.Line != i+2 {
			t.Fatalf("block %d: %+v, want line %d holding message 1", i, b, i+2)
		}
	}
}
