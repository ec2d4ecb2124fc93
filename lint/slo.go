package lint

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
)

// SLOs: targets no run can meet, and targets that include human time.

// bound is a lower bound on a percentile of a path, and why.
type bound struct {
	d   time.Duration
	why string
}

// earlyShare bounds the share of runs that may end before their path's
// end: a fault drawn anywhere (error, timeout, drop) or a break taken.
func (l *linter) earlyShare() float64 {
	f := 0.0
	for n := 1; n <= len(l.msgs)+len(l.p.Extra); n++ {
		for _, x := range l.set(n).Faults {
			if x.Kind != report.FaultDelay {
				f += x.Rate
			}
		}
	}
	for b, bs := range l.p.Blocks {
		if b.Kind == flow.Break && bs.Probability != nil {
			f += *bs.Probability
		}
	}
	return min(f, 1)
}

// always reports whether a message runs in every run that gets that far:
// on the main timeline, in no block but rect.
func always(mi *flow.MessageInfo) bool {
	if mi.Fork != 0 {
		return false
	}
	for _, r := range mi.Path {
		if r.Block.Kind != flow.Rect {
			return false
		}
	}
	return true
}

// cap is the longest one attempt of message mi can hold its timeline
// before it fails: its exchange's timeout, else its deadline (0: none).
func (l *linter) cap(mi *flow.MessageInfo) time.Duration {
	if mi.Exchange == nil {
		return 0
	}
	s := l.set(mi.Exchange.Request.N)
	lim, _ := limit(s)
	return lim
}

// pathBound returns a lower bound on the q-quantile of the time the
// messages ms take in a row (each counted once): at least the sum of
// their least latencies, and at least each one's own quantile (a sum of
// non-negative parts is at least each part). early is the share of runs
// that may end before the path does.
func (l *linter) pathBound(ms []*flow.MessageInfo, q, early float64) bound {
	if q <= early {
		return bound{}
	}
	var floor time.Duration
	var best bound
	for _, mi := range ms {
		s := l.set(mi.Message.N)
		lo, _ := sim.LatencyQuantile(s.Latency, 0)
		c := l.cap(mi)
		if c > 0 {
			lo = min(lo, c)
		}
		floor += lo
		v, ok := sim.LatencyQuantile(s.Latency, q-early)
		if !ok {
			continue
		}
		if c > 0 {
			v = min(v, c)
		}
		if v > best.d {
			human := ""
			if l.actor(mi.Message.From) {
				human = ", human time"
			}
			best = bound{v, fmt.Sprintf("%s alone has %s %s (%s%s)", name(mi.Message), pName(q), fmtDur(v), s.Latency, human)}
		}
	}
	if floor > best.d {
		return bound{floor, fmt.Sprintf("the %d steps that run in every run take at least %s together", len(ms), fmtDur(floor))}
	}
	return best
}

func pName(q float64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", q*100), "0"), ".")
	return "p" + strings.ReplaceAll(s, ".", "")
}

func (l *linter) slos() {
	early := l.earlyShare()
	hasSystem := false
	for _, t := range l.p.SLO {
		hasSystem = hasSystem || t.Metric == report.SLOSystemTime
	}
	var main, system, humans []*flow.MessageInfo
	for _, mi := range l.g.Messages {
		if mi.Fork == 0 && l.actor(mi.Message.From) {
			humans = append(humans, mi)
		}
		if !always(mi) {
			continue
		}
		main = append(main, mi)
		if !l.actor(mi.Message.From) {
			system = append(system, mi)
		}
	}
	human := map[string]bool{} // metrics already reported for human time
	for _, t := range l.p.SLO {
		if t.Metric == report.SLOFailed {
			continue
		}
		pos := l.p.SLOPos[t.Target]
		var b bound
		switch t.Metric {
		case report.SLOEndToEnd, report.SLOCompletion:
			b = l.pathBound(main, t.Quantile, early)
		case report.SLOSystemTime:
			b = l.pathBound(system, t.Quantile, early)
		case report.SLOMessage, report.SLOExchange:
			mi := l.g.Message(t.N)
			if mi == nil {
				continue
			}
			ms := []*flow.MessageInfo{mi}
			if t.Metric == report.SLOExchange && mi.Exchange != nil && len(mi.Exchange.Replies) == 1 {
				ms = append(ms, l.g.Info(mi.Exchange.Reply))
			}
			f := 0.0
			for _, x := range l.set(t.N).Faults {
				f += x.Rate
			}
			b = l.pathBound(ms, t.Quantile, min(f, 1))
		}
		if b.d > t.Limit {
			key := t.Metric
			if t.N > 0 {
				key = fmt.Sprintf("%q", l.g.Message(t.N).Message.Selector())
			}
			fix := fmt.Sprintf("raise the target to at least %s (%s: {%s: %s})", fmtDur(b.d), key, pName(t.Quantile), fmtDur(ceil2(b.d)))
			if strings.Contains(b.why, "human time") && t.Metric != report.SLOSystemTime {
				fix += fmt.Sprintf(", or bound the systems' share instead (system_time: {%s: %s})", pName(t.Quantile), fmtDur(t.Limit))
			}
			l.add(Finding{Rule: RuleSLOImpossible, Severity: Error, Pos: pos,
				Message: fmt.Sprintf("slo %s cannot hold: %s", t.Target, b.why), Fix: fix})
		}
		if (t.Metric == report.SLOEndToEnd || t.Metric == report.SLOCompletion) && len(humans) > 0 && !human[t.Metric] {
			human[t.Metric] = true
			var names []string
			for _, mi := range humans {
				names = append(names, name(mi.Message))
			}
			sev, also := Warning, ""
			if hasSystem {
				sev, also = Note, " (the profile bounds system_time too)"
			}
			l.add(Finding{Rule: RuleSLOHumanTime, Severity: sev, Pos: pos,
				Message: fmt.Sprintf("slo %s includes human time%s: %s", t.Target, also, strings.Join(names, ", ")),
				Fix:     fmt.Sprintf("bound what the systems control with system_time (system_time: {%s: %s}), and keep %s for the person's whole wait", pName(t.Quantile), fmtDur(t.Limit), t.Metric)})
		}
	}
}

// ceil2 rounds d up to two significant digits: 14.93s is 15s.
func ceil2(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	p := math.Pow(10, math.Floor(math.Log10(float64(d)))-1)
	return time.Duration(math.Ceil(float64(d)/p) * p)
}
