package trace

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// TraceID is a 16-byte trace id. Ids shorter than 16 bytes in the input
// (the 16-hex-character ids of Zipkin and Jaeger) are left-padded with
// zeros, so the same trace has the same TraceID in every format.
type TraceID [16]byte

// String returns the id as 32 lower-case hex characters.
func (id TraceID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether the id is all zeros: no valid trace has it.
func (id TraceID) IsZero() bool { return id == TraceID{} }

// SpanID is an 8-byte span id.
type SpanID [8]byte

// String returns the id as 16 lower-case hex characters.
func (id SpanID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether the id is all zeros: as a span id it is invalid,
// as a parent id it means "no parent".
func (id SpanID) IsZero() bool { return id == SpanID{} }

// Kind is a span's role in a remote call, as OTLP's SpanKind.
type Kind uint8

// Span kinds. Unspecified is what a span that says nothing gets: OTLP kind
// 0, a Jaeger span without a span.kind tag, a Zipkin span without kind (a
// local span, unless its remote endpoint says otherwise). The reader does
// not guess: the mapping step decides what an Unspecified span is.
const (
	Unspecified Kind = iota
	Internal
	Server
	Client
	Producer
	Consumer
)

var kindNames = [...]string{"unspecified", "internal", "server", "client", "producer", "consumer"}

// String returns the kind in lower case ("client"), as Jaeger's span.kind
// tag writes it.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Status is a span's outcome, as OTLP's Status.code.
type Status uint8

// Span statuses. Unset is the default: nothing said either way. OK is set
// deliberately by the application. Error is OTLP status code 2, a truthy
// Jaeger error tag (or otel.status_code=ERROR), or a Zipkin error tag
// (present with any value, even "").
const (
	Unset Status = iota
	OK
	Error
)

var statusNames = [...]string{"unset", "ok", "error"}

// String returns the status in lower case.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// Attr is one attribute (OTLP), tag (Jaeger, Zipkin) or log field, its
// value written as text: strings as they are, integers in decimal, booleans
// as true or false, doubles in Go's shortest 'g' form, byte values in
// base64, arrays and key-value lists as compact JSON of such texts.
type Attr struct {
	Key   string
	Value string
}

// Event is a timed annotation on a span: an OTLP event, a Jaeger log (Name
// is its "event" field, else "log") or a Zipkin annotation (Name is its
// value).
type Event struct {
	Name  string
	Time  int64 // Unix nanoseconds
	Attrs []Attr
}

// Link is a reference from a span to another span that is not its parent:
// an OTLP link, or a Jaeger reference other than the one chosen as parent.
type Link struct {
	TraceID TraceID
	SpanID  SpanID
	// FollowsFrom is true for a Jaeger FOLLOWS_FROM reference and for an
	// OTLP link whose attribute opentracing.ref_type is follows_from: the
	// linking span does not wait for the other one.
	FollowsFrom bool
	Attrs       []Attr
}

// Endpoint is a Zipkin endpoint: a service and its network address.
type Endpoint struct {
	Service string // serviceName, as written (Zipkin lower-cases it, raw files may not)
	IPv4    string
	IPv6    string
	Port    int
}

// IsZero reports whether the endpoint is empty.
func (e Endpoint) IsZero() bool { return e == Endpoint{} }

// Span is one span in a neutral model that OTLP, Jaeger and Zipkin spans
// all map onto. Only TraceID, SpanID, Start and End are required: a span
// without them is malformed and never returned (see Reader.Problems).
type Span struct {
	// TraceID: OTLP traceId, Jaeger traceID, Zipkin traceId; left-padded.
	TraceID TraceID
	// SpanID: OTLP spanId, Jaeger spanID, Zipkin id. The server half of a
	// Zipkin shared span gets a synthetic id (see Shared).
	SpanID SpanID
	// ParentID is zero for a root: OTLP parentSpanId; Jaeger's first
	// same-trace CHILD_OF reference, else its first same-trace
	// FOLLOWS_FROM reference, else the deprecated parentSpanID; Zipkin
	// parentId (for a shared server half: the client half's id).
	ParentID SpanID
	// FollowsFrom is true when ParentID comes from a Jaeger FOLLOWS_FROM
	// reference: the parent does not wait for this span (an async
	// message).
	FollowsFrom bool

	// Name: OTLP name, Jaeger operationName, Zipkin name.
	Name string
	// Service is the service that reported the span: the resource
	// attribute service.name (OTLP), the process's serviceName (Jaeger),
	// localEndpoint.serviceName (Zipkin). Empty when the input has none.
	Service string
	// Kind: OTLP kind (integer or SPAN_KIND_* name), Jaeger tag span.kind,
	// Zipkin kind.
	Kind Kind

	// Start and End are Unix nanoseconds; End >= Start. Jaeger and Zipkin
	// give microseconds (start and duration), converted.
	Start, End int64

	// Status and StatusMessage: OTLP status; Jaeger tags error,
	// otel.status_code and otel.status_description; Zipkin tag error
	// (its value is the message). The reader reads only what the span
	// says: an HTTP status code does not set Status here.
	Status        Status
	StatusMessage string

	// Attrs are the span's attributes (OTLP) or tags (Jaeger, Zipkin), in
	// input order, the first of duplicate keys kept: all of them, or with
	// the Reader option KeepAttrs only the keys it keeps (Checker.CheckInput
	// keeps CheckAttrs). Tags the reader turned into fields are left out:
	// Jaeger span.kind, error, otel.status_code, otel.status_description;
	// Zipkin error. Keys the mapping step reads
	// (see Span.Peer): peer.service, server.address, net.peer.name,
	// db.system, db.name/db.namespace, messaging.system,
	// messaging.destination.name, rpc.service, http.request.method /
	// http.method, http.route, url.full / http.url, error.type,
	// http.response.status_code / http.status_code.
	Attrs []Attr
	// Resource holds the attributes of the OTLP resource (service.name
	// included) or the Jaeger process tags, those KeepAttrs keeps. Spans
	// of one resource share the slice: do not modify it.
	Resource []Attr
	// Scope is the OTLP instrumentation scope's name (Jaeger tag
	// otel.scope.name stays in Attrs).
	Scope string
	// Flags are the OTLP span flags: bits 0-7 the W3C trace flags, 0x100
	// "parent remoteness known", 0x200 "parent is remote". Zero elsewhere.
	Flags uint32

	// Events: OTLP events, Jaeger logs, Zipkin annotations.
	Events []Event
	// Links: OTLP links and the Jaeger references that are not the parent.
	Links []Link

	// Shared marks the server half of a Zipkin shared span (B3's single id
	// for both halves of an RPC, flagged shared:true or found as a second
	// span with the id of a client span). The reader gives it a synthetic
	// SpanID, makes the client half its parent, and re-parents the server
	// half's local children under it, so pairing by parent works as for
	// OTLP. A shared span whose client half is not in the trace keeps the
	// ids it was read with.
	Shared bool
	// Local and Remote are Zipkin's localEndpoint and remoteEndpoint
	// (Local.Service == Service). Remote.Service names the peer of a
	// client, producer or consumer span (the callee or broker, e.g. mysql,
	// kafka) and may name the caller on a server span. Zero for OTLP and
	// Jaeger, which use attributes (peer.service, server.address…).
	Local, Remote Endpoint
}

// Attr returns the value of the span attribute key and whether it is
// there.
func (s *Span) Attr(key string) (string, bool) {
	for _, a := range s.Attrs {
		if a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// Duration returns End - Start in nanoseconds.
func (s *Span) Duration() int64 { return s.End - s.Start }

// PeerKeys are the span attributes that name the other side of a call
// when it has no spans of its own, in the order Span.Peer tries them: both
// semantic-convention generations (server.address replaced net.peer.name,
// db.namespace replaced db.name).
var PeerKeys = []string{
	"peer.service",
	"server.address", "net.peer.name",
	"db.system", "db.namespace", "db.name",
	"messaging.destination.name", "messaging.destination", "messaging.system",
	"rpc.service",
}

// Peer returns what names the other side of the call: the Zipkin remote
// endpoint's service, else the first of PeerKeys the span has, with the
// key it came from ("remoteEndpoint" for Zipkin). It returns "", "" when
// there is none.
func (s *Span) Peer() (value, key string) {
	if s.Remote.Service != "" {
		return s.Remote.Service, "remoteEndpoint"
	}
	for _, k := range PeerKeys {
		if v, ok := s.Attr(k); ok && v != "" {
			return v, k
		}
	}
	return "", ""
}

// CheckAttrs reports whether the check ([Checker], [Observe], [Mapping])
// reads the span attribute key: [Checker.CheckInput] reads traces with
// KeepAttrs(CheckAttrs), leaving the values of all other attributes
// unread. It reads no resource, event or link attributes (the readers
// still read the keys they interpret; see [KeepAttrs]). The keys: PeerKeys
// and the URL's host (Span.Peer, Mapping.PeerParticipant); the HTTP and
// RPC naming of a span (spanView.read); messaging destinations (mapping
// rules); status codes and error.type (a failed exchange, a timeout).
// A key the check comes to read must be added here.
func CheckAttrs(key string) bool { return checkAttr(key) }

// checkAttr is CheckAttrs for a key as a string or as bytes (a switch on
// the bytes as a string makes no string).
func checkAttr[K string | []byte](key K) bool {
	switch string(key) {
	case
		// PeerKeys (Peer, peerValues), the URL's host (peerValues)
		"peer.service",
		"server.address", "net.peer.name",
		"db.system", "db.namespace", "db.name",
		"messaging.destination.name", "messaging.destination", "messaging.system",
		"rpc.service",
		"url.full", "http.url",
		// spanView.read (span naming, httpName) and the destination
		// rules (ruleMatches); rpc.service and the URLs above
		"http.request.method", "http.method", "http.route",
		"url.path", "http.target",
		"rpc.method", "rpc.system",
		// fault: failures and timeouts
		"http.response.status_code", "http.status_code",
		"rpc.grpc.status_code", "error.type":
		return true
	}
	return false
}

// Trace is the spans of one trace id, in input order, once the reader
// considers the trace complete (see Reader).
type Trace struct {
	ID    TraceID
	Spans []Span
	// Malformed counts this trace's spans that were left out (their
	// reasons are in Reader.Problems). The rest of the trace is usable.
	Malformed int
}

// equalFoldService compares service names as Zipkin does: ignoring case.
func equalFoldService(a, b string) bool { return strings.EqualFold(a, b) }
