package trace

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/choreo-dev/choreo/flow"
	"github.com/choreo-dev/choreo/report"
)

// ObservedExchange is one observed call between two participants: a client span
// and the server span under it, a producer and its consumer, a client
// span whose callee has no spans (named by peer attributes), or a root
// server span whose caller is not traced.
type ObservedExchange struct {
	From, To string
	// Message is the diagram message the exchange maps to, nil when no
	// message matches. Candidates are all the messages it may stand for,
	// in document order (several when the same call is drawn in several
	// places); Observe sets Message to the first, and the alignment to
	// the one whose place in the flow the exchange takes.
	Message    *flow.Message
	Candidates []*flow.Message
	// Client is the caller's span (client or producer), nil for a root
	// server span; Server is the callee's (server or consumer), nil when
	// the callee has no spans (Peer is then the attribute that named it).
	Client, Server *Span
	Peer           string
	// Async is true for a producer/consumer pair.
	Async bool

	// Start is when the exchange began (the client span's start, else the
	// server's), Unix nanoseconds, after clock-skew adjustment.
	Start int64
	// RequestLatency is server start − client start and ReplyLatency
	// client end − server end, in nanoseconds, with the server's clock
	// adjusted (see Skew); both are zero unless both spans are there
	// (ReplyLatency also for async exchanges). Duration is the client
	// span's duration (the server's when there is no client).
	RequestLatency, ReplyLatency, Duration int64
	// Skew is the shift, in nanoseconds, applied to the server side's
	// clock (its span and all its descendants) to put it inside the
	// client's interval; 0 when it fitted to within 1 µs. A
	// server that starts too early is moved to start with its client, one
	// that ends too late to end with it; a server longer than its client
	// is only kept from starting before it.
	Skew int64

	// Failed reports an error on either span; Fault is then FaultTimeout
	// or FaultError.
	Failed bool
	Fault  string

	// Parent is the exchange the caller was serving when it made this
	// call, nil for a root.
	Parent *ObservedExchange
	// Index is the exchange's position in Observed.Exchanges.
	Index int
}

// UnmappedSpan is a span that Observe could not turn into a mapped
// exchange, and why.
type UnmappedSpan struct {
	Span   *Span
	Reason string
	// Exchange is the exchange the span opened, with From or To ""
	// where no participant maps (such an exchange is not in
	// Observed.Exchanges).
	Exchange *ObservedExchange
}

// Observed is what one trace shows: its exchanges in causal order, and
// what could not be mapped.
type Observed struct {
	TraceID   TraceID
	Exchanges []*ObservedExchange
	// UnmappedServices are the service names no participant maps to,
	// sorted; UnmappedSpans the client, server, producer and consumer
	// spans that gave no exchange or one without a diagram message.
	UnmappedServices []string
	UnmappedSpans    []UnmappedSpan
	// Participants are the participants some span's service maps to, and
	// the callees without spans that a mapped caller's span names, in order
	// of first appearance.
	Participants []string

	// the arrays of a recycled Observed (observeInto) for the next trace
	slab  []ObservedExchange
	cands []*flow.Message
}

// Observe derives the exchanges of t (see [ObservedExchange]) and maps them to
// the diagram's messages with m.
//
// Pairing follows the service-graph connector and Jaeger: a server span
// whose parent is a client span is its callee (Zipkin shared spans are
// already split by the reader); a consumer pairs with the producer that
// is its parent or that one of its links names. A client or producer with
// no such child is an uninstrumented callee when its peer attributes
// name a participant ([Mapping.PeerParticipant]). A server or consumer
// with no client takes as caller the nearest ancestor span's
// participant, else (a root) the sender of the one diagram message to it
// that it matches. A kind-less Zipkin span with a remote endpoint counts
// as a client.
//
// Clocks: a server span that lies outside its client's interval by more
// than 1 µs (the timestamp resolution of Zipkin and Jaeger) is shifted,
// with its whole subtree, by the smallest amount that puts it inside
// (see [ObservedExchange.Skew]), so a server that starts before its client is
// not out of order. Each exchange is judged on its own two spans: a
// shift made higher up moves a subtree without changing the latencies
// measured inside it. Exchanges are sorted by their adjusted start, a
// parent before its children.
func Observe(t *Trace, m *Mapping) *Observed {
	return observeInto(&Observed{Participants: make([]string, 0, 8)}, t, m)
}

// observedPool holds Observed a check is done with (releaseObserved),
// for observeInto to fill again.
var observedPool = sync.Pool{New: func() any { return &Observed{Participants: make([]string, 0, 8)} }}

// releaseObserved hands o back for observeInto to reuse; nothing may
// point into it afterwards (its exchanges and candidates included).
func releaseObserved(o *Observed) {
	if o == nil || cap(o.slab) > maxRecycled {
		return
	}
	clear(o.slab)
	clear(o.Exchanges)
	clear(o.UnmappedSpans)
	clear(o.UnmappedServices)
	clear(o.Participants)
	observedPool.Put(o)
}

// observeInto is Observe, filling o and reusing its arrays.
func observeInto(o *Observed, t *Trace, m *Mapping) *Observed {
	*o = Observed{TraceID: t.ID, Participants: o.Participants[:0], Exchanges: o.Exchanges[:0],
		UnmappedServices: o.UnmappedServices[:0], UnmappedSpans: o.UnmappedSpans[:0], slab: o.slab, cands: o.cands}
	n := len(t.Spans)
	sc := observePool.Get().(*observeScratch)
	defer sc.put()
	// rep[i]: the span that span i's id names (of spans that share an
	// id, the last: they share their children); up[i]: the span its
	// parent id names, -1 when none (itself included, for kids).
	rep, up := sc.index(t.Spans)
	parentOf := func(i int) int {
		if j := int(up[i]); j != i {
			return j
		}
		return -1
	}
	inferKinds(t.Spans, parentOf) // spans without a kind: see kind.go
	// The children of span k, in span order, are kids[first[k]:first[k+1]].
	first := zeroed(&sc.first, n+1)
	for i := range t.Spans {
		if k := up[i]; k >= 0 {
			first[k+1]++
		}
	}
	for k := range n {
		first[k+1] += first[k]
	}
	kids := grow(&sc.kids, int(first[n]))
	fill := append(sc.fill[:0], first[:n]...)
	sc.fill = fill
	for i := range t.Spans {
		if k := up[i]; k >= 0 {
			kids[fill[k]] = i
			fill[k]++
		}
	}
	children := func(i int) []int { // of span i's id
		k := rep[i]
		return kids[first[k]:first[k+1]]
	}

	// Participants, and the services that map to none.
	part := zeroed(&sc.part, n)
	unmapped := sc.unmapped
	for i := range t.Spans {
		s := &t.Spans[i]
		if id, ok := m.Participant(s); ok {
			part[i] = id
			if !slices.Contains(o.Participants, id) {
				o.Participants = append(o.Participants, id)
			}
		} else if s.Service != "" && !unmapped[s.Service] {
			unmapped[s.Service] = true
			o.UnmappedServices = append(o.UnmappedServices, s.Service)
		}
	}
	slices.Sort(o.UnmappedServices)

	isClient := func(s *Span) bool {
		return s.Kind == Client || s.Kind == Producer || (s.Kind == Unspecified && s.Remote.Service != "")
	}
	// Consumers linked to a producer (not through their parent).
	linked := sc.linked
	for i := range t.Spans {
		s := &t.Spans[i]
		if s.Kind != Consumer {
			continue
		}
		for _, l := range s.Links {
			if l.TraceID == t.ID && l.SpanID != s.ParentID {
				linked[l.SpanID] = append(linked[l.SpanID], i)
			}
		}
	}

	pairs := sc.pairs[:0]
	paired := zeroed(&sc.paired, n)
	for i := range t.Spans {
		s := &t.Spans[i]
		if !isClient(s) {
			continue
		}
		want := Server
		if s.Kind == Producer {
			want = Consumer
		}
		found := false
		for _, list := range [2][]int{children(i), linked[s.SpanID]} {
			for _, c := range list {
				if k := t.Spans[c].Kind; k == want || (want == Server && k == Consumer) || (want == Consumer && k == Server) {
					pairs = append(pairs, pair{i, c})
					paired[c] = true
					found = true
				}
			}
		}
		if !found {
			pairs = append(pairs, pair{i, -1})
		}
	}
	for i := range t.Spans {
		if k := t.Spans[i].Kind; (k == Server || k == Consumer) && !paired[i] {
			pairs = append(pairs, pair{-1, i})
		}
	}

	// Clock skew: delta[i] is the shift of span i's clock, inherited from
	// its parent (so a shifted server takes its subtree along), plus, for
	// a server in another service than its client, the shift that fits it
	// into the client as both stand after their ancestors' shifts.
	sc.pairs = pairs
	serverOf := grow(&sc.serverOf, n) // the client of server span i, or -1
	for i := range serverOf {
		serverOf[i] = -1
	}
	for _, p := range pairs {
		if p.client >= 0 && p.server >= 0 && parentOf(p.server) == p.client {
			serverOf[p.server] = p.client
		}
	}
	delta, done := zeroed(&sc.delta, n), zeroed(&sc.done, n)
	var adjust func(i int, depth int)
	adjust = func(i int, depth int) {
		if done[i] {
			return
		}
		done[i] = true
		p := parentOf(i)
		if p < 0 || depth > n {
			return
		}
		adjust(p, depth+1)
		delta[i] = delta[p]
		if c := serverOf[i]; c >= 0 && t.Spans[i].Kind == Server && !strings.EqualFold(t.Spans[i].Service, t.Spans[c].Service) {
			cs, ce := t.Spans[c].Start+delta[c], t.Spans[c].End+delta[c]
			ss, se := t.Spans[i].Start+delta[i], t.Spans[i].End+delta[i]
			delta[i] += skew(cs, ce, ss, se)
		}
	}
	for i := range t.Spans {
		adjust(i, 0)
	}
	start := func(i int) int64 { return t.Spans[i].Start + delta[i] }
	end := func(i int) int64 { return t.Spans[i].End + delta[i] }

	// Exchanges.
	bySpan := zeroed(&sc.bySpan, n) // the server span (or root server) -> its exchange
	ex := o.Exchanges[:0]
	opener := sc.opener[:0]             // the span that opened ex[k]
	slab := zeroed(&o.slab, len(pairs)) // the exchanges, one array
	cands := candidates(o.cands[:0])
	if cap(cands) < len(pairs)+4 {
		cands = make([]*flow.Message, 0, len(pairs)+4)
	}
	for k, p := range pairs {
		e := &slab[k]
		var reason string
		switch {
		case p.client >= 0:
			c := &t.Spans[p.client]
			e.Client = c
			e.Async = c.Kind == Producer
			e.From = part[p.client]
			e.Start, e.Duration = start(p.client), c.Duration()
			if p.server >= 0 {
				e.Server = &t.Spans[p.server]
				e.To = part[p.server]
				if e.To == "" {
					e.To, _ = m.PeerParticipant(c)
				}
				e.RequestLatency = start(p.server) - start(p.client)
				e.ReplyLatency = end(p.client) - end(p.server)
				e.Skew = delta[p.server] - delta[p.client]
			} else {
				e.To, _ = m.PeerParticipant(c)
				_, e.Peer = c.Peer()
				if e.Peer == "" && e.To != "" {
					e.Peer = "url"
				}
			}
			if e.From == "" {
				reason = "no participant for service " + strconv.Quote(c.Service)
			} else if e.To == "" {
				if p.server >= 0 {
					reason = "no participant for service " + strconv.Quote(e.Server.Service)
				} else if v, k := c.Peer(); v != "" {
					reason = "no server span, and no participant for " + k + " " + strconv.Quote(v)
				} else {
					reason = "no server span and no peer attribute"
				}
			}
		default:
			sv := &t.Spans[p.server]
			e.Server = sv
			e.Async = sv.Kind == Consumer
			e.To = part[p.server]
			e.Start, e.Duration = start(p.server), sv.Duration()
			for a, steps := parentOf(p.server), 0; a >= 0 && steps < n; a, steps = parentOf(a), steps+1 {
				if part[a] != "" {
					e.From = part[a]
					break
				}
			}
			if e.From == "" && e.To != "" {
				if ms := m.messagesTo(e.To, sv); len(ms) == 1 {
					e.From = ms[0].From
				} else if sv.Remote.Service != "" {
					e.From, _ = m.PeerParticipant(sv)
				}
			}
			if e.To == "" {
				reason = "no participant for service " + strconv.Quote(sv.Service)
			} else if e.From == "" {
				reason = "no caller: a root server span that matches no single diagram message"
			}
		}
		if reason == "" {
			if e.Client != nil {
				e.Candidates = cands.of(m, sc, e.From, e.To, e.Client)
			}
			if len(e.Candidates) == 0 && e.Server != nil {
				e.Candidates = cands.of(m, sc, e.From, e.To, e.Server)
			}
			if len(e.Candidates) == 0 {
				reason = "no diagram message from " + e.From + " to " + e.To + " matches"
			} else {
				e.Message = e.Candidates[0]
			}
		}
		if reason != "" {
			s := e.Client
			if s == nil {
				s = e.Server
			}
			o.UnmappedSpans = append(o.UnmappedSpans, UnmappedSpan{Span: s, Reason: reason, Exchange: e})
			if e.From == "" || e.To == "" {
				continue
			}
		}
		if e.To != "" && !slices.Contains(o.Participants, e.To) {
			o.Participants = append(o.Participants, e.To) // a callee without spans, named by its caller
		}
		e.Failed, e.Fault = fault(e, p.server >= 0 && p.client >= 0 && end(p.server) > end(p.client)+skewTolerance)
		if p.server >= 0 {
			bySpan[p.server] = e
		}
		ex = append(ex, e)
		if p.client >= 0 {
			opener = append(opener, p.client)
		} else {
			opener = append(opener, p.server)
		}
	}

	sc.opener = opener

	// Parents: the exchange whose server span is the nearest ancestor of
	// the span that opened this one.
	for k, e := range ex {
		for a, steps := parentOf(opener[k]), 0; a >= 0 && steps < n; a, steps = parentOf(a), steps+1 {
			if pe := bySpan[a]; pe != nil && pe != e {
				e.Parent = pe
				break
			}
		}
	}
	depth := func(e *ObservedExchange) int {
		d := 0
		for x := e.Parent; x != nil && d <= len(ex); x = x.Parent {
			d++
		}
		return d
	}
	slices.SortStableFunc(ex, func(a, b *ObservedExchange) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(depth(a), depth(b)))
	})
	for i, e := range ex {
		e.Index = i
	}
	o.Exchanges, o.cands = ex, cands
	return o
}

// pair is a client span and its server span, -1 when absent.
type pair struct{ client, server int }

// observeScratch is what Observe works in and forgets: kept from trace
// to trace (observePool) so that observing a trace allocates only what
// it returns.
type observeScratch struct {
	byID     map[SpanID]int
	rep, up  []int32
	unmapped map[string]bool
	linked   map[SpanID][]int
	first    []int32
	fill     []int32
	kids     []int
	part     []string
	pairs    []pair
	paired   []bool
	done     []bool
	serverOf []int
	delta    []int64
	bySpan   []*ObservedExchange
	opener   []int

	// lookupMemo's answers, for the Mapping memoOf, and its key's buffer
	memoOf *Mapping
	memo   map[string][]*flow.Message
	key    []byte
}

var observePool = sync.Pool{New: func() any {
	return &observeScratch{byID: map[SpanID]int{}, unmapped: map[string]bool{}, linked: map[SpanID][]int{}}
}}

// lookupMemo is m.lookup(from, to, s, dst, -1), from the answers kept
// for the same participants, span name and attributes (all lookup
// reads of a span) when it has one: the spans of a flow repeat a few
// calls. It keeps at most maxScratchMap answers for one Mapping.
func (sc *observeScratch) lookupMemo(m *Mapping, from, to string, s *Span, dst []*flow.Message) []*flow.Message {
	if sc.memoOf != m {
		sc.memoOf, sc.memo = m, map[string][]*flow.Message{}
	}
	k := sc.key[:0]
	for _, part := range [...]string{from, to, s.Name} {
		k = append(binary.AppendUvarint(k, uint64(len(part))), part...)
	}
	for _, a := range s.Attrs {
		k = append(binary.AppendUvarint(k, uint64(len(a.Key))), a.Key...)
		k = append(binary.AppendUvarint(k, uint64(len(a.Value))), a.Value...)
	}
	sc.key = k
	if got, ok := sc.memo[string(k)]; ok {
		return append(dst, got...)
	}
	n := len(dst)
	dst = m.lookup(from, to, s, dst, -1)
	if len(sc.memo) < maxScratchMap {
		sc.memo[string(k)] = slices.Clone(dst[n:])
	}
	return dst
}

// smallTrace is how many spans a trace has at most for span ids to be
// found by comparing them all, not through a map (index, spanIDs,
// sharedIDs): most traces, for which building a map costs more.
const smallTrace = 32

// index returns, for each span, the span its id names and the span its
// parent id names (-1: none), as a map from id to the last span with it
// gives them.
func (sc *observeScratch) index(spans []Span) (rep, up []int32) {
	n := len(spans)
	rep, up = grow(&sc.rep, n), grow(&sc.up, n)
	if n <= smallTrace {
		last := func(id SpanID) int32 {
			for j := n - 1; j >= 0; j-- {
				if spans[j].SpanID == id {
					return int32(j)
				}
			}
			return -1
		}
		for i := range spans {
			rep[i] = last(spans[i].SpanID)
			up[i] = -1
			if p := spans[i].ParentID; !p.IsZero() {
				up[i] = last(p)
			}
		}
		return rep, up
	}
	byID := sc.byID
	for i := range spans {
		byID[spans[i].SpanID] = i
	}
	for i := range spans {
		rep[i] = int32(byID[spans[i].SpanID])
		up[i] = -1
		if p := spans[i].ParentID; !p.IsZero() {
			if k, ok := byID[p]; ok {
				up[i] = int32(k)
			}
		}
	}
	return rep, up
}

// maxScratchMap is the size past which a scratch map is dropped rather
// than cleared: clearing costs its capacity, which one big trace grows.
const maxScratchMap = 4096

// put forgets the trace (what points into it) and returns sc to the pool.
func (sc *observeScratch) put() {
	clear(sc.part)
	clear(sc.bySpan)
	if len(sc.byID) > maxScratchMap || len(sc.linked) > maxScratchMap {
		sc.byID, sc.linked = map[SpanID]int{}, map[SpanID][]int{}
	}
	clear(sc.byID)
	clear(sc.linked)
	clear(sc.unmapped)
	observePool.Put(sc)
}

// skewTolerance is how far a server span may lie outside its client's
// interval before it counts as clock skew: the timestamp resolution of
// Zipkin and Jaeger (1 µs). Microsecond timestamps and durations rounded
// separately, and Brave's 1 µs minimum duration, make servers overhang
// their clients by 1 µs in traces whose clocks agree.
const skewTolerance = int64(time.Microsecond)

// skew returns the shift that puts a server span [ss, se] inside its
// client's [cs, ce]:
//
//   - none when it lies within skewTolerance of the client's interval
//     at both ends: its latencies are measured as recorded;
//   - when the server is longer than its client (async work, or a client
//     that gave up first), as Jaeger's clock-skew adjuster: if it starts
//     before the client (beyond the tolerance) it is moved to start with
//     it, else it is left alone;
//   - otherwise by its overhang: one that starts too early is moved to
//     start with its client (request latency 0), one that ends too late
//     to end with it (reply latency 0).
//
// Jaeger centres a shorter server in its client instead, splitting the
// client's spare time evenly between request and reply; that invents a
// latency the trace does not show, and moves time from one side to the
// other for servers that overhang by a rounding error.
func skew(cs, ce, ss, se int64) int64 {
	if ss >= cs-skewTolerance && se <= ce+skewTolerance {
		return 0
	}
	if se-ss > ce-cs {
		if ss < cs-skewTolerance {
			return cs - ss
		}
		return 0
	}
	if ss < cs {
		return cs - ss
	}
	return ce - se
}

// fault reports whether the exchange failed and how. late is true when
// the server answered after the client gave up.
func fault(e *ObservedExchange, late bool) (bool, string) {
	if !spanFailed(e.Client) && !spanFailed(e.Server) {
		return false, ""
	}
	// Failed: how.
	timeout, status := false, false
	for _, s := range []*Span{e.Client, e.Server} {
		if s == nil {
			continue
		}
		code, ok := statusCode(s)
		status = status || ok
		if code == 504 || code == 408 {
			timeout = true
		}
		if v, ok := s.Attr("rpc.grpc.status_code"); ok && v == "4" {
			timeout = true
		}
		et, _ := s.Attr("error.type")
		if timeoutText(s.StatusMessage) || timeoutText(et) {
			timeout = true
		}
	}
	// A client that failed with no answer: the server span is missing
	// (or finished late) and no status code came back.
	if e.Client != nil && e.Client.Status == Error && !status {
		if _, ok := e.Client.Attr("error.type"); !ok && (e.Server == nil || late) {
			timeout = true
		}
	}
	if timeout {
		return true, report.FaultTimeout
	}
	return true, report.FaultError
}

// spanFailed reports whether s (nil: none) failed as fault judges it:
// an error status, or an HTTP status code of 500 or more.
func spanFailed(s *Span) bool {
	if s == nil {
		return false
	}
	code, _ := statusCode(s)
	return s.Status == Error || code >= 500
}

// statusCode is the span's HTTP status code (0 when not a number), and
// whether it has one.
func statusCode(s *Span) (int, bool) {
	for _, k := range []string{"http.response.status_code", "http.status_code"} {
		if v, ok := s.Attr(k); ok {
			code, _ := strconv.Atoi(v)
			return code, true
		}
	}
	return 0, false
}

func timeoutText(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "deadline") || strings.Contains(s, "timeout") || strings.Contains(s, "timed out")
}

// candidates holds the candidate messages of a trace's exchanges in one
// backing array, each exchange's at its own length and capacity.
type candidates []*flow.Message

// of is m.Messages(from, to, s), in c's array while it has room; sc
// remembers the answers (see lookupMemo).
func (c *candidates) of(m *Mapping, sc *observeScratch, from, to string, s *Span) []*flow.Message {
	n := len(*c)
	got := sc.lookupMemo(m, from, to, s, (*c)[n:])
	if len(got) == 0 {
		return nil
	}
	if len(got) <= cap(*c)-n {
		*c = (*c)[:n+len(got)] // appended in place
	}
	return got[:len(got):len(got)]
}
