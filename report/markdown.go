package report

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/choreo-dev/choreo/flow"
)

// mdMaxCascades bounds the cascades the Markdown spells out; the others are
// summed up in one line.
const mdMaxCascades = 5

// WriteMarkdown writes r as an SLA document a team can paste into its
// docs (GitHub-flavoured Markdown): a title; what the result covers (runs,
// seed, profile, scenario, a partial marker); the flow in one paragraph
// (participants, which steps are synchronous, which asynchronous); the
// outcomes; the end_to_end, completion and system_time percentiles; one
// row per step (p50 … max and failure rate); the SLO verdicts; the main
// failure cascades as sentences; for trace checks, the causes of slow
// traces as sentences and the conformance of traces; and the annotated
// diagram (as WriteMermaid writes it) in a mermaid code block, which
// GitHub draws. The output has no wall-clock figure, so the same result
// always gives the same text.
//
// Without r.Model the flow paragraph is left out, steps are named by their
// selectors and the diagram block holds r.DiagramSource unannotated.
func WriteMarkdown(w io.Writer, r *Result) error {
	p := &mdWriter{w: w, r: r, msgs: map[int]string{}}
	for _, m := range r.Messages {
		p.msgs[m.N] = m.Selector
	}
	if r.Model != nil {
		d := *r.Model
		d.Statements = cloneStatements(d.Statements) // Build writes ReplyTo
		p.g = flow.Build(&d)
	}
	p.title()
	p.flow()
	p.outcomes()
	p.runTimes()
	p.stepTable()
	p.compensations()
	p.slo()
	p.cascades()
	p.slowCauses()
	p.conformance()
	p.unobserved()
	p.diagram()
	return p.err
}

type mdWriter struct {
	w    io.Writer
	r    *Result
	g    *flow.Graph    // nil without a Model
	msgs map[int]string // selector by message number
	err  error
}

func (p *mdWriter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// runs is what the result counts: "runs", or "traces" for a trace check.
func (p *mdWriter) runs() string {
	if p.r.Source == "trace" {
		return "traces"
	}
	return "runs"
}

func (p *mdWriter) section(title string) { p.printf("\n## %s\n\n", title) }

// message returns model message n when the result and the model agree on
// it (same selector), else nil.
func (p *mdWriter) message(n int) *flow.Message {
	if p.g == nil {
		return nil
	}
	mi := p.g.Message(n)
	if mi == nil {
		return nil
	}
	if sel, ok := p.msgs[n]; ok && sel != mi.Message.Selector() {
		return nil
	}
	return mi.Message
}

// who is a participant's label as Markdown text.
func (p *mdWriter) who(id string) string {
	if p.g != nil {
		if pt := p.g.Diagram.Participant(id); pt != nil && pt.Label != "" {
			return mdText(pt.Label)
		}
	}
	return mdText(id)
}

// stepName names message n in prose: "“Provision subscription”", or its
// selector as code without a model.
func (p *mdWriter) stepName(n int) string {
	if m := p.message(n); m != nil {
		return mdQuote(m.Text)
	}
	if sel, ok := p.msgs[n]; ok {
		return mdCode(sel, false)
	}
	return "message #" + strconv.Itoa(n)
}

func (p *mdWriter) title() {
	r := p.r
	name := r.Diagram
	if r.Model != nil && r.Model.Title != "" {
		name = r.Model.Title
	}
	if name == "" {
		name = "Flow"
	}
	p.printf("# Service levels: %s\n\n", mdText(name))
	var what string
	if r.Source == "trace" {
		what = "a check of " + count(r.Runs) + " recorded traces"
		if in := r.Input; in != nil {
			what += " (" + mdPlural(int64(in.Files), "file", "files") + ", " +
				mdPlural(in.Spans, "span", "spans") + ", " + count(in.Malformed) + " malformed)"
		}
	} else {
		what = "a simulation of " + count(r.Runs) + " runs (seed " + strconv.FormatUint(r.Seed, 10)
		if r.Profile != "" {
			what += ", profile " + mdCode(r.Profile, false)
		}
		if r.Scenario != "" {
			what += ", scenario " + mdCode(r.Scenario, false)
		}
		if r.RealTime != nil {
			what += "; " + r.RealTime.String() + " against the real systems"
		}
		what += ")"
	}
	if r.Diagram != "" {
		p.printf("Measured for %s from %s.", mdCode(r.Diagram, false), what)
	} else {
		p.printf("Measured from %s.", what)
	}
	if r.Shard != "" {
		p.printf(" This is shard %s of the work.", mdText(r.Shard))
	}
	p.printf("\n")
	if r.Partial {
		p.printf("\n> **Partial result:** %s.\n", mdText(partialWhy(r)))
	}
}

// flow describes the flow in one paragraph: the participants, then each
// step in document order, saying which are synchronous and which not.
func (p *mdWriter) flow() {
	if p.g == nil {
		return
	}
	d := p.g.Diagram
	var who []string
	for _, pt := range d.Participants {
		s := p.who(pt.ID)
		var notes []string
		if pt.Label != "" && pt.Label != pt.ID {
			notes = append(notes, mdCode(pt.ID, false))
		}
		if pt.Kind != "" && pt.Kind != flow.KindParticipant {
			notes = append(notes, mdText(pt.Kind))
		}
		if len(notes) > 0 {
			s += " (" + strings.Join(notes, ", ") + ")"
		}
		who = append(who, s)
	}
	// Consecutive steps sent by the same participant share one subject:
	// "SaaS App calls Billing …, calls IdP … and asks …".
	var clauses []string
	var group []string
	var sender string
	modes := map[string]int{}
	flush := func() {
		if len(group) > 0 {
			and := mdAnd(group)
			if len(group) > 1 {
				and = mdJoin(group, ", and ") // the clauses hold "and" themselves
			}
			clauses = append(clauses, p.who(sender)+" "+and)
		}
		group = nil
	}
	for _, e := range p.g.Exchanges {
		if e.Request.From != sender {
			flush()
			sender = e.Request.From
		}
		group = append(group, p.clause(e))
		modes[stepMode(e.Request.N, 0, "", p.g)]++
	}
	flush()
	if len(who) == 0 && len(clauses) == 0 {
		return
	}
	p.section("The flow")
	var b strings.Builder
	if len(who) > 0 {
		b.WriteString("The flow involves " + mdAnd(who) + ".")
	}
	if len(clauses) > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(strings.Join(clauses, "; then ") + ".")
		var ms []string
		are := " are "
		for _, m := range []struct{ mode, name string }{
			{modeSync, "synchronous (the caller waits for the answer)"},
			{modeOneWay, "one-way"},
			{modeAsync, "asynchronous (fire and forget)"},
		} {
			if n := modes[m.mode]; n > 0 {
				if len(ms) == 0 && n == 1 {
					are = " is "
				}
				if len(ms) == 0 {
					ms = append(ms, mdCount(n)+are+m.name)
				} else {
					ms = append(ms, mdCount(n)+" "+m.name)
				}
			}
		}
		switch n := len(p.g.Exchanges); {
		case n == 1:
			b.WriteString(" Its one step is " + strings.TrimPrefix(ms[0], "one is ") + ".")
		case len(ms) == 1 && n == 2:
			b.WriteString(" Both steps are " + strings.TrimPrefix(ms[0], "two are ") + ".")
		case len(ms) == 1:
			b.WriteString(" All " + strings.Replace(ms[0], " are ", " steps are ", 1) + ".")
		default:
			b.WriteString(" Of its " + mdCount(n) + " steps, " + mdAnd(ms) + ".")
		}
	}
	p.printf("%s\n", b.String())
}

// clause is one step of the flow in words, without its subject (the
// sender): "calls Billing synchronously to “Provision subscription” …".
func (p *mdWriter) clause(e *flow.Exchange) string {
	m := e.Request
	to := p.who(m.To)
	if m.From == m.To {
		to = "itself"
	}
	actor := false
	if pt := p.g.Diagram.Participant(m.From); pt != nil {
		actor = pt.Kind == flow.KindActor
	}
	var s string
	switch {
	case len(e.Replies) > 0:
		// every reply that closes the request, in document order: an
		// error reply (--x) reads as an error
		var rs []string
		for _, r := range e.Replies {
			q := mdQuote(r.Text)
			if r.Arrow.Cross() {
				q = "the error " + q
			}
			if !slices.Contains(rs, q) {
				rs = append(rs, q)
			}
		}
		if actor {
			s = "asks " + to + " to " + mdQuote(m.Text) + " and waits for " + mdOr(rs)
		} else {
			s = "calls " + to + " synchronously to " + mdQuote(m.Text) + " and waits for " + mdOr(rs)
		}
	case e.Async():
		s = "sends " + to + " " + mdQuote(m.Text) + " asynchronously, without waiting"
	case e.Unanswered():
		s = "asks " + to + " to " + mdQuote(m.Text) + " without waiting for an answer"
	case m.Arrow.Cross():
		s = "sends " + to + " the error " + mdQuote(m.Text)
	default:
		s = "sends " + to + " " + mdQuote(m.Text)
	}
	if e.Fork != 0 && !e.Async() {
		s += " in the background"
	}
	if mi := p.g.Info(m); mi != nil {
		s += mdContext(mi.Path)
	}
	return s
}

// mdContext names the innermost block around a step: " (when plan
// accepted)", " (repeated: poll status)", " (in parallel)".
func mdContext(path []flow.BranchRef) string {
	for i := len(path) - 1; i >= 0; i-- {
		ref := path[i]
		label := mdText(ref.Block.Branches[ref.Branch].Label)
		switch ref.Block.Kind {
		case flow.Rect:
			continue
		case flow.Loop:
			if label == "" {
				return " (repeated)"
			}
			return " (repeated: " + label + ")"
		case flow.Par, flow.ParOver:
			return " (in parallel)"
		default:
			if label == "" {
				return " (in some runs)"
			}
			return " (when " + label + ")"
		}
	}
	return ""
}

func (p *mdWriter) outcomes() {
	o := p.r.Outcomes
	total := o.Total()
	if total == 0 {
		return
	}
	p.section("Outcomes")
	p.printf("%s of %s complete as drawn", percent(ratio(o.OK, total)), p.runs())
	if bad := o.Failed + o.Inconsistent; bad > 0 {
		p.printf("; %s fail without being handled", percent(ratio(bad, total)))
	}
	p.printf(".\n\n")
	p.printf("| Outcome | %s | Share | Meaning |\n|---|--:|--:|---|\n", upperFirst(p.runs()))
	for _, x := range []struct {
		name    string
		n       int64
		meaning string
	}{
		{OK, o.OK, "the flow completed as drawn"},
		{Handled, o.Handled, "a failure the diagram handles (an alternative branch, a break, an error reply)"},
		{Failed, o.Failed, "a failure nothing handles"},
		{Inconsistent, o.Inconsistent, "a failure whose rollback failed too, leaving data inconsistent"},
	} {
		p.printf("| %s | %s | %s | %s |\n", x.name, count(x.n), percent(ratio(x.n, total)), x.meaning)
	}
}

// mdLatencyHead is the header of a table: the lead columns (left-aligned),
// p50 … max, then the trail columns (right-aligned).
func mdLatencyHead(lead []string, trail ...string) string {
	cols := append(append(append([]string{}, lead...), "p50", "p90", "p95", "p99", "p99.9", "max"), trail...)
	var b strings.Builder
	b.WriteString("| " + strings.Join(cols, " | ") + " |\n|")
	for i := range cols {
		if i < len(lead) {
			b.WriteString("---|")
		} else {
			b.WriteString("--:|")
		}
	}
	return b.String()
}

// mdLatencyCells are p50 … max, or dashes when s is empty.
func mdLatencyCells(s Stats) string {
	if s.Count == 0 {
		return "- | - | - | - | - | -"
	}
	return strings.Join([]string{humanMS(s.P50MS), humanMS(s.P90MS), humanMS(s.P95MS),
		humanMS(s.P99MS), humanMS(s.P999MS), humanMS(s.MaxMS)}, " | ")
}

// initiator is who starts the flow, for prose.
func (p *mdWriter) initiator() string {
	if p.g != nil && len(p.g.Exchanges) > 0 {
		return p.who(p.g.Exchanges[0].Request.From)
	}
	return "the initiator"
}

func (p *mdWriter) runTimes() {
	r := p.r
	if r.EndToEnd.Count == 0 && r.Completion.Count == 0 && r.SystemTime.Count == 0 {
		return
	}
	p.section("Run time")
	p.printf("%s\n", mdLatencyHead([]string{"Measure"}))
	for _, x := range []struct {
		name string
		s    Stats
	}{{"End to end", r.EndToEnd}, {"Completion", r.Completion}, {"System time", r.SystemTime}} {
		if x.s.Count > 0 {
			p.printf("| %s | %s |\n", x.name, mdLatencyCells(x.s))
		}
	}
	actors := "actors send"
	if p.g != nil {
		var as []string
		for _, pt := range p.g.Diagram.Participants {
			if pt.Kind == flow.KindActor {
				as = append(as, p.who(pt.ID))
			}
		}
		switch len(as) {
		case 0:
		case 1:
			actors = as[0] + " sends"
		default:
			actors = mdAnd(as) + " send"
		}
	}
	var say []string
	if r.EndToEnd.Count > 0 {
		say = append(say, "*end to end* is what "+p.initiator()+" waits for")
	}
	if r.Completion.Count > 0 {
		say = append(say, "*completion* lasts until the last message lands, asynchronous work included")
	}
	if r.SystemTime.Count > 0 {
		say = append(say, "*system time* is end to end without the time of the messages "+actors+" (human time)")
	}
	say[0] = "*" + upperFirst(say[0][1:]) // every entry starts with an emphasised term
	p.printf("\n%s. Failed %s count at the time they failed.\n", strings.Join(say, "; "), p.runs())
}

// stepLabel names a step in a table: "SaaS App → Billing: Provision
// subscription", or the selector as code without a model.
func (p *mdWriter) stepLabel(n int) string {
	if m := p.message(n); m != nil {
		to := p.who(m.To)
		if m.To == m.From {
			to = "itself"
		}
		return p.who(m.From) + " → " + to + ": " + mdText(m.Text)
	}
	if sel, ok := p.msgs[n]; ok {
		return mdCode(sel, true)
	}
	return "#" + strconv.Itoa(n)
}

func (p *mdWriter) stepTable() {
	ss := flowSteps(p.r, p.g)
	if len(ss) == 0 {
		return
	}
	p.section("Steps")
	p.printf("A synchronous step lasts from its request to its answer; one-way and asynchronous steps "+
		"show the message's latency. The failure rate is the share of %s in which the step failed, "+
		"after its retries; # is the request's number in the diagram and, after →, the number of each reply "+
		"that closes it.\n\n", p.runs())
	p.printf("%s\n", mdLatencyHead([]string{"#", "Step", "Mode"}, "Failure rate"))
	for _, s := range ss {
		p.printf("| %s | %s | %s | %s | %s |\n", exchangeNumbers(s.n, s.replies, ""),
			p.stepLabel(s.n), s.mode, mdLatencyCells(s.stats), p.failureCell(s))
	}
}

// failureCell is a step's failure rate, with the rate per attempt when
// retries hid some faults: "0.11% (3.1% of attempts)".
func (p *mdWriter) failureCell(s flowStep) string {
	if !s.hasData() {
		return "-"
	}
	rate := percent(s.rate())
	if s.attempts > s.ran && s.faults > 0 {
		if a := percent(ratio(s.faults, s.attempts)); a != rate {
			rate += " (" + a + " of attempts)"
		}
	}
	return rate
}

// compensations lists the messages the result holds that the diagram does
// not draw: the compensations the profile defines.
func (p *mdWriter) compensations() {
	inFlow := map[int]bool{}
	last := 0
	for _, e := range p.r.Exchanges {
		inFlow[e.Request] = true
		last = max(last, e.Request)
		for _, n := range e.replies() {
			inFlow[n] = true
			last = max(last, n)
		}
	}
	if p.g != nil {
		last = len(p.g.Messages)
	}
	if len(p.r.Exchanges) == 0 && p.g == nil {
		return
	}
	var extra []MessageStats
	for _, m := range p.r.Messages {
		if m.N > last && !inFlow[m.N] {
			extra = append(extra, m)
		}
	}
	if len(extra) == 0 {
		return
	}
	p.section("Rollbacks")
	p.printf("Compensations the profile defines, run when a later step fails.\n\n")
	p.printf("%s\n", mdLatencyHead([]string{"Compensation"}, "Runs", "Failure rate"))
	for _, m := range extra {
		f := m.Faults.Error + m.Faults.Timeout + m.Faults.Drop
		p.printf("| %s | %s | %s | %s |\n", mdCode(m.Selector, true), mdLatencyCells(m.Latency),
			count(m.Latency.Count), percent(ratio(f, m.Latency.Count)))
	}
}

func (p *mdWriter) slo() {
	if len(p.r.SLO) == 0 {
		return
	}
	p.section("Service level objectives")
	held := 0
	for _, v := range p.r.SLO {
		if v.OK {
			held++
		}
	}
	switch {
	case held == len(p.r.SLO) && held == 1:
		p.printf("The objective holds.\n\n")
	case held == len(p.r.SLO):
		p.printf("All %d objectives hold.\n\n", held)
	default:
		p.printf("%d of %d objectives %s breached.\n\n", len(p.r.SLO)-held, len(p.r.SLO),
			map[bool]string{true: "is", false: "are"}[len(p.r.SLO)-held == 1])
	}
	p.printf("| | Objective | Observed |\n|---|---|--:|\n")
	for _, v := range p.r.SLO {
		mark := "✅"
		if !v.OK {
			mark = "❌"
		}
		p.printf("| %s | %s | %s |\n", mark, mdCode(v.Target, true), sloObserved(v))
	}
}

// cascades writes the main root causes as sentences:
//
//	Billing rejects “Provision subscription” in 1.5% of runs (1,548), which
//	fails Admin's “Create new account”; Admin sees the error after 15.2s at
//	p95; nothing is rolled back.
//
// A failure in an async fork names the fork and says when it failed; the
// initiator never sees it, and only the fork's own steps are rolled back:
//
//	CRM does not answer “Log receipt” in time in 1.0% of runs (100), in
//	the fork started by #6 (“Send receipt” from Shop to Email); the fork
//	fails 2.10s after the run's start at p95 (1.20s at p50), in the
//	background (end to end is not cut); the fork's own steps are rolled
//	back in 40 runs.
func (p *mdWriter) cascades() {
	cs := p.r.Cascades
	if len(cs) == 0 {
		return
	}
	p.section("Failure cascades")
	p.printf("The main causes of failure, most frequent first.\n\n")
	for i, c := range cs {
		if i == mdMaxCascades {
			var runs int64
			var share float64
			for _, o := range cs[i:] {
				runs += o.Runs
				share += o.Share
			}
			p.moreCauses(len(cs)-i, runs, share, p.runs())
			break
		}
		p.printf("- %s\n", p.cascade(c))
	}
}

// moreCauses writes the line that sums up the causes past mdMaxCascades:
// "- Two more causes account for 0.3% of runs (30).", of naming what n
// counts.
func (p *mdWriter) moreCauses(causes int, n int64, share float64, of string) {
	if causes == 1 {
		p.printf("- One more cause accounts for")
	} else {
		p.printf("- %s more causes account for", upperFirst(mdCount(causes)))
	}
	p.printf(" %s of %s (%s).\n", percent(share), of, count(n))
}

func (p *mdWriter) cascade(c Cascade) string {
	var b strings.Builder
	share := " in " + percent(c.Share) + " of " + p.runs() + " (" + count(c.Runs) + ")"
	if m := p.message(c.Root.N); m != nil {
		from, to, t := p.who(m.From), p.who(m.To), mdQuote(m.Text)
		switch c.Root.Fault {
		case "error":
			b.WriteString(to + " rejects " + t + share)
		case "timeout":
			b.WriteString(to + " does not answer " + t + " in time" + share)
		case "drop":
			b.WriteString(t + " from " + from + " to " + to + " is lost" + share)
		case "delay":
			b.WriteString(t + " from " + from + " to " + to + " is delayed" + share)
		default:
			b.WriteString(t + " from " + from + " to " + to + " fails (" + mdText(c.Root.Fault) + ")" + share)
		}
	} else {
		b.WriteString(p.stepName(c.Root.N) + " fails (" + mdText(c.Root.Fault) + ")" + share)
	}
	chain := c.Chain
	if len(chain) > 0 && chain[0] == c.Root.N {
		chain = chain[1:]
	}
	for _, n := range chain {
		b.WriteString(", which fails ")
		if m := p.message(n); m != nil {
			b.WriteString(p.who(m.From) + "'s " + mdQuote(m.Text))
		} else {
			b.WriteString(p.stepName(n))
		}
	}
	if c.Fork != 0 {
		return p.forkCascade(&b, c)
	}
	if c.Outcome == Handled {
		b.WriteString("; the flow handles it")
	} else if ttf := c.TimeToFailure; ttf.Count > 0 {
		seer := p.initiator()
		if len(c.Chain) > 0 {
			if m := p.message(c.Chain[len(c.Chain)-1]); m != nil {
				seer = p.who(m.From)
			}
		}
		what := "the failure"
		switch c.Root.Fault {
		case "error":
			what = "the error"
		case "timeout":
			what = "the timeout"
		}
		b.WriteString("; " + seer + " sees " + what + " after " + humanMS(ttf.P95MS) + " at p95 (" +
			humanMS(ttf.P50MS) + " at p50)")
	}
	switch {
	case c.Inconsistent > 0 && c.Compensated > 0:
		b.WriteString("; it is rolled back in " + mdPlural(c.Compensated, "run", "runs") +
			", and the rollback fails in " + mdPlural(c.Inconsistent, "run", "runs") + ", leaving data inconsistent")
	case c.Inconsistent > 0:
		b.WriteString("; the rollback fails in " + mdPlural(c.Inconsistent, "run", "runs") + ", leaving data inconsistent")
	case c.Compensated > 0 && c.Compensated < c.Runs:
		b.WriteString("; the steps done before are rolled back in " + mdPlural(c.Compensated, "run", "runs"))
	case c.Compensated > 0:
		b.WriteString("; the steps done before are rolled back")
	case c.Outcome != Handled:
		b.WriteString("; nothing is rolled back")
	}
	b.WriteString(".")
	s := b.String()
	return upperFirst(s)
}

// forkCascade ends the sentence of a cascade in an async fork, b holding
// its start (the root and the exchanges it failed): which fork, when it
// failed, and what of the fork was rolled back. The initiator does not
// wait for a fork, so nothing here says anyone saw the failure.
func (p *mdWriter) forkCascade(b *strings.Builder, c Cascade) string {
	fork := "#" + strconv.Itoa(c.Fork)
	if c.Fork == c.Root.N {
		// the async message itself is lost: the sentence named it
		b.WriteString(", so the fork it starts (" + fork + ") does not run")
	} else {
		if m := p.message(c.Fork); m != nil {
			fork += " (" + mdQuote(m.Text) + " from " + p.who(m.From) + " to " + p.who(m.To) + ")"
		} else if sel, ok := p.msgs[c.Fork]; ok {
			fork += " (" + mdCode(sel, false) + ")"
		}
		b.WriteString(", in the fork started by " + fork)
	}
	if c.Outcome == Handled {
		b.WriteString("; the flow handles it")
	} else if ttf := c.TimeToFailure; ttf.Count > 0 {
		b.WriteString("; the fork fails " + humanMS(ttf.P95MS) + " after the run's start at p95 (" +
			humanMS(ttf.P50MS) + " at p50), in the background (end to end is not cut)")
	} else {
		b.WriteString("; the fork fails in the background (end to end is not cut)")
	}
	switch {
	case c.Inconsistent > 0 && c.Compensated > 0:
		b.WriteString("; the fork's own steps are rolled back in " + mdPlural(c.Compensated, "run", "runs") +
			", and the rollback fails in " + mdPlural(c.Inconsistent, "run", "runs") + ", leaving data inconsistent")
	case c.Inconsistent > 0:
		b.WriteString("; the rollback of the fork's own steps fails in " + mdPlural(c.Inconsistent, "run", "runs") +
			", leaving data inconsistent")
	case c.Compensated > 0 && c.Compensated < c.Runs:
		b.WriteString("; the fork's own steps are rolled back in " + mdPlural(c.Compensated, "run", "runs"))
	case c.Compensated > 0:
		b.WriteString("; the fork's own steps are rolled back")
	case c.Outcome != Handled:
		b.WriteString("; nothing is rolled back")
	}
	b.WriteString(".")
	return upperFirst(b.String())
}

// upperFirst capitalises the first letter of s, if s starts with one.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func (p *mdWriter) conformance() {
	c := p.r.Conformance
	if c == nil {
		return
	}
	p.section("Conformance")
	p.printf("%s of %s traces (%s) follow the diagram; fitness %s (1 is a perfect fit).\n",
		count(c.Conforming), count(c.Traces), percent(ratio(c.Conforming, c.Traces)),
		strconv.FormatFloat(c.Fitness, 'f', 3, 64))
	if len(c.Deviations) > 0 {
		p.printf("\n| Deviation | Kind | Traces | Share | Examples |\n|---|---|--:|--:|---|\n")
		for _, d := range c.Deviations {
			var ex []string
			for _, e := range d.Examples[:min(len(d.Examples), 3)] {
				ex = append(ex, mdCode(e, true))
			}
			p.printf("| %s | %s | %s | %s | %s |\n", mdCode(d.Message, true), mdText(d.Kind), count(d.Traces),
				percent(ratio(d.Traces, c.Traces)), strings.Join(ex, ", "))
		}
	}
	p.unmapped(c)
	if in := p.r.Input; in != nil && len(in.Problems) > 0 {
		p.printf("\nRecords and spans that could not be used (%s):\n\n", count(int64(len(in.Problems))))
		for i, pr := range in.Problems {
			if i == maxProblems {
				p.printf("- … and %s more in the JSON result\n", count(int64(len(in.Problems)-maxProblems)))
				break
			}
			var where []string
			for _, s := range []string{pr.File, pr.TraceID, pr.SpanID} {
				if s != "" {
					where = append(where, mdCode(s, false))
				}
			}
			p.printf("- %s: %s\n", strings.Join(where, " "), mdText(pr.Reason))
		}
	}
}

func (p *mdWriter) diagram() {
	s, annotated := annotatedMermaid(p.r)
	if !annotated {
		s = p.r.DiagramSource
		if strings.TrimSpace(s) == "" {
			return
		}
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
	}
	p.section("Diagram")
	if annotated {
		p.printf("Each step is annotated with its p50 and p99 and, when it fails, its failure rate.\n\n")
	}
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	p.printf("%smermaid\n%s%s\n", fence, s, fence)
}

// mermaidBreak is a line break in a Mermaid text, as Mermaid reads it.
var mermaidBreak = regexp.MustCompile(`(?i)<br\s*/?>`)

// mdText escapes text for Markdown: the characters that would start
// emphasis, code, links, HTML or a table cell are backslash-escaped, and
// Mermaid's <br> line breaks become spaces.
func mdText(s string) string {
	s = strings.Join(strings.Fields(mermaidBreak.ReplaceAllString(s, " ")), " ")
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune("\\`*_[]<>|&~", c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// mdQuote is a message text in quotes, as Markdown.
func mdQuote(s string) string { return "“" + mdText(s) + "”" }

// mdCode is s as a code span, with pipes escaped when it goes in a table
// cell (GitHub splits cells before it reads code spans).
func mdCode(s string, cell bool) string {
	s = strings.ReplaceAll(s, "\n", " ")
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if cell {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || len(fence) > 1 {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdCount writes small counts as words, as prose does: "three".
func mdCount(n int) string {
	if n >= 0 && n < len(smallNumbers) {
		return smallNumbers[n]
	}
	return count(int64(n))
}

var smallNumbers = []string{"none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}

func mdPlural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}

// mdAnd joins "a, b and c".
func mdAnd(s []string) string { return mdJoin(s, " and ") }

// mdOr joins "a, b or c".
func mdOr(s []string) string { return mdJoin(s, " or ") }

func mdJoin(s []string, last string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + last + s[len(s)-1]
}

// unobserved lists the messages a trace check saw in no trace, and why.
func (p *mdWriter) unobserved() {
	first := true
	for _, m := range p.r.Messages {
		if m.Unobserved == "" {
			continue
		}
		if first {
			p.section("Not seen in any trace")
			first = false
		}
		p.printf("- #%d %s: %s\n", m.N, p.stepLabel(m.N), mdText(m.Unobserved))
	}
}
