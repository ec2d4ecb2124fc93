package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
	"github.com/choreo-dev/choreo/sim"
)

// Severities, as SARIF names its levels.
const (
	Error   = "error"
	Warning = "warning"
	Note    = "note"
)

// Rank orders severities: note 1, warning 2, error 3 (0: unknown).
func Rank(severity string) int {
	switch severity {
	case Note:
		return 1
	case Warning:
		return 2
	case Error:
		return 3
	}
	return 0
}

// Finding is one thing lint found.
type Finding struct {
	// Rule is the rule's id (see Rules).
	Rule     string
	Severity string
	// Pos is where the finding is: the diagram's line of the message or
	// participant it concerns, or the profile's line of an entry that
	// only the profile has (a weight, a when, an SLO target).
	Pos flow.Pos
	// Profile is the profile's entry for the message, when it has one
	// (zero otherwise): where the fix goes.
	Profile flow.Pos
	Message string
	// Fix is what to change, with text ready to paste where it fits.
	Fix string
}

// Rule describes one rule.
type Rule struct {
	ID       string
	Severity string // its severity (some findings of a rule are notes; see Help)
	Summary  string
	Help     string
}

// Rule ids.
const (
	RuleTimeoutChain     = "timeout-exceeds-caller"
	RuleRetryIdempotent  = "retry-not-idempotent"
	RuleUnhandledFailure = "unhandled-failure"
	RuleUnanswered       = "unanswered-request"
	RuleOrphanReply      = "reply-without-request"
	RuleUnusedPart       = "unused-participant"
	RuleSLOImpossible    = "slo-below-least-latency"
	RuleSLOHumanTime     = "slo-includes-human-time"
	RuleZeroWeight       = "branch-weight-zero"
	RuleZeroProbability  = "block-probability-zero"
	RuleWhenUnreachable  = "when-cannot-happen"
	RuleDropOnSync       = "drop-on-sync"
)

// Rules lists every rule, in the order docs/lint.md gives them.
var Rules = []Rule{
	{RuleTimeoutChain, Error, "a callee's timeout × attempts (+ backoff) exceeds its caller's timeout or deadline",
		"The caller gives up before the callee's retries can finish: the callee's work is abandoned and its retries are wasted (the Istio Bookinfo lesson)."},
	{RuleRetryIdempotent, Warning, "retries on a message the profile does not mark idempotent",
		"A retry after a lost reply repeats the side effect (a second subscription, a second e-mail). Mark the message idempotent when the receiver deduplicates, or do not retry it."},
	{RuleUnhandledFailure, Warning, "a step that can fail after compensable steps, with neither a compensation nor a handler",
		"Its failure cascades and rolls back the compensable steps before it, and nothing undoes what it may itself have done; bind a branch to it, compensate it, or accept it with expect."},
	{RuleUnanswered, Warning, "a synchronous request that no reply answers",
		"The diagram never shows when the caller gets its answer, so the caller's timeout bounds only the delivery. Draw the reply, or use -) when the caller does not wait. A note when an actor sends it."},
	{RuleOrphanReply, Warning, "a reply (dotted arrow) with no open request to close",
		"The reply answers nothing: the request is missing, or is drawn after it, or the reply goes the wrong way."},
	{RuleUnusedPart, Warning, "a declared participant that no message (and no note) uses", "Remove it, or draw its messages."},
	{RuleSLOImpossible, Error, "an SLO tighter than the least possible latency of its path",
		"Lower bounds from the profile: the sum of the least latencies of the steps that always run, and each such step's own percentile (a sum is at least each of its parts); no run can meet the target."},
	{RuleSLOHumanTime, Warning, "an end_to_end or completion SLO whose path includes human time (messages actors send)",
		"Human time dominates such a percentile; bound the systems' share with system_time. A note when the profile bounds system_time too."},
	{RuleZeroWeight, Warning, "a branch with weight 0 and no when: it never runs", "Give it a weight above 0, bind it with when, or remove it."},
	{RuleZeroProbability, Warning, "an opt or break with probability 0 (and no when): it never runs", "Give it a probability above 0, bind the break with when, or remove it."},
	{RuleWhenUnreachable, Warning, "a when naming a failure that cannot happen there, or that never reaches the block",
		"The branch never runs. A note when only a drill can inject the failure (the profile gives the message no such fault)."},
	{RuleDropOnSync, Error, "a drop fault on a message that is not async: it can never happen",
		"Only async messages (-), --)) are lost in flight; choreo sim and drill refuse the profile until the fault goes."},
}

// Lint returns the findings of d and, when p is not nil, of the profile
// p resolved against it, sorted by file, line and column.
func Lint(d *flow.Diagram, p *sim.Profile) []Finding {
	l := &linter{d: d, p: p, g: flow.Build(d), msgs: d.Messages()}
	l.participants()
	l.exchanges()
	if p != nil {
		l.h = sim.NewHandlers(d, p)
		l.timeouts()
		l.retries()
		l.unhandled()
		l.slos()
		l.blocks()
		for _, u := range p.Unreachable {
			l.add(Finding{Rule: RuleDropOnSync, Severity: Error, Pos: u.Pos,
				Message: u.Msg + ": the drop can never happen, and choreo sim and drill refuse the profile",
				Fix:     "use kind error (the call fails) or timeout (no answer), or draw the message async (-)) if its sender does not wait"})
		}
	}
	slices.SortStableFunc(l.out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col), cmp.Compare(a.Rule, b.Rule))
	})
	return l.out
}

// Worst returns the rank of the most severe finding (0 for none).
func Worst(fs []Finding) int {
	w := 0
	for _, f := range fs {
		w = max(w, Rank(f.Severity))
	}
	return w
}

type linter struct {
	d    *flow.Diagram
	p    *sim.Profile
	g    *flow.Graph
	h    *sim.Handlers
	msgs []*flow.Message
	out  []Finding
}

func (l *linter) add(f Finding) { l.out = append(l.out, f) }

// name is "#N From->>To: text".
func name(m *flow.Message) string { return fmt.Sprintf("#%d %s", m.N, m.Selector()) }

func (l *linter) actor(id string) bool {
	pt := l.d.Participant(id)
	return pt != nil && pt.Kind == flow.KindActor
}

// set returns the settings of message n.
func (l *linter) set(n int) *sim.Settings { return l.p.Message(n) }

// Structure: participants, requests and replies.

func (l *linter) participants() {
	used := map[string]bool{}
	for _, m := range l.msgs {
		used[m.From], used[m.To] = true, true
	}
	l.d.Walk(func(s flow.Statement) {
		if n, ok := s.(*flow.Note); ok {
			for _, id := range n.Participants {
				used[id] = true
			}
		}
	})
	if l.p != nil {
		for _, c := range l.p.Extra {
			used[c.Message.From], used[c.Message.To] = true, true
		}
	}
	for _, pt := range l.d.Participants {
		if used[pt.ID] || !pt.Declared {
			continue
		}
		l.add(Finding{Rule: RuleUnusedPart, Severity: Warning, Pos: pt.Pos,
			Message: fmt.Sprintf("participant %s is declared but no message uses it", pt.ID),
			Fix:     fmt.Sprintf("remove its line, or draw its messages (… ->> %s: …)", pt.ID)})
	}
}

func (l *linter) exchanges() {
	for _, e := range l.g.Exchanges {
		m := e.Request
		// a message to oneself is work the participant does (App->>App:
		// validate): nobody answers it
		if !e.Unanswered() || m.From == m.To {
			continue
		}
		sev, why := Warning, "the diagram never draws its reply, so it runs as a one-way message: its timeout bounds only its delivery, not the work it starts"
		if l.actor(m.From) {
			sev, why = Note, "a person sends it, and the diagram never draws the answer"
		}
		l.add(Finding{Rule: RuleUnanswered, Severity: sev, Pos: m.Pos,
			Message: fmt.Sprintf("request %s is never answered: %s", name(m), why),
			Fix: fmt.Sprintf("draw the reply after the callee's work (%s-->>%s: …), or write %s-)%s: %s if %s does not wait",
				m.To, m.From, m.From, m.To, m.Text, m.From)})
	}
	for _, mi := range l.g.Messages {
		m := mi.Message
		if mi.Role != flow.RoleOneWay || !m.Arrow.Dotted() || m.Arrow.Async() || m.From == m.To {
			continue
		}
		l.add(Finding{Rule: RuleOrphanReply, Severity: Warning, Pos: m.Pos,
			Message: fmt.Sprintf("reply %s answers no request: no open %s->>%s before it", name(m), m.To, m.From),
			Fix: fmt.Sprintf("draw the request %s->>%s: … before it, or make it a message of its own (%s->>%s: %s)",
				m.To, m.From, m.From, m.To, m.Text)})
	}
}

// Timeouts: a callee's attempts must fit its caller's limit.

// worst is the longest an exchange's attempts can take: attempts ×
// timeout plus the backoffs between them (before jitter, which only
// shortens them), bounded by the deadline; 0 when nothing bounds it.
func worst(s *sim.Settings) (total, backoffs time.Duration) {
	if s.Timeout == 0 {
		return s.Deadline, 0
	}
	n := max(s.Retry.Attempts, 1)
	w := float64(s.Retry.Backoff)
	for i := 1; i < n; i++ {
		b := time.Duration(w)
		if s.Retry.Max > 0 {
			b = min(b, s.Retry.Max)
		}
		backoffs += b
		w *= max(s.Retry.Multiplier, 1)
	}
	total = time.Duration(n)*s.Timeout + backoffs
	if s.Deadline > 0 {
		total = min(total, s.Deadline)
	}
	return total, backoffs
}

// limit is the time a caller waits for one attempt of its exchange: its
// timeout, or its deadline when that is shorter (0: unbounded).
func limit(s *sim.Settings) (time.Duration, string) {
	switch {
	case s.Timeout > 0 && (s.Deadline == 0 || s.Timeout <= s.Deadline):
		return s.Timeout, "timeout " + fmtDur(s.Timeout)
	case s.Deadline > 0:
		return s.Deadline, "deadline " + fmtDur(s.Deadline)
	}
	return 0, ""
}

func (l *linter) timeouts() {
	for _, e := range l.g.Exchanges {
		par := e.Parent
		// only an answered exchange bounds the work nested in it: a one-way
		// or async message's timeout bounds its delivery
		if par == nil || len(par.Replies) == 0 || e.Async() {
			continue
		}
		cs, ps := l.set(e.Request.N), l.set(par.Request.N)
		lim, limText := limit(ps)
		total, backoffs := worst(cs)
		if lim == 0 || total == 0 || total <= lim {
			continue
		}
		n := max(cs.Retry.Attempts, 1)
		sum := fmt.Sprintf("timeout %s × %d attempts", fmtDur(cs.Timeout), n)
		if backoffs > 0 {
			sum += fmt.Sprintf(" + %s backoff", fmtDur(backoffs))
		}
		if cs.Timeout == 0 {
			sum = "deadline " + fmtDur(cs.Deadline)
		} else if cs.Deadline > 0 && total == cs.Deadline {
			sum += fmt.Sprintf(", cut by its deadline %s", fmtDur(cs.Deadline))
		}
		fix := ""
		if inner := ((lim - backoffs) / time.Duration(n)).Truncate(time.Millisecond); inner > 0 && cs.Timeout > 0 {
			fix = fmt.Sprintf("give %s a shorter timeout, at most %s with %d attempts (\"%s\": {timeout: %s}), or a deadline under %s; or raise %s's limit above %s",
				name(e.Request), fmtDur(inner), n, e.Request.Selector(), sim.FormatDuration(inner), fmtDur(lim), name(par.Request), fmtDur(total))
		} else {
			fix = fmt.Sprintf("retry %s fewer times or give it a deadline under %s; or raise %s's limit above %s",
				name(e.Request), fmtDur(lim), name(par.Request), fmtDur(total))
		}
		l.add(Finding{Rule: RuleTimeoutChain, Severity: Error, Pos: e.Request.Pos, Profile: cs.Pos,
			Message: fmt.Sprintf("%s can take %s (%s), more than its caller %s waits (%s)",
				name(e.Request), fmtDur(total), sum, name(par.Request), limText),
			Fix: fix})
	}
}

// Retries.

func (l *linter) retries() {
	check := func(m *flow.Message, s *sim.Settings, pos flow.Pos) {
		if s.Retry.Attempts <= 1 || s.Idempotent {
			return
		}
		l.add(Finding{Rule: RuleRetryIdempotent, Severity: Warning, Pos: pos, Profile: s.Pos,
			Message: fmt.Sprintf("%s is retried (%d attempts) but not marked idempotent: a retry after a lost reply repeats its effect", name(m), s.Retry.Attempts),
			Fix: fmt.Sprintf("if %s deduplicates (an idempotency key), mark it: \"%s\": {idempotent: true}; else do not retry it: \"%s\": {retry: {attempts: 1}}",
				m.To, m.Selector(), m.Selector())})
	}
	for _, mi := range l.g.Messages {
		if mi.Role == flow.RoleReply {
			continue
		}
		check(mi.Message, l.set(mi.Message.N), mi.Message.Pos)
	}
	for _, c := range l.p.Extra {
		check(c.Message, c.Settings, c.Settings.Pos)
	}
}

// Failures after compensable steps.

// failing lists the fault kinds message s can fail with (error, timeout,
// drop), in that order.
func failing(s *sim.Settings) []string {
	var ks []string
	for _, k := range []string{report.FaultError, report.FaultTimeout, report.FaultDrop} {
		for _, f := range s.Faults {
			if f.Kind == k && f.Rate > 0 {
				ks = append(ks, k)
				break
			}
		}
	}
	return ks
}

// exclusive reports whether two messages sit in different branches of one
// block: then one does not run before the other (alt) or not surely
// before it (par).
func exclusive(a, b *flow.MessageInfo) bool {
	for _, ra := range a.Path {
		for _, rb := range b.Path {
			if ra.Block == rb.Block && ra.Branch != rb.Branch {
				return true
			}
		}
	}
	return false
}

func (l *linter) handled(e *flow.Exchange, kind string) bool {
	for _, x := range e.Chain() {
		if l.h.Handles(x.Request.N, kind) {
			return true
		}
	}
	return false
}

func (l *linter) unhandled() {
	for _, mi := range l.g.Messages {
		m := mi.Message
		// an async message's failure stays in its fork, which starts
		// after it: no compensable step of the fork precedes it
		if mi.Role == flow.RoleReply || mi.Role == flow.RoleAsync || m.Arrow.Cross() {
			continue
		}
		s := l.set(m.N)
		if len(s.Compensate) > 0 {
			continue
		}
		var kinds []string
		for _, k := range failing(s) {
			if !l.handled(mi.Exchange, k) && !slices.Contains(s.Expect, k) && !slices.Contains(s.Expect, "fails") {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			continue
		}
		chain := mi.Exchange.Chain()
		var before []string
		for _, ci := range l.g.Messages[:m.N-1] {
			if ci.Role == flow.RoleReply || ci.Fork != mi.Fork || len(l.set(ci.Message.N).Compensate) == 0 || exclusive(ci, mi) ||
				slices.Contains(chain, ci.Exchange) {
				continue
			}
			before = append(before, name(ci.Message))
		}
		if len(before) == 0 {
			continue
		}
		var rates []string
		for _, k := range kinds {
			for _, f := range s.Faults {
				if f.Kind == k {
					rates = append(rates, fmt.Sprintf("%s %s", k, fmtShare(f.Rate)))
				}
			}
		}
		l.add(Finding{Rule: RuleUnhandledFailure, Severity: Warning, Pos: m.Pos, Profile: s.Pos,
			Message: fmt.Sprintf("%s can fail (%s) after %s, which have compensations, and nothing handles its failure: the run fails, rolls them back, and nothing undoes %s itself",
				name(m), strings.Join(rates, ", "), strings.Join(before, ", "), fmt.Sprintf("#%d", m.N)),
			Fix: fmt.Sprintf("%s, compensate it (\"%s\": {compensate: [\"%s->>%s: Undo %s\"]}), or accept it for drills (\"%s\": {expect: [%s]})",
				l.handleFix(m.N), m.Selector(), m.From, m.To, m.Text, m.Selector(), strings.Join(kinds, ", "))})
	}
}

// handleFix suggests binding a branch that follows message n to its
// failure: an existing unbound branch when one would take it.
func (l *linter) handleFix(n int) string {
	if key := sim.HandlerBranch(l.d, l.p, n, "fails"); key != "" {
		return fmt.Sprintf("handle it in %q (blocks: {%q: {when: \"#%d fails\"}})", key, key, n)
	}
	return fmt.Sprintf("handle it: draw an alt after #%d whose else branch handles the failure (blocks: {\"else …\": {when: \"#%d fails\"}})", n, n)
}

// Blocks: branches and blocks that never run.

func (l *linter) blocks() {
	for _, b := range l.d.Blocks() {
		bs := l.p.Blocks[b]
		if bs == nil {
			continue
		}
		when := func(i int) *sim.When {
			if i < len(bs.When) {
				return bs.When[i]
			}
			return nil
		}
		for i, w := range bs.Weights {
			if w == 0 && when(i) == nil {
				key := b.Key(i)
				l.add(Finding{Rule: RuleZeroWeight, Severity: Warning, Pos: bs.WeightsPos,
					Message: fmt.Sprintf("branch %q has weight 0 and no when: it never runs", key),
					Fix:     fmt.Sprintf("give it a weight above 0, bind it to a failure (\"%s\": {when: \"#N fails\"}), or remove the branch", key)})
			}
		}
		if bs.Probability != nil && *bs.Probability == 0 && when(0) == nil {
			key := b.Key(0)
			l.add(Finding{Rule: RuleZeroProbability, Severity: Warning, Pos: bs.ProbabilityPos,
				Message: fmt.Sprintf("%q has probability 0: it never runs", key),
				Fix:     fmt.Sprintf("give it a probability above 0 (\"%s\": {probability: 0.01})%s, or remove the block", key, map[bool]string{true: " or bind it with when", false: ""}[b.Kind == flow.Break])})
		}
		for i, w := range bs.When {
			if w != nil {
				l.when(b, i, w)
			}
		}
	}
}

// subtree lists e and the exchanges nested in it.
func subtree(e *flow.Exchange) []*flow.Exchange {
	out := []*flow.Exchange{e}
	for _, c := range e.Children {
		out = append(out, subtree(c)...)
	}
	return out
}

func (l *linter) when(b *flow.Block, i int, w *sim.When) {
	mi := l.g.Message(w.N)
	if mi == nil {
		return
	}
	m, key := mi.Message, b.Key(i)
	text := fmt.Sprintf("#%d %s", w.N, w.Fault)
	bad := func(sev, why, fix string) {
		l.add(Finding{Rule: RuleWhenUnreachable, Severity: sev, Pos: w.Pos,
			Message: fmt.Sprintf("%q is bound to %q, which %s", key, text, why), Fix: fix})
	}
	if !l.h.Bound(b, i) {
		bad(Warning, fmt.Sprintf("never takes it: the block does not follow %s in a list that encloses it, or an earlier branch handles that failure first", name(m)),
			fmt.Sprintf("move the block after %s, at its level or an enclosing one", name(m)))
		return
	}
	kinds := []string{w.Fault}
	if w.Fault == "fails" {
		kinds = []string{report.FaultError, report.FaultTimeout, report.FaultDrop}
	}
	if w.Fault == report.FaultDrop && !m.Arrow.Async() {
		bad(Warning, fmt.Sprintf("cannot happen: %s is not async, and only async messages (-), --)) are dropped", name(m)),
			fmt.Sprintf("bind it to \"#%d error\" or \"#%d fails\"", w.N, w.N))
		return
	}
	var ex []*flow.Exchange
	if mi.Exchange != nil && mi.Role != flow.RoleReply {
		ex = subtree(mi.Exchange)
	}
	structural, drawn := false, false // the kind can happen at all; a fault draws it
	for _, x := range ex {
		s := l.set(x.Request.N)
		for _, k := range kinds {
			switch k {
			case report.FaultTimeout:
				structural = structural || s.Timeout > 0 || s.Deadline > 0
			case report.FaultDrop:
				structural = structural || x.Async()
			default:
				structural = true
			}
			for _, f := range s.Faults {
				if f.Kind == k && f.Rate > 0 {
					drawn = true
				}
			}
			if k == report.FaultTimeout && s.Timeout > 0 {
				// a latency whose tail passes the timeout times out on
				// its own
				if q, ok := sim.LatencyQuantile(s.Latency, 0.9999); !ok || q >= s.Timeout {
					drawn = true
				}
			}
		}
	}
	switch {
	case !structural && w.Fault == report.FaultTimeout:
		bad(Warning, fmt.Sprintf("cannot happen: %s and the exchanges in it have no timeout or deadline to pass", name(m)),
			fmt.Sprintf("give it a timeout (\"%s\": {timeout: 5s}), or bind the branch to \"#%d error\"", m.Selector(), w.N))
	case !structural:
		bad(Warning, fmt.Sprintf("cannot happen on %s", name(m)), fmt.Sprintf("bind it to a failure %s can have", name(m)))
	case !drawn:
		bad(Note, fmt.Sprintf("the profile never injects: %s has no such fault, so only a drill runs the branch", name(m)),
			fmt.Sprintf("give it the fault it handles (\"%s\": {fault: {rate: 0.01, kind: %s}}) to see the branch in simulations", m.Selector(), kinds[0]))
	}
}

// fmtDur prints a duration the way profiles write them, rounded.
func fmtDur(d time.Duration) string { return sim.FormatRounded(d) }

func fmtShare(x float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", x*100), "0"), ".") + "%"
}
