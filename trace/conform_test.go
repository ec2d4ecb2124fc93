package trace_test

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/trace"
)

func confDiagram(t testing.TB, src string) *flow.Diagram {
	t.Helper()
	d, err := parser.Parse("test.mmd", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// confMsg is the diagram's message whose text is text.
func confMsg(t testing.TB, d *flow.Diagram, text string) *flow.Message {
	t.Helper()
	for _, m := range d.Messages() {
		if m.Text == text {
			return m
		}
	}
	t.Fatalf("no message %q", text)
	return nil
}

// confObs builds an observed trace of the messages with the given texts,
// in that order ("?" is an unmapped exchange).
func confObs(t testing.TB, d *flow.Diagram, texts ...string) *trace.Observed {
	t.Helper()
	o := &trace.Observed{}
	for i, text := range texts {
		ex := &trace.ObservedExchange{Start: int64(i+1) * 1000, Index: i}
		if text != "?" {
			m := confMsg(t, d, text)
			ex.Message, ex.From, ex.To = m, m.From, m.To
		}
		o.Exchanges = append(o.Exchanges, ex)
	}
	return o
}

// confDevs formats deviations as "kind:text" sorted.
func confDevs(al *trace.Alignment) string {
	var s []string
	for _, d := range al.Deviations {
		txt := "<nil>"
		if d.Message != nil {
			txt = d.Message.Text
		}
		s = append(s, d.Kind+":"+txt)
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

// checkAlign checks the deviations of o's alignment: want, or one of
// alts when several alignments are equally cheap.
func checkAlign(t *testing.T, a trace.Aligner, o *trace.Observed, want string, alts ...string) *trace.Alignment {
	t.Helper()
	al := a.Align(o)
	if got := confDevs(al); got != want && !slices.Contains(alts, got) {
		t.Errorf("deviations = %q, want %q", got, want)
	}
	if al.Conforms() != (want == "") {
		t.Errorf("Conforms = %v", al.Conforms())
	}
	if want == "" && al.Fitness != 1 {
		t.Errorf("fitness = %v, want 1", al.Fitness)
	}
	if want != "" && (al.Fitness >= 1 || al.Fitness < 0) {
		t.Errorf("fitness = %v, want in [0, 1)", al.Fitness)
	}
	return al
}

const confSeq = `sequenceDiagram
A->>B: a
B->>C: b
C-->>B: b ok
B-->>A: a ok
A-)D: c
A->>D: d
`

func TestAlignSequence(t *testing.T) {
	d := confDiagram(t, confSeq)
	a := trace.NewAligner(d)
	checkAlign(t, a, confObs(t, d, "a", "b", "c", "d"), "")
	// Unmapped exchanges are ignored.
	checkAlign(t, a, confObs(t, d, "a", "?", "b", "c", "d"), "")
	// An exchange mapped to a reply counts as its request's.
	checkAlign(t, a, confObs(t, d, "a ok", "b", "c", "d"), "")
	al := checkAlign(t, a, confObs(t, d, "a", "c", "d"), "missing:b")
	if want := 1 - 1.0/(3+4); math.Abs(al.Fitness-want) > 1e-9 {
		t.Errorf("fitness = %v, want %v", al.Fitness, want)
	}
	if al.Deviations[0].Exchange != nil {
		t.Error("missing deviation with an exchange")
	}
	al = checkAlign(t, a, confObs(t, d, "a", "b", "b", "c", "d"), "unexpected:b")
	if ex := al.Deviations[0].Exchange; ex == nil || ex.Message.Text != "b" {
		t.Errorf("unexpected exchange = %+v", ex)
	}
	// A swapped pair: both messages out of order, cost 2.
	al = checkAlign(t, a, confObs(t, d, "a", "c", "b", "d"), "out-of-order:b,out-of-order:c")
	if want := 1 - 2.0/8; math.Abs(al.Fitness-want) > 1e-9 {
		t.Errorf("fitness = %v, want %v", al.Fitness, want)
	}
	// A message moved far: only it is out of order.
	checkAlign(t, a, confObs(t, d, "b", "c", "d", "a"), "out-of-order:a")
	checkAlign(t, a, confObs(t, d), "missing:a,missing:b,missing:c,missing:d")
}

func TestAlignAltOptBreak(t *testing.T) {
	d := confDiagram(t, `sequenceDiagram
A->>B: start
alt cached
  B->>C: hit
else miss
  B->>D: load
  D-->>B: data
end
opt audit
  B->>E: log
end
critical lock
  B->>F: lock
option fallback
  B->>G: local
end
break invalid
  B->>A: reject
end
B->>A: done
`)
	a := trace.NewAligner(d)
	checkAlign(t, a, confObs(t, d, "start", "hit", "lock", "done"), "")
	checkAlign(t, a, confObs(t, d, "start", "load", "log", "local", "done"), "")
	// A break ends the flow.
	checkAlign(t, a, confObs(t, d, "start", "hit", "lock", "reject"), "")
	checkAlign(t, a, confObs(t, d, "start", "hit", "lock", "reject", "done"), "unexpected:done", "unexpected:reject")
	// Both alt branches: one is unexpected.
	checkAlign(t, a, confObs(t, d, "start", "hit", "load", "lock", "done"), "unexpected:load", "unexpected:hit")
	// No branch of an alt: one is missing.
	al := checkAlign(t, a, confObs(t, d, "start", "lock", "done"), "missing:hit")
	_ = al
	checkAlign(t, a, confObs(t, d, "start", "hit", "done"), "missing:lock")
}

func TestAlignLoop(t *testing.T) {
	d := confDiagram(t, `sequenceDiagram
A->>B: begin
loop each item
  B->>C: get
  C-->>B: item
  B-)D: emit
end
loop never
  Note over A: nothing
end
B-->>A: end
`)
	a := trace.NewAligner(d)
	checkAlign(t, a, confObs(t, d, "begin", "get", "emit"), "")
	checkAlign(t, a, confObs(t, d, "begin", "get", "emit", "get", "emit", "get", "emit"), "")
	checkAlign(t, a, confObs(t, d, "begin", "get", "emit", "get", "get", "emit"), "missing:emit", "unexpected:get")
	// One or more iterations: none is a deviation.
	checkAlign(t, a, confObs(t, d, "begin"), "missing:emit,missing:get")
}

func TestAlignPar(t *testing.T) {
	d := confDiagram(t, `sequenceDiagram
A->>B: go
par one
  B->>C: c1
  B->>C: c2
and two
  B->>D: d1
and three
  B-)E: e1
end
B->>A: done
`)
	a := trace.NewAligner(d)
	for _, order := range [][]string{
		{"go", "c1", "c2", "d1", "e1", "done"},
		{"go", "d1", "c1", "e1", "c2", "done"},
		{"go", "e1", "d1", "c1", "c2", "done"},
		{"go", "c1", "e1", "c2", "d1", "done"},
	} {
		checkAlign(t, a, confObs(t, d, order...), "")
	}
	// Within a branch the order holds.
	checkAlign(t, a, confObs(t, d, "go", "c2", "d1", "c1", "e1", "done"), "out-of-order:c2", "out-of-order:c1")
	checkAlign(t, a, confObs(t, d, "go", "c1", "c2", "e1", "done"), "missing:d1")
	checkAlign(t, a, confObs(t, d, "go", "c1", "c2", "d1", "done", "e1"), "out-of-order:e1")
}

func TestAlignNested(t *testing.T) {
	d := confDiagram(t, `sequenceDiagram
A->>B: req
loop retries
  alt ok
    B->>C: call
    par
      C->>D: x
    and
      C->>E: y
    end
  else fail
    B->>F: fallback
    break gave up
      B->>G: alert
    end
  end
end
rect rgb(0,0,0)
  opt
    B->>H: tail
  end
end
B-->>A: ok
`)
	a := trace.NewAligner(d)
	checkAlign(t, a, confObs(t, d, "req", "call", "y", "x", "fallback", "call", "x", "y", "tail"), "")
	checkAlign(t, a, confObs(t, d, "req", "fallback", "alert"), "")
	checkAlign(t, a, confObs(t, d, "req", "call", "x", "y", "fallback", "alert"), "")
	checkAlign(t, a, confObs(t, d, "req", "call", "x", "fallback", "tail"), "missing:y")
	checkAlign(t, a, confObs(t, d, "req", "fallback", "alert", "tail"), "unexpected:tail", "unexpected:alert")
}

func TestAlignParBreak(t *testing.T) {
	d := confDiagram(t, `sequenceDiagram
par
  A->>B: p
  break stop
    A->>C: q
  end
and
  A->>D: r
end
A->>E: s
`)
	a := trace.NewAligner(d)
	checkAlign(t, a, confObs(t, d, "p", "r", "s"), "")
	checkAlign(t, a, confObs(t, d, "r", "p", "q"), "")
	checkAlign(t, a, confObs(t, d, "p", "q"), "")
	checkAlign(t, a, confObs(t, d, "p", "q", "s"), "unexpected:s")
}

// The seed diagram, and the faults the judge injects into simulator round
// trips: one exchange removed, added or reordered.
func TestConformProvisioning(t *testing.T) {
	src, err := os.ReadFile("../testdata/provisioning.mmd")
	if err != nil {
		t.Fatal(err)
	}
	d := confDiagram(t, string(src))
	a := trace.NewAligner(d)
	all := []string{"Create new account", "Provision subscription", "Create tenant directory",
		"Invite first admin", "Send invite link", "Accept invite", "Set up workspace"}
	checkAlign(t, a, confObs(t, d, all...), "")
	for i, m := range all {
		rm := slices.Delete(slices.Clone(all), i, i+1)
		checkAlign(t, a, confObs(t, d, rm...), "missing:"+m)
		for j := range len(all) + 1 {
			add := slices.Insert(slices.Clone(all), j, m)
			al := a.Align(confObs(t, d, add...))
			if got := confDevs(al); got != "unexpected:"+m {
				t.Errorf("%s added at %d: %q", m, j, got)
			}
		}
		if i+1 < len(all) {
			sw := slices.Clone(all)
			sw[i], sw[i+1] = sw[i+1], sw[i]
			want := []string{"out-of-order:" + all[i], "out-of-order:" + all[i+1]}
			slices.Sort(want)
			checkAlign(t, a, confObs(t, d, sw...), strings.Join(want, ","))
		}
		for j := i + 2; j < len(all); j++ {
			mv := slices.Clone(all)
			mv = slices.Delete(mv, i, i+1)
			mv = slices.Insert(mv, j, m)
			al := a.Align(confObs(t, d, mv...))
			if al.Conforms() || len(al.Deviations) > 2 {
				t.Errorf("%s moved to %d: %q", m, j, confDevs(al))
			}
			for _, dv := range al.Deviations {
				if dv.Kind != trace.OutOfOrder {
					t.Errorf("%s moved to %d: %q", m, j, confDevs(al))
				}
			}
		}
	}
	// An exchange that maps to no message of this diagram is unexpected.
	o := confObs(t, d, all...)
	o.Exchanges = append(o.Exchanges, &trace.ObservedExchange{Message: &flow.Message{N: 99, From: "X", To: "Y", Text: "foreign"}})
	checkAlign(t, a, o, "unexpected:foreign")
}

func confLong(t testing.TB, n int) (trace.Aligner, *trace.Observed) {
	d := confDiagram(t, `sequenceDiagram
A->>B: start
loop items
  B->>C: get
  C-->>B: item
  alt new
    B->>D: store
  else seen
    B->>E: skip
  end
end
B-->>A: done
`)
	texts := []string{"start"}
	for i := range n / 2 {
		texts = append(texts, "get", []string{"store", "skip"}[i%2])
	}
	return trace.NewAligner(d), confObs(t, d, texts...)
}

func TestAlignLong(t *testing.T) {
	// how fast is BenchmarkAlignLong's business, not a test's
	a, o := confLong(t, 1000)
	al := a.Align(o)
	if !al.Conforms() {
		t.Errorf("deviations: %s", confDevs(al))
	}
	// Damage it: drop one, swap two far apart.
	o.Exchanges = slices.Delete(o.Exchanges, 500, 501)
	o.Exchanges[100], o.Exchanges[900] = o.Exchanges[900], o.Exchanges[100]
	al = a.Align(o)
	if al.Conforms() || al.Fitness < 0.99 {
		t.Errorf("fitness %v, deviations %s", al.Fitness, confDevs(al))
	}
}

func BenchmarkAlignLong(b *testing.B) {
	a, o := confLong(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		a.Align(o)
	}
}

// A par whose product exceeds the search beam still aligns (its speed:
// BenchmarkAlignWidePar).
func TestAlignWidePar(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("sequenceDiagram\nloop\npar\n")
	for b := range 5 {
		if b > 0 {
			sb.WriteString("and\n")
		}
		for m := range 4 {
			fmt.Fprintf(&sb, "A->>P%d: m%d%d\n", b, b, m)
		}
	}
	sb.WriteString("end\nend\n")
	d := confDiagram(t, sb.String())
	var texts []string
	for range 20 {
		for m := range 4 {
			for b := range 5 {
				texts = append(texts, fmt.Sprintf("m%d%d", b, m))
			}
		}
	}
	a := trace.NewAligner(d)
	o := confObs(t, d, texts...)
	checkAlign(t, a, o, "")
	o.Exchanges = slices.Delete(o.Exchanges, 203, 204)
	checkAlign(t, a, o, "missing:m30")
}

// A retried attempt (failed, then the same message under the same parent)
// and what it caused are left out; a failure may end the flow.
func TestAlignFailures(t *testing.T) {
	d := confDiagram(t, confSeq)
	a := trace.NewAligner(d)
	o := confObs(t, d, "a", "b", "b", "c", "d")
	root := o.Exchanges[0]
	for _, ex := range o.Exchanges[1:] {
		ex.Parent = root
	}
	o.Exchanges[1].Failed = true
	checkAlign(t, a, o, "")
	// Not a retry: a failed exchange with no later attempt is aligned.
	o.Exchanges[2].Message = confMsg(t, d, "a")
	checkAlign(t, a, o, "unexpected:a")
	// The flow ends at a failure: the rest is not missing.
	o = confObs(t, d, "a", "b")
	o.Exchanges[1].Failed = true
	checkAlign(t, a, o, "")
	o.Exchanges[1].Failed = false
	checkAlign(t, a, o, "missing:c,missing:d")
}
