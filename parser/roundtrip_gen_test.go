package parser_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/parser"
)

// genCount, genSeed and inBoxDestroy tune the generator; a destroy line
// inside a box is only printed back where a box can hold it, which
// contrived generated diagrams often defeat (see mermaid.Format in internal/mermaid).
var (
	genCount, genSeed = 3000, uint64(1)
	inBoxDestroy      = false
)

// TestMermaidRoundTripGenerated prints and re-parses random diagrams made
// of the constructs that are hard to print: odd ids, entity codes, late
// declarations, boxes, create/destroy and nested blocks.
func TestMermaidRoundTripGenerated(t *testing.T) {
	ids := []string{"A", "B", "C", "Big Svc", "a-b", "x#35;y", "q%r", "é", "#101;nd", "1", "u#64;h",
		"Db", "#32;sp", "x#45;avier", "y=#34;z", "(p)", "a/b", "Opt#32;In"}
	texts := []string{"", "hi", "#35;x", "a#59;b", "%#37;#123;wrap#125;%#37;", "#119;rap:y", "<b class=\"c\">t</b>",
		"style:a#35;b", "#32;pad#32;", "x: y", "#lt;br#gt;", "classDef:x#35;1"}
	arrows := []string{"->>", "-->>", "->", "-->", "-x", "--x", "-)", "--)", "<<->>", "<<-->>", `-|\`, `/|-`, `\\--`, `//-`}
	rng := rand.New(rand.NewPCG(genSeed, 2))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	simple := func(id string) bool { return !strings.ContainsAny(id, " -=\"") }
	var gen func(depth int, sb *strings.Builder)
	gen = func(depth int, sb *strings.Builder) {
		for n := rng.IntN(6); n >= 0; n-- {
			switch rng.IntN(14) {
			case 0, 1, 2, 3:
				mods := []string{"", "", "+", "()"}
				from := pick(ids)
				if rng.IntN(5) == 0 {
					from += "()"
				}
				sb.WriteString(from + pick(arrows) + pick(mods) + pick(ids) + ": " + pick(texts) + "\n")
			case 4:
				id := pick(ids)
				switch rng.IntN(4) {
				case 0:
					sb.WriteString("participant " + id + "\n")
				case 1:
					if simple(id) {
						sb.WriteString("actor " + id + " as " + pick(texts) + "\n")
					}
				case 2:
					if simple(id) {
						sb.WriteString("participant " + id + `@{ "type": "database" }` + "\n")
					}
				case 3:
					if simple(id) {
						sb.WriteString("participant " + id + `@{ "type": "queue", "alias": "Q" } as ` + pick(texts) + "\n")
					}
				}
			case 5:
				sb.WriteString("Note over " + pick(ids) + "," + pick(ids) + ": " + pick(texts) + "\n")
			case 6:
				if depth < 3 {
					kinds := []string{"loop", "alt", "opt", "par", "critical", "break", "rect", "par_over"}
					k := pick(kinds)
					sb.WriteString(k + " " + pick(texts) + "\n")
					gen(depth+1, sb)
					if br := map[string]string{"alt": "else", "par": "and", "par_over": "and", "critical": "option"}[k]; br != "" && rng.IntN(2) == 0 {
						sb.WriteString(br + " " + pick(texts) + "\n")
						gen(depth+1, sb)
					}
					sb.WriteString("end\n")
				}
			case 7:
				fills := []string{"", "Aqua ", "rgb(1,2,3) ", "transparent "}
				sb.WriteString("box " + pick(fills) + pick(texts) + "\n")
				for m := rng.IntN(3); m >= 0; m-- {
					sb.WriteString("participant " + pick(ids) + "\n")
				}
				if rng.IntN(4) == 0 && inBoxDestroy {
					sb.WriteString("destroy " + pick(ids) + "\n")
				}
				sb.WriteString("end\n")
			case 8:
				id := pick(ids)
				sb.WriteString("create participant " + id + "\n" + pick(ids) + "->>" + id + ": " + pick(texts) + "\n")
			case 9:
				id := pick(ids)
				sb.WriteString("destroy " + id + "\n" + id + "->>" + pick(ids) + ": bye\n")
			case 10:
				id := pick(ids)
				sb.WriteString("activate " + id + "\n")
				if rng.IntN(2) == 0 {
					sb.WriteString("deactivate " + id + "\n")
				}
			case 11:
				sb.WriteString(pick([]string{"links ", "properties ", "link ", "details "}) + pick(ids) + ": " +
					pick([]string{`{"k": "v#59;"}`, `{"n": 1}`, "Docs @ https://x", "menu"}) + "\n")
			case 12:
				sb.WriteString(pick([]string{"autonumber\n", "autonumber 5\n", "autonumber 1.5 .25\n", "autonumber off\n"}))
			case 13:
				sb.WriteString(pick([]string{"title ", "accTitle: ", "accDescr: "}) + pick(texts[1:]) + "\n")
			}
		}
	}
	tried, accepted := 0, 0
	for accepted < genCount && tried < 100*genCount {
		tried++
		var sb strings.Builder
		sb.WriteString("sequenceDiagram\n")
		gen(0, &sb)
		src := sb.String()
		d, err := parser.Parse("gen.mmd", []byte(src))
		if err != nil || duplicateIDs(d) {
			continue
		}
		accepted++
		if text, problem := roundTrip(d); problem != "" {
			t.Fatalf("%s\nsource:\n%s\nprinted:\n%s", problem, src, text)
		}
	}
	if accepted < 1000 {
		t.Fatalf("only %d of %d generated diagrams parse", accepted, tried)
	}
}
