package trace

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// SuggestMap writes a mapping file for d (the format of [LoadMapping])
// that places what a check could not: each unmapped service and peer
// name of res.Conformance.Unmapped goes to its nearest participant (as a
// service or peer name), each unmatched span name to its nearest message
// (as an http rule when it reads as "METHOD /path", else a span rule;
// to every message drawn with that selector, since the alignment tells
// them apart by position). A comment above each entry gives the evidence:
// spans, traces, similarity and why. What has no nearest match is listed
// in the header comment, to be placed by hand.
//
// A participant the file names loses its default names (its id and
// label), so a new participant entry lists them after the suggested
// ones. base is the mapping file the check used (nil for none): the
// suggestions are added to its entries, so that the written file
// replaces it. The file loads with [LoadMapping] as it is.
func SuggestMap(w io.Writer, d *flow.Diagram, base []byte, res *report.Result) error {
	doc := &yaml.Node{Kind: yaml.DocumentNode}
	if len(base) > 0 {
		if err := yaml.Unmarshal(base, doc); err != nil {
			return fmt.Errorf("mapping file: %w", err)
		}
	}
	if len(doc.Content) == 0 {
		doc = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return fmt.Errorf("mapping file: want a mapping (key: value lines)")
	}
	s := &suggester{d: d, def: DefaultMapping(d), top: top}

	var unplaced []string
	var list []report.Unmapped
	if res.Conformance != nil {
		list = slices.Clone(res.Conformance.Unmapped)
	}
	// entries in the diagram's order: participants, then messages
	rank := func(u report.Unmapped) int {
		if u.Kind == unmappedSpan {
			for _, m := range d.Messages() {
				if m.Selector() == u.Nearest {
					return len(d.Participants) + m.N
				}
			}
			return len(d.Participants) + len(d.Messages()) + 1
		}
		return slices.IndexFunc(d.Participants, func(p *flow.Participant) bool { return p.ID == u.Nearest })
	}
	slices.SortStableFunc(list, func(a, b report.Unmapped) int { return rank(a) - rank(b) })
	counts := func(u report.Unmapped, what string) string {
		return fmt.Sprintf("%s in %s", countOf(u.Spans, what), countOf(u.Traces, "trace"))
	}
	for _, u := range list {
		switch u.Kind {
		case unmappedService, unmappedPeer:
			p := d.Participant(u.Nearest)
			if p == nil {
				what := "service " + u.Service
				if u.Kind == unmappedPeer {
					what = "peer " + u.Service + " (called by " + u.From + ")"
				}
				unplaced = append(unplaced, fmt.Sprintf("%s: %s; no participant is near", what, counts(u, "span")))
				continue
			}
			why := "by name"
			if byName := max(similarity(u.Service, p.ID), similarity(u.Service, p.Label)); u.Similarity > byName {
				why = "its spans match messages " + p.ID
				if u.Kind == unmappedPeer {
					why = "calls to it match messages " + u.From + " sends " + p.ID
				} else {
					why += " sends or receives"
				}
			}
			key, what := "service", "service "+u.Service
			if u.Kind == unmappedPeer {
				key, what = "peer", "peer "+u.Service+" (called by "+u.From+")"
			}
			s.participant(p, key, u.Service, fmt.Sprintf("%s: %s; similarity %.2f, %s",
				what, counts(u, "span"), u.Similarity, why))
		case unmappedSpan:
			label := cmp.Or(u.From, "(caller not traced)") + "->>" + cmp.Or(u.To, "(no callee)") + ": " + u.Name
			evidence := fmt.Sprintf("%s (service %s): %s", label, u.Service, counts(u, "span"))
			if u.To == "" {
				unplaced = append(unplaced, fmt.Sprintf("%s; the span names no callee: give its participant a peer name", evidence))
				continue
			}
			var ms []*flow.Message
			for _, m := range d.Messages() {
				if u.Nearest != "" && m.Selector() == u.Nearest {
					ms = append(ms, m)
				}
			}
			if len(ms) == 0 {
				unplaced = append(unplaced, evidence+"; no message is near")
				continue
			}
			rule := "span"
			if method, _, ok := splitHTTP(u.Name); ok && method != "" {
				rule = "http"
			}
			note := fmt.Sprintf("%s; similarity %.2f", evidence, u.Similarity)
			if len(ms) > 1 {
				note += fmt.Sprintf(" (drawn %d times: where the span is in its trace tells which)", len(ms))
			}
			for _, m := range ms {
				s.message(m, rule, u.Name, note)
			}
		}
	}

	var head strings.Builder
	fmt.Fprintf(&head, "A map for %s, suggested by choreo check --suggest-map from %s.\n", cmp.Or(res.Diagram, "the diagram"), countOf(res.Runs, "trace"))
	head.WriteString("Each service and span name that nothing mapped goes to its nearest participant or\n" +
		"message; the comment above each entry gives the evidence. Check them, edit, and pass\n" +
		"the file with --map. Every key is explained in docs/map.md.")
	if len(base) > 0 {
		head.WriteString("\nThe entries of the map the check used are kept.")
	}
	if len(unplaced) > 0 {
		head.WriteString("\n\nNot placed (nothing in the diagram is near; add them by hand):")
		for _, u := range unplaced {
			head.WriteString("\n  " + u)
		}
	}
	// the base's own comment, without what an earlier suggestion wrote
	for para := range strings.SplitSeq(doc.HeadComment, "\n\n") {
		para = strings.Trim(para, "\n")
		if para == "" || strings.HasPrefix(para, "# A map for ") && strings.Contains(para, "--suggest-map") ||
			strings.HasPrefix(para, "# Not placed (") {
			continue
		}
		head.WriteString("\n\n" + para)
	}
	doc.HeadComment = head.String()

	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

func countOf(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.FormatInt(n, 10) + " " + what + "s"
}

// suggester adds entries to a mapping file's YAML.
type suggester struct {
	d   *flow.Diagram
	def *Mapping // the default mapping: whose names are whose
	top *yaml.Node
}

// section returns the mapping under the top-level key (participants or
// messages), adding it when missing.
func (s *suggester) section(key string) *yaml.Node {
	for i := 0; i+1 < len(s.top.Content); i += 2 {
		if s.top.Content[i].Value == key {
			v := s.top.Content[i+1]
			if v.Kind != yaml.MappingNode { // null, or something LoadMapping reports anyway
				*v = yaml.Node{Kind: yaml.MappingNode}
			}
			return v
		}
	}
	v := &yaml.Node{Kind: yaml.MappingNode}
	s.top.Content = append(s.top.Content, scalar(key), v)
	return v
}

// participant adds name to participant p's list key (service or peer),
// with the comment note.
func (s *suggester) participant(p *flow.Participant, key, name, note string) {
	sec := s.section("participants")
	for i := 0; i+1 < len(sec.Content); i += 2 {
		if sec.Content[i].Value == p.ID {
			addComment(sec.Content[i], note)
			addTo(sec.Content[i+1], "service", key, name)
			return
		}
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	addTo(v, "service", key, name)
	// the file replaces the participant's default names: keep them
	for _, n := range []string{p.ID, p.Label} {
		if id, ok := s.def.names[normName(n)]; ok && id == p.ID && !s.claimed(normName(n)) {
			addTo(v, "service", "service", n)
		}
	}
	k := scalar(p.ID)
	addComment(k, note)
	sec.Content = append(sec.Content, k, v)
}

// claimed reports whether a participant entry of the file names the
// normalised name already.
func (s *suggester) claimed(norm string) bool {
	sec := s.section("participants")
	found := false
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.ScalarNode:
			found = found || normName(n.Value) == norm
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c)
			}
		case yaml.MappingNode:
			for i := 1; i < len(n.Content); i += 2 {
				walk(n.Content[i])
			}
		}
	}
	for i := 1; i < len(sec.Content); i += 2 {
		walk(sec.Content[i])
	}
	return found
}

// message adds the rule (span or http) value to message m, with the
// comment note.
func (s *suggester) message(m *flow.Message, rule, value, note string) {
	sec := s.section("messages")
	for i := 0; i+1 < len(sec.Content); i += 2 {
		if got, err := s.d.Lookup(sec.Content[i].Value); err == nil && got == m {
			addComment(sec.Content[i], note)
			addTo(sec.Content[i+1], "span", rule, value)
			return
		}
	}
	key := m.Selector()
	if got, err := s.d.Lookup(key); err != nil || got != m {
		key = "#" + strconv.Itoa(m.N)
		note += fmt.Sprintf("\nthe one at line %d (message %s)", m.Pos.Line, key)
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	addTo(v, "span", rule, value)
	k := scalar(key)
	addComment(k, note)
	sec.Content = append(sec.Content, k, v)
}

// addTo adds value to the list under key of an entry's value v; a value
// that is a name or a list of names (the short form, whose key is short)
// becomes a mapping first.
func addTo(v *yaml.Node, short, key, value string) {
	for v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind != yaml.MappingNode {
		old := *v
		*v = yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		moveComments(v, &old)
		if old.Kind == yaml.ScalarNode || old.Kind == yaml.SequenceNode {
			v.Content = []*yaml.Node{scalar(short), &old}
		}
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		if v.Content[i].Value != key {
			continue
		}
		l := v.Content[i+1]
		if l.Kind == yaml.ScalarNode {
			old := *l
			*l = yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{&old}}
			moveComments(l, &old)
		}
		if l.Kind == yaml.SequenceNode && !slices.ContainsFunc(l.Content, func(n *yaml.Node) bool { return n.Value == value }) {
			l.Content = append(l.Content, scalar(value))
		}
		return
	}
	v.Content = append(v.Content, scalar(key),
		&yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{scalar(value)}})
}

// moveComments moves the comments of from, a value that becomes part of
// to, onto to: a comment inside a flow collection breaks its line.
func moveComments(to, from *yaml.Node) {
	to.HeadComment, to.LineComment, to.FootComment = from.HeadComment, from.LineComment, from.FootComment
	from.HeadComment, from.LineComment, from.FootComment = "", "", ""
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func addComment(n *yaml.Node, note string) {
	if n.HeadComment != "" {
		n.HeadComment += "\n"
	}
	n.HeadComment += note
}
