// Package trace reads OTLP, Jaeger and Zipkin traces, maps spans to a
// diagram's messages, aligns observed exchanges with the flow and times
// them.
//
// It imports report and flow, never sim or parser. The pipeline of
// `choreo check`: the readers ([NewReader]), the mapping ([Mapping],
// [LoadMapping], [DefaultMapping]), the observed exchanges of a trace
// ([Observe]), the alignment with the orders the diagram allows
// ([NewAligner]), and the [Checker] that times, aligns and aggregates
// traces into a report.Result.
//
// # Reading traces
//
// [NewReader] sniffs the format from the content and [Reader.Next] returns
// one complete [Trace] at a time: the [Span]s of one trace id, in a model
// that all formats map onto (each field of Span documents where it comes
// from in each format).
//
//	r, err := trace.NewReader(f, "traces.json")
//	if err != nil { … } // errors.Is(err, trace.ErrUnknownFormat)
//	for {
//		t, err := r.Next()
//		if err == io.EOF { break }
//		… t.Spans …         // damaged input is skipped, never an error
//	}
//	r.Warnings()           // the damage skipped, one line per kind
//	r.AddTo(&result.Input) // files, traces, spans, what was left out and why
//
// To check an input on several cores, as `choreo check --workers` does,
// [Checker.CheckInput] reads it and adds its traces: NDJSON is cut at
// line ends into parts that workers decode, observe and align, and the
// parts are counted in input order, so the result is the same, byte for
// byte, for any number of workers ([Checker.AddAll] does the same for
// the traces of any Next function). A Jaeger envelope or a Zipkin array
// of traces read from a file is cut at its traces likewise. A part in
// memory is read in place by a lexer of its own (fastlex.go), which
// leaves anything but valid JSON to jsontext. It reads only the attributes the
// check uses ([CheckAttrs]): with [KeepAttrs], the values of the others
// are skipped unread and left out of the spans.
//
// # Formats
//
//   - OTLP/JSON ([OTLPJSON]): a TracesData or ExportTraceServiceRequest
//     ({"resourceSpans": […]}), as the collector's file exporter and
//     `choreo sim --traces` write it, one per line or one per file; Tempo's
//     trace-by-id answers ({"batches": […]}, and {"trace": {…}}).
//   - OTLP protobuf ([OTLPProto]): a binary TracesData or
//     ExportTraceServiceRequest (the same field 1), read one
//     ResourceSpans at a time.
//   - Jaeger JSON ([JaegerJSON]): the query API's envelope
//     ({"data": [trace, …]}), a trace object ({"traceID", "spans",
//     "processes"}), a bare array of spans with embedded processes (the
//     anonymizer's output), or NDJSON of any of these.
//   - Zipkin v2 JSON ([ZipkinJSON]): an array of spans (POST
//     /api/v2/spans, GET /api/v2/trace/{id}), an array of such arrays
//     (GET /api/v2/traces), or NDJSON of them.
//
// Any of them may be gzip-compressed.
//
// # Sniffing
//
// Gzip's magic bytes come first. Then a first non-blank byte '{' or '['
// means JSON, whose first value decides by its keys: resourceSpans,
// resource_spans or batches is OTLP; data, processes, operationName,
// spanID or references is Jaeger; id, parentId, localEndpoint, timestamp
// or annotations is Zipkin (traceId alone says nothing). An empty array
// is Zipkin's answer when nothing matched, read as no traces. Otherwise
// the input must start like an OTLP protobuf message (field 1, length
// delimited, holding a ResourceSpans field). Anything else, an empty
// input included, is [ErrUnknownFormat] with the reason. Sniffing reads
// at most 64 KiB, and no more than it needs.
//
// # When a trace is complete
//
// Readers stream: memory grows with the traces in flight, not with the
// file. Input comes in units: an element of a Jaeger envelope's data
// (one trace each), an inner array of a Zipkin array of traces, and
// otherwise one top-level JSON value (one NDJSON line, or the whole
// document) or the whole protobuf message. A trace is complete when the
// unit that carried its spans ends; [Window] keeps it open for more
// units (for the collector's file exporter, whose lines are export
// batches that can split a trace), or to the end of the input. So the
// simulator's NDJSON, one trace per line, is read one line at a time,
// and a single OTLP document, whose traces are spread over its
// resources, is held whole. A span that arrives for a trace already
// returned is counted as malformed, its reason pointing at Window.
//
// # Matching spans to messages
//
// A span belongs to the participant whose names include its service
// (service.name), compared as names: ignoring case, spaces, dashes, dots
// and underscores ([Mapping]). It stands for a diagram message from its
// caller's participant to its callee's when the message's text matches
// one of its names (replies, drawn dotted, are no spans and match
// nothing). A text matches a span when:
//
//   - it equals the span name, as names ("Provision subscription"
//     matches provision_subscription);
//   - it reads as "[METHOD] /path" and a request of the span fits it: the
//     span name read the same way (GET /clients/42, Zipkin's get
//     /clients/42, OpenTracing's HTTP GET /clients/42), or the HTTP
//     method (http.request.method, else http.method) with the route
//     (http.route) or the path (url.path, else http.target, else the
//     path of url.full or http.url; host, query and fragment left out).
//     Methods compare ignoring case; a text or span without one matches
//     any method. The paths must have as many non-empty segments,
//     pairwise equal as names, but a parameter on either side matches
//     any one segment: {id}, {id:int}, :id, <id>, <int:id>, and
//     anonymized values such as _uuid_ (a segment that starts and ends
//     with an underscore). So "GET /clients/{clientId}" matches GET
//     /clients/42, the route /clients/:id, the URL
//     https://h/clients/abc?x=1 and /clients/_uuid_, not
//     /clients/42/orders; and "GET /clients/me" matches the route
//     /clients/{id} too;
//   - it names the span's RPC, given by rpc.service and rpc.method, or by
//     the span name read as pkg.Service/Method (Go, Java),
//     /pkg.Service/Method (Python) or grpc.pkg.Service/Method
//     (JavaScript), or by the URL path read so (gRPC seen by a proxy). A
//     name or path is read so only when the service parts and the method
//     are identifiers and the service has a package (a dot), the grpc.
//     prefix, or the span has rpc.system: /clients/abc is no RPC. The
//     text, without a leading "/" or "grpc.", must equal as names the
//     method (PlaceOrder, "Place order"), Service/Method,
//     pkg.Service/Method, or the service alone (CheckoutService, or
//     Checkout: without its final "Service"), which names every method
//     of it;
//   - it is no path and spells the HTTP method and route or path as
//     words ("Accept invite" for method ACCEPT and path invite).
//
// Several messages from one caller to one callee can match a span: a loop
// drawn out, the same call drawn in three places, a literal path beside
// a template. [Mapping.Messages] returns them all, in document order, and
// where the span sits in the trace decides which one it is;
// [Mapping.Message] returns the first. A mapping file's rules
// ([LoadMapping]) come before the texts: when one matches, the messages
// of the matching rules are the candidates. Texts and rules are compiled
// when the mapping is built, and matching a span builds no strings.
//
// # Spans without a kind
//
// Pairing needs to know which span of a call is the client and which the
// server. A span that does not say (kind [Unspecified]: OTLP kind 0, a
// Jaeger span without span.kind, a Zipkin span without kind; or
// [Internal], which Zipkin cannot express, so that every format gives the
// same answers) is given a kind by [Observe] from where its relatives
// run, before it pairs spans:
//
//   - its parent runs in another service, or its OTLP flags say the
//     parent is remote: a server (a consumer when the parent is a
//     producer or a Jaeger FOLLOWS_FROM reference);
//   - otherwise, one of its children runs in another service: a client (a
//     producer when that child is a consumer).
//
// The first rule wins, so where no span has a kind, A → B → C (three
// services) makes A a client, B the server of A's call and C a server
// whose caller is B's participant. Services compare ignoring case; a
// span without a service, or whose parent is not in the trace, tells
// nothing; spans of a remote kind keep it. Observe sets the kinds on the
// trace's spans in place.
//
// # Leniency
//
// The reader accepts what real exporters write (trace-formats.md in the
// project's references), and stays strict about what a span needs:
//
//   - object keys in camelCase or snake_case, any case (traceId, trace_id,
//     traceID); scopeSpans or the older instrumentationLibrarySpans;
//   - ids in hex (either case) or base64 (standard or URL, padded or
//     not), told apart by alphabet and length; shorter hex ids are
//     left-padded, so Zipkin's and Jaeger's 16-hex trace ids equal OTLP's
//     32-hex ones;
//   - 64-bit integers as strings or numbers; enums as integers or names
//     (3, "SPAN_KIND_CLIENT", "client"); status codes likewise;
//   - Jaeger: kind and status from the span.kind, error (true or the
//     string "true"), otel.status_code and otel.status_description tags;
//     tag values of any type as text; parent = the first same-trace
//     CHILD_OF reference, else the first same-trace FOLLOWS_FROM
//     ([Span.FollowsFrom]), other references become links;
//   - Zipkin: microsecond timestamps, kind in any case or absent
//     ([Unspecified]), the error tag (any value, even "") as the status,
//     the remote endpoint kept for the mapping ([Span.Peer]); shared
//     client/server spans (one id for both halves, B3 style, with or
//     without the shared flag on the server half) are split: the server
//     half gets a synthetic id and the client half as parent, and its
//     local children follow it ([Span.Shared]);
//   - duplicate attribute keys keep the first value.
//
// A span that cannot be used is left out and counted, with the file and
// line it starts on, trace id, span id and reason ([Reader.Problems],
// [Reader.Malformed]): missing or bad trace or span id (all zeros, wrong
// length, neither hex nor base64), a bad parent id, missing start or end
// (a Zipkin span without timestamp or duration is incomplete), end before
// start, a field of the wrong type. The rest of its trace is returned,
// with [Trace.Malformed] counting what was left out.
//
// # Damaged input
//
// Reading never throws good data away, and damage is never an error:
// [Reader.Next] returns traces and io.EOF, nothing else. What does not
// parse is skipped, counted in [Reader.Malformed] (one for each damaged
// record, however many spans it held), named in [Reader.Problems] by file
// and line ("traces.json:17", with the trace id when a span of it was
// read; for protobuf, the byte offset starts the reason) and summed up by
// kind in [Reader.Warnings] ("traces.json: 3 lines skipped: invalid JSON
// (first at line 17)"), which `choreo check` prints on stderr.
//
//   - JSON whose first line holds whole values (NDJSON, or a document on
//     one line) is read a line at a time. A line that does not parse, a
//     cut last line included, is skipped, with the spans read from it
//     before the damage (a trace cut in half would not conform), and
//     reading goes on at the next line. A first line that is not JSON, or
//     is cut while the second holds a whole value, is such a line: the
//     format is then sniffed from the next lines.
//   - In a Jaeger envelope's data or a Zipkin array of traces, the trace
//     being read when the damage comes is left out; the traces before it
//     are kept.
//   - A single document (an OTLP TracesData, a Zipkin span array, a Jaeger
//     trace object, on one line or over several) cut short or broken keeps
//     the spans read whole before the damage. A Jaeger span whose process
//     comes after the cut is left out with that reason.
//   - JSON cannot say where a value resumes after a syntax error, so in a
//     document written over several lines reading stops at the damage.
//   - An array element or top-level value that parses but is not what its
//     place holds (a number among spans, an object without
//     resourceSpans) is skipped and counted; null is skipped quietly.
//   - OTLP protobuf: a ResourceSpans that does not parse is skipped (its
//     length says where the next starts); input cut short, or a field
//     that breaks the framing, keeps the ResourceSpans read before it.
//   - A read error (a gzip stream cut short) ends the input as a cut does.
//
// # Slow traces
//
// Most incidents are latency, not errors, and a slow trace without an
// error has no cascade; so the [Checker] names a root cause for each slow
// trace too (report.Result.Slow and SlowTraces):
//
//   - Slow traces: with end_to_end targets in [Checker.SLO] (set before
//     the first Add), the traces whose end_to_end exceeds a target's
//     limit (of several, the smallest; message, exchange, completion and
//     system_time targets pick none), whatever the target's percentile;
//     without one, the traces slower than the p95 of every checked
//     trace's end_to_end (the histogram's p95: about the slowest 5%, and
//     none of 10 traces or fewer, whose p95 is their maximum).
//   - Own time of an exchange: its duration less the time its nested
//     exchanges spend on its critical path (found with the CRISP rule, as
//     for the critical-path share). A call the diagram does not draw is
//     its caller's own time, less the drawn calls nested in it.
//   - Typical own time of an exchange: the median (to 0.1%) of the own
//     times of all its occurrences in the traces within the SLO, or,
//     without one, in all checked traces (the 5% over the p95 move a
//     median little).
//   - The cause of a slow trace: the measured exchange on the trace's
//     critical path whose own time exceeds its typical own time the most
//     (a loop's iterations under the same callers count once, the
//     longest), with its chain: its request number and those of the
//     exchanges it is nested in, up to the root, innermost first (the
//     exchanges it slowed). When none exceeds its typical own time (the
//     time went before, between or after the drawn exchanges), the trace
//     counts as unexplained.
//   - Causes group by exchange and chain: how many slow traces (and
//     their share), the excess over the typical own time (stats), and up
//     to three example trace ids, the largest excess first (then the
//     smaller id); most traces first, as report.CompareSlow orders them.
//     None of it depends on the order the traces come in.
//
// The typical own times are a histogram per exchange. The traces that
// may be slow are kept until Result as 48 bytes, plus 16 for each
// distinct chain on their critical path: with an end_to_end SLO only
// the traces over it; without one any trace, since the p95 is known only
// at the end. At most the 16,384 slowest are kept (by end_to_end, then
// the smaller trace id), so memory stays flat in the number of traces
// (about 3 MB for five chains), and a trace that cannot be among them
// is not walked. Every slow trace is among them while there are at most
// 16,384 (with the p95 rule, a check of up to about 330,000 traces);
// past that SlowTraces counts them all and Analysed says that the
// causes are those of the slowest 16,384.
// report.Merge adds up the causes of results by exchange and chain,
// each result having chosen its slow traces and typical own times on
// its own traces (see its doc).
package trace
