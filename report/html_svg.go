package report

import (
	"math"
	"strconv"
	"strings"

	"github.com/choreo-dev/choreo/flow"
)

// The charts of the HTML page, written as inline SVG by hand: every
// coordinate is rounded to 0.1 and written the same way, so that the page
// is a function of the result.

// f1 writes a coordinate with at most one decimal.
func svgNum(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// figureID returns a new id for a figure's title.
func (p *htmlPage) figureID() string {
	p.ids++
	return "fig" + strconv.Itoa(p.ids)
}

// svgOpen starts a figure and its svg: the svg is an image whose accessible
// name is its title, drawn at most at its own size (w CSS pixels wide) and
// narrower on a narrow screen.
func (p *htmlPage) svgOpen(w, h float64, title string) {
	id := p.figureID()
	p.printf("<figure>\n<svg viewBox=\"0 0 %s %s\" style=\"max-width:%spx\" role=\"img\" aria-labelledby=\"%s\"><title id=\"%s\">%s</title>\n",
		svgNum(w), svgNum(h), svgNum(w), id, id, htmlEsc(title))
}

func (p *htmlPage) svgClose(caption string) {
	p.printf("</svg>\n<figcaption>%s</figcaption>\n</figure>\n", caption)
}

// cdfSeries is one distribution of a chart: its histogram if the result kept
// it, else its percentiles.
type cdfSeries struct {
	name string
	h    *Histogram
	s    Stats
}

// usable is the histogram when it agrees with the stats, else nil.
func (s cdfSeries) hist() *Histogram {
	if s.h == nil || s.h.Count() == 0 || s.h.Count() != s.s.Count {
		return nil
	}
	return s.h
}

// chart geometry
type svgChart struct {
	w, h                     float64
	left, right, top, bottom float64
	ticks                    int  // at most this many x ticks
	marks                    bool // mark the first series' p50 and p99
}

var (
	svgChartBig   = svgChart{w: 900, h: 340, left: 46, right: 16, top: 20, bottom: 34, ticks: 10, marks: true}
	svgChartSmall = svgChart{w: 360, h: 196, left: 40, right: 12, top: 18, bottom: 30, ticks: 6, marks: true}
)

// svgLogScale maps nanoseconds to x on a log scale.
type svgLogScale struct{ llo, lhi, x0, x1 float64 }

func (s svgLogScale) at(ns float64) float64 {
	if ns <= 0 {
		return s.x0
	}
	t := (math.Log10(ns) - s.llo) / (s.lhi - s.llo)
	return s.x0 + min(max(t, 0), 1)*(s.x1-s.x0)
}

// cdfRange is the range of values (ns) a chart of ss shows.
func cdfRange(ss []cdfSeries) (lo, hi float64, ok bool) {
	lo = math.Inf(1)
	for _, s := range ss {
		if s.s.Count == 0 {
			continue
		}
		ok = true
		if v := s.s.MinMS * 1e6; v > 0 {
			lo = min(lo, v)
		}
		hi = max(hi, s.s.MaxMS*1e6)
	}
	if !ok || hi <= 0 {
		return 1, 10, false
	}
	if math.IsInf(lo, 1) || lo < hi/1e9 {
		lo = max(1, hi/1e9)
	}
	lo = max(lo, 1)
	if hi < lo*2 { // a (near) constant: show it in the middle of a factor of 3.2
		c := math.Sqrt(lo * hi)
		lo, hi = c/1.8, c*1.8
	}
	return lo, hi, true
}

// tick is a time a log axis may label.
type svgTick struct {
	ns    float64
	major bool
}

// svgTimeTicks are the candidate ticks from 1ns to 10 days: 1-2-5 steps below
// a second, clock steps above.
var svgTimeTicks = func() []svgTick {
	var ts []svgTick
	for e, base := 0, 1.0; e < 9; e, base = e+1, base*10 {
		ts = append(ts, svgTick{base, true}, svgTick{2 * base, false}, svgTick{5 * base, false})
	}
	const s, m, h, d = 1e9, 60e9, 3600e9, 86400e9
	for _, t := range []svgTick{{s, true}, {2 * s, false}, {5 * s, false}, {10 * s, true}, {20 * s, false}, {30 * s, false},
		{m, true}, {2 * m, false}, {5 * m, false}, {10 * m, true}, {20 * m, false}, {30 * m, false},
		{h, true}, {2 * h, false}, {3 * h, false}, {6 * h, true}, {12 * h, false}, {d, true},
		{2 * d, false}, {5 * d, false}, {10 * d, true}} {
		ts = append(ts, t)
	}
	return ts
}()

// svgTickLabel writes a duration in nanoseconds in the largest unit that
// divides it, or holds it with one decimal below a minute (30s, 1.5s,
// 5m, 2h, 200ms), else as humanMS does.
func svgTickLabel(ns float64) string {
	for _, u := range []struct {
		div     float64
		name    string
		decimal bool
	}{{172800e9, "d", false}, {3600e9, "h", false}, {60e9, "m", false}, {1e9, "s", true},
		{1e6, "ms", true}, {1e3, "µs", true}, {1, "ns", false}} {
		if ns < u.div {
			continue
		}
		v := ns / u.div
		if u.name == "d" {
			v = ns / 86400e9
		}
		switch {
		case math.Abs(v-math.Round(v)) < 1e-9:
			return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + u.name
		case u.decimal && math.Abs(v*10-math.Round(v*10)) < 1e-9:
			return strconv.FormatFloat(v, 'f', 1, 64) + u.name
		}
		break // only the largest unit that fits
	}
	return humanMS(ns / 1e6)
}

// svgLogTicks picks at most n ticks in [lo, hi]: the major ones, or all
// candidates when fewer than three major ones fall in the range.
func svgLogTicks(lo, hi float64, n int) []float64 {
	var major, all []float64
	for _, t := range svgTimeTicks {
		if t.ns < lo || t.ns > hi {
			continue
		}
		all = append(all, t.ns)
		if t.major {
			major = append(major, t.ns)
		}
	}
	ts := major
	if len(ts) < 3 {
		ts = all
	}
	if k := (len(ts) + n - 1) / n; k > 1 {
		var thin []float64
		for i := 0; i < len(ts); i += k {
			thin = append(thin, ts[i])
		}
		ts = thin
	}
	return ts
}

// cdfFigure draws the cumulative distributions of ss on one chart with a
// log-scaled x axis.
func (p *htmlPage) cdfFigure(size svgChart, title, caption string, ss []cdfSeries) {
	var shown []cdfSeries
	for _, s := range ss {
		if s.s.Count > 0 {
			shown = append(shown, s)
		}
	}
	if len(shown) == 0 {
		return
	}
	lo, hi, _ := cdfRange(shown)
	pad := (math.Log10(hi) - math.Log10(lo)) * 0.03
	x0, x1 := size.left, size.w-size.right
	y0, y1 := size.h-size.bottom, size.top // y0: share 0, y1: share 1
	sc := svgLogScale{llo: math.Log10(lo) - pad, lhi: math.Log10(hi) + pad, x0: x0, x1: x1}
	y := func(q float64) float64 { return y0 + q*(y1-y0) }

	p.svgOpen(size.w, size.h, title)
	// Grid and axes.
	for _, q := range []float64{0, 0.25, 0.5, 0.75, 0.9, 1} {
		class := "gridline"
		if q == 0 {
			class = "axis"
		}
		p.printf("<line class=\"%s\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>", class, svgNum(x0), svgNum(y(q)), svgNum(x1), svgNum(y(q)))
		if q != 0.9 || size.h >= 250 {
			p.printf("<text x=\"%s\" y=\"%s\" text-anchor=\"end\">%s%%</text>\n", svgNum(x0-5), svgNum(y(q)+4), strconv.Itoa(int(q*100)))
		}
	}
	for _, t := range svgLogTicks(math.Pow(10, sc.llo), math.Pow(10, sc.lhi), size.ticks) {
		x := sc.at(t)
		p.printf("<line class=\"gridline\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/><line class=\"axis\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>",
			svgNum(x), svgNum(y1), svgNum(x), svgNum(y0), svgNum(x), svgNum(y0), svgNum(x), svgNum(y0+4))
		p.printf("<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">%s</text>\n", svgNum(x), svgNum(y0+16), svgTickLabel(t))
	}
	p.printf("<line class=\"axis\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>\n", svgNum(x0), svgNum(y0), svgNum(x0), svgNum(y1))
	// Curves, the first on top, except that a dashed one (c1) goes over
	// everything so that a curve it hides shows through its gaps.
	fromStats := false
	order := make([]int, 0, len(shown))
	for i := len(shown) - 1; i >= 0; i-- {
		if i != 1 {
			order = append(order, i)
		}
	}
	if len(shown) > 1 {
		order = append(order, 1)
	}
	for _, i := range order {
		s := shown[i]
		pts := cdfPoints(s, sc, y)
		if s.hist() == nil {
			fromStats = true
		}
		p.printf("<polyline class=\"cdf c%d\" points=\"%s\"><title>%s</title></polyline>\n", i%3, pts, htmlEsc(s.name))
	}
	// p50 and p99 of the first series.
	if size.marks {
		s := shown[0].s
		for _, m := range []struct {
			name string
			q, v float64
		}{{"p50", 0.5, s.P50MS}, {"p99", 0.99, s.P99MS}} {
			x, yy := sc.at(m.v*1e6), y(m.q)
			label := m.name + " " + humanMS(m.v)
			width := float64(len([]rune(label))) * 6.5
			// The p50 reads left of its point, above the curve; the
			// p99 right of and below it, under the curve; each moves to
			// the other side when it would leave the plot.
			anchor, tx, ty := "end", x-6, yy+4
			if m.q > 0.9 {
				anchor, tx, ty = "start", x+6, yy+14
				if tx+width > x1 {
					anchor, tx, ty = "end", x-6, yy-5
				}
			} else if tx-width < x0 {
				anchor, tx = "start", x+6
			}
			p.printf("<circle class=\"dot\" cx=\"%s\" cy=\"%s\" r=\"3\"/><text class=\"lbl\" x=\"%s\" y=\"%s\" text-anchor=\"%s\">%s</text>\n",
				svgNum(x), svgNum(yy), svgNum(tx), svgNum(ty), anchor, label)
		}
	}
	// Legend, bottom right (below every CDF curve).
	if len(shown) > 1 {
		for i, s := range shown {
			ly := y0 - 12 - float64(len(shown)-1-i)*16
			lx := x1 - 120
			p.printf("<line class=\"cdf c%d\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/><text class=\"lbl\" x=\"%s\" y=\"%s\">%s</text>\n",
				i%3, svgNum(lx), svgNum(ly), svgNum(lx+24), svgNum(ly), svgNum(lx+30), svgNum(ly+4), htmlEsc(s.name))
		}
	}
	if fromStats {
		caption += " Drawn from the percentiles (the result kept no histogram)."
	}
	p.svgClose(caption)
}

// cdfPoints is the polyline of a series' cumulative distribution: from its
// histogram's buckets (one point per unit of x at most), else through its
// percentiles.
func cdfPoints(s cdfSeries, sc svgLogScale, y func(float64) float64) string {
	type pt struct{ x, y float64 }
	var pts []pt
	add := func(x, yy float64) {
		if n := len(pts); n > 0 && x-pts[n-1].x < 1 && pts[n-1].y != y(0) {
			pts[n-1].y = yy // same column: keep the last share
			return
		}
		pts = append(pts, pt{x, yy})
	}
	pts = append(pts, pt{sc.x0, y(0)})
	if h := s.hist(); h != nil {
		bs := h.Buckets()
		n := float64(h.Count())
		add(sc.at(float64(bs[0].Low)), y(0))
		var cum int64
		for _, b := range bs {
			cum += b.Count
			add(sc.at(float64(b.High)), y(float64(cum)/n))
		}
	} else {
		st := s.s
		for _, q := range []struct{ v, q float64 }{{st.MinMS, 0}, {st.P50MS, 0.5}, {st.P90MS, 0.9},
			{st.P95MS, 0.95}, {st.P99MS, 0.99}, {st.P999MS, 0.999}, {st.MaxMS, 1}} {
			add(sc.at(q.v*1e6), y(q.q))
		}
	}
	pts = append(pts, pt{sc.x1, y(1)})
	var b strings.Builder
	for i, q := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(svgNum(q.x) + "," + svgNum(q.y))
	}
	return b.String()
}

// stepCharts draws the distribution of every exchange and message.
func (p *htmlPage) stepCharts() {
	r := p.r
	if len(r.Exchanges) > 0 {
		p.print("<h3>Exchange durations</h3>\n<p class=\"note\">Share of runs in which the exchange ended within a time (log scale), with its p50 and p99.</p>\n<div class=\"grid\">\n")
		for i, e := range r.Exchanges {
			if e.Duration.Count == 0 {
				continue
			}
			label := exchangeLabel(e) + " " + p.names[e.Request]
			d := e.Duration
			p.cdfFigure(svgChartSmall, "Cumulative distribution of exchange "+label,
				"<b>"+htmlEsc(label)+"</b>: "+count(d.Count)+" runs, p50 "+humanMS(d.P50MS)+", p99 "+humanMS(d.P99MS)+
					", max "+humanMS(d.MaxMS)+"; "+percent(ratio(e.Failed, d.Count))+" failed.",
				[]cdfSeries{{name: exchangeLabel(e), h: histAt(p.hist.Exchanges, i), s: d}})
		}
		p.print("</div>\n")
	}
	if len(r.Messages) > 0 {
		p.print("<h3>Message latencies</h3>\n<p class=\"note\">Share of attempts delivered within a time (log scale), with the p50 and p99.</p>\n<div class=\"grid\">\n")
		for i, m := range r.Messages {
			if m.Latency.Count == 0 {
				continue
			}
			label := "#" + strconv.Itoa(m.N) + " " + m.Selector
			l := m.Latency
			f := m.Faults
			p.cdfFigure(svgChartSmall, "Cumulative distribution of message "+label,
				"<b>"+htmlEsc(label)+"</b>: "+count(l.Count)+" sent, p50 "+humanMS(l.P50MS)+", p99 "+humanMS(l.P99MS)+
					", max "+humanMS(l.MaxMS)+"; "+percent(ratio(f.Error+f.Timeout+f.Drop, l.Count))+" failed.",
				[]cdfSeries{{name: "#" + strconv.Itoa(m.N), h: histAt(p.hist.Messages, i), s: l}})
		}
		p.print("</div>\n")
	}
}

func histAt(hs []*Histogram, i int) *Histogram {
	if i < len(hs) {
		return hs[i]
	}
	return nil
}

// step is one bar of a waterfall.
type waterfallStep struct {
	m     MessageStats
	actor bool
}

// medianSteps are the messages a median run waits for on its main
// timeline, in diagram order: those sent in at least half the runs, less
// async messages (nobody waits for them) and, when the model is known,
// the messages of async forks and compensations.
func (p *htmlPage) medianSteps() []waterfallStep {
	var ss []waterfallStep
	for _, m := range p.r.Messages {
		if m.Latency.Count == 0 || m.Latency.Count*2 < p.r.Runs {
			continue
		}
		if p.model != nil {
			mi := p.model.Message(m.N)
			if mi == nil || mi.Fork != 0 || mi.Role == flow.RoleAsync {
				continue
			}
		} else if strings.Contains(selectorHead(m.Selector), "-)") {
			continue // an async message: its sender does not wait
		}
		ss = append(ss, waterfallStep{m: m, actor: p.actor[m.N]})
	}
	return ss
}

// waterfalls draws a median run: every step's median latency laid end to
// end. When actors send some of the steps (human time), a second
// waterfall leaves them out, to compare with system_time.
func (p *htmlPage) waterfalls() {
	steps := p.medianSteps()
	if len(steps) == 0 {
		return
	}
	p.print("<section id=\"median-run\">\n<h2>A median run</h2>\n")
	p.print("<p class=\"note\">Each bar is a step's median latency, laid end to end in diagram order: the messages of the main timeline that were sent in at least half the runs. This is an approximation: a sum of medians is not the median of the sum, so the last bar need not end at the measured median (the dashed line); retries, loops, async forks and compensations are not drawn.</p>\n")
	human := false
	for _, s := range steps {
		human = human || s.actor
	}
	p.waterfall(steps, "end_to_end p50", p.r.EndToEnd.P50MS, human)
	if human {
		var sys []waterfallStep
		for _, s := range steps {
			if !s.actor {
				sys = append(sys, s)
			}
		}
		if len(sys) > 0 {
			p.waterfall(sys, "system_time p50", p.r.SystemTime.P50MS, false)
		}
	}
	p.print("</section>\n")
}

func (p *htmlPage) waterfall(steps []waterfallStep, markName string, markMS float64, human bool) {
	const (
		w, labelW, rightW = 980.0, 330.0, 70.0
		rowH, top, axisH  = 22.0, 26.0, 26.0
	)
	total := 0.0
	for _, s := range steps {
		total += s.m.Latency.P50MS
	}
	span := max(total, markMS)
	if span <= 0 {
		return
	}
	x0, x1 := labelW, w-rightW
	x := func(msv float64) float64 { return x0 + msv/span*(x1-x0) }
	h := top + float64(len(steps))*rowH + axisH + 8
	yAxis := top + float64(len(steps))*rowH + 4

	title := "Waterfall of a median run"
	caption := "<b>A median run</b>: the steps' medians add up to " + humanMS(total) + "; the measured " +
		htmlEsc(markName) + " is " + humanMS(markMS) + "."
	if human {
		caption += " Grey bars are messages sent by an actor (human time)."
	} else if markName == "system_time p50" {
		title = "Waterfall of a median run without human time"
		caption = "<b>Without human time</b>: the same run without the messages sent by actors; the medians add up to " +
			humanMS(total) + "; the measured " + htmlEsc(markName) + " is " + humanMS(markMS) + "."
	}
	p.svgOpen(w, h, title)
	// Linear ticks: the smallest clock step that gives at most 6 intervals.
	stepNS := span * 1e6
	for _, t := range svgTimeTicks {
		if span*1e6/t.ns <= 6 {
			stepNS = t.ns
			break
		}
	}
	for v := 0.0; v <= span*1e6*(1+1e-9); v += stepNS {
		xx := x(v / 1e6)
		p.printf("<line class=\"gridline\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/><text x=\"%s\" y=\"%s\" text-anchor=\"middle\">%s</text>\n",
			svgNum(xx), svgNum(top), svgNum(xx), svgNum(yAxis), svgNum(xx), svgNum(yAxis+16), svgTickLabel(v))
	}
	p.printf("<line class=\"axis\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>\n", svgNum(x0), svgNum(yAxis), svgNum(x1), svgNum(yAxis))
	start := 0.0
	for i, s := range steps {
		m := s.m
		yy := top + float64(i)*rowH
		label := "#" + strconv.Itoa(m.N) + " " + m.Selector
		if r := []rune(label); len(r) > 52 {
			label = string(r[:51]) + "…"
		}
		class := "bar"
		if s.actor {
			class += " actor"
		}
		bx, bw := x(start), max(x(start+m.Latency.P50MS)-x(start), 1)
		p.printf("<g><title>%s: p50 %s, from %s to %s</title><text class=\"lbl\" x=\"%s\" y=\"%s\">%s</text>",
			htmlEsc("#"+strconv.Itoa(m.N)+" "+m.Selector), humanMS(m.Latency.P50MS), humanMS(start), humanMS(start+m.Latency.P50MS),
			svgNum(4), svgNum(yy+15), htmlEsc(label))
		p.printf("<rect class=\"%s\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"2\"/>", class, svgNum(bx), svgNum(yy+4), svgNum(bw), svgNum(rowH-8))
		p.printf("<text x=\"%s\" y=\"%s\">%s</text></g>\n", svgNum(bx+bw+5), svgNum(yy+15), humanMS(m.Latency.P50MS))
		start += m.Latency.P50MS
	}
	if markMS > 0 {
		mx := x(markMS)
		anchor, tx := "end", mx+4
		if mx-x0 < 200 {
			anchor, tx = "start", mx-4
		}
		p.printf("<line class=\"mark\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/><text class=\"mark-text\" x=\"%s\" y=\"%s\" text-anchor=\"%s\">%s %s</text>\n",
			svgNum(mx), svgNum(top-8), svgNum(mx), svgNum(yAxis), svgNum(tx), svgNum(top-12), anchor, htmlEsc(markName), humanMS(markMS))
	}
	p.svgClose(caption)
}

// cascadeTree draws the cascades as a tree read left to right: the root
// message, its faults with their runs, the exchanges each failed in turn,
// and the outcome.
func (p *htmlPage) cascadeTree() {
	cs := p.r.Cascades
	// Group by root message, in order of first appearance.
	var order []int
	groups := map[int][]Cascade{}
	maxChain := 0
	maxShare := 0.0
	for _, c := range cs {
		if _, ok := groups[c.Root.N]; !ok {
			order = append(order, c.Root.N)
		}
		groups[c.Root.N] = append(groups[c.Root.N], c)
		maxChain = max(maxChain, len(c.Chain))
		maxShare = max(maxShare, c.Share)
	}
	const (
		nodeW, nodeH, gap, rowH, pad = 180.0, 40.0, 26.0, 50.0, 6.0
	)
	cols := 3 + maxChain // message, fault, chain…, outcome
	w := pad*2 + float64(cols)*nodeW + float64(cols-1)*gap
	h := pad*2 + float64(len(cs))*rowH - (rowH - nodeH)
	colX := func(i int) float64 { return pad + float64(i)*(nodeW+gap) }
	rowY := func(i int) float64 { return pad + float64(i)*rowH }

	p.svgOpen(w, h, "Cascade tree: root causes, the exchanges they failed, and outcomes")
	row := 0
	for _, n := range order {
		g := groups[n]
		first, last := rowY(row), rowY(row+len(g)-1)
		my := (first + last) / 2
		p.node(colX(0), my, "node root", "#"+strconv.Itoa(n)+" "+selectorHead(p.names[n]), p.text(n), p.name(n), 0)
		for _, c := range g {
			y := rowY(row)
			// message → fault
			p.edge(colX(0)+nodeW, my+nodeH/2, colX(1), y+nodeH/2)
			fault, tip := c.Root.Fault, c.Root.Fault+" of "+p.name(n)
			if c.Fork != 0 {
				// the initiator does not see a fork's failure: say where it happened
				fault += " in fork #" + strconv.Itoa(c.Fork)
				if c.Fork != n {
					tip += ", in the fork started by " + p.name(c.Fork)
				}
			}
			p.node(colX(1), y, "node", fault, count(c.Runs)+" runs · "+percent(c.Share),
				tip+": "+count(c.Runs)+" runs, "+percent(c.Share), c.Share/maxShare)
			prev := colX(1) + nodeW
			for k, e := range c.Chain {
				p.edge(prev, y+nodeH/2, colX(2+k), y+nodeH/2)
				p.node(colX(2+k), y, "node", "#"+strconv.Itoa(e)+" failed", p.text(e), "exchange "+p.name(e)+" failed", 0)
				prev = colX(2+k) + nodeW
			}
			p.edge(prev, y+nodeH/2, colX(cols-1), y+nodeH/2)
			detail := ""
			switch {
			case c.Inconsistent > 0:
				detail = count(c.Inconsistent) + " inconsistent"
			case c.Compensated > 0 && c.Fork != 0:
				detail = "fork compensated " + count(c.Compensated)
			case c.Compensated > 0:
				detail = "compensated " + count(c.Compensated)
			case c.TimeToFailure.Count > 0 && c.Fork != 0:
				detail = "fork failed after " + humanMS(c.TimeToFailure.P50MS)
			case c.TimeToFailure.Count > 0:
				detail = "seen after " + humanMS(c.TimeToFailure.P50MS)
			}
			p.node(colX(cols-1), y, "node "+c.Outcome, c.Outcome, detail, c.Outcome+": "+p.cascadeTitle(c), 0)
			row++
		}
	}
	p.svgClose("<b>Cascade tree</b>: each root cause (left) with its runs and share, the exchanges it failed in turn, and the outcome; the red bar under a fault is its share relative to the most frequent.")
}

// cascadeTitle is a plain-text sentence for a node's tooltip. A failure
// in an async fork says which fork, and when the fork failed: the
// initiator does not see it.
func (p *htmlPage) cascadeTitle(c Cascade) string {
	s := count(c.Runs) + " runs"
	switch {
	case c.Fork != 0 && c.Fork == c.Root.N:
		s += ", the fork it starts does not run (the main timeline goes on)"
	case c.Fork != 0:
		s += " in the fork started by " + p.name(c.Fork) + " (the main timeline goes on)"
	}
	switch {
	case c.Compensated > 0 && c.Fork != 0:
		s += ", the fork's own steps compensated in " + count(c.Compensated)
	case c.Compensated > 0:
		s += ", compensated " + count(c.Compensated)
	}
	if c.Inconsistent > 0 {
		s += ", " + count(c.Inconsistent) + " inconsistent"
	}
	if ttf := c.TimeToFailure; ttf.Count > 0 {
		if c.Fork != 0 {
			s += ", the fork failed after " + humanMS(ttf.P50MS) + " (p50), " + humanMS(ttf.P99MS) + " (p99) from the run's start"
		} else {
			s += ", seen after " + humanMS(ttf.P50MS) + " (p50), " + humanMS(ttf.P99MS) + " (p99)"
		}
	}
	return s
}

// selectorHead is "From->>To" of a selector.
func selectorHead(sel string) string {
	if i := strings.Index(sel, ": "); i >= 0 {
		return sel[:i]
	}
	return sel
}

// node draws a box of two lines at (x, y) with a tooltip; bar > 0 draws a
// share bar along its bottom.
func (p *htmlPage) node(x, y float64, class, line1, line2, tip string, bar float64) {
	const nodeW, nodeH = 180.0, 40.0
	p.printf("<g><title>%s</title><rect class=\"%s\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"4\"/>",
		htmlEsc(tip), class, svgNum(x), svgNum(y), svgNum(nodeW), svgNum(nodeH))
	if bar > 0 {
		p.printf("<rect class=\"share\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"3\"/>", svgNum(x+1), svgNum(y+nodeH-4), svgNum(max(bar*(nodeW-2), 2)))
	}
	p.printf("<text class=\"lbl\" x=\"%s\" y=\"%s\">%s</text><text x=\"%s\" y=\"%s\">%s</text></g>\n",
		svgNum(x+8), svgNum(y+16), htmlEsc(svgClip(line1, 26)), svgNum(x+8), svgNum(y+31), htmlEsc(svgClip(line2, 28)))
}

// edge draws a connector from (x1, y1) to (x2, y2), with an elbow when
// they are not level.
func (p *htmlPage) edge(x1, y1, x2, y2 float64) {
	if y1 == y2 {
		p.printf("<path class=\"edge\" d=\"M%s %sH%s\"/>", svgNum(x1), svgNum(y1), svgNum(x2-4))
	} else {
		mx := (x1 + x2) / 2
		p.printf("<path class=\"edge\" d=\"M%s %sH%sV%sH%s\"/>", svgNum(x1), svgNum(y1), svgNum(mx), svgNum(y2), svgNum(x2-4))
	}
	p.printf("<path class=\"edge\" d=\"M%s %sL%s %sL%s %s\"/>\n", svgNum(x2-9), svgNum(y2-4), svgNum(x2-4), svgNum(y2), svgNum(x2-9), svgNum(y2+4))
}

// clip shortens s to n characters, with an ellipsis.
func svgClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
