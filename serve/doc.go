// Package serve is `choreo serve`: an OTLP/HTTP receiver that assembles
// the spans it is sent into traces and checks each complete trace
// against a diagram, as `choreo check` checks a file (trace.Checker).
//
// A [Server] answers POST /v1/traces with the OTLP/HTTP protocol: an
// ExportTraceServiceRequest in protobuf (application/x-protobuf) or JSON
// (application/json), optionally gzip-compressed (Content-Encoding:
// gzip); the answer is an ExportTraceServiceResponse in the request's
// encoding, with a partial success (rejected_spans and the first
// reason) when some spans could not be read. A payload that is not OTLP
// at all, or of which no span can be read, is answered 400 with a
// google.rpc.Status whose message says why; a body over Config.MaxBody
// (as sent or decompressed) 413; other content types and encodings 415;
// a missing or wrong bearer token (Config.Token) 401. Over
// Config.MaxSpans spans in flight a request is refused with 429 and
// Retry-After, and while the server stops with 503 and Retry-After: an
// OTLP exporter retries both.
//
// [Server.GRPC] serves the same receiver over OTLP/gRPC (TraceService
// Export, gzip or not), which the Collector's otlp and loadbalancing
// exporters speak: the same limits, answered with gRPC codes.
//
// # Traces
//
// Spans are grouped by trace id. A trace is complete when no span of it
// has arrived for Config.TraceIdle; [Server.Run] checks complete traces.
// At most Config.MaxTraces traces are in flight: a new one beyond that
// completes the least recently updated one at once (evicted). A span
// whose trace was already checked (among the last 65536) is late: it is
// dropped, counted, and reported in the partial success. [Server.Stop]
// refuses new spans and checks every trace in flight (counted as
// completed at shutdown: possibly incomplete).
//
// No span is lost silently: every span received is accepted, dropped
// (malformed, late) or refused (over capacity, stopping), each counted in
// /metrics.
//
// # What it exposes
//
// GET /result is the current report.Result as JSON (Source "trace", with
// histograms), which `choreo report` renders and `choreo merge` merges
// with the results of other servers of the same diagram: when a
// Collector's loadbalancing exporter routes whole traces by trace id to
// several servers, their merged results are one check of all the traces.
// GET /healthz answers 200 "ok" (503 "stopping" after Stop). GET /metrics
// is in the Prometheus exposition format: the receiver's counters
// (choreo_serve_*) and the checker's aggregate, read at each scrape —
// traces by outcome, conforming traces, traces by deviation kind and
// message, faults by message, latency per message and exchange and end
// to end as histograms (classic buckets in the text format, native
// buckets of schema 3 when the scraper negotiates protobuf; placed at the
// HdrHistogram's resolution, count and sum exact), and each SLO target's
// verdict and burn ratio (observed over its bound).
package serve
