package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
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
// the step is only in the other result. Percentiles holds p50, p95 and
// p99 with their confidence intervals; Fail the failure share with its
// interval (nil for completion and system_time, which have none).
type CompareRow struct {
	Name        string             `json:"name"`
	Base        Stats              `json:"base"`
	Current     Stats              `json:"current"`
	BaseFail    float64            `json:"base_fail"`
	CurrentFail float64            `json:"current_fail"`
	Missing     string             `json:"missing,omitempty"`
	Percentiles []PercentileChange `json:"percentiles,omitempty"`
	Fail        *ShareChange       `json:"fail,omitempty"`
}

// comparedQuantiles are the percentiles a comparison shows.
var comparedQuantiles = []float64{0.5, 0.95, 0.99}

// PercentileChange is one percentile in the base and the current result,
// each with its confidence interval (QuantileCI). Noise is true when the
// intervals overlap: the change is within what sampling alone gives.
type PercentileChange struct {
	Quantile float64  `json:"quantile"`
	Base     Interval `json:"base"`
	Current  Interval `json:"current"`
	Noise    bool     `json:"noise"`
}

// ShareChange is a failure share in the base and the current result, each
// with its Clopper–Pearson interval (ShareCI); Points is the change in
// percentage points; Noise is true when the intervals overlap.
type ShareChange struct {
	Base    Interval `json:"base"`
	Current Interval `json:"current"`
	Points  float64  `json:"points"`
	Noise   bool     `json:"noise"`
}

// Compare lines up cur against base.
func Compare(base, cur *Result) *Comparison {
	c := &Comparison{Base: describe(base), Current: describe(cur)}
	brun, crun := runSources(base), runSources(cur)
	for _, name := range []string{SLOEndToEnd, SLOCompletion, SLOSystemTime} {
		c.Rows = append(c.Rows, compareRow(name, brun[name], crun[name], true, true, name == SLOEndToEnd))
	}
	bm, border := stepSources(base)
	cm, corder := stepSources(cur)
	seen := map[string]bool{}
	for _, name := range append(border, corder...) {
		if seen[name] {
			continue
		}
		seen[name] = true
		b, inB := bm[name]
		k, inC := cm[name]
		c.Rows = append(c.Rows, compareRow(name, b, k, inB, inC, true))
	}
	return c
}

func compareRow(name string, b, k source, inB, inC, fail bool) CompareRow {
	row := CompareRow{Name: name, Base: b.stats, Current: k.stats, BaseFail: b.fail().Value, CurrentFail: k.fail().Value}
	switch {
	case !inB:
		row.Missing = "base"
		return row
	case !inC:
		row.Missing = "current"
		return row
	}
	for _, q := range comparedQuantiles {
		bq, kq := b.quantile(q), k.quantile(q)
		row.Percentiles = append(row.Percentiles, PercentileChange{Quantile: q, Base: bq, Current: kq, Noise: bq.Overlaps(kq)})
	}
	if fail {
		bf, kf := b.fail(), k.fail()
		row.Fail = &ShareChange{Base: bf, Current: kf, Points: (kf.Value - bf.Value) * 100, Noise: bf.Overlaps(kf)}
	}
	return row
}

func describe(r *Result) string {
	s := fmt.Sprintf("%s %s, %s runs", r.Source, r.Diagram, count(r.Runs))
	if r.Source == "trace" {
		s = fmt.Sprintf("trace check %s, %s traces", r.Diagram, count(r.Runs))
	}
	if r.Scenario != "" {
		s += ", scenario " + r.Scenario
	}
	for _, set := range r.Set {
		s += ", --set " + strconv.Quote(set)
	}
	return s
}

// noData is what a comparison shows for a value or change without data.
const noData = "—"

// noiseMark marks a change within the noise.
const noiseMark = "≈"

// legend explains the marks of a comparison.
const legend = noiseMark + " within noise: the 95% confidence intervals of base and current overlap; " + noData + " no data; fail changes in percentage points (pp)"

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

// points formats a change of shares in percentage points.
func points(d float64) string {
	switch {
	case d == 0:
		return "="
	case math.Abs(d) < 0.1:
		return fmt.Sprintf("%+.2fpp", d)
	}
	return fmt.Sprintf("%+.1fpp", d)
}

// cells returns a row's value and change cells: p50, p95, p99, fail.
func (r CompareRow) cells() (vals, deltas [4]string) {
	for i, p := range r.Percentiles {
		if r.Current.Count == 0 {
			vals[i] = noData
		} else {
			vals[i] = humanMS(p.Current.Value)
		}
		switch {
		case r.Base.Count == 0 || r.Current.Count == 0:
			deltas[i] = noData
		case p.Noise && p.Base.Value != p.Current.Value:
			deltas[i] = noiseMark + change(p.Base.Value, p.Current.Value)
		default:
			deltas[i] = change(p.Base.Value, p.Current.Value)
		}
	}
	switch f := r.Fail; {
	case f == nil:
	case !f.Current.Known:
		vals[3], deltas[3] = noData, noData
	case !f.Base.Known:
		vals[3], deltas[3] = percent(f.Current.Value), noData
	default:
		vals[3], deltas[3] = percent(f.Current.Value), points(f.Points)
		if f.Noise && f.Points != 0 {
			deltas[3] = noiseMark + deltas[3]
		}
	}
	return vals, deltas
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
			v, d := r.cells()
			base := [4]string{noData, noData, noData, ""}
			for i, p := range r.Percentiles {
				if r.Base.Count > 0 {
					base[i] = humanMS(p.Base.Value)
				}
			}
			if r.Fail != nil {
				base[3] = noData
				if r.Fail.Base.Known {
					base[3] = percent(r.Fail.Base.Value)
				}
			}
			fmt.Fprintf(w, "| %s |", mdEscape(r.Name))
			for i := range 4 {
				if v[i] == "" && base[i] == "" {
					fmt.Fprint(w, " | |")
					continue
				}
				fmt.Fprintf(w, " %s → %s | %s |", base[i], v[i], d[i])
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "\n%s.\n", legend)
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
			v, d := r.cells()
			for i := range 4 {
				fmt.Fprintf(tw, "%s\t%s\t", v[i], d[i])
			}
			fmt.Fprintf(tw, "  %s\n", r.Name)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "\n%s\n", legend)
		return err
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
