package sim

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// What a drill verdict rests on: which runs reached the fault, which
// latency targets the runs support judging, and the sentences (why, fix)
// a case carries.

// reaches reports whether a run sent the case's message, so that its
// fault was injected.
func reaches(rt *RunTrace, c FaultCase) bool {
	for i := range rt.Spans {
		if s := &rt.Spans[i]; s.N == c.N && s.Fault == c.Fault {
			return true
		}
	}
	return false
}

func addOutcome(o *report.Outcomes, name string) {
	switch name {
	case report.OK:
		o.OK++
	case report.Handled:
		o.Handled++
	case report.Failed:
		o.Failed++
	case report.Inconsistent:
		o.Inconsistent++
	}
}

// humanIn lists the messages actors send in exchange e and the exchanges
// nested in it.
func humanIn(d *flow.Diagram, e *flow.Exchange) []*flow.Message {
	var out []*flow.Message
	var walk func(x *flow.Exchange)
	walk = func(x *flow.Exchange) {
		if isActor(d, x.Request.From) {
			out = append(out, x.Request)
		}
		for _, r := range x.Replies {
			if isActor(d, r.From) {
				out = append(out, r)
			}
		}
		for _, c := range x.Children {
			walk(c)
		}
	}
	walk(e)
	return out
}

// drillTargets returns the latency targets a drill judges: all of them
// with human, else those whose path has no human time; the others are
// named, with the reason, in the second list.
func drillTargets(d *flow.Diagram, p *Profile, human bool) ([]report.SLOTarget, []string) {
	var keep []report.SLOTarget
	var left []string
	g := flow.Build(d)
	var actors []string
	for _, m := range d.Messages() {
		if isActor(d, m.From) {
			actors = append(actors, fmt.Sprintf("#%d", m.N))
		}
	}
	for _, t := range p.SLO {
		if t.Metric == report.SLOFailed {
			continue // a drill makes runs fail on purpose
		}
		var hs []string
		switch t.Metric {
		case report.SLOEndToEnd, report.SLOCompletion:
			hs = actors
		case report.SLOMessage, report.SLOExchange:
			if mi := g.Message(t.N); mi != nil && mi.Exchange != nil {
				for _, m := range humanIn(d, mi.Exchange) {
					hs = append(hs, fmt.Sprintf("#%d", m.N))
				}
			}
		}
		if len(hs) > 0 && !human {
			left = append(left, fmt.Sprintf("%s: includes human time (%s); --human-time judges it", t.Target, strings.Join(hs, ", ")))
			continue
		}
		keep = append(keep, t)
	}
	return keep, left
}

// judgeDrill judges the targets on a case's runs. A target is breached
// only when the sample supports it: the values over the limit are more
// than the target allows beyond chance (one-sided binomial test, 5%).
func judgeDrill(ts []report.SLOTarget, r *report.Result) []report.DrillSLO {
	var out []report.DrillSLO
	for _, t := range ts {
		h := r.SLOHistogram(t)
		if h == nil || h.Count() == 0 {
			continue // the step never ran in this case
		}
		n, over := h.Count(), h.Over(t.Limit)
		obs := h.Quantile(t.Quantile)
		v := report.DrillSLO{Target: t.Target, ObservedMS: float64(obs) / 1e6, LimitMS: float64(t.Limit) / 1e6,
			Over: over, Count: n, OK: true}
		allowed := 1 - t.Quantile
		if obs > t.Limit && binomTail(n, over, allowed) < 0.05 {
			v.OK = false
		}
		pn := strings.Fields(t.Target)
		pname := pn[max(len(pn)-3, 0)] // "… p99 <= 3s"
		resolved := allowed > 0 && float64(n)*allowed >= 1
		switch {
		case !resolved && !v.OK:
			v.Note = fmt.Sprintf("%s of %d values is their maximum, but %d over the limit show the breach all the same", pname, n, over)
		case !resolved && obs > t.Limit && v.OK:
			v.Note = fmt.Sprintf("%s of %d values is their maximum; %d over the limit is too few to show a breach", pname, n, over)
		case !resolved:
			v.Note = fmt.Sprintf("%s of %d values is their maximum (it takes %d to resolve it)", pname, n, int64(math.Ceil(1/allowed)))
		case obs > t.Limit && v.OK:
			v.Note = fmt.Sprintf("%d of %d over the limit is within chance for %s", over, n, pname)
		}
		out = append(out, v)
	}
	return out
}

// binomTail is P(X ≥ k) for X binomial with n trials of probability p.
func binomTail(n, k int64, p float64) float64 {
	if k <= 0 {
		return 1
	}
	if p <= 0 {
		return 0
	}
	if p >= 1 {
		return 1
	}
	lgn, _ := math.Lgamma(float64(n + 1))
	sum := 0.0
	for i := k; i <= n; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		term := math.Exp(lgn - a - b + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
		sum += term
		if term < sum*1e-12 && float64(i) > float64(n)*p {
			break
		}
	}
	return min(sum, 1)
}

// explainer writes the why and fix of drill cases.
type explainer struct {
	d *flow.Diagram
	p *Profile
	g *flow.Graph
}

func newExplainer(d *flow.Diagram, p *Profile) *explainer {
	return &explainer{d: d, p: p, g: flow.Build(d)}
}

func (e *explainer) name(n int) string {
	if mi := e.g.Message(n); mi != nil {
		return fmt.Sprintf("#%d %s", n, mi.Message.Selector())
	}
	if s := e.p.Message(n); s != nil {
		for _, c := range e.p.Extra {
			if c.Settings == s {
				return fmt.Sprintf("#%d %s", n, c.Selector)
			}
		}
	}
	return fmt.Sprintf("#%d", n)
}

func chainText(chain []int) string {
	var s []string
	for _, n := range chain {
		s = append(s, fmt.Sprintf("#%d", n))
	}
	return strings.Join(s, " → ")
}

func (e *explainer) explain(dc *report.DrillCase, outs report.Outcomes) {
	sel := e.g.Message(dc.N).Message.Selector()
	expect := fmt.Sprintf("accept it: messages: {%q: {expect: [%s]}}", sel, dc.Fault)
	reachedOf := fmt.Sprintf("of the %d runs that reached it", dc.Reached)
	if dc.Reached == dc.Runs {
		reachedOf = fmt.Sprintf("of %d runs", dc.Runs)
	}
	switch dc.Verdict {
	case report.VerdictNotReached:
		dc.Why, dc.Fix = e.unreached(dc)
	case report.VerdictInconsistent:
		dc.Why = fmt.Sprintf("%d %s ended inconsistent: a compensation failed while rolling back after %s %s", outs.Inconsistent, reachedOf, dc.Fault, e.name(dc.N))
		dc.Fix = e.compFix(dc.N)
	case report.VerdictFailed:
		if len(dc.Chain) > 0 {
			dc.Why = fmt.Sprintf("%d %s failed: %s cascaded %s and nothing handles it", outs.Failed, reachedOf, dc.Fault, chainText(dc.Chain))
		} else {
			dc.Why = fmt.Sprintf("%d %s failed: %s at #%d failed the run and nothing handles it", outs.Failed, reachedOf, dc.Fault, dc.N)
		}
		if e.g.Message(dc.N).Role == flow.RoleAsync {
			dc.Why += " (in its fork: the initiator never sees it)"
		}
		if dc.Root != nil {
			dc.Why += fmt.Sprintf(" (most runs failed first at #%d %s)", dc.Root.N, dc.Root.Fault)
		}
		if dc.Compensated > 0 {
			dc.Why += fmt.Sprintf("; %d rolled back cleanly", dc.Compensated)
		}
		if !dc.SLOOK {
			dc.Why += "; also over " + sloOver(dc)
		}
		if key := HandlerBranch(e.d, e.p, dc.N, dc.Fault); key != "" {
			dc.Fix = fmt.Sprintf("handle it in %q: blocks: {%q: {when: \"#%d %s\"}}; or, if failing the run is right here, %s", key, key, dc.N, dc.Fault, expect)
		} else {
			dc.Fix = fmt.Sprintf("handle it: draw an alt after #%d whose else branch handles the failure, and bind it (blocks: {\"else …\": {when: \"#%d %s\"}}); or, if failing the run is right here, %s",
				dc.N, dc.N, dc.Fault, expect)
		}
		if !dc.SLOOK && dc.Fault == report.FaultTimeout {
			dc.Fix += "; and to fail within the targets, " + e.sloFix(dc)
		}
	case report.VerdictSLO:
		dc.Why = fmt.Sprintf("%d %s ended ok or handled, but over %s", dc.Reached, reachedOf, sloOver(dc))
		dc.Fix = e.sloFix(dc)
	case report.VerdictExpected:
		dc.Why = fmt.Sprintf("%d %s failed, as the profile's expect accepts", outs.Failed, reachedOf)
	case report.VerdictHandled:
		dc.Why = fmt.Sprintf("all %d runs that reached it ended ok or handled", dc.Reached)
	}
}

// sloOver lists the targets a case breached, with what was observed.
func sloOver(dc *report.DrillCase) string {
	var over []string
	for _, v := range dc.SLO {
		if !v.OK {
			over = append(over, fmt.Sprintf("%s (observed %s; %d of %d over the limit)", v.Target, fmtMS(v.ObservedMS), v.Over, v.Count))
		}
	}
	return strings.Join(over, ", ")
}

// unreached says where the message sits that no run reached, and the
// scenario that takes its path.
func (e *explainer) unreached(dc *report.DrillCase) (string, string) {
	mi := e.g.Message(dc.N)
	var where []string
	blocks := map[string]string{}
	var keys []string
	bound := ""
	for _, r := range mi.Path {
		b := r.Block
		bs := e.p.Blocks[b]
		switch b.Kind {
		case flow.Alt, flow.Critical:
			where = append(where, fmt.Sprintf("branch %q", r.Key()))
			if bs != nil && r.Branch < len(bs.When) && bs.When[r.Branch] != nil {
				w := bs.When[r.Branch]
				bound = fmt.Sprintf("; %q runs only when #%d %s happens, which the drill of #%d %s covers", r.Key(), w.N, w.Fault, w.N, w.Fault)
				continue
			}
			ws := make([]string, len(b.Branches))
			for i := range ws {
				ws[i] = "0"
			}
			ws[r.Branch] = "1"
			keys = append(keys, b.Key(0))
			blocks[b.Key(0)] = "{weights: [" + strings.Join(ws, ", ") + "]}"
		case flow.Opt, flow.Break:
			where = append(where, fmt.Sprintf("%q", r.Key()))
			keys = append(keys, b.Key(0))
			blocks[b.Key(0)] = "{probability: 1}"
		case flow.Loop:
			where = append(where, fmt.Sprintf("%q", r.Key()))
			keys = append(keys, b.Key(0))
			blocks[b.Key(0)] = "{iterations: 1}"
		}
	}
	why := fmt.Sprintf("none of the %d runs sent %s", dc.Runs, e.name(dc.N))
	if len(where) > 0 {
		why += ": it runs only in " + strings.Join(where, " inside ")
	} else {
		why += ": an earlier step ends every run before it (a break, a failure, a lost async message)"
	}
	why += bound
	if len(keys) == 0 {
		return why, fmt.Sprintf("drill the step that ends the runs first, or give #%d's path a scenario in which it runs", dc.N)
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%q: %s", k, blocks[k]))
	}
	name := fmt.Sprintf("reach-%d", dc.N)
	return why, fmt.Sprintf("drill it on a scenario that takes its path: scenarios: {%s: {blocks: {%s}}}, then choreo drill --scenario %s",
		name, strings.Join(parts, ", "), name)
}

// compFix names the compensations that may fail and suggests retrying
// them.
func (e *explainer) compFix(n int) string {
	var fixes []string
	seen := map[string]bool{}
	for i := 1; i < n; i++ {
		for _, c := range e.p.Messages[i-1].Compensate {
			s := c.Settings
			if seen[c.Selector] || s == nil || len(s.Faults) == 0 {
				continue
			}
			seen[c.Selector] = true
			if s.Retry.Attempts <= 1 {
				fixes = append(fixes, fmt.Sprintf("%q: {retry: {attempts: 3, backoff: 500ms}, idempotent: true}", c.Selector))
			} else {
				fixes = append(fixes, fmt.Sprintf("%q (%d attempts already: make it more reliable)", c.Selector, s.Retry.Attempts))
			}
		}
	}
	if len(fixes) == 0 {
		return fmt.Sprintf("handle #%d's failure with a bound branch, so nothing rolls back", n)
	}
	return "retry the compensations that can fail, if they are safe to repeat: messages: {" + strings.Join(fixes, ", ") + "}"
}

// sloFix suggests a shorter timeout when the case waits out a timeout,
// else a look at the path the failure takes.
func (e *explainer) sloFix(dc *report.DrillCase) string {
	s := e.p.Messages[dc.N-1]
	sel := e.g.Message(dc.N).Message.Selector()
	if dc.Fault == report.FaultTimeout && s.Timeout > 0 {
		n := max(s.Retry.Attempts, 1)
		excess := time.Duration(0)
		for _, v := range dc.SLO {
			if !v.OK {
				excess = max(excess, time.Duration((v.ObservedMS-v.LimitMS)*1e6))
			}
		}
		if t := (s.Timeout - excess/time.Duration(n) - time.Millisecond).Truncate(time.Millisecond); t > 0 {
			return fmt.Sprintf("fail faster: a shorter timeout on #%d (messages: {%q: {timeout: %s}}), or fewer attempts", dc.N, sel, fmtDur(t))
		}
		return fmt.Sprintf("waiting out #%d's timeout alone breaks the target: fail faster (fewer attempts, a deadline), or loosen the target", dc.N)
	}
	return fmt.Sprintf("the path that handles %s at #%d is slower than the target: shorten it, or loosen the target", dc.Fault, dc.N)
}

func fmtMS(ms float64) string { return FormatRounded(time.Duration(ms * 1e6)) }
