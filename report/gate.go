package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/lookup"
	"github.com/choreo-dev/choreo/internal/srcpos"
	"github.com/choreo-dev/choreo/internal/suggest"
)

// Gates: `choreo report NEW.json [--compare BASE.json] --fail-on GATE`
// (docs/gates.md). A gate is `METRIC OP VALUE`; it trips when the
// condition holds of the point estimates, and its verdict says besides
// whether the change (or the limit) is within the noise.

// Gate kinds: what a gate's value bounds.
const (
	GateLevel    = "level"    // the current value: 1.2s, 2%, 0.02
	GateRelative = "relative" // the change in percent of the base: +10%
	GatePoints   = "points"   // the change of a share in percentage points: +0.5pp
	GateDelta    = "delta"    // the change of a duration: +50ms
)

// gateMetrics are the metrics a gate names by keyword.
var gateMetrics = []string{SLOEndToEnd, SLOCompletion, SLOSystemTime, SLOFailed}

// Gate is one --fail-on condition.
type Gate struct {
	// Text is the gate as written.
	Text string
	// Run is a run time (end_to_end, completion, system_time) or "" for a
	// step; Step is the step's selector as results name it.
	Run, Step string
	// Quantile is the percentile bounded, 0 for a failure share.
	Quantile float64
	// Op is >, >=, < or <=; the gate trips when "measured Op Value" holds.
	Op string
	// Kind is GateLevel, GateRelative, GatePoints or GateDelta; Value is
	// in ms (level and delta of a percentile), a share (level of a
	// failure share), percent (relative) or points.
	Kind  string
	Value float64
}

// NeedsBase reports whether the gate bounds a change, which needs a base
// result (--compare).
func (g Gate) NeedsBase() bool { return g.Kind != GateLevel }

// ParseGate reads a gate, `METRIC OP VALUE`. d, when not nil, resolves
// step selectors (with suggestions); base says whether a base result will
// be there for change gates. Problems are *srcpos.Error values placed in
// the argument, named name ("--fail-on[2]").
func ParseGate(name, s string, d *flow.Diagram, base bool) (Gate, error) {
	g := Gate{Text: s}
	fail := func(at int, format string, args ...any) (Gate, error) {
		at = min(max(at, 0), len(s))
		return Gate{}, &srcpos.Error{Pos: flow.Pos{File: name, Line: 1, Col: utf8.RuneCountInString(s[:at]) + 1},
			Msg: "--fail-on: " + fmt.Sprintf(format, args...), Src: s}
	}
	// The operator is the last < or > outside quotes (a selector's arrow
	// has a > of its own).
	op, inQuote := -1, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case (c == '<' || c == '>') && !inQuote:
			op = i
		}
	}
	if op < 0 {
		return fail(len(s), "want METRIC OP VALUE, e.g. 'end_to_end.p99 > +10%%', 'failed > +0.5pp', '\"#4\".p95 > 1.2s'")
	}
	g.Op = s[op : op+1]
	vi := op + 1
	if vi < len(s) && s[vi] == '=' {
		g.Op += "="
		vi++
	}
	metric := strings.TrimSpace(s[:op])
	mi := len(s[:op]) - len(strings.TrimLeft(s[:op], " "))
	if metric == "" {
		return fail(0, "no metric before %s: want end_to_end.p99, failed, \"SELECTOR\".p95 or #N.p95", g.Op)
	}
	if t := strings.TrimRight(metric, "<>=!"); t != metric && !strings.HasSuffix(t, "-") {
		// ">>", "=>", "!>": the operator is more than the last < or >
		at := len(strings.TrimRight(s[:op], "<>=! "))
		at += len(s[at:op]) - len(strings.TrimLeft(s[at:op], " "))
		return fail(at, "%q is not an operator: want >, >=, <, <=", s[at:vi])
	}
	if strings.HasSuffix(metric, "-") || strings.HasSuffix(metric, "->") {
		// the last > is a selector's arrow: no operator follows the metric
		return fail(len(s), "want an operator (>, >=, <, <=) and a value after the metric, e.g. '\"From->>To: text\".p95 > 1.2s'")
	}
	// The metric: failed, RUN.pNN, STEP.pNN or STEP.failed.
	var what, key string
	keyAt := mi
	switch {
	case metric == SLOFailed:
		g.Run = SLOEndToEnd
	case strings.HasPrefix(metric, `"`):
		end := 1
		for end < len(metric) && metric[end] != '"' {
			if metric[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(metric) {
			return fail(mi, "quote not closed")
		}
		sel, err := strconv.Unquote(metric[:end+1])
		if err != nil {
			return fail(mi, "bad quoted selector: %v", err)
		}
		rest := metric[end+1:]
		if !strings.HasPrefix(rest, ".") {
			return fail(mi+end+1, "want .pNN or .failed after the selector")
		}
		what, key, keyAt = sel, rest[1:], mi+end+2
		g.Step = sel
	default:
		dot := strings.LastIndex(metric, ".")
		if dot < 0 {
			return fail(mi, "unknown metric %q%s; want end_to_end, completion, system_time or a step, each with .pNN, or failed", metric, suggest.DidYouMean(metric, gateMetrics))
		}
		what, key, keyAt = metric[:dot], metric[dot+1:], mi+dot+1
		if slices.Contains(gateMetrics[:3], what) {
			g.Run = what
		} else {
			g.Step = what
		}
	}
	if g.Step != "" {
		t := strings.TrimSpace(g.Step)
		looksStep := strings.HasPrefix(t, "#") || strings.Contains(t, ":")
		if !looksStep {
			return fail(mi, "unknown metric %q%s; want end_to_end, completion, system_time or a step (\"From->>To: text\" or #N), or failed", what, suggest.DidYouMean(what, gateMetrics))
		}
		if d != nil {
			m, err := d.Lookup(g.Step)
			if err != nil {
				return fail(mi, "%v", lookup.Explain(err))
			}
			g.Step = m.Selector()
		}
	}
	if metric != SLOFailed {
		if key == SLOFailed {
			if g.Run != "" {
				return fail(keyAt, "%s has no failure share; the runs' is failed, a step's \"STEP\".failed", g.Run)
			}
		} else {
			q, err := ParseQuantile(key)
			if err != nil || q == 0 {
				return fail(keyAt, "%q is not a percentile such as p50, p99 or p999, nor failed", key)
			}
			g.Quantile = q
		}
	}
	// The value.
	v := strings.TrimSpace(s[vi:])
	at := vi + len(s[vi:]) - len(strings.TrimLeft(s[vi:], " "))
	share := g.Quantile == 0
	signed := strings.HasPrefix(v, "+") || strings.HasPrefix(v, "-")
	num := func(t string) (float64, bool) {
		x, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		return x, err == nil && !math.IsNaN(x) && !math.IsInf(x, 0)
	}
	want := "a duration (1.2s), a relative change (+10%) or a duration change (+50ms)"
	if share {
		want = "a share (2% or 0.02), a relative change (+10%) or a change in percentage points (+0.5pp)"
	}
	switch {
	case v == "":
		return fail(at, "no value after %s: want %s", g.Op, want)
	case strings.HasSuffix(v, "pp"):
		x, ok := num(strings.TrimSuffix(v, "pp"))
		if !ok || !signed {
			return fail(at, "%q: want a signed change in percentage points, such as +0.5pp", v)
		}
		if !share {
			return fail(at, "%q: percentage points are for failure shares; a percentile takes %s", v, want)
		}
		g.Kind, g.Value = GatePoints, x
	case strings.HasSuffix(v, "%"):
		x, ok := num(strings.TrimSuffix(v, "%"))
		switch {
		case !ok:
			return fail(at, "%q: want %s", v, want)
		case signed:
			g.Kind, g.Value = GateRelative, x
		case !share:
			return fail(at, "%q: a percentile takes %s (a bare %% is a share; write +%s for a change)", v, want, v)
		default:
			g.Kind, g.Value = GateLevel, x/100
		}
	default:
		if x, ok := num(v); ok && share && !signed {
			g.Kind, g.Value = GateLevel, x
			break
		}
		dur, err := time.ParseDuration(v)
		if err != nil || share {
			return fail(at, "%q: want %s", v, want)
		}
		g.Kind, g.Value = GateLevel, float64(dur)/1e6
		if signed {
			g.Kind = GateDelta
		}
	}
	if g.Kind == GateLevel && share && (g.Value < 0 || g.Value > 1) {
		return fail(at, "%q: a share is between 0 and 1 (0%% and 100%%)", v)
	}
	if g.NeedsBase() && !base {
		return fail(at, "%q is a change: it needs --compare BASE.json (or bound the value itself, e.g. 1.2s or 2%%)", v)
	}
	return g, nil
}

// GateVerdict is a gate judged on a result (and its base).
type GateVerdict struct {
	Gate    string `json:"gate"`
	Tripped bool   `json:"tripped"`
	// Base and Current are what the gate measured, in ms for a percentile
	// or a share for a failure share, with confidence intervals (Base is
	// nil without a base).
	Base    *Interval `json:"base,omitempty"`
	Current Interval  `json:"current"`
	// Change is the measured change in the gate's unit (percent, points
	// or ms), for change gates.
	Change float64 `json:"change,omitempty"`
	// Noise is true when a change gate's intervals overlap, or when a
	// level gate's limit lies inside the current interval: sampling alone
	// could move the verdict.
	Noise bool `json:"noise"`
	// NoData is true when the step or run time has no data in a result:
	// the gate does not trip.
	NoData bool `json:"no_data,omitempty"`
	// Detail says what was measured, in one line.
	Detail string `json:"detail"`
}

// JudgeGates evaluates gates on cur, against base for change gates (base
// may be nil when no gate needs it).
func JudgeGates(gs []Gate, base, cur *Result) []GateVerdict {
	var out []GateVerdict
	for _, g := range gs {
		out = append(out, judgeGate(g, base, cur))
	}
	return out
}

// gateSource finds what g measures in r.
func gateSource(g Gate, r *Result) (source, bool) {
	if g.Run != "" {
		s, ok := runSources(r)[g.Run]
		return s, ok
	}
	steps, _ := stepSources(r)
	s, ok := steps[g.Step]
	return s, ok
}

// gateValue returns what g measures of s, or why there is nothing.
func gateValue(g Gate, s source) (Interval, string) {
	if g.Quantile == 0 {
		if s.failN == 0 {
			return Interval{}, "no data"
		}
		return s.fail(), ""
	}
	if s.stats.Count == 0 {
		return Interval{}, "no data"
	}
	iv := s.quantile(g.Quantile)
	if !iv.Known && iv.Value == 0 && s.stats.MaxMS > 0 {
		return Interval{}, "no histogram to read p" + strconv.FormatFloat(g.Quantile*100, 'f', -1, 64) + " from"
	}
	return iv, ""
}

func judgeGate(g Gate, base, cur *Result) GateVerdict {
	v := GateVerdict{Gate: g.Text}
	show := func(x float64) string {
		if g.Quantile == 0 {
			return percent(x)
		}
		return humanMS(x)
	}
	why := "no data"
	cs, ok := gateSource(g, cur)
	if ok {
		v.Current, why = gateValue(g, cs)
	}
	if !ok || why != "" {
		v.NoData, v.Detail = true, why+" in the current result"
		return v
	}
	measured := v.Current.Value
	unit := ""
	if g.NeedsBase() {
		if base == nil {
			v.NoData, v.Detail = true, "no base result"
			return v
		}
		why := "no data"
		bs, ok := gateSource(g, base)
		var b Interval
		if ok {
			b, why = gateValue(g, bs)
		}
		if !ok || why != "" {
			v.NoData, v.Detail = true, why+" in the base result"
			return v
		}
		v.Base = &b
		v.Noise = b.Overlaps(v.Current)
		switch g.Kind {
		case GateRelative:
			switch {
			case b.Value == v.Current.Value:
				v.Change = 0
			case b.Value == 0:
				v.Change = math.Inf(1)
			default:
				v.Change = (v.Current.Value - b.Value) / b.Value * 100
			}
			unit = "%"
		case GatePoints:
			v.Change, unit = (v.Current.Value-b.Value)*100, "pp"
		case GateDelta:
			v.Change = v.Current.Value - b.Value
		}
		measured = v.Change
		v.Detail = fmt.Sprintf("%s → %s", show(b.Value), show(v.Current.Value))
		switch {
		case g.Kind == GateDelta:
			v.Detail += " (" + signed(humanMS(v.Change)) + ")"
		case math.IsInf(v.Change, 0):
			v.Detail += " (new)"
		default:
			v.Detail += fmt.Sprintf(" (%+.1f%s)", v.Change, unit)
		}
		if v.Noise {
			v.Detail += ", within noise"
		} else if b.Known && v.Current.Known {
			v.Detail += ", outside noise"
		}
	} else {
		v.Noise = v.Current.Known && v.Current.Low <= g.Value && g.Value <= v.Current.High
		v.Detail = show(v.Current.Value)
		if v.Current.Known {
			v.Detail += fmt.Sprintf(" (95%% CI %s–%s)", show(v.Current.Low), show(v.Current.High))
		}
		if v.Noise {
			v.Detail += ", the limit is within noise"
		}
	}
	switch g.Op {
	case ">":
		v.Tripped = measured > g.Value
	case ">=":
		v.Tripped = measured >= g.Value
	case "<":
		v.Tripped = measured < g.Value
	case "<=":
		v.Tripped = measured <= g.Value
	}
	return v
}

func signed(s string) string {
	if strings.HasPrefix(s, "-") {
		return s
	}
	return "+" + s
}
