package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// TextOptions tune the text renderer.
type TextOptions struct {
	// Color adds ANSI colours: bold headings, a green ✓ and a red ✗,
	// red counts of failed and inconsistent runs, a yellow partial
	// warning. cmd/choreo sets it when stdout is a terminal and NO_COLOR
	// is unset; the text is otherwise the same.
	Color bool
}

// SGR colour codes. Every code is two digits so that cells of one column
// carry the same number of invisible bytes (see table.write).
const (
	sgrBold    = "01"
	sgrRed     = "31"
	sgrGreen   = "32"
	sgrYellow  = "33"
	sgrDefault = "39"
	sgrDim     = "02"
)

// WriteText writes r as aligned terminal tables: a header (diagram, runs,
// seed, partial), outcomes with shares, the run times (end_to_end,
// completion, system_time), per-message and per-exchange tables with
// failure rates, cascades as sentences, SLO verdicts with ✓ and ✗, and for
// trace checks the causes of slow traces, the input and conformance.
// Durations read like 850µs, 12.3ms, 1.42s, 2m03s; the last column of
// each latency table draws p50 … max as bars scaled to the max.
func WriteText(w io.Writer, r *Result, opt TextOptions) error {
	var buf bytes.Buffer
	if err := writeText(&buf, r, opt); err != nil {
		return err
	}
	_, err := io.WriteString(w, wrapText(buf.String()))
	return err
}

// writeText writes the text report, lines wider than TextWidth left to
// WriteText to wrap.
func writeText(w io.Writer, r *Result, opt TextOptions) error {
	p := &textPrinter{
		w:     w,
		color: opt.Color,
		names: map[int]string{},
	}
	for _, m := range r.Messages {
		p.names[m.N] = m.Selector
	}
	if r.Drill != nil {
		for _, c := range r.Drill.Cases {
			p.names[c.N] = c.Selector
		}
		p.header(r)
		p.drill(r)
		return p.err
	}
	p.header(r)
	p.outcomes(r)
	p.runTimes(r)
	p.messages(r)
	p.unobserved(r)
	p.exchanges(r)
	p.cascades(r)
	p.slowCauses(r)
	p.slo(r)
	p.input(r)
	p.conformance(r)
	return p.err
}

type textPrinter struct {
	w     io.Writer
	color bool
	names map[int]string // selector by message number
	err   error
	n     int // sections written
}

func (p *textPrinter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *textPrinter) paint(s, sgr string) string {
	if !p.color || sgr == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}

// section starts a section: a blank line after the previous one, then
// its heading, if any.
func (p *textPrinter) section(title string) {
	if p.n > 0 {
		p.printf("\n")
	}
	p.n++
	if title != "" {
		p.printf("%s\n", p.paint(title, sgrBold))
	}
}

// name is "#N selector", or "#N" when the result does not name message N.
func (p *textPrinter) name(n int) string {
	if s, ok := p.names[n]; ok {
		return "#" + strconv.Itoa(n) + " " + s
	}
	return "#" + strconv.Itoa(n)
}

// legend writes the one line under a table that says what its columns
// count.
func (p *textPrinter) legend(s string) {
	p.printf("  %s\n", p.paint("("+s+")", sgrDim))
}

// unit is what a result counts: "run", or "trace" for a trace check.
func unit(r *Result) string {
	if r.Source == "trace" {
		return "trace"
	}
	return "run"
}

// exchangesLegend says what the exchanges table counts: per run (or
// trace), times over the ones the exchange succeeded in.
func exchangesLegend(r *Result, split bool) string {
	if split {
		return "failed " + unit(r) + "s not timed; fail% = failed/" + unit(r) + "s; crit.path = % of end_to_end;" +
			" srv = server span, gap = client − srv"
	}
	return "times over the " + unit(r) + "s it succeeded in, not failed ones; fail% = failed / " + unit(r) +
		"s; crit.path = its % of end_to_end"
}

// cell is one table cell and its colour ("" for none).
type cell struct{ s, sgr string }

func cells(ss ...string) []cell {
	cs := make([]cell, len(ss))
	for i, s := range ss {
		cs[i] = cell{s: s}
	}
	return cs
}

// table is rows of aligned cells plus a free trailing text per row.
// Columns below left are left-aligned (padded here), the others
// right-aligned by tabwriter. When titled, the first row is the header
// and its first cell the section's title, flush left; the other rows are
// indented.
type table struct {
	left   int
	titled bool
	rows   [][]cell
	trail  []string
}

func (t *table) add(trail string, cs ...cell) {
	t.rows = append(t.rows, cs)
	t.trail = append(t.trail, trail)
}

// write prints the table. tabwriter counts the bytes of colour codes as
// width, so when colour is on every cell of a column that has a coloured
// cell is wrapped in a code of the same length (39, the default colour,
// for the plain ones): the column stays aligned.
func (t *table) write(p *textPrinter) {
	ncol := 0
	for _, r := range t.rows {
		ncol = max(ncol, len(r))
	}
	indent := func(k, i int) string {
		if i == 0 && (k > 0 || !t.titled) {
			return "  "
		}
		return ""
	}
	width := make([]int, ncol)
	colored := make([]bool, ncol)
	for k, r := range t.rows {
		for i, c := range r {
			width[i] = max(width[i], len(indent(k, i))+utf8.RuneCountInString(c.s))
			colored[i] = colored[i] || c.sgr != ""
		}
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.AlignRight)
	var b strings.Builder
	for k, r := range t.rows {
		b.Reset()
		for i, c := range r {
			pre, s := indent(k, i), c.s
			if colored[i] {
				sgr := c.sgr
				if sgr == "" {
					sgr = sgrDefault
				}
				s = p.paint(s, sgr)
			}
			if i < t.left {
				s += strings.Repeat(" ", width[i]-len(pre)-utf8.RuneCountInString(c.s))
			}
			b.WriteString(pre + s)
			b.WriteByte('\t')
		}
		b.WriteByte('\n')
		tw.Write([]byte(b.String())) // a bytes.Buffer does not fail
	}
	tw.Flush()
	// Right alignment pads every cell on its left, the first one too:
	// drop that padding so that the title is flush left.
	var lines []string
	widest := 0
	for line := range strings.Lines(buf.String()) {
		line = strings.TrimSuffix(strings.TrimPrefix(line, "  "), "\n")
		lines = append(lines, line)
		widest = max(widest, visibleWidth(line))
	}
	// A row's text follows its columns when it fits in TextWidth; when
	// it does not, it is elided if the columns leave room enough, and
	// goes on a line of its own otherwise.
	own := TextWidth-widest-2 < minTrail
	for k, line := range lines {
		trail, w := t.trail[k], visibleWidth(line)
		switch {
		case trail == "":
			p.printf("%s\n", line)
		case w+2+utf8.RuneCountInString(trail) <= TextWidth:
			p.printf("%s  %s\n", line, trail)
		case own:
			p.printf("%s\n    %s\n", line, trail)
		default:
			p.printf("%s  %s\n", line, elide(trail, TextWidth-w-2))
		}
	}
}

func (p *textPrinter) header(r *Result) {
	p.section("")
	diagram := r.Diagram
	if diagram == "" {
		diagram = "(diagram)"
	}
	what := "simulation, " + count(r.Runs) + " runs, seed " + strconv.FormatUint(r.Seed, 10)
	switch r.Source {
	case "trace":
		what = "trace check, " + count(r.Runs) + " traces"
	case "drill":
		what = "drill, " + count(r.Runs) + " runs, seed " + strconv.FormatUint(r.Seed, 10)
	}
	p.printf("%s: %s\n", p.paint(diagram, sgrBold), what)
	var extra []string
	if r.Profile != "" {
		extra = append(extra, "profile "+r.Profile)
	}
	if r.Scenario != "" {
		extra = append(extra, "scenario "+r.Scenario)
	}
	if r.RealTime != nil {
		extra = append(extra, r.RealTime.String())
	}
	extra = append(extra, "took "+humanMS(float64(r.ElapsedMS)))
	p.printf("%s\n", strings.Join(extra, ", "))
	if r.Partial {
		p.printf("%s\n", p.paint("partial: "+partialWhy(r), sgrYellow))
	}
}

func (p *textPrinter) outcomes(r *Result) {
	o := r.Outcomes
	total := o.Total()
	if total == 0 {
		return
	}
	p.section("")
	t := &table{left: 1, titled: true}
	t.add("", cell{s: "Outcomes", sgr: sgrBold}, cell{s: unit(r) + "s"}, cell{s: "share"})
	for _, x := range []struct {
		name string
		n    int64
		bad  bool
	}{{OK, o.OK, false}, {Handled, o.Handled, false}, {Failed, o.Failed, true}, {Inconsistent, o.Inconsistent, true}} {
		sgr := ""
		if x.bad && x.n > 0 {
			sgr = sgrRed
		}
		t.add("", cell{s: x.name, sgr: sgr}, cell{s: count(x.n)}, cell{s: percent(ratio(x.n, total))})
	}
	t.write(p)
	p.legend("handled: a drawn error, bound branch or break took the failure; failed: unhandled; inconsistent: rollback failed")
}

// statCells are the columns of a latency distribution: count, p50, p90,
// p95, p99, p99.9, max, or dashes when it is empty.
func statCells(s Stats) []cell {
	if s.Count == 0 {
		return cells("0", "-", "-", "-", "-", "-", "-", "-")
	}
	return cells(count(s.Count), humanMS(s.MeanMS), humanMS(s.P50MS), humanMS(s.P90MS),
		humanMS(s.P95MS), humanMS(s.P99MS), humanMS(s.P999MS), humanMS(s.MaxMS))
}

// quantileCells are a distribution's p50 and p95, or dashes when it is
// missing or empty.
func quantileCells(s *Stats) []cell {
	if s == nil || s.Count == 0 {
		return cells("-", "-")
	}
	return cells(humanMS(s.P50MS), humanMS(s.P95MS))
}

var statHeads = []string{"mean", "p50", "p90", "p95", "p99", "p99.9", "max"}

// stepHeads are the latency columns of the messages and exchanges
// tables: fewer than a run time's, so that a row and its step's text fit
// in TextWidth (the JSON, Markdown and HTML have them all).
var stepHeads = []string{"p50", "p95", "p99", "max"}

// stepCells are a step's count and stepHeads, or dashes when it is empty.
func stepCells(s Stats) []cell {
	if s.Count == 0 {
		return cells("0", "-", "-", "-", "-")
	}
	return cells(count(s.Count), humanMS(s.P50MS), humanMS(s.P95MS), humanMS(s.P99MS), humanMS(s.MaxMS))
}

func (p *textPrinter) runTimes(r *Result) {
	if r.EndToEnd.Count == 0 && r.Completion.Count == 0 && r.SystemTime.Count == 0 {
		return
	}
	p.section("")
	t := &table{left: 1, titled: true}
	t.add("p50…max", append([]cell{{s: "Run time", sgr: sgrBold}, {s: unit(r) + "s"}}, cells(statHeads...)...)...)
	for _, x := range []struct {
		name string
		s    Stats
	}{{"end_to_end", r.EndToEnd}, {"completion", r.Completion}, {"system_time", r.SystemTime}} {
		t.add(spark(x.s), append([]cell{{s: x.name}}, statCells(x.s)...)...)
	}
	t.write(p)
	p.legend("every " + unit(r) + " counted, failed ones until they failed; completion waits for async forks, system_time leaves out actors")
}

func (p *textPrinter) messages(r *Result) {
	if len(r.Messages) == 0 {
		return
	}
	var drop, delay bool
	for _, m := range r.Messages {
		drop = drop || m.Faults.Drop > 0
		delay = delay || m.Faults.Delay > 0
	}
	p.section("")
	heads := []cell{{s: "Messages", sgr: sgrBold}, {s: "sent"}}
	heads = append(heads, cells(stepHeads...)...)
	heads = append(heads, cells("p50…max", "error", "timeout")...)
	if drop {
		heads = append(heads, cell{s: "drop"})
	}
	if delay {
		heads = append(heads, cell{s: "delay"})
	}
	heads = append(heads, cell{s: "fail%"})
	t := &table{left: 1, titled: true}
	t.add("message", heads...)
	for _, m := range r.Messages {
		f := m.Faults
		row := append([]cell{{s: "#" + strconv.Itoa(m.N)}}, stepCells(m.Latency)...)
		row = append(row, cells(spark(m.Latency), count(f.Error), count(f.Timeout))...)
		if drop {
			row = append(row, cell{s: count(f.Drop)})
		}
		if delay {
			row = append(row, cell{s: count(f.Delay)})
		}
		row = append(row, cell{s: percent(ratio(f.Error+f.Timeout+f.Drop, m.Latency.Count))})
		t.add(m.Selector, row...)
	}
	t.write(p)
	p.legend("per attempt sent, retries included: latency and faults; fail% = (error + timeout + drop) / attempts sent")
}

func (p *textPrinter) exchanges(r *Result) {
	if len(r.Exchanges) == 0 {
		return
	}
	p.section("")
	heads := []cell{{s: "Exchanges", sgr: sgrBold}, {s: unit(r) + "s"}}
	heads = append(heads, cells(stepHeads...)...)
	heads = append(heads, cells("failed", "fail%", "crit.path")...)
	// Trace checks also measure the server span and the gap (client −
	// server): columns shown only when some exchange has them.
	split := false
	for _, e := range r.Exchanges {
		split = split || (e.Server != nil && e.Server.Count > 0)
	}
	if split {
		heads = append(heads, cells("srv p50", "srv p95", "gap p50", "gap p95")...)
	}
	t := &table{left: 1, titled: true}
	t.add("request", heads...)
	for _, e := range r.Exchanges {
		row := append([]cell{{s: exchangeLabel(e)}}, stepCells(e.Duration)...)
		row = append(row, cells(count(e.Failed),
			percent(ratio(e.Failed, e.Duration.Count+e.Failed)), percent(e.CriticalPathShare))...)
		if split {
			row = append(row, quantileCells(e.Server)...)
			row = append(row, quantileCells(e.Gap)...)
		}
		t.add(p.names[e.Request], row...)
	}
	t.write(p)
	p.legend(exchangesLegend(r, split))
}

// unobserved lists the messages a trace check saw in no trace, and why.
func (p *textPrinter) unobserved(r *Result) {
	first := true
	for _, m := range r.Messages {
		if m.Unobserved == "" {
			continue
		}
		if first {
			p.section("Not seen in any trace")
			first = false
		}
		p.printf("  #%d %s: %s\n", m.N, m.Selector, m.Unobserved)
	}
}

// cascades writes one sentence per root cause:
//
//	#2 App->>Billing: Provision subscription error in 2.0% of runs (2,000) → failed #2 → #1; compensated 1,980 runs
//	#9 Email->>CRM: Log receipt timeout in 1.0% of runs (100) → failed #9 in the fork started by #6 Shop-)Email: Send receipt; the main timeline goes on; …
func (p *textPrinter) cascades(r *Result) {
	if len(r.Cascades) == 0 {
		return
	}
	p.section("Cascades")
	for _, c := range r.Cascades {
		mark := func(text, what string) string {
			if what == "outcome" && c.Outcome != Failed && c.Outcome != Inconsistent {
				return p.paint(text, sgrYellow)
			}
			return p.paint(text, sgrRed)
		}
		p.printf("  %s\n", cascadeLine(p.name, c, func(s string) string { return s }, mark))
	}
}

func (p *textPrinter) slo(r *Result) {
	if len(r.SLO) == 0 {
		return
	}
	p.section("SLO")
	t := &table{left: 2}
	for _, v := range r.SLO {
		mark := cell{s: "✓", sgr: sgrGreen}
		if !v.OK {
			mark = cell{s: "✗", sgr: sgrRed}
		}
		t.add("", mark, cell{s: elide(v.Target, TextWidth-30)}, cell{s: sloObserved(v)})
	}
	t.write(p)
	p.legend("✓ held, ✗ breached; each target with the value observed")
}

// sloObserved is the observed value: a share for rate targets (their
// target reads as a percentage, "failed <= 1%"), else a duration.
func sloObserved(v SLOVerdict) string {
	if v.NoData {
		return "no data"
	}
	if v.Observed != 0 || strings.Contains(v.Target, "%") {
		return percent(v.Observed)
	}
	return humanMS(v.ObservedMS)
}

// maxProblems bounds the problems and examples the text lists; the JSON
// has them all.
const maxProblems = 10

func (p *textPrinter) input(r *Result) {
	in := r.Input
	if in == nil {
		return
	}
	p.section("")
	files := "files"
	if in.Files == 1 {
		files = "file"
	}
	p.printf("%s: %d %s, %s traces, %s spans, %s malformed\n", p.paint("Input", sgrBold),
		in.Files, files, count(in.Traces), count(in.Spans), count(in.Malformed))
	for i, pr := range in.Problems {
		if i == maxProblems {
			p.printf("  … %s more problems in the JSON output\n", count(int64(len(in.Problems)-maxProblems)))
			break
		}
		var where []string
		for _, s := range []string{pr.File, pr.TraceID, pr.SpanID} {
			if s != "" {
				where = append(where, s)
			}
		}
		p.printf("  %s: %s\n", strings.Join(where, " "), pr.Reason)
	}
}

func (p *textPrinter) conformance(r *Result) {
	c := r.Conformance
	if c == nil {
		return
	}
	p.section("")
	p.printf("%s: %s of %s traces conform (%s), fitness %s\n", p.paint("Conformance", sgrBold),
		count(c.Conforming), count(c.Traces), percent(ratio(c.Conforming, c.Traces)),
		strconv.FormatFloat(c.Fitness, 'f', 3, 64))
	if len(c.Deviations) > 0 {
		t := &table{left: 1}
		t.add("deviation", cell{s: "kind"}, cell{s: "traces"}, cell{s: "share"})
		for _, d := range c.Deviations {
			trail := d.Message
			if len(d.Examples) > 0 {
				ex := d.Examples[:min(len(d.Examples), 3)]
				trail += " (e.g. " + strings.Join(ex, ", ") + ")"
			}
			t.add(trail, cell{s: d.Kind}, cell{s: count(d.Traces)}, cell{s: percent(ratio(d.Traces, c.Traces))})
		}
		t.write(p)
		p.legend("share = traces with the deviation / traces checked")
	}
	p.unmapped(c)
}

// drill writes a drill's cases: one line per message and fault, then why
// each finding (and each case no run reached) is one, and a fix.
func (p *textPrinter) drill(r *Result) {
	d := r.Drill
	p.section("Drill: each fault at each message, " + count(d.RunsPerCase) + " runs per case")
	t := &table{}
	t.add("case", cells("fault", "reached", "ok", "handled", "failed", "incons.", "rolled back", "ttf p50", "ttf p95", "verdict")...)
	findings, unreached := 0, 0
	for _, c := range d.Cases {
		sgr := sgrGreen
		switch {
		case c.Finding():
			sgr = sgrRed
			findings++
		case c.Verdict == VerdictExpected, c.Verdict == VerdictNotReached:
			sgr = sgrYellow
		}
		if c.Verdict == VerdictNotReached {
			unreached++
		}
		ttf50, ttf95 := "-", "-"
		if c.TimeToFailure.Count > 0 {
			ttf50, ttf95 = humanMS(c.TimeToFailure.P50MS), humanMS(c.TimeToFailure.P95MS)
		}
		verdict := strings.ReplaceAll(c.Verdict, "_", " ")
		if c.Expected && c.Verdict != VerdictExpected {
			verdict += " (expected)"
		}
		if c.Root != nil && c.Outcomes.Failed+c.Outcomes.Inconsistent > 0 && c.Verdict != VerdictNotReached {
			// the runs failed elsewhere first: say where
			verdict += fmt.Sprintf(" (root #%d %s)", c.Root.N, c.Root.Fault)
		}
		row := cells(c.Fault, count(c.Reached)+"/"+count(c.Runs), count(c.Outcomes.OK), count(c.Outcomes.Handled), count(c.Outcomes.Failed),
			count(c.Outcomes.Inconsistent), count(c.Compensated), ttf50, ttf95)
		t.add(p.name(c.N), append(row, cell{s: verdict, sgr: sgr})...)
	}
	t.write(p)
	p.legend("per case: runs by outcome; rolled back = every compensation ran and succeeded; ttf = time to failure")
	for _, pr := range d.Pruned {
		p.printf("  pruned: %s %s (covered by the handler of #%d)\n", p.name(pr.N), pr.Fault, pr.CoveredBy)
	}
	for _, c := range d.Cases {
		if !c.Finding() && c.Verdict != VerdictNotReached {
			continue
		}
		p.printf("\n  #%d %s, %s: %s\n", c.N, c.Fault, strings.ReplaceAll(c.Verdict, "_", " "), c.Why)
		for _, v := range c.SLO {
			if v.Note != "" && !v.OK {
				p.printf("    (%s)\n", v.Note)
			}
		}
		if c.Fix != "" {
			p.printf("    fix: %s\n", c.Fix)
		}
	}
	notes := map[string]bool{}
	for _, c := range d.Cases {
		for _, v := range c.SLO {
			if v.Note != "" && v.OK && !notes[v.Target] {
				notes[v.Target] = true
				p.printf("\n  %s: %s", v.Target, v.Note)
			}
		}
	}
	if len(notes) > 0 {
		p.printf("\n")
	}
	for _, s := range d.NotJudged {
		p.printf("\n  not judged: %s", s)
	}
	if len(d.NotJudged) > 0 {
		p.printf("\n")
	}
	tail := ""
	if unreached > 0 {
		tail = fmt.Sprintf(", %d not reached (no run sent the message; not drilled)", unreached)
	}
	p.printf("\n  %s, %s (failed without an expect, inconsistent, or over a latency SLO)%s\n",
		mdPlural(int64(len(d.Cases)), "case", "cases"), mdPlural(int64(findings), "finding", "findings"), tail)
}
