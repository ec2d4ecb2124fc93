package report

import (
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/internal/mermaid"
)

// WriteMermaid writes the result's diagram annotated with the measured
// latencies: after each exchange's reply (after the request of a one-way
// or async message) a `Note over From,To: p50 120ms · p99 900ms` with the
// exchange's duration (the message's latency for one-way and async
// messages), plus `· fails 2.0%` on steps that failed and `· dropped
// 1.0%`, `· delayed 5.0%` on steps that drop or delay faults hit (an
// async step that failed only by drops says `dropped` alone). The text is the
// model printed by [flow.Diagram.Mermaid], so it parses back with choreo's
// parser and renders in Mermaid (and on GitHub).
//
// Without a Model the diagram source is written as it is, unannotated; a
// result that holds no diagram at all is an error.
func WriteMermaid(w io.Writer, r *Result) error {
	s, ok := annotatedMermaid(r)
	if !ok {
		if strings.TrimSpace(r.DiagramSource) == "" {
			return errors.New("mermaid: the result holds no diagram")
		}
		s = r.DiagramSource
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
	}
	_, err := io.WriteString(w, s)
	return err
}

// flowStep is one step of the flow as the reports show it: an exchange (a
// request and its reply), or a one-way or async message, with the
// distribution that describes it and how often it failed.
type flowStep struct {
	n, reply int    // request and first reply numbers (reply 0: none)
	replies  []int  // every reply that closes the request (none: one-way or async)
	selector string // the request's selector, "" if the result lacks it
	mode     string // "sync", "async" or "one-way"
	// stats is the exchange duration for sync steps, the message latency
	// for one-way and async ones.
	stats Stats
	// failed of ran is the step's failure rate, after retries.
	failed, ran int64
	// faults of attempts is the failure rate per attempt (retries seen
	// separately); attempts 0 when the result has no message stats.
	faults, attempts int64
	// drops and delays count the drop and delay faults of the request
	// and its replies.
	drops, delays int64
}

// rate is the share of runs in which the step failed.
func (s flowStep) rate() float64 { return ratio(s.failed, s.ran) }

// hasData reports whether the step ran at all.
func (s flowStep) hasData() bool { return s.stats.Count > 0 || s.failed > 0 }

// Step modes.
const (
	modeSync   = "sync"
	modeAsync  = "async"
	modeOneWay = "one-way"
)

// steps lists the steps of r in diagram order: one per exchange, or, when
// the result holds no exchanges (some trace checks), one per message that
// is not a reply. g may be nil.
func flowSteps(r *Result, g *flow.Graph) []flowStep {
	msgs := map[int]MessageStats{}
	for _, m := range r.Messages {
		msgs[m.N] = m
	}
	var out []flowStep
	if len(r.Exchanges) > 0 {
		for _, e := range r.Exchanges {
			m := msgs[e.Request]
			s := flowStep{n: e.Request, reply: e.Reply, replies: e.replies(), selector: m.Selector,
				failed: e.Failed, ran: e.Duration.Count + e.Failed}
			s.mode = stepMode(e.Request, e.Reply, m.Selector, g)
			s.stats = e.Duration
			if s.mode != modeSync && m.Latency.Count > 0 {
				s.stats = m.Latency
			}
			if m.N != 0 {
				s.faults, s.attempts = m.Faults.Error+m.Faults.Timeout+m.Faults.Drop, m.Latency.Count
			}
			for _, n := range append([]int{e.Request}, s.replies...) {
				s.drops += msgs[n].Faults.Drop
				s.delays += msgs[n].Faults.Delay
			}
			if s.ran == 0 && s.attempts > 0 {
				// The exchange was not measured: judge it by its message.
				s.failed, s.ran = s.faults, s.attempts
			}
			out = append(out, s)
		}
		// Async messages are steps too, though no exchange measures them
		// (a simulation's exchanges wait for replies): by their latency.
		requests := map[int]bool{}
		for _, e := range r.Exchanges {
			requests[e.Request] = true
		}
		for _, m := range r.Messages {
			if !requests[m.N] && stepMode(m.N, 0, m.Selector, g) == modeAsync && (g == nil || g.Message(m.N) != nil) {
				out = append(out, messageStep(m, g))
			}
		}
		slices.SortStableFunc(out, func(a, b flowStep) int { return a.n - b.n })
		return out
	}
	for _, m := range r.Messages {
		if g != nil {
			mi := g.Message(m.N)
			if mi == nil || mi.Role == flow.RoleReply {
				continue
			}
		}
		out = append(out, messageStep(m, g))
	}
	return out
}

// messageStep is a step measured by its message alone: a one-way or
// async message, or any request of a result without exchanges.
func messageStep(m MessageStats, g *flow.Graph) flowStep {
	f := m.Faults.Error + m.Faults.Timeout + m.Faults.Drop
	return flowStep{n: m.N, selector: m.Selector, mode: stepMode(m.N, 0, m.Selector, g),
		stats: m.Latency, failed: f, ran: m.Latency.Count, faults: f, attempts: m.Latency.Count,
		drops: m.Faults.Drop, delays: m.Faults.Delay}
}

// stepMode says whether the step that request n opens is synchronous,
// async or one-way: from the flow graph when there is one, else from the
// reply and the arrow in the selector.
func stepMode(n, reply int, selector string, g *flow.Graph) string {
	if g != nil {
		if mi := g.Message(n); mi != nil && (selector == "" || mi.Message.Selector() == selector) {
			switch {
			case mi.Role == flow.RoleAsync:
				return modeAsync
			case mi.Role == flow.RoleRequest:
				return modeSync
			}
			return modeOneWay
		}
	}
	switch head, _, _ := strings.Cut(selector, ": "); {
	case reply != 0:
		return modeSync
	case strings.Contains(head, "-)"):
		return modeAsync
	}
	return modeOneWay
}

// noteText is the annotation of a step: "p50 120ms · p99 900ms", plus
// "· fails 2.0%" when it failed, "· dropped 1.0%" and "· delayed 5.0%"
// when drop or delay faults hit it (its request or replies, per request
// sent; a step that failed only by drops says "dropped" alone), "" when
// it never ran.
func noteText(s flowStep) string {
	var parts []string
	if s.stats.Count > 0 {
		parts = append(parts, "p50 "+humanMS(s.stats.P50MS), "p99 "+humanMS(s.stats.P99MS))
	}
	// drop and delay faults, per request sent; "fails" is left out when
	// the drops are all its failures
	sent := max(s.attempts, s.ran)
	if s.failed > 0 && (s.drops == 0 || percent(s.rate()) != percent(ratio(s.drops, sent))) {
		parts = append(parts, "fails "+percent(s.rate()))
	}
	if s.drops > 0 {
		parts = append(parts, "dropped "+percent(ratio(s.drops, sent)))
	}
	if s.delays > 0 {
		parts = append(parts, "delayed "+percent(ratio(s.delays, sent)))
	}
	return strings.Join(parts, " · ")
}

// annotatedMermaid prints r.Model with a note after each step (see
// WriteMermaid). It reports false when r has no Model. r.Model is not
// changed: the notes go into a copy. The HTML renderer draws the same text.
func annotatedMermaid(r *Result) (string, bool) {
	if r.Model == nil {
		return "", false
	}
	d := *r.Model
	d.Statements = cloneStatements(d.Statements)
	g := flow.Build(&d) // fills ReplyTo on the copies only
	byN := map[int]flowStep{}
	for _, s := range flowSteps(r, g) {
		byN[s.n] = s
	}
	selectors := map[int]string{}
	for _, m := range r.Messages {
		selectors[m.N] = m.Selector
	}
	notes := map[*flow.Message]*flow.Note{}
	for _, e := range g.Exchanges {
		req := e.Request
		s, ok := byN[req.N]
		// A result made from another version of the diagram names its
		// messages differently: leave those unannotated.
		if sel, named := selectors[req.N]; !ok || !s.hasData() || named && sel != req.Selector() {
			continue
		}
		text := noteText(s)
		if text == "" {
			continue
		}
		who := []string{req.From, req.To}
		if req.From == req.To {
			who = who[:1]
		}
		after := e.Replies
		if len(after) == 0 {
			after = []*flow.Message{req}
		}
		for _, m := range after {
			notes[m] = &flow.Note{Placement: flow.Over, Participants: who, Text: text}
		}
	}
	d.Statements = insertNotes(d.Statements, notes)
	return mermaid.Format(&d), true
}

// cloneStatements copies a statement list deeply enough that building a
// flow graph on the copy and inserting notes into it leaves the original
// alone: blocks, branches and messages are copied, the other statements
// shared.
func cloneStatements(ss []flow.Statement) []flow.Statement {
	out := make([]flow.Statement, len(ss))
	for i, s := range ss {
		switch x := s.(type) {
		case *flow.Message:
			m := *x
			out[i] = &m
		case *flow.Block:
			b := *x
			b.Branches = make([]*flow.Branch, len(x.Branches))
			for k, br := range x.Branches {
				c := *br
				c.Statements = cloneStatements(br.Statements)
				b.Branches[k] = &c
			}
			out[i] = &b
		default:
			out[i] = s
		}
	}
	return out
}

// insertNotes puts notes[m] right after each message m, in place (the
// lists are copies from cloneStatements).
func insertNotes(ss []flow.Statement, notes map[*flow.Message]*flow.Note) []flow.Statement {
	out := make([]flow.Statement, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
		switch x := s.(type) {
		case *flow.Message:
			if n, ok := notes[x]; ok {
				out = append(out, n)
			}
		case *flow.Block:
			for _, br := range x.Branches {
				br.Statements = insertNotes(br.Statements, notes)
			}
		}
	}
	return out
}
