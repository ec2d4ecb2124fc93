package report

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// MaxUnmapped is how many entries Conformance.Unmapped lists at most; the
// spans of the rest are counted in Conformance.UnmappedMore.
const MaxUnmapped = 100

// unmappedKinds orders the kinds of Unmapped entries with the same counts.
var unmappedKinds = map[string]int{"service": 1, "peer": 2, "span": 3}

// CompareUnmapped orders unmapped entries as results list them: most spans
// first, then most traces, then by kind (service, peer, span), service,
// span name, From and To. No two entries of one list compare equal.
func CompareUnmapped(a, b *Unmapped) int {
	return cmp.Or(
		cmp.Compare(b.Spans, a.Spans),
		cmp.Compare(b.Traces, a.Traces),
		cmp.Compare(unmappedKinds[a.Kind], unmappedKinds[b.Kind]),
		strings.Compare(a.Kind, b.Kind),
		strings.Compare(a.Service, b.Service),
		strings.Compare(a.Name, b.Name),
		strings.Compare(a.From, b.From),
		strings.Compare(a.To, b.To),
	)
}

// MergeUnmapped joins lists of unmapped entries (a trace check's own
// list, or the lists of results to merge): entries with the same kind,
// service, name, From and To add their spans and traces and keep the
// nearest match of higher similarity (on a tie the smaller name). The
// result is ordered by CompareUnmapped and cut at MaxUnmapped; more is
// the number of spans the cut leaves out.
//
// Every step is a sum or a maximum, so lists merge to the same bytes in
// any grouping: shards of a trace check (each trace in one shard) merge
// to exactly the whole check's list, as long as no list was cut.
func MergeUnmapped(lists ...[]Unmapped) (merged []Unmapped, more int64) {
	type key struct{ kind, service, name, from, to string }
	idx := map[key]int{}
	for _, l := range lists {
		for _, u := range l {
			k := key{u.Kind, u.Service, u.Name, u.From, u.To}
			i, ok := idx[k]
			if !ok {
				idx[k] = len(merged)
				merged = append(merged, u)
				continue
			}
			o := &merged[i]
			o.Spans += u.Spans
			o.Traces += u.Traces
			if betterNearest(u.Nearest, u.Similarity, o.Nearest, o.Similarity) {
				o.Nearest, o.Similarity = u.Nearest, u.Similarity
			}
		}
	}
	slices.SortFunc(merged, func(a, b Unmapped) int { return CompareUnmapped(&a, &b) })
	if len(merged) > MaxUnmapped {
		for _, u := range merged[MaxUnmapped:] {
			more += u.Spans
		}
		merged = slices.Clip(merged[:MaxUnmapped])
	}
	return merged, more
}

// betterNearest reports whether the match n (similarity s) beats the
// match m (similarity t): a match beats none, a higher similarity a
// lower, and on a tie the smaller name wins.
func betterNearest(n string, s float64, m string, t float64) bool {
	switch {
	case n == "":
		return false
	case m == "":
		return true
	case s != t:
		return s > t
	}
	return n < m
}

// mergeUnmapped gives out the merged unmapped lists of rs, when they have
// conformance (trace checks).
func mergeUnmapped(out *Result, rs []*Result) {
	var lists [][]Unmapped
	var more int64
	for _, r := range rs {
		if c := r.Conformance; c != nil {
			lists = append(lists, c.Unmapped)
			more += c.UnmappedMore
		}
	}
	if lists == nil {
		return
	}
	if out.Conformance == nil {
		out.Conformance = &Conformance{Deviations: []Deviation{}, UnmappedServices: []string{}}
	}
	var cut int64
	out.Conformance.Unmapped, cut = MergeUnmapped(lists...)
	out.Conformance.UnmappedMore = more + cut
}

// unmappedName names an unmapped entry: the service or peer name, or
// the call as "From->>To: span name" ("?" for a participant not known).
func unmappedName(u Unmapped) string {
	switch u.Kind {
	case "span":
		from, to := u.From, u.To
		if from == "" {
			from = "?"
		}
		if to == "" {
			to = "?"
		}
		return from + "->>" + to + ": " + u.Name
	case "peer":
		return u.Service + ", called by " + u.From
	}
	return u.Service
}

// unmappedHint is the text report's advice when the mapping missed
// something.
const unmappedHint = "  hint: `choreo check … --suggest-map map.yaml` writes a starting map from these traces;\n" +
	"        check it and pass it with --map (every key: docs/map.md)\n"

// unmapped writes the unmapped services and span names of a trace
// check: up to maxProblems rows, most spans first, each with its nearest
// match, then the hint.
func (p *textPrinter) unmapped(c *Conformance) {
	if len(c.Unmapped) == 0 {
		if len(c.UnmappedServices) > 0 {
			p.printf("  unmapped services: %s\n", strings.Join(c.UnmappedServices, ", "))
			p.printf("%s", unmappedHint)
		}
		return
	}
	if len(c.Deviations) > 0 {
		p.printf("\n")
	}
	t := &table{left: 1}
	t.add("unmapped; nearest match (similarity)", cell{s: "kind"}, cell{s: "spans"}, cell{s: "traces"})
	for i, u := range c.Unmapped {
		if i == maxProblems {
			break
		}
		trail := unmappedName(u)
		if u.Kind == "span" && u.Service != "" {
			trail += " (" + u.Service + ")"
		}
		if u.Nearest != "" {
			trail += "; " + u.Nearest + " (" + strconv.FormatFloat(u.Similarity, 'f', 2, 64) + ")"
		} else {
			trail += "; nothing near"
		}
		t.add(trail, cell{s: u.Kind}, cell{s: count(u.Spans)}, cell{s: count(u.Traces)})
	}
	t.write(p)
	if rest, more := len(c.Unmapped)-maxProblems, c.UnmappedMore; rest > 0 || more > 0 {
		var parts []string
		if rest > 0 {
			parts = append(parts, mdPlural(int64(rest), "more entry", "more entries")+" in the JSON output")
		}
		if more > 0 {
			parts = append(parts, mdPlural(more, "span", "spans")+" of names not listed")
		}
		p.printf("  … %s\n", strings.Join(parts, "; "))
	}
	p.printf("%s", unmappedHint)
}

// unmapped writes the unmapped services and span names as a table.
func (p *mdWriter) unmapped(c *Conformance) {
	if len(c.Unmapped) == 0 {
		if len(c.UnmappedServices) > 0 {
			var s []string
			for _, u := range c.UnmappedServices {
				s = append(s, mdCode(u, false))
			}
			p.printf("\nServices in the traces that map to no participant: %s.\n", strings.Join(s, ", "))
		}
		return
	}
	p.printf("\nWhat the mapping could not place, with the nearest participant or message " +
		"(similarity from 0 to 1; docs/map.md):\n\n")
	p.printf("| Unmapped | Kind | Spans | Traces | Nearest | Similarity |\n|---|---|--:|--:|---|--:|\n")
	for _, u := range c.Unmapped {
		near, sim := "—", "—"
		if u.Nearest != "" {
			near, sim = mdCode(u.Nearest, true), strconv.FormatFloat(u.Similarity, 'f', 2, 64)
		}
		name := mdCode(unmappedName(u), true)
		if u.Kind == "span" && u.Service != "" {
			name += " (" + mdCode(u.Service, true) + ")"
		}
		p.printf("| %s | %s | %s | %s | %s | %s |\n", name, u.Kind, count(u.Spans), count(u.Traces), near, sim)
	}
	if c.UnmappedMore > 0 {
		p.printf("\n%s of other names are not listed.\n", upperFirst(mdPlural(c.UnmappedMore, "span", "spans")))
	}
}

// unmapped writes the unmapped services and span names as a table.
func (p *htmlPage) unmapped(c *Conformance) {
	if len(c.Unmapped) == 0 {
		if len(c.UnmappedServices) > 0 {
			var us []string
			for _, s := range c.UnmappedServices {
				us = append(us, "<code>"+htmlEsc(s)+"</code>")
			}
			p.printf("<p>Unmapped services: %s.</p>\n", strings.Join(us, ", "))
		}
		return
	}
	p.print("<table>\n<caption>What the mapping could not place, with the nearest participant or message</caption>\n",
		htmlHead("kind", "unmapped", "#spans", "#traces", "nearest", "#similarity"), "<tbody>\n")
	for _, u := range c.Unmapped {
		near, sim := "", ""
		if u.Nearest != "" {
			near, sim = "<code>"+htmlEsc(u.Nearest)+"</code>", strconv.FormatFloat(u.Similarity, 'f', 2, 64)
		}
		name := "<code>" + htmlEsc(unmappedName(u)) + "</code>"
		if u.Kind == "span" && u.Service != "" {
			name += " (<code>" + htmlEsc(u.Service) + "</code>)"
		}
		p.printf("<tr><th scope=\"row\">%s</th><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td>%s</td><td class=\"num\">%s</td></tr>\n",
			htmlEsc(u.Kind), name, count(u.Spans), count(u.Traces), near, sim)
	}
	p.print("</tbody>\n</table>\n")
	if c.UnmappedMore > 0 {
		p.printf("<p class=\"note\">%s of other names are not listed.</p>\n", upperFirst(mdPlural(c.UnmappedMore, "span", "spans")))
	}
}
