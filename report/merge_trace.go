package report

import (
	"slices"
	"strings"
)

// mergeTrace completes out, the merge of trace checks rs of the same
// diagram over disjoint traces (`choreo serve` instances behind a
// Collector's loadbalancing exporter, or checks of separate files): the
// input counts, the conformance (traces, conforming, fitness weighted by
// traces, deviations summed by kind and message), the exchanges' server
// and gap times, and why a message no result saw went unseen. Counts
// and histograms merge exactly; fitness up to float rounding; a
// deviation keeps the first MaxExamples example traces in the order of
// rs, and deviations with as many traces keep the order in which rs
// list them.
func mergeTrace(out *Result, rs []*Result) {
	in := &Input{Problems: []Problem{}}
	for _, r := range rs {
		if r.Input == nil {
			continue
		}
		in.Files += r.Input.Files
		in.Traces += r.Input.Traces
		in.Spans += r.Input.Spans
		in.Malformed += r.Input.Malformed
		in.Problems = append(in.Problems, r.Input.Problems...)
	}
	out.Input = in

	if out.Conformance == nil {
		out.Conformance = &Conformance{Deviations: []Deviation{}, UnmappedServices: []string{}}
	}
	c := out.Conformance
	c.Deviations, c.UnmappedServices = []Deviation{}, []string{}
	fitness := 0.0
	at := map[string]int{}
	for _, r := range rs {
		rc := r.Conformance
		if rc == nil {
			continue
		}
		c.Traces += rc.Traces
		c.Conforming += rc.Conforming
		fitness += rc.Fitness * float64(rc.Traces)
		for _, d := range rc.Deviations {
			key := d.Kind + "\x00" + d.Message
			i, ok := at[key]
			if !ok {
				i = len(c.Deviations)
				at[key] = i
				c.Deviations = append(c.Deviations, Deviation{Kind: d.Kind, Message: d.Message, Examples: []string{}})
			}
			c.Deviations[i].Traces += d.Traces
			c.Deviations[i].Examples = addExamples(c.Deviations[i].Examples, d.Examples)
		}
		for _, s := range rc.UnmappedServices {
			if !slices.Contains(c.UnmappedServices, s) {
				c.UnmappedServices = append(c.UnmappedServices, s)
			}
		}
	}
	if c.Traces > 0 {
		c.Fitness = fitness / float64(c.Traces)
	}
	slices.SortStableFunc(c.Deviations, func(a, b Deviation) int { return int(b.Traces - a.Traces) })
	slices.Sort(c.UnmappedServices)

	// server and gap times
	if h := out.Histograms; h != nil {
		n := len(out.Exchanges)
		for _, r := range rs {
			rh := r.Histograms
			if rh == nil || len(rh.ExchangesServer) != n || len(rh.ExchangesGap) != n {
				continue
			}
			if h.ExchangesServer == nil {
				for range n {
					h.ExchangesServer = append(h.ExchangesServer, NewHistogram())
					h.ExchangesGap = append(h.ExchangesGap, NewHistogram())
				}
			}
			for i := range n {
				h.ExchangesServer[i].Merge(rh.ExchangesServer[i])
				h.ExchangesGap[i].Merge(rh.ExchangesGap[i])
			}
		}
		if h.ExchangesServer != nil {
			for i := range out.Exchanges {
				out.Exchanges[i].Server = new(h.ExchangesServer[i].Stats())
				out.Exchanges[i].Gap = new(h.ExchangesGap[i].Stats())
			}
		}
	}

	// a message seen in no result keeps the first reason given
	for i := range out.Messages {
		m := &out.Messages[i]
		m.Unobserved = ""
		if m.Latency.Count > 0 || m.Faults.Error > 0 || m.Faults.Timeout > 0 {
			continue
		}
		for _, r := range rs {
			if i < len(r.Messages) && strings.TrimSpace(r.Messages[i].Unobserved) != "" {
				m.Unobserved = r.Messages[i].Unobserved
				break
			}
		}
	}
}
