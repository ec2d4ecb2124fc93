package report

import (
	"math"
	"strconv"
	"strings"
)

// Number formats of the text renderer. Each is one function so that every
// table writes a value the same way.

// humanMS writes a duration given in milliseconds the way people read
// one: three significant digits in the largest unit below 1000 of it
// (420ns, 850µs, 12.3ms, 1.42s), minutes and seconds from a minute
// (2m03s), hours and minutes from an hour (26h05m).
func humanMS(msv float64) string {
	if math.IsNaN(msv) || math.IsInf(msv, 0) {
		return strconv.FormatFloat(msv, 'f', -1, 64)
	}
	if msv < 0 {
		return "-" + humanMS(-msv)
	}
	ns := msv * 1e6
	if ns < 0.5 {
		return "0s"
	}
	if ns < 999.5 {
		return strconv.FormatFloat(math.Round(ns), 'f', 0, 64) + "ns"
	}
	for _, u := range [...]struct {
		div  float64
		name string
	}{{1e3, "µs"}, {1e6, "ms"}} {
		if s, ok := sig3(ns/u.div, u.name); ok {
			return s
		}
	}
	sec := ns / 1e9
	switch {
	case sec < 9.995:
		return strconv.FormatFloat(sec, 'f', 2, 64) + "s"
	case sec < 59.95:
		return strconv.FormatFloat(sec, 'f', 1, 64) + "s"
	}
	t := int64(math.Round(sec))
	if t < 3600 {
		return strconv.FormatInt(t/60, 10) + "m" + two(t%60) + "s"
	}
	m := int64(math.Round(sec / 60))
	return strconv.FormatInt(m/60, 10) + "h" + two(m%60) + "m"
}

// sig3 writes v with three significant digits if it stays below 1000
// once rounded.
func sig3(v float64, unit string) (string, bool) {
	switch {
	case v < 9.995:
		return strconv.FormatFloat(v, 'f', 2, 64) + unit, true
	case v < 99.95:
		return strconv.FormatFloat(v, 'f', 1, 64) + unit, true
	case v < 999.5:
		return strconv.FormatFloat(v, 'f', 0, 64) + unit, true
	}
	return "", false
}

func two(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// count writes an integer with thousands separators: 1,980.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// percent writes a share in [0, 1] as a percentage with one decimal (two
// below 0.1%), never rounding a partial share to 0% or 100%.
func percent(x float64) string {
	p := x * 100
	switch {
	case math.IsNaN(p):
		return "-"
	case p == 0:
		return "0%"
	case p < 0.005:
		return "<0.01%"
	case p < 0.1:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	case p >= 99.95 && p < 100:
		return ">99.9%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// ratio is n/d as a share, 0 when d is 0.
func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// bars are the eight heights of a spark line.
var bars = []rune("▁▂▃▄▅▆▇█")

// spark draws p50, p90, p95, p99, p99.9 and max as bars relative to the
// max: a flat line is a tight distribution, a late jump a long tail.
func spark(s Stats) string {
	if s.Count == 0 || s.MaxMS <= 0 {
		return ""
	}
	vs := [...]float64{s.P50MS, s.P90MS, s.P95MS, s.P99MS, s.P999MS, s.MaxMS}
	out := make([]rune, len(vs))
	for i, v := range vs {
		k := int(math.Ceil(v/s.MaxMS*float64(len(bars)))) - 1
		out[i] = bars[min(max(k, 0), len(bars)-1)]
	}
	return string(out)
}

// exchangeLabel names an exchange by its request and every reply that
// closes it, the one form every report uses: "#1→#4,#5" for a request
// answered in two places, "#2→#3", and "#7" for a one-way or async step.
func exchangeLabel(e ExchangeStats) string {
	return "#" + exchangeNumbers(e.Request, e.replies(), "#")
}

// exchangeNumbers is exchangeLabel without its first "#", with mark
// before each reply's number: "1→4,5" with mark "" (in a table column
// headed #).
func exchangeNumbers(request int, replies []int, mark string) string {
	s := strconv.Itoa(request)
	for i, n := range replies {
		if i == 0 {
			s += "→"
		} else {
			s += ","
		}
		s += mark + strconv.Itoa(n)
	}
	return s
}

// replies lists the replies that close the exchange: Replies when the
// result lists them (a request answered in several places), else Reply
// alone, else none (one-way and async steps).
func (e ExchangeStats) replies() []int {
	switch {
	case len(e.Replies) > 0:
		return e.Replies
	case e.Reply != 0:
		return []int{e.Reply}
	}
	return nil
}

// cascadeLine is the one-line account of a cascade that the text and HTML
// reports share: "#2 App->>Billing: Provision subscription error in 1.5% of
// runs (1,548) → failed #2 → #1; compensated …; seen after …". A failure
// in an async fork says so, and when the fork failed: the initiator does
// not see it ("… → failed #9 in the fork started by #6 Shop-)Email: Send
// receipt; the main timeline goes on; the fork's own steps compensated in
// 40 runs; the fork failed after …"). name names a message by its number;
// esc escapes plain text for the output; mark highlights the outcome and
// the inconsistent count ("outcome" or "inconsistent" says which).
func cascadeLine(name func(n int) string, c Cascade, esc func(string) string, mark func(text, what string) string) string {
	var b strings.Builder
	b.WriteString(esc(name(c.Root.N)) + " " + esc(c.Root.Fault))
	b.WriteString(" in " + percent(c.Share) + " of runs (" + count(c.Runs) + ") → ")
	b.WriteString(mark(esc(c.Outcome), "outcome"))
	for i, n := range c.Chain {
		if i > 0 {
			b.WriteString(" →")
		}
		b.WriteString(" #" + strconv.Itoa(n))
	}
	if c.Fork != 0 {
		if c.Fork == c.Root.N {
			b.WriteString("; the fork it starts does not run")
		} else {
			b.WriteString(" in the fork started by " + esc(name(c.Fork)))
		}
		b.WriteString("; the main timeline goes on")
	}
	if c.Compensated > 0 {
		if c.Fork != 0 {
			b.WriteString("; the fork's own steps compensated in " + count(c.Compensated) + " runs")
		} else {
			b.WriteString("; compensated " + count(c.Compensated) + " runs")
		}
	}
	if c.Inconsistent > 0 {
		b.WriteString("; " + mark(count(c.Inconsistent)+" inconsistent", "inconsistent"))
	}
	if ttf := c.TimeToFailure; ttf.Count > 0 {
		if c.Fork != 0 {
			b.WriteString("; the fork failed after " + humanMS(ttf.P50MS) + " (p50), " + humanMS(ttf.P99MS) +
				" (p99) from the run's start")
		} else {
			b.WriteString("; seen after " + humanMS(ttf.P50MS) + " (p50), " + humanMS(ttf.P99MS) + " (p99)")
		}
	}
	if len(c.Examples) > 0 {
		b.WriteString("; e.g. trace " + esc(strings.Join(c.Examples, ", ")))
	}
	return b.String()
}

// partialWhy says why a result is partial and what it covers: the
// shards a merge went without, or an interruption.
func partialWhy(r *Result) string {
	if len(r.MissingShards) == 0 {
		return "interrupted, these results cover the " + covered(r)
	}
	what := "shards "
	switch {
	case strings.HasPrefix(r.MissingShards[0], "runs "):
		what = ""
	case len(r.MissingShards) == 1:
		what = "shard "
	}
	s := what + strings.Join(r.MissingShards, ", ") + " missing from the merge, these results cover " + count(r.Runs)
	if r.RunsOf > 0 {
		s += " of the " + count(r.RunsOf)
	}
	return s + " runs"
}

// covered says what a partial result covers: "N runs done so far" or "N
// traces read so far".
func covered(r *Result) string {
	if r.Source == "trace" {
		return count(r.Runs) + " traces read so far"
	}
	return count(r.Runs) + " runs done so far"
}
