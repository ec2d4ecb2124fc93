package sim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// FitProfile writes a profile (YAML, docs/profile.md) that replays what a
// trace check measured, so that production can be simulated as a
// what-if. res is a trace check's result with its histograms; when it
// carries FitData (trace.Checker.KeepFit, as `choreo fit` from traces
// does) the profile has, per message:
//
//   - latency: the distribution fitted to the latencies of the attempts
//     that succeeded, as the simulator adds them (a request's own time
//     included, its nested calls left out; see report.FitMessage), among
//     constant, exponential, lognormal, gamma, Weibull and quantiles by
//     Kolmogorov–Smirnov distance (the rule is in fitdist.go);
//   - fault: the rate per attempt of the errors and timeouts that started
//     at the message (not those a nested failure cascaded into it, nor
//     timeouts while a nested call still ran: the simulator makes those
//     itself);
//   - timeout: the median time callers waited before giving up, where
//     some did (defaults.timeout is 0: no limit where none was seen);
//   - retry: where calls took more than one attempt, the most attempts
//     seen, the backoff from the wait before the second attempt: the
//     largest wait, with full jitter; equal jitter when ten waits or more
//     all lie above 40% of it; none when they are all alike;
//
// and per block: alt/critical weights from how often each branch was
// taken, a branch taken only after the same earlier failure bound to it
// (when: "#N fails"), opt and break probabilities, loop iterations.
// Messages sent by actors are fitted like the others: their latency is
// the human time.
//
// Without FitData (a check result written by `choreo check`), the
// profile has the latencies of the result's message histograms (failed
// attempts included) and fault rates less the failures that the
// result's cascades say were cascaded; no timeouts, retries or blocks.
//
// Each entry is commented with its sample size, the chosen fit and its KS
// distance D (and the other candidates'), the observed p50 and p99.
func FitProfile(d *flow.Diagram, res *report.Result) ([]byte, error) {
	if res.Histograms == nil || len(res.Histograms.Messages) < len(res.Messages) {
		return nil, fmt.Errorf("the result has no histograms: write it with choreo check --format json")
	}
	msgs := d.Messages()
	if len(res.Messages) < len(msgs) {
		return nil, fmt.Errorf("the result has %d messages, the diagram %d: is it a result of this diagram?", len(res.Messages), len(msgs))
	}
	for i, m := range msgs {
		if res.Messages[i].Selector != m.Selector() {
			return nil, fmt.Errorf("message #%d is %q in the result, %q in the diagram: is it a result of this diagram?", i+1, res.Messages[i].Selector, m.Selector())
		}
	}
	if res.Fit != nil && len(res.Fit.Messages) != len(msgs) {
		return nil, fmt.Errorf("the result's fit data has %d messages, the diagram %d", len(res.Fit.Messages), len(msgs))
	}

	var b strings.Builder
	traces := res.Runs
	fmt.Fprintf(&b, "# Profile fitted by choreo fit from %d traces", traces)
	if res.Diagram != "" {
		fmt.Fprintf(&b, " of %s", res.Diagram)
	}
	b.WriteString(".\n")
	b.WriteString(`# Per message: n, the attempts measured; the latency form chosen by the
# Kolmogorov-Smirnov distance D (the largest gap between the observed and the
# fitted CDF; the other candidates' D in brackets); the observed p50 and p99.
# Fault rates are per attempt, of the failures that started at the message.
`)
	if res.Fit == nil {
		b.WriteString("# Fitted from a check result: no timeouts, retries or block settings\n# (fit from the traces for those).\n")
	}
	b.WriteString("\ndefaults:\n  timeout: 0                       # no limit where no caller gave up\n")
	b.WriteString("\nmessages:\n")
	cascaded := cascadedFaults(res)
	actor := map[string]bool{}
	for _, p := range d.Participants {
		actor[p.ID] = p.Kind == flow.KindActor
	}
	for i, m := range msgs {
		fitMessage(&b, i, m, res, cascaded, actor)
	}
	if res.Fit != nil {
		fitBlocks(&b, res.Fit.Blocks)
	}
	return []byte(b.String()), nil
}

// cascadedFaults counts, per message number, the failures that cascades
// carried into it from a nested root cause.
func cascadedFaults(res *report.Result) map[int]int64 {
	c := map[int]int64{}
	for _, cs := range res.Cascades {
		for _, n := range cs.Chain {
			if n != cs.Root.N {
				c[n] += cs.Runs
			}
		}
	}
	return c
}

func fitMessage(b *strings.Builder, i int, m *flow.Message, res *report.Result, cascaded map[int]int64, actor map[string]bool) {
	sel := strconv.Quote(m.Selector())
	var (
		h        = res.Histograms.Messages[i]
		faults   = res.Messages[i].Faults
		attempts = res.Messages[i].Latency.Count
		fm       *report.FitMessage
	)
	if res.Fit != nil {
		fm = &res.Fit.Messages[i]
		h, faults, attempts = fm.Latency, fm.Faults, fm.Attempts
	} else {
		// without fit data, a failed exchange counts on every message of
		// its chain: keep what started here
		own := max(faults.Error+faults.Timeout-cascaded[m.N], 0)
		faults.Timeout = min(faults.Timeout, own)
		faults.Error = own - faults.Timeout
	}
	if h == nil || h.Count() == 0 {
		why := res.Messages[i].Unobserved
		if why == "" {
			why = "no attempt succeeded with both spans"
		}
		if attempts == 0 || faults.Error+faults.Timeout+faults.Drop == 0 {
			fmt.Fprintf(b, "  # %s: not fitted: %s\n", sel, why)
			return
		}
		// it failed every time: its faults, and the latency of the profile
		fmt.Fprintf(b, "  # latency not fitted: %s\n  %s:\n", why, sel)
		writeFaults(b, faults, attempts)
		return
	}
	fr := fitLatency(h)
	fmt.Fprintf(b, "  # n=%d %s D=%s", fr.n, fr.chosen.name, fmtD(fr.chosen.d))
	var others []string
	for _, c := range fr.candidates {
		if c.name != fr.chosen.name {
			others = append(others, c.name+" "+fmtD(c.d))
		}
	}
	if len(others) > 0 {
		fmt.Fprintf(b, " (%s)", strings.Join(others, ", "))
	}
	fmt.Fprintf(b, "; observed p50 %s, p99 %s", fmtDur(roundSig(fr.p50, 4)), fmtDur(roundSig(fr.p99, 4)))
	if actor[m.From] {
		b.WriteString("; human time (sent by an actor)")
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "  %s:\n    latency: %s\n", sel, latencyString(fr.chosen.lat))

	// Timeouts: the fitted latency times some attempts out by itself
	// once the timeout is set; those expected are not injected again
	// (attempts · P(latency > timeout) under the fit).
	var timeout time.Duration
	var slowNote string
	if fm != nil && fm.GaveUp != nil && fm.GaveUp.Count() > 0 {
		timeout = roundSig(fm.GaveUp.Quantile(0.5), 3)
		if faults.Timeout > 0 {
			exp := float64(attempts) * survival(fr.chosen, timeout)
			if k := int64(math.Round(exp)); k > 0 {
				slowNote = fmt.Sprintf(", %d of them expected from the latency alone", min(k, faults.Timeout))
				faults.Timeout = max(faults.Timeout-k, 0)
			}
		}
	}
	writeFaults(b, faults, attempts)
	if fm == nil {
		return
	}
	if timeout > 0 {
		times := fmt.Sprintf("%d times", fm.GaveUp.Count())
		if fm.GaveUp.Count() == 1 {
			times = "once"
			if slowNote != "" {
				slowNote = ", as expected from the latency alone"
			}
		}
		fmt.Fprintf(b, "    timeout: %s   # callers gave up %s%s\n", fmtDur(timeout), times, slowNote)
	}
	if fm.MaxAttempts > 1 {
		fmt.Fprintf(b, "    retry: {attempts: %d", fm.MaxAttempts)
		if w := fm.RetryWait; w != nil && w.Count() > 0 {
			lo, hi := w.Min(), w.Max()
			switch {
			case lo >= hi*9/10:
				fmt.Fprintf(b, ", backoff: %s, jitter: none", fmtDur(roundSig(w.Quantile(0.5), 3)))
			case lo >= hi*4/10 && w.Count() >= 10:
				// equal jitter waits in [b/2, b]: ten or more waits none of
				// which fell under 40% of the largest (a full jitter puts a
				// wait there with probability 0.4 each)
				fmt.Fprintf(b, ", backoff: %s, jitter: equal", fmtDur(roundSig(hi, 3)))
			default:
				fmt.Fprintf(b, ", backoff: %s, jitter: full", fmtDur(roundSig(hi, 3)))
			}
		}
		fmt.Fprintf(b, "}   # %d of %d calls retried\n", fm.Retried, fm.Calls)
	}
}

// writeFaults writes the fault list of a message: the rate of each kind
// per attempt.
func writeFaults(b *strings.Builder, faults report.Faults, attempts int64) {
	if attempts == 0 || faults.Error+faults.Timeout+faults.Drop == 0 {
		return
	}
	b.WriteString("    fault:\n")
	for _, f := range []struct {
		kind string
		n    int64
	}{{report.FaultError, faults.Error}, {report.FaultTimeout, faults.Timeout}, {report.FaultDrop, faults.Drop}} {
		if f.n > 0 {
			fmt.Fprintf(b, "      - {rate: %s, kind: %s}   # %d of %d attempts\n",
				strconv.FormatFloat(float64(f.n)/float64(attempts), 'g', 3, 64), f.kind, f.n, attempts)
		}
	}
}

// survival is the share of draws of c above t.
func survival(c fitCandidate, t time.Duration) float64 {
	if c.cdf == nil { // a constant
		if d, ok := c.lat.(Constant); ok && time.Duration(d) > t {
			return 1
		}
		return 0
	}
	return 1 - c.cdf(float64(t))
}

// latencyString is the profile form of l: String, except that a
// constant 0 is written "0" (a duration without a unit is refused, but
// 0 is not).
func latencyString(l Latency) string {
	if c, ok := l.(Constant); ok && c == 0 {
		return "0"
	}
	return fmt.Sprint(l)
}

func fmtD(d float64) string { return strconv.FormatFloat(d, 'f', 3, 64) }

func fitBlocks(b *strings.Builder, blocks []report.FitBlock) {
	var lines []string
	add := func(comment, key, value string) {
		lines = append(lines, "  # "+comment, "  "+strconv.Quote(key)+": "+value)
	}
	for _, fb := range blocks {
		if fb.Reached == 0 {
			continue
		}
		var taken int64
		for _, t := range fb.Taken {
			taken += t
		}
		reached := fmt.Sprintf("reached in %d traces", fb.Reached)
		keyOf := func(k int) string { return blockKey(fb, k) }
		switch flow.BlockKind(fb.Kind) {
		case flow.Alt, flow.Critical:
			weights := make([]string, len(fb.Taken))
			whens := make([]string, len(fb.Taken))
			notes := make([]string, len(fb.Taken))
			unbound, sum := 0, int64(0)
			for k, t := range fb.Taken {
				if n := boundTo(fb, k); n > 0 {
					whens[k] = fmt.Sprintf("when: \"#%d fails\"", n)
					notes[k] = fmt.Sprintf("taken in %d traces, each after #%d failed", t, n)
					weights[k] = "0"
					continue
				}
				weights[k] = strconv.FormatInt(t, 10)
				unbound++
				sum += t
			}
			// the opening line's key names the block (weights) and its
			// first branch (when): one entry for both
			if unbound > 1 && sum > 0 {
				w := "weights: [" + strings.Join(weights, ", ") + "]"
				note := fmt.Sprintf("%s; branches taken %v times", reached, fb.Taken)
				if whens[0] != "" {
					w, note = whens[0]+", "+w, notes[0]+"; "+note
				}
				whens[0], notes[0] = w, note
			}
			for k, w := range whens {
				if w != "" {
					add(notes[k], keyOf(k), "{"+w+"}")
				}
			}
		case flow.Opt:
			add(fmt.Sprintf("%s, taken in %d", reached, taken), fb.Key,
				fmt.Sprintf("{probability: %s}", strconv.FormatFloat(float64(taken)/float64(fb.Reached), 'g', 3, 64)))
		case flow.Break:
			if n := boundTo(fb, 0); n > 0 {
				add(fmt.Sprintf("taken in %d traces, each after #%d failed", taken, n),
					fb.Key, fmt.Sprintf("{when: \"#%d fails\"}", n))
			} else {
				add(fmt.Sprintf("%s, taken in %d", reached, taken), fb.Key,
					fmt.Sprintf("{probability: %s}", strconv.FormatFloat(float64(taken)/float64(fb.Reached), 'g', 3, 64)))
			}
		case flow.Loop:
			if c, how := fitIterations(fb.Iterations); c != "" {
				add(fmt.Sprintf("%s; %s", reached, how), fb.Key, "{iterations: \""+c+"\"}")
			}
		}
	}
	if len(lines) > 0 {
		b.WriteString("\nblocks:\n" + strings.Join(lines, "\n") + "\n")
	}
}

// blockKey is the profile key of branch k.
func blockKey(fb report.FitBlock, k int) string {
	if k == 0 || len(fb.Keys) <= k {
		return fb.Key
	}
	return fb.Keys[k]
}

// boundTo returns the request whose failure every trace that took branch
// k had seen (0: none, or the branch also ran without a failure).
func boundTo(fb report.FitBlock, k int) int {
	if k >= len(fb.Failed) || k >= len(fb.FailedBy) || fb.Taken[k] == 0 || fb.Failed[k] != fb.Taken[k] {
		return 0
	}
	return fb.FailedBy[k]
}

// fitIterations chooses a count for a loop's observed iterations: the
// constant when there is one value, uniform(min, max) when the chi-square
// test at the 1% level does not reject it, else the quantiles of the
// counts.
func fitIterations(its map[int]int64) (string, string) {
	var ks []int
	var n int64
	for k, c := range its {
		if c > 0 && k > 0 {
			ks = append(ks, k)
			n += c
		}
	}
	if len(ks) == 0 {
		return "", ""
	}
	slices.Sort(ks)
	lo, hi := ks[0], ks[len(ks)-1]
	how := fmt.Sprintf("%d to %d iterations over %d traces", lo, hi, n)
	if lo == hi {
		return strconv.Itoa(lo), how
	}
	cells := hi - lo + 1
	exp := float64(n) / float64(cells)
	chi := 0.0
	for k := lo; k <= hi; k++ {
		d := float64(its[k]) - exp
		chi += d * d / exp
	}
	if exp >= 5 && (distuv.ChiSquared{K: float64(cells - 1)}).Survival(chi) > 0.01 {
		return fmt.Sprintf("uniform(%d, %d)", lo, hi), how + ", uniform by chi-square"
	}
	// quantiles of the counts, written as plain numbers: a draw is
	// rounded to the nearest count
	var pts []string
	cum, prev := int64(0), math.Inf(-1)
	want := []float64{0.5, 0.9, 0.99}
	for _, k := range ks {
		cum += its[k]
		for len(want) > 0 && float64(cum) >= want[0]*float64(n) {
			if v := float64(k); v > prev {
				pts = append(pts, pName(want[0])+"="+strconv.Itoa(k))
				prev = v
			}
			want = want[1:]
		}
	}
	s := "quantiles(min=" + strconv.Itoa(lo)
	if len(pts) > 0 && !strings.HasSuffix(pts[0], "="+strconv.Itoa(lo)) {
		s += ", " + strings.Join(pts, ", ")
	} else if len(pts) > 1 {
		s += ", " + strings.Join(pts[1:], ", ")
	}
	return s + ", max=" + strconv.Itoa(hi) + ")", how
}
