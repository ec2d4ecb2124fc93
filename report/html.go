package report

import (
	"fmt"
	"html"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/choreo-dev/choreo/flow"
)

// WriteHTML writes r as one self-contained HTML5 page: the content of the
// text report (header, flow summary, outcomes, run-time percentiles,
// SLO verdicts, the per-exchange and per-message tables, cascades and
// the causes of slow traces as sentences, trace input and conformance,
// the annotated diagram) plus inline SVG charts: the cumulative
// distribution of end_to_end, completion and system_time and of every
// exchange and message (from Result.Histograms, else from the
// percentiles), a waterfall of a median run along the main timeline,
// and the cascade tree.
//
// The page makes no external request: one inline style sheet with the
// system fonts, no script, no image, font or link to fetch; it reads the
// same without JavaScript and prints. The output is a function of r only.
func WriteHTML(w io.Writer, r *Result) error {
	p := newHTMLPage(r)
	p.page()
	_, err := io.WriteString(w, p.b.String())
	return err
}

// htmlPage builds the page in memory.
type htmlPage struct {
	r     *Result
	b     strings.Builder
	names map[int]string // selector by message number
	model *flow.Graph    // nil without Result.Model
	actor map[int]bool   // messages sent by an actor (human time)
	ids   int            // figures so far, for unique ids
	hist  *Histograms    // never nil
}

func newHTMLPage(r *Result) *htmlPage {
	p := &htmlPage{r: r, names: map[int]string{}, actor: map[int]bool{}, hist: r.Histograms}
	if p.hist == nil {
		p.hist = &Histograms{}
	}
	for _, m := range r.Messages {
		p.names[m.N] = m.Selector
	}
	if r.Model != nil {
		// Build the graph on a copy: Build fills ReplyTo, and the
		// result's model is not ours to change.
		d := *r.Model
		d.Statements = cloneStatements(d.Statements)
		p.model = flow.Build(&d)
		for _, mi := range p.model.Messages {
			if pt := r.Model.Participant(mi.Message.From); pt != nil && pt.Kind == flow.KindActor {
				p.actor[mi.Message.N] = true
			}
		}
	}
	return p
}

func (p *htmlPage) printf(format string, args ...any) { fmt.Fprintf(&p.b, format, args...) }
func (p *htmlPage) print(s ...string) {
	for _, x := range s {
		p.b.WriteString(x)
	}
}

// htmlEsc escapes text for HTML. It also breaks up, in any case, the few
// strings that could read as a fetch to a careless scanner (a URL scheme's
// "://", "url(", "src=", "@import") with a character reference: the page
// shows the same text, and nothing in a diagram, a selector or a trace
// puts a URL in the output.
func htmlEsc(s string) string {
	return htmlRisky.ReplaceAllStringFunc(html.EscapeString(s), func(m string) string {
		switch {
		case m == "://":
			return "&#58;//"
		case m[0] == '@':
			return "&#64;" + m[1:]
		case m[3] == '(':
			return m[:3] + "&#40;"
		}
		return m[:3] + "&#61;" // src=
	})
}

var htmlRisky = regexp.MustCompile(`(?i)://|url\(|src=|@import`)

// name is "#N selector", or "#N" when the result does not name message N.
func (p *htmlPage) name(n int) string {
	if s, ok := p.names[n]; ok {
		return "#" + strconv.Itoa(n) + " " + s
	}
	return "#" + strconv.Itoa(n)
}

// text is the text of message n (the selector after "From->>To: ").
func (p *htmlPage) text(n int) string {
	s := p.names[n]
	if i := strings.Index(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

func (p *htmlPage) page() {
	r := p.r
	title := r.Diagram
	if title == "" {
		title = "(diagram)"
	}
	kind := "simulation"
	if r.Source == "trace" {
		kind = "trace check"
	}
	p.print("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
		"<meta name=\"generator\" content=\"choreo\">\n")
	p.printf("<title>%s — choreo %s</title>\n<style>\n%s</style>\n</head>\n<body>\n", htmlEsc(title), kind, htmlCSS)
	p.header(title)
	p.print("<main>\n")
	p.summary()
	p.slo()
	p.runTime()
	p.waterfalls()
	p.steps()
	p.cascades()
	p.slowCauses()
	p.input()
	p.conformance()
	p.unobserved()
	p.diagram()
	p.print("</main>\n<footer>Written by choreo. One file: no script, no external resource.</footer>\n</body>\n</html>\n")
}

func (p *htmlPage) header(title string) {
	r := p.r
	p.printf("<header>\n<h1>%s</h1>\n", htmlEsc(title))
	what := "Simulation of " + count(r.Runs) + " runs, seed " + strconv.FormatUint(r.Seed, 10)
	if r.Source == "trace" {
		what = "Trace check of " + count(r.Runs) + " traces"
	}
	parts := []string{what}
	if r.Profile != "" {
		parts = append(parts, "profile <code>"+htmlEsc(r.Profile)+"</code>")
	}
	if r.Scenario != "" {
		parts = append(parts, "scenario <code>"+htmlEsc(r.Scenario)+"</code>")
	}
	if r.Shard != "" {
		parts = append(parts, "shard "+htmlEsc(r.Shard))
	}
	if r.RealTime != nil {
		parts = append(parts, htmlEsc(r.RealTime.String()))
	}
	parts = append(parts, "took "+humanMS(float64(r.ElapsedMS)))
	p.printf("<p class=\"meta\">%s</p>\n", strings.Join(parts, " · "))
	if r.Partial {
		p.printf("<p class=\"warn\"><strong>Partial:</strong> %s.</p>\n", htmlEsc(partialWhy(r)))
	}
	p.print("</header>\n")
}

// summary is the flow paragraph and the outcomes.
func (p *htmlPage) summary() {
	r := p.r
	p.print("<section id=\"summary\">\n<h2>Summary</h2>\n")
	p.printf("<p>%s</p>\n", p.flowParagraph())
	o := r.Outcomes
	if total := o.Total(); total > 0 {
		p.print("<div class=\"outcomes\" role=\"img\" aria-label=\"Outcomes: ")
		var parts []string
		for _, x := range htmlOutcomes(o) {
			parts = append(parts, x.name+" "+percent(ratio(x.n, total)))
		}
		p.print(strings.Join(parts, ", "), "\">")
		for _, x := range htmlOutcomes(o) {
			if x.n > 0 {
				p.printf("<span class=\"o-%s\" style=\"width:%s%%\"></span>", x.name,
					strconv.FormatFloat(100*ratio(x.n, total), 'f', 3, 64))
			}
		}
		p.print("</div>\n<table class=\"narrow\">\n<thead><tr><th scope=\"col\">outcome</th><th scope=\"col\" class=\"num\">runs</th><th scope=\"col\" class=\"num\">share</th></tr></thead>\n<tbody>\n")
		for _, x := range htmlOutcomes(o) {
			p.printf("<tr><th scope=\"row\"><span class=\"key o-%s\"></span>%s</th><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
				x.name, x.name, count(x.n), percent(ratio(x.n, total)))
		}
		p.print("</tbody>\n</table>\n")
	}
	p.print("</section>\n")
}

type htmlOutcome struct {
	name string
	n    int64
}

func htmlOutcomes(o Outcomes) []htmlOutcome {
	return []htmlOutcome{{OK, o.OK}, {Handled, o.Handled}, {Failed, o.Failed}, {Inconsistent, o.Inconsistent}}
}

// flowParagraph says in a few sentences what ran and how it went.
func (p *htmlPage) flowParagraph() string {
	r := p.r
	var s []string
	diagram := "<code>" + htmlEsc(r.Diagram) + "</code>"
	if r.Diagram == "" {
		diagram = "the diagram"
	}
	if d := r.Model; d != nil {
		var who []string
		for _, pt := range d.Participants {
			l := htmlEsc(pt.Label)
			if pt.Kind == flow.KindActor {
				l += " (actor)"
			}
			who = append(who, l)
		}
		s = append(s, fmt.Sprintf("In %s, %s exchange %s in %s.", diagram, htmlAnd(who),
			htmlPlural(len(p.model.Messages), "message"), htmlPlural(len(p.model.Exchanges), "exchange")))
	}
	o := r.Outcomes
	if total := o.Total(); total > 0 {
		runs := count(total) + " runs"
		if r.Source == "trace" {
			runs = count(total) + " traces"
		}
		var parts []string
		for _, x := range htmlOutcomes(o) {
			if x.n > 0 {
				parts = append(parts, percent(ratio(x.n, total))+" "+x.name)
			}
		}
		s = append(s, "Of "+runs+", "+htmlAnd(parts)+".")
	}
	if e := r.EndToEnd; e.Count > 0 {
		line := "The median run took " + humanMS(e.P50MS) + " end to end"
		if st := r.SystemTime; st.Count > 0 && st.P50MS != e.P50MS {
			line += " (" + humanMS(st.P50MS) + " of system time, human time left out)"
		}
		line += "; 99% ended within " + humanMS(e.P99MS) + "."
		s = append(s, line)
	}
	if top, ok := p.topStep(); ok {
		s = append(s, "The step that weighs most on the critical path is "+htmlEsc(p.name(top.Request))+
			" ("+percent(top.CriticalPathShare)+" of the end-to-end time).")
	}
	if len(r.Cascades) > 0 {
		c := r.Cascades[0]
		where := ""
		if c.Fork != 0 && c.Fork != c.Root.N {
			where = " in the fork started by " + htmlEsc(p.name(c.Fork))
		}
		s = append(s, "The most frequent root cause of failure is "+htmlEsc(p.name(c.Root.N))+" "+htmlEsc(c.Root.Fault)+
			where+", in "+percent(c.Share)+" of runs.")
	}
	if len(s) == 0 {
		return "No runs."
	}
	return strings.Join(s, " ")
}

// topStep is the exchange with the largest critical-path share below
// the initiator's own exchange (see initiatorExchange): that one holds
// the whole flow and is not a step of it.
func (p *htmlPage) topStep() (ExchangeStats, bool) {
	var best ExchangeStats
	found := false
	for _, e := range p.r.Exchanges {
		if initiatorExchange(e, p.r.Exchanges) {
			continue
		}
		if e.CriticalPathShare > 0 && (!found || e.CriticalPathShare > best.CriticalPathShare) {
			best, found = e, true
		}
	}
	return best, found
}

// initiatorExchange is true when e is the flow's outermost exchange: its
// request is the first of all exchanges' (messages are numbered in
// document order) and another exchange starts before its last reply.
func initiatorExchange(e ExchangeStats, all []ExchangeStats) bool {
	if e.Reply == 0 {
		return false
	}
	end := slices.Max(append([]int{e.Reply}, e.Replies...))
	inside := false
	for _, f := range all {
		if f.Request < e.Request {
			return false
		}
		inside = inside || f.Request > e.Request && f.Request < end
	}
	return inside
}

func htmlAnd(ss []string) string {
	switch len(ss) {
	case 0:
		return ""
	case 1:
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}

func htmlPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func (p *htmlPage) slo() {
	if len(p.r.SLO) == 0 {
		return
	}
	p.print("<section id=\"slo\">\n<h2>SLO</h2>\n<table class=\"narrow\">\n<thead><tr><th scope=\"col\">verdict</th><th scope=\"col\">target</th><th scope=\"col\" class=\"num\">observed</th></tr></thead>\n<tbody>\n")
	for _, v := range p.r.SLO {
		mark := "<span class=\"pass\">✓ held</span>"
		if !v.OK {
			mark = "<span class=\"fail\">✗ breached</span>"
		}
		p.printf("<tr><td>%s</td><th scope=\"row\"><code>%s</code></th><td class=\"num\">%s</td></tr>\n", mark, htmlEsc(v.Target), sloObserved(v))
	}
	p.print("</tbody>\n</table>\n</section>\n")
}

var htmlStatHeads = []string{"mean", "p50", "p90", "p95", "p99", "p99.9", "max"}

func htmlStatCells(s Stats) string {
	if s.Count == 0 {
		return strings.Repeat("<td class=\"num\">–</td>", len(htmlStatHeads))
	}
	var b strings.Builder
	for _, v := range []float64{s.MeanMS, s.P50MS, s.P90MS, s.P95MS, s.P99MS, s.P999MS, s.MaxMS} {
		b.WriteString("<td class=\"num\">" + humanMS(v) + "</td>")
	}
	return b.String()
}

func htmlHead(cols ...string) string {
	var b strings.Builder
	b.WriteString("<thead><tr>")
	for _, c := range cols {
		class := ""
		if strings.HasPrefix(c, "#") {
			c, class = c[1:], " class=\"num\""
		}
		b.WriteString("<th scope=\"col\"" + class + ">" + c + "</th>")
	}
	b.WriteString("</tr></thead>\n")
	return b.String()
}

func htmlNumCols(cs ...string) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = "#" + c
	}
	return out
}

func (p *htmlPage) runTime() {
	r := p.r
	if r.EndToEnd.Count == 0 && r.Completion.Count == 0 && r.SystemTime.Count == 0 {
		return
	}
	p.print("<section id=\"run-time\">\n<h2>Run time</h2>\n")
	p.print("<p class=\"note\">end_to_end: until the main timeline ends (what the initiator waits for); completion: until the last message lands; system_time: end_to_end without the time of messages sent by actors. Failed runs count at the time they failed.</p>\n")
	p.print("<table>\n", htmlHead(append([]string{"", "#runs"}, htmlNumCols(htmlStatHeads...)...)...), "<tbody>\n")
	for _, x := range []struct {
		name string
		s    Stats
	}{{"end_to_end", r.EndToEnd}, {"completion", r.Completion}, {"system_time", r.SystemTime}} {
		p.printf("<tr><th scope=\"row\">%s</th><td class=\"num\">%s</td>%s</tr>\n", x.name, count(x.s.Count), htmlStatCells(x.s))
	}
	p.print("</tbody>\n</table>\n")
	h := p.hist
	p.cdfFigure(svgChartBig, "Cumulative distribution of the run time",
		"Share of runs that ended within a time (log scale): end_to_end, completion and system_time.",
		[]cdfSeries{
			{name: "end_to_end", h: h.EndToEnd, s: r.EndToEnd},
			{name: "completion", h: h.Completion, s: r.Completion},
			{name: "system_time", h: h.SystemTime, s: r.SystemTime},
		})
	p.print("</section>\n")
}

func (p *htmlPage) steps() {
	r := p.r
	if len(r.Exchanges) == 0 && len(r.Messages) == 0 {
		return
	}
	p.print("<section id=\"steps\">\n<h2>Steps</h2>\n")
	if len(r.Exchanges) > 0 {
		p.print("<h3>Exchanges</h3>\n<p class=\"note\">A request and its reply: from the request's send to the reply's arrival, over the runs in which it ran; failed after its retries; its share of the end-to-end time on the critical path.</p>\n")
		p.print("<div class=\"scroll\"><table class=\"wide\">\n", htmlHead(append([]string{"exchange", "request", "#runs"},
			htmlNumCols(append(htmlStatHeads, "failed", "fail%", "crit.path")...)...)...), "<tbody>\n")
		for _, e := range r.Exchanges {
			p.printf("<tr><th scope=\"row\">%s</th><td class=\"sel\"><code>%s</code></td><td class=\"num\">%s</td>%s<td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
				exchangeLabel(e), htmlEsc(p.names[e.Request]), count(e.Duration.Count), htmlStatCells(e.Duration),
				count(e.Failed), percent(ratio(e.Failed, e.Duration.Count)), percent(e.CriticalPathShare))
		}
		p.print("</tbody>\n</table></div>\n")
	}
	if len(r.Messages) > 0 {
		var drop, delay bool
		for _, m := range r.Messages {
			drop = drop || m.Faults.Drop > 0
			delay = delay || m.Faults.Delay > 0
		}
		cols := append([]string{"message", "selector", "#sent"}, htmlNumCols(htmlStatHeads...)...)
		cols = append(cols, "#error", "#timeout")
		if drop {
			cols = append(cols, "#drop")
		}
		if delay {
			cols = append(cols, "#delay")
		}
		cols = append(cols, "#fail%")
		p.print("<h3>Messages</h3>\n<p class=\"note\">Every attempt that was sent, retries included, and the faults seen.</p>\n")
		p.print("<div class=\"scroll\"><table class=\"wide\">\n", htmlHead(cols...), "<tbody>\n")
		for _, m := range r.Messages {
			f := m.Faults
			p.printf("<tr><th scope=\"row\">#%d</th><td class=\"sel\"><code>%s</code></td><td class=\"num\">%s</td>%s<td class=\"num\">%s</td><td class=\"num\">%s</td>",
				m.N, htmlEsc(m.Selector), count(m.Latency.Count), htmlStatCells(m.Latency), count(f.Error), count(f.Timeout))
			if drop {
				p.printf("<td class=\"num\">%s</td>", count(f.Drop))
			}
			if delay {
				p.printf("<td class=\"num\">%s</td>", count(f.Delay))
			}
			p.printf("<td class=\"num\">%s</td></tr>\n", percent(ratio(f.Error+f.Timeout+f.Drop, m.Latency.Count)))
		}
		p.print("</tbody>\n</table></div>\n")
	}
	p.stepCharts()
	p.print("</section>\n")
}

// cascadeSentence is the text report's line for a cascade, in HTML.
func (p *htmlPage) cascadeSentence(c Cascade) string {
	return cascadeLine(p.name, c, htmlEsc, func(text, what string) string {
		class := "o-text-inconsistent"
		if what == "outcome" {
			class = "o-text-" + htmlEsc(c.Outcome)
		}
		return "<strong class=\"" + class + "\">" + text + "</strong>"
	})
}

func (p *htmlPage) cascades() {
	if len(p.r.Cascades) == 0 {
		return
	}
	p.print("<section id=\"cascades\">\n<h2>Cascades</h2>\n<p class=\"note\">Failed runs grouped by root cause: the message and fault where the failure started, the exchanges it failed in turn (innermost first) and what became of the run.</p>\n<ul class=\"sentences\">\n")
	for _, c := range p.r.Cascades {
		p.printf("<li>%s</li>\n", p.cascadeSentence(c))
	}
	p.print("</ul>\n")
	p.cascadeTree()
	p.print("</section>\n")
}

// htmlMaxListed bounds the problems and examples the page lists; the JSON has
// them all.
const htmlMaxListed = 10

func (p *htmlPage) input() {
	in := p.r.Input
	if in == nil {
		return
	}
	files := "files"
	if in.Files == 1 {
		files = "file"
	}
	p.printf("<section id=\"input\">\n<h2>Input</h2>\n<p>%d %s, %s traces, %s spans, %s malformed.</p>\n",
		in.Files, files, count(in.Traces), count(in.Spans), count(in.Malformed))
	if len(in.Problems) > 0 {
		p.print("<table>\n", htmlHead("file", "trace", "span", "problem"), "<tbody>\n")
		for i, pr := range in.Problems {
			if i == htmlMaxListed {
				break
			}
			p.printf("<tr><td><code>%s</code></td><td><code>%s</code></td><td><code>%s</code></td><td>%s</td></tr>\n",
				htmlEsc(pr.File), htmlEsc(pr.TraceID), htmlEsc(pr.SpanID), htmlEsc(pr.Reason))
		}
		p.print("</tbody>\n</table>\n")
		if len(in.Problems) > htmlMaxListed {
			p.printf("<p class=\"note\">… %s more problems in the JSON output.</p>\n", count(int64(len(in.Problems)-htmlMaxListed)))
		}
	}
	p.print("</section>\n")
}

func (p *htmlPage) conformance() {
	c := p.r.Conformance
	if c == nil {
		return
	}
	p.printf("<section id=\"conformance\">\n<h2>Conformance</h2>\n<p>%s of %s traces conform (%s); fitness %s.</p>\n",
		count(c.Conforming), count(c.Traces), percent(ratio(c.Conforming, c.Traces)), strconv.FormatFloat(c.Fitness, 'f', 3, 64))
	if len(c.Deviations) > 0 {
		p.print("<table>\n", htmlHead("kind", "deviation", "#traces", "#share", "examples"), "<tbody>\n")
		for _, d := range c.Deviations {
			ex := make([]string, 0, 3)
			for _, e := range d.Examples[:min(len(d.Examples), 3)] {
				ex = append(ex, "<code>"+htmlEsc(e)+"</code>")
			}
			p.printf("<tr><th scope=\"row\">%s</th><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td>%s</td></tr>\n",
				htmlEsc(d.Kind), htmlEsc(d.Message), count(d.Traces), percent(ratio(d.Traces, c.Traces)), strings.Join(ex, ", "))
		}
		p.print("</tbody>\n</table>\n")
	}
	p.unmapped(c)
	p.print("</section>\n")
}

// diagram shows the diagram's Mermaid text annotated as the mermaid
// format writes it (a note with each step's p50, p99 and failure rate),
// else the source as it is: text to paste into a Mermaid editor, with no
// Mermaid script on the page.
func (p *htmlPage) diagram() {
	s, annotated := annotatedMermaid(p.r)
	if !annotated {
		s = p.r.DiagramSource
	}
	if strings.TrimSpace(s) == "" {
		return
	}
	p.print("<section id=\"diagram\">\n<h2>Diagram</h2>\n")
	if annotated {
		p.print("<p class=\"note\">The diagram as measured: each step carries a note with its p50 and p99 and, when it fails, its failure rate (the <code>mermaid</code> format writes the same text).</p>\n")
	}
	p.printf("<pre class=\"diagram\">%s</pre>\n</section>\n", htmlEsc(strings.TrimSuffix(s, "\n")))
}

const htmlCSS = `:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --s0: #1f6feb; --s1: #bf8700; --s2: #1a7f37; --ok: #1a7f37; --handled: #bf8700; --failed: #cf222e; --inconsistent: #8250df; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif; }
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; font-size: 13px; }
.meta, .note, figcaption, footer { color: var(--muted); }
.note { margin: 4px 0 10px; font-size: 14px; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; border-radius: 6px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; font-size: 14px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; white-space: nowrap; }
thead th { background: var(--soft); font-weight: 600; }
tbody th { font-weight: 600; }
.num { text-align: right; }
.scroll { overflow-x: auto; }
table.wide { font-size: 13px; }
table.wide th, table.wide td { padding: 3px 7px; }
table.wide td.sel { white-space: normal; min-width: 200px; }
.pass { color: var(--ok); font-weight: 600; }
.fail { color: var(--failed); font-weight: 600; }
.outcomes { display: flex; height: 14px; max-width: 640px; border-radius: 3px; overflow: hidden; background: var(--soft); margin: 10px 0 4px; }
.key { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.o-ok { background: var(--ok); } .o-handled { background: var(--handled); }
.o-failed { background: var(--failed); } .o-inconsistent { background: var(--inconsistent); }
.o-text-ok { color: var(--ok); } .o-text-handled { color: var(--handled); }
.o-text-failed { color: var(--failed); } .o-text-inconsistent { color: var(--inconsistent); }
ul.sentences li { margin: 3px 0; }
figure { margin: 12px 0 20px; }
figcaption { font-size: 13px; margin-top: 2px; }
figcaption b { color: var(--fg); font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 8px 20px; }
.grid figure { margin: 6px 0; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: inherit; font-size: 12px; fill: var(--muted); }
svg .lbl { fill: var(--fg); }
svg .gridline { stroke: #eaeef2; stroke-width: 1; }
svg .axis { stroke: #8c959f; stroke-width: 1; }
svg .cdf { fill: none; stroke-width: 2; stroke-linejoin: round; }
svg .c0 { stroke: var(--s0); } svg .c1 { stroke: var(--s1); stroke-dasharray: 6 3; } svg .c2 { stroke: var(--s2); }
svg .dot { fill: var(--s0); }
svg .bar { fill: var(--s0); } svg .bar.actor { fill: #8c959f; }
svg .mark { stroke: var(--failed); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .mark-text { fill: var(--failed); }
svg .node { fill: #fff; stroke: #8c959f; stroke-width: 1; }
svg .node.root { fill: var(--soft); }
svg .node.failed { stroke: var(--failed); stroke-width: 2; }
svg .node.handled { stroke: var(--handled); stroke-width: 2; }
svg .node.inconsistent { stroke: var(--inconsistent); stroke-width: 2; }
svg .node.ok { stroke: var(--ok); stroke-width: 2; }
svg .edge { fill: none; stroke: #8c959f; stroke-width: 1.2; }
svg .share { fill: var(--failed); opacity: .75; }
pre.diagram { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; line-height: 1.4; }
footer { font-size: 13px; padding-top: 24px; padding-bottom: 24px; }
@media print { .scroll { overflow: visible; } }
`

// unobserved lists the messages a trace check saw in no trace, and why.
func (p *htmlPage) unobserved() {
	var items []string
	for _, m := range p.r.Messages {
		if m.Unobserved != "" {
			items = append(items, "<li><code>"+htmlEsc(p.name(m.N))+"</code>: "+htmlEsc(m.Unobserved)+"</li>")
		}
	}
	if len(items) == 0 {
		return
	}
	p.print("<section id=\"unobserved\">\n<h2>Not seen in any trace</h2>\n<ul>\n", strings.Join(items, "\n"), "\n</ul>\n</section>\n")
}
