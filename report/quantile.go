package report

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseQuantile reads a quantile key: p50 = 0.5, p95 = 0.95, p999 = 0.999,
// p9999 = 0.9999, p99.9 = 0.999, p5 = 0.05, p0 = 0, p100 = 1. The digits
// after the first two are decimals of the percentage, as HdrHistogram and
// most dashboards write them. Profiles' SLO keys and report gates use it.
func ParseQuantile(k string) (float64, error) {
	d := strings.TrimPrefix(strings.ToLower(k), "p")
	bad := fmt.Errorf("%q is not a quantile such as p50, p99 or p999", k)
	if d == "" || strings.Trim(d, "0123456789.") != "" || strings.Count(d, ".") > 1 {
		return 0, bad
	}
	pct := d
	if !strings.Contains(d, ".") && len(d) > 2 && d != "100" {
		pct = d[:2] + "." + d[2:]
	}
	f, err := strconv.ParseFloat(pct, 64)
	if err != nil || f > 100 {
		return 0, bad
	}
	return f / 100, nil
}
