package sim

import "time"

// SpanKind tells how a span's message travels.
type SpanKind uint8

// Span kinds: an exchange (request and, where the diagram has one, its
// reply), a one-way message, an async (fire-and-forget) message.
const (
	SpanExchange SpanKind = iota
	SpanOneWay
	SpanAsync
	SpanCompensation
)

// RunSpan is one attempt of an exchange, one-way or async message of a run, in
// virtual time since the run's start. It is what --traces exports: a
// CLIENT span in From's service from Start to End, a SERVER span in To's
// service from Arrive to Leave (PRODUCER/CONSUMER for async).
type RunSpan struct {
	N     int // the request's message number
	Reply int // the reply's message number (0: none)
	Kind  SpanKind
	// Start: the request is sent; Arrive: it reaches the callee; Leave:
	// the callee sends the reply (= Arrive for one-way and async); End: the
	// reply reaches the caller (delivery for one-way and async). A failed
	// attempt ends when the caller sees the failure.
	Start, Arrive, Leave, End time.Duration
	// Parent is the index in the run's spans of the span this one serves
	// (-1: the run's root).
	Parent  int
	Attempt int    // 1 for the first try
	Fault   string // "" when it succeeded; error, timeout or drop
	// Abandoned is true when the caller gave up (its timeout) before this
	// span ended.
	Abandoned bool
	// Real time only: Status is the HTTP status the system answered (or
	// an injected abort's), Detail what went wrong or the output of an
	// exec adapter, Remote that the receiver is an http system whose own
	// SERVER span joins the trace (so none is written for it).
	Status int
	Detail string
	Remote bool
}

// RunTrace is the spans of one run, in the order they started.
type RunTrace struct {
	Run     int64
	Outcome string
	Spans   []RunSpan
	// Start is the run's start on the wall clock (real time; zero in
	// virtual time, where exported traces start run i at 2026-01-01T00:00:00Z plus i seconds).
	Start time.Time
	// TraceID is the run's trace id in real time (hex); "" in virtual time.
	TraceID string
}
