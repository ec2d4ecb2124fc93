package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// SlowTraces says which traces of a trace check were slow, the traces
// whose root causes Result.Slow lists.
type SlowTraces struct {
	// By is "slo" when the traces slower than an end_to_end SLO target's
	// limit were slow (Target; with several end_to_end targets, the one
	// with the smallest limit), "p95" when no end_to_end target was set
	// and the traces slower than the checked traces' own p95 end_to_end
	// were. Only end_to_end targets select slow traces.
	By     string `json:"by"`
	Target string `json:"target,omitempty"`
	// LimitMS is the end_to_end above which a trace was slow.
	LimitMS float64 `json:"limit_ms"`
	// Traces counts the slow traces; Unexplained those of them in which
	// no exchange on the critical path took more than its typical own
	// time (their time went outside the diagram's exchanges: before the
	// first, between roots, or in a span that maps to no message and has
	// no mapped caller).
	Traces      int64 `json:"traces"`
	Unexplained int64 `json:"unexplained"`
	// Analysed, when set, is how many of the slow traces had their cause
	// looked for, fewer than Traces: a check keeps the slowest traces
	// only up to a bound, so past it the causes (and Unexplained, and the
	// shares) are those of the slowest Analysed. Zero: all of them.
	Analysed int64 `json:"analysed,omitempty"`
}

// analysed is how many slow traces the causes cover.
func (st *SlowTraces) analysed() int64 {
	if st.Analysed > 0 {
		return st.Analysed
	}
	return st.Traces
}

// analysedNote says, when the causes cover only the slowest of the slow
// traces, how many: "; causes from the slowest 16,384".
func analysedNote(st *SlowTraces) string {
	if st.Analysed == 0 {
		return ""
	}
	return "; causes from the slowest " + count(st.Analysed)
}

// CompareSlow orders slow causes as results list them: most traces
// first, then by exchange (request number), then by chain.
func CompareSlow(a, b *SlowCause) int {
	if a.Traces != b.Traces {
		if a.Traces > b.Traces {
			return -1
		}
		return 1
	}
	if a.N != b.N {
		return a.N - b.N
	}
	return slices.Compare(a.Chain, b.Chain)
}

// slowRule says which traces were slow: "over 300ms (SLO end_to_end p95
// <= 300ms)" or "over 1.20s (the traces' own p95 end_to_end)".
func slowRule(st *SlowTraces) string {
	s := "over " + humanMS(st.LimitMS)
	if st.By == "slo" {
		return s + " (SLO " + st.Target + ")"
	}
	return s + " (the traces' own p95 end_to_end)"
}

// slowLine is the one-line account of a slow cause that the text and
// HTML reports share: "#3 Cart->>DB: Query own time +500ms over its
// typical 10.0ms (p50; p95 +502ms) in 100% of slow traces (10) → slowed
// #3 → #2 → #1". name names a message by its number; esc escapes plain
// text for the output.
func slowLine(name func(n int) string, c SlowCause, esc func(string) string) string {
	var b strings.Builder
	b.WriteString(esc(name(c.N)) + " own time +" + humanMS(c.Excess.P50MS) + " over its typical " +
		humanMS(c.TypicalMS) + " (p50; p95 +" + humanMS(c.Excess.P95MS) + ") in " + percent(c.Share) +
		" of slow traces (" + count(c.Traces) + ") → slowed")
	for i, n := range c.Chain {
		if i > 0 {
			b.WriteString(" →")
		}
		b.WriteString(" #" + strconv.Itoa(n))
	}
	return b.String()
}

// unexplained is the sentence for the slow traces without a cause.
func unexplained(st *SlowTraces) string {
	if st.Unexplained == 1 {
		return "1 slow trace has no exchange on its critical path over its typical own time"
	}
	return count(st.Unexplained) + " slow traces have no exchange on their critical path over its typical own time"
}

// slowCauses writes the slow traces and their causes, one line each:
//
//	Slow traces: 10 of 110 (9.1%) over 300ms (SLO end_to_end p95 <= 300ms)
//	  #3 Cart->>DB: query own time +500ms over its typical 10.0ms (p50; p95 +500ms) in 100% of slow traces (10) → slowed #3 → #2 → #1 (e.g. …)
func (p *textPrinter) slowCauses(r *Result) {
	st := r.SlowTraces
	if st == nil || st.Traces == 0 {
		return
	}
	p.section("")
	p.printf("%s: %s of %s (%s) %s%s\n", p.paint("Slow traces", sgrBold), count(st.Traces), count(r.Runs),
		percent(ratio(st.Traces, r.Runs)), slowRule(st), analysedNote(st))
	for _, c := range r.Slow {
		line := slowLine(p.name, c, func(s string) string { return s })
		if len(c.Examples) > 0 {
			line += " (e.g. " + strings.Join(c.Examples[:min(len(c.Examples), 3)], ", ") + ")"
		}
		p.printf("  %s\n", line)
	}
	if st.Unexplained > 0 {
		p.printf("  %s\n", unexplained(st))
	}
}

// slowCauses writes the main causes of slow traces as sentences, as
// cascades are:
//
//	10 of 110 traces (9.1%) took longer than 300ms, the limit of the SLO
//	`end_to_end p95 <= 300ms`. …
//
//	- “query” from Cart to DB takes 500ms over its typical own time of
//	  10.0ms at p50 (500ms at p95) in 100% of slow traces (10), which
//	  slows Cart's “get cart”, which slows User's “checkout”. Examples:
//	  `…`.
func (p *mdWriter) slowCauses() {
	st := p.r.SlowTraces
	if st == nil || st.Traces == 0 {
		return
	}
	p.section("Slow traces")
	p.printf("%s of %s %s (%s) took longer than %s, ", upperFirst(count(st.Traces)), count(p.r.Runs), p.runs(),
		percent(ratio(st.Traces, p.r.Runs)), humanMS(st.LimitMS))
	if st.By == "slo" {
		p.printf("the limit of the SLO %s.", mdCode(st.Target, false))
	} else {
		p.printf("their own p95 end to end (no end\\_to\\_end SLO is set).")
	}
	if st.Analysed > 0 {
		p.printf(" Causes were looked for in the slowest %s of them.", count(st.Analysed))
	}
	p.printf(" The cause of each is the exchange whose own time on the critical path (its duration less" +
		" its nested exchanges') ran furthest over its typical own time, the median; the most frequent first.\n\n")
	for i, c := range p.r.Slow {
		if i == mdMaxCascades {
			var n int64
			var share float64
			for _, o := range p.r.Slow[i:] {
				n += o.Traces
				share += o.Share
			}
			p.moreCauses(len(p.r.Slow)-i, n, share, "slow "+p.runs())
			break
		}
		p.printf("- %s\n", p.slowCause(c))
	}
	if st.Unexplained > 0 {
		p.printf("- In %s, no exchange on the critical path ran over its typical own time: the time went"+
			" outside the diagram's exchanges.\n", mdPlural(st.Unexplained, "slow "+strings.TrimSuffix(p.runs(), "s"), "slow "+p.runs()))
	}
}

// slowCause is one cause as a sentence.
func (p *mdWriter) slowCause(c SlowCause) string {
	var b strings.Builder
	if m := p.message(c.N); m != nil {
		b.WriteString(mdQuote(m.Text) + " from " + p.who(m.From) + " to " + p.who(m.To))
	} else {
		b.WriteString(p.stepName(c.N))
	}
	b.WriteString(" takes " + humanMS(c.Excess.P50MS) + " over its typical own time of " + humanMS(c.TypicalMS) +
		" at p50 (" + humanMS(c.Excess.P95MS) + " at p95) in " + percent(c.Share) + " of slow " + p.runs() +
		" (" + count(c.Traces) + ")")
	chain := c.Chain
	if len(chain) > 0 && chain[0] == c.N {
		chain = chain[1:]
	}
	for _, n := range chain {
		b.WriteString(", which slows ")
		if m := p.message(n); m != nil {
			b.WriteString(p.who(m.From) + "'s " + mdQuote(m.Text))
		} else {
			b.WriteString(p.stepName(n))
		}
	}
	b.WriteString(".")
	if len(c.Examples) > 0 {
		var ex []string
		for _, e := range c.Examples[:min(len(c.Examples), 3)] {
			ex = append(ex, mdCode(e, false))
		}
		b.WriteString(" Examples: " + strings.Join(ex, ", ") + ".")
	}
	return upperFirst(b.String())
}

// slowCauses writes the slow traces' causes as the text report's lines.
func (p *htmlPage) slowCauses() {
	st := p.r.SlowTraces
	if st == nil || st.Traces == 0 {
		return
	}
	p.print("<section id=\"slow\">\n<h2>Slow traces</h2>\n")
	p.printf("<p>%s of %s traces (%s) %s.</p>\n", count(st.Traces), count(p.r.Runs),
		percent(ratio(st.Traces, p.r.Runs)), htmlEsc(slowRule(st)+analysedNote(st)))
	p.print("<p class=\"note\">Each slow trace grouped by its cause: the exchange whose own time on the critical path (its duration less its nested exchanges') ran furthest over its typical own time (the median), and the exchanges it slowed in turn (innermost first).</p>\n<ul class=\"sentences\">\n")
	for _, c := range p.r.Slow {
		line := slowLine(p.name, c, htmlEsc)
		if len(c.Examples) > 0 {
			var ex []string
			for _, e := range c.Examples[:min(len(c.Examples), 3)] {
				ex = append(ex, "<code>"+htmlEsc(e)+"</code>")
			}
			line += " (e.g. " + strings.Join(ex, ", ") + ")"
		}
		p.printf("<li>%s</li>\n", line)
	}
	if st.Unexplained > 0 {
		p.printf("<li>%s</li>\n", htmlEsc(unexplained(st)))
	}
	p.print("</ul>\n</section>\n")
}

// mergeSlow merges the slow causes of rs into out, as Merge merges
// cascades: causes with the same exchange and chain add their traces and
// their excess histograms, keep the first three examples in the order of
// the results, and are ordered by CompareSlow; shares are computed again
// over the merged slow traces whose causes were looked for (Analysed). TypicalMS is the mean of the results'
// typical own times, weighted by their traces.
//
// Each result chose its slow traces and typical own times on its own
// traces, and merge does not choose again: with an end_to_end SLO the
// slow traces are the same as in one check of all the traces, but each
// was judged against its own result's typical own times (medians), so a
// cause whose excess is close to another's may differ; with the p95
// rule, each result's p95 chose its own slow traces. SlowTraces keeps
// by, target and limit_ms when every result agrees on them; otherwise by
// is "mixed" and limit_ms 0.
func mergeSlow(out *Result, rs []*Result) {
	type agg struct {
		c       SlowCause
		excess  *Histogram
		typical float64 // sum of TypicalMS × Traces
	}
	aggs := map[string]*agg{}
	var st *SlowTraces
	for _, r := range rs {
		if r.SlowTraces != nil {
			if st == nil {
				s := *r.SlowTraces
				s.Traces, s.Unexplained, s.Analysed = 0, 0, 0
				st = &s
			} else if st.By != r.SlowTraces.By || st.Target != r.SlowTraces.Target || st.LimitMS != r.SlowTraces.LimitMS {
				st.By, st.Target, st.LimitMS = "mixed", "", 0
			}
			st.Traces += r.SlowTraces.Traces
			st.Unexplained += r.SlowTraces.Unexplained
			st.Analysed += r.SlowTraces.analysed()
		}
		for i, c := range r.Slow {
			key := fmt.Sprint(c.N, c.Chain)
			a := aggs[key]
			if a == nil {
				a = &agg{c: SlowCause{N: c.N, Chain: slices.Clone(c.Chain), Examples: []string{}}, excess: NewHistogram()}
				aggs[key] = a
			}
			a.c.Traces += c.Traces
			a.typical += c.TypicalMS * float64(c.Traces)
			a.c.Examples = addExamples(a.c.Examples, c.Examples)
			if h := r.Histograms; h != nil && i < len(h.Slow) {
				a.excess.Merge(h.Slow[i])
			}
		}
	}
	if st != nil && st.Analysed == st.Traces {
		st.Analysed = 0 // every result looked at all its slow traces
	}
	out.SlowTraces = st
	out.Slow = nil
	if out.Histograms != nil {
		out.Histograms.Slow = nil
	}
	var as []*agg
	for _, a := range aggs {
		as = append(as, a)
	}
	slices.SortFunc(as, func(a, b *agg) int { return CompareSlow(&a.c, &b.c) })
	for _, a := range as {
		if st != nil && st.analysed() > 0 {
			a.c.Share = float64(a.c.Traces) / float64(st.analysed())
		}
		if a.c.Traces > 0 {
			a.c.TypicalMS = a.typical / float64(a.c.Traces)
		}
		a.c.Excess = a.excess.Stats()
		out.Slow = append(out.Slow, a.c)
		if out.Histograms != nil {
			out.Histograms.Slow = append(out.Histograms.Slow, a.excess)
		}
	}
}

// normalizedSlow returns a copy of causes with empty lists for nil ones,
// for the JSON.
func normalizedSlow(causes []SlowCause) []SlowCause {
	if causes == nil {
		return nil
	}
	out := slices.Clone(causes)
	for i := range out {
		out[i].Chain = orEmpty(out[i].Chain)
		out[i].Examples = orEmpty(out[i].Examples)
	}
	return out
}
