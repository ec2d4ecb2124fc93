package parser

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/choreo-dev/choreo/flow"
)

// genNested writes a diagram of depth blocks nested in one another (opt,
// alt and loop in turn), each holding one request before the next block:
// the shape of issue 12's "20,000 nested blocks".
func genNested(depth int) []byte {
	var sb strings.Builder
	sb.WriteString("sequenceDiagram\n")
	kinds := []string{"opt", "alt", "loop"}
	for i := range depth {
		fmt.Fprintf(&sb, "%s level %d\nA->>B: m%d\n", kinds[i%len(kinds)], i, i)
	}
	for range depth {
		sb.WriteString("end\n")
	}
	return []byte(sb.String())
}

// genSideBySide writes the lines of genNested(n) with each block closed
// before the next one opens: the same size without the nesting, the
// baseline of BenchmarkDeep.
func genSideBySide(n int) []byte {
	var sb strings.Builder
	sb.WriteString("sequenceDiagram\n")
	kinds := []string{"opt", "alt", "loop"}
	for i := range n {
		fmt.Fprintf(&sb, "%s level %d\nA->>B: m%d\nend\n", kinds[i%len(kinds)], i, i)
	}
	return []byte(sb.String())
}

// TestDeepNesting parses 20,000 nested blocks and builds their flow
// graph: every message's path lists every block around it. BenchmarkDeep
// times it; BENCHMARKS.md has the figures.
func TestDeepNesting(t *testing.T) {
	const depth = 20000
	d, err := Parse("deep.mmd", genNested(depth))
	if err != nil {
		t.Fatal(err)
	}
	g := flow.Build(d)
	if len(g.Messages) != depth {
		t.Fatalf("%d messages, want %d", len(g.Messages), depth)
	}
	for i, mi := range g.Messages {
		if len(mi.Path) != i+1 {
			t.Fatalf("message #%d: path of %d blocks, want %d", i+1, len(mi.Path), i+1)
		}
	}
	last := g.Messages[depth-1]
	for i, br := range last.Path {
		if want := fmt.Sprintf("level %d", i); br.Block.Label() != want || br.Branch != 0 {
			t.Fatalf("last message: path[%d] is %q branch %d, want %q branch 0", i, br.Block.Label(), br.Branch, want)
		}
	}
	// Every request is the parent of the next one (B never sends): the
	// chain of open exchanges is as deep as the diagram.
	if p := last.Exchange.Parent; p != nil {
		t.Fatalf("last exchange has parent #%d, want none (A sends every request)", p.Request.N)
	}
}

// TestDeepNestingStack parses 20,000 nested blocks of every kind, with
// else, and and option branches, under a 4 MB limit on every goroutine's
// stack: parsing and pairing keep the open blocks on heap stacks, not on
// the goroutine's (participle's recursion took about 3 kB per level, the
// flow graph's 2.4 kB). Over the limit, the Go runtime ends the test
// binary ("goroutine stack exceeds 4194304-byte limit"), which fails it.
func TestDeepNestingStack(t *testing.T) {
	const depth = 20000
	var sb strings.Builder
	sb.WriteString("sequenceDiagram\n")
	heads := []string{"loop l", "alt a", "par p", "opt o", "critical c", "break b", "rect rgb(1,2,3)", "par_over q"}
	branches := map[string]string{"alt": "else e", "par": "and n", "critical": "option o", "par_over": "and n"}
	for i := range depth {
		fmt.Fprintf(&sb, "%s %d\n", heads[i%len(heads)], i)
	}
	sb.WriteString("A->>B: deep\nB-->>A: back\n")
	for i := depth - 1; i >= 0; i-- {
		kw, _, _ := strings.Cut(heads[i%len(heads)], " ")
		if br, ok := branches[kw]; ok {
			sb.WriteString(br + "\n")
		}
		sb.WriteString("end\n")
	}
	src := []byte(sb.String())

	defer debug.SetMaxStack(debug.SetMaxStack(4 << 20))
	d, err := Parse("deep.mmd", src)
	if err != nil {
		t.Fatal(err)
	}
	g := flow.Build(d)
	j := d.JSON()
	if len(j.Blocks) != depth || len(g.Messages) != 2 {
		t.Fatalf("%d blocks and %d messages, want %d and 2", len(j.Blocks), len(g.Messages), depth)
	}
	for i, b := range j.Blocks {
		kw, _, _ := strings.Cut(heads[i%len(heads)], " ")
		n := 1
		if _, ok := branches[kw]; ok {
			n = 2
		}
		if b.Kind != kw || len(b.Branches) != n || len(b.Branches[0].Messages) != 2 || b.Line != i+2 {
			t.Fatalf("block %d: %+v, want a %s of %d branches on line %d, the first holding both messages", i, b, kw, n, i+2)
		}
	}
	if mi := g.Messages[1]; mi.Role != flow.RoleReply || len(mi.Path) != depth {
		t.Fatalf("the reply: role %v, path of %d blocks, want a reply inside all %d", mi.Role, len(mi.Path), depth)
	}
}

// TestDeepNestingAllocs compares the bytes allocated to parse and pair
// 5,000 nested blocks (alt with an else, par with an and, loop; a
// request before each inner block) with those of the same lines side by
// side: nesting may cost no more than the lines themselves (about 1.1
// times here). A copy of the path per branch or level, or state kept per
// open block, shows as a multiple: copying the path for each else took 10
// times as much.
func TestDeepNestingAllocs(t *testing.T) {
	const n = 5000
	gen := func(nested bool) []byte {
		var sb strings.Builder
		sb.WriteString("sequenceDiagram\n")
		heads := []string{"alt a", "par p", "loop l"}
		closes := []string{"else e\nend\n", "and o\nend\n", "end\n"}
		for i := range n {
			fmt.Fprintf(&sb, "%s %d\nA->>B: m%d\n", heads[i%3], i, i)
			if !nested {
				sb.WriteString(closes[i%3])
			}
		}
		for i := n - 1; nested && i >= 0; i-- {
			sb.WriteString(closes[i%3])
		}
		return []byte(sb.String())
	}
	alloc := func(src []byte) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		d, err := Parse("deep.mmd", src)
		if err != nil {
			t.Fatal(err)
		}
		flow.Build(d)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	nested, flat := alloc(gen(true)), alloc(gen(false))
	if float64(nested) > 1.5*float64(flat) {
		t.Fatalf("%d nested blocks allocate %d bytes, the same lines side by side %d: more than 1.5 times", n, nested, flat)
	}
	t.Logf("nested %d bytes, side by side %d", nested, flat)
}

// TestPathsMatchNesting checks every corpus diagram's paths against a
// plain walk of the model: paths share their backing array (the spine of
// flow's builder.path), and no branch may see a sibling's block in its
// path.
func TestPathsMatchNesting(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/mermaid/*.mmd")
	src := [][]byte{[]byte(genDiagram(2000)), []byte(`sequenceDiagram
alt a
  A->>B: 1
  opt x
    A->>B: 2
  end
  A->>B: 3
else b
  A->>B: 4
  loop y
    A->>B: 5
    par p
      A->>B: 6
    and q
      A->>B: 7
    end
  end
  rect rgb(1,2,3)
    A->>B: 8
  end
end
A->>B: 9
`)}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b)
	}
	checked := 0
	for i, b := range src {
		d, err := Parse("p.mmd", b)
		if err != nil {
			continue
		}
		want := map[*flow.Message][]flow.BranchRef{}
		var walk func([]flow.Statement, []flow.BranchRef)
		walk = func(stmts []flow.Statement, path []flow.BranchRef) {
			for _, s := range stmts {
				switch s := s.(type) {
				case *flow.Message:
					want[s] = path
				case *flow.Block:
					for j, br := range s.Branches {
						walk(br.Statements, append(slices.Clone(path), flow.BranchRef{Block: s, Branch: j}))
					}
				}
			}
		}
		walk(d.Statements, nil)
		for _, mi := range flow.Build(d).Messages {
			if !slices.Equal(mi.Path, want[mi.Message]) {
				t.Errorf("source %d, message #%d: path %v, want %v", i, mi.Message.N, mi.Path, want[mi.Message])
			}
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d diagrams parsed", checked)
	}
}

// BenchmarkDeep parses and builds the flow graph of nested blocks, as
// TestDeepNesting does, at several depths: time and memory should grow
// linearly with the depth, and at 20,000 match the same lines side by
// side (flat-20000).
func BenchmarkDeep(b *testing.B) {
	cases := []struct {
		name string
		src  []byte
	}{{"flat-20000", genSideBySide(20000)}}
	for _, depth := range []int{2500, 5000, 10000, 20000} {
		cases = append(cases, struct {
			name string
			src  []byte
		}{fmt.Sprint(depth), genNested(depth)})
	}
	for _, c := range cases {
		src := c.src
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				d, err := Parse("deep.mmd", src)
				if err != nil {
					b.Fatal(err)
				}
				flow.Build(d)
			}
		})
	}
}

// TestLongLine parses 20,000 statements on one line, names and text with
// letters of two and three bytes: every message's column counts runes
// from the line's start (posOf counts on from its last answer), and a
// mistake at the end of the line is placed there.
func TestLongLine(t *testing.T) {
	const n = 20000
	stmt := "Zoë->>Åsa: €;"
	line := strings.Repeat(stmt, n)
	d, err := Parse("long.mmd", []byte("sequenceDiagram\n"+line+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	ms := d.Messages()
	if len(ms) != n {
		t.Fatalf("%d messages, want %d", len(ms), n)
	}
	w := utf8.RuneCountInString(stmt)
	for i, m := range ms {
		if m.Pos.Line != 2 || m.Pos.Col != i*w+1 || m.From != "Zoë" || m.To != "Åsa" || m.Text != "€" {
			t.Fatalf("message %d: %s->%s %q at %d:%d, want Zoë->Åsa \"€\" at 2:%d", i, m.From, m.To, m.Text, m.Pos.Line, m.Pos.Col, i*w+1)
		}
	}
	_, err = Parse("long.mmd", []byte("sequenceDiagram\n"+line+"é B\n"))
	want := fmt.Sprintf("long.mmd:2:%d: found end of line, expected an arrow such as ->> after 'é B'", n*w+4)
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}
