package parser

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// genDiagram writes a diagram of about n messages: request/reply pairs
// between 12 participants inside nested loop, alt/else, par/and, opt and
// critical blocks, with notes, activations and async messages.
func genDiagram(n int) string {
	var sb strings.Builder
	sb.WriteString("sequenceDiagram\n  autonumber\n  actor User\n")
	names := []string{"Gateway", "Auth", "Billing", "Ledger", "Search", "Index", "Mailer", "Queue", "Store", "Cache", "Audit"}
	for _, p := range names {
		fmt.Fprintf(&sb, "  participant %s as %s service\n", p, p)
	}
	msgs := 0
	depth := 0
	kinds := []string{"loop", "alt", "par", "opt", "critical"}
	for i := 0; msgs < n; i++ {
		a, b := names[i%len(names)], names[(i*7+3)%len(names)]
		ind := strings.Repeat("  ", depth+1)
		switch {
		case i%9 == 4 && depth < 6:
			k := kinds[i%len(kinds)]
			fmt.Fprintf(&sb, "%s%s step %d\n", ind, k, i)
			depth++
		case i%9 == 8 && depth > 0:
			ind2 := strings.Repeat("  ", depth)
			if i%2 == 0 {
				sb.WriteString(ind2 + "end\n")
				depth--
			} else {
				fmt.Fprintf(&sb, "%s%s\n", ind, "Note over Gateway,Auth: checkpoint #35;"+fmt.Sprint(i))
			}
		case i%5 == 0:
			fmt.Fprintf(&sb, "%s%s-)%s: event %d<br/>payload\n", ind, a, b, i)
			msgs++
		default:
			fmt.Fprintf(&sb, "%s%s->>+%s: request %d with some text\n", ind, a, b, i)
			fmt.Fprintf(&sb, "%s%s-->>-%s: reply %d\n", ind, b, a, i)
			msgs += 2
		}
	}
	for ; depth > 0; depth-- {
		sb.WriteString(strings.Repeat("  ", depth) + "end\n")
	}
	return sb.String()
}

func TestGenDiagramParses(t *testing.T) {
	src := genDiagram(10000)
	d, err := Parse("gen.mmd", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Messages()); n < 10000 {
		t.Fatalf("%d messages, want at least 10000", n)
	}
	// BENCHMARKS.md times Mermaid on the same text: CHOREO_GEN_OUT=DIR
	// writes it there.
	if dir := os.Getenv("CHOREO_GEN_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "gen10k.mmd"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func corpus(b *testing.B) (files [][]byte, size int) {
	paths, _ := filepath.Glob("../testdata/mermaid/*.mmd")
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, src)
		size += len(src)
	}
	return files, size
}

// BenchmarkParseCorpus parses every corpus diagram once per iteration
// (accepted and rejected ones, as Mermaid's timing in BENCHMARKS.md does).
func BenchmarkParseCorpus(b *testing.B) {
	files, size := corpus(b)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			Parse("c.mmd", f)
		}
	}
	b.ReportMetric(float64(len(files))*float64(b.N)/b.Elapsed().Seconds(), "diagrams/s")
}

// BenchmarkParseLarge parses a generated 10,000-message diagram with
// nested blocks.
func BenchmarkParseLarge(b *testing.B) {
	src := []byte(genDiagram(10000))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("gen.mmd", src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLexLarge is the baseline of BenchmarkParseLarge: preprocessing
// and the lexer alone, without the grammar and the model.
func BenchmarkLexLarge(b *testing.B) {
	src := []byte(genDiagram(10000))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		pre, err := preprocess(src)
		if err != nil {
			b.Fatal(err)
		}
		lexAll(pre.t.b)
	}
}

// BenchmarkParseSizes shows that time and memory grow linearly with the
// diagram: compare B/op and ns/op across sizes.
func BenchmarkParseSizes(b *testing.B) {
	for _, n := range []int{1250, 2500, 5000, 10000, 20000} {
		src := []byte(genDiagram(n))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse("gen.mmd", src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
