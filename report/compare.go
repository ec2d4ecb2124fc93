package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Comparison is the difference between two results of the same flow — two
// simulations, or a simulation and production traces — per run time and
// per step. Steps are matched by selector, so a simulation and a trace
// check of the same diagram line up.
type Comparison struct {
	Base    string       `json:"base"`
	Current string       `json:"current"`
	Rows    []CompareRow `json:"rows"`
}

// CompareRow is one run time or step: percentiles (ms) and failure share
// in the base and the current result. Missing is "base" or "current" when
// the step is only in the other result.
type CompareRow struct {
	Name        string  `json:"name"`
	Base        Stats   `json:"base"`
	Current     Stats   `json:"current"`
	BaseFail    float64 `json:"base_fail"`
	CurrentFail float64 `json:"current_fail"`
	Missing     string  `json:"missing,omitempty"`
}

// Compare lines up cur against base.
func Compare(base, cur *Result) *Comparison {
	c := &Comparison{Base: describe(base), Current: describe(cur)}
	fail := func(r *Result) float64 {
		if r.Runs == 0 {
			return 0
		}
		return float64(r.Outcomes.Failed+r.Outcomes.Inconsistent) / float64(r.Runs)
	}
	c.Rows = append(c.Rows,
		CompareRow{Name: "end_to_end", Base: base.EndToEnd, Current: cur.EndToEnd, BaseFail: fail(base), CurrentFail: fail(cur)},
		CompareRow{Name: "completion", Base: base.Completion, Current: cur.Completion},
		CompareRow{Name: "system_time", Base: base.SystemTime, Current: cur.SystemTime},
	)
	type step struct {
		s    Stats
		fail float64
	}
	steps := func(r *Result) (map[string]step, []string) {
		m := map[string]step{}
		var order []string
		sel := map[int]string{}
		for _, msg := range r.Messages {
			sel[msg.N] = msg.Selector
		}
		for _, e := range r.Exchanges {
			name := sel[e.Request]
			runs := e.Duration.Count + e.Failed
			f := 0.0
			if runs > 0 {
				f = float64(e.Failed) / float64(runs)
			}
			m[name] = step{e.Duration, f}
			order = append(order, name)
		}
		for _, msg := range r.Messages {
			if _, ok := m[msg.Selector]; ok {
				continue
			}
			f := 0.0
			if msg.Latency.Count > 0 {
				f = float64(msg.Faults.Error+msg.Faults.Timeout+msg.Faults.Drop) / float64(msg.Latency.Count)
			}
			m[msg.Selector] = step{msg.Latency, f}
			order = append(order, msg.Selector)
		}
		return m, order
	}
	bm, border := steps(base)
	cm, corder := steps(cur)
	seen := map[string]bool{}
	for _, name := range append(border, corder...) {
		if seen[name] {
			continue
		}
		seen[name] = true
		b, inB := bm[name]
		k, inC := cm[name]
		row := CompareRow{Name: name, Base: b.s, Current: k.s, BaseFail: b.fail, CurrentFail: k.fail}
		switch {
		case !inB:
			row.Missing = "base"
		case !inC:
			row.Missing = "current"
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

func describe(r *Result) string {
	s := fmt.Sprintf("%s %s, %s runs", r.Source, r.Diagram, count(r.Runs))
	if r.Scenario != "" {
		s += ", scenario " + r.Scenario
	}
	for _, set := range r.Set {
		s += ", --set " + strconv.Quote(set)
	}
	return s
}

// change formats the relative change from a to b.
func change(a, b float64) string {
	switch {
	case a == b:
		return "="
	case a == 0:
		return "new"
	}
	d := (b - a) / a * 100
	return fmt.Sprintf("%+.1f%%", d)
}

// WriteComparison renders a comparison as text, markdown or json.
func WriteComparison(w io.Writer, c *Comparison, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	case "markdown":
		fmt.Fprintf(w, "## Comparison\n\nBase: %s. Current: %s.\n\n", c.Base, c.Current)
		fmt.Fprintln(w, "| step | p50 | Δ | p95 | Δ | p99 | Δ | fail | Δ |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
		for _, r := range c.Rows {
			if r.Missing != "" {
				fmt.Fprintf(w, "| %s | only in %s | | | | | | | |\n", mdEscape(r.Name), other(r.Missing))
				continue
			}
			fmt.Fprintf(w, "| %s | %s → %s | %s | %s → %s | %s | %s → %s | %s | %s → %s | %s |\n", mdEscape(r.Name),
				humanMS(r.Base.P50MS), humanMS(r.Current.P50MS), change(r.Base.P50MS, r.Current.P50MS),
				humanMS(r.Base.P95MS), humanMS(r.Current.P95MS), change(r.Base.P95MS, r.Current.P95MS),
				humanMS(r.Base.P99MS), humanMS(r.Current.P99MS), change(r.Base.P99MS, r.Current.P99MS),
				percent(r.BaseFail), percent(r.CurrentFail), change(r.BaseFail, r.CurrentFail))
		}
		return nil
	case "text", "":
		fmt.Fprintf(w, "Base:    %s\nCurrent: %s\n\n", c.Base, c.Current)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "p50\tΔ\tp95\tΔ\tp99\tΔ\tfail\tΔ\t  step")
		for _, r := range c.Rows {
			if r.Missing != "" {
				fmt.Fprintf(tw, "\t\t\t\t\t\t\t\t  %s (only in %s)\n", r.Name, other(r.Missing))
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t  %s\n",
				humanMS(r.Current.P50MS), change(r.Base.P50MS, r.Current.P50MS),
				humanMS(r.Current.P95MS), change(r.Base.P95MS, r.Current.P95MS),
				humanMS(r.Current.P99MS), change(r.Base.P99MS, r.Current.P99MS),
				percent(r.CurrentFail), change(r.BaseFail, r.CurrentFail), r.Name)
		}
		return tw.Flush()
	}
	return fmt.Errorf("no %s form for a comparison: use text, markdown or json", format)
}

func other(missing string) string {
	if missing == "base" {
		return "current"
	}
	return "base"
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
