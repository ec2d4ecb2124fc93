package trace

// flagParentRemote is the pair of OTLP span flags that says the parent
// is known to live in another process: "remoteness known" (0x100) and
// "parent is remote" (0x200).
const flagParentRemote = 0x300

// inferKinds gives a kind to the spans of a trace that do not say which
// side of a call they are: [Unspecified] (OTLP kind 0, a Jaeger span
// without a span.kind tag, a Zipkin span without kind) and [Internal]
// (Zipkin has no internal kind, so an OTLP or Jaeger internal span is a
// kind-less span in Zipkin: both are judged alike, and the same trace
// gives the same answers in every format). parentOf gives the index of a
// span's parent span, -1 for none.
//
//   - A span whose parent runs in another service, or whose OTLP flags
//     say its parent is remote, is a [Server]: the callee's side of a
//     call. It is a [Consumer] when that parent is a [Producer] or the
//     parent is a Jaeger FOLLOWS_FROM reference ([Span.FollowsFrom]).
//   - Otherwise a span with a child in another service is a [Client]:
//     the caller's side. It is a [Producer] when that child is a
//     [Consumer].
//   - Any other span keeps its kind.
//
// The first rule wins: a span between two other services (a proxy, or an
// OpenTracing-era trace where no span has a kind) is the callee of its
// parent's call, and its children's calls are then seen from their
// server side. Services are compared ignoring case; a span without a
// service, or a parent missing from the trace, tells nothing. Spans with
// a remote kind (server, client, producer, consumer) keep it. A second
// pass finds nothing left to infer.
func inferKinds(spans []Span, parentOf func(int) int) {
	some := false
	for i := range spans {
		if local(spans[i].Kind) {
			some = true
			break
		}
	}
	if !some {
		return
	}
	parent := func(i int) *Span {
		if j := parentOf(i); j >= 0 {
			return &spans[j]
		}
		return nil
	}
	crosses := func(a, b *Span) bool {
		return a.Service != "" && b.Service != "" && !equalFoldService(a.Service, b.Service)
	}
	// The callee's side first, so that a span with both a remote parent
	// and remote children is a server.
	for i := range spans {
		s := &spans[i]
		if !local(s.Kind) {
			continue
		}
		if p := parent(i); p != nil && crosses(s, p) {
			s.Kind = Server
			if p.Kind == Producer || s.FollowsFrom {
				s.Kind = Consumer
			}
		} else if s.Flags&flagParentRemote == flagParentRemote {
			s.Kind = Server
		}
	}
	for i := range spans {
		s := &spans[i]
		if p := parent(i); p != nil && local(p.Kind) && crosses(s, p) {
			p.Kind = Client
			if s.Kind == Consumer {
				p.Kind = Producer
			}
		}
	}
}

// local reports whether a span of kind k says nothing about a remote
// call.
func local(k Kind) bool { return k == Unspecified || k == Internal }
