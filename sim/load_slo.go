package sim

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/lookup"
	"github.com/choreo-dev/choreo/internal/suggest"
	"github.com/choreo-dev/choreo/internal/yamlpos"
	"github.com/choreo-dev/choreo/report"
)

// Loading the profile's slo section: quantile targets on run times,
// messages and exchanges, and the bound on failed runs.

type sloKey struct {
	metric string
	n      int
	q      float64
}

func (l *loader) slo(p *Profile, layers []layer) {
	targets := map[sloKey]report.SLOTarget{}
	l.sloPos = map[string]flow.Pos{}
	for _, ly := range layers {
		for _, e := range l.f.Mapping(ly.slo, "slo") {
			k := e.Key.Value
			switch {
			case k == report.SLOFailed:
				if x, ok := l.share(e.Val, "failed"); ok {
					targets[sloKey{metric: report.SLOFailed}] = report.SLOTarget{Target: "failed <= " + fmtPercent(x), Metric: report.SLOFailed, Share: x}
					l.sloPos["failed <= "+fmtPercent(x)] = l.f.Pos(e.Key)
				}
			case slices.Contains(sloMetrics, k):
				l.quantileTargets(e.Val, k, k, 0, targets)
			case strings.Contains(k, ":") || strings.HasPrefix(strings.TrimSpace(k), "#") || strings.Contains(k, "->"):
				m, err := l.d.Lookup(k)
				if err != nil {
					l.f.Errorf(e.Key, "%v", lookup.Explain(err))
					continue
				}
				metric := report.SLOMessage
				for _, o := range l.msgs {
					if o.ReplyTo == m.N {
						metric = report.SLOExchange
						break
					}
				}
				l.quantileTargets(e.Val, metric, strconv.Quote(m.Selector()), m.N, targets)
			default:
				l.f.Errorf(e.Key, "unknown slo key %q%s; want %s, or a message selector", k, suggest.DidYouMean(k, sloMetrics), strings.Join(sloMetrics, ", "))
			}
		}
	}
	p.SLOPos = map[string]flow.Pos{}
	for _, t := range targets {
		p.SLO = append(p.SLO, t)
		p.SLOPos[t.Target] = l.sloPos[t.Target]
	}
	order := func(m string) int {
		if i := slices.Index(sloMetrics, m); i >= 0 {
			return i
		}
		return len(sloMetrics)
	}
	slices.SortFunc(p.SLO, func(a, b report.SLOTarget) int {
		return cmp.Or(cmp.Compare(order(a.Metric), order(b.Metric)), cmp.Compare(a.N, b.N), cmp.Compare(a.Quantile, b.Quantile))
	})
}

func (l *loader) quantileTargets(v *yaml.Node, metric, name string, n int, targets map[sloKey]report.SLOTarget) {
	ents := l.f.Mapping(v, "an slo target")
	if yamlpos.Deref(v) != nil && yamlpos.Deref(v).Kind == yaml.MappingNode && len(ents) == 0 {
		l.f.Errorf(v, "slo %s: want percentiles, such as {p95: 3s, p99: 10s}", name)
	}
	for _, e := range ents {
		q, err := parseP(e.Key.Value)
		if err == nil && q == 0 {
			err = fmt.Errorf("%q: p0 is no target; want a percentile above 0 such as p50 or p99", e.Key.Value)
		}
		if err != nil {
			l.f.Errorf(e.Key, "slo %s: %v", strings.Trim(name, `"`), err)
			continue
		}
		d, ok := l.duration(e.Val, e.Key.Value)
		if !ok {
			continue
		}
		t := report.SLOTarget{Target: fmt.Sprintf("%s %s <= %s", name, pName(q), fmtDur(d)),
			Metric: metric, N: n, Quantile: q, Limit: d}
		targets[sloKey{metric, n, q}] = t
		l.sloPos[t.Target] = l.f.Pos(e.Key)
	}
}

func fmtPercent(x float64) string { return strconv.FormatFloat(x*100, 'g', -1, 64) + "%" }
