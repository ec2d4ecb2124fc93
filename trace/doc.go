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
//		if err != nil { … } // malformed JSON or protobuf: fatal
//		… t.Spans …
//	}
//	r.AddTo(&result.Input) // files, traces, spans, malformed spans and why
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
// A span that cannot be used is left out and counted, with the file,
// trace id, span id and reason ([Reader.Problems], [Reader.Malformed]):
// missing or bad trace or span id (all zeros, wrong length, neither hex
// nor base64), a bad parent id, missing start or end (a Zipkin span
// without timestamp or duration is incomplete), end before start, a
// field of the wrong type. The rest of its trace is returned, with
// [Trace.Malformed] counting what was left out. Malformed JSON or
// protobuf is different: [Reader.Next] returns the error, with the byte
// offset.
package trace
