package report

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/choreo-dev/choreo/parser"
)

const slowShopSource = `sequenceDiagram
  actor U as Shopper
  U->>App: checkout
  App->>Cart: get cart
  Cart->>DB: query
  DB-->>Cart: rows
  Cart-->>App: cart
  App->>Pay: charge
  Pay-->>App: paid
  App-->>U: done
`

// slowTrace is a slow trace of a check, as the checker finds its cause.
type slowTrace struct {
	n      int // 0: no cause (unexplained)
	chain  []int
	excess time.Duration
	id     string
}

// slowResult is a trace check of runs traces whose slow ones are slow,
// with an end_to_end SLO of limitMS (by "slo") or, when target is "",
// the p95 (by "p95"); typical is each exchange's typical own time.
func slowResult(t *testing.T, runs int64, target string, limitMS float64, typical map[int]float64, slow []slowTrace) *Result {
	t.Helper()
	d, err := parser.Parse("shop.mmd", []byte(slowShopSource))
	if err != nil {
		t.Fatal(err)
	}
	r := collect([]mergeRun{{e2e: 100 * time.Millisecond}}, "")
	r.Source, r.Runs, r.Diagram, r.DiagramSource, r.Model = "trace", runs, "shop.mmd", slowShopSource, d
	r.Messages = nil
	for _, m := range d.Messages() {
		r.Messages = append(r.Messages, MessageStats{N: m.N, Selector: m.Selector()})
	}
	st := &SlowTraces{By: "p95", LimitMS: limitMS}
	if target != "" {
		st.By, st.Target = "slo", target
	}
	type agg struct {
		c SlowCause
		h *Histogram
	}
	var as []*agg
	for _, s := range slow {
		st.Traces++
		if s.n == 0 {
			st.Unexplained++
			continue
		}
		var a *agg
		for _, x := range as {
			if x.c.N == s.n && fmt.Sprint(x.c.Chain) == fmt.Sprint(s.chain) {
				a = x
			}
		}
		if a == nil {
			a = &agg{c: SlowCause{N: s.n, Chain: s.chain, TypicalMS: typical[s.n], Examples: []string{}}, h: NewHistogram()}
			as = append(as, a)
		}
		a.c.Traces++
		a.h.Record(s.excess)
		if len(a.c.Examples) < 3 {
			a.c.Examples = append(a.c.Examples, s.id)
		}
	}
	r.SlowTraces = st
	for _, a := range as {
		a.c.Share = float64(a.c.Traces) / float64(st.Traces)
		a.c.Excess = a.h.Stats()
	}
	for len(as) > 0 { // by CompareSlow, the histograms alongside
		best := 0
		for i := range as {
			if CompareSlow(&as[i].c, &as[best].c) < 0 {
				best = i
			}
		}
		r.Slow = append(r.Slow, as[best].c)
		r.Histograms.Slow = append(r.Histograms.Slow, as[best].h)
		as = append(as[:best], as[best+1:]...)
	}
	return r
}

// shopSlow is ten traces slowed by the query, three by the cart's own
// work, and one without a cause.
func shopSlow() []slowTrace {
	var s []slowTrace
	for i := range 10 {
		s = append(s, slowTrace{3, []int{3, 2, 1}, 500*time.Millisecond + time.Duration(i)*time.Millisecond, fmt.Sprintf("%032x", 0xa0+i)})
	}
	for i := range 3 {
		s = append(s, slowTrace{2, []int{2, 1}, 250 * time.Millisecond, fmt.Sprintf("%032x", 0xb0+i)})
	}
	return append(s, slowTrace{id: "unexplained"})
}

var shopTypical = map[int]float64{1: 30, 2: 20, 3: 10, 6: 40}

func TestRenderSlowText(t *testing.T) {
	r := slowResult(t, 200, "end_to_end p95 <= 300ms", 300, shopTypical, shopSlow())
	p := &textPrinter{names: map[int]string{}}
	var b bytes.Buffer
	p.w = &b
	for _, m := range r.Messages {
		p.names[m.N] = m.Selector
	}
	p.slowCauses(r)
	part := wrapText(b.String()) // as WriteText fits it in TextWidth
	golden(t, []byte(part))
	var all bytes.Buffer
	if err := WriteText(&all, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(all.String(), part) {
		t.Errorf("the text report lacks the slow traces:\n%s", all.String())
	}
}

func TestRenderSlowMarkdown(t *testing.T) {
	slow := shopSlow()
	// five more causes, one trace each: the last two are summed up
	for i, n := range []int{6, 1, 6, 2, 3} {
		chain := []int{n, 1}
		if n == 1 {
			chain = []int{1}
		} else if n == 3 {
			chain = []int{3, 2, 1, 99}
		}
		if i == 2 {
			chain = []int{6, 1, 98}
		}
		slow = append(slow, slowTrace{n, chain, 100 * time.Millisecond, fmt.Sprintf("%032x", 0xc0+i)})
	}
	r := slowResult(t, 400, "", 1234, shopTypical, slow)
	var b bytes.Buffer
	p := &mdWriter{w: &b, r: r, msgs: map[int]string{}}
	for _, m := range r.Messages {
		p.msgs[m.N] = m.Selector
	}
	var all bytes.Buffer
	if err := WriteMarkdown(&all, r); err != nil {
		t.Fatal(err)
	}
	// the section as WriteMarkdown writes it, with the model
	i := strings.Index(all.String(), "\n## Slow traces\n")
	if i < 0 {
		t.Fatalf("the Markdown lacks the slow traces:\n%s", all.String())
	}
	sec := all.String()[i:]
	if j := strings.Index(sec[1:], "\n## "); j >= 0 {
		sec = sec[:j+1]
	}
	golden(t, []byte(sec))
	// without a model, steps are named by their selectors
	p.slowCauses()
	if !strings.Contains(b.String(), "`Cart->>DB: query` takes 504ms over") {
		t.Errorf("without a model:\n%s", b.String())
	}
}

func TestRenderSlowHTML(t *testing.T) {
	r := slowResult(t, 200, "end_to_end p95 <= 300ms", 300, shopTypical, shopSlow())
	r.Slow[0].Examples[0] = "<script>"
	var all bytes.Buffer
	if err := WriteHTML(&all, r); err != nil {
		t.Fatal(err)
	}
	s := all.String()
	i := strings.Index(s, `<section id="slow">`)
	if i < 0 {
		t.Fatalf("the page lacks the slow traces")
	}
	j := i + strings.Index(s[i:], "</section>\n") + len("</section>\n")
	golden(t, []byte(s[i:j]))
	if strings.Contains(s[i:j], "<script>") {
		t.Errorf("an example is not escaped")
	}
}

// Nothing slow, nothing written (and a simulation has no slow traces).
func TestRenderSlowNone(t *testing.T) {
	r := slowResult(t, 200, "end_to_end p95 <= 300ms", 300, shopTypical, nil)
	r.SlowTraces = nil
	for name, render := range Renderers {
		var b bytes.Buffer
		if err := render(&b, r); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "Slow traces") || strings.Contains(b.String(), "slow_traces") {
			t.Errorf("%s: writes slow traces where there are none", name)
		}
	}
}

// Slow causes merge like cascades: by exchange and chain, the traces and
// the excess histograms added up, most traces first. With an end_to_end
// SLO each trace is slow or not on its own, so the shards of a check
// merge to the causes of the whole check (when each shard's typical own
// times are the whole's); the examples are the first three in the order
// of the results.
func TestMergeSlow(t *testing.T) {
	all := shopSlow()
	// shard 1: six traces slowed by the query and the unexplained one;
	// shard 2: four by the query and three by the cart
	var a, b []slowTrace
	for i, s := range all {
		if i < 6 || s.n == 0 {
			a = append(a, s)
		} else {
			b = append(b, s)
		}
	}
	const target = "end_to_end p95 <= 300ms"
	whole := slowResult(t, 200, target, 300, shopTypical, all)
	ra := slowResult(t, 120, target, 300, shopTypical, a)
	rb := slowResult(t, 80, target, 300, shopTypical, b)
	// Merge takes simulation results only, for now; the slow causes
	// merge whatever the source
	for _, r := range []*Result{whole, ra, rb} {
		r.Source = "sim"
	}
	got, err := Merge(ra, rb)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(whole.SlowTraces, got.SlowTraces); diff != "" {
		t.Errorf("slow traces (-whole +merged):\n%s", diff)
	}
	if diff := cmp.Diff(whole.Slow, got.Slow); diff != "" {
		t.Errorf("causes (-whole +merged):\n%s", diff)
	}
	if len(got.Histograms.Slow) != 2 || got.Histograms.Slow[0].Count() != 10 || got.Histograms.Slow[1].Count() != 3 {
		t.Errorf("histograms.slow not aligned with the causes: %v", got.Histograms.Slow)
	}
	// The merged result renders and merges again (JSON round trip).
	var js bytes.Buffer
	if err := WriteJSON(&js, got); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"slow_traces": {`) || !strings.Contains(js.String(), `"typical_ms": 10`) {
		t.Errorf("JSON lacks the slow traces:\n%s", js.String())
	}

	// Results that chose their slow traces by other rules: the rule is
	// "mixed", the counts still add up; typical own times are averaged,
	// weighted by traces.
	rp := slowResult(t, 80, "", 120, map[int]float64{3: 14}, b)
	rp.Source = "sim"
	got, err = Merge(ra, rp)
	if err != nil {
		t.Fatal(err)
	}
	if st := got.SlowTraces; st.By != "mixed" || st.LimitMS != 0 || st.Target != "" || st.Traces != 14 || st.Unexplained != 1 {
		t.Errorf("slow traces %+v, want mixed, 14 traces, 1 unexplained", st)
	}
	if c := got.Slow[0]; c.N != 3 || c.Traces != 10 || c.TypicalMS != (6*10+4*14)/10.0 {
		t.Errorf("first cause %+v, want #3 in 10 traces, typical 11.6ms", c)
	}
}

// When a check looked for the causes of its slowest traces only, every
// report says so, and a merge adds up the traces looked at: shares are
// over them.
func TestSlowAnalysed(t *testing.T) {
	r := slowResult(t, 400, "", 300, shopTypical, shopSlow()) // 14 analysed
	r.SlowTraces.Traces, r.SlowTraces.Analysed = 20, 14
	for name, want := range map[string]string{
		"text":     "(the traces' own p95 end_to_end); causes from the slowest 14",
		"markdown": "Causes were looked for in the slowest 14 of them.",
		"html":     "causes from the slowest 14.",
		"json":     `"analysed": 14`,
	} {
		var b bytes.Buffer
		if err := Renderers[name](&b, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s lacks %q:\n%s", name, want, b.String())
		}
	}
	full := slowResult(t, 200, "", 300, shopTypical, shopSlow()[:10]) // 10 slowed by the query, all analysed
	for _, x := range []*Result{r, full} {
		x.Source = "sim"
	}
	got, err := Merge(r, full)
	if err != nil {
		t.Fatal(err)
	}
	if st := got.SlowTraces; st.Traces != 30 || st.Analysed != 24 {
		t.Errorf("merged slow traces %+v, want 30 with 24 analysed", st)
	}
	if c := got.Slow[0]; c.Traces != 20 || math.Abs(c.Share-20.0/24) > 1e-12 {
		t.Errorf("merged cause %+v, want 20 traces, share 20/24", c)
	}
}
